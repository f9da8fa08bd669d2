"""The workflows behind the main commands, one plain function each: ``run``, ``annotate``, ``segment``.

Data streams forward through generators (documents -> units -> Docs -> records) so memory stays
bounded however large the input; outputs are written atomically.
"""
from __future__ import annotations

import json
import random
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

import numpy
import spacy
from confection import Config, ConfigValidationError
from spacy.language import Language
from spacy.util import load_model_from_config
from tqdm import tqdm

# Importing the stage modules registers their functions and factories.
from . import clean, entities, export, ner, read, segment, topics  # noqa: F401
from .config import load_config, one_line, resolve, system_settings, first_line
from .manifest import Stats, model_hashes, package_versions
from .util import UserError, atomic_writer, dumps_line, sha256_file, sha256_text, write_json


def build_nlp(config: Config, path: str | Path) -> Language:
    """Create the spaCy pipeline from ``[nlp]``/``[components]`` and run ``[initialize]``."""
    try:
        nlp = load_model_from_config(config, auto_fill=True, validate=True)
        nlp.initialize()
    except UserError:
        raise
    except ConfigValidationError as error:
        raise UserError(one_line(error, path, config)) from None
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path}: {first_line(error)}") from None
    return nlp


def set_seed(seed: int) -> None:
    random.seed(seed)
    numpy.random.seed(seed)
    spacy.util.fix_random_seed(seed)


class StageTimer:
    """Times a linear chain of generators: each stage's own share is its time minus its upstream's."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def wrap(self, name: str, items: Iterable[Any]) -> Iterator[Any]:
        self.totals[name] = 0.0
        iterator = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.totals[name] += time.perf_counter() - start
                return
            self.totals[name] += time.perf_counter() - start
            yield item

    def exclusive(self) -> dict[str, float]:
        out, previous = {}, 0.0
        for name, total in self.totals.items():
            out[name] = max(0.0, total - previous)
            previous = total
        return out


def annotate_units(nlp: Language, units: Iterable[dict[str, Any]], *, batch_size: int, n_process: int,
                   timer: StageTimer) -> Iterator[tuple[dict[str, Any], Any]]:
    """Yield ``(unit, doc)`` pairs; on one process every component is timed on its own."""
    if n_process > 1:
        pairs = ((u["text"], u) for u in units)
        for doc, unit in timer.wrap("nlp", nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process)):
            yield unit, doc
        return
    pending: deque[dict[str, Any]] = deque()

    def texts() -> Iterator[str]:
        for unit in units:
            pending.append(unit)
            yield unit["text"]

    docs: Iterable[Any] = timer.wrap("segment", (nlp.make_doc(t) for t in texts()))
    for name, proc in nlp.pipeline:
        stream = proc.pipe(docs, batch_size=batch_size) if hasattr(proc, "pipe") else (proc(d) for d in docs)
        docs = timer.wrap(name, stream)
    for doc in docs:
        yield pending.popleft(), doc


def run(config_path: str | Path, output: str | Path | None = None, overrides: dict[str, Any] | None = None,
        *, quiet: bool = False) -> dict[str, Any]:
    """Run the configured stages over the configured input; write annotated.jsonl and manifest.json."""
    config = load_config(config_path, overrides)
    settings = system_settings(config, config_path)
    out_dir = Path(output or settings.output)
    reader = resolve(config, "reader", config_path)
    cleaner = resolve(config, "cleaner", config_path)
    exporter = resolve(config, "export", config_path)
    files = reader.files()
    set_seed(settings.seed)
    stats = Stats()
    start = time.perf_counter()
    nlp = build_nlp(config, config_path)
    startup = time.perf_counter() - start
    timer = StageTimer()
    progress = tqdm(total=len(files), unit="file", desc="run", disable=quiet or not sys.stderr.isatty())

    def documents() -> Iterator[dict[str, Any]]:
        for document in reader():
            stats.documents += 1
            stats.source_chars += len(document["text"])
            progress.update(1)
            yield document

    units = export.group_units(timer.wrap("clean", cleaner(timer.wrap("read", documents()))), exporter.unit)
    out_file = out_dir / "annotated.jsonl"
    with atomic_writer(out_file) as f:
        for unit, doc in annotate_units(nlp, units, batch_size=settings.batch_size, n_process=settings.n_process, timer=timer):
            record = exporter(unit, doc)
            stats.add(record)
            f.write(dumps_line(record))
    progress.close()
    stats.seconds = {"startup": startup, **timer.exclusive(), "total": time.perf_counter() - start}
    manifest = {
        "command": "run",
        "config_file": str(config_path),
        "config_sha256": sha256_text(config.to_str()),
        "config": config.to_str(),
        "output_dir": out_dir.as_posix(),
        "output": {"annotated.jsonl": sha256_file(out_file)},
        "inputs": [{"file": f.as_posix(), "sha256": sha256_file(f)} for f in files],
        "models": model_hashes(nlp, dict(config["paths"])),
        "versions": package_versions(),
        "seed": settings.seed,
        "counts": stats.counts(),
        "skipped": reader.log.skipped,
        "warnings": reader.log.warnings,
        "timings": stats.timings(),
    }
    write_json(out_dir / "manifest.json", manifest)
    return manifest


def annotate(config_path: str | Path, in_file: str | Path, out_file: str | Path) -> int:
    """Annotate clean text: one output line per input line ``{"id", "text"}``, in order."""
    in_file = Path(in_file)
    if not in_file.is_file():
        raise UserError(f"{in_file}: input file not found; give a JSONL file of {{\"id\": ..., \"text\": ...}} lines")
    config = load_config(config_path)
    settings = system_settings(config, config_path)
    records = list(_jsonl_units(in_file))
    nlp = build_nlp(config, config_path)
    docs = nlp.pipe((r["text"] for r in records), batch_size=settings.batch_size)
    with atomic_writer(out_file) as f:
        for record, doc in zip(records, docs):
            f.write(dumps_line({
                "id": record["id"],
                "text": record["text"],
                "entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents],
                "cats": list(doc._.topics or []),
            }))
    return len(records)


def _jsonl_units(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise UserError(f"{path}:{n}: not valid JSON ({error.msg}); each line must be {{\"id\": ..., \"text\": ...}}") from None
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise UserError(f"{path}:{n}: field 'text' missing or not a string")
            yield record


def segment_lines(config_path: str | Path, lines: TextIO, out: TextIO) -> int:
    """Write each input line's words separated by single spaces."""
    config = load_config(config_path)
    nlp = build_nlp(config, config_path)
    n = 0
    for line in lines:
        text = line.rstrip("\r\n")
        out.write(" ".join(t.text for t in nlp.make_doc(text) if not t.is_space) + "\n")
        n += 1
    return n
