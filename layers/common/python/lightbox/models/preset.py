"""Category presets and studio looks: how a category is lit, framed, backed and routed.

A preset is data (`lightbox/presets/<category>.json`), not a code branch: the
studio code knows *how* to warm, brighten or protect highlights, a preset says
*how much* for a category. `StudioLook` is the part the imaging code needs
(light, shadow, framing, specular handling); its defaults are the original
studio look, so code that passes no look keeps its behaviour.

The marketplace main image is always pure white (docs/limits-and-rules.md,
"Marketplace main-image rules"); that is not a
preset choice. A preset may add one *styled* background (a colour or a
gradient) as an extra output for storefronts that accept it (Etsy, Shopify).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lightbox.marketplaces.specs import SPECS
from lightbox.models.product import Category, Marketplace, StudioExtras
from lightbox.models.stages import Thresholds

CATEGORIES: tuple[str, ...] = get_args(Category)

#: The strictest marketplace "product fills the frame" rule: a preset whose
#: main image would fail it is refused when it is loaded, not at publish time.
MIN_MAIN_IMAGE_FILL = max(spec.min_fill_ratio or 0.0 for spec in SPECS.values())

HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Preset(BaseModel):
    # A typo in a preset file ("contrats") must fail loudly, not fall back.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lighting(_Preset):
    """Tone and colour of the product itself (never the background).

    exposure_target: level (0-255) the product's brightest diffuse parts are
        lifted to when they fall short; at most 250 so a white product keeps
        a visible edge against the 255 background.
    midtones: gamma lift of the midtones (+ brighter, - moodier); black and
        white stay where they are.
    contrast: strength of an S-curve around the product's median tone.
    warmth: red up / blue down (+) or the reverse (-), applied after the
        white balance, as a fraction of the channel.
    sharpen_amount: unsharp-mask amount on the product's interior.
    highlight_protection: 0 = highlights that levels push past 255 clip;
        1 = they roll off smoothly above `exposure_target` (a soft shoulder),
        so a sheen keeps its gradation.
    """

    exposure_target: int = Field(default=245, ge=200, le=250)
    midtones: float = Field(default=0.0, ge=-0.3, le=0.3)
    contrast: float = Field(default=0.0, ge=0.0, le=0.5)
    warmth: float = Field(default=0.0, ge=-0.06, le=0.06)
    sharpen_amount: float = Field(default=0.2, ge=0.0, le=0.6)
    highlight_protection: float = Field(default=0.0, ge=0.0, le=1.0)


class Shadow(_Preset):
    """The contact shadow under the product.

    opacity: darkness of the contact core (0-1 of the floor colour); the wide
        ambient penumbra scales with it.
    softness: multiplies blur and spread; < 1 is a crisp, tight shadow (small
        objects, hard light), > 1 a diffuse one (large softbox).
    """

    enabled: bool = True
    opacity: float = Field(default=0.34, ge=0.0, le=0.6)
    softness: float = Field(default=1.0, ge=0.5, le=2.0)


class Framing(_Preset):
    """Where the product sits: its long side as a share of the square canvas."""

    fill: float = Field(default=0.88, le=0.95)
    canvas: int = Field(default=2000, ge=1000, le=4000)

    @field_validator("fill")
    @classmethod
    def _meets_marketplace_fill(cls, value: float) -> float:
        if value < MIN_MAIN_IMAGE_FILL:
            raise ValueError(
                f"fill {value} is below {MIN_MAIN_IMAGE_FILL}, the strictest marketplace "
                "main-image rule (Amazon: the product fills at least 85% of the frame)"
            )
        return value


class Background(_Preset):
    """A studio background: plain white, one colour, or a two-colour gradient.

    colours: none for white; one for "colour"; two for "gradient" (top then
        bottom for `vertical`, centre then edge for `radial`).
    """

    kind: Literal["white", "colour", "gradient"] = "white"
    colours: tuple[HexColour, ...] = ()
    shape: Literal["vertical", "radial"] = "vertical"

    @model_validator(mode="after")
    def _colours_fit_kind(self) -> Background:
        wanted = {"white": 0, "colour": 1, "gradient": 2}[self.kind]
        if len(self.colours) != wanted:
            raise ValueError(
                f"a {self.kind} background takes {wanted} colour(s) as '#rrggbb', "
                f"got {len(self.colours)}"
            )
        return self

    def rgb(self) -> list[tuple[int, int, int]]:
        """The colours as RGB triples (white: one white)."""
        if self.kind == "white":
            return [(255, 255, 255)]
        return [(int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)) for c in self.colours]


class StudioLook(_Preset):
    """What `imaging.compose.compose_studio` needs from a preset.

    specular: the category is often reflective (metal, glass, gloss): bright
        specular highlights are found and kept out of the colour statistics,
        toned without white-balance gains, never clipped by levels and never
        sharpened (see `imaging.compose`).
    """

    lighting: Lighting = Lighting()
    shadow: Shadow = Shadow()
    framing: Framing = Framing()
    specular: bool = False


class CategoryPreset(_Preset):
    """Everything category-specific about a listing photo, in one validated file.

    default_marketplaces: where a product of this category is rendered when
        its product.json names none.
    default_extras: studio extras produced when the seller asks for none;
        names of `StudioExtras` fields, and only extras that need no seller
        asset (a ghost mannequin needs the inside shot, so it stays opt-in).
    thresholds: routing confidence for auto-publish / human review; the
        built-in threshold config (`scoring.thresholds`) is derived from these.
    """

    category: Category
    description: str = Field(min_length=1, max_length=300)
    lighting: Lighting
    shadow: Shadow
    framing: Framing
    specular: bool
    styled_background: Background | None = None
    default_marketplaces: list[Marketplace] = Field(min_length=1)
    default_extras: list[str] = Field(default_factory=list)
    thresholds: Thresholds

    @field_validator("default_marketplaces")
    @classmethod
    def _unique_marketplaces(cls, value: list[Marketplace]) -> list[Marketplace]:
        return list(dict.fromkeys(value))

    @field_validator("default_extras")
    @classmethod
    def _known_asset_free_extras(cls, value: list[str]) -> list[str]:
        known = list(StudioExtras.model_fields)
        for name in value:
            if name not in known:
                raise ValueError(f"unknown studio extra {name!r}; known: {', '.join(known)}")
            try:
                StudioExtras.model_validate({name: {}})
            except ValidationError:
                raise ValueError(
                    f"studio extra {name!r} needs seller input (an asset or a text), "
                    "so it cannot be a category default"
                ) from None
        return list(dict.fromkeys(value))

    @field_validator("thresholds")
    @classmethod
    def _review_not_above_auto(cls, value: Thresholds) -> Thresholds:
        if value.review > value.auto:
            raise ValueError(f"review threshold {value.review} is above auto {value.auto}")
        return value

    @property
    def look(self) -> StudioLook:
        return StudioLook(
            lighting=self.lighting, shadow=self.shadow, framing=self.framing, specular=self.specular
        )
