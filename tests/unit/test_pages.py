"""Per-map pages, read back with the standard library's HTML parser (not by the code that wrote them)."""

import base64
import io
from html.parser import HTMLParser

import numpy as np
from PIL import Image

from mnist_dreams.report import pages


class Page(HTMLParser):
    """Every tag's attributes, the table's (th, td) pairs and the text."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.cells, self.text, self._cell = [], [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "th":
            self.cells.append([""])
        elif tag == "td":
            self.cells[-1].append("")
        self._cell = tag if tag in ("th", "td") else None

    def handle_endtag(self, tag):
        self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell:
            self.cells[-1][-1] += data

    def all(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]


ROWS = [
    {"map": 0, "found": True, "fires_on_test": True, "best_loss": 2.5, "oip_vs_best_test": 1.25, "diversity": np.nan},
    {"map": 1, "found": False, "fires_on_test": False, "best_loss": 0.0, "oip_vs_best_test": np.nan},
    {"map": 2, "found": np.nan, "fires_on_test": True},  # not computed: no thumbnail, no cell
]


def test_index_links_every_computed_map_with_its_best_oip_and_state():
    image = np.arange(28 * 28, dtype=np.float32).reshape(28, 28, 1)
    thumbs = {0: pages.thumbnail(image), 1: pages.thumbnail(np.zeros((28, 28, 1)))}
    page = Page(pages.index_page(ROWS, thumbs, "conv3"))
    links = [a["href"] for a in page.all("a")]
    assert links == ["map_000.html", "map_001.html"]
    imgs = page.all("img")
    png = Image.open(io.BytesIO(base64.b64decode(imgs[0]["src"].split(",", 1)[1])))
    assert png.size == (28, 28) and png.mode == "RGB"
    pixels = np.asarray(png).astype(int)
    assert (pixels[0, 0] != pixels[-1, -1]).any()  # the ramp's two ends differ in colour
    assert pages.FRAME["found"] in imgs[0]["style"] and pages.FRAME["not found, silent on test"] in imgs[1]["style"]
    assert "found: 1" in "".join(page.text) and "not found, silent on test: 1" in "".join(page.text)


def test_map_page_shows_its_numbers_figure_curves_and_dream():
    history = np.array([[0.1, 0.5, 1.0, 2.5], [0.0, 0.2, 0.3, 0.4]])
    text = pages.map_page(0, ROWS[0], "conv3", history, figure="../map_000.png", dream="../../dreams/map_000.png")
    page = Page(text)
    numbers = dict(page.cells)
    assert numbers["best_loss"] == "2.5" and numbers["oip_vs_best_test"] == "1.25" and numbers["diversity"] == ""
    assert [i["src"] for i in page.all("img")] == ["../map_000.png", "../../dreams/map_000.png"]
    lines = page.all("polyline")
    assert len(lines) == 2 and all(len(line["points"].split()) == 4 for line in lines)
    ys = [float(p.split(",")[1]) for p in lines[0]["points"].split()]
    assert ys == sorted(ys, reverse=True)  # a rising loss climbs the chart (SVG y grows downwards)
    assert page.all("a")[0]["href"] == "index.html"
    long = Page(pages.map_page(0, ROWS[0], "conv3", np.linspace(0, 1, 1200)[None]))
    points = long.all("polyline")[0]["points"].split()
    assert len(points) == pages.POINTS and points[-1] == "415.0,5.0"  # the last epoch, the top, at the right edge
    assert "conv3 map 0: found" in "".join(page.text)


def test_pages_are_written_whole(tmp_path):
    path = pages.write(tmp_path / "index.html", "<p>x</p>")
    assert path.read_text() == "<p>x</p>" and [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_index_shows_each_maps_best_test_image_beside_its_oip_unstretched():
    digit = np.zeros((28, 28, 1), np.uint8)
    digit[8:20, 12:15] = 200  # a "1" in gray 200, not stretched to white
    thumbs = {0: pages.thumbnail(np.ones((28, 28, 1))), 1: pages.thumbnail(np.zeros((28, 28, 1)))}
    page = Page(pages.index_page(ROWS, thumbs, "conv3", {0: pages.photo_thumbnail(digit)}))
    imgs = page.all("img")
    assert [i.get("class") for i in imgs] == [None, "example", None]  # map 0: OIP, test image; map 1: OIP
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(imgs[1]["src"].split(",", 1)[1]))))
    np.testing.assert_array_equal(shown, digit[..., 0])
    assert "beside it in gray the test image that excites the map most" in "".join(page.text)


def test_a_chunks_sheet_gives_back_each_maps_figure_pixel_for_pixel(tmp_path):
    """sheets.sheet stacks a chunk's figures; sheets.crop cuts each map's out again, as it was drawn."""
    from mnist_dreams.report import sheets

    rng = np.random.default_rng(0)
    drawn = {m: rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for m, h, w in ((46, 40, 90), (56, 70, 60))}

    def draw(pixels):
        return lambda target: Image.fromarray(pixels).save(target, format="PNG")

    path = sheets.sheet([(m, draw(p)) for m, p in drawn.items()], tmp_path / "map_046-056.png")
    with Image.open(path) as whole:  # one below the other, a rule between, as wide as the widest
        assert whole.size == (90, 40 + sheets.RULE_PX + 70)
    cut = sheets.crop(path)
    assert list(cut) == [46, 56]
    for m, pixels in drawn.items():
        np.testing.assert_array_equal(np.asarray(cut[m]), pixels)
    empty = sheets.sheet([], tmp_path / "none.png")  # a two-stage screening with no map missed
    assert sheets.crop(empty) == {} and Image.open(empty).size[0] > 100
