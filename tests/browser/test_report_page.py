"""The run report in a real browser: renders without console errors, shows its sections and entity marks.

Headless Chromium is Debian's chromium and chromium-driver; the session fixture installs them when missing
(CI starts on a fresh machine). It lives here, not in a conftest.py: test modules that do
``from conftest import ...`` would pick up a second conftest module.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import numpy
import pytest
from matplotlib.image import imread

from pipeline.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # so that screenshots show the Chinese text
PACKAGES = {"chromium": CHROMIUM, "chromium-driver": CHROMEDRIVER, "fonts-wqy-zenhei": CJK_FONT}
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1800")


def install_missing() -> None:
    """``apt-get install`` whichever of the packages is missing (CI starts on a fresh machine)."""
    missing = [name for name, path in PACKAGES.items() if not path.exists()]
    if not missing:
        return
    command = f"apt-get update && apt-get install -y {' '.join(missing)}"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"the browser tests need Debian's {', '.join(missing)}: run `{command}` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=1200)
    if result.returncode != 0:
        pytest.fail(f"`{command}` failed:\n{result.stderr[-2000:]}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator["webdriver.Chrome"]:
    """A headless Chromium with a fresh profile that records the console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    install_missing()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def report(seed_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(seed_run, tmp_path_factory.mktemp("browser-report") / "report.html")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $GOVNLP_ARTIFACTS (e.g. for CI to keep) or a temporary folder."""
    folder = Path(os.environ.get("GOVNLP_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(browser, report: Path):
    browser.get(report.as_uri())
    browser.get_log("browser")  # only what this page logs from here on counts below
    browser.refresh()
    return browser


def test_renders_without_console_errors(page) -> None:
    errors = [entry for entry in page.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert page.title.startswith("Run report")


def test_sections_are_shown(page) -> None:
    from selenium.webdriver.common.by import By

    for section in ("manifest", "distributions", "programmes", "documents"):
        element = page.find_element(By.ID, section)
        assert element.is_displayed() and element.size["height"] > 50, section


def test_every_entity_is_a_visible_mark(page, seed_run: Path) -> None:
    from selenium.webdriver.common.by import By

    records = [json.loads(line) for line in (seed_run / "annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    marks = page.find_elements(By.CSS_SELECTOR, "#documents mark.entity")
    assert len(marks) == sum(len(r["entities"]) for r in records) > 0
    program = next(m for m in marks if "PROGRAM" in m.text)
    assert program.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")


def test_charts_are_drawn(page) -> None:
    drawn = page.execute_script(
        "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0 && i.width > 100);")
    assert len(drawn) >= 2 and all(drawn)


def test_catalogue_link_jumps_to_the_paragraph(page) -> None:
    from selenium.webdriver.common.by import By

    link = page.find_element(By.CSS_SELECTOR, "#programmes td.occurrences a")
    target = link.get_attribute("href").split("#", 1)[1]
    link.click()
    top = page.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top;", target)
    assert page.execute_script("return location.hash;") == f"#{target}"
    assert -2 <= top < page.execute_script("return window.innerHeight;")  # sub-pixel rounding
    assert "PROGRAM" in page.find_element(By.ID, target).text


def test_screenshots(page, report: Path, screenshots: Path) -> None:
    """Screenshots of the top of the page and of a paragraph, to look at (and proof the page paints)."""
    for name, fragment in (("report-top", ""), ("report-paragraph", "#documents")):
        page.get(report.as_uri() + fragment)
        path = screenshots / f"{name}.png"
        assert page.save_screenshot(str(path))
        pixels = imread(path)
        assert pixels.shape[1] >= 1000 and float(numpy.std(pixels)) > 0.05, f"{path} looks blank"
