"""Studio extras stage: one Map iteration per extra requested in product.json.

Supporting files are untrusted uploads like the photo itself, so each goes
through the same validation before any pixels are used. A bad or missing
asset fails only that extra, with a reason for the seller; the listing goes on.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from lightbox.extras.asset_set import product_page_assets
from lightbox.extras.ghost import ghost_mannequin
from lightbox.extras.group import group_shot
from lightbox.extras.lookalike import match_look
from lightbox.extras.mockup import apply_graphic
from lightbox.extras.poster import ad_poster
from lightbox.extras.scene import default_scene, place_in_scene
from lightbox.imaging.codec import decode
from lightbox.imaging.compose import compose_studio
from lightbox.imaging.segment import segment_foreground
from lightbox.keys import asset_key, parse_photo_key
from lightbox.marketplaces.render import render_for_marketplace
from lightbox.models.stages import ExtraOutput, ExtraRequest
from lightbox.pipeline.deps import Deps
from lightbox.validation.photo import inspect_photo


class ExtraInputError(ValueError):
    """A supporting asset is missing or unusable; the message is for the seller."""


class _Inputs:
    """Lazy, cached access to the images an extra needs (each decoded at most once)."""

    def __init__(self, request: ExtraRequest, deps: Deps) -> None:
        self.request, self.deps = request, deps
        self._cache: dict[str, Image.Image] = {}

    def _load(self, key: str) -> Image.Image:
        if key not in self._cache:
            self._cache[key] = decode(self.deps.objects.get_bytes(key))
        return self._cache[key]

    @property
    def working(self) -> Image.Image:
        return self._load(self.request.working_key)

    @property
    def mask(self) -> Image.Image:
        return self._load(self.request.mask_key)

    @property
    def studio(self) -> Image.Image:
        return self._load(self.request.studio.studio_key)

    @property
    def cutout(self) -> Image.Image:
        return self._load(self.request.studio.cutout_key)

    def asset(self, name: str) -> Image.Image:
        key = asset_key(parse_photo_key(self.request.photo.key).folder, name)
        if self.deps.objects.head(key) is None:
            raise ExtraInputError(f"{name} is named in product.json but was not uploaded.")
        check, image = inspect_photo(self.deps.objects.get_bytes(key), name.rsplit("/", 1)[-1])
        if not check.ok or image is None:
            raise ExtraInputError(f"{name} cannot be used: {'; '.join(check.reasons)}")
        return image

    def asset_cutout(self, name: str) -> Image.Image:
        image = self.asset(name)
        if image.mode == "RGBA":
            return image
        mask = segment_foreground(image).mask
        return compose_studio(image, mask, shadow=False).cutout


def _lookalike(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.lookalike
    assert options is not None
    return {
        "lookalike": match_look(i.working, i.asset(options.reference), i.mask, options.strength)
    }


def _ghost(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.ghost_mannequin
    assert options is not None
    hollow = ghost_mannequin(i.cutout, i.asset_cutout(options.inner))
    return {"ghost_mannequin": compose_studio(hollow.convert("RGB"), hollow.getchannel("A")).image}


def _mockup(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.mockup
    assert options is not None
    graphic = i.asset(options.graphic)
    return {"mockup": apply_graphic(i.working, graphic, i.mask)}


def _group(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.group_shot
    assert options is not None
    cutouts = [i.cutout, *(i.asset_cutout(name) for name in options.photos)]
    return {"group_shot": group_shot(cutouts)}


def _scene(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.scene
    assert options is not None
    backdrop = i.asset(options.scene) if options.scene else default_scene()
    return {"scene": place_in_scene(i.cutout, backdrop)}


def _headline(i: _Inputs, given: str | None) -> str:
    return given or i.request.product.title or i.request.photo.sku


def _poster(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.ad_poster
    assert options is not None
    return {"ad_poster": ad_poster(i.studio, _headline(i, options.headline), options.price)}


def _asset_set(i: _Inputs) -> dict[str, Image.Image]:
    options = i.request.product.extras.asset_set
    assert options is not None
    scene = i.asset(options.scene) if options.scene else None
    assets = product_page_assets(
        i.studio,
        i.cutout,
        headline=_headline(i, options.headline),
        price=options.price,
        scene=scene,
        # Close-ups from the full-resolution working photo, not the studio image.
        photo=i.working,
        mask=i.mask,
    )
    # Sized per marketplace: the set is for each listing the seller asked for.
    return {
        f"{marketplace}/{label}": image
        for marketplace in i.request.product.marketplaces
        for label, image in assets.items()
    }


PRODUCERS: dict[str, Callable[[_Inputs], dict[str, Image.Image]]] = {
    "lookalike": _lookalike,
    "ghost_mannequin": _ghost,
    "mockup": _mockup,
    "group_shot": _group,
    "scene": _scene,
    "ad_poster": _poster,
    "asset_set": _asset_set,
}


def produce_extra(request: ExtraRequest, deps: Deps) -> ExtraOutput:
    inputs = _Inputs(request, deps)
    try:
        images = PRODUCERS[request.name](inputs)
    except ExtraInputError as exc:
        return ExtraOutput(name=request.name, ok=False, reason=str(exc))
    prefix = parse_photo_key(request.photo.key).output_prefix("renders") + "/extras"
    outputs: dict[str, str] = {}
    for label, image in images.items():
        if "/" in label:  # marketplace-sized asset
            marketplace, asset = label.split("/", 1)
            rendered = render_for_marketplace(image.convert("RGB"), marketplace)
            key = f"{prefix}/{marketplace}/{asset}.{rendered.extension}"
            deps.objects.put_bytes(key, rendered.data, rendered.content_type)
        else:
            key = f"{prefix}/{label}.jpg"
            deps.objects.put_bytes(key, _jpeg(image), "image/jpeg")
        outputs[label] = key
    return ExtraOutput(name=request.name, ok=True, outputs=outputs)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    rgb.save(buffer, format="JPEG", quality=90, optimize=True, progressive=True)
    return buffer.getvalue()
