"""Per-map pages: the layer as a clickable atlas (``index.html``) and one page per map with its
numbers, its OIP figure (candidates, starts, dataset examples), its loss curves and its dream.

Plain HTML and inline SVG; each map's OIP figure and dream are PNGs beside its page, cut out of
its chunk's figure sheets (a chunk's figures are one PNG: report.figures.sheet), so that a page
loads one map's pictures, not its chunk's. The atlas thumbnails are inline PNGs of each map's best
OIP, so the index needs no other file to show the layer.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np

from ..plumbing.store import atomic_path

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
a{color:#1a5fb4}.grid{display:flex;flex-wrap:wrap;gap:6px}
.cell{min-width:84px;text-align:center;font-size:12px;text-decoration:none;color:#222}
.cell img{width:72px;height:72px;image-rendering:pixelated;border:4px solid #999;display:inline-block;margin:1px}
.cell img.example{border-color:#fff}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
img.figure{max-width:100%}"""
FRAME = {  # the atlas's frame colours (oip_figures.STATES)
    "found": "#2a9d2a",
    "found, silent on test": "#9a9a2a",
    "not found": "#999",
    "not found, silent on test": "#c33",
}
SHOWN = (  # the layer summary's columns a map page lists, in this order
    "found", "found_by", "best_loss", "candidates_found", "fires_on_test", "max_test_activation",
    "best_test_activation", "oip_vs_best_test", "in_range_ratio", "in_range_share", "high_frequency_share",
    "diversity", "style_diversity", "verdict", "verdict_reason", "path_similarity", "similarity_ratio", "path_rank",
    "silent_share", "weight_similarity", "weight_similarity_all", "class_role",
    "class_role_drop", "class_role_share", "class_read", "class_read_probability",
)  # fmt: skip


def state(row):
    """How the atlas frames a map (as ``oip_figures.atlas``): found or not, and silent on test."""
    found = str(row.get("found")) == "True"
    silent = str(row.get("fires_on_test")) == "False"
    return ("found" if found else "not found") + (", silent on test" if silent else "")


def photo_thumbnail(pixels):
    """A data URI of a test image in 0–255 pixels (h, w[, 1 or 3]) as a PNG, gray or RGB, unstretched."""
    from PIL import Image

    pixels = np.clip(np.asarray(pixels, np.float64), 0, 255).round().astype(np.uint8)
    pixels = pixels[..., 0] if pixels.ndim == 3 and pixels.shape[-1] == 1 else pixels
    return _png_uri(Image.fromarray(pixels))


def _png_uri(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def thumbnail(image):
    """A data URI of ``image`` (h, w[, c]) as a PNG: viridis for one channel, RGB stretched for three."""
    import matplotlib
    from PIL import Image

    image = np.asarray(image, np.float64)
    lo, hi = image.min(), image.max()
    norm = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    if norm.ndim == 3 and norm.shape[-1] == 3:
        rgb = (norm * 255).round().astype(np.uint8)
    else:
        rgb = (matplotlib.colormaps["viridis"](norm.reshape(norm.shape[:2]))[..., :3] * 255).round().astype(np.uint8)
    return _png_uri(Image.fromarray(rgb))


POINTS = 300


def loss_svg(history, width=420, height=180):
    """Each candidate's map loss per epoch as an inline SVG line chart (linear axes, zero at the bottom)."""
    history = np.asarray(history, np.float64)
    top = float(history.max()) if history.size and history.max() > 0 else 1.0
    epochs = history.shape[1]
    pad = 30

    def point(e, value):
        x = pad + (width - pad - 5) * e / max(epochs - 1, 1)
        return f"{x:.1f},{height - pad - (height - pad - 5) * value / top:.1f}"

    # at most POINTS epochs per line, evenly spread, the last included: 8 × 1200 points made 110 KB a page
    shown = np.unique(np.linspace(0, epochs - 1, min(epochs, POINTS)).round().astype(int))
    lines = [
        f'<polyline fill="none" stroke="hsl({(37 * i) % 360},60%,45%)" stroke-width="1.2" '
        f'points="{" ".join(point(e, row[e]) for e in shown)}"/>'
        for i, row in enumerate(history)
    ]
    axes = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - 5}" y2="{height - pad}" stroke="#444"/>'
        f'<line x1="{pad}" y1="5" x2="{pad}" y2="{height - pad}" stroke="#444"/>'
        f'<text x="{pad}" y="{height - 10}" font-size="11">epoch 1</text>'
        f'<text x="{width - 5}" y="{height - 10}" font-size="11" text-anchor="end">{epochs}</text>'
        f'<text x="{pad + 4}" y="14" font-size="11">loss {top:.3g}</text>'
    )
    return f'<svg class="loss" width="{width}" height="{height}" role="img">{axes}{"".join(lines)}</svg>'


def _value(value):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return html.escape(str(value))


def map_page(m, row, layer, history=None, figure=None, dream=None):
    """One map's page: its numbers, OIP figure, loss curves and dream (``figure``/``dream``: relative links)."""
    cells = "".join(f"<tr><th>{k}</th><td>{_value(row[k])}</td></tr>" for k in SHOWN if k in row)
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{layer} map {m}</title><style>{STYLE}</style>",
        f"</head><body><p><a href='index.html'>← {layer} atlas</a></p><h1>{layer} map {m}: {state(row)}</h1>",
        f"<table>{cells}</table>",
    ]
    if figure:
        parts.append(f"<h2>OIPs, their starts, the test images</h2><img class='figure' src='{figure}' alt='map {m}'>")
    if history is not None:
        parts.append(f"<h2>Loss per epoch, each candidate</h2>{loss_svg(history)}")
    if dream:
        parts.append(f"<h2>Dream</h2><img class='figure' src='{dream}' alt='dream of map {m}'>")
    return "".join(parts) + "</body></html>"


def index_page(rows, thumbs, layer, examples=None):
    """The atlas as links: one framed thumbnail per computed map (``thumbs``: map → data URI) and,
    where ``examples`` has one (map → data URI), the test image that excites the map most beside it."""
    examples = examples or {}
    cells = []
    for row in rows:
        m = int(row["map"])
        if m not in thumbs:
            continue
        frame = FRAME[state(row)]
        cells.append(
            f"<a class='cell' href='map_{m:03d}.html' title='{state(row)}'>"
            f"<img src='{thumbs[m]}' style='border-color:{frame}' alt='map {m}'>"
            + (f"<img class='example' src='{examples[m]}' alt='best test image of map {m}'>" if m in examples else "")
            + f"{m}</a>"
        )
    counts = {s: sum(state(r) == s for r in rows if int(r["map"]) in thumbs) for s in FRAME}
    legend = ", ".join(f"<span style='color:{FRAME[s]}'>■</span> {s}: {n}" for s, n in counts.items() if n)
    beside = ", beside it in gray the test image that excites the map most" if examples else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{layer} atlas</title><style>{STYLE}</style></head>"
        f"<body><h1>{layer}: {len(cells)} maps</h1><p>{legend}. Each map's best OIP (framed){beside}; its page: "
        "click it.</p>"
        f"<div class='grid'>{''.join(cells)}</div></body></html>"
    )


def write(path, text):
    """``text`` to ``path`` atomically (a failed job leaves no half page)."""
    with atomic_path(path, suffix=".html") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
