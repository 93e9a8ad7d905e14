"""The sample set: every seller, SKU, file, product.json and expected route.

``generate_samples`` writes them in a fixed order with one seed per SKU, so
changing one sample leaves the others' bytes alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from lightbox_samples.broken import broken_files
from lightbox_samples.fashion import render_handbag, render_sneaker, render_tee
from lightbox_samples.layout import SampleSet, SampleSpec, product_json, sample_rng
from lightbox_samples.products import (
    nord_badge,
    render_bottle,
    render_jar,
    render_mug,
    render_notebook,
    render_ring,
    render_serum,
    render_vase,
    tinted,
)
from lightbox_samples.shading import Canvas, develop, finish
from lightbox_samples.writers import save_jpeg, srgb_profile, write_png16


def generate_samples(out_dir: Path) -> list[SampleSpec]:
    """Write the synthetic sample uploads under ``out_dir`` and describe them.

    Deterministic: fixed seeds, no clock, no network; two runs produce
    byte-identical files. Takes 10-15 s on one core.
    """
    w = SampleSet(Path(out_dir))
    good = _good_photos(w)
    _borderline_photos(w)
    _bad_photo(w)
    broken_files(w, good)
    _studio_suite(w)
    return w.specs


def _good_photos(w: SampleSet) -> dict[str, Image.Image]:
    """Photos that should publish: clean studio shots, some in awkward encodings.

    Returns the rendered mug and jar: the broken-file samples reuse them
    (rendering is the slow part of generating the set).
    """
    sku = "MUG-RED-001"
    folder = w.folder(
        "acme-home",
        sku,
        product_json(
            "Glossy red ceramic mug, 350 ml",
            "home_decor",
            {"colour": "red", "material": "ceramic", "capacity_ml": 350},
            ["amazon", "etsy", "shopify"],
        ),
    )
    mug_render = render_mug(sample_rng(sku))
    mug_scene = mug_render.pixels.copy()  # `finish` develops the frame in place
    mug = finish(mug_render, sample_rng(sku + "/camera"))
    save_jpeg(mug, folder / "mug-front.jpg")
    w.add(folder / "mug-front.jpg", sku, "publish", "Studio shot, 2000 × 2000, centred, sharp.")
    _three_view_sku(w, mug_scene)

    sku = "BTL-BLUE-750"
    folder = w.folder(
        "bluewave-drinks",
        sku,
        product_json(
            "Nordvand still spring water, blue glass bottle 750 ml",
            "beverages",
            {"colour": "blue", "material": "glass", "volume_ml": 750},
            ["amazon", "shopify"],
        ),
    )
    bottle = finish(render_bottle(sample_rng(sku)), sample_rng(sku + "/camera"))
    save_jpeg(bottle, folder / "bottle.jpg", icc_profile=srgb_profile())
    w.add(
        folder / "bottle.jpg",
        sku,
        "publish",
        "Portrait 1800 × 2400 studio shot of a glass bottle with an embedded sRGB profile.",
    )

    sku = "BAG-BEIGE-TOTE"
    folder = w.folder(
        "atelier-nord",
        sku,
        product_json(
            "Beige leather top-handle bag with flap",
            "fashion",
            {"colour": "beige", "material": "leather", "closure": "turn-lock"},
            ["amazon", "etsy", "shopify", "ebay"],
        ),
    )
    bag = finish(render_handbag(sample_rng(sku)), sample_rng(sku + "/camera"))
    save_jpeg(bag, folder / "IMG_2231.jpg")
    w.add(
        folder / "IMG_2231.jpg",
        sku,
        "publish",
        "3000 × 2250 camera JPEG (Etsy's recommended size): decoded with draft scaling.",
    )

    sku = "SNK-WHITE-42"
    folder = w.folder(
        "atelier-nord",
        sku,
        product_json(
            "White leather low-top sneaker",
            "fashion",
            {"colour": "white", "material": "leather", "size_eu": 42},
            ["amazon", "ebay"],
        ),
    )
    sneaker = finish(render_sneaker(sample_rng(sku)), sample_rng(sku + "/camera"))
    # Stored the way a phone held sideways saves it: pixels rotated, EXIF says 6
    # ("rotate 90° clockwise to display").
    exif = Image.Exif()
    exif[0x0112] = 6
    save_jpeg(sneaker.transpose(Image.Transpose.ROTATE_90), folder / "sneaker-side.jpg", exif=exif)
    w.add(
        folder / "sneaker-side.jpg",
        sku,
        "publish",
        "Stored 1600 × 2400 with EXIF orientation 6 (upright a 2400 × 1600 side view); white "
        "on a light sweep: little contrast, yet the model cuts it out cleanly and the plain "
        "sweep's classical check agrees, so the cut-out is trusted.",
    )

    sku = "JAR-ROSE-50"
    folder = w.folder(
        "glow-lab",
        sku,
        product_json(
            "Rose glow day cream, 50 ml jar",
            "cosmetics",
            {"colour": "pink", "volume_ml": 50, "finish": "frosted glass"},
            ["amazon", "shopify"],
        ),
    )
    jar = finish(render_jar(sample_rng(sku)), sample_rng(sku + "/camera"))
    save_jpeg(jar.convert("CMYK"), folder / "jar-cmyk.jpg")
    w.add(
        folder / "jar-cmyk.jpg",
        sku,
        "publish",
        "CMYK JPEG (a print-ready export): must be converted to sRGB, not quarantined.",
    )

    sku = "SERUM-AMBER-30"
    folder = w.folder(
        "glow-lab",
        sku,
        product_json(
            "Lumea vitamin C serum, 30 ml amber dropper bottle",
            "cosmetics",
            {"volume_ml": 30, "material": "amber glass"},
            ["etsy", "shopify"],
        ),
    )
    rng = sample_rng(sku + "/camera")
    pixels = develop(
        render_serum(sample_rng(sku)),
        rng,
        grain=0.6,
        vignette=0.08,
        gain=1.0,
        gamma=1.0,
        blur=0.0,
        lift=0.0,
    )
    write_png16(pixels, folder / "serum-16bit.png")
    w.add(
        folder / "serum-16bit.png",
        sku,
        "publish",
        "48-bit (16 bits per channel) PNG from an editor: must be reduced to 8 bits, not refused.",
    )
    return {"mug": mug, "jar": jar}


def _three_view_sku(w: SampleSet, mug_scene: np.ndarray) -> None:
    """One SKU photographed three times: one listing per marketplace with three images,
    in the order product.json names them (the seller's main image first)."""
    sku = "MUG-RED-SET"
    views = ("front.jpg", "handle.jpg", "back.jpg")
    product = product_json(
        "Glossy red ceramic mug, 350 ml, set photos",
        "home_decor",
        {"colour": "red", "material": "ceramic", "capacity_ml": 350},
        ["amazon", "etsy", "shopify"],
    )
    folder = w.folder("acme-home", sku, {**product, "image_order": list(views)})
    shots = {"front.jpg": mug_scene, "handle.jpg": mug_scene[:, ::-1], "back.jpg": mug_scene}
    notes = {
        "front.jpg": "Main image of a three-photo SKU (first in product.json's image_order).",
        "handle.jpg": "Second image of the three-photo SKU: the handle side.",
        "back.jpg": "Third image of the three-photo SKU; all three make one listing.",
    }
    for name in views:
        shot = Canvas(shots[name].copy())
        save_jpeg(finish(shot, sample_rng(f"{sku}/{name}")), folder / name)
        w.add(folder / name, sku, "publish", notes[name])


def _borderline_photos(w: SampleSet) -> None:
    """Usable but not confidently publishable: a human should look."""
    sku = "VASE-TEAL-S"
    folder = w.folder(
        "acme-home",
        sku,
        product_json(
            "Teal glazed bud vase, small",
            "home_decor",
            {"colour": "teal", "material": "stoneware", "height_cm": 14},
            ["etsy"],
        ),
    )
    vase = finish(render_vase(sample_rng(sku)), sample_rng(sku + "/camera"), blur=6.0)
    save_jpeg(vase, folder / "vase.jpg")
    w.add(
        folder / "vase.jpg",
        sku,
        "review",
        "Mildly soft focus, product small (≈ 10% of the frame) and off-centre to the right.",
    )

    sku = "NB-NAVY-A5"
    folder = w.folder(
        "paper-and-co",
        sku,
        product_json(
            "A5 hardcover notebook, navy, with elastic closure",
            "general",
            {"colour": "navy", "format": "A5", "pages": 192},
            ["amazon", "etsy", "ebay"],
        ),
    )
    notebook = finish(
        render_notebook(sample_rng(sku)), sample_rng(sku + "/camera"), gain=1.05, lift=18, grain=2.6
    )
    save_jpeg(notebook, folder / "notebook.jpg")
    w.add(
        folder / "notebook.jpg",
        sku,
        "publish",
        "Dim and low contrast: a navy notebook on a dark blue cloth. The histogram is "
        "well exposed and the model cuts the notebook out cleanly, so it goes on.",
    )


def _bad_photo(w: SampleSet) -> None:
    """Decodes fine, but no buyer could see the product: a retake request."""
    sku = "RING-GOLD-7"
    folder = w.folder(
        "goldsmith-17",
        sku,
        product_json(
            "18k gold band ring, size 7",
            "jewellery",
            {"colour": "gold", "material": "18k gold", "ring_size_us": 7},
            ["etsy", "ebay"],
        ),
    )
    ring = finish(
        render_ring(sample_rng(sku)),
        sample_rng(sku + "/camera"),
        blur=8,
        gain=0.6,
        gamma=1.1,
        grain=3.0,
    )
    save_jpeg(ring, folder / "ring.jpg")
    w.add(
        folder / "ring.jpg",
        sku,
        "reject",
        "Very blurry (camera shake / missed focus) and dark: the seller must retake it.",
    )


def _studio_suite(w: SampleSet) -> None:
    """Uploads that ask for every studio extra (assets sit in the SKU's assets/ folder)."""
    sku = "MUG-RED-001"
    folder = w.root / "acme-home" / sku
    product = json.loads((folder / "product.json").read_text(encoding="utf-8"))
    product["price"] = 18.5
    product["extras"] = {
        "lookalike": {"reference": "assets/brand-look.jpg"},
        "group_shot": {"photos": ["assets/mug-blue.jpg", "assets/mug-green.jpg"]},
        "scene": {},
        "ad_poster": {"headline": "The everyday mug, in glossy red", "price": "$18.50"},
        "asset_set": {"price": "$18.50"},
    }
    w.folder("acme-home", sku, product)
    assets = folder / "assets"
    assets.mkdir(exist_ok=True)
    for name, colour in (("mug-blue", (24, 70, 150)), ("mug-green", (40, 110, 64))):
        other = finish(render_mug(sample_rng(name), colour=colour), sample_rng(name + "/camera"))
        save_jpeg(other, assets / f"{name}.jpg")
    # The seller's brand look: a warm, slightly low-key shoot of another product.
    look = finish(
        render_jar(sample_rng("brand-look")), sample_rng("brand-look/camera"), vignette=0.3
    )
    save_jpeg(tinted(look, (1.08, 0.98, 0.8), 1.15), assets / "brand-look.jpg")

    sku = "TEE-NAVY-M"
    folder = w.folder(
        "atelier-nord",
        sku,
        {
            **product_json(
                "Organic cotton crew-neck tee, navy",
                "fashion",
                {"colour": "navy", "material": "organic cotton", "size": "M"},
                ["amazon", "shopify"],
            ),
            "price": 29.0,
            "extras": {
                "ghost_mannequin": {"inner": "assets/inner-back.jpg"},
                "mockup": {"graphic": "assets/nord-badge.png"},
                "ad_poster": {"headline": "Organic cotton tee", "price": "$29"},
            },
        },
    )
    tee = finish(render_tee(sample_rng(sku)), sample_rng(sku + "/camera"))
    save_jpeg(tee, folder / "tee-front.jpg")
    assets = folder / "assets"
    assets.mkdir(exist_ok=True)
    inner = finish(
        render_tee(sample_rng(sku + "/inner"), inner=True), sample_rng(sku + "/inner/camera")
    )
    save_jpeg(inner, assets / "inner-back.jpg")
    nord_badge().save(assets / "nord-badge.png", optimize=True)
    w.add(
        folder / "tee-front.jpg",
        sku,
        "publish",
        "Flat-on tee with a hollow neck; asks for a ghost mannequin, a print mockup and a poster.",
    )
