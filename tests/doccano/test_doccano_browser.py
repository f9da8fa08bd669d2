"""Issue 18, item 14: an annotator starts from the link that ``doccano push`` prints, in headless Chromium.

doccano 1.8.4's Start Annotation button opens an empty annotation area in Chromium-based browsers (a known
doccano bug); entered from the project's Dataset page, the same view works. So push prints that page's
link, and this test follows it as a person would: log in, open the link, click the first unit's Annotate
button, and check that its entity marks are drawn with their labels and colours, and that the metadata
beside the unit is the short one. Chromium comes from Debian (installed when missing, as for the report test).
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from browser.test_report_page import CHROMEDRIVER, CHROMIUM, FLAGS, install_missing  # tests/browser/
from pipeline.doccano.sync import SPAN_COLOURS

from doccano_units import units, write_jsonl  # tests/doccano/doccano_units.py


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    install_missing()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-doccano')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Any, timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = condition()
        except Exception:  # noqa: BLE001 - the page is still changing
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def button(driver: Any, text: str) -> Any:
    from selenium.webdriver.common.by import By

    return next((b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip() == text and b.is_displayed()), None)


def test_14_the_printed_link_leads_to_the_unit_with_its_entity_marks(
        chromium: Any, cli: Any, admin_env: dict, project_name: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    first, second = units()[2], units()[0]  # the first has characters outside the BMP and three entities
    path = write_jsonl(tmp_path / "run.jsonl", [first, second])
    proc = cli("doccano", "push", str(path), "--project", project_name, env=admin_env)
    assert proc.returncode == 0, proc.stderr
    link = re.search(r"Dataset page: (\S+)", proc.stdout).group(1)

    chromium.get(link)  # not logged in: doccano asks first
    wait_for(lambda: chromium.find_element(By.ID, "password"), what="the login form")
    chromium.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys(admin_env["DOCCANO_USERNAME"])
    chromium.find_element(By.ID, "password").send_keys(admin_env["DOCCANO_PASSWORD"])
    button(chromium, "Login").click()
    wait_for(lambda: "/auth" not in chromium.current_url, what="the login")
    chromium.get(link)
    annotate = wait_for(lambda: button(chromium, "Annotate"), what="the Dataset page's Annotate buttons")
    # The Annotate button leads to the page of the project's type once the project is loaded (its name is shown).
    wait_for(lambda: project_name in chromium.find_element(By.TAG_NAME, "header").text, what="the project")
    row = chromium.find_elements(By.CSS_SELECTOR, "tbody tr")[0]
    assert first["text"][:8] in row.text and f'"id": "{first["id"]}"' in row.text and "offsets" not in row.text
    annotate.click()

    def marks() -> list[tuple[str, str]]:
        """(label, colour of the line under the span) of every mark the editor drew, left to right."""
        drawn = chromium.execute_script("""
            return Array.from(document.querySelectorAll('svg text')).map(text => {
                const line = text.parentNode && text.parentNode.parentNode
                    && text.parentNode.parentNode.querySelector(':scope > line');
                return line ? [text.textContent, line.getAttribute('stroke'), Number(line.getAttribute('x1'))] : null;
            }).filter(Boolean);""")
        return [(label, colour) for label, colour, _ in sorted(drawn, key=lambda mark: mark[2]) if label in SPAN_COLOURS]

    drawn = wait_for(lambda: marks() if len(marks()) == len(first["entities"]) else None,
                     what=f"the entity marks at {chromium.current_url}")
    assert [label for label, _ in drawn] == [label for _, _, label in first["entities"]]
    assert all(colour.lower() == SPAN_COLOURS[label].lower() for label, colour in drawn)
    page = chromium.find_element(By.TAG_NAME, "body").text
    assert "intent-detection-and-slot-filling" in chromium.current_url
    assert "杭州开店" in page and first["source"]["file"] in page and "text_sha256" not in page
    folder = Path(os.environ.get("GOVNLP_ARTIFACTS") or tmp_path)
    assert chromium.save_screenshot(str(folder / "doccano-annotation.png"))
