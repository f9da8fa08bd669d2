"""Shared fixtures: the project root, the shared corpora, and one real run of the default config."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("GOVNLP_SHARED_DATA", ROOT.parent / "shared" / "data"))


def cli(*args: str, cwd: Path = ROOT, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m pipeline ARGS`` for real, as a user would."""
    result = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"pipeline {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


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
