"""Studio backgrounds for styled outputs: a solid colour or a smooth gradient.

A gradient between two close colours (a soft grey sweep) spans only a few
dozen 8-bit levels over 2000 px, so quantising it plainly gives visible
bands, each one level apart and ~50 px wide, and JPEG makes them worse. Adding
triangular (TPDF) noise of +-1 level before rounding breaks the bands up into
grain too fine to see; the mean of every row still follows the gradient. The
noise comes from a fixed seed: the same input renders the same file (retries
and duplicate events must produce identical outputs).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from lightbox.models.preset import Background

#: The radial gradient's centre, as a share of width and height: a little
#: above the middle, where a spotlight behind a standing product would aim.
RADIAL_CENTRE = (0.5, 0.45)


def render_background(
    background: Background,
    size: tuple[int, int],
    *,
    shadow: Image.Image | None = None,
    seed: int = 0,
) -> Image.Image:
    """`background` at `size`, RGB, with an optional shadow multiplied in.

    shadow: 'L' darkness map of the same size (0 = none, 255 = black), as in
        `StudioResult.shadow`. It darkens the background's own colour, the
        way a shadow on a coloured floor does, and is applied before the
        dither so the shadow's soft ramp does not band either.
    """
    w, h = size
    colours = np.array(background.rgb(), np.float32)
    if background.kind != "gradient":
        if shadow is None:
            return Image.new("RGB", size, tuple(int(c) for c in colours[0]))
        pixels = np.broadcast_to(colours[0], (h, w, 3)).astype(np.float32)
    else:
        t = _gradient_position(background.shape, w, h)
        pixels = colours[0] + t[..., None] * (colours[1] - colours[0])
    darkness = None
    if shadow is not None:
        if shadow.size != size:
            raise ValueError(f"shadow size {shadow.size} does not match background size {size}")
        darkness = np.asarray(shadow, np.float32) / 255.0
        pixels *= (1.0 - darkness)[..., None]
    rng = np.random.default_rng(seed)
    # Same noise in all three channels: grain in brightness only, no coloured
    # speckle. A solid colour keeps its exact value outside the shadow.
    noise = rng.random((h, w), np.float32) - rng.random((h, w), np.float32)
    if background.kind != "gradient" and darkness is not None:
        noise *= darkness > 0
    pixels += noise[..., None]
    return Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8), "RGB")


def _gradient_position(shape: str, w: int, h: int) -> npt.NDArray[np.floating]:
    """0 at the first colour, 1 at the second, for every pixel (h x w; float32 for
    the vertical shape, float64 for the radial one)."""
    if shape == "vertical":
        t = (np.arange(h, dtype=np.float32) + 0.5) / h
        return np.broadcast_to(t[:, None], (h, w))
    cx, cy = RADIAL_CENTRE[0] * w, RADIAL_CENTRE[1] * h
    reach = np.hypot(max(cx, w - cx), max(cy, h - cy))
    y = (np.arange(h, dtype=np.float32) + 0.5 - cy)[:, None]
    x = (np.arange(w, dtype=np.float32) + 0.5 - cx)[None, :]
    d: npt.NDArray[np.float64] = np.clip(np.hypot(x, y) / reach, 0.0, 1.0)
    return d * d * (3.0 - 2.0 * d)  # smoothstep: a soft centre, no visible rim
