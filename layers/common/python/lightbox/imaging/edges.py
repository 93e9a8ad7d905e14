"""Product edges against the old backdrop: alpha re-measured, colour unmixed.

`refine_edge` works on the product's crop just before it is scaled onto the
canvas, so the pasted edge carries no grey or coloured halo from the backdrop
the photo was taken on. Used by `imaging.compose.compose_studio`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

#: Product and backdrop colours (RGB distance) this far apart are told apart by
#: colour alone at the edge (`_refine_edge`); closer than that the mask decides.
EDGE_COLOUR_SPLIT = 40.0


def refine_edge(image: Image.Image, alpha: Image.Image) -> tuple[Image.Image, Image.Image]:
    """Re-derive edge alpha from colour and remove the old backdrop from it.

    An edge pixel is a mix I = a*F + (1-a)*B of product colour F and backdrop
    colour B. Both are estimated locally: normalised blurs of the solid
    product pixels and of the pure backdrop pixels (at 1/4 scale, since both
    vary slowly next to an edge).

    * Where F and B clearly differ, a is re-measured from the colour itself,
      a = (I-B).(F-B) / |F-B|^2. The mask comes from a coarser working copy
      and can sit a pixel off the real edge; a pixel that is really backdrop
      then gets a ~ 0 here instead of keeping the cloth's colour on the edge.
    * Everywhere in the band, the product colour is unmixed,
      F = (I - (1-a)*B) / a, so pasting on white leaves no grey or blue halo.
      Where a is small that estimate is noisy and the local F is used.

    Where F and B are alike (a white mug on white paper) the mask's alpha is
    kept: colour cannot tell them apart, but then neither can the eye.
    """
    a = np.asarray(alpha)
    soft = (a > 0) & (a < 255)
    if not soft.any():
        return image, alpha
    # One pixel either side of the soft ramp, so a mask that is a pixel too
    # tight or too loose can still be corrected.
    solid, empty = a == 255, a == 0
    band = soft | (_shift_any(soft) & (solid | empty))

    factor = 4
    f_map, f_weight = _local_mean(image, solid, factor)
    b_map, b_weight = _local_mean(image, empty, factor)
    ys, xs = np.nonzero(band)
    sy = np.minimum(ys // factor, f_map.shape[0] - 1)
    sx = np.minimum(xs // factor, f_map.shape[1] - 1)
    f, b = f_map[sy, sx], b_map[sy, sx]
    known = (f_weight[sy, sx] >= 0.03) & (b_weight[sy, sx] >= 0.03)

    arr = np.array(image)
    mixed = arr[ys, xs].astype(np.float32)
    frac = a[ys, xs].astype(np.float32) / 255.0
    span = f - b
    span2 = (span * span).sum(axis=1)
    distinct = known & (span2 >= EDGE_COLOUR_SPLIT**2)
    measured = np.clip(((mixed - b) * span).sum(axis=1) / np.maximum(span2, 1.0), 0.0, 1.0)
    # Only pixels that really lie between F and B fit the model; a highlight
    # or a printed detail at the edge is off that line and keeps its mask alpha.
    fitted = b + measured[:, None] * span
    on_line = ((mixed - fitted) ** 2).sum(axis=1) <= 0.25**2 * span2
    frac = np.where(distinct & on_line, measured, frac)

    unmixed = np.clip((mixed - (1.0 - frac[:, None]) * b) / np.maximum(frac[:, None], 0.05), 0, 255)
    # Off the F-B line (where F and B differ) unmixing would amplify whatever
    # else is in the pixel, e.g. a speck of cloth: a mostly-product pixel keeps
    # its own colour, a faint one takes the local product colour.
    off_line = distinct & ~on_line
    own = np.where((frac >= 0.75)[:, None], mixed, f)
    colour = np.where((frac >= 0.25)[:, None], unmixed, f)
    colour = np.where(off_line[:, None], own, colour)
    colour = np.where(known[:, None], colour, mixed)
    arr[ys, xs] = np.round(colour).astype(np.uint8)
    new_alpha = a.copy()
    new_alpha[ys, xs] = np.round(frac * 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB"), Image.fromarray(new_alpha, "L")


def _local_mean(
    image: Image.Image, where: np.ndarray, factor: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour of the `where` pixels around each point, at 1/factor scale,
    and the share of such pixels (0..1) it was computed from.

    Premultiplying by the selection ("RGBa") and box-reducing gives the sums
    of selected colours and the selected share in one pass; a blur spreads
    them to the neighbourhood and the ratio is the local mean.
    """
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.fromarray(where.astype(np.uint8) * 255, "L"))
    small = rgba.convert("RGBa").reduce(factor).filter(ImageFilter.GaussianBlur(3))
    arr = np.asarray(small, np.float32)
    share = arr[..., 3] / 255.0
    return arr[..., :3] / np.maximum(share, 1e-3)[..., None], share


def _shift_any(mask: np.ndarray) -> np.ndarray:
    """Pixels with a 4-neighbour in `mask`."""
    out = np.zeros_like(mask)
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out
