"""TSV → HTML tables for the report: the page shows every cell exactly as the TSV holds it.

Pages are read back with the standard library's HTML parser and compared with pandas' reading of
the TSV (all cells as text), a path independent of the csv-based writer.
"""

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from mnist_dreams.plumbing import store
from mnist_dreams.report import tables


class Page(HTMLParser):
    """Title, caption, and every table cell (text and class) of an HTML page."""

    def __init__(self, text):
        super().__init__()
        self.title, self.h1, self.caption, self.rows, self.classes = "", "", "", [], []
        self._in, self._cell = None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append([])
            self.classes.append([])
        elif tag in ("td", "th"):
            self._cell = ""
            self.classes[-1].append(attrs.get("class"))
        elif tag in ("title", "h1") or (tag == "p" and attrs.get("class") == "caption"):
            self._in = "caption" if tag == "p" else tag

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None
        elif tag in ("title", "h1", "p"):
            self._in = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._in:
            setattr(self, self._in, getattr(self, self._in) + data)


def tsv_cells(path):
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return [list(frame.columns), *frame.to_numpy().tolist()]


@pytest.fixture
def layer_tsv(tmp_path):
    """A layer-summary-like table, written the way rules write TSVs (store.write_tsv)."""
    frame = pd.DataFrame(
        {
            "map": [0, 4, 46, 56],
            "fires_on_test": [True, False, True, True],
            "max_test_activation": [0.290108, 0.0, 1.4207812345, 3.5e-8],
            "found": [None, None, True, False],
            "best_loss": [np.nan, np.nan, 12.3456789, 0.0],
            "note": ["a <b> & 'c'", 'quote " here', "tab\there", "Λ₂ — ünïcode"],
        }
    )
    return frame, store.write_tsv(frame, tmp_path / "summary.tsv")


def test_page_shows_every_cell_of_the_tsv(layer_tsv, tmp_path):
    _, tsv = layer_tsv
    out = tables.write_html_table(tsv, tmp_path / "summary.html", title="Layer summary")
    page = Page(out.read_text(encoding="utf-8"))
    expected = tsv_cells(tsv)
    assert len(page.rows) == len(expected)
    for shown, want in zip(page.rows, expected, strict=True):
        assert shown == want


def test_frame_and_its_tsv_give_the_same_page(layer_tsv):
    frame, tsv = layer_tsv
    from_frame = tables.html_table(frame, "t", "c", source_name="summary.tsv")
    assert from_frame == tables.html_table(tsv, "t", "c")


def test_title_and_caption_are_text_not_markup(layer_tsv):
    _, tsv = layer_tsv
    page = Page(tables.html_table(tsv, title="OIPs <found>", caption="seed: 94 of 128 & more"))
    assert page.title == page.h1 == "OIPs <found>"
    assert page.caption == "seed: 94 of 128 & more"


def test_numeric_columns_are_right_aligned_blanks_included(layer_tsv):
    _, tsv = layer_tsv
    page = Page(tables.html_table(tsv, "t"))
    header = page.rows[0]
    for row in page.classes[1:]:
        by_column = dict(zip(header, row, strict=True))
        assert by_column["map"] == by_column["max_test_activation"] == by_column["best_loss"] == "num"
        assert by_column["fires_on_test"] is by_column["found"] is by_column["note"] is None


def test_page_is_self_contained(layer_tsv):
    # The report shows it as a data: URI in an iframe: nothing relative or remote would load there.
    text = tables.html_table(layer_tsv[1], "t").lower()
    for needle in ("<script", "src=", "href=", "http", "<link"):
        assert needle not in text


def test_header_only_tsv_gives_an_empty_table(tmp_path):
    tsv = tmp_path / "empty.tsv"
    tsv.write_text("k\tinertia\n")
    page = Page(tables.html_table(tsv, "t"))
    assert page.rows == [["k", "inertia"]]


def test_ragged_tsv_names_file_and_line(tmp_path):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("a\tb\n1\t2\n3\n")
    with pytest.raises(tables.TableError, match=r"bad\.tsv, line 3: 1 fields, header has 2"):
        tables.html_table(tsv, "t")


def test_empty_file_is_an_error(tmp_path):
    tsv = tmp_path / "none.tsv"
    tsv.write_text("")
    with pytest.raises(tables.TableError, match="none.tsv: empty"):
        tables.html_table(tsv, "t")


def test_failed_write_keeps_the_old_page_and_no_temp_file(tmp_path):
    good, bad, out = tmp_path / "good.tsv", tmp_path / "bad.tsv", tmp_path / "t.html"
    good.write_text("a\n1\n")
    bad.write_text("a\n1\t2\n")
    tables.write_html_table(good, out, "t")
    before = out.read_text()
    with pytest.raises(tables.TableError):
        tables.write_html_table(bad, out, "t")
    assert out.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tsv", "good.tsv", "t.html"]
