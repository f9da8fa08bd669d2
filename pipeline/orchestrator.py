"""The workflows behind the main commands, one plain function each: ``run``, ``annotate``, ``segment``.

``run`` reads documents in this process and groups them into shards of about ``[system] shard_chars``
characters; an executor (``pipeline/executors.py``) hands the shards to workers that clean, annotate
and export them with the pipeline they loaded once, and the records come back in input order. Shard
boundaries depend on the input alone, so every executor batches the same texts and writes the same
bytes. Finished shards are checkpointed (``Checkpoint``) so that ``--resume`` continues a killed run.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

import numpy
import spacy
from confection import Config
from tqdm import tqdm

from . import export, jsonl, read
from .config import load_config, resolve, system_settings
from .executors import loaded, make_executor
from .manifest import Stats, model_hashes, package_versions, resource_hashes, resource_paths, timings, unused_paths
from .nlp import build_nlp
from .topics.components import doc_topics
from .util import (UserError, atomic_writer, dumps_line, folder_lock, open_nofollow, sha256_file, sha256_text, shown,
                   write_json)

PARTIAL = "annotated.jsonl.partial"
JOURNAL = "annotated.journal"
# [system] keys that change where and how a run executes, or what else it writes, but not annotated.jsonl.
EXECUTION_KEYS = ("n_process", "executor", "scheduler", "output", "report")


def set_seed(seed: int) -> None:
    random.seed(seed)
    numpy.random.seed(seed)
    spacy.util.fix_random_seed(seed)


@dataclass
class ShardResult:
    """The export lines of one shard, its counts, the seconds each stage took on it and the CPU
    seconds of the whole shard (what the shard costs, however busy the machine)."""

    text: str
    stats: Stats
    seconds: dict[str, float]
    cpu_seconds: float = 0.0


class Annotator:
    """clean -> tokenizer -> components -> export over one shard of documents, timing each stage.

    Built once per worker process (the executors keep it); holds the loaded pipeline."""

    def __init__(self, config: Config, path: str) -> None:
        settings = system_settings(config, path)
        set_seed(settings.seed)
        self.cleaner = resolve(config, "cleaner", path)
        self.exporter = resolve(config, "export", path)
        self.batch_size = settings.batch_size
        self.nlp = build_nlp(config, path)

    def __call__(self, documents: list[dict[str, Any]]) -> ShardResult:
        seconds: dict[str, float] = {}
        clock, cpu = time.perf_counter(), time.process_time()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[stage] = now - clock
            clock = now

        units = list(export.group_units(self.cleaner(documents), self.exporter.unit))
        lap("clean")
        docs = [self.nlp.make_doc(unit["text"]) for unit in units]
        lap("segment")
        for name, proc in self.nlp.pipeline:
            docs = list(proc.pipe(docs, batch_size=self.batch_size) if hasattr(proc, "pipe") else map(proc, docs))
            lap(name)
        stats = Stats(documents=len(documents), source_chars=sum(len(d["text"]) for d in documents))
        lines = []
        for unit, doc in zip(units, docs):
            record = self.exporter(unit, doc)
            stats.add(record)
            lines.append(dumps_line(record))
        lap("export")
        return ShardResult("".join(lines), stats, seconds, time.process_time() - cpu)

    def records(self, documents: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The export records of ``documents`` as ``run`` writes them, unit by unit (untimed)."""
        units = list(export.group_units(self.cleaner(documents), self.exporter.unit))
        docs = self.nlp.pipe((unit["text"] for unit in units), batch_size=self.batch_size)
        for unit, doc in zip(units, docs):
            yield self.exporter(unit, doc)


def load_stages(config: Config, path: str | Path) -> Annotator:
    """The stages of ``config``, loaded once per process: later calls with the same config reuse
    them (the key is the config, not the files it names: a file changed in place needs a new process)."""
    return loaded(pipeline_key(config), partial(Annotator, config, str(path)))


def shards(documents: Iterable[dict[str, Any]], max_chars: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive documents in groups of at least ``max_chars`` characters (the last may be smaller)."""
    shard, size = [], 0
    for document in documents:
        shard.append(document)
        size += len(document["text"])
        if size >= max_chars:
            yield shard
            shard, size = [], 0
    if shard:
        yield shard


def timed(items: Iterable[Any], seconds: dict[str, float], stage: str) -> Iterator[Any]:
    """Pass ``items`` through, adding the time spent producing them to ``seconds[stage]``."""
    iterator = iter(items)
    while True:
        start = time.perf_counter()
        item = next(iterator, None)
        seconds[stage] += time.perf_counter() - start
        if item is None:
            return
        yield item


def pipeline_key(config: Config, resources: dict[str, str] | None = None) -> str:
    """What the loaded stages depend on: the config less the input and where and how the run executes,
    and the contents of the files the stages load (lexicon, model folders), so that a file changed in
    place is a new key (``resources``: their hashes, computed here when not given)."""
    decisive = {name: dict(section) for name, section in config.items() if name != "reader"}
    for key in EXECUTION_KEYS:
        decisive["system"].pop(key, None)
    for key in ("input", "output"):
        decisive["paths"].pop(key, None)
    decisive["resources"] = resource_hashes(resource_paths(config)) if resources is None else resources
    return sha256_text(json.dumps(decisive, sort_keys=True, default=str))


def run_key(config: Config, inputs: list[dict[str, str]], resources: dict[str, str] | None = None) -> dict[str, Any]:
    """What decides the output bytes: the stages, the files they load, the reader and the inputs."""
    resources = resource_hashes(resource_paths(config)) if resources is None else resources
    return {
        "pipeline_sha256": pipeline_key(config, resources),
        "reader_sha256": sha256_text(json.dumps(dict(config["reader"]), sort_keys=True, default=str)),
        "inputs_sha256": sha256_text(json.dumps(inputs)),
        "resources": resources,
    }


def key_difference(old: Any, new: dict[str, Any]) -> str:
    """What differs between the run key of an interrupted run and this one, in words."""
    if not isinstance(old, dict) or "resources" not in old or "resources" not in new:
        return "another config or other inputs"
    before, now = old["resources"] or {}, new["resources"]
    changed = sorted(name for name in set(before) | set(now) if before.get(name) != now.get(name))
    if changed:
        return f"other contents of {', '.join(changed)} (a file the run loads changed since)"
    if old.get("inputs_sha256") != new.get("inputs_sha256"):
        return "other inputs"
    return "another config"


class Checkpoint:
    """The finished shards of a run, so that ``--resume`` continues it where it stopped.

    ``annotated.jsonl.partial`` holds the records of the shards finished so far; ``annotated.journal``
    holds the run key (config and input hashes), then one line per finished shard with the documents,
    source characters and bytes done so far. A shard's records are fsync'd before its journal line, and
    that line before the next shard is written, so the last complete journal line tells how much of the
    partial file is good. When the run ends the partial file becomes ``annotated.jsonl``.
    """

    def __init__(self, out_dir: Path, key: dict[str, Any], resume: bool) -> None:
        self.partial_path, self.journal_path = out_dir / PARTIAL, out_dir / JOURNAL
        self.done = {"documents": 0, "source_chars": 0, "bytes": 0}
        self.resumed = resume and (self.journal_path.is_file() or self.journal_path.is_symlink())  # a link: refused below
        if self.resumed:
            if self.partial_path.is_symlink():
                os.close(open_nofollow(self.partial_path, os.O_RDWR))  # raises: a link is never written through
            self.done = self._read_journal(key)
            fd = open_nofollow(self.partial_path, os.O_RDWR)
        else:
            with atomic_writer(self.journal_path) as f:
                f.write(json.dumps(key) + "\n")
            # A file (or a link someone planted) left under the partial name is removed, never written
            # through: the new one is created exclusively, so a link planted in between fails too.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.partial_path)
            fd = open_nofollow(self.partial_path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        self.partial = os.fdopen(fd, "r+b")
        self.partial.truncate(self.done["bytes"])
        self.partial.seek(self.done["bytes"])
        self.journal = os.fdopen(open_nofollow(self.journal_path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8")

    def _journal(self) -> list[dict[str, Any]]:
        """The journal's complete lines (a line cut short by a crash is dropped from the file too)."""
        with os.fdopen(open_nofollow(self.journal_path, os.O_RDWR), "r+b") as f:
            data = f.read()
            complete = data[: data.rfind(b"\n") + 1]
            f.truncate(len(complete))
        return [json.loads(line) for line in complete.decode("utf-8").splitlines()]

    def _read_journal(self, key: dict[str, Any]) -> dict[str, int]:
        lines = self._journal()
        if not lines or lines[0] != key:
            raise UserError(f"{shown(self.journal_path)}: left by a run with {key_difference(lines[0] if lines else None, key)}; "
                            "its finished part is not mixed with this one: run without --resume to start over")
        done = lines[-1] if len(lines) > 1 else self.done
        size = self.partial_path.stat().st_size if self.partial_path.is_file() else -1
        if size < done["bytes"]:
            raise UserError(f"{self.partial_path}: missing or shorter than {JOURNAL} says; run without --resume to start over")
        return done

    def replay(self) -> Stats:
        """The counts of the finished part, read back from the partial file."""
        stats = Stats(documents=self.done["documents"], source_chars=self.done["source_chars"])
        with open(self.partial_path, "rb") as f:
            for _, record in jsonl.parse_lines(f, str(self.partial_path)):
                stats.add(record)
        return stats

    def commit(self, result: ShardResult) -> None:
        data = result.text.encode("utf-8")
        self.partial.write(data)
        self.partial.flush()
        os.fsync(self.partial.fileno())
        self.done = {
            "documents": self.done["documents"] + result.stats.documents,
            "source_chars": self.done["source_chars"] + result.stats.source_chars,
            "bytes": self.done["bytes"] + len(data),
        }
        self.journal.write(json.dumps(self.done) + "\n")
        self.journal.flush()
        os.fsync(self.journal.fileno())

    def abort(self) -> None:
        """Cut the partial file back to the last shard the journal lists (e.g. on Ctrl-C) and close.

        The journal decides: an interruption may land between a shard's records and its line."""
        self.journal.close()
        lines = self._journal()
        self.done = lines[-1] if len(lines) > 1 else {"documents": 0, "source_chars": 0, "bytes": 0}
        self.partial.truncate(self.done["bytes"])
        self.partial.close()

    def discard(self) -> None:
        """Close and remove the partial file and the journal (a run that annotated nothing)."""
        self.partial.close()
        self.journal.close()
        for path in (self.partial_path, self.journal_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def finish(self, target: Path) -> None:
        self.partial.close()
        self.journal.close()
        os.replace(self.partial_path, target)
        self.journal_path.unlink()


def run(config_path: str | Path, output: str | Path | None = None, overrides: dict[str, Any] | None = None,
        *, quiet: bool = False, resume: bool = False) -> dict[str, Any]:
    """Run the configured stages over the configured input; write annotated.jsonl and manifest.json.

    With ``resume``, continue the run interrupted in the same output folder (same config and inputs)."""
    start = time.perf_counter()
    config = load_config(config_path, overrides)
    settings = system_settings(config, config_path)
    out_dir = Path(output or settings.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    with folder_lock(out_dir):  # one run at a time writes into a folder (its partial file, journal, outputs)
        return _run_locked(config_path, config, settings, out_dir, quiet=quiet, resume=resume, start=start)


def _run_locked(config_path: str | Path, config: Config, settings: Any, out_dir: Path, *, quiet: bool, resume: bool,
                start: float) -> dict[str, Any]:
    reader = resolve(config, "reader", config_path)
    files = reader.files()
    inputs = [{"file": f.as_posix(), "sha256": sha256_file(f)} for f in files]
    resources = resource_paths(config, str(config_path))
    hashes = resource_hashes(resources)
    checkpoint = Checkpoint(out_dir, run_key(config, inputs, hashes), resume)
    stats, new = checkpoint.replay(), Stats()
    resumed = {"documents": stats.documents, "units": stats.units}
    seconds: dict[str, float] = defaultdict(float)
    progress = tqdm(unit="doc", initial=stats.documents, desc="run", disable=quiet or not os.isatty(2))
    executor, n_shards, cpu_seconds = None, 0, 0.0
    try:
        factory = partial(Annotator, config, str(config_path))
        executor = make_executor(settings.executor, pipeline_key(config, hashes), factory, settings.n_process, settings.scheduler)
        documents = islice(timed(reader(), seconds, "read"), checkpoint.done["documents"], None)
        for result in executor.map(shards(documents, settings.shard_chars)):
            for stage, secs in result.seconds.items():
                seconds[stage] += secs
            write_start = time.perf_counter()
            checkpoint.commit(result)
            seconds["write"] += time.perf_counter() - write_start
            new.merge(result.stats)
            cpu_seconds += result.cpu_seconds
            progress.update(result.stats.documents)
            n_shards += 1
    except BaseException:
        checkpoint.abort()
        raise
    finally:
        progress.close()
        if executor is not None:
            executor.close()
    out_file = out_dir / "annotated.jsonl"
    stats.merge(new)
    if stats.units == 0:  # nothing to write: the previous output, if any, stays as it was
        checkpoint.discard()
        skipped = reader.log.skipped
        why = f"every input was skipped ({len(skipped)}, listed above)" if skipped else "the input holds no paragraph to annotate"
        raise UserError(f"{shown(reader.path)}: nothing to annotate: {why}; {shown(out_file)} was left as it was: "
                        "fix the inputs and run again", notes=[f"skipped: {s['reason']}" for s in skipped])
    checkpoint.finish(out_file)
    manifest = {
        "command": "run",
        "config_file": str(config_path),
        "config_sha256": sha256_text(config.to_str()),
        "config": config.to_str(),
        "output_dir": out_dir.as_posix(),
        "output": {"annotated.jsonl": sha256_file(out_file)},
        "inputs": inputs,
        "models": model_hashes(config, config["nlp"]["tokenizer"].get("segmenter") == "pkuseg", resources),
        "versions": package_versions(),
        "seed": settings.seed,
        "executor": {"kind": settings.executor, "workers": executor.workers, "shard_chars": settings.shard_chars,
                     "shards": n_shards, "worker_cpu_seconds": round(cpu_seconds, 3)},
        "resumed": resumed if checkpoint.resumed else None,
        "counts": {**stats.counts(), "dates": reader.log.date_counts()},
        "skipped": reader.log.skipped,
        "warnings": [*({"input": f"[paths] {key}", "message": f"[paths] {key} = {shown(config['paths'][key])} is loaded by no "
                        "component, so it did not run and is not in 'models'"} for key in unused_paths(config, resources)),
                     *reader.log.warnings],
        # Stage seconds are summed over the workers (worker-seconds); startup and total are wall-clock.
        # Characters per second count only what this invocation annotated (not a resumed part).
        "timings": timings({"startup": executor.startup, "read": seconds.pop("read", 0.0), **seconds,
                            "total": time.perf_counter() - start}, new),
    }
    write_json(out_dir / "manifest.json", manifest)
    if settings.report:
        # Imported only when a report is asked for: matplotlib, jinja2 and displaCy take about 1.5 s to import.
        from .report import write_report

        write_report(out_dir)
    return manifest


def annotate(config_path: str | Path, in_file: str | Path, out_file: str | Path) -> int:
    """Annotate clean text: one output line per input line ``{"id", "text"}``, in order."""
    in_file = Path(in_file)
    if not in_file.is_file():
        raise UserError(f"{in_file}: input file not found; give a JSONL file of {{\"id\": ..., \"text\": ...}} lines")
    config = load_config(config_path)
    settings = system_settings(config, config_path)
    for _ in read.annotate_records(in_file):  # all or nothing: every line is checked before the model loads
        pass
    nlp = load_stages(config, config_path).nlp
    pairs = ((record["text"], record) for record in read.annotate_records(in_file))
    n = 0
    with atomic_writer(out_file) as f:
        for doc, record in nlp.pipe(pairs, as_tuples=True, batch_size=settings.batch_size):
            f.write(dumps_line({
                "id": record["id"],
                "text": record["text"],
                "entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents],
                "cats": doc_topics(doc),
            }))
            n += 1
    return n


def segment_lines(config_path: str | Path, lines: TextIO, out: TextIO) -> int:
    """Write each input line's words separated by single spaces."""
    nlp = load_stages(load_config(config_path), config_path).nlp
    n = 0
    for n, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        try:
            text.encode("utf-8")  # stdin keeps bytes that are not UTF-8 as lone surrogates
        except UnicodeEncodeError as error:
            raise UserError(f"stdin line {n}: character {error.start + 1} is not UTF-8; convert the input to UTF-8") from None
        if len(text) > nlp.max_length:
            raise UserError(f"stdin line {n}: {len(text):,} characters, over spaCy's limit of {nlp.max_length:,}; break it into lines")
        out.write(" ".join(t.text for t in nlp.make_doc(text) if not t.is_space) + "\n")
    return n
