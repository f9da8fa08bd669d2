"""Interruption: SIGKILL then ``--resume`` gives the same bytes without redoing the finished part;
Ctrl-C leaves no half-written file."""
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

from pipeline.manifest import Stats
from pipeline.orchestrator import JOURNAL, PARTIAL, Checkpoint, ShardResult, run
from pipeline.util import UserError

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "default.cfg"
COPIES = 10  # 50 pages: enough shards that a kill lands halfway


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    for i in range(COPIES):
        for page in sorted((ROOT / "seeds").glob("*.txt")):
            shutil.copy(page, folder / f"{i:02d}_{page.name}")
    return folder


def overrides(pages: Path) -> dict:
    return {"paths.input": str(pages), "paths.lexicon": str(ROOT / "corpus" / "lexicon"), "system.shard_chars": 3000}


@pytest.fixture(scope="module")
def uninterrupted(pages: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    run(CONFIG, out, overrides(pages), quiet=True)
    return out


def start_run(pages: Path, out: Path, *extra: str) -> subprocess.Popen:
    args = [f"--{k}={v}" for k, v in overrides(pages).items()]
    # Ctrl-C as from a terminal: a SIGINT ignored by whatever started the tests would be inherited, and
    # Python leaves an inherited ignored SIGINT ignored
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(CONFIG), "--output", str(out), "--quiet", *args, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_shards(process: subprocess.Popen, journal: Path, n: int, timeout: float = 300) -> None:
    """Wait until the journal lists ``n`` finished shards (its first line is the run key)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal.is_file() and journal.read_text(encoding="utf-8").count("\n") >= 1 + n:
            return
        if process.poll() is not None:
            raise AssertionError(f"run ended before {n} shards were done:\n{process.stderr.read()[-2000:]}")
        time.sleep(0.01)
    process.kill()
    raise AssertionError(f"no {n} finished shards in {timeout} s")


def journal_done(out: Path) -> dict:
    lines = (out / JOURNAL).read_text(encoding="utf-8").splitlines()
    return json.loads(lines[-1])


def test_sigkill_then_resume_gives_the_same_bytes(pages: Path, uninterrupted: Path, tmp_path: Path):
    process = start_run(pages, tmp_path)
    wait_for_shards(process, tmp_path / JOURNAL, 2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "annotated.jsonl").exists()
    done = journal_done(tmp_path)
    total = json.loads((uninterrupted / "manifest.json").read_text(encoding="utf-8"))["counts"]["documents"]
    assert 0 < done["documents"] < total

    resumed = start_run(pages, tmp_path, "--resume")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    assert (tmp_path / "annotated.jsonl").read_bytes() == (uninterrupted / "annotated.jsonl").read_bytes()
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    # The finished part was kept, not redone; the counts still cover the whole input.
    assert manifest["resumed"]["documents"] == done["documents"]
    assert manifest["counts"] == json.loads((uninterrupted / "manifest.json").read_text(encoding="utf-8"))["counts"]
    assert not (tmp_path / JOURNAL).exists() and not (tmp_path / PARTIAL).exists()


def test_ctrl_c_leaves_no_half_written_file(pages: Path, uninterrupted: Path, tmp_path: Path):
    process = start_run(pages, tmp_path)
    wait_for_shards(process, tmp_path / JOURNAL, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr and "--resume" in stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([JOURNAL, PARTIAL]), names  # no annotated.jsonl, no manifest, no temporary file
    # The checkpoint holds whole records only, exactly as many bytes as the journal says.
    partial = (tmp_path / PARTIAL).read_bytes()
    assert len(partial) == journal_done(tmp_path)["bytes"]
    assert all(json.loads(line) for line in partial.decode("utf-8").splitlines())

    run(CONFIG, tmp_path, overrides(pages), quiet=True, resume=True)
    assert (tmp_path / "annotated.jsonl").read_bytes() == (uninterrupted / "annotated.jsonl").read_bytes()


def shard(text: str, documents: int = 1) -> ShardResult:
    return ShardResult(text, Stats(documents=documents, source_chars=len(text)), {})


def record_line(i: int) -> str:
    return json.dumps({"id": str(i), "kind": "body", "text": "文" * i, "entities": [], "cats": []}) + "\n"


def test_resume_ignores_a_torn_journal_line_and_cuts_the_partial_file(tmp_path: Path):
    checkpoint = Checkpoint(tmp_path, {"k": "1"}, resume=False)
    checkpoint.commit(shard(record_line(1)))
    checkpoint.commit(shard(record_line(2)))
    checkpoint.partial.write(b'{"id": "3", "te')  # a crash in the middle of the third shard
    checkpoint.partial.flush()
    checkpoint.journal.write('{"documents": 3, "sou')
    checkpoint.journal.flush()

    resumed = Checkpoint(tmp_path, {"k": "1"}, resume=True)
    assert resumed.done["documents"] == 2
    assert (tmp_path / PARTIAL).read_text(encoding="utf-8") == record_line(1) + record_line(2)
    assert resumed.replay().units == 2


def test_resume_refuses_another_config_or_input(tmp_path: Path):
    Checkpoint(tmp_path, {"k": "1"}, resume=False).commit(shard(record_line(1)))
    with pytest.raises(UserError, match="run without --resume"):
        Checkpoint(tmp_path, {"k": "2"}, resume=True)


def test_resume_without_a_journal_starts_afresh(tmp_path: Path):
    (tmp_path / PARTIAL).write_text("stale\n", encoding="utf-8")
    checkpoint = Checkpoint(tmp_path, {"k": "1"}, resume=True)
    assert checkpoint.done["documents"] == 0 and (tmp_path / PARTIAL).read_bytes() == b""


def test_abort_keeps_only_what_the_journal_lists(tmp_path: Path):
    checkpoint = Checkpoint(tmp_path, {"k": "1"}, resume=False)
    checkpoint.commit(shard(record_line(1)))
    checkpoint.partial.write(record_line(2).encode("utf-8"))  # Ctrl-C before the shard's journal line
    checkpoint.abort()
    assert (tmp_path / PARTIAL).read_text(encoding="utf-8") == record_line(1)
    assert Checkpoint(tmp_path, {"k": "1"}, resume=True).done == journal_done(tmp_path)
