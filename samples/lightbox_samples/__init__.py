"""A deterministic, synthetic set of seller uploads for the demo and the tests.

``generate_samples(out_dir)`` writes ``out_dir/<seller>/<sku>/<file>`` (plus a
``product.json`` where a seller would send one), exactly the layout sellers
upload under ``incoming/``, and returns what each file is expected to become:
``publish``, ``review``, ``reject`` or ``quarantine``.

The photos are rendered, not downloaded (nothing may be fetched at run time):
products are lit 3-D shapes — lathe-turned ceramics and glass, padded leather,
a tube handle — shaded with a key light, a softbox reflection, contact shadows,
a studio sweep, vignette and sensor grain, so that segmentation, colour and
quality code meet something close to a real product photo. Every random draw
comes from a fixed seed: two runs write byte-identical files.

Modules, by concern:

* ``shading`` — canvas, materials, lights, studio sweep, shadows, the camera;
* ``lathe`` and ``padded`` — the two ways shapes are built (turned, padded);
* ``products`` and ``fashion`` — one renderer per product;
* ``writers`` — JPEG, 48-bit PNG, decompression bomb, HEIC bytes;
* ``layout`` — the ``<seller>/<sku>/`` folders and ``SampleSpec``;
* ``catalogue`` and ``broken`` — the samples themselves and their routes;
* ``cache`` — ``cached_samples(out_dir, cache_dir)``: the same set, rendered once
  per generator version and copied from then on.
"""

from lightbox_samples.cache import cached_samples
from lightbox_samples.catalogue import generate_samples
from lightbox_samples.fashion import tee_points
from lightbox_samples.layout import Expected, SampleSpec

__all__ = ["Expected", "SampleSpec", "cached_samples", "generate_samples", "tee_points"]
