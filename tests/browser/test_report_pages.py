"""A report of a 新闻联播-sized run (10.6 M characters) in headless Chromium: paged so that no HTML file
exceeds 20 MB, every page renders without console errors, and a programme's link leads to its paragraph on
a page of documents (issue 17).

The run is the seed run's records repeated, each copy a document of its own with a date of its own month,
up to the size of the 2022-2025 新闻联播 stories (10.6 M characters of text)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.report import write_report

from test_report_page import browser  # noqa: F401  (the headless Chromium fixture)

TARGET_CHARS = 10_600_000
MAX_FILE_BYTES = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def big_report(seed_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = [json.loads(line) for line in (seed_run / "annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    size = sum(len(r["text"]) for r in records)
    run = tmp_path_factory.mktemp("big-run")
    with (run / "annotated.jsonl").open("w", encoding="utf-8") as f:
        for copy in range(-(-TARGET_CHARS // size)):
            date = f"{2022 + copy // 12 % 4}-{copy % 12 + 1:02d}-15"
            for r in records:
                doc = f"c{copy:04d}-{r['doc_id']}"
                f.write(json.dumps({**r, "id": f"c{copy:04d}-{r['id']}", "doc_id": doc,
                                    "article_id": f"c{copy:04d}-{r['article_id']}", "date": date},
                                   ensure_ascii=False) + "\n")
    (run / "manifest.json").write_bytes((seed_run / "manifest.json").read_bytes())
    return write_report(run, run / "report" / "report.html")


def test_no_file_exceeds_20_mb(big_report: Path) -> None:
    pages = sorted(big_report.parent.glob("*.html"))
    assert len(pages) > 2
    sizes = {page.name: page.stat().st_size for page in pages}
    assert max(sizes.values()) < MAX_FILE_BYTES, sizes


def test_pages_render_and_a_programme_link_reaches_its_paragraph(browser, big_report: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    pages = sorted(big_report.parent.glob("report-documents-*.html"))
    for page in (big_report, pages[0], pages[-1]):
        browser.get(page.as_uri())
        browser.get_log("browser")
        browser.refresh()
        assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == [], page.name
        assert browser.find_element(By.ID, "documents").is_displayed()
    browser.get(big_report.as_uri())
    assert len(browser.find_elements(By.CSS_SELECTOR, "#timeline svg rect")) > 0
    link = browser.find_elements(By.CSS_SELECTOR, "#programmes td.occurrences a")[-1]  # on a later page
    page, target = link.get_attribute("href").rsplit("/", 1)[1].split("#", 1)
    assert page.startswith("report-documents-")
    link.click()
    assert browser.execute_script("return location.pathname;").endswith(page)
    top = browser.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top;", target)
    assert -2 <= top < browser.execute_script("return window.innerHeight;")
    assert "PROGRAM" in browser.find_element(By.ID, target).text
