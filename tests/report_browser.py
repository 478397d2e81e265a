"""Drive Snakemake's HTML report in headless Chromium (Selenium + the system's chromedriver).

The report is a React app: its menus, result lists and views exist only once JavaScript has run,
so checks go through a real browser and click the way a reader does. Selenium is used with an
explicit chromedriver path, which skips Selenium Manager (it would try to download a driver).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

# Debian's package names first (what .ci/run installs); the others cover Chrome elsewhere.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVERS = ("chromedriver",)
WAIT_S = 30

# Headless as root in a closed network: no sandbox (root), and none of Chromium's own network
# traffic (updates, sync, field trials), whose refused connections would only slow the start.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


class BrowserMissing(RuntimeError):
    """No usable Chromium, chromedriver or Selenium on this machine."""


def find_browser():
    """``(chromium, chromedriver)`` paths; ``$CHROMIUM`` / ``$CHROMEDRIVER`` override the search."""

    found, missing = [], []
    for what, env, names in (("Chromium", "CHROMIUM", BROWSERS), ("chromedriver", "CHROMEDRIVER", DRIVERS)):
        if os.environ.get(env):
            path = os.environ[env] if Path(os.environ[env]).is_file() else None
            where = f"${env}={os.environ[env]}"
        else:
            path = next(filter(None, map(shutil.which, names)), None)
            where = f"on PATH as {' / '.join(names)}"
        found.append(path)
        if path is None:
            missing.append(f"{what} ({where})")
    if missing:
        raise BrowserMissing(f"not found: {', '.join(missing)}; Debian: apt-get install chromium chromium-driver")
    return tuple(found)


def start_chromium(workdir):
    """A headless Chromium WebDriver with a fresh profile and the driver's log under ``workdir``."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        raise BrowserMissing(f"selenium is not installed ({err}); see envs/requirements.lock") from err
    browser, driver = find_browser()
    workdir = Path(workdir)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=driver, log_output=str(workdir / "chromedriver.log"))
    session = webdriver.Chrome(service=service, options=options)
    session.set_page_load_timeout(WAIT_S * 2)
    return session


def xpath_literal(text):
    """``text`` as an XPath string literal, whatever quotes it holds."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def data_uri_bytes(uri):
    """The payload of a base64 ``data:`` URI, as the report embeds every result."""
    meta, _, payload = uri.partition(",")
    assert meta.startswith("data:") and meta.endswith(";base64"), f"not a base64 data URI: {uri[:80]}"
    return base64.b64decode(payload)


class ReportPage:
    """The report seen by a reader: menus on the left, the selected result on the right."""

    def __init__(self, driver, report_path):
        self.driver = driver
        self.url = Path(report_path).resolve().as_uri()

    def _wait(self, ignored=()):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(
            self.driver, WAIT_S, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, *ignored)
        )

    def _click(self, xpath, what):
        """Click the element once it is shown; React may re-render it between find and click."""
        from selenium.common.exceptions import ElementClickInterceptedException, ElementNotInteractableException
        from selenium.webdriver.common.by import By

        def attempt(driver):
            element = driver.find_element(By.XPATH, xpath)
            if not element.is_displayed():
                return False
            element.click()
            return True

        ignored = (ElementClickInterceptedException, ElementNotInteractableException)
        self._wait(ignored).until(attempt, message=f"{what} did not appear in the report ({xpath})")

    def open(self):
        """Load the report and wait until the app has drawn its menu."""
        self.driver.get(self.url)
        self._wait().until(
            lambda d: d.find_element("xpath", "//nav//ul/li/a[span]").is_displayed(),
            message="the report's menu never appeared (JavaScript app did not start)",
        )
        return self

    def menu(self, *labels):
        """Click through the menu: a category, then (if it has several) a subcategory."""
        for label in labels:
            self._click(f"//nav//ul/li/a[span[normalize-space()={xpath_literal(label)}]]", f"menu item {label!r}")
        return self

    def show(self, entry):
        """Click the view ("eye") button of the result whose first column reads ``entry``."""
        row = f"//nav//table/tbody/tr[td[1][normalize-space()={xpath_literal(entry)}]]"
        self._click(f"({row}//a)[1]", f"result {entry!r}")
        return self

    def shown_image(self):
        """The image in the view pane, once the browser has decoded it: ``(src, naturalWidth)``."""
        script = (
            "const img = [...document.images].find(i => !i.closest('nav') && i.src.startsWith('data:image/'));"
            "return img && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0"
            " ? [img.src, img.naturalWidth] : null;"
        )
        return self._wait().until(lambda d: d.execute_script(script), message="no loaded image in the view pane")

    def shown_html_table(self):
        """``(iframe src, cells)`` of the HTML page shown in the view pane: cells row by row, header first."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        frame = (By.XPATH, "//iframe[starts-with(@src, 'data:text/html')]")
        src = self._wait().until(ec.visibility_of_element_located(frame), message="no HTML view").get_attribute("src")
        self._wait().until(ec.frame_to_be_available_and_switch_to_it(frame))
        try:
            script = (
                "const t = document.querySelector('table');"
                "return t ? [...t.rows].map(r => [...r.cells].map(c => c.textContent)) : null;"
            )
            cells = self._wait().until(lambda d: d.execute_script(script), message="no <table> in the HTML view")
        finally:
            self.driver.switch_to.default_content()
        return src, cells

    def screenshot(self, path):
        self.driver.save_screenshot(str(path))
        return Path(path)
