"""describe_colours: the product's colours in words, not the studio's."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lightbox.analysis.attributes import colour_name, describe_colours

WHITE_SWEEP = (238, 237, 235)
LIGHT_GREY_SWEEP = (214, 215, 218)


def product_shot(
    colour: tuple[int, int, int],
    background: tuple[int, int, int] = WHITE_SWEEP,
    size: tuple[int, int] = (900, 700),
    shaded: bool = False,
) -> Image.Image:
    """A product (an ellipse) in the middle of a plain background.

    ``shaded`` lights it from the left like a cylinder: from 45 % to 100 % of
    its colour, the way a real product photo shows a single-coloured object.
    """
    w, h = size
    image = Image.new("RGB", size, background)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.8), fill=255)
    if shaded:
        xs = np.linspace(1.0, 0.45, w, dtype=np.float32)[None, :, None]
        body = np.asarray(colour, np.float32) * xs * np.ones((h, 1, 1), np.float32)
        fill = Image.fromarray(body.astype(np.uint8))
    else:
        fill = Image.new("RGB", size, colour)
    image.paste(fill, mask=mask)
    return image


def names(result: dict) -> list[str]:
    return [c["name"] for c in result["colours"]]


@pytest.mark.parametrize(
    ("colour", "background", "expected"),
    [
        ((196, 28, 34), WHITE_SWEEP, "red"),
        ((28, 38, 84), WHITE_SWEEP, "navy"),
        ((214, 192, 158), (120, 120, 124), "beige"),
        ((20, 20, 22), WHITE_SWEEP, "black"),
        ((246, 246, 244), LIGHT_GREY_SWEEP, "white"),
        ((40, 92, 200), WHITE_SWEEP, "blue"),
        ((30, 122, 124), WHITE_SWEEP, "teal"),
    ],
    ids=["red", "navy", "beige-on-grey", "black", "white-on-light-grey", "blue", "teal"],
)
def test_given_single_colour_product_when_described_then_named_and_background_ignored(
    colour: tuple[int, int, int], background: tuple[int, int, int], expected: str
):
    result = describe_colours(product_shot(colour, background))

    assert result["source"] == "centre"
    assert result["colours"][0]["name"] == expected
    assert result["colours"][0]["share"] > 0.9


def test_given_shaded_red_product_when_described_then_red_not_its_shadow_colour():
    result = describe_colours(product_shot((200, 30, 36), shaded=True))

    assert names(result)[0] == "red"
    assert "maroon" not in names(result)  # the shadow side is the same red


def test_given_mask_when_described_then_only_masked_pixels_count():
    image = Image.new("RGB", (800, 600), (196, 28, 34))
    ImageDraw.Draw(image).rectangle((400, 0, 800, 600), fill=(40, 92, 200))
    mask = Image.new("L", (800, 600), 0)
    ImageDraw.Draw(mask).rectangle((420, 0, 800, 600), fill=255)

    with_mask = describe_colours(image, mask)
    without = describe_colours(image)

    assert with_mask["source"] == "mask"
    assert names(with_mask) == ["blue"]
    assert set(names(without)) == {"red", "blue"}


def test_given_mask_of_another_size_when_described_then_it_is_scaled_to_the_image():
    image = product_shot((40, 92, 200))
    mask = Image.new("L", (90, 70), 0)
    ImageDraw.Draw(mask).ellipse((30, 16, 60, 54), fill=255)

    result = describe_colours(image, mask)

    assert result["source"] == "mask" and names(result)[0] == "blue"


def test_given_empty_mask_when_described_then_falls_back_to_centre_weighting():
    result = describe_colours(product_shot((196, 28, 34)), Image.new("L", (900, 700), 0))

    assert result["source"] == "centre"
    assert names(result)[0] == "red"


def test_given_transparent_pixels_when_described_then_they_are_not_product():
    image = Image.new("RGBA", (800, 600), (40, 160, 60, 0))  # invisible green
    ImageDraw.Draw(image).ellipse((200, 100, 600, 500), fill=(196, 28, 34, 255))

    assert names(describe_colours(image)) == ["red"]


def test_given_two_colour_product_when_described_then_both_with_shares_in_order():
    image = Image.new("RGB", (900, 700), WHITE_SWEEP)
    draw = ImageDraw.Draw(image)
    draw.rectangle((250, 150, 650, 550), fill=(236, 168, 184))  # pink jar
    draw.rectangle((250, 150, 650, 280), fill=(208, 168, 92))  # gold lid

    result = describe_colours(image)

    assert names(result)[:2] == ["pink", "gold"]
    shares = [c["share"] for c in result["colours"]]
    assert shares == sorted(shares, reverse=True)
    assert 0.99 <= sum(shares) <= 1.0001


def test_given_k_when_described_then_at_most_k_colours():
    image = Image.new("RGB", (900, 700), WHITE_SWEEP)
    draw = ImageDraw.Draw(image)
    for i, colour in enumerate([(196, 28, 34), (40, 92, 200), (52, 140, 62), (246, 214, 52)]):
        draw.rectangle((250 + i * 100, 150, 350 + i * 100, 550), fill=colour)

    assert len(describe_colours(image, k=2)["colours"]) == 2
    assert len(describe_colours(image, k=4)["colours"]) == 4


def test_given_k_below_one_when_described_then_value_error():
    with pytest.raises(ValueError):
        describe_colours(product_shot((196, 28, 34)), k=0)


def test_given_colours_when_described_then_hex_is_a_css_colour_near_the_product():
    result = describe_colours(product_shot((196, 28, 34)))

    hex_colour = result["colours"][0]["hex"]
    assert len(hex_colour) == 7 and hex_colour.startswith("#")
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    assert abs(r - 196) < 12 and abs(g - 28) < 12 and abs(b - 34) < 12


def test_given_light_and_dark_products_when_described_then_brightness_orders_them():
    light = describe_colours(product_shot((246, 246, 244), LIGHT_GREY_SWEEP))
    dark = describe_colours(product_shot((20, 20, 22)))

    assert 0.0 <= dark["brightness"] < 0.2 < 0.9 < light["brightness"] <= 1.0


def test_given_grey_and_red_products_when_described_then_colourfulness_orders_them():
    grey = describe_colours(product_shot((128, 128, 130)))
    red = describe_colours(product_shot((196, 28, 34)))

    assert grey["colourfulness"] < 0.05 < 0.5 < red["colourfulness"] <= 1.0


def test_given_same_image_when_described_twice_then_identical():
    image = product_shot((200, 30, 36), shaded=True)

    assert describe_colours(image) == describe_colours(image)


def test_given_product_same_colour_as_background_when_described_then_still_answers():
    result = describe_colours(Image.new("RGB", (600, 600), (120, 120, 124)))

    assert names(result) == ["grey"]


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [
        ((255, 255, 255), "white"),
        ((0, 0, 0), "black"),
        ((0, 0, 128), "navy"),
        ((250, 120, 20), "orange"),
    ],
)
def test_given_an_rgb_value_when_named_then_everyday_name(rgb: tuple[int, int, int], expected: str):
    assert colour_name(rgb) == expected
