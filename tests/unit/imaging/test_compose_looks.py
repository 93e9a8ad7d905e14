"""Studio looks: preset light and shadow, styled backgrounds, specular highlights."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging.compose import StudioResult, compose_studio, styled_variant
from lightbox.models.preset import Background, Lighting, Shadow, StudioLook
from lightbox.models.product import Category
from lightbox.presets import get_preset
from support.rings import SILVER, metal_ring

LUMA = np.array([0.299, 0.587, 0.114])
NEUTRAL = StudioLook()


def shaded_product(
    colour: tuple[int, int, int] = (150, 130, 115),
    backdrop: tuple[int, int, int] = (225, 225, 225),
    size: tuple[int, int] = (900, 700),
    light: tuple[float, float] = (0.45, 1.15),
) -> tuple[Image.Image, Image.Image]:
    """A product (rectangle, a horizontal light falloff across it) on a backdrop.

    The falloff (`colour` times `light[0]` on the shadow side up to `light[1]`
    on the lit side) gives it a real tonal range, so brightness and contrast
    changes are measurable. Returns photo and mask.
    """
    w, h = size
    x0, y0, x1, y1 = int(0.35 * w), int(0.2 * h), int(0.65 * w), int(0.8 * h)
    img = np.broadcast_to(np.array(backdrop, np.float32), (h, w, 3)).copy()
    t = np.linspace(*light, x1 - x0, dtype=np.float32)[None, :, None]
    img[y0:y1, x0:x1] = np.clip(np.array(colour, np.float32) * t, 0, 255)
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 255
    return Image.fromarray(np.round(img).astype(np.uint8)), Image.fromarray(mask)


def body(result: StudioResult) -> np.ndarray:
    """The solid product pixels of a result (N x 3, float)."""
    cut = np.asarray(result.cutout)
    return cut[..., :3][cut[..., 3] == 255].astype(np.float64)


def clipped_share(pixels: np.ndarray) -> float:
    return float((pixels >= 255).all(axis=1).mean())


def assert_background_pure_white(result: StudioResult) -> None:
    """Everything above the product and the whole border band is exactly 255."""
    a = np.asarray(result.image)
    top = result.cutout_offset[1]
    assert result.background_purity == 1.0
    assert (a[: max(0, top - 4)] == 255).all()


def look_with(**lighting: float) -> StudioLook:
    return StudioLook(lighting=Lighting(**lighting))


# ------------------------------------------------------------------ looks


@pytest.mark.parametrize(
    ("lighting", "measure", "minimum_change"),
    [
        ({"warmth": 0.04}, lambda px: (px[:, 0] - px[:, 2]).mean(), 6.0),  # warmer: R up, B down
        ({"midtones": 0.2}, lambda px: (px @ LUMA).mean(), 6.0),  # brighter
        ({"contrast": 0.35}, lambda px: (px @ LUMA).std(), 3.0),  # more contrast
    ],
    ids=["warmth", "midtones", "contrast"],
)
def test_given_a_look_when_composed_then_the_product_changes_that_way_and_the_background_not(
    lighting: dict[str, float], measure, minimum_change: float
):
    photo, mask = shaded_product()

    plain = compose_studio(photo, mask, look=NEUTRAL)
    styled = compose_studio(photo, mask, look=look_with(**lighting))

    assert measure(body(styled)) - measure(body(plain)) >= minimum_change
    assert_background_pure_white(styled)


def test_given_a_higher_exposure_target_when_a_dull_product_is_composed_then_it_is_brighter():
    photo, mask = shaded_product(colour=(175, 175, 175))  # lit side peaks at ~201

    low = compose_studio(photo, mask, look=look_with(exposure_target=210))
    high = compose_studio(photo, mask, look=look_with(exposure_target=245))

    assert (body(high) @ LUMA).mean() > (body(low) @ LUMA).mean() + 8
    assert_background_pure_white(high)


@pytest.mark.parametrize("category", get_args(Category))
def test_given_any_preset_when_a_near_white_product_is_composed_then_it_stays_distinct(
    category: str,
):
    # A white mug on a grey sweep: its lit side is almost white already.
    photo, mask = shaded_product(colour=(236, 236, 232), backdrop=(200, 200, 200), light=(0.8, 1))

    result = compose_studio(photo, mask, look=get_preset(category).look)

    px = body(result)
    assert clipped_share(px) < 0.02  # not blown out into the background
    assert np.median(px) <= 250
    assert_background_pure_white(result)


def test_given_explicit_framing_when_composed_with_a_look_then_the_arguments_win():
    photo, mask = shaded_product()
    look = get_preset("jewellery").look

    result = compose_studio(photo, mask, look=look, canvas=800, fill=0.9, shadow=False)

    assert result.image.size == (800, 800)
    assert result.fill_ratio == pytest.approx(0.9, abs=0.01)
    assert result.shadow is None


def test_given_a_darker_shadow_look_when_composed_then_the_contact_shadow_is_darker():
    photo, mask = shaded_product()

    light = compose_studio(photo, mask, look=StudioLook(shadow=Shadow(opacity=0.15)))
    dark = compose_studio(photo, mask, look=StudioLook(shadow=Shadow(opacity=0.5)))

    assert light.shadow is not None and dark.shadow is not None
    assert np.asarray(dark.shadow).max() > np.asarray(light.shadow).max() + 40
    x, y = dark.cutout_offset
    under = (y + dark.cutout.height + 3, x + dark.cutout.width // 2)  # on the floor, in front
    assert np.asarray(dark.image)[under].sum() < np.asarray(light.image)[under].sum() - 60
    assert_background_pure_white(dark)


def test_given_a_look_without_shadow_when_composed_then_the_floor_stays_white():
    photo, mask = shaded_product()

    result = compose_studio(photo, mask, look=StudioLook(shadow=Shadow(enabled=False)))

    bottom = result.cutout_offset[1] + result.cutout.height
    assert result.shadow is None
    assert (np.asarray(result.image)[bottom + 2 :] == 255).all()


# -------------------------------------------------------------- styled variants


def test_given_a_gradient_when_styled_then_it_runs_top_to_bottom_without_banding():
    photo, mask = shaded_product()
    result = compose_studio(photo, mask)
    gradient = Background(kind="gradient", colours=("#f4f1ec", "#d9d4cc"))

    styled = np.asarray(styled_variant(result, gradient)).astype(np.float64)

    above = styled[: result.cutout_offset[1] - 10]  # rows with nothing but backdrop
    rows = above.mean(axis=1)  # mean colour of each row
    assert rows[0] == pytest.approx([244, 241, 236], abs=1.5)
    steps = np.abs(np.diff(rows, axis=0))
    # Plain rounding would hold each level for ~50 rows and then jump by a
    # whole level: that jump is the band. Dithered rows drift smoothly.
    assert steps.max() < 0.35
    assert (np.diff(rows[::40, 1]) <= 0.5).all()  # darker downwards, never back up
    assert len(np.unique(above[:20, :, 1])) >= 2  # grain, not a flat band
    assert (
        np.asarray(styled_variant(result, gradient)).tobytes() == styled.astype(np.uint8).tobytes()
    )  # same input, same file


def test_given_a_radial_gradient_when_styled_then_centre_and_corners_take_its_colours():
    photo, mask = shaded_product()
    result = compose_studio(photo, mask, shadow=False)
    radial = Background(kind="gradient", shape="radial", colours=("#ffffff", "#b0b0b0"))

    styled = np.asarray(styled_variant(result, radial)).astype(np.float64)

    corner = styled[:40, :40].mean(axis=(0, 1))
    near_top_centre = styled[60:100, 980:1020].mean(axis=(0, 1))
    assert corner == pytest.approx([176, 176, 176], abs=3)
    assert (near_top_centre > corner + 20).all()


def test_given_a_colour_when_styled_then_the_product_is_unchanged_and_the_shadow_tinted():
    photo, mask = shaded_product()
    result = compose_studio(photo, mask)
    sage = Background(kind="colour", colours=("#b4c8b4",))

    styled = np.asarray(styled_variant(result, sage)).astype(int)

    main = np.asarray(result.image).astype(int)
    x, y = result.cutout_offset
    solid = np.asarray(result.cutout.getchannel("A")) == 255
    window = (slice(y, y + solid.shape[0]), slice(x, x + solid.shape[1]))
    assert (styled[window][solid] == main[window][solid]).all()  # same product pixels
    assert styled[0, 0].tolist() == [180, 200, 180]  # exact colour, no noise where no shadow
    shade = styled[y + solid.shape[0] + 3, x + solid.shape[1] // 2]  # just under the product
    assert shade.sum() < 560  # darker than the backdrop ...
    assert shade[1] > shade[0] and shade[1] > shade[2]  # ... and still green, not grey


def test_given_white_when_styled_then_it_is_the_main_image():
    photo, mask = shaded_product()
    result = compose_studio(photo, mask)

    styled = styled_variant(result, Background())

    assert styled.tobytes() == result.image.tobytes()


# ------------------------------------------------------------ specular highlights


JEWELLERY = get_preset("jewellery").look
#: The same look with the specular handling switched off, to show what it changes.
JEWELLERY_PLAIN = JEWELLERY.model_copy(update={"specular": False})


def as_cutout(photo: Image.Image, mask: Image.Image) -> Image.Image:
    """A seller's cut-out: black under the transparent part, so no backdrop to read."""
    rgba = Image.new("RGBA", photo.size, (0, 0, 0, 0))
    rgba.paste(photo, mask=mask.point(lambda v: 255 if v else 0))
    rgba.putalpha(mask)
    return rgba


@pytest.mark.parametrize(
    "look",
    [
        JEWELLERY,
        # A look whose own tone curve clips hard: the highlights' own curve
        # must still protect them.
        JEWELLERY.model_copy(
            update={"lighting": JEWELLERY.lighting.model_copy(update={"highlight_protection": 0})}
        ),
    ],
    ids=["jewellery", "jewellery-without-protection"],
)
def test_given_a_silver_ring_when_composed_as_jewellery_then_its_sparkle_survives_unclipped(
    look: StudioLook,
):
    photo, mask = metal_ring(SILVER, exposure=1.0)
    source = np.asarray(photo)[np.asarray(mask) == 255].astype(np.float64)

    result = compose_studio(photo, mask, look=look)

    px = body(result)
    assert result.adjustments["specular_handling"] == "on"
    assert float(result.adjustments["levels_gain"]) > 1.06  # the dull metal body was lifted ...
    assert (px @ LUMA).max() >= 254  # ... the highlights keep their peak ...
    assert clipped_share(px) <= clipped_share(source)  # ... and clip no wider than shot
    assert_background_pure_white(result)


def test_given_tinted_highlights_when_balanced_as_jewellery_then_they_are_not_the_white_reference():
    cool_window = (0.88, 0.95, 1.0)  # a reflection of the sky, just below clipping
    shiny = as_cutout(*metal_ring(SILVER, exposure=1.0, highlight_tint=cool_window,
                                  highlight_gain=0.45))  # fmt: skip
    matte = as_cutout(*metal_ring(SILVER, exposure=1.0, highlights=False))
    gains = ("gain_r", "gain_g", "gain_b")

    with_highlights = compose_studio(shiny, shiny.getchannel("A"), look=JEWELLERY).adjustments
    without = compose_studio(matte, matte.getchannel("A"), look=JEWELLERY).adjustments
    unprotected = compose_studio(shiny, shiny.getchannel("A"), look=JEWELLERY_PLAIN).adjustments

    assert [with_highlights[g] for g in gains] == pytest.approx(
        [without[g] for g in gains], abs=0.002
    )
    # What the exclusion prevents: the reflections would have set the balance.
    assert max(abs(unprotected[g] - without[g]) for g in gains) > 0.01


def test_given_highlights_when_levels_are_set_as_jewellery_then_they_do_not_veto_brightening():
    photo, mask = metal_ring(SILVER, exposure=1.0)

    handled = compose_studio(photo, mask, look=JEWELLERY).adjustments
    plain = compose_studio(photo, mask, look=JEWELLERY_PLAIN).adjustments

    assert float(handled["levels_gain"]) > float(plain["levels_gain"]) + 0.05


def test_given_highlights_when_levels_lift_a_ring_then_they_keep_headroom_above_the_metal():
    shiny = compose_studio(*metal_ring(SILVER, exposure=1.0), look=JEWELLERY).adjustments
    matte = compose_studio(*metal_ring(SILVER, exposure=1.0, highlights=False), look=JEWELLERY)

    # The same metal without reflections may be lifted fully; with them, less,
    # so the body does not climb up to its own sparkle.
    assert float(shiny["levels_gain"]) < float(matte.adjustments["levels_gain"]) - 0.05


def test_given_highlights_when_sharpened_as_jewellery_then_they_are_left_alone():
    photo, mask = metal_ring(SILVER, exposure=1.0)
    soft = JEWELLERY.lighting.model_copy(update={"sharpen_amount": 0.0})

    def pair(look: StudioLook) -> tuple[np.ndarray, np.ndarray]:
        """The main image with the look's sharpening, and without any."""
        blunt = look.model_copy(update={"lighting": soft})
        return tuple(
            np.asarray(compose_studio(photo, mask, look=variant).image).astype(int)
            for variant in (look, blunt)
        )

    sharp, blunt = pair(JEWELLERY)
    highlights = (blunt @ LUMA) >= 245
    interior = (np.abs(sharp - blunt).sum(axis=2) > 0) & ~highlights
    assert (sharp[highlights] == blunt[highlights]).all()
    assert interior.sum() > 1000  # the rest of the ring was sharpened
    plain_sharp, plain_blunt = pair(JEWELLERY_PLAIN)
    assert (plain_sharp[highlights] != plain_blunt[highlights]).any()  # unguarded, it is not


def test_given_products_when_composed_then_the_specular_share_is_measured():
    ring = compose_studio(*metal_ring(SILVER), look=JEWELLERY)
    matte = compose_studio(*shaded_product())

    assert float(ring.adjustments["specular_fraction"]) > 0.01
    assert matte.adjustments["specular_fraction"] == 0.0
    assert matte.adjustments["specular_handling"] == "off"
