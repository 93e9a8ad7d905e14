"""Category presets: the shipped files, the loader's refusals, thresholds derived from them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import pytest

from lightbox.models.preset import CategoryPreset
from lightbox.models.product import Category, StudioExtras
from lightbox.presets import PRESET_DIR, PresetError, catalogue, get_preset, load_presets
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS, builtin_config

CATEGORIES = get_args(Category)


# ----------------------------------------------------------------- shipped presets


def test_given_the_shipped_directory_when_loaded_then_every_category_has_a_valid_preset():
    presets = load_presets(PRESET_DIR)

    assert list(presets) == list(CATEGORIES)
    assert all(isinstance(p, CategoryPreset) for p in presets.values())
    assert sorted(path.stem for path in PRESET_DIR.glob("*.json")) == sorted(CATEGORIES)


def test_given_the_package_when_its_resources_are_listed_then_the_preset_files_ship_with_it():
    shipped = {f.name for f in resources.files("lightbox.presets").iterdir()}

    assert {f"{name}.json" for name in CATEGORIES} <= shipped


@pytest.mark.parametrize("category", CATEGORIES)
def test_given_a_category_when_its_preset_is_asked_for_then_it_is_that_categorys(category: str):
    preset = get_preset(category)

    assert preset.category == category
    assert preset.look.lighting == preset.lighting and preset.look.specular == preset.specular


def test_given_an_unknown_category_when_its_preset_is_asked_for_then_general_is_used():
    assert get_preset("garden_furniture") is get_preset("general")


def test_given_the_presets_when_compared_then_jewellery_routes_strictest():
    jewellery = get_preset("jewellery").thresholds
    general = get_preset("general").thresholds

    assert jewellery.auto > general.auto and jewellery.review > general.review
    for name in CATEGORIES:
        other = get_preset(name).thresholds
        assert jewellery.auto >= other.auto and jewellery.review >= other.review, name


def test_given_reflective_categories_when_loaded_then_they_get_specular_handling():
    assert get_preset("jewellery").specular
    assert not get_preset("fashion").specular  # fabric: no specular special-casing


def test_given_the_presets_when_their_extras_are_read_then_each_is_a_studio_extra():
    known = set(StudioExtras.model_fields)

    for preset in catalogue().values():
        assert set(preset.default_extras) <= known, preset.category


def test_given_the_builtin_thresholds_when_read_then_they_are_the_presets_values():
    for name in CATEGORIES:
        assert DEFAULT_THRESHOLDS[name] == get_preset(name).thresholds.model_dump()
    assert (
        builtin_config().for_category("jewellery").auto == get_preset("jewellery").thresholds.auto
    )


# ------------------------------------------------------------------- refusals


def _copy_presets(tmp_path: Path) -> Path:
    target = tmp_path / "presets"
    target.mkdir()
    for path in PRESET_DIR.glob("*.json"):
        shutil.copy(path, target / path.name)
    return target


def _edit(directory: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / f"{name}.json"
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        node = raw
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("thresholds", "review", value=0.95), r"jewellery\.json: thresholds: .*above auto"),
        (_set("lighting", "contrats", value=0.1), r"jewellery\.json: lighting\.contrats: Extra"),
        (_set("lighting", "exposure_target", value=255), r"lighting\.exposure_target: .*250"),
        (_set("framing", "fill", value=0.7), r"framing\.fill: .*85% of the frame"),
        (_set("default_extras", value=["ghost_mannequin"]), r"ghost_mannequin.*needs seller"),
        (_set("default_extras", value=["hologram"]), r"unknown studio extra 'hologram'"),
        (_set("styled_background", "colours", value=["#fff"]), r"styled_background\.colours"),
        (_set("styled_background", "colours", value=["#ffffff"]), r"gradient background takes 2"),
        (_set("category", value="rings"), r"jewellery\.json: category"),
        (_set("default_marketplaces", value=[]), r"default_marketplaces"),
    ],
)
def test_given_a_broken_preset_file_when_loaded_then_it_is_refused_naming_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
):
    directory = _copy_presets(tmp_path)
    _edit(directory, "jewellery", change)

    with pytest.raises(PresetError, match=message):
        load_presets(directory)


def test_given_a_file_that_is_not_json_when_loaded_then_it_is_refused(tmp_path: Path):
    directory = _copy_presets(tmp_path)
    (directory / "fashion.json").write_text('{"category": "fashion",')

    with pytest.raises(PresetError, match=r"fashion\.json: cannot be read as JSON"):
        load_presets(directory)


def test_given_a_preset_under_another_categorys_name_when_loaded_then_it_is_refused(
    tmp_path: Path,
):
    directory = _copy_presets(tmp_path)
    shutil.copy(directory / "general.json", directory / "beverages.json")

    with pytest.raises(PresetError, match=r"beverages\.json: describes category 'general'"):
        load_presets(directory)


def test_given_a_missing_category_when_loaded_then_the_gap_is_named(tmp_path: Path):
    directory = _copy_presets(tmp_path)
    (directory / "cosmetics.json").unlink()

    with pytest.raises(PresetError, match=r"no preset for cosmetics"):
        load_presets(directory)
