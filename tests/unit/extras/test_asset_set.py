"""product_page_assets: main, three close-ups, lifestyle, poster."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from lightbox.extras.asset_set import (
    MIN_DETAIL_GRADIENT,
    MIN_DETAIL_STD,
    detail_boxes,
    detail_crops,
    product_page_assets,
    structure,
)
from lightbox.extras.generative import ProceduralSceneGenerator
from support.samples import sample_set


def _detailed_cutout() -> Image.Image:
    """A plain blue box (600 x 600) with a fine checker patch top-left and
    stripes bottom-right: the two places a close-up should go."""
    arr = np.zeros((600, 600, 4), np.uint8)
    arr[..., :3] = (60, 110, 190)
    arr[..., 3] = 255
    yy, xx = np.mgrid[0:150, 0:150]
    arr[60:210, 60:210, :3] = np.where((((yy // 6) + (xx // 6)) % 2)[..., None] == 1, 240, 20)
    arr[420:560, 380:560, :3] = np.where(((np.arange(180) // 5) % 2)[None, :, None] == 1, 230, 30)
    return Image.fromarray(arr, "RGBA")


def _studio(cut: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (1000, 1000), "white")
    canvas.paste(cut, (200, 200), cut)
    return canvas


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_given_a_cutout_when_details_are_picked_then_they_cover_detailed_parts_without_overlap():
    cut = _detailed_cutout()

    boxes = detail_boxes(cut)

    assert len(boxes) == 3
    assert all(b[2] - b[0] == b[3] - b[1] for b in boxes)  # squares
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert _overlap(boxes[0], (60, 60, 210, 210))  # the checker: most edges
    assert _overlap(boxes[1], (380, 420, 560, 560))  # then the stripes
    third = boxes[2]
    assert not _overlap(third, (60, 60, 210, 210)) and not _overlap(third, (380, 420, 560, 560))


def test_given_a_product_when_the_asset_set_is_built_then_every_asset_is_there_and_sized():
    cut = _detailed_cutout()

    assets = product_page_assets(
        _studio(cut), cut, headline="Blue box", price="$9", detail_side=512
    )

    # Two close-ups show something (the checker, the stripes); the third
    # candidate is plain blue, so it is dropped rather than shipped.
    assert list(assets) == ["main", "detail_1", "detail_2", "lifestyle", "poster"]
    assert all(img.mode == "RGB" for img in assets.values())
    boxes = detail_boxes(cut)
    for i in (1, 2):
        side = boxes[i - 1][2] - boxes[i - 1][0]
        assert assets[f"detail_{i}"].size[0] == assets[f"detail_{i}"].size[1]
        assert assets[f"detail_{i}"].size[0] <= round(1.5 * side)  # never enlarged > 1.5x
    assert assets["main"].size == (1000, 1000)
    assert assets["poster"].size == (1080, 1350)


def _structure_of(image: Image.Image) -> tuple[float, float]:
    return structure(image.convert("RGBA"))


def test_given_a_plain_product_when_close_ups_are_cut_then_none_is_shipped():
    plain = Image.new("RGBA", (600, 600), (176, 22, 30, 255))

    assert detail_crops(plain) == []


def test_given_the_demo_mug_photo_when_close_ups_are_cut_then_each_carries_real_structure(
    tmp_path,
):
    from lightbox.imaging.segment import segment_foreground
    from lightbox.validation.photo import inspect_photo

    spec = next(s for s in sample_set(tmp_path) if s.sku == "MUG-RED-001")
    _, photo = inspect_photo(spec.path.read_bytes(), spec.path.name)
    assert photo is not None
    mask = segment_foreground(photo).mask
    full = photo.convert("RGBA")
    full.putalpha(mask)

    studio = Image.new("RGB", (2000, 2000), "white")
    assets = product_page_assets(
        studio, full, headline="Mug", price=None, photo=photo, mask=mask, detail_side=1600
    )

    details = [img for name, img in assets.items() if name.startswith("detail_")]
    assert details, "a glossy mug with a handle and highlights has something to show"
    for image in details:
        spread, gradient = _structure_of(image)
        assert spread >= MIN_DETAIL_STD and gradient >= MIN_DETAIL_GRADIENT
        assert image.width <= 1600


def test_given_a_seller_scene_when_the_asset_set_is_built_then_the_lifestyle_shot_uses_it():
    cut = _detailed_cutout()
    scene = Image.new("RGB", (800, 800), (40, 160, 70))

    assets = product_page_assets(
        _studio(cut), cut, headline="Blue box", price=None, scene=scene, detail_side=256
    )

    life = np.asarray(assets["lifestyle"]).astype(int)
    assert life.shape[:2] == (800, 800)
    assert tuple(life[5, 5]) == (40, 160, 70)


def test_given_no_scene_when_the_asset_set_is_built_then_the_generator_renders_one():
    calls: list[tuple[str, int]] = []

    class Recording(ProceduralSceneGenerator):
        def generate_scene(self, prompt: str, size: int) -> Image.Image:
            calls.append((prompt, size))
            return Image.new("RGB", (size, size), (200, 40, 200))

    cut = _detailed_cutout()
    assets = product_page_assets(
        _studio(cut), cut, headline="Blue box", price=None, generator=Recording(), detail_side=256
    )

    assert calls and calls[0][1] == 1000
    assert tuple(np.asarray(assets["lifestyle"])[5, 5]) == (200, 40, 200)


def test_given_a_tiny_plain_product_when_details_are_picked_then_no_crop_leaves_the_product():
    cut = Image.new("RGBA", (120, 40), (90, 90, 90, 255))
    ImageDraw.Draw(cut).rectangle((0, 0, 119, 39), outline=(0, 0, 0, 0))

    boxes = detail_boxes(cut)

    assert all(0 <= b[0] < b[2] <= 120 and 0 <= b[1] < b[3] <= 40 for b in boxes)
