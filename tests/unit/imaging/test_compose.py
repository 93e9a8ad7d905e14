"""Studio composition: white canvas, fill, shadow, gentle correction, clean edges."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging.compose import StudioResult, compose_studio

# ---------------------------------------------------------------- synthetic scenes


def scene(
    product: tuple[int, int, int] = (200, 30, 30),
    backdrop: tuple[int, int, int] = (235, 235, 235),
    size: tuple[int, int] = (1200, 900),
    box: tuple[float, float, float, float] = (0.35, 0.2, 0.65, 0.8),
    shading: bool = False,
    edge: float = 1.0,
) -> tuple[Image.Image, Image.Image]:
    """A product (rounded rectangle) with a soft edge on a backdrop.

    Edge pixels are true mixtures of product and backdrop over `edge` px
    (coverage from the signed distance to the outline), like a photo's
    slightly defocused outline. Returns the photo and the exact soft mask.
    """
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    r = 0.08 * (x1 - x0)
    qx = np.abs(x - (x0 + x1) / 2) - ((x1 - x0) / 2 - r)
    qy = np.abs(y - (y0 + y1) / 2) - ((y1 - y0) / 2 - r)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
    cover = np.clip(0.5 - (outside - r) / edge, 0, 1)[..., None]
    colour = np.broadcast_to(np.array(product, np.float32), (h, w, 3))
    if shading:
        t = np.clip((x - x0) / (x1 - x0), 0, 1)
        colour = colour * (0.8 + 0.2 * np.cos((t - 0.4) * np.pi))[..., None]
    img = cover * colour + (1 - cover) * np.array(backdrop, np.float32)
    photo = Image.fromarray(np.round(img).astype(np.uint8), "RGB")
    return photo, Image.fromarray(np.round(cover[..., 0] * 255).astype(np.uint8), "L")


def _solid_bbox(result: StudioResult) -> tuple[int, int, int, int]:
    """Bounding box of clearly-product pixels (the product is dark on white)."""
    a = np.asarray(result.image).astype(int)
    product = (a.min(axis=2) < 180) & (a.max(axis=2) - a.min(axis=2) > 60)
    ys, xs = np.nonzero(product)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


# ------------------------------------------------------------------------- tests


def test_given_a_product_when_composed_then_it_fills_the_canvas_as_asked_and_is_centred():
    photo, mask = scene()

    result = compose_studio(photo, mask, fill=0.88, canvas=2000)

    assert result.image.mode == "RGB" and result.image.size == (2000, 2000)
    assert result.fill_ratio == pytest.approx(0.88, abs=0.005)
    x0, y0, x1, y1 = _solid_bbox(result)
    assert (y1 - y0) / 2000 == pytest.approx(0.88, abs=0.01)  # the long side is vertical
    assert (x0 + x1) / 2 == pytest.approx(1000, abs=20)
    assert (y0 + y1) / 2 == pytest.approx(1000, abs=20)


def test_given_a_grey_backdrop_when_composed_then_the_background_is_exactly_white():
    photo, mask = scene(backdrop=(180, 182, 176))

    result = compose_studio(photo, mask)

    a = np.asarray(result.image)
    x0, y0, x1, y1 = _solid_bbox(result)
    assert result.background_purity == 1.0
    assert (a[: y0 - 4] == 255).all()  # everything above the product
    beside = a[: y1 - (y1 - y0) // 10]  # near the floor the shadow spreads a little wider
    assert (beside[:, : x0 - 4] == 255).all() and (beside[:, x1 + 4 :] == 255).all()


def test_given_a_product_when_composed_then_a_soft_contact_shadow_sits_under_it():
    photo, mask = scene()

    result = compose_studio(photo, mask)

    a = np.asarray(result.image).astype(int)
    x0, _, x1, y1 = _solid_bbox(result)
    cx = (x0 + x1) // 2
    near, far = a[y1 + 6, cx], a[y1 + 40, cx]
    assert 120 < near.mean() < 245  # visible but far from black: low opacity
    assert near.mean() < far.mean() <= 255  # fades with distance: soft
    assert (np.ptp(near) <= 2) and (np.ptp(far) <= 2)  # neutral grey, no colour cast
    assert (a[-25:] == 255).all()  # never reaches the canvas edge


def test_given_shadow_off_when_composed_then_the_floor_stays_white():
    photo, mask = scene()

    result = compose_studio(photo, mask, shadow=False)

    a = np.asarray(result.image)
    _, _, _, y1 = _solid_bbox(result)
    assert (a[y1 + 6 :] == 255).all()


def test_given_a_dark_backdrop_when_composed_then_edges_carry_no_grey_halo():
    # A slightly defocused outline: 6 px where the photo mixes red and dark grey.
    photo, mask = scene(product=(210, 40, 40), backdrop=(70, 70, 70), edge=6)

    result = compose_studio(photo, mask, shadow=False)

    a = np.asarray(result.image).astype(np.float32)
    x0, y0, x1, y1 = _solid_bbox(result)
    mid = (y0 + y1) // 2
    red = np.median(a[mid - 50 : mid + 50, (x0 + x1) // 2].reshape(-1, 3), axis=0)
    edge = a[mid, x0 - 16 : x0 + 16]
    # Edge pixels must mix the product colour with the *new* white only: never
    # darker than the product (a grey rim), and on the red-white line, where
    # green gives the mix and red must agree with it.
    assert edge[:, 0].min() >= red[0] - 4
    mix = (255 - edge[:, 1]) / (255 - red[1])
    assert np.abs(edge[:, 0] - (255 - mix * (255 - red[0]))).max() <= 6


def test_given_a_near_white_product_when_composed_then_it_stays_distinct_from_the_background():
    photo, mask = scene(product=(236, 236, 232), backdrop=(200, 200, 200), shading=True)

    result = compose_studio(photo, mask)

    a = np.asarray(result.image)
    m = np.asarray(result.cutout.getchannel("A")) == 255
    body = np.asarray(result.cutout.convert("RGB"))[m]
    assert (body == 255).all(axis=1).mean() < 0.02  # not blown out into the background
    assert np.median(body) <= 250
    assert result.background_purity == 1.0 and a[0, 0].tolist() == [255, 255, 255]


def test_given_a_warm_cast_on_a_neutral_sweep_when_composed_then_it_is_corrected_gently():
    cast = np.array([1.06, 1.0, 0.90])
    backdrop = tuple(int(v) for v in np.clip(np.array([228, 228, 228]) * cast, 0, 255))
    product = tuple(int(v) for v in np.clip(np.array([120, 120, 120]) * cast, 0, 255))
    photo, mask = scene(product=product, backdrop=backdrop)

    result = compose_studio(photo, mask, shadow=False)

    adj = result.adjustments
    assert adj["wb_reference"] == "backdrop"
    assert adj["gain_r"] < 1.0 < adj["gain_b"]
    assert all(0.92 <= adj[k] <= 1.08 for k in ("gain_r", "gain_g", "gain_b"))  # clamped
    solid = np.asarray(result.cutout.getchannel("A")) == 255
    after = np.median(np.asarray(result.cutout.convert("RGB"))[solid], axis=0)
    assert np.ptp(after) < np.ptp(np.array(product))  # closer to neutral grey than it was


def test_given_a_coloured_cloth_when_composed_then_its_colour_is_not_taken_for_a_cast():
    photo, mask = scene(product=(200, 40, 40), backdrop=(40, 60, 160))

    result = compose_studio(photo, mask)

    assert result.adjustments["wb_reference"] == "none"
    assert result.adjustments["gain_r"] == result.adjustments["gain_b"] == 1.0


def test_given_a_product_when_composed_then_the_cutout_is_the_product_on_transparency():
    photo, mask = scene()

    result = compose_studio(photo, mask)

    cutout = result.cutout
    alpha = np.asarray(cutout.getchannel("A"))
    assert cutout.mode == "RGBA"
    assert cutout.getchannel("A").getbbox() == (0, 0, *cutout.size)  # cropped tight
    assert alpha[0, 0] == 0 and alpha[-1, -1] == 0  # rounded corners are transparent
    assert alpha[alpha.shape[0] // 2, alpha.shape[1] // 2] == 255
    assert max(cutout.size) == pytest.approx(0.88 * 2000, abs=6)


def test_given_an_rgba_cutout_when_composed_then_its_colours_are_used_as_they_are():
    _, mask = scene()
    # A typical exported cut-out: product colour wherever alpha > 0 (also under
    # the soft edge), black under the fully transparent part.
    cutout = Image.new("RGBA", mask.size, (0, 0, 0, 0))
    cutout.paste((210, 40, 40, 255), mask=mask.point(lambda v: 255 if v else 0))
    cutout.putalpha(mask)

    result = compose_studio(cutout, mask, shadow=False)

    a = np.asarray(result.image).astype(int)
    x0, y0, _, y1 = _solid_bbox(result)
    edge = a[(y0 + y1) // 2, x0 - 4 : x0 + 4]
    assert (edge[:, 0] >= 195).all()  # red fading into white, no dark fringe from the black


def test_given_a_smaller_canvas_when_composed_then_everything_scales():
    photo, mask = scene()

    result = compose_studio(photo, mask, canvas=800, fill=0.85)

    assert result.image.size == (800, 800)
    assert result.fill_ratio == pytest.approx(0.85, abs=0.005)
    assert result.background_purity == 1.0


def test_given_a_large_photo_when_composed_then_work_happens_at_canvas_size():
    small, small_mask = scene()
    photo = small.resize((4800, 3600), Image.Resampling.BICUBIC)
    mask = small_mask.resize((4800, 3600), Image.Resampling.BICUBIC)

    result = compose_studio(photo, mask)

    assert result.image.size == (2000, 2000)
    assert max(result.cutout.size) <= 2000


@pytest.mark.parametrize(
    ("mask_size", "fill", "message"),
    [
        ((100, 100), 0.88, "does not match"),
        (None, 1.5, "fill must be"),
    ],
)
def test_given_bad_arguments_when_composed_then_the_error_says_what_is_wrong(
    mask_size: tuple[int, int] | None, fill: float, message: str
):
    photo, mask = scene()
    if mask_size:
        mask = mask.resize(mask_size)

    with pytest.raises(ValueError, match=message):
        compose_studio(photo, mask, fill=fill)


def test_given_an_empty_mask_when_composed_then_it_refuses():
    photo, _ = scene()

    with pytest.raises(ValueError, match="no product"):
        compose_studio(photo, Image.new("L", photo.size, 0))
