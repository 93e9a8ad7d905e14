"""Binary-mask and small-window helpers for segmentation, numpy only.

Why here and not scipy/OpenCV: the Lambda layer carries Pillow, numpy and
onnxruntime and nothing else heavy. These operate on work-scale masks (a few
hundred thousand pixels), where vectorised numpy shifts are fast enough and
Pillow's rank filters (which sort every window) are not.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

# ----------------------------------------------------------------- connectivity


def label(mask: npt.NDArray[np.bool_], *, eight: bool) -> tuple[npt.NDArray[np.int32], int]:
    """Connected-component labelling of a boolean mask (no scipy in the layer).

    Run-length based: horizontal runs are found with numpy, runs that overlap in
    consecutive rows are joined with a vectorised union-find. Returns int32
    labels (0 = not in mask, 1..n) and n.
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    n = rows.size
    if n == 0:
        return np.zeros((h, w), np.int32), 0

    stride = w + 2
    start_key = rows.astype(np.int64) * stride + starts
    end_key = rows.astype(np.int64) * stride + ends
    ext = 1 if eight else 0
    nxt = (rows.astype(np.int64) + 1) * stride
    lo = np.searchsorted(end_key, nxt + starts - ext, side="right")
    hi = np.searchsorted(start_key, nxt + ends + ext, side="left")
    counts = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(n), counts)
    offsets = np.arange(a.size) - np.repeat(np.cumsum(counts) - counts, counts)
    b = np.repeat(lo, counts) + offsets

    parent = np.arange(n)
    while a.size:
        pa, pb = parent[a], parent[b]
        diff = pa != pb
        if not diff.any():
            break
        pa, pb = pa[diff], pb[diff]
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    roots, run_index = np.unique(parent, return_inverse=True)
    run_label = run_index.astype(np.int32) + 1

    paint = np.zeros((h, w + 1), np.int32)
    paint[rows, starts] = run_label
    paint[rows, ends] -= run_label
    return np.cumsum(paint, axis=1)[:, :w].astype(np.int32), int(roots.size)


def edge_ids(labels: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """Labels (> 0) of the components that touch the frame edge."""
    ids = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ids[ids > 0]


def keep_main_components(fg: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Keep the largest component plus any other that is a real part.

    A pair of earrings is two components of similar size; a speck of dust or
    the corner of a table leg is much smaller or hugs the frame edge.
    """
    labels, n = label(fg, eight=True)
    if n <= 1:
        return fg
    area = np.bincount(labels.ravel(), minlength=n + 1)
    area[0] = 0
    largest = int(area.max())
    keep = area >= max(0.2 * largest, 0.002 * fg.size)
    touching = np.zeros(n + 1, bool)
    touching[edge_ids(labels)] = True
    keep &= ~touching | (area >= 0.5 * largest)
    keep[0] = False
    return keep[labels]


def fill_small_holes(fg: npt.NDArray[np.bool_], max_area: int) -> npt.NDArray[np.bool_]:
    """Fill enclosed background pockets smaller than `max_area` pixels.

    A mask's pinholes (a specular glint the model read as background) are never
    a product feature worth cutting out; a handle's hole is much larger.
    """
    labels, n = label(~fg, eight=False)
    if n == 0:
        return fg
    area = np.bincount(labels.ravel(), minlength=n + 1)
    small = area <= max_area
    small[edge_ids(labels)] = False
    small[0] = False
    return fg | small[labels]


# ------------------------------------------------------------------ morphology


def dilate(mask: npt.NDArray[np.bool_], r: int) -> npt.NDArray[np.bool_]:
    """Binary dilation by a (2r+1)² square: a running OR per axis with doubling shifts.

    Same result as Pillow's MaxFilter(2r+1) on a 0/255 image but much faster:
    Pillow's rank filter sorts every window, and the masks here are binary.
    Steps 1, 2, 4, ... keep the window contiguous, so radius r costs O(log r)
    array passes.
    """
    out = mask.copy()
    for axis in (0, 1):
        reach, step = 0, 1
        while reach < r:
            s = min(step, r - reach)
            grown = out.copy()
            if axis == 0:
                grown[s:] |= out[:-s]
                grown[:-s] |= out[s:]
            else:
                grown[:, s:] |= out[:, :-s]
                grown[:, :-s] |= out[:, s:]
            out = grown
            reach += s
            step *= 2
    return out


def erode(mask: npt.NDArray[np.bool_], r: int) -> npt.NDArray[np.bool_]:
    """Binary erosion by a (2r+1)² square; pixels beyond the frame count as set,
    like Pillow's MinFilter (edge replication)."""
    return ~dilate(~mask, r)


def opening(mask: npt.NDArray[np.bool_], r: int) -> npt.NDArray[np.bool_]:
    return dilate(erode(mask, r), r)


def closing(mask: npt.NDArray[np.bool_], r: int) -> npt.NDArray[np.bool_]:
    return erode(dilate(mask, r), r)


def max_filter(arr: np.ndarray, r: int) -> np.ndarray:
    """Grey-level dilation by a (2r+1)² square (separable numpy shifts)."""
    out = arr.copy()
    for axis in (0, 1):
        src = out.copy()
        for k in range(1, r + 1):
            if axis == 0:
                np.maximum(out[k:], src[:-k], out=out[k:])
                np.maximum(out[:-k], src[k:], out=out[:-k])
            else:
                np.maximum(out[:, k:], src[:, :-k], out=out[:, k:])
                np.maximum(out[:, :-k], src[:, k:], out=out[:, :-k])
    return out


def outline(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The mask's inner boundary: set pixels with an unset 8-neighbour."""
    return mask & ~erode(mask, 1)


# --------------------------------------------------------------------- windows


def box3(arr: np.ndarray) -> np.ndarray:
    """3x3 box mean (edge-replicated) over the first two axes."""
    out = arr.astype(np.float32, copy=True)
    for axis in (0, 1):
        padded = np.concatenate(
            [np.take(out, [0], axis=axis), out, np.take(out, [-1], axis=axis)], axis=axis
        )
        n = out.shape[axis]
        out = (
            np.take(padded, range(0, n), axis=axis)
            + np.take(padded, range(1, n + 1), axis=axis)
            + np.take(padded, range(2, n + 2), axis=axis)
        ) / 3.0
    return out


def box_mean(arr: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window, windows clipped at the frame (float64).

    Cumulative sums make it O(1) per pixel whatever r is; float64 because the
    guided filter subtracts products of these means and float32 cancellation
    would swamp a small variance.
    """
    out = np.asarray(arr, np.float64)
    for axis in (0, 1):
        n = out.shape[axis]
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r + 1, r)
        c = np.cumsum(np.pad(out, pad), axis=axis)
        # Window i covers padded indices i+1 .. i+2r+1: C[i+2r+1] - C[i].
        hi = [slice(None)] * out.ndim
        lo = [slice(None)] * out.ndim
        hi[axis] = slice(2 * r + 1, 2 * r + 1 + n)
        lo[axis] = slice(0, n)
        idx = np.arange(n)
        counts = np.minimum(idx + r, n - 1) - np.maximum(idx - r, 0) + 1
        shape = [1] * out.ndim
        shape[axis] = n
        out = (c[tuple(hi)] - c[tuple(lo)]) / counts.reshape(shape)
    return out


# ---------------------------------------------------------------------- shape


def touch_fraction(fg: np.ndarray) -> float:
    """Share of the frame's border pixels the mask covers."""
    ring = np.concatenate([fg[0], fg[-1], fg[1:-1, 0], fg[1:-1, -1]])
    return float(ring.mean()) if ring.size else 0.0


def solidity(fg: np.ndarray) -> float:
    """Mask area / convex hull area. Products are mostly convex blobs; a mask
    that is a spiderweb of noise is not."""
    hull = hull_points(fg)
    if hull is None or len(hull) < 3:
        return 0.0
    x, y = hull[:, 0], hull[:, 1]
    hull_area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    return float(fg.sum() / hull_area) if hull_area > 0 else 0.0


def hull_mask(mask: np.ndarray) -> np.ndarray:
    """The filled convex hull of a boolean mask."""
    hull = hull_points(mask)
    out = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    if hull is not None and len(hull) >= 3:
        # Hull vertices are pixel corners; ImageDraw addresses pixel centres.
        ImageDraw.Draw(out).polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in hull], fill=255)
    return np.asarray(out) > 0


def hull_points(mask: np.ndarray) -> np.ndarray | None:
    """Convex hull (pixel-corner coordinates) of a boolean mask, or None."""
    rows = np.nonzero(mask.any(axis=1))[0]
    if rows.size == 0:
        return None
    sub = mask[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
    # Only the row extremes can be hull vertices: at most 4 points per row.
    pts = np.concatenate(
        [
            np.stack([left, rows], 1),
            np.stack([left, rows + 1], 1),
            np.stack([right + 1, rows], 1),
            np.stack([right + 1, rows + 1], 1),
        ]
    ).astype(np.float64)
    return _convex_hull(pts)


def _convex_hull(pts: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; `pts` is at most 4 points per mask row."""
    pts = np.unique(pts, axis=0)
    if len(pts) < 3:
        return pts

    def half(points: np.ndarray) -> list[np.ndarray]:
        chain: list[np.ndarray] = []
        for p in points:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])
