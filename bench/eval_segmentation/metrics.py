"""Pure helpers of the segmentation evaluation: mask quality and how well a
confidence ranks it. numpy only; no image I/O."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two boolean masks; 1.0 when both are empty."""
    pred, truth = pred.astype(bool), truth.astype(bool)
    union = int((pred | truth).sum())
    if union == 0:
        return 1.0
    return int((pred & truth).sum()) / union


def _boundary(mask: np.ndarray) -> np.ndarray:
    """Pixels of `mask` with a 4-neighbour outside it (the frame edge does not count)."""
    m = mask.astype(bool)
    inner = m.copy()
    inner[1:, :] &= m[:-1, :]
    inner[:-1, :] &= m[1:, :]
    inner[:, 1:] &= m[:, :-1]
    inner[:, :-1] &= m[:, 1:]
    return m & ~inner


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Square (Chebyshev) dilation by `radius` px."""
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        for step in range(1, radius + 1):
            fwd = np.zeros_like(out)
            back = np.zeros_like(out)
            if axis == 0:
                fwd[step:] = out[:-step]
                back[:-step] = out[step:]
            else:
                fwd[:, step:] = out[:, :-step]
                back[:, :-step] = out[:, step:]
            grown |= fwd | back
        out = grown
    return out


def boundary_tolerance(shape: tuple[int, ...]) -> int:
    """The usual boundary-F tolerance: 0.75% of the image diagonal, at least 1 px."""
    return max(1, round(0.0075 * float(np.hypot(shape[0], shape[1]))))


def boundary_f(pred: np.ndarray, truth: np.ndarray, tolerance: int | None = None) -> float:
    """F-measure of boundary pixels matched within `tolerance` px (Perazzi et al.).

    Precision: share of the predicted outline within reach of the true one;
    recall: the other way round. 1.0 when both outlines are empty, 0.0 when
    only one is.
    """
    tol = boundary_tolerance(truth.shape) if tolerance is None else tolerance
    bp, bt = _boundary(pred), _boundary(truth)
    if not bp.any() and not bt.any():
        return 1.0
    if not bp.any() or not bt.any():
        return 0.0
    precision = float((bp & _dilate(bt, tol)).sum()) / float(bp.sum())
    recall = float((bt & _dilate(bp, tol)).sum()) / float(bt.sum())
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def ranks(values: Sequence[float]) -> np.ndarray:
    """1-based ranks, ties sharing their average rank."""
    x = np.asarray(values, np.float64)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x), np.float64)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        r[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return r


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson on average ranks); 0.0 when either
    side is constant or there are fewer than two pairs."""
    if len(x) != len(y):
        raise ValueError("spearman needs pairs")
    if len(x) < 2:
        return 0.0
    rx, ry = ranks(x), ranks(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denom = float(np.sqrt((rx * rx).sum() * (ry * ry).sum()))
    return float((rx * ry).sum() / denom) if denom else 0.0


def auroc(risk: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve of `risk` for telling positives from negatives:
    the chance that a random positive has a higher risk than a random negative
    (ties count half). NaN when either class is empty."""
    r = np.asarray(risk, np.float64)
    p = np.asarray(positive, bool)
    pos, neg = r[p], r[~p]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def reliability(
    confidence: Sequence[float], quality: Sequence[float], bins: int = 5
) -> list[tuple[float, float, float, int]]:
    """(bin low, bin high, mean quality, count) for equal-width confidence bins
    over 0..1; empty bins are left out."""
    c = np.clip(np.asarray(confidence, np.float64), 0.0, 1.0)
    q = np.asarray(quality, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.minimum((c * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        sel = idx == b
        if sel.any():
            out.append((float(edges[b]), float(edges[b + 1]), float(q[sel].mean()), int(sel.sum())))
    return out
