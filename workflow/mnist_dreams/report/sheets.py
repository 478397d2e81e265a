"""Figure sheets: a chunk's per-map figures in one PNG, one below the other, and each map's cut out again.

A per-map step computes a chunk of maps in one job and draws their figures into one file
(``results/oip/map_046-056.png``); the PNG's text chunk ``panels`` records each map's rows, so the
map pages show one map's figure (``crop``). Pillow only: the pages job draws nothing.
"""

from __future__ import annotations

import io
import json

from ..plumbing.store import atomic_path

RULE_PX = 3  # a gray line between two maps' figures
RULE_GRAY = (170, 170, 170)


def sheet(panels, path):
    """Write one PNG of ``panels``, [(map, draw)], where ``draw(target)`` writes that map's figure as
    a PNG into the file object ``target``; a chunk with no map (a two-stage screening when the random
    stage found every map) gets a line that says so."""
    from PIL import Image, PngImagePlugin

    images = []
    for m, draw in panels:
        buffer = io.BytesIO()
        draw(buffer)
        images.append((int(m), Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")))
    if not images:
        images = [(None, _note("no map of this chunk was computed here"))]
    width = max(image.width for _, image in images)
    out = Image.new("RGB", (width, sum(image.height for _, image in images) + RULE_PX * (len(images) - 1)), "white")
    boxes, top = [], 0
    for m, image in images:
        if top:
            out.paste(RULE_GRAY, (0, top, width, top + RULE_PX))
            top += RULE_PX
        out.paste(image, (0, top))
        if m is not None:
            boxes.append({"map": m, "top": top, "width": image.width, "height": image.height})
        top += image.height
    info = PngImagePlugin.PngInfo()
    info.add_text("panels", json.dumps(boxes))
    with atomic_path(path, suffix=".png") as tmp:
        out.save(tmp, format="PNG", pnginfo=info)  # optimize=True: 3 % smaller, 6× slower (a 32-map sheet: 7.6 s)
    return path


def crop(path):
    """{map: PIL image} of a sheet's panels, in order."""
    from PIL import Image

    with Image.open(path) as image:
        boxes = json.loads(image.text.get("panels", "[]"))
        return {b["map"]: image.crop((0, b["top"], b["width"], b["top"] + b["height"])) for b in boxes}


def _note(text):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (8 * len(text) + 40, 40), "white")
    ImageDraw.Draw(image).text((20, 14), text, fill="black")
    return image
