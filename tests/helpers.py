"""Plain helpers shared by the tests (kept out of conftest.py: test folders have conftests of their own)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
