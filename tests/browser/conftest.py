"""Headless Chromium for the browser tests: Debian's chromium and chromium-driver, installed when missing."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

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


@pytest.fixture(scope="session")
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
