"""Uploads that must be quarantined, each for a different reason."""

from __future__ import annotations

import io

from PIL import Image

from lightbox_samples.layout import SampleSet, product_json, sample_rng
from lightbox_samples.products import render_charger
from lightbox_samples.shading import finish
from lightbox_samples.writers import fake_heic, save_jpeg, write_png_bomb


def broken_files(w: SampleSet, good: dict[str, Image.Image]) -> None:
    """Files that must be quarantined, each for a different reason."""
    sku = "MUG-RED-002"
    folder = w.folder(
        "acme-home",
        sku,
        product_json(
            "Glossy red ceramic mug, 350 ml (left-handed view)",
            "home_decor",
            {"colour": "red", "material": "ceramic"},
            ["amazon"],
        ),
    )
    buffer = io.BytesIO()
    good["mug"].transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(buffer, "JPEG", quality=90)
    whole = buffer.getvalue()
    (folder / "mug-side.jpg").write_bytes(whole[: len(whole) * 55 // 100])
    w.add(
        folder / "mug-side.jpg",
        sku,
        "quarantine",
        "Truncated JPEG (upload cut off at 55%): header is fine, pixel data ends early.",
    )

    sku = "MUG-RED-003"
    folder = w.folder("acme-home", sku, None)
    (folder / "photo.jpg").write_text(
        "Red mug, 350 ml, dishwasher safe. Photo to follow - my camera app crashed.\n",
        encoding="utf-8",
    )
    w.add(folder / "photo.jpg", sku, "quarantine", "A text file named photo.jpg: not an image.")

    sku = "CHG-USBC-65W"
    folder = w.folder(
        "voltify",
        sku,
        product_json(
            "65 W USB-C wall charger",
            "electronics",
            {"colour": "white", "power_w": 65, "ports": 1},
            ["amazon", "ebay"],
        ),
    )
    charger = finish(render_charger(sample_rng(sku)), sample_rng(sku + "/camera"), grain=1.2)
    save_jpeg(charger.resize((300, 300), Image.Resampling.LANCZOS), folder / "charger.jpg")
    w.add(
        folder / "charger.jpg",
        sku,
        "quarantine",
        "300 × 300 thumbnail: below the 500 px minimum of every marketplace.",
    )

    sku = "BTL-BLUE-1L"
    folder = w.folder(
        "bluewave-drinks",
        sku,
        product_json(
            "Nordvand still spring water, 1 l",
            "beverages",
            {"colour": "blue", "volume_ml": 1000},
            ["amazon"],
        ),
    )
    write_png_bomb(folder / "bottle-hires.png")
    w.add(
        folder / "bottle-hires.png",
        sku,
        "quarantine",
        "Decompression bomb: a ~110 KB PNG declaring 30000 × 30000 px (900 MP).",
    )

    sku = "JAR-ROSE-100"
    folder = w.folder(
        "glow-lab",
        sku,
        product_json(
            "Rose glow day cream, 100 ml jar",
            "cosmetics",
            {"colour": "pink", "volume_ml": 100},
            ["shopify"],
        ),
    )
    (folder / "IMG_4031.HEIC").write_bytes(fake_heic())
    w.add(
        folder / "IMG_4031.HEIC",
        sku,
        "quarantine",
        "HEIC cut off after its header (a failed transfer): HEIC is accepted, but this "
        "file cannot be decoded and is refused as corrupt, with export instructions.",
    )

    sku = "CREAM-NIGHT-50"
    invalid = product_json(
        "Rose glow night cream, 50 ml",
        "skincare",  # not one of the categories
        {"colour": "pink", "volume_ml": 50},
        ["amazon", "walmart"],  # not a marketplace we list on
    )
    folder = w.folder("glow-lab", sku, invalid)
    save_jpeg(good["jar"].transpose(Image.Transpose.FLIP_LEFT_RIGHT), folder / "cream.jpg")
    w.add(
        folder / "cream.jpg",
        sku,
        "quarantine",
        "Good photo, but product.json violates the schema (category 'skincare', marketplace "
        "'walmart'): quarantined with a metadata reason.",
    )
