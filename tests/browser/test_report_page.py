"""The run report in a real browser: renders without console errors, shows its sections and entity marks."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy
import pytest
from matplotlib.image import imread

from pipeline.report import write_report


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
