"""Hostile and careless use (issue 18): each defect the adversarial review found, through the real
command line where a user would meet it. One test (or a few) per item; the item number is in the name."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, cli, read_jsonl
from pipeline.util import LOCK_FILE, folder_lock, sha256_file

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CONFIG = "configs/default.cfg"


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The command failed with exit 2 and one ``error:`` line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in SEEDS[:2]:
        shutil.copy(page, folder / page.name)
    return folder


# -- 1: one run at a time holds an output folder ---------------------------------------------------

def test_01_a_second_run_into_the_same_folder_is_refused_while_the_first_holds_it(tmp_path: Path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        for page in SEEDS:
            shutil.copy(page, folder / f"{i}_{page.name}")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "pipeline", "run", CONFIG, "--output", str(out), "--quiet",
                              "--paths.input", str(folder), "--system.shard_chars", "3000"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (out / "annotated.journal").is_file() and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    second = cli("run", CONFIG, "--output", str(out), "--quiet", "--paths.input", str(SEEDS[0]), check=False)
    line = one_error_line(second)
    assert f"another run (pid {first.pid}) is writing to this folder" in line and str(out) in line
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["output"]["annotated.jsonl"] == sha256_file(out / "annotated.jsonl")
    assert manifest["counts"]["documents"] == 4 * len(SEEDS) == len({r["doc_id"] for r in read_jsonl(out / "annotated.jsonl")})
    assert not (out / LOCK_FILE).exists()


def test_01_a_lock_held_by_a_live_process_is_refused_and_a_stale_one_taken_over(pages: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        line = one_error_line(cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), check=False))
        assert f"another run (pid {os.getpid()})" in line
    assert not (out / "annotated.jsonl").exists()
    # A lock file left by a run that was killed (its pid gone, no one holds the lock) does not stop the next run.
    (out / LOCK_FILE).write_text("999999999\n", encoding="utf-8")
    assert cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--quiet").returncode == 0
    assert (out / "annotated.jsonl").is_file() and not (out / LOCK_FILE).exists()


# -- 9: a symbolic link planted in the output folder is never written through ----------------------

def test_09_a_link_planted_as_the_partial_file_is_not_followed(pages: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "annotated.jsonl.partial").symlink_to(victim)
    assert cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--quiet").returncode == 0
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (out / "annotated.jsonl").is_symlink() and read_jsonl(out / "annotated.jsonl")
    # On --resume, a planted link (to the partial file or the journal) is refused, not followed.
    for name in ("annotated.jsonl.partial", "annotated.journal"):
        for other in ("annotated.jsonl.partial", "annotated.journal"):
            (out / other).unlink(missing_ok=True)
        (out / "annotated.journal").write_text("{}\n", encoding="utf-8")
        (out / "annotated.jsonl.partial").write_bytes(b"")
        (out / name).unlink()
        (out / name).symlink_to(victim)
        result = cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--resume", check=False)
        assert "symbolic link" in one_error_line(result)
        assert victim.read_text(encoding="utf-8") == "precious\n"
