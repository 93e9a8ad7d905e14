"""The port a generative backdrop model plugs into, and the default that needs none.

Lifestyle shots need a scene. The suite ships a deterministic procedural one
(`scene.default_scene`), so every listing gets a usable lifestyle image with
no model, no network and identical output on every run. A seller or operator
who wants richer, prompt-driven scenes can plug in a generative model behind
this `SceneGenerator` protocol without touching any caller.

Where an AWS-hosted model would go: an adapter class in `lightbox/adapters/`
(that is where boto3 lives; this domain package never imports it), e.g. a
`BedrockSceneGenerator` that calls `bedrock-runtime` `InvokeModel` with an
image model (Amazon Titan Image Generator / Nova Canvas, or Stability models
offered through Bedrock), decodes the returned base64 PNG and resizes it to
`size`. It is constructed in the Lambda entry point (`functions/<stage>/app.py`)
and passed in as `generator=`; the call's cost and latency (seconds, billed
per image) make it an opt-in per seller, and its output should be cached in
S3 by (prompt, size, seed) so a retried execution does not pay twice. Keep
the deterministic generator as the fallback when the model call fails or is
throttled: a listing must never fail for want of a backdrop.
"""

from __future__ import annotations

import zlib
from typing import Protocol, runtime_checkable

from PIL import Image

from lightbox.extras.scene import default_scene


@runtime_checkable
class SceneGenerator(Protocol):
    """Something that turns a text prompt into a square RGB backdrop."""

    def generate_scene(self, prompt: str, size: int) -> Image.Image:
        """Return an RGB image of `size` x `size` px depicting `prompt`."""
        ...


class ProceduralSceneGenerator:
    """The default: `default_scene`, seeded from the prompt.

    It does not understand the prompt — it always draws a wall over a wooden
    table — but the same prompt gives the same image (a stable CRC32 seed, not
    Python's per-process randomised `hash`), so reruns are byte-identical and
    different products can still get slightly different tables.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def generate_scene(self, prompt: str, size: int) -> Image.Image:
        seed = (zlib.crc32(prompt.encode("utf-8")) + self.seed) & 0xFFFFFFFF
        return default_scene(size, seed)


def default_generator() -> SceneGenerator:
    """The generator used when a caller passes none."""
    return ProceduralSceneGenerator()
