"""The one place for input limits and photo-quality thresholds.

Everything that decides whether an upload is refused at the door (size, pixel
count, resolution) or is too poor to use at all (blur, exposure) lives here, so
that validation, the CLI and the tests agree and a change is made once. The
per-category *scoring* thresholds (publish / review / reject) are not here: they
are versioned configuration loaded at run time (docs/architecture.md, "Config";
every number here is listed in docs/limits-and-rules.md, "Upload validation").
"""

from typing import Final

# --- Upload size -------------------------------------------------------------

#: Largest upload we read into memory. A 50 MP high-quality JPEG is ~25 MB and a
#: 16-bit PNG from an editor can be ~30 MB; anything bigger is either not a photo
#: or would be re-encoded to a few MB for marketplaces anyway (eBay caps at 12 MB,
#: Shopify at 20 MB). Keeps a validation Lambda comfortably inside its memory.
MAX_UPLOAD_BYTES: Final[int] = 40 * 1024 * 1024

# --- Pixel counts ------------------------------------------------------------

#: Most pixels an upload may declare in its header. 50 MP covers full-frame
#: cameras (45-50 MP) and 48 MP phone modes; decoded as RGBA that is 200 MB, the
#: most one photo may cost. Checked on header dimensions *before* decoding, so a
#: decompression bomb (a tiny file claiming 30000 x 30000 px) is refused without
#: allocating anything. Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is set from
#: this value by ``lightbox.validation`` as a second line of defence.
MAX_PIXELS: Final[int] = 50_000_000

#: Photos whose longest side is below this are refused: 500 px is eBay's minimum
#: and below every other marketplace's, so no listing could use it. A seller who
#: sends a thumbnail or a screenshot must be asked for the original.
MIN_LONG_SIDE: Final[int] = 500

#: Longest side of the normalised working image every later stage renders from
#: (decode once, cascade down). 3000 px covers the largest output we produce
#: (Etsy's 3000 x 2250 canvas) without upscaling, and it is exactly what a 24 MP
#: (6000 x 4000) JPEG decodes to through ``Image.draft`` at 1/2 DCT scale, so
#: the common camera case needs no resize at all (make bench: the 2400 px cap
#: cost a shrink and a later upscale, ~0.18 s). An RGBA copy stays ~36 MB.
WORKING_LONG_SIDE: Final[int] = 3000

#: Longest side of the greyscale copy quality metrics are measured on. Large
#: enough to see focus problems a marketplace zoom would show, small enough that
#: the numpy work costs a few milliseconds, and the same for every input size so
#: metric values are comparable between photos.
METRICS_LONG_SIDE: Final[int] = 512

# --- Sharpness -----------------------------------------------------------------
# Sharpness is the Laplacian variance measured on the 512 px metrics copy (see
# lightbox.validation.measures: smoothed Laplacian, most detailed tenth of the
# frame), mapped to 0..1 on a log scale between these two points. Calibrated by
# blurring the sample studio shots (2000 px) with a Gaussian of radius r:
# r=0 → 145..265, r=2 → 110..180, r=4 → 58..76, r=6 → ~30, r=10 → ~7, r=16 → ~2.
# At 512 px a blur under ~2 px on a 2400 px photo barely registers: that finer
# softness is for the enhance/scoring stages, not for refusing uploads.

#: Laplacian variance that maps to sharpness 0 (no usable detail at all).
LAPLACIAN_VAR_BLURRY: Final[float] = 3.0
#: Laplacian variance that maps to sharpness 1 (crisp, nothing to gain).
LAPLACIAN_VAR_CRISP: Final[float] = 150.0
#: Below this the photo is unusable, whatever its other merits (≈ a 13 px blur
#: on a 2000 px photo): refused at validation. Borderline softness is left to
#: scoring, which sees sharpness alongside everything else.
SHARPNESS_SEVERE: Final[float] = 0.08
#: What we ask a seller for when we do refuse: comfortably sharp.
SHARPNESS_TARGET: Final[float] = 0.5

# --- Exposure ------------------------------------------------------------------

#: Luma at or above this counts as a clipped highlight (pure or nearly pure white).
CLIP_HIGH_LUMA: Final[int] = 250
#: Luma at or below this counts as a clipped shadow (pure or nearly pure black).
CLIP_LOW_LUMA: Final[int] = 5
#: Below this exposure score (0..1) the photo is unusable: roughly, nothing in
#: the frame brighter than ~65/255 (a dark room, a lens cap) or nothing darker
#: than ~220/255 (washed out). Refused at validation; mild under/over-exposure
#: is left to scoring, and the enhance stage can often fix it.
EXPOSURE_SEVERE: Final[float] = 0.1
#: What we ask a seller for when we do refuse.
EXPOSURE_TARGET: Final[float] = 0.5
