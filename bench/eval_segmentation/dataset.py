"""The segmentation evaluation set: real cut-outs on real surfaces, exact masks.

Each case is a photograph of a real object with a hand-cut alpha channel
(Tux Paint's photographic stamps, see `fetch`) composited, deterministically,
into a product-photo-like frame: a studio sweep, a photographed surface (GIMP's
wood, stone, marble, cloth and paper patterns, tiled and scaled), clutter
(other objects around it), a contact shadow and a soft cast shadow, lens
blur, exposure, vignette, sensor noise and JPEG compression. The object's
alpha, placed exactly as it was composited, is the ground truth (product where
alpha ≥ 0.5); shadows and clutter are background.

The demo samples join as rendered by the CLI, their ground truth taken from
the renderer itself (every product surface is painted through
`Canvas.paint`; shadows only darken the backdrop).

Difficulty tags (a case can carry several): ``sweep``, ``texture``,
``clutter``, ``white-on-white``, ``dark-on-dark``, ``low-contrast``,
``frame-cut``, ``noise``, ``sample``. Every case has a fixed split,
``calibration`` or ``holdout`` (alternating in a fixed order per tag group),
so that confidence mapping is tuned on one half and judged on the other.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

#: Photographic stamps that look like products (path under stamps/).
OBJECTS = (
    "food/fruit/avocado.png",
    "food/fruit/Apricot_whole.png",
    "food/fruit/Cherry_Stella.png",
    "food/fruit/Strawberry2.png",
    "food/fruit/cherimoya.png",
    "food/fruit/kiwi.png",
    "food/fruit/orange_seville.png",
    "food/spices/ginger.png",
    "food/vegetables/corn.png",
    "hobbies/music/percussion/cymbal_crash.png",
    "hobbies/music/percussion/drum_tomtom_floor.png",
    "hobbies/music/string/guitar2.png",
    "hobbies/music/string/guitar_classical.png",
    "hobbies/music/string/cello.png",
    "hobbies/music/brass/trumpet.png",
    "household/Lightbulb.png",
    "household/cylinder.png",
    "household/home_compost_bin.png",
    "medical/stethoscope.png",
    "medical/mercurythermometer.png",
    "seasonal/christmas/German_Christmas_toy.png",
    "seasonal/christmas/Mince_Pie.png",
    "seasonal/christmas/Roast_turkey.png",
    "vehicles/wheel_tractor.png",
    "vehicles/7spoke256.png",
    "vehicles/flight/balloon360.png",
    "plants/trees/rambutan.png",
    "household/tools/spade.png",
    "town/monuments/inukshuk-photo.png",
    "vehicles/ship/walnutBoat.png",
    "animals/mammals/bears/european-bear.png",
    "vehicles/emergency/firetruck.png",
    "medical/syringe.png",
)

#: Smaller objects that stand around the product in cluttered scenes.
CLUTTER = (
    "food/nuts/walnut.png",
    "food/vegetables/garlic.png",
    "household/dishes/mug.png",
    "household/key.png",
    "clothes/button.png",
    "food/fruit/lemon.png",
    "household/rubberduck.png",
    "sports/tennis_ball.png",
    "food/vegetables/onion.png",
    "household/tools/measuring_tape.png",
)

#: GIMP patterns by tone (path under patterns/).
SURFACES = {
    "mid": (
        "Wood/wood1.pat",
        "Wood/wood2.pat",
        "Wood/walnut.pat",
        "Wood/pine.pat",
        "Wood/burlwood.pat",
        "Fabric/burlap.pat",
        "Stone/stone33.pat",
        "Stone/terra.pat",
        "Wood/corkboard.pat",
        "Stone/brick.pat",
        "Wood/parque1.pat",
        "Stone/cracked.pat",
    ),
    "light": (
        "Stone/marble1.pat",
        "Paper/paper.pat",
        "Paper/crinklepaper.pat",
        "Stone/marble2.pat",
    ),
    "dark": ("Animal/leather.pat", "Stone/slate.pat", "Stone/granite1.pat", "Food/java.pat"),
    "green": ("Plant/leaves.pat",),
}

PRIMARY_SCENES = ("sweep", "texture", "clutter", "frame-cut", "noise")


@dataclass
class Case:
    name: str
    image: Image.Image  # RGB photo
    truth: np.ndarray  # bool, the product
    tags: tuple[str, ...]
    split: str
    jpeg_quality: int = 90
    category: str = "general"
    meta: dict[str, str] = field(default_factory=dict)

    def jpeg(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, "JPEG", quality=self.jpeg_quality)
        return buf.getvalue()


# ------------------------------------------------------------------ materials


def load_pattern(path: Path) -> Image.Image:
    """A GIMP ``.pat`` file: big-endian header (size, version, w, h, bytes,
    ``GPAT``, name), then raw pixels."""
    data = path.read_bytes()
    header, _version, w, h, channels = struct.unpack(">5I", data[:20])
    if data[20:24] != b"GPAT":
        raise ValueError(f"{path} is not a GIMP pattern")
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    return Image.frombytes(mode, (w, h), data[header : header + w * h * channels]).convert("RGB")


def load_stamp(path: Path) -> Image.Image:
    im = Image.open(path).convert("RGBA")
    box = im.getchannel("A").point(lambda v: 255 if v >= 8 else 0).getbbox()
    return im.crop(box) if box else im


def tone_of(stamp: Image.Image) -> str:
    """ "dark", "light" or "mid", from the object's mean luma."""
    arr = np.asarray(stamp, np.float32)
    on = arr[..., 3] >= 128
    luma = (arr[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32))[on]
    mean = float(luma.mean()) if luma.size else 128.0
    return "dark" if mean < 95 else "light" if mean > 140 else "mid"


def mean_colour(stamp: Image.Image) -> np.ndarray:
    arr = np.asarray(stamp, np.float32)
    on = arr[..., 3] >= 128
    return arr[..., :3][on].mean(axis=0) if on.any() else np.full(3, 128, np.float32)


# ----------------------------------------------------------------- backdrops


def sweep(w: int, h: int, rng: np.random.Generator, level: float, tint: np.ndarray) -> np.ndarray:
    """A seamless paper sweep: lighter at the top, a soft floor-to-wall ramp."""
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    ramp = 1.0 - 0.08 * ys - 0.05 * xs**2 + float(rng.uniform(-0.02, 0.02)) * xs
    base = np.clip(level * ramp, 0, 255)[..., None] * tint[None, None, :]
    return np.broadcast_to(base, (h, w, 3)).astype(np.float32)


def surface(pattern: Image.Image, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A pattern tiled over the frame, scaled up like a close, slightly soft photo."""
    scale = float(rng.uniform(2.0, 3.5))
    tile = pattern.resize(
        (round(pattern.width * scale), round(pattern.height * scale)), Image.Resampling.BICUBIC
    )
    canvas = Image.new("RGB", (w + tile.width, h + tile.height))
    for y in range(0, canvas.height, tile.height):
        for x in range(0, canvas.width, tile.width):
            canvas.paste(tile, (x, y))
    ox, oy = int(rng.integers(0, tile.width)), int(rng.integers(0, tile.height))
    arr = np.asarray(canvas.crop((ox, oy, ox + w, oy + h)), np.float32)
    # Light falls off across a table: a gentle gradient, never flat.
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    return arr * (1.05 - 0.12 * ys)


# ---------------------------------------------------------------- compositing


def blur(a: np.ndarray, radius: float) -> np.ndarray:
    if radius <= 0:
        return a
    img = Image.fromarray(np.clip(a * 255, 0, 255).astype(np.uint8), "L")
    return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), np.float32) / 255.0


def place(
    stamp: Image.Image, frame: tuple[int, int], long_side: int, centre: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The stamp scaled to `long_side` px with its centre at `centre`: (rgb, alpha) at
    frame size, alpha 0 outside (parts beyond the frame are cut off)."""
    scale = long_side / max(stamp.size)
    size = (max(1, round(stamp.width * scale)), max(1, round(stamp.height * scale)))
    obj = stamp.resize(size, Image.Resampling.LANCZOS)
    layer = Image.new("RGBA", frame, (0, 0, 0, 0))
    layer.paste(obj, (round(centre[0] - size[0] / 2), round(centre[1] - size[1] / 2)))
    arr = np.asarray(layer, np.float32)
    return arr[..., :3], arr[..., 3] / 255.0


def shadows(alpha: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """How much light the object takes from its backdrop: a soft cast shadow
    (offset, blurred silhouette) and a dark contact band along its base."""
    h = alpha.shape[0]
    dx, dy = int(rng.integers(-40, 41)), int(rng.integers(10, 45))
    cast = np.roll(np.roll(alpha, dy, axis=0), dx, axis=1)
    cast = blur(cast, float(rng.uniform(12, 30))) * strength
    rows = np.nonzero(alpha.max(axis=1) >= 0.5)[0]
    contact = np.zeros_like(alpha)
    if rows.size:
        bottom = rows[-1]
        band = alpha[max(0, bottom - 6) : bottom + 1].max(axis=0)
        contact[min(h - 1, bottom + 2), :] = band
        contact = blur(contact, 5.0) * 4.0
    return np.clip(cast + contact * strength, 0.0, 0.85)


def develop(
    pixels: np.ndarray,
    rng: np.random.Generator,
    *,
    gain: float = 1.0,
    gamma: float = 1.0,
    noise: float = 2.0,
    soften: float = 0.7,
) -> Image.Image:
    h, w = pixels.shape[:2]
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if soften > 0:
        img = img.filter(ImageFilter.GaussianBlur(soften))
    arr = np.asarray(img, np.float32) / 255.0
    ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    arr = np.clip(arr * gain * (1.0 - 0.2 * (xs * xs + ys * ys))[..., None], 0, 1) ** gamma
    arr = arr * 255.0 + rng.normal(0.0, noise, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")


# ---------------------------------------------------------------------- cases


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _frame_for(stamp: Image.Image) -> tuple[int, int]:
    return (1200, 900) if stamp.width >= stamp.height else (900, 1200)


def composite_case(
    name: str, stamp: Image.Image, scene: str, data: Path, clutter: list[Image.Image]
) -> Case:
    rng = _rng(name)
    w, h = _frame_for(stamp)
    tone = tone_of(stamp)
    tags = [scene]
    fit = min(w / stamp.width, h / stamp.height)
    long_side = int(max(stamp.size) * fit * rng.uniform(0.6, 0.8))
    centre = (w * rng.uniform(0.45, 0.55), h * rng.uniform(0.45, 0.55))
    noise, gain, gamma, quality, strength = 2.0, 1.0, 1.0, 90, float(rng.uniform(0.25, 0.5))
    pattern = None
    if scene == "sweep":
        level = 238.0 if tone != "light" else 225.0
        bg = sweep(w, h, rng, level, np.array([1.0, 0.995, 0.985], np.float32))
    elif scene in ("texture", "clutter"):
        pattern = SURFACES["mid"][int(rng.integers(len(SURFACES["mid"])))]
        bg = surface(load_pattern(data / "patterns" / pattern), w, h, rng)
    elif scene == "frame-cut":
        long_side = int(max(stamp.size) * fit * rng.uniform(0.95, 1.15))
        side = int(rng.integers(4))
        cx, cy = centre
        shift = long_side * rng.uniform(0.12, 0.25)
        centre = (cx + (shift if side == 0 else -shift if side == 1 else 0), cy)
        if side >= 2:
            centre = (cx, cy + (shift if side == 2 else -shift))
        bg = sweep(w, h, rng, 232.0, np.array([1.0, 0.99, 0.98], np.float32))
    elif scene == "noise":
        pattern = SURFACES["mid"][int(rng.integers(len(SURFACES["mid"])))]
        bg = surface(load_pattern(data / "patterns" / pattern), w, h, rng)
        noise, gain, gamma, quality = 9.0, 0.7, 1.15, 60
        tags.append("low-light")
    elif scene == "white-on-white":
        if rng.uniform() < 0.5:
            bg = sweep(w, h, rng, 246.0, np.array([1.0, 1.0, 0.99], np.float32))
        else:
            pattern = SURFACES["light"][int(rng.integers(len(SURFACES["light"])))]
            bg = surface(load_pattern(data / "patterns" / pattern), w, h, rng) * 1.05
        tags.append("low-contrast")
    elif scene == "dark-on-dark":
        pattern = SURFACES["dark"][int(rng.integers(len(SURFACES["dark"])))]
        bg = surface(load_pattern(data / "patterns" / pattern), w, h, rng) * 0.55
        tags.append("low-contrast")
    else:  # low-contrast: a surface tinted toward the object's own colour
        key = "green" if mean_colour(stamp)[1] > mean_colour(stamp)[0] else "mid"
        pattern = SURFACES[key][int(rng.integers(len(SURFACES[key])))]
        bg = surface(load_pattern(data / "patterns" / pattern), w, h, rng)
        target = mean_colour(stamp)
        bg = 0.45 * bg + 0.55 * target[None, None, :] * (bg / max(float(bg.mean()), 1.0))
    rgb, alpha = place(stamp, (w, h), long_side, centre)
    bg = bg.copy()
    if scene == "clutter":
        for i, other in enumerate(clutter):
            cx = w * (0.12 + 0.76 * ((i + rng.uniform(0, 0.6)) / len(clutter)))
            cy = h * (0.15 if i % 2 else 0.85) + rng.uniform(-0.05, 0.05) * h
            orgb, oalpha = place(other, (w, h), int(min(w, h) * rng.uniform(0.18, 0.28)), (cx, cy))
            oalpha = oalpha * (alpha < 0.02)  # never over the product
            bg *= 1.0 - shadows(oalpha, rng, 0.35)[..., None]
            bg = bg * (1.0 - oalpha[..., None]) + orgb * oalpha[..., None]
    bg *= 1.0 - shadows(alpha, rng, strength)[..., None]
    pixels = bg * (1.0 - alpha[..., None]) + rgb * alpha[..., None]
    image = develop(pixels, rng, gain=gain, gamma=gamma, noise=noise)
    truth = alpha >= 0.5
    cut = truth[0].any() or truth[-1].any() or truth[:, 0].any() or truth[:, -1].any()
    if cut and "frame-cut" not in tags:
        tags.append("frame-cut")
    meta = {"object": name.split("@")[0], "surface": pattern or "sweep", "tone": tone}
    return Case(name, image, truth, tuple(tags), "", quality, meta=meta)


def photo_cases(data: Path) -> Iterator[Case]:
    """Two scenes per object: one of `PRIMARY_SCENES` in turn, then the one its
    tone makes hard (white-on-white, dark-on-dark or a surface of its own colour)."""
    stamps_dir = data / "stamps"
    clutter = [load_stamp(stamps_dir / p) for p in CLUTTER]
    for i, rel in enumerate(OBJECTS):
        stamp = load_stamp(stamps_dir / rel)
        stem = Path(rel).stem.lower()
        tone = tone_of(stamp)
        hard = {"light": "white-on-white", "dark": "dark-on-dark"}.get(tone, "low-contrast")
        for scene in (PRIMARY_SCENES[i % len(PRIMARY_SCENES)], hard):
            others = [clutter[(i + k) % len(clutter)] for k in range(3)]
            yield composite_case(f"{stem}@{scene}", stamp, scene, data, others)


# ---------------------------------------------------------------- demo samples


def sample_cases() -> Iterator[Case]:
    """The demo's product photos with the renderer's own product coverage."""
    from lightbox_samples import fashion, products, shading
    from lightbox_samples.layout import sample_rng

    renders = {
        "mug": (products.render_mug, "MUG-RED-001", {}),
        "bottle": (products.render_bottle, "BTL-BLUE-750", {}),
        "jar": (products.render_jar, "JAR-AMBER-250", {}),
        "serum": (products.render_serum, "SERUM-30", {"grain": 0.6, "vignette": 0.08}),
        "vase": (products.render_vase, "VASE-BLUR", {"blur": 6.0}),
        "notebook": (
            products.render_notebook,
            "NB-NAVY-A5",
            {"gain": 1.05, "lift": 18, "grain": 2.6},
        ),
        "ring": (products.render_ring, "RING-DARK", {"blur": 7, "gain": 0.62}),
        "handbag": (fashion.render_handbag, "BAG-TAN", {}),
        "sneaker": (fashion.render_sneaker, "SNK-WHITE", {}),
        "tee": (fashion.render_tee, "TEE-NAVY-M", {}),
    }
    original = shading.Canvas.paint
    for name, (render, seed, camera) in renders.items():
        coverage: dict[str, np.ndarray] = {}

        def paint(self, box, colour, alpha, _cov=coverage):
            if "a" not in _cov:
                _cov["a"] = np.zeros((self.height, self.width), np.float32)
            x0, y0, x1, y1 = box
            a = np.clip(alpha, 0.0, 1.0)
            region = _cov["a"][y0:y1, x0:x1]
            region += (1.0 - region) * a
            original(self, box, colour, alpha)

        shading.Canvas.paint = paint  # type: ignore[method-assign]
        try:
            canvas = render(sample_rng(seed))
        finally:
            shading.Canvas.paint = original  # type: ignore[method-assign]
        image = shading.finish(canvas, sample_rng(seed + "/camera"), **camera)
        truth = coverage["a"] >= 0.5
        tags = ["sample"] + (["low-contrast"] if name in ("notebook", "ring") else [])
        yield Case(f"sample-{name}", image, truth, tuple(tags), "", 92, meta={"object": name})


def build(data: Path, *, samples: bool = True) -> list[Case]:
    """Every case, with its split assigned: alternating within each first tag,
    in a fixed order, so both halves see every kind of difficulty."""
    cases = list(photo_cases(data))
    if samples:
        cases += list(sample_cases())
    counters: dict[str, int] = {}
    for case in sorted(cases, key=lambda c: (c.tags[0], zlib.crc32(c.name.encode()))):
        n = counters.get(case.tags[0], 0)
        counters[case.tags[0]] = n + 1
        case.split = "calibration" if n % 2 == 0 else "holdout"
    return cases
