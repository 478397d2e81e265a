"""TSV tables as self-contained HTML pages, so that Snakemake's report shows them as tables.

Snakemake 9's report renders PNG/JPEG/SVG as images and HTML/PDF in an iframe; any other file,
a ``.tsv`` included, only gets a download button. A rule therefore turns each TSV into one HTML
page and marks that page with ``report(...)``. The page shows every cell exactly as the TSV
spells it (no re-rounding), so what the reader sees is what the file holds.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from ..plumbing.store import atomic_path

# Inline and script-free: the report embeds the page as a data: URI in an iframe, where neither
# relative links nor (offline) remote stylesheets would load.
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.2em; color: #1e293b; }
h1 { font-size: 1.25em; margin: 0 0 .3em; }
p { margin: .2em 0 .8em; max-width: 60em; }
.source { color: #64748b; font-size: .9em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #cbd5e1; padding: .25em .6em; text-align: left; vertical-align: top; }
th, td.num { white-space: nowrap; }
thead th { background: #f1f5f9; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #f8fafc; }
td.num { text-align: right; }
"""


FLOAT_FORMAT = "%.6g"  # store.write_tsv's


class TableError(ValueError):
    """A TSV that cannot be shown as one rectangular table."""


def read_tsv(source):
    """``(header, rows)`` of a TSV file or DataFrame, every cell as the text the file holds.

    A DataFrame is shown as ``store.write_tsv`` writes it (6 significant digits, missing values
    as empty cells), so a page made from the frame equals one made from the rule's TSV.
    """
    if hasattr(source, "to_csv"):
        text, name = source.to_csv(sep="\t", index=False, float_format=FLOAT_FORMAT), "<DataFrame>"
    else:
        text, name = Path(source).read_text(encoding="utf-8"), str(source)
    # csv, not str.split: pandas quotes cells that hold a tab, a quote or a newline.
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    if not records:
        raise TableError(f"{name}: empty file, no header line")
    header, rows = records[0], records[1:]
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise TableError(f"{name}, line {line}: {len(row)} fields, header has {len(header)}")
    return header, rows


def numeric_columns(header, rows):
    """Indices of the columns whose filled cells are all numbers (right-aligned when shown)."""
    out = []
    for j in range(len(header)):
        cells = [row[j] for row in rows if row[j] not in ("", "NA", "NaN", "nan")]
        if cells and all(_is_number(c) for c in cells):
            out.append(j)
    return out


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def html_table(source, title, caption="", source_name=None):
    """A standalone HTML page: ``title``, ``caption``, the source file and its table.

    ``source`` is a TSV path or a DataFrame; ``caption`` is plain text (escaped, not HTML).
    """
    header, rows = read_tsv(source)
    if source_name is None:
        source_name = "a DataFrame" if hasattr(source, "to_csv") else Path(source).name
    numeric = set(numeric_columns(header, rows))
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    cell = ('<td class="num">{}</td>', "<td>{}</td>")
    body = "\n".join(
        "<tr>" + "".join(cell[j not in numeric].format(esc(c)) for j, c in enumerate(row)) + "</tr>" for row in rows
    )
    count = f"{len(rows)} row{'s' if len(rows) != 1 else ''} × {len(header)} columns"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{esc(title)}</title>",
            f"<style>{STYLE}</style></head>",
            "<body>",
            f"<h1>{esc(title)}</h1>",
            f'<p class="caption">{esc(caption)}</p>' if caption else "",
            f'<p class="source">From <code>{esc(source_name)}</code>: {count}.</p>',
            f'<table id="table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>',
            "</body>",
            "</html>",
            "",
        ]
    )


def write_html_table(source, path, title, caption="", source_name=None):
    """Write :func:`html_table` of ``source`` to ``path`` atomically; returns ``path``."""
    page = html_table(source, title, caption, source_name)
    with atomic_path(path, suffix=".html") as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return Path(path)
