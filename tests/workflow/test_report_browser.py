"""The report, opened in headless Chromium, shows the summary table and a figure where a reader looks.

`snakemake --report` writes a JavaScript app; grepping its HTML only proves that bytes are
embedded. Here a real browser clicks category → entry → view and the checks read the rendered
page: every cell of the table must equal the TSV's, and the figure must be the PNG on disk,
decoded by the browser at its true width.
"""

import os
import struct

import pandas as pd
import pytest

from helpers import snakemake
from report_browser import BrowserMissing, ReportPage, data_uri_bytes, start_chromium

pytestmark = pytest.mark.e2e

# What the reader looks for; menu labels are the report(category=..., subcategory=...) values, and
# a category with one subcategory lists its results directly. Change these when the rules change.
# The summary table: the seed's headline numbers next to this run's.
TABLE_MENU = ("0 Summary",)
TABLE_ENTRY = "results/summary.html"  # the HTML page the report shows ...
TABLE_SOURCE = "results/summary.tsv"  # ... made from this TSV (a .tsv alone is only a download)
FIGURE_MENU = ("1 CNN",)
FIGURE_ENTRY = "results/cnn/training.png"

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def report(tiny_run, tmp_path_factory):
    """The tiny run's report, built outside the workdir; returns (workdir, report.html)."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    # Targets and flags before --configfile: Snakemake >= 9 reads every later word as a config file.
    snakemake(tiny_run, "--report", str(path), "--configfile", "config/tiny.yaml")
    return tiny_run, path


@pytest.fixture(scope="session")  # session, like tiny_run, so that it is set up (or skips) first
def browser(tmp_path_factory):
    try:
        driver = start_chromium(tmp_path_factory.mktemp("chromium"))
    except BrowserMissing as err:
        if IN_CI:
            pytest.fail(f"CI=true but the browser check cannot run: {err}")
        pytest.skip(str(err))
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, report):
    # browser first: without one the tests skip before the two-minute tiny run.
    return ReportPage(browser, report[1]).open()


def png_width(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">I", data[16:20])[0]  # IHDR: the first chunk, width first


def test_report_shows_summary_table(page, report, tmp_path):
    workdir, _ = report
    assert (workdir / TABLE_ENTRY).is_file(), f"no rule wrote {TABLE_ENTRY} (report.tables.write_html_table)"
    src, cells = page.menu(*TABLE_MENU).show(TABLE_ENTRY).shown_html_table()
    shot = page.screenshot(tmp_path / "report_table.png")
    print(f"screenshot: {shot}")

    assert f"filename={os.path.basename(TABLE_ENTRY)};" in src
    # Read independently of mnist_dreams.report.tables: pandas, every cell as the text in the file.
    tsv = pd.read_csv(workdir / TABLE_SOURCE, sep="\t", dtype=str, keep_default_na=False)
    expected = [list(tsv.columns), *tsv.to_numpy().tolist()]
    assert len(cells) == len(expected), f"{len(cells) - 1} rows shown, {len(tsv)} in {TABLE_SOURCE}"
    for i, (shown, want) in enumerate(zip(cells, expected, strict=True)):
        assert shown == want, f"row {i} of the shown table differs from {TABLE_SOURCE}"


def test_report_shows_figure(page, report, tmp_path):
    workdir, _ = report
    src, width = page.menu(*FIGURE_MENU).show(FIGURE_ENTRY).shown_image()
    shot = page.screenshot(tmp_path / "report_figure.png")
    print(f"screenshot: {shot}")

    png = (workdir / FIGURE_ENTRY).read_bytes()
    assert data_uri_bytes(src) == png, f"the image shown is not {FIGURE_ENTRY}"
    assert width == png_width(png)


def test_map_pages_open_from_the_atlas_with_their_figures(browser, tiny_run):
    """The per-map pages in Chromium: the atlas index loads fast, a click opens a map's page, and its
    OIP figure and dream are the PNGs on disk, decoded at their true width."""
    from selenium.webdriver.common.by import By

    pages = tiny_run / "results/oip/pages"
    browser.get((pages / "index.html").as_uri())
    load_ms = browser.execute_script(
        "const t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd - t.startTime;"
    )
    print(f"index.html loaded in {load_ms:.0f} ms")
    assert load_ms < 2000
    cells = browser.find_elements(By.CSS_SELECTOR, "a.cell")
    assert [c.get_attribute("href").rsplit("/", 1)[1] for c in cells] == ["map_046.html", "map_056.html"]
    assert all(browser.execute_script("return arguments[0].naturalWidth", c.find_element(By.TAG_NAME, "img")) == 28
               for c in cells)  # fmt: skip
    cells[0].click()
    assert browser.current_url.endswith("map_046.html")
    width = "return arguments[0].naturalWidth"
    shown = {  # "map_046.oip.png" and "map_046.dream.png": each map's figures cut out of its chunk's sheets
        img.get_attribute("src").rsplit("/", 1)[1]: browser.execute_script(width, img)
        for img in browser.find_elements(By.CSS_SELECTOR, "img.figure")
    }
    assert shown == {  # tiny's chunks hold one map each: the cut-out is the whole sheet
        f"map_046.{kind}.png": png_width((tiny_run / f"results/{folder}/map_046.png").read_bytes())
        for kind, folder in (("oip", "oip"), ("dream", "dreams"))
    }
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.loss polyline")) >= 1
    # the map's numbers as the browser shows them: the in-range ratio is the layer summary's
    table = pd.read_csv(tiny_run / "results/oip/summary.tsv", sep="\t").set_index("map")
    numbers = {
        row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
        for row in browser.find_elements(By.CSS_SELECTOR, "tr")
        if row.find_elements(By.TAG_NAME, "th") and row.find_elements(By.TAG_NAME, "td")
    }
    assert float(numbers["in_range_ratio"]) == pytest.approx(table.loc[46, "in_range_ratio"], rel=1e-3)
    assert 0 < float(numbers["in_range_share"]) <= 1
    trust = pd.read_csv(tiny_run / "results/oip/trust.tsv", sep="\t", keep_default_na=False).set_index("map")
    assert (
        numbers["verdict"] == trust.loc[46, "verdict"] and numbers["verdict_reason"] == trust.loc[46, "verdict_reason"]
    )
