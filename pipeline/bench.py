"""``python -m pipeline bench``: the pipeline's speed beside the segmenter's own, on the same text.

Side by side on each corpus (the seed pages repeated; the People's Daily 1998 text from
``../shared/data`` stripped of spaces and brackets, when present; or ``--text``): raw spacy-pkuseg
cutting, ``jieba.lcut``, spaCy's blank Chinese tokenizer with pkuseg, the closest peer a user could
assemble (that tokenizer plus spaCy's default CNN NER), each stage of the pipeline, the whole ``run``
and ``annotate`` on JSONL. Speeds are characters per second of the annotated text, the median of
``repeats`` runs after a warm-up; model loading is timed apart. Scaling runs the real command in a
subprocess at 1x, 4x and 16x the input with 1 and 2 processes (and dask), sampling the memory of the
whole process tree.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import jieba
import psutil
import spacy
from spacy.training import Example

from .config import load_config, resolve, system_settings
from .orchestrator import annotate, load_stages, run, shards
from .paths import PROJECT_ROOT, SHARED_DATA
from .segment import fetch_pkuseg_model
from .util import UserError, write_jsonl

SEEDS = PROJECT_ROOT / "seeds"
PEOPLES_DAILY = "segmentation/peoples_daily_1998"
SCALES = (1, 4, 16)


@dataclass
class Corpus:
    """What ``run`` reads (a folder of pages or a JSONL file) and the paragraphs the cleaner makes of it."""

    name: str
    input: Path
    texts: list[str]

    @property
    def chars(self) -> int:
        return sum(len(t) for t in self.texts)


def paragraphs(config_path: Path, input_path: Path) -> list[str]:
    """The unit texts of ``input_path`` as the configured reader and cleaner make them."""
    config = load_config(config_path, {"paths.input": str(input_path)})
    reader, cleaner = resolve(config, "reader", config_path), resolve(config, "cleaner", config_path)
    return [unit["text"] for unit in cleaner(reader())]


def repeat_pages(source: Path, folder: Path, copies: int) -> Path:
    """``copies`` copies of the .txt pages of ``source`` in ``folder`` (renamed, so ids stay unique)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        for page in sorted(source.glob("*.txt")):
            shutil.copy(page, folder / f"{i:04d}_{page.name}")
    return folder


def seeds_corpus(config_path: Path, work: Path, chars: int) -> Corpus:
    per_copy = sum(len(t) for t in paragraphs(config_path, SEEDS))
    folder = repeat_pages(SEEDS, work / "seeds", max(1, round(chars / per_copy)))
    return Corpus("seeds", folder, paragraphs(config_path, folder))


def peoples_daily_corpus(shared: Path, work: Path, chars: int) -> Corpus | None:
    """Lines of the People's Daily 1998 text, spaces and bracket marks removed, one document each."""
    folder = shared / PEOPLES_DAILY
    if not folder.is_dir():
        return None
    texts, total = [], 0
    for file in sorted(folder.glob("*.txt")):
        for line in file.read_text(encoding="utf-8").splitlines():
            text = line.replace(" ", "").replace("[", "").replace("]", "")
            if text and total < chars:
                texts.append(text)
                total += len(text)
    path = work / "peoples_daily.jsonl"
    write_jsonl(path, ({"id": f"pd{i}", "text": t} for i, t in enumerate(texts)))
    return Corpus("peoples_daily", path, texts)


def text_corpus(config_path: Path, path: Path) -> Corpus:
    if not path.exists():
        raise UserError(f"{path}: --text not found; give a .txt file, a folder of .txt pages or a .jsonl file")
    return Corpus(path.name, path, paragraphs(config_path, path))


class MemorySampler:
    """Samples the memory of a process and its children, summed, in a thread: every sample
    ``(seconds since start, bytes)`` and the peak.

    ``proportional``: proportional set size where the system reports it (forked workers share the
    model's pages, which resident sizes would count once per process). It reads /proc/PID/smaps,
    which costs CPU: only for other processes, so that it does not count in this one's CPU time."""

    def __init__(self, pid: int, interval: float = 0.1, proportional: bool = False) -> None:
        self.process, self.interval, self.proportional, self.peak = psutil.Process(pid), interval, proportional, 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                total = sum(self._memory(p) for p in tree if p.is_running())
                if total:  # nothing to measure once the process has exited
                    self.samples.append((time.monotonic() - start, total))
                    self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _memory(self, process: psutil.Process) -> int:
        if self.proportional:
            full = process.memory_full_info()
            return getattr(full, "pss", full.rss)
        return process.memory_info().rss

    @property
    def mb(self) -> int:
        return round(self.peak / 2**20)


@contextmanager
def loading(results: dict[str, Any], name: str) -> Iterator[None]:
    """Time a model load and the resident memory it adds."""
    before, start = psutil.Process().memory_info().rss, time.perf_counter()
    yield
    results[name] = {"seconds": round(time.perf_counter() - start, 2),
                     "added_mb": round((psutil.Process().memory_info().rss - before) / 2**20)}


def rounds(works: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, Any]]:
    """Time every work once to warm up, then ``repeats`` rounds of all of them in turn (so that load
    from other processes on the machine falls on all alike); keep each one's runs and peak memory.

    A work may return its own seconds (a float) or seconds per stage (a dict); else its wall time
    counts. The CPU seconds of this process are kept beside (what the work costs however busy the
    machine is; every work here runs in this process, on one thread)."""
    for work in works.values():
        work()
    out: dict[str, dict[str, Any]] = {name: {"runs": [], "cpu": [], "peak_memory_mb": 0} for name in works}
    for _ in range(repeats):
        for name, work in works.items():
            with MemorySampler(os.getpid()) as memory:
                start, cpu = time.perf_counter(), time.process_time()
                result = work()
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            out[name]["runs"].append(result if isinstance(result, (float, dict)) else wall)
            out[name]["cpu"].append(cpu)
            out[name]["peak_memory_mb"] = max(out[name]["peak_memory_mb"], memory.mb)
    return out


def speed(chars: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"chars": chars, "seconds": round(seconds, 4), "chars_per_second": round(chars / seconds) if seconds else None, **extra}


def build_peer(model_dir: str, examples: list[tuple[str, list[list[Any]]]]) -> Any:
    """The closest peer: spaCy's blank Chinese pipeline, pkuseg tokenizer, default CNN NER
    initialised on a few examples (its accuracy does not matter here, its speed does)."""
    peer = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}},
                                     "initialize": {"tokenizer": {"pkuseg_model": model_dir}}})
    peer.add_pipe("ner")

    def get_examples() -> list[Example]:
        out = []
        for text, entities in examples:
            doc = peer.make_doc(text)
            spans = [doc.char_span(s, e, label, alignment_mode="contract") for s, e, label in entities]
            out.append(Example.from_dict(doc, {"entities": [(s.start_char, s.end_char, s.label_) for s in spans if s]}))
        return out

    peer.initialize(get_examples)
    return peer


def stage_seconds(stages: Any, config_path: Path, corpus: Corpus, shard_chars: int) -> dict[str, float]:
    """Seconds of each pipeline stage over the corpus (the run's own shards, in this process)."""
    config = load_config(config_path, {"paths.input": str(corpus.input)})
    documents = list(resolve(config, "reader", config_path)())
    totals: dict[str, float] = {}
    for shard in shards(documents, shard_chars):
        for stage, seconds in stages(shard).seconds.items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def bench_corpus(config_path: Path, corpus: Corpus, stages: Any, peer: Any, work: Path, repeats: int) -> dict[str, Any]:
    texts, chars = corpus.texts, corpus.chars
    seg = peer.tokenizer.pkuseg_seg
    shard_chars = system_settings(load_config(config_path), config_path).shard_chars
    jsonl = work / "annotate_in.jsonl"
    write_jsonl(jsonl, ({"id": str(i), "text": t} for i, t in enumerate(texts)))

    def whole_run() -> float:
        manifest = run(config_path, work / "run", {"paths.input": str(corpus.input)}, quiet=True)
        return manifest["timings"]["total"]["seconds"] - manifest["timings"]["startup"]["seconds"]

    measured = rounds({
        "pkuseg (raw cut)": lambda: [seg.cut(t) for t in texts],
        "jieba.lcut": lambda: [jieba.lcut(t) for t in texts],
        "spaCy zh tokenizer (pkuseg)": lambda: [peer.make_doc(t) for t in texts],
        "peer: spaCy zh + pkuseg + CNN NER": lambda: list(peer.pipe(texts, batch_size=64)),
        "pipeline stages": lambda: stage_seconds(stages, config_path, corpus, shard_chars),
        "run (whole pipeline)": whole_run,
        "annotate (JSONL)": lambda: annotate(config_path, jsonl, work / "annotate_out.jsonl"),
    }, repeats)
    rows = {}
    for name, m in measured.items():
        if name == "pipeline stages":
            per_stage = {stage: statistics.median(r[stage] for r in m["runs"]) for stage in m["runs"][0]}
            total = sum(per_stage.values())
            rows.update({f"stage: {stage}": speed(chars, secs, share=round(secs / total, 3)) for stage, secs in per_stage.items()})
        else:
            cpu = statistics.median(m["cpu"])
            rows[name] = speed(chars, statistics.median(m["runs"]), chars_per_cpu_second=round(chars / cpu), peak_memory_mb=m["peak_memory_mb"])
    # Ratios of CPU speeds: the wall-clock ones follow the load other processes put on the machine.
    cps = {name: row.get("chars_per_cpu_second") for name, row in rows.items()}
    raw, peer_cps, whole = cps["pkuseg (raw cut)"], cps["peer: spaCy zh + pkuseg + CNN NER"], cps["run (whole pipeline)"]
    return {
        "chars": chars,
        "paragraphs": len(texts),
        "rows": rows,
        "ratios": {
            "run / raw pkuseg": round(whole / raw, 3),
            "run / peer": round(whole / peer_cps, 3),
            "peer / raw pkuseg": round(peer_cps / raw, 3),
            "jieba / raw pkuseg": round(cps["jieba.lcut"] / raw, 3),
        },
    }


def run_subprocess(config_path: Path, input_path: Path, out: Path, n_process: int, executor: str) -> dict[str, Any]:
    """One real ``python -m pipeline run`` with its wall time, its manifest's figures and its peak memory."""
    cmd = [sys.executable, "-m", "pipeline", "run", str(config_path), "--output", str(out), "--quiet",
           f"--paths.input={input_path}", f"--system.n_process={n_process}", f"--system.executor={executor}"]
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with MemorySampler(process.pid, interval=0.25, proportional=True) as memory:
        _, stderr = process.communicate()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise UserError(f"bench: `{' '.join(cmd)}` failed: {stderr.strip().splitlines()[-1] if stderr.strip() else process.returncode}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    seconds = {stage: t["seconds"] for stage, t in manifest["timings"].items()}
    chars = manifest["counts"]["characters"]
    worker_cpu = manifest["executor"]["worker_cpu_seconds"]
    return {"executor": executor, "n_process": n_process, "chars": chars, "wall_seconds": round(wall, 2),
            "startup_seconds": seconds["startup"], "chars_per_second": round(chars / (seconds["total"] - seconds["startup"])),
            "chars_per_worker_cpu_second": round(chars / worker_cpu), "main_chars_per_second": round(chars / (seconds["read"] + seconds["write"])),
            "peak_memory_mb": memory.mb, "output_sha256": manifest["output"]["annotated.jsonl"]}


def scaling(config_path: Path, base: Path, work: Path, dask: bool) -> list[dict[str, Any]]:
    """Real runs at each scale of the input with one and two local processes (and two dask workers)."""
    rows = []
    for scale in SCALES:
        folder = base if scale == 1 else repeat_pages(base, work / f"x{scale}", scale)
        for n_process, executor in [(1, "local"), (2, "local")] + ([(2, "dask")] if dask else []):
            row = run_subprocess(config_path, folder, work / f"x{scale}_{executor}_{n_process}", n_process, executor)
            rows.append({"scale": scale, **row})
    return rows


def bench(config_path: Path, text: Path | None = None, chars: int = 100_000, repeats: int = 3,
          shared: Path | None = None, with_scaling: bool = True, dask: bool = True) -> dict[str, Any]:
    """All the measurements, as one JSON-able dict."""
    shared = shared or Path(os.environ.get("GOVNLP_SHARED_DATA", SHARED_DATA))
    # The load average tells how much of the machine other processes took while the figures were made.
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_average_before": os.getloadavg()[0]},
                               "startup": {}, "corpora": {}}
    with tempfile.TemporaryDirectory(prefix="govnlp-bench-") as tmp:
        work = Path(tmp)
        corpora = [text_corpus(config_path, text)] if text else [seeds_corpus(config_path, work, chars)]
        if not text:
            corpora.append(peoples_daily_corpus(shared, work, chars))
        with loading(results["startup"], "pipeline"):
            stages = load_stages(load_config(config_path), config_path)
        with loading(results["startup"], "jieba"):
            jieba.setLogLevel(60)
            jieba.initialize()
        examples = [(t, _entities(stages, t)) for t in corpora[0].texts[:50]]
        with loading(results["startup"], "peer"):
            peer = build_peer(str(_pkuseg_dir(config_path)), examples)
        for corpus in corpora:
            if corpus is not None:
                results["corpora"][corpus.name] = bench_corpus(config_path, corpus, stages, peer, work, repeats)
        if with_scaling:
            base = corpora[0].input if corpora[0].input.is_dir() else None
            if base is not None:
                results["scaling"] = scaling(config_path, base, work, dask)
    results["machine"]["load_average_after"] = os.getloadavg()[0]
    return results


def _pkuseg_dir(config_path: Path) -> Path:
    cache = load_config(config_path)["paths"].get("cache")
    return fetch_pkuseg_model(cache)


def _entities(stages: Any, text: str) -> list[list[Any]]:
    doc = stages.nlp(text)
    return [[e.start_char, e.end_char, e.label_] for e in doc.ents]


def table(results: dict[str, Any]) -> str:
    """The results as plain-text tables."""
    machine = results["machine"]
    lines = [f"{machine['cpus']} CPUs, load average {machine['load_average_before']:.1f} before, {machine.get('load_average_after', 0):.1f} after",
             "start-up (model load): " + ", ".join(f"{k} {v['seconds']} s (+{v['added_mb']} MB)" for k, v in results["startup"].items())]
    for name, corpus in results["corpora"].items():
        lines += ["", f"{name}: {corpus['chars']:,} characters in {corpus['paragraphs']:,} paragraphs",
                  f"{'(wall: chars/s, seconds; CPU: chars/cpu-s)':44} {'chars/s':>9} {'chars/cpu-s':>11} {'seconds':>8} {'share':>6} {'peak MB':>8}"]
        for row_name, row in corpus["rows"].items():
            share = f"{row['share']:.1%}" if "share" in row else ""
            peak = str(row.get("peak_memory_mb", ""))
            cps = f"{row['chars_per_second']:,}" if row["chars_per_second"] else "-"
            cpu = f"{row['chars_per_cpu_second']:,}" if "chars_per_cpu_second" in row else ""
            lines.append(f"{row_name:44} {cps:>9} {cpu:>11} {row['seconds']:>8.3f} {share:>6} {peak:>8}")
        lines.append("ratios (CPU): " + ", ".join(f"{k} {v}" for k, v in corpus["ratios"].items()))
    if "scaling" in results:
        lines += ["", "scaling: real `run` subprocesses; chars/s: wall-clock, without start-up; per worker cpu-s: over the workers' CPU time;",
                  "main c/s: what the main process's reading and writing alone would allow; peak memory: PSS of the process tree",
                  f"{'scale':>5} {'executor':>8} {'procs':>5} {'chars':>10} {'chars/s':>9} {'speed-up':>8} {'per worker cpu-s':>17} "
                  f"{'main c/s':>10} {'startup s':>9} {'peak MB':>8}"]
        single = {r["scale"]: r["chars_per_second"] for r in results["scaling"] if r["n_process"] == 1}
        for r in results["scaling"]:
            lines.append(f"{r['scale']:>4}x {r['executor']:>8} {r['n_process']:>5} {r['chars']:>10,} {r['chars_per_second']:>9,} "
                         f"{r['chars_per_second'] / single[r['scale']]:>8.2f} {r['chars_per_worker_cpu_second']:>17,} "
                         f"{r['main_chars_per_second']:>10,} {r['startup_seconds']:>9.1f} {r['peak_memory_mb']:>8}")
        same = all(len({r["output_sha256"] for r in results["scaling"] if r["scale"] == s}) == 1 for s in SCALES)
        lines.append(f"same annotated.jsonl bytes for every executor at each scale: {same}")
    return "\n".join(lines)
