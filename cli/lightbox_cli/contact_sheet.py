"""A self-contained HTML contact sheet: before/after thumbnails, status, scores, reason."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

THUMB = 320
MARKETPLACES = ("amazon", "etsy", "shopify", "ebay")
_STATUS_COLOURS = {
    "published": "#1a7f37",
    "in_review": "#9a6700",
    "rejected": "#cf222e",
    "quarantined": "#8250df",
    "failed": "#57606a",
}


def _placeholder(text: str) -> Image.Image:
    img = Image.new("RGB", (THUMB, THUMB), (240, 240, 240))
    ImageDraw.Draw(img).multiline_text((16, THUMB // 2 - 20), text, fill=(90, 90, 90))
    return img


def thumbnail_data_uri(path: str | None, size: int = THUMB) -> str:
    """PNG data URI of a thumbnail; unreadable inputs get a labelled placeholder."""
    if not path:
        img = _placeholder("no output")
    else:
        try:
            with Image.open(path) as src:
                Image.MAX_IMAGE_PIXELS = 50_000_000  # the sheet must never decode a bomb
                src.draft("RGB", (size, size))
                # Show the photo the way the seller sees it (phones store it rotated).
                img = ImageOps.exif_transpose(src).convert("RGB")
                img.thumbnail((size, size))
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
            img = _placeholder("not viewable\n(see reason)")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _relative(path: str, base: Path | None) -> str:
    if base is None:
        return path
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return Path(path).resolve().as_uri()


def render_contact_sheet(items: list[dict[str, Any]], title: str, base: Path | None = None) -> str:
    cards = []
    for item in items:
        status = item["status"]
        outputs = item.get("outputs", {})
        main = [outputs[m] for m in MARKETPLACES if m in outputs]
        after_path = main[0] if main else None
        extras = {k: v for k, v in outputs.items() if k not in MARKETPLACES}
        # The product-page asset set repeats per marketplace: show one marketplace's.
        sized = sorted({k.split("/", 1)[0] for k in extras if "/" in k})
        extras = {k: v for k, v in extras.items() if "/" not in k or k.startswith(f"{sized[0]}/")}
        strip = "".join(
            f'<figure class="extra"><img alt="{html.escape(label)}" '
            f'src="{thumbnail_data_uri(path, 160)}"><figcaption>{html.escape(label)}</figcaption>'
            "</figure>"
            for label, path in extras.items()
        )
        scores = ", ".join(f"{k} {v:.2f}" for k, v in sorted(item.get("scores", {}).items()))
        cards.append(
            f"""<article class="card">
  <header><code>{html.escape(item["key"])}</code>
    <span class="badge" style="background:{_STATUS_COLOURS.get(status, "#57606a")}">
      {html.escape(status)}</span></header>
  <div class="pair">
    <figure><img alt="before" src="{thumbnail_data_uri(item["input"])}"><figcaption>before</figcaption></figure>
    <figure><img alt="after" src="{thumbnail_data_uri(after_path)}"><figcaption>after</figcaption></figure>
  </div>
  <div class="extras">{strip}</div>
  <p class="scores">{html.escape(scores) or "no scores"}</p>
  <p class="outputs">{" · ".join(f'<a href="{html.escape(_relative(path, base))}">{html.escape(name)}</a>' for name, path in item.get("outputs", {}).items())}</p>
  <p class="reason">{html.escape(item.get("reason", ""))}</p>
</article>"""
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;background:#f6f8fa;color:#1f2328}}
h1{{font-size:20px}} .grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(680px,1fr));gap:16px}}
.card{{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px}}
.card header{{display:flex;justify-content:space-between;align-items:center;gap:8px}}
.badge{{color:#fff;border-radius:12px;padding:2px 10px;font-size:13px}}
.pair{{display:flex;gap:12px}} figure{{margin:8px 0}} img{{width:320px;height:320px;object-fit:contain;background:#eee;border:1px solid #d0d7de}}
figcaption{{font-size:12px;color:#57606a;text-align:center}} .scores{{font-size:13px;color:#57606a}}
.reason{{font-size:14px}} .extras{{display:flex;flex-wrap:wrap;gap:8px}}
.extra img{{width:160px;height:160px}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<div class="grid">
{chr(10).join(cards)}
</div></body></html>
"""


def write_contact_sheet(items: list[dict[str, Any]], out_dir: Path, title: str) -> Path:
    path = out_dir / "contact-sheet.html"
    path.write_text(render_contact_sheet(items, title, out_dir))
    return path
