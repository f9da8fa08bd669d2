"""Executors: two local processes and a dask LocalCluster of two workers write the same bytes as one process."""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.executors import ordered
from pipeline.orchestrator import run, shards

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "default.cfg"
# Small shards, so that the five seed pages make several shards and both workers get some.
SMALL_SHARDS = {"paths.input": str(ROOT / "seeds"), "paths.lexicon": str(ROOT / "corpus" / "lexicon"), "system.shard_chars": 3000}


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("one_process")
    run(CONFIG, out, SMALL_SHARDS, quiet=True)
    return out


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_two_processes_write_the_same_bytes(one_process: Path, tmp_path: Path):
    run(CONFIG, tmp_path, {**SMALL_SHARDS, "system.n_process": 2}, quiet=True)
    assert (tmp_path / "annotated.jsonl").read_bytes() == (one_process / "annotated.jsonl").read_bytes()
    assert manifest(tmp_path)["counts"] == manifest(one_process)["counts"]
    assert manifest(tmp_path)["executor"]["workers"] == 2


def test_dask_local_cluster_writes_the_same_bytes(one_process: Path, tmp_path: Path):
    run(CONFIG, tmp_path, {**SMALL_SHARDS, "system.executor": "dask", "system.n_process": 2}, quiet=True)
    assert (tmp_path / "annotated.jsonl").read_bytes() == (one_process / "annotated.jsonl").read_bytes()
    got = manifest(tmp_path)
    assert got["counts"] == manifest(one_process)["counts"]
    assert got["executor"]["kind"] == "dask" and got["executor"]["workers"] == 2
    # Worker-side stage timings reach the manifest.
    assert got["timings"]["segment"]["seconds"] > 0


def test_several_shards_on_the_seeds(one_process: Path):
    """Guards the two tests above: with one shard the second worker would have nothing to do."""
    assert manifest(one_process)["executor"]["shards"] >= 3


def test_shards_keep_documents_whole_and_in_order():
    docs = [{"id": i, "text": "字" * n} for i, n in enumerate([5, 1, 9, 2, 2, 2, 7])]
    got = list(shards(docs, 6))
    assert [[d["id"] for d in shard] for shard in got] == [[0, 1], [2], [3, 4, 5], [6]]


def test_ordered_keeps_input_order_with_a_bounded_window():
    in_flight, peak, lock = 0, 0, threading.Lock()

    def work(i: int) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.002 * ((7 * i) % 5))  # later tasks often finish first
        with lock:
            in_flight -= 1
        return i

    with ThreadPoolExecutor(4) as pool:
        results = list(ordered(lambda i: pool.submit(work, i), range(40), window=3))
    assert results == list(range(40))
    assert peak <= 3
