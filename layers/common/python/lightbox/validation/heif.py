"""HEIC/HEIF decoding through pi-heif, registered with Pillow on first use.

pi-heif is the decode-only build of pillow-heif (BSD-3-Clause): it bundles
libheif and the libde265 HEVC decoder (both LGPL-3.0, as shared libraries)
and no HEVC encoder, unlike pillow-heif, whose wheels carry x265 (GPL). It is
in ImagingLayer and SegmentationLayer (`layers/*/requirements.txt`). libheif
applies the file's own rotation and mirroring (`irot`, `imir`) while decoding
and resets the EXIF orientation, so a photo is turned exactly once; an
embedded ICC profile is converted to sRGB like any other format's
(`lightbox.validation.normalise`). AVIF needs nothing here: Pillow decodes it.
"""

from __future__ import annotations

import importlib
from functools import cache


@cache
def heif_support() -> bool:
    """Register the HEIF opener with Pillow once; False when pi-heif is missing."""
    try:
        pi_heif = importlib.import_module("pi_heif")
    except ImportError:
        return False
    pi_heif.register_heif_opener()
    return True
