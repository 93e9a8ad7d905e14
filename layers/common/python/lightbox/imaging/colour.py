"""Colour science shared by every imaging step: luma, sRGB <-> linear <-> CIE Lab, WCAG contrast.

One implementation (D65, the sRGB primaries' exact matrix), so the attribute
analysis, the look transfer and the poster agree on what "how far apart do
these colours look" means.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32

#: Rec. 709 luma weights (applied to sRGB-encoded values: a perceptual
#: brightness, which is what "looks brighter" means to a seller).
LUMA = np.array([0.2126, 0.7152, 0.0722], F32)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ LUMA


# sRGB <-> CIE Lab (D65), vectorised. Used for colour statistics where "how far
# apart do these colours look" must be perceptual, and for the look transfer.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    F32,
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ).astype(F32)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883], F32)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(F32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055).astype(F32)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..1 (... x 3) to Lab (L 0..100)."""
    xyz = srgb_to_linear(rgb) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab.astype(F32)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """Lab to sRGB 0..1 (clipped: out-of-gamut colours are clamped, not wrapped)."""
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    xyz = np.where(f > 0.206893, f**3, (f - 16.0 / 116.0) / 7.787) * _WHITE_D65
    return linear_to_srgb(xyz @ _XYZ_TO_RGB.T)


def relative_luminance(rgb255: tuple[float, float, float] | np.ndarray) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour."""
    lin = srgb_to_linear(np.asarray(rgb255, F32) / 255.0)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722], F32))


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio (1..21) between two 8-bit sRGB colours."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)
