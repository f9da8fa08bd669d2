"""Shared fixtures: the project root, the shared corpora, and one real run of the default config."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT, SHARED_DATA, cli

# Fixtures that make every test using them slow (``python -m pytest -m "not slow"`` leaves those out).
SLOW_FIXTURES = {
    "doccano": "installs (first time) and starts a doccano server",
    "browser": "starts headless Chromium",
    "seed_run": "runs the whole pipeline over the seeds through the CLI",
    "folder_run": "runs the whole pipeline over bad pages (test_bad_input)",
    "jsonl_run": "runs the whole pipeline over bad JSONL lines (test_bad_input)",
    "uninterrupted": "runs the whole pipeline over many pages (test_resume)",
    "one_process": "runs the whole pipeline (test_executors)",
    "annotator": "loads the whole pipeline (test_fuzz)",
    "dated_run": "runs the whole pipeline over dated inputs (test_catalogue)",
    "odd_folder_run": "runs the whole pipeline over pages with odd names (test_reliability)",
    "tiny_model": "trains a small NER model (test_compare, test_select)",
    "word_nlp": "loads the pkuseg model (test_ner)",
    "tokenizer": "loads the pkuseg model and cuts the seeds for topic training (test_topics)",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.keys() & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared corpora at {SHARED_DATA} (absent in a user's fresh clone)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory) -> Path:
    """The default config over seeds/, run once through the real CLI."""
    out = tmp_path_factory.mktemp("seed_run")
    cli("run", "configs/default.cfg", "--output", str(out), "--quiet")
    return out
