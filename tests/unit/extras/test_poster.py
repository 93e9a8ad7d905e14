"""ad_poster: product + headline + price badge, legible by construction."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.extras import poster
from lightbox.extras.poster import FontUnavailableError, ad_poster, dominant_colour, font_file
from lightbox.imaging.colour import contrast_ratio
from support.studio_images import product_photo


def _studio(colour: tuple[int, int, int]) -> tuple[Image.Image, Image.Image]:
    """A product on pure white, like a studio main image."""
    return product_photo(
        (800, 800), product=colour, backdrop=(255, 255, 255), box=(0.3, 0.15, 0.7, 0.85)
    )


def _text_pixels(
    img: Image.Image, box: tuple[int, int, int, int], background: np.ndarray
) -> np.ndarray:
    """Pixels in `box` clearly different from the background (glyph cores)."""
    a = np.asarray(img.crop(box)).astype(int)
    diff = np.abs(a - background).sum(axis=2)
    return a[diff >= 0.8 * diff.max()]


@pytest.mark.parametrize(
    "colour",
    [(235, 215, 60), (25, 35, 90), (200, 30, 30), (240, 240, 240)],
    ids=["pale-yellow", "navy", "red", "white"],
)
def test_given_a_product_colour_when_a_poster_is_made_then_text_contrast_meets_wcag_aa(colour):
    studio, mask = _studio(colour)

    out = ad_poster(studio, "Handmade ceramic mug", "$24", mask=mask)

    assert out.size == (1080, 1350) and out.mode == "RGB"
    bg = np.asarray(out).astype(int)[-5, 5]
    glyphs = _text_pixels(out, (86, 958, 994, 1188), bg)
    assert glyphs.size, "no headline drawn"
    text = tuple(int(c) for c in np.median(glyphs, axis=0))
    assert contrast_ratio(text, tuple(int(c) for c in bg)) >= 4.5


def test_given_a_colourful_product_when_a_poster_is_made_then_its_colours_follow_the_product():
    studio, mask = _studio((200, 30, 30))

    out = ad_poster(studio, "Red mug", None, mask=mask)

    r, g, b = np.asarray(out).astype(int)[-5, 5]
    assert r > g + 10 and r > b + 10  # a red tint, not a generic grey
    assert min(r, g, b) > 200  # ... light enough to carry dark text


def test_given_an_illegible_palette_when_a_poster_is_made_then_the_text_colour_is_corrected():
    studio, mask = _studio((60, 120, 200))
    palette = ((200, 200, 200), (185, 185, 185), (210, 210, 210))

    out = ad_poster(studio, "Grey on grey", "$5", mask=mask, palette=palette)

    bg = np.array(palette[0])
    glyphs = _text_pixels(out, (86, 958, 994, 1188), bg)
    text = tuple(int(c) for c in np.median(glyphs, axis=0))
    assert contrast_ratio(text, palette[0]) >= 4.5


def test_given_a_long_headline_when_a_poster_is_made_then_it_wraps_and_stays_inside_its_box():
    studio, mask = _studio((60, 120, 200))
    headline = "Extra large insulated stainless steel bottle keeps drinks cold for 24 hours"

    out = ad_poster(studio, headline, None, mask=mask)

    a = np.asarray(out).astype(int)
    bg = a[-5, 5]
    ink = np.abs(a - bg).sum(axis=2) > 60
    text_rows = np.nonzero(ink[958:1188].any(axis=1))[0]
    assert text_rows.size and (np.diff(text_rows) > 8).sum() >= 1  # at least two lines
    assert not ink[900:1250, :80].any() and not ink[900:1250, 1000:].any()  # side margins clear


def test_given_a_price_when_a_poster_is_made_then_a_badge_shows_it_and_without_one_there_is_none():
    studio, mask = _studio((200, 30, 30))

    with_price = np.asarray(ad_poster(studio, "Red mug", "$24", mask=mask)).astype(int)
    without = np.asarray(ad_poster(studio, "Red mug", None, mask=mask)).astype(int)

    def saturated_share(a: np.ndarray) -> float:
        corner = a[30:350, 700:1060]  # where the badge goes
        return float(((corner.max(axis=2) - corner.min(axis=2)) > 100).mean())

    assert saturated_share(with_price) > 0.2
    assert saturated_share(without) < 0.02


def test_given_a_landscape_size_when_a_poster_is_made_then_product_and_text_sit_side_by_side():
    studio, mask = _studio((25, 35, 90))

    out = ad_poster(studio, "Navy notebook", "$12", mask=mask, size=(1200, 628))

    a = np.asarray(out).astype(int)
    bg = a[-3, -3]
    ink = np.abs(a - bg).sum(axis=2) > 60
    assert ink[:, :600].sum() > ink[:, 660:].sum() > 0  # product left, text right


def test_given_a_glossy_red_product_when_the_dominant_colour_is_measured_then_it_is_red_not_white():
    studio, mask = _studio((190, 25, 30))
    arr = np.asarray(studio).copy()
    arr[250:600, 350:380] = 250  # a specular stripe
    glossy = Image.fromarray(arr)

    r, g, b = dominant_colour(glossy, mask)

    assert r > 120 and g < 80 and b < 80


def test_given_the_font_package_when_asked_then_a_packaged_truetype_file_is_used():
    path = font_file()

    assert path.name == "Roboto-Bold.ttf" and path.is_file()
    assert "font_roboto" in path.parts


def test_given_no_font_package_when_a_poster_is_made_then_the_error_says_what_to_install(
    monkeypatch,
):
    monkeypatch.setattr(poster, "FONT_PACKAGE", "no_such_font_package_here")
    poster._font.cache_clear()
    studio, mask = _studio((200, 30, 30))

    with pytest.raises(FontUnavailableError, match="font-roboto"):
        ad_poster(studio, "Red mug", "$24", mask=mask)
    poster._font.cache_clear()


def test_given_an_empty_headline_when_a_poster_is_made_then_it_is_refused():
    studio, mask = _studio((200, 30, 30))

    with pytest.raises(ValueError, match="headline"):
        ad_poster(studio, "   ", "$1", mask=mask)
