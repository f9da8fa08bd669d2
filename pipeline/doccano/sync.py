"""Push pipeline output to a doccano project, pull the corrections back, report a project's status.

Each unit becomes one example of an "intent detection and slot filling" project: spans are the
entities, categories the paragraph's topics (for a file of new names from ``catalogue --candidates``,
the review decisions accept, merge and reject instead). Its meta, which doccano shows beside the unit, is short:
the unit ``id`` (so pull can match it), its document, kind and source file. What pull needs besides
(the hash of the pushed text, the pushed annotations and the rest of the export record) goes to a
companion project on the same server, "NAME (govnlp records)", one example per unit whose text is that
record as JSON; annotators are not members of it. So pull still needs nothing but the server. (Projects
pushed before kept that record in the example's meta under ``govnlp``; pull and status read both.)

Two pushes at once: each removes, after its import, the later copies of the units it added (the copy
with the lowest example id stays), so the project ends with one example per unit whichever finishes
first; pull keeps the first example of a unit that is there twice anyway, with a warning.

Offsets: the pipeline counts code points (Python ``str``), doccano's editor for this project type counts
UTF-16 code units (JavaScript string indices; it passes no grapheme mode). The server stores and exports the
integers as given, so push converts to UTF-16 and pull converts back: 𠮷 or 😀 count 1 here and 2 there.
"""
from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .. import jsonl
from ..candidates import DECISIONS, KIND
from ..util import UserError, dumps_line, sha256_text, shown, write_jsonl
from .client import DoccanoClient

META_KEY = "govnlp"
RECORDS_SUFFIX = " (govnlp records)"
MAX_NAME = 100  # doccano's Project.name and LabelType.text are CharField(max_length=100)
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
# A review of new names (``catalogue --candidates``) offers its decisions as categories instead of topics.
DECISION_COLOURS = dict(zip(DECISIONS, ("#3cb44b", "#4363d8", "#e6194b")))
# Field order of pulled records: the export record's, then anything else, then who confirmed.
_FIELD_ORDER = ["id", "doc_id", "article_id", "kind", "text", "entities", "entity_links", "cats", "cat_scores", "source"]


@dataclass
class PushReport:
    project: str
    project_id: int
    created: bool
    uploaded: int
    skipped: int
    dataset_url: str = ""
    duplicates_removed: int = 0


@dataclass
class PullReport:
    project: str
    written: int
    unconfirmed_left_out: int
    changed_texts: list[str] = field(default_factory=list)
    not_pushed: int = 0
    duplicates: list[str] = field(default_factory=list)


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
            raise UserError(f"{shown(path)}:{n}: {problem}")
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
        if problem := _label_problem(span[2]):
            return f"unit {unit['id']!r}: entity {span!r}: {problem}"
    ordered = sorted(spans)
    for before, after in zip(ordered, ordered[1:]):
        if after[0] < before[1]:  # doccano's importer would silently drop one of them
            return f"unit {unit['id']!r}: overlapping entities {before!r} and {after!r}"
    cats = unit.get("cats", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) and c for c in cats):
        return f"unit {unit['id']!r}: 'cats' must be a list of topic names"
    for cat in cats:
        if problem := _label_problem(cat):
            return f"unit {unit['id']!r}: topic {cat!r}: {problem}"
    return None


def _label_problem(label: str) -> str | None:
    """What doccano's label-type validation would refuse (checked before anything is created)."""
    if not label.strip():
        return "a label must not be empty"
    if len(label) > MAX_NAME:
        return f"a label has at most {MAX_NAME} characters in doccano (this one {len(label)})"
    if label != label.strip() or not label.isprintable():
        return "a label must not start or end with white space nor hold control characters (doccano trims or refuses it)"
    return None


def short_meta(unit: dict[str, Any]) -> dict[str, Any]:
    """What doccano shows beside the unit: its id, document, kind and source file (short and readable)."""
    meta = {"id": unit["id"]}
    for key, value in (("doc", unit.get("doc_id")), ("kind", unit.get("kind")),
                       ("source", (unit.get("source") or {}).get("file") if isinstance(unit.get("source"), dict) else None)):
        if isinstance(value, str) and value:
            meta[key] = value
    return meta


def pushed_record(unit: dict[str, Any]) -> dict[str, Any]:
    """What pull needs of a pushed unit besides doccano's own data: kept in the records project."""
    entities = [list(span) for span in unit.get("entities", [])]
    rest = {k: v for k, v in unit.items() if k not in ("id", "text", "entities", "cats")}
    return {"id": unit["id"], "text_sha256": sha256_text(unit["text"]), "entities": entities,
            "cats": list(unit.get("cats", [])), "record": rest}


def to_example(unit: dict[str, Any]) -> dict[str, Any]:
    """The JSONL line doccano imports for one unit: text, labels and a short meta."""
    entities = [list(span) for span in unit.get("entities", [])]
    return {**short_meta(unit), "text": unit["text"], "entities": to_utf16(unit["text"], entities),
            "cats": list(unit.get("cats", []))}


def to_record_example(unit: dict[str, Any]) -> dict[str, Any]:
    """The JSONL line of the records project: the pushed record as JSON text, the unit id as meta."""
    return {"id": unit["id"], "text": json.dumps(pushed_record(unit), ensure_ascii=False, separators=(",", ":")),
            "entities": [], "cats": []}  # the importer of this project type wants both columns


def records_project_name(name: str) -> str:
    """The companion project that keeps the pushed records of project ``name``."""
    full = name + RECORDS_SUFFIX
    return full if len(full) <= MAX_NAME else f"govnlp records {hashlib.sha256(name.encode()).hexdigest()[:24]}"


def dataset_url(client: DoccanoClient, project_id: int) -> str:
    """The project's Dataset page: annotators start there (see docs/doccano.md)."""
    return f"{client.url}/projects/{project_id}/dataset"


def colour(label: str, known: dict[str, str]) -> str:
    """The label's fixed colour, or a stable one derived from its name."""
    return known.get(label) or "#" + hashlib.sha256(label.encode()).hexdigest()[:6]


def ensure_project(client: DoccanoClient, name: str, source: str = "",
                   description: str | None = None) -> tuple[dict[str, Any], bool]:
    """The project called ``name``, created if missing; ``(project, created)``.

    Two pushes that both create it each see the other's project right after: the younger one is deleted
    again and both go on with the oldest, so there is one project of the name."""
    if len(name) > MAX_NAME or not name.strip():
        raise UserError(f"doccano project names have 1 to {MAX_NAME} characters; {name[:40]!r}... does not fit")
    project = client.find_project(name)
    if project is not None:
        if project["project_type"] != "IntentDetectionAndSlotFilling":
            raise UserError(f"doccano project {name!r} is a {project['project_type']} project, not intent detection")
        return project, False
    if description is None:
        description = f"Governance news units pushed by the govnlp pipeline{f' from {source}' if source else ''}."
    made = client.create_project(name, description)
    oldest = client.find_projects(name)
    if oldest and oldest[0]["id"] != made["id"]:  # another push created it at the same moment
        client.delete_project(made["id"])
        return oldest[0], False
    return made, True


def ensure_label_types(client: DoccanoClient, project_id: int, spans: Iterable[str], topics: Iterable[str],
                       categories: dict[str, str] = TOPIC_COLOURS) -> None:
    """Create the span and category types that the project lacks, with stable colours (``categories``:
    the topics, or the decisions of a review of candidates)."""
    for kind, wanted, known in (("span", spans, SPAN_COLOURS), ("category", topics, categories)):
        have = {t["text"] for t in client.label_types(project_id, kind)}
        for label in sorted(set(known) | set(wanted)):
            if label not in have:
                try:
                    client.create_label_type(project_id, kind, label, colour(label, known))
                except UserError:  # another push may have created it meanwhile
                    if label not in {t["text"] for t in client.label_types(project_id, kind)}:
                        raise


def _unit_id(example: dict[str, Any]) -> str | None:
    unit = (example.get("meta") or {}).get("id")
    return unit if isinstance(unit, str) else None


def held_units(client: DoccanoClient, project_id: int) -> dict[str, dict[str, Any]]:
    """Unit id -> the project's first example of it (lowest example id)."""
    held: dict[str, dict[str, Any]] = {}
    for example in sorted(client.examples(project_id), key=lambda ex: ex["id"]):
        unit = _unit_id(example)
        if unit is not None:
            held.setdefault(unit, example)
    return held


def pushed_ids(client: DoccanoClient, project_id: int) -> set[str]:
    """Unit ids already in the project."""
    return set(held_units(client, project_id))


def remove_duplicates(client: DoccanoClient, project_id: int, ids: set[str]) -> int:
    """Delete every example of a unit in ``ids`` but its first (two pushes at once each imported it)."""
    seen: set[str] = set()
    extra = []
    for example in sorted(client.examples(project_id), key=lambda ex: ex["id"]):
        unit = _unit_id(example)
        if unit in ids:
            if unit in seen:
                extra.append(example["id"])
            seen.add(unit)
    client.delete_examples(project_id, extra)
    return len(extra)


def push(client: DoccanoClient, path: str | Path, project_name: str) -> PushReport:
    """Upload the units of ``path`` that the project does not hold yet, with their pre-annotations.

    All or nothing: every line (labels too) is checked before anything is created; an import that fails
    takes back what it added, and a project this push created is deleted again. A unit whose id the
    project already holds with another text stops the push (ids are meant to name one text)."""
    units = read_units(path)
    name = Path(path).name
    project, created = ensure_project(client, project_name, name)
    pid = project["id"]
    records, records_created = None, False
    added: set[str] = set()
    try:
        records, records_created = ensure_project(
            client, records_project_name(project_name),
            description=f"The pushed records of the doccano project {project_name!r} (govnlp pipeline; read by pull).")
        ensure_label_types(
            client,
            pid,
            (span[2] for unit in units for span in unit.get("entities", [])),
            (cat for unit in units for cat in unit.get("cats", [])),
            DECISION_COLOURS if units and all(unit.get("kind") == KIND for unit in units) else TOPIC_COLOURS,
        )
        held = {} if created else held_units(client, pid)
        before = _pushed(client, project_name, list(held.values())) if held else {}

        def same_text(unit: dict[str, Any]) -> bool:  # as pushed (an annotator may have edited it since)
            pushed_sha = (before.get(unit["id"]) or {}).get("text_sha256")
            return pushed_sha == sha256_text(unit["text"]) if pushed_sha else held[unit["id"]]["text"] == unit["text"]

        changed = [unit["id"] for unit in units if unit["id"] in held and not same_text(unit)]
        if changed:
            raise UserError(
                f"{shown(path)}: {len(changed)} unit id(s) already in project {project_name!r} with another text "
                f"(first: {changed[0]!r}); ids name one text: give the inputs distinct names (ids come from the path) "
                "or push to another project; nothing was added")
        new = [unit for unit in units if unit["id"] not in held]
        removed = 0
        if new:
            added = {unit["id"] for unit in new}
            stored = {} if records_created else _records(client, records["id"])
            # a record left by an earlier push that failed half-way, for another text, is replaced
            stale = {u["id"] for u in new if u["id"] in stored
                     and (stored[u["id"]][1] or {}).get("text_sha256") != sha256_text(u["text"])}
            client.delete_examples(records["id"], [stored[unit][0]["id"] for unit in sorted(stale)])
            _upload(client, records["id"], name,
                    [to_record_example(u) for u in new if u["id"] not in stored or u["id"] in stale], new)
            _upload(client, pid, name, [to_example(unit) for unit in new], new)
            removed = remove_duplicates(client, pid, added)
            remove_duplicates(client, records["id"], added)
    except BaseException:
        with contextlib.suppress(UserError):  # the server may be gone: report the first error
            if created:
                client.delete_project(pid)
            elif added:
                _roll_back(client, pid, added)
            if records is not None and records_created:
                client.delete_project(records["id"])
        raise
    return PushReport(project_name, pid, created, len(new) - removed, len(units) - len(new) + removed,
                      dataset_url(client, pid), removed)


def _upload(client: DoccanoClient, project_id: int, name: str, lines: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """One import of ``lines``; per-line errors raise (the caller takes back what was added)."""
    if not lines:
        return
    errors = client.upload(project_id, name, "".join(dumps_line(line) for line in lines).encode("utf-8"))
    if errors:
        first = errors[0]
        line = first.get("line", -1)  # counts the uploaded lines, not those of the file
        where = f"unit {lines[line - 1]['id']!r}" if 1 <= line <= len(lines) else "the file"
        raise UserError(f"doccano rejected {len(errors)} line(s) of {shown(name)}, first: {where}: "
                        f"{first.get('message')}; nothing was added")


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
    """The project's examples (with meta) and its export records keyed by unit id (the first of each)."""
    examples = list(client.examples(project_id))
    exported: dict[str, dict[str, Any]] = {}
    for rec in client.export(project_id):  # in import order: a unit there twice keeps its first example
        exported.setdefault(str(rec["id"]), rec)
    return examples, exported


def _pushed(client: DoccanoClient, project_name: str, examples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Unit id -> the pushed record, from the records project (and from the meta of examples pushed
    before it existed)."""
    pushed: dict[str, dict[str, Any]] = {}
    records = client.find_projects(records_project_name(project_name))
    if records:
        pushed = {unit: record for unit, (_, record) in _records(client, records[0]["id"]).items() if record}
    for example in examples:
        meta = example.get("meta") or {}
        if _unit_id(example) is not None and isinstance(meta.get(META_KEY), dict):
            pushed.setdefault(meta["id"], meta[META_KEY])
    return pushed


def _records(client: DoccanoClient, project_id: int) -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    """Unit id -> (first example, the pushed record it holds, None if unreadable) of a records project."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
    for unit, example in held_units(client, project_id).items():
        record = None
        with contextlib.suppress(ValueError, TypeError):
            record = json.loads(example["text"])
        found[unit] = (example, record if isinstance(record, dict) and record.get("id") == unit else None)
    return found


def _text_changed(example: dict[str, Any], record: dict[str, Any] | None, pushed: dict[str, Any]) -> bool:
    """True when the example's text is not the pushed one (or the export lacks the example)."""
    return record is None or sha256_text(example["text"]) != pushed["text_sha256"]


def _ours(example: dict[str, Any], pushed: dict[str, dict[str, Any]]) -> bool:
    return _unit_id(example) in pushed


def pull(
    client: DoccanoClient, project_name: str, output: str | Path, confirmed_only: bool = False
) -> PullReport:
    """Write the project's corrected units in the corpus format to ``output`` (all or nothing).

    What comes back is checked with the rules of what goes out (``_check_unit``): a span outside its
    text, overlapping another or with a label doccano could not have made stops the pull in one line."""
    pid = client.project(project_name)["id"]
    examples, exported = _annotations(client, pid)
    pushed = _pushed(client, project_name, examples)
    examples.sort(key=lambda ex: ex["id"])  # import order, which is the order of the pushed files
    first: dict[str, int] = {}
    duplicates: set[str] = set()
    for example in examples:
        if _ours(example, pushed):
            if _unit_id(example) in first:
                duplicates.add(_unit_id(example))
            first.setdefault(_unit_id(example), example["id"])
    users = client.users()
    # doccano tells who confirmed an example only one example at a time: ask a few at once.
    confirmed = [ex["id"] for ex in examples if ex["is_confirmed"] and _ours(ex, pushed) and first[_unit_id(ex)] == ex["id"]]
    with ThreadPoolExecutor(max_workers=4) as pool:  # httpx.Client can be shared between threads
        states = dict(zip(confirmed, pool.map(lambda example_id: client.states(pid, example_id), confirmed)))
    report = PullReport(project_name, 0, 0, duplicates=sorted(duplicates))
    records = []
    for example in examples:
        if not _ours(example, pushed):
            report.not_pushed += 1
            continue
        meta = example["meta"]
        if first[meta["id"]] != example["id"]:  # a later copy of a unit (two pushes at once): the first counts
            continue
        record = exported.get(meta["id"])
        if _text_changed(example, record, pushed[meta["id"]]):
            report.changed_texts.append(meta["id"])
            continue
        if not example["is_confirmed"] and confirmed_only:
            report.unconfirmed_left_out += 1
            continue
        confirmed_by = []
        if example["is_confirmed"]:
            confirmed_by = sorted({users.get(s["confirmed_by"], str(s["confirmed_by"])) for s in states[example["id"]]})
        unit = corpus_record(example, record, confirmed_by, pushed[meta["id"]])
        if problem := _check_unit(unit):
            raise UserError(f"doccano project {project_name!r}, example {example['id']}: {problem}; correct or delete "
                            "that annotation in doccano and pull again (nothing was written)")
        records.append(unit)
    report.changed_texts.sort()
    report.written = write_jsonl(output, records)
    return report


def corpus_record(example: dict[str, Any], record: dict[str, Any], confirmed_by: list[str],
                  pushed: dict[str, Any] | None = None) -> dict[str, Any]:
    """A unit in the export format with the annotators' entities and topics and who confirmed them.

    ``entity_links`` keeps only the links whose span is still an entity with the pushed label (a lexicon
    entry names one kind of thing); ``cat_scores`` stays as the pipeline predicted it.
    """
    meta = example["meta"]
    pushed = meta[META_KEY] if pushed is None else pushed
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
    pushed = _pushed(client, project_name, examples)
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
        if not _ours(example, pushed):
            continue
        before = pushed[example["meta"]["id"]]
        if _text_changed(example, record, before):
            changed_texts.append(example["meta"]["id"])
        elif entities != sorted(before["entities"]) or sorted(record.get("cats") or []) != sorted(before["cats"]):
            changed += 1
    return Status(project_name, len(examples), confirmed, changed, sorted(changed_texts), dict(labels), dict(topics))
