"""The programme catalogue of a run over time: what a dated corpus says about each programme, and when.

``catalogue(run_dir)`` reads a run's ``annotated.jsonl`` once, as it streams, and groups the entities of
the catalogue labels (PROGRAM by default; POLICY, PLATFORM, HONOR and EVENT on request) by canonical name:
the lexicon's canonical name where the lexicon linked the mention, else the name's normalised key
(``candidates.name_key``: quotes, a generic head such as 工程/行动/机制 and prefixes such as 新时代 set aside),
so that 新时代“枫桥经验” found by the model joins 枫桥经验. Each entry holds the variants as written,
mentions and documents per period (month, quarter or year of the record's ``date``; undated records
count under ``undated``), first and last seen, the ORG and LOC names in the same paragraphs most often,
and the first three mentions in distinct documents as example contexts linked to their units.

It writes ``catalogue.jsonl`` (one entry a line) and ``catalogue.csv`` (one row per entry, a column of
mentions per period, for a spreadsheet); entries the lexicon lacks are the candidates of
``pipeline/candidates.py``. The same run gives the same bytes.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from . import jsonl
from .candidates import LexiconIndex, candidate_records, clean_surface, name_key, rejected_keys
from .entities import load_lexicon
from .util import UserError, atomic_writer, dumps_line, shown, write_jsonl

Period = Literal["month", "quarter", "year"]
PERIODS = ("month", "quarter", "year")
LABELS = ("PROGRAM", "POLICY", "PLATFORM", "HONOR", "EVENT")
COMPANIONS = ("ORG", "LOC")
UNDATED = "undated"
# Characters of text on each side of an example mention: about a clause of news prose either side.
CONTEXT_CHARS = 30
EXAMPLES = 3
# Characters kept either side of every mention to tell a name the model cut short from a whole one: more than
# the 8 that the longest prefix or suffix by which a name of the 新闻联播 run extends another one needs.
FRAGMENT_CONTEXT = 12
# The most frequent companions kept per label (the report and the CSV show the first).
TOP_COMPANIONS = 3
# A companion found in more than this share of a run's documents says nothing about any one programme: the
# source in every dateline (央视网 of 央视网消息 stands in 20,950 of the 20,968 stories of 新闻联播 2022-2025;
# the next, 中国, in 29 %). Only from this many documents on, so that a run of a few pages keeps its names.
UBIQUITOUS_SHARE = 0.5
UBIQUITY_MIN_DOCUMENTS = 20


def period_of(date: str | None, by: Period) -> str:
    """``2025-01`` (month), ``2025-Q1`` (quarter) or ``2025`` (year) of an ISO date; ``undated`` without one."""
    if not date:
        return UNDATED
    if by == "month":
        return date[:7]
    if by == "quarter":
        return f"{date[:4]}-Q{(int(date[5:7]) - 1) // 3 + 1}"
    return date[:4]


def period_order(period: str) -> tuple[bool, str]:
    """Periods in time order, ``undated`` last."""
    return period == UNDATED, period


@dataclass
class Entry:
    """One programme (or policy, platform, honour, event) of the catalogue."""

    label: str
    name: str  # the canonical name; for a name the lexicon lacks, its most written variant (see ``finish``)
    key: str  # the normalised key its mentions were grouped by
    in_lexicon: bool
    variants: Counter = field(default_factory=Counter)
    mentions: Counter = field(default_factory=Counter)  # period -> mentions
    period_documents: dict[str, set[str]] = field(default_factory=dict)
    documents: set[str] = field(default_factory=set)
    first_seen: str | None = None
    last_seen: str | None = None
    companions: dict[str, Counter] = field(default_factory=lambda: {label: Counter() for label in COMPANIONS})
    examples: list[dict[str, Any]] = field(default_factory=list)
    # (left, right) characters around each mention, FRAGMENT_CONTEXT each way: whether a longer name covers
    # the mention (the model cut it short), and how much the neighbours vary (``candidates.fragment_of``).
    contexts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.mentions.values())

    def add(self, record: dict[str, Any], start: int, end: int, period: str, companions: dict[str, set[str]]) -> None:
        text, doc = record["text"], str(record.get("doc_id", record["id"]))
        self.variants[text[start:end]] += 1
        self.mentions[period] += 1
        self.period_documents.setdefault(period, set()).add(doc)
        date = record.get("date")
        if date:
            self.first_seen = min(self.first_seen or date, date)
            self.last_seen = max(self.last_seen or date, date)
        if len(self.examples) < EXAMPLES and doc not in self.documents:
            self.examples.append({"unit": record["id"], "date": date, "left": text[max(0, start - CONTEXT_CHARS):start],
                                  "mention": text[start:end], "right": text[end:end + CONTEXT_CHARS]})
        self.documents.add(doc)
        self.contexts[text[max(0, start - FRAGMENT_CONTEXT):start], text[end:end + FRAGMENT_CONTEXT]] += 1
        for label, names in companions.items():
            self.companions[label].update(names)

    def seen(self) -> str:
        return f"{self.first_seen or UNDATED} to {self.last_seen or UNDATED}"

    def example_lines(self) -> list[str]:
        """Each example as ``DATE UNIT: context`` on one line."""
        return [f"{ex['date'] or UNDATED} {ex['unit']}: {context(ex)}" for ex in self.examples]

    def finish(self) -> None:
        """Name an entry the lexicon lacks by its most written variant, without quotation marks, as the lexicon
        would write it; on a tie the longer one, which keeps its head (载人航天工程, not 载人航天)."""
        if not self.in_lexicon:
            self.name = clean_surface(min(self.variants, key=lambda v: (-self.variants[v], -len(v), v)), self.label)

    def record(self, ubiquitous: frozenset[tuple[str, str]] = frozenset()) -> dict[str, Any]:
        """The entry as a catalogue line; companions in ``ubiquitous`` ((label, name) pairs) are left out."""
        periods = sorted(self.mentions, key=period_order)
        return {
            "label": self.label,
            "name": self.name,
            "in_lexicon": self.in_lexicon,
            "mentions": self.total,
            "documents": len(self.documents),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "variants": dict(sorted(self.variants.items(), key=lambda kv: (-kv[1], kv[0]))),
            "periods": {p: {"mentions": self.mentions[p], "documents": len(self.period_documents[p])} for p in periods},
            "with": {label: [[name, n] for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                             if (label, name) not in ubiquitous][:TOP_COMPANIONS]
                     for label, counts in self.companions.items()},
            "examples": self.examples,
        }


def run_records(run_dir: Path) -> Iterator[dict[str, Any]]:
    """The export records of a run, checked for the fields the catalogue reads (one line per problem)."""
    path = Path(run_dir) / "annotated.jsonl"
    for n, record in jsonl.read_jsonl(path, missing="annotated.jsonl not found; give the output folder of `python -m pipeline run`"):
        text = record.get("text")
        if not isinstance(text, str) or "id" not in record:
            raise UserError(f"{shown(path)}:{n}: not an export record (needs 'id' and 'text'); re-run the pipeline")
        for key in ("entities", "entity_links"):
            spans = record.get(key, [])
            if not isinstance(spans, list) or not all(
                    isinstance(s, list) and len(s) >= 3 and all(type(x) is int for x in s[:2]) and 0 <= s[0] < s[1] <= len(text)
                    and isinstance(s[2], str) for s in spans):
                raise UserError(f"{shown(path)}:{n}: field '{key}' needs [start, end, name] items inside the text; re-run the pipeline")
        date = record.get("date")
        if date is not None and not (isinstance(date, str) and len(date) == 10 and date[4] == date[7] == "-"):
            raise UserError(f"{shown(path)}:{n}: field 'date' is {shown(repr(date))}, not YYYY-MM-DD; re-run the pipeline")
        yield record


@dataclass
class Catalogue:
    entries: list[Entry]  # most mentioned first, then label and name
    ubiquitous: frozenset[tuple[str, str]]  # (label, name) of the companions beside nearly everything
    readings: dict[str, Counter]  # normalised key -> mentions under each label, all labels of the run


def build(records: Iterable[dict[str, Any]], index: LexiconIndex, by: Period = "month",
          labels: Iterable[str] = ("PROGRAM",)) -> Catalogue:
    """The catalogue entries of ``records`` and the companions too common to tell anything (``UBIQUITOUS_SHARE``)."""
    labels = tuple(labels)
    found: dict[tuple[str, str], Entry] = {}
    companion_documents: dict[tuple[str, str], set[str]] = {}
    documents: set[str] = set()
    readings: dict[str, Counter] = {}
    for record in records:
        doc = str(record.get("doc_id", record["id"]))
        documents.add(doc)
        text = record["text"]
        links = {(s, e): name for s, e, name, *_ in record.get("entity_links", [])}
        companions: dict[str, set[str]] = {label: set() for label in COMPANIONS}
        mentions = []
        for start, end, label, *_ in record.get("entities", []):  # as the report, items beyond the label are ignored
            surface = text[start:end]
            readings.setdefault(name_key(surface), Counter())[label] += 1
            if label in COMPANIONS:
                name = links.get((start, end), surface)
                companions[label].add(name)
                companion_documents.setdefault((label, name), set()).add(doc)
            if label in labels:
                mentions.append((start, end, label, surface, links.get((start, end))))
        period = period_of(record.get("date"), by)
        for start, end, label, surface, canonical in mentions:
            key = name_key(surface)
            if canonical is None:
                canonical = index.canonical(label, surface)  # a variant of a lexicon name the lexicon did not match
            if canonical is not None:
                entry = found.setdefault((label, "=" + canonical), Entry(label, canonical, name_key(canonical), True))
            else:
                entry = found.setdefault((label, "~" + key), Entry(label, surface, key, False))
            entry.add(record, start, end, period, companions)
    for entry in found.values():
        entry.finish()
    ubiquitous = frozenset(key for key, docs in companion_documents.items()
                           if len(documents) >= UBIQUITY_MIN_DOCUMENTS and len(docs) > UBIQUITOUS_SHARE * len(documents))
    return Catalogue(sorted(found.values(), key=lambda e: (-e.total, e.label, e.name)), ubiquitous, readings)


def all_periods(entries: Iterable[Entry]) -> list[str]:
    return sorted({p for entry in entries for p in entry.mentions}, key=period_order)


def context(example: dict[str, Any]) -> str:
    """An example as one line: the mention in 【】 within its context."""
    return f"{example['left']}【{example['mention']}】{example['right']}".replace("\n", " ")


CSV_COLUMNS = ("label", "name", "in_lexicon", "mentions", "documents", "first_seen", "last_seen", "variants",
               "with_ORG", "with_LOC", "example_1", "example_2", "example_3")


def csv_text(entries: list[Entry], ubiquitous: frozenset[tuple[str, str]] = frozenset()) -> str:
    """One row per entry and a column of mentions per period (time order, ``undated`` last)."""
    periods = all_periods(entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *periods])
    for entry in entries:
        rec = entry.record(ubiquitous)
        examples = entry.example_lines()
        writer.writerow([
            rec["label"], rec["name"], "yes" if rec["in_lexicon"] else "no", rec["mentions"], rec["documents"],
            rec["first_seen"] or "", rec["last_seen"] or "",
            "; ".join(f"{v} ×{n}" for v, n in rec["variants"].items()),
            *("; ".join(f"{name} ×{n}" for name, n in rec["with"][label]) for label in COMPANIONS),
            *(examples + [""] * (EXAMPLES - len(examples))),
            *(entry.mentions.get(p, 0) for p in periods),
        ])
    return out.getvalue()


@dataclass
class CatalogueReport:
    entries: int
    in_lexicon: int
    mentions: int
    periods: int
    files: list[Path]
    candidates: int | None = None
    rejected_before: int = 0  # names the lexicon lacks that a reviewer rejected in an earlier review
    left_out: int = 0  # paragraphs outside the dates asked for (undated ones among them)


def dated_between(records: Iterable[dict[str, Any]], since: str | None, until: str | None,
                  left_out: Counter) -> Iterator[dict[str, Any]]:
    """The records dated from ``since`` to ``until`` (ISO dates, both included; either may be None); with
    either given, undated records are left out too. ``left_out["units"]`` counts what is left out."""
    for record in records:
        date = record.get("date")
        if (since or until) and (not date or (since and date < since) or (until and date > until)):
            left_out["units"] += 1
            continue
        yield record


def write_catalogue(run_dir: str | Path, by: Period = "month", output: str | Path | None = None,
                    labels: Iterable[str] = ("PROGRAM",), lexicon: str | Path | None = None,
                    candidates: str | Path | None = None, since: str | None = None,
                    until: str | None = None) -> CatalogueReport:
    """Write ``catalogue.jsonl`` and ``catalogue.csv`` of the run in ``run_dir`` into ``output`` (default:
    ``run_dir``); with ``candidates``, also the names the lexicon lacks as doccano review records. With
    ``since`` or ``until``, only the paragraphs dated from ``since`` to ``until`` count (what was new
    before a given day, or since it)."""
    run_dir = Path(run_dir)
    if by not in PERIODS:
        raise UserError(f"--by {shown(by)}: give one of {', '.join(PERIODS)}")
    if since and until and since > until:
        raise UserError(f"--since {since} is after --until {until}; give the earlier day first")
    labels = tuple(labels)
    unknown = [label for label in labels if label not in LABELS]
    if unknown or not labels:
        raise UserError(f"--labels {shown(','.join(labels))}: give labels among {', '.join(LABELS)}")
    lexicon = Path(lexicon or run_lexicon(run_dir))
    index = LexiconIndex(load_lexicon(lexicon))
    left_out: Counter = Counter()
    catalogue = build(dated_between(run_records(run_dir), since, until, left_out), index, by, labels)
    entries = catalogue.entries
    out = Path(output) if output is not None else run_dir
    files = [out / "catalogue.jsonl", out / "catalogue.csv"]
    with atomic_writer(files[0]) as f:
        for entry in entries:
            f.write(dumps_line(entry.record(catalogue.ubiquitous)))
    # UTF-8 with a byte order mark: spreadsheet programs (Excel above all) otherwise read Chinese CSV as ANSI.
    with atomic_writer(files[1], encoding="utf-8-sig") as f:
        f.write(csv_text(entries, catalogue.ubiquitous))
    report = CatalogueReport(len(entries), sum(e.in_lexicon for e in entries), sum(e.total for e in entries),
                             len(all_periods(entries)), files, left_out=left_out["units"])
    if candidates is not None:
        rejected = rejected_keys(lexicon) if lexicon.is_dir() else frozenset()
        report.candidates = write_jsonl(candidates, candidate_records(entries, index, run_dir.as_posix(), rejected,
                                                                      catalogue.readings))
        report.rejected_before = sum((e.label, e.key) in rejected for e in entries if not e.in_lexicon)
        report.files.append(Path(candidates))
    return report


def run_lexicon(run_dir: Path) -> Path:
    """The lexicon the run loaded (its config's ``[paths] lexicon``), else the project's."""
    from confection import Config

    from .paths import LEXICON

    manifest = run_dir / "manifest.json"
    if manifest.is_file():
        try:
            config = Config().from_str(jsonl.loads(manifest.read_text(encoding="utf-8"), str(manifest)).get("config", ""),
                                       interpolate=False)
            path = config.get("paths", {}).get("lexicon")
        except Exception:  # an unreadable manifest only means the project's lexicon
            path = None
        if isinstance(path, str) and Path(path).exists():
            return Path(path)
    return LEXICON
