"""Push pipeline output to a doccano project, pull the corrections back, report a project's status.

Each unit becomes one example of an "intent detection and slot filling" project: spans are the
entities, categories the paragraph's topics. Its meta holds the unit ``id`` (so pull can match it)
and, under ``govnlp``, the hash of the pushed text, the pushed annotations and the rest of the
export record, so that pull needs nothing but the server.

Offsets: the pipeline counts code points (Python ``str``), doccano's editor for this project type counts
UTF-16 code units (JavaScript string indices; it passes no grapheme mode). The server stores and exports the
integers as given, so push converts to UTF-16 and pull converts back: 𠮷 or 😀 count 1 here and 2 there.
"""
from __future__ import annotations

import bisect
import contextlib
import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import jsonl
from ..util import UserError, dumps_line, sha256_text, write_jsonl
from .client import DoccanoClient

META_KEY = "govnlp"
# Stable colours, so that every project looks the same; other labels get one derived from their name.
SPAN_COLOURS = {
    "PROGRAM": "#e6194b", "PLATFORM": "#3cb44b", "ORG": "#4363d8", "LOC": "#f58231",
    "PERSON": "#911eb4", "HONOR": "#ffe119", "POLICY": "#42d4f4", "EVENT": "#f032e6",
}
TOPIC_COLOURS = {
    "public_security": "#800000", "rule_of_law": "#9a6324", "business_environment": "#808000",
    "dispute_resolution": "#469990", "grassroots_governance": "#000075", "digital_governance": "#bfef45",
    "public_safety": "#fabed4", "youth_protection": "#ffd8b1", "foreign_affairs": "#aaffc3",
    "political_security": "#dcbeff", "other": "#a9a9a9",
}
# Field order of pulled records: the export record's, then anything else, then who confirmed.
_FIELD_ORDER = ["id", "doc_id", "article_id", "kind", "text", "entities", "entity_links", "cats", "cat_scores", "source"]


@dataclass
class PushReport:
    project: str
    project_id: int
    created: bool
    uploaded: int
    skipped: int


@dataclass
class PullReport:
    project: str
    written: int
    unconfirmed_left_out: int
    changed_texts: list[str] = field(default_factory=list)
    not_pushed: int = 0


@dataclass
class Status:
    project: str
    units: int
    confirmed: int
    changed_since_push: int
    changed_texts: list[str]
    labels: dict[str, int]
    topics: dict[str, int]


def read_units(path: str | Path) -> list[dict[str, Any]]:
    """Read and check an ``annotated.jsonl``: one clear error for the first bad line."""
    units, seen = [], set()
    for n, unit in jsonl.read_jsonl(path):
        problem = _check_unit(unit)
        if not problem and unit["id"] in seen:
            problem = f"duplicate id {unit['id']!r}"
        if problem:
            raise UserError(f"{path}:{n}: {problem}")
        seen.add(unit["id"])
        units.append(unit)
    return units


def _check_unit(unit: dict[str, Any]) -> str | None:
    if not isinstance(unit.get("id"), str) or not unit["id"]:
        return "missing string 'id'"
    text = unit.get("text")
    if not isinstance(text, str) or not text:
        return f"unit {unit['id']!r} has no text"
    spans = unit.get("entities", [])
    if not isinstance(spans, list):
        return f"unit {unit['id']!r}: 'entities' must be a list"
    for span in spans:
        ok = isinstance(span, list) and len(span) == 3 and all(type(x) is int for x in span[:2])
        if not ok or not 0 <= span[0] < span[1] <= len(text) or not isinstance(span[2], str):
            return f"unit {unit['id']!r}: bad entity {span!r} (text has {len(text)} characters)"
    ordered = sorted(spans)
    for before, after in zip(ordered, ordered[1:]):
        if after[0] < before[1]:  # doccano's importer would silently drop one of them
            return f"unit {unit['id']!r}: overlapping entities {before!r} and {after!r}"
    cats = unit.get("cats", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) and c for c in cats):
        return f"unit {unit['id']!r}: 'cats' must be a list of topic names"
    return None


def to_example(unit: dict[str, Any]) -> dict[str, Any]:
    """The JSONL line doccano imports for one unit; everything but text and labels goes to meta."""
    entities = [list(span) for span in unit.get("entities", [])]
    cats = list(unit.get("cats", []))
    rest = {k: v for k, v in unit.items() if k not in ("id", "text", "entities", "cats")}
    meta = {"text_sha256": sha256_text(unit["text"]), "entities": entities, "cats": cats, "record": rest}
    return {"id": unit["id"], "text": unit["text"], "entities": to_utf16(unit["text"], entities), "cats": cats,
            META_KEY: meta}


def colour(label: str, known: dict[str, str]) -> str:
    """The label's fixed colour, or a stable one derived from its name."""
    return known.get(label) or "#" + hashlib.sha256(label.encode()).hexdigest()[:6]


def ensure_project(client: DoccanoClient, name: str, source: str = "") -> tuple[dict[str, Any], bool]:
    """The project called ``name``, created if missing; ``(project, created)``."""
    project = client.find_project(name)
    if project is not None:
        if project["project_type"] != "IntentDetectionAndSlotFilling":
            raise UserError(f"doccano project {name!r} is a {project['project_type']} project, not intent detection")
        return project, False
    description = f"Governance news units pushed by the govnlp pipeline{f' from {source}' if source else ''}."
    return client.create_project(name, description), True


def ensure_label_types(client: DoccanoClient, project_id: int, spans: Iterable[str], topics: Iterable[str]) -> None:
    """Create the span and category types that the project lacks, with stable colours."""
    for kind, wanted, known in (("span", spans, SPAN_COLOURS), ("category", topics, TOPIC_COLOURS)):
        have = {t["text"] for t in client.label_types(project_id, kind)}
        for label in sorted(set(known) | set(wanted)):
            if label not in have:
                client.create_label_type(project_id, kind, label, colour(label, known))


def pushed_ids(client: DoccanoClient, project_id: int) -> set[str]:
    """Unit ids already in the project."""
    return {ex["meta"]["id"] for ex in client.examples(project_id) if isinstance(ex.get("meta", {}).get("id"), str)}


def push(client: DoccanoClient, path: str | Path, project_name: str) -> PushReport:
    """Upload the units of ``path`` that the project does not hold yet, with their pre-annotations."""
    units = read_units(path)
    project, created = ensure_project(client, project_name, Path(path).name)
    pid = project["id"]
    ensure_label_types(
        client,
        pid,
        (span[2] for unit in units for span in unit.get("entities", [])),
        (cat for unit in units for cat in unit.get("cats", [])),
    )
    present = set() if created else pushed_ids(client, pid)
    new = [unit for unit in units if unit["id"] not in present]
    if new:
        data = "".join(dumps_line(to_example(unit)) for unit in new).encode("utf-8")
        try:
            errors = client.upload(pid, Path(path).name, data)
        except UserError:
            with contextlib.suppress(UserError):  # the server may be gone: report the first error
                _roll_back(client, pid, {unit["id"] for unit in new})
            raise
        if errors:
            _roll_back(client, pid, {unit["id"] for unit in new})
            first = errors[0]
            line = first.get("line", -1)  # counts the uploaded lines, not those of ``path``
            where = f"unit {new[line - 1]['id']!r}" if 1 <= line <= len(new) else "the file"
            raise UserError(
                f"doccano rejected {len(errors)} line(s) of {Path(path).name}, first: {where}: "
                f"{first.get('message')}; nothing was added"
            )
    return PushReport(project_name, pid, created, len(new), len(units) - len(new))


def _roll_back(client: DoccanoClient, project_id: int, ids: set[str]) -> None:
    """Delete the examples of a failed import, so that the project holds all of a push or none."""
    added = [ex["id"] for ex in client.examples(project_id) if (ex.get("meta") or {}).get("id") in ids]
    client.delete_examples(project_id, added)


def _utf16_table(text: str) -> list[int]:
    """UTF-16 index of every code point position of ``text`` (and of its end)."""
    table = [0]
    for ch in text:
        table.append(table[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return table


def to_utf16(text: str, spans: list[list[Any]]) -> list[list[Any]]:
    """Code point spans -> doccano's UTF-16 spans."""
    if text.isascii() or max(text) <= "\uffff":
        return [list(span) for span in spans]
    table = _utf16_table(text)
    return [[table[s], table[e], label] for s, e, label in spans]


def from_utf16(text: str, spans: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """doccano's UTF-16 spans -> sorted code point spans; an end inside a surrogate pair takes the pair."""
    spans = [[int(s), int(e), str(label)] for s, e, label in spans]
    if not (text.isascii() or max(text) <= "\uffff"):
        table = _utf16_table(text)
        spans = [[bisect.bisect_right(table, s) - 1, bisect.bisect_left(table, e), label] for s, e, label in spans]
    return sorted(spans)


def _annotations(client: DoccanoClient, project_id: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The project's examples (with meta) and its export records keyed by unit id."""
    examples = list(client.examples(project_id))
    exported = {str(rec["id"]): rec for rec in client.export(project_id)}
    return examples, exported


def _text_changed(example: dict[str, Any], record: dict[str, Any] | None) -> bool:
    """True when the example's text is not the pushed one (or the export lacks the example)."""
    return record is None or sha256_text(example["text"]) != example["meta"][META_KEY]["text_sha256"]


def _ours(example: dict[str, Any]) -> bool:
    meta = example.get("meta") or {}
    return isinstance(meta.get("id"), str) and isinstance(meta.get(META_KEY), dict)


def pull(
    client: DoccanoClient, project_name: str, output: str | Path, confirmed_only: bool = False
) -> PullReport:
    """Write the project's corrected units in the corpus format to ``output`` (all or nothing)."""
    pid = client.project(project_name)["id"]
    examples, exported = _annotations(client, pid)
    examples.sort(key=lambda ex: ex["id"])  # import order, which is the order of the pushed files
    users = client.users()
    # doccano tells who confirmed an example only one example at a time: ask a few at once.
    confirmed = [ex["id"] for ex in examples if ex["is_confirmed"] and _ours(ex)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # httpx.Client can be shared between threads
        states = dict(zip(confirmed, pool.map(lambda example_id: client.states(pid, example_id), confirmed)))
    report = PullReport(project_name, 0, 0)
    records = []
    for example in examples:
        if not _ours(example):
            report.not_pushed += 1
            continue
        meta = example["meta"]
        record = exported.get(meta["id"])
        if _text_changed(example, record):
            report.changed_texts.append(meta["id"])
            continue
        if not example["is_confirmed"] and confirmed_only:
            report.unconfirmed_left_out += 1
            continue
        confirmed_by = []
        if example["is_confirmed"]:
            confirmed_by = sorted({users.get(s["confirmed_by"], str(s["confirmed_by"])) for s in states[example["id"]]})
        records.append(corpus_record(example, record, confirmed_by))
    report.changed_texts.sort()
    report.written = write_jsonl(output, records)
    return report


def corpus_record(example: dict[str, Any], record: dict[str, Any], confirmed_by: list[str]) -> dict[str, Any]:
    """A unit in the export format with the annotators' entities and topics and who confirmed them.

    ``entity_links`` keeps only the links whose span is still an entity with the pushed label (a lexicon
    entry names one kind of thing); ``cat_scores`` stays as the pipeline predicted it.
    """
    meta = example["meta"]
    pushed = meta[META_KEY]
    entities = from_utf16(example["text"], record.get("entities") or [])
    unchanged = {tuple(span) for span in entities} & {tuple(span) for span in pushed["entities"]}
    kept = {(s, e) for s, e, _ in unchanged}
    rest = dict(pushed["record"])
    if "entity_links" in rest:
        rest["entity_links"] = [link for link in rest["entity_links"] if (link[0], link[1]) in kept]
    now = set(record.get("cats") or [])
    cats = [c for c in pushed["cats"] if c in now] + sorted(now - set(pushed["cats"]))  # pushed order first
    fields = {**rest, "id": meta["id"], "text": example["text"], "entities": entities, "cats": cats,
              "confirmed_by": confirmed_by}
    order = [k for k in _FIELD_ORDER if k in fields] + [k for k in fields if k not in _FIELD_ORDER and k != "confirmed_by"]
    order.append("confirmed_by")
    return {key: fields[key] for key in order}


def status(client: DoccanoClient, project_name: str) -> Status:
    """Counts for a project: units, confirmed, changed since push, per-label and per-topic counts."""
    pid = client.project(project_name)["id"]
    examples, exported = _annotations(client, pid)
    labels: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    changed, changed_texts, confirmed = 0, [], 0
    for example in examples:
        confirmed += bool(example["is_confirmed"])
        record = exported.get(str((example.get("meta") or {}).get("id", example["id"])))
        if record is None:
            continue
        entities = from_utf16(record["text"], record.get("entities") or [])
        labels.update(span[2] for span in entities)
        topics.update(record.get("cats") or [])
        if not _ours(example):
            continue
        pushed = example["meta"][META_KEY]
        if _text_changed(example, record):
            changed_texts.append(example["meta"]["id"])
        elif entities != sorted(pushed["entities"]) or sorted(record.get("cats") or []) != sorted(pushed["cats"]):
            changed += 1
    return Status(project_name, len(examples), confirmed, changed, sorted(changed_texts), dict(labels), dict(topics))
