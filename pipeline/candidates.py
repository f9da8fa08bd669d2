"""New names and their review: what the model found that the lexicon lacks, grouped, ranked, reviewed in
doccano, and merged into ``corpus/lexicon/``.

Variants of one name are grouped by ``name_key``: quotation marks set aside (“千万工程” is 千万工程), a
prefix such as 新时代 or 全面 dropped, and a generic head such as 工程, 行动 or 机制 dropped (新时代“枫桥经验”,
枫桥经验 and 枫桥 share the key 枫桥). A name whose key the lexicon holds (canonical or alias, after the
same normalisation) is not new. The rest are ranked by their evidence, mentions x documents x periods:
a name written many times in one broadcast counts less than one that recurs over months.

``candidate_records`` writes each as a record that ``doccano push`` sends as it is: its text is the name
on the first line (pre-marked with its label), what the catalogue knows of it, three example contexts and
the lexicon names it might be a variant of; the reviewer picks one category, ``accept``, ``reject`` or
``merge``, may correct the name's span or label, and for ``merge`` marks the lexicon name it belongs to.
``merge_reviewed`` (``lexicon merge``) reads the ``doccano pull`` file back: accepted names become new
lexicon lines with provenance (source, first seen, who accepted, when), merged ones aliases of the
entry they belong to. Existing lexicon lines stay byte for byte as they were, but for an entry that
gains aliases. Rejected names are remembered in ``rejected/candidates.jsonl`` of the lexicon folder (who
rejected them, when, from which run; the lexicon loader reads only the folder's own ``*.jsonl``), and
``candidates`` leaves them out of every later run, so a reviewer judges each name once.
"""
from __future__ import annotations

import datetime
import difflib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import jsonl
from .constants import LABELS
from .entities import LexiconEntry
from .ner.rules import CAMPAIGN_HEADS, CAMPAIGN_VERB
from .util import UserError, atomic_writer, shown

QUOTES = "“”\"「」『』‘’'《》〈〉"
# Prefixes and generic heads that vary between mentions of one programme (新时代枫桥经验 / 枫桥经验,
# 千万工程 / 千万工程经验 is not: only one head is dropped). Longest first, so 专项行动 goes before 行动.
PREFIXES = ("新时代", "新一轮", "新征程", "进一步", "全面", "深入")
HEADS = tuple(sorted(("工程", "行动", "机制", "模式", "经验", "体系", "计划", "工作法", "改革", "专项行动"), key=len, reverse=True))
# A key keeps at least this many characters: 行动 alone stays 行动, not an empty key shared by every 行动.
MIN_KEY = 2
DECISIONS = ("accept", "merge", "reject")
KIND = "candidate"
# A name is cut short when this share of its mentions stand inside a longer name or share a neighbouring
# letter; the latter only from this many mentions on (two alike out of two say nothing).
CUT_SHARE = 0.9
MIN_GLUED = 3
# Names that are no name by the annotation guidelines, whatever the model marked: a counted set or a
# batch (四大全球倡议, 一批重大工程, 第二批主题教育: "a counted set ... is not", "a phase named only by an
# ordinal is not a name"), and a generic head with only a generic modifier (重点工程, 重大项目: a description).
COUNTED = re.compile(r"^(?:[一二三四五六七八九十两几多数]+[大批个类]|第[一二三四五六七八九十\d]+批|一系列|各[类项])")
GENERIC_KEYS = frozenset(("重点", "重大", "有关", "相关", "各项", "专项", "有关部门", "本次", "此次", "这次"))
# A bare head or a bare country is no programme's name, whatever the model marked (倡议 in 三大全球倡议 cut
# short, 中国 of 美丽中国 cut off: 43, 15 and 20 mentions in the 2022-2025 run), nor a campaign head of the
# labelling functions alone (主题教育 of 学习贯彻……主题教育, 专项整治: 132 and 15 mentions).
BARE = frozenset(HEADS + CAMPAIGN_HEADS + ("项目", "战略", "活动", "专项", "中国", "全国"))
# Where the lexicon folder keeps the rejected candidates (a subfolder: the lexicon loader reads *.jsonl of
# the folder itself only).
REJECTED = Path("rejected") / "candidates.jsonl"
# A name of at least this many letters the run holds more often, with one letter before it, is that name cut
# wrong (好全球发展倡议, 批重大工程, 【党纪学习教育); shorter ones take real prefixes (大平安, 小三通).
MIN_GLUED_NAME = 4
# The verb that launches a campaign stands before its name every time (开展规范涉企执法专项行动): no sign of a cut.
LAUNCHED = re.compile(CAMPAIGN_VERB + "$")
# Lexicon names offered as merge targets: the closest few of the same label, by similarity of keys.
SUGGESTIONS = 3
MIN_SIMILARITY = 0.5


def name_key(surface: str) -> str:
    """The key variants of one name share: no quotes or spaces, no prefix such as 新时代, no generic head."""
    key = "".join(c for c in surface if c not in QUOTES and not c.isspace())
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if key.startswith(prefix) and len(key) - len(prefix) >= MIN_KEY:
                key, stripped = key[len(prefix):], True
    head = next((h for h in HEADS if key.endswith(h)), "")  # the longest: 专项行动 is one head, not 专项 + 行动
    return key[: -len(head)] if head and len(key) - len(head) >= MIN_KEY else key


PAIRS = {"“": "”", "「": "」", "『": "』", "‘": "’", "《": "》", "〈": "〉", '"': '"', "'": "'"}


def clean_surface(surface: str, label: str) -> str:
    """A surface form as the lexicon writes it: without quotation marks around it or left unpaired by a
    cut (《》 kept for POLICY titles), but with the paired quotes inside a name, which the lexicon must match
    as the text writes them: 黄河“几字弯”攻坚战, not 黄河几字弯攻坚战 (three gold mentions, none matched)."""
    keep = "《》" if label == "POLICY" else ""
    text = surface.strip()
    while len(text) > 1 and PAIRS.get(text[0]) == text[-1] and text[0] not in keep:
        text = text[1:-1].strip()
    kept, open_at = list(text), {}
    for i, c in enumerate(text):
        if c in keep:
            continue
        if c in PAIRS and (c != PAIRS[c] or c not in open_at):
            open_at[c] = i
        elif c in QUOTES:
            opener = next((o for o, closer in PAIRS.items() if closer == c and o in open_at), None)
            if opener is None:
                kept[i] = ""
            else:
                del open_at[opener]
    for i in open_at.values():
        kept[i] = ""
    return "".join(kept).strip()


class LexiconIndex:
    """The lexicon's names by normalised key: which names it holds, under which canonical name."""

    def __init__(self, entries: Iterable[LexiconEntry]) -> None:
        self.entries = list(entries)
        self.by_label: dict[tuple[str, str], str] = {}
        self.keys: set[str] = set()
        for entry in self.entries:
            for surface in entry.surfaces:
                key = name_key(surface)
                self.by_label.setdefault((entry.label, key), entry.canonical)
                self.keys.add(key)

    def canonical(self, label: str, surface: str) -> str | None:
        """The canonical name of the lexicon entry of ``label`` that ``surface`` is a variant of."""
        return self.by_label.get((label, name_key(surface)))

    def holds(self, surface: str) -> bool:
        """Whether any lexicon entry (of any label) has a name with the key of ``surface``."""
        return name_key(surface) in self.keys

    def suggestions(self, label: str, name: str) -> list[str]:
        """The lexicon's canonical names of ``label`` closest to ``name`` (keys compared), best first."""
        key = name_key(name)
        scored = []
        for entry in self.entries:
            if entry.label == label:
                best = max(difflib.SequenceMatcher(None, key, name_key(s)).ratio() for s in entry.surfaces)
                if best >= MIN_SIMILARITY:
                    scored.append((-best, entry.canonical))
        return [name for _, name in sorted(scored)[:SUGGESTIONS]]


def evidence(entry: Any) -> int:
    """Mentions x documents x periods: recurring over documents and months weighs more than repetition."""
    return entry.total * len(entry.documents) * len(entry.mentions)


def fragment_of(entry: Any, names: Iterable[str], totals: dict[str, int] | None = None) -> str | None:
    """The longer name that ``entry``'s mentions are cut from, or ``"the same neighbours"``; None for a whole name.

    The character model sometimes ends a span inside a name (全球安全倡 of 全球安全倡议, 纪学习教育 of
    党纪学习教育, 南水北调东 of 南水北调东线). Such an entry is a fragment when at least ``CUT_SHARE`` of its
    mentions stand inside a longer name found elsewhere in the run or held by the lexicon (the text around
    them spells it), or when at least ``CUT_SHARE`` of its mentions (three or more) have the same letter
    right before or right after them: a name stands between punctuation and varied words (共建“一带一路”,
    美丽中国建设, 建设美丽中国), a cut one always next to the rest of itself (中国特色社会主义思想主题教育).
    A name that is a more frequent name of the run with one letter before it is cut wrong too
    (``MIN_GLUED_NAME``). What the key sets aside anyway is no cut: a prefix before (深入
    贯彻中央八项规定精神学习教育), a generic head after (规范涉企执法 专项行动), a longer name with the same
    key; nor the verb that launches a campaign before it (开展 规范涉企执法专项行动)."""
    total = sum(entry.contexts.values())
    name = entry.name
    glued = name[1:]  # the model took the letter before a name into it (好全球发展倡议 of 落实好, 等重大工程)
    if len(glued) >= MIN_GLUED_NAME and (totals or {}).get(glued, 0) > entry.total:
        return glued
    for longer in names:
        at = longer.find(name)
        if longer == name or at < 0 or name_key(longer) == entry.key:
            continue
        before, after = longer[:at], longer[at + len(name):]
        inside = sum(n for (left, right), n in entry.contexts.items() if left.endswith(before) and right.startswith(after))
        if inside >= CUT_SHARE * total:
            return longer
    if total >= MIN_GLUED:
        left = Counter(l[-1:] for l, _ in entry.contexts.elements() if not l.endswith(PREFIXES) and not LAUNCHED.search(l))
        right = Counter(r[:1] for _, r in entry.contexts.elements() if not r.startswith(HEADS))
        for letters in (left, right):
            letter, n = letters.most_common(1)[0] if letters else ("", 0)
            if letter and unicodedata.category(letter) == "Lo" and n >= CUT_SHARE * total:
                return "the same neighbours"
    return None


def no_name(name: str) -> bool:
    """Whether ``name`` is a counted set, a batch, a generic head with a generic modifier (``COUNTED``) or a
    bare head or country (``BARE``)."""
    return bool(COUNTED.match(name)) or name_key(name) in GENERIC_KEYS or name in BARE


def rejected_keys(lexicon: str | Path) -> frozenset[tuple[str, str]]:
    """(label, key) of the candidates a reviewer rejected, from the lexicon folder's ``REJECTED`` file."""
    path = Path(lexicon) / REJECTED
    if not path.is_file():
        return frozenset()
    keys = set()
    for n, record in jsonl.read_jsonl(path):
        if not (isinstance(record.get("label"), str) and isinstance(record.get("key"), str)):
            raise UserError(f"{shown(path)}:{n}: needs 'label' and 'key' strings; fix or delete the line")
        keys.add((record["label"], record["key"]))
    return frozenset(keys)


def read_otherwise(entry: Any, readings: dict[str, Counter]) -> bool:
    """Whether the run labels ``entry``'s key more often otherwise than with the entry's label: the model's
    label is then the exception (冬奥会 is an EVENT 240 times and a PROGRAM 64 times in the 2022-2025 run,
    长江经济带 a LOC 160 times and a PROGRAM 32), and the name a candidate under its usual label, if any."""
    counts = readings.get(entry.key, Counter())
    return any(n > counts[entry.label] for label, n in counts.items() if label != entry.label)


def candidates(entries: Iterable[Any], index: LexiconIndex, rejected: frozenset[tuple[str, str]] = frozenset(),
               readings: dict[str, Counter] | None = None) -> list[Any]:
    """The catalogue entries the lexicon lacks (no variant's key in it), that are names (``no_name``), no
    fragment of a longer name, not rejected in an earlier review and not read otherwise more often
    (``readings``: mentions per label of each key over the whole run), by evidence, then name."""
    entries = list(entries)
    names = sorted({e.name for e in entries} | {s for entry in index.entries for s in entry.surfaces}, key=len, reverse=True)
    totals = {e.name: e.total for e in entries}
    new = [e for e in entries if not e.in_lexicon and not any(index.holds(v) for v in e.variants)
           and (e.label, e.key) not in rejected and not no_name(e.name) and not read_otherwise(e, readings or {})
           and fragment_of(e, names, totals) is None]
    return sorted(new, key=lambda e: (-evidence(e), e.label, e.name))


def review_text(entry: Any, suggestions: list[str]) -> str:
    """What the reviewer reads: the name (first line), its figures and variants, examples, merge targets."""
    variants = "、".join(v for v in sorted(entry.variants, key=lambda v: (-entry.variants[v], v)))
    lines = [entry.name, f"{entry.total} mentions in {len(entry.documents)} documents, {entry.seen()}; written as {variants}"]
    lines += entry.example_lines()
    if suggestions:
        lines.append("merge into: " + " | ".join(suggestions))
    return "\n".join(lines)


def candidate_records(entries: Iterable[Any], index: LexiconIndex, source: str,
                      rejected: frozenset[tuple[str, str]] = frozenset(),
                      readings: dict[str, Counter] | None = None) -> Iterator[dict[str, Any]]:
    """The candidates as records ``doccano push`` sends as they are (export-record fields plus ``candidate``)."""
    for rank, entry in enumerate(candidates(entries, index, rejected, readings), start=1):
        suggestions = index.suggestions(entry.label, entry.name)
        yield {
            "id": f"candidate:{entry.label}:{entry.key}",
            "doc_id": "candidates",
            "kind": KIND,
            "text": review_text(entry, suggestions),
            "entities": [[0, len(entry.name), entry.label]],
            "cats": [],
            "candidate": {
                "rank": rank, "label": entry.label, "name": entry.name, "key": entry.key,
                "evidence": evidence(entry), "mentions": entry.total, "documents": len(entry.documents),
                "periods": len(entry.mentions), "first_seen": entry.first_seen, "last_seen": entry.last_seen,
                "variants": dict(sorted(entry.variants.items(), key=lambda kv: (-kv[1], kv[0]))),
                "suggestions": suggestions, "source": source,
            },
        }


@dataclass
class MergeReport:
    accepted: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    undecided: int = 0
    unconfirmed: int = 0
    known: list[str] = field(default_factory=list)  # accepted, but the lexicon has held them since
    files: list[Path] = field(default_factory=list)


@dataclass
class LexiconFile:
    """A lexicon file's lines as they are, and where each (label, canonical) entry stands."""

    path: Path
    lines: list[str]
    where: dict[tuple[str, str], int]
    changed: bool = False

    @classmethod
    def read(cls, path: Path) -> "LexiconFile":
        if not path.is_file():
            return cls(path, [], {})
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        where = {}
        for n, line in enumerate(lines):
            if line.strip():
                record = jsonl.loads_object(line, f"{shown(path)}:{n + 1}")
                where[(record.get("label"), record.get("canonical"))] = n
        return cls(path, lines, where)

    def entry(self, key: tuple[str, str]) -> dict[str, Any]:
        return json.loads(self.lines[self.where[key]])

    def put(self, record: dict[str, Any]) -> None:
        """Replace the line of the record's entry, or append it; in the lexicon's own style (``json.dumps``)."""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        key = (record["label"], record["canonical"])
        if key in self.where:
            self.lines[self.where[key]] = line
        else:
            self.where[key] = len(self.lines)
            self.lines.append(line)
        self.changed = True


def _decision(record: dict[str, Any], where: str) -> str | None:
    """The one review decision of a pulled record (None when the reviewer chose none)."""
    for name, kind in (("text", str), ("entities", list), ("cats", list), ("candidate", dict), ("confirmed_by", list)):
        if not isinstance(record.get(name), kind):
            raise UserError(f"{where}: field '{name}' missing or not a {kind.__name__}; give the file `doccano pull` wrote "
                            "from a project of `catalogue --candidates`")
    if record.get("kind") != KIND:
        raise UserError(f"{where}: field 'kind' is {shown(repr(record.get('kind')))}, not {KIND!r}; this is not a review of candidates")
    for name in ("label", "name", "key", "source"):
        if not isinstance(record["candidate"].get(name), str):
            raise UserError(f"{where}: field 'candidate.{name}' missing or not a string")
    chosen = [c for c in record["cats"] if c in DECISIONS]
    if len(chosen) > 1:
        raise UserError(f"{where}: {len(chosen)} decisions ({', '.join(chosen)}); keep one in doccano and pull again")
    return chosen[0] if chosen else None


def _spans(record: dict[str, Any], where: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The marked names: ``(surface, label)`` on the first line, and the surfaces after it."""
    text, first_line = record["text"], len(record["text"].split("\n", 1)[0])
    names, others = [], []
    for span in record["entities"]:
        if not (isinstance(span, list) and len(span) == 3 and all(type(x) is int for x in span[:2])
                and 0 <= span[0] < span[1] <= len(text) and span[2] in LABELS):
            raise UserError(f"{where}: entity {shown(repr(span))} is not [start, end, label] inside the text with a label "
                            f"among {', '.join(LABELS)}")
        if span[0] < first_line:
            names.append((text[span[0]:min(span[1], first_line)], span[2]))
        else:
            others.append(text[span[0]:span[1]])
    return names, others


def merge_reviewed(pulled: str | Path, lexicon: str | Path, on: str | None = None) -> MergeReport:
    """Add the accepted candidates of a ``doccano pull`` file to the lexicon folder, merged ones as aliases.

    Everything is checked before anything is written; each changed file is replaced atomically."""
    lexicon = Path(lexicon)
    if not lexicon.is_dir():
        raise UserError(f"{shown(lexicon)}: not a lexicon folder; give --lexicon corpus/lexicon")
    on = on or datetime.date.today().isoformat()
    files: dict[str, LexiconFile] = {p.name: LexiconFile.read(p) for p in sorted(lexicon.glob("*.jsonl"))}
    surfaces: dict[str, tuple[str, tuple[str, str]]] = {}  # surface -> (file name, (label, canonical))
    for name, lexicon_file in files.items():
        for key in lexicon_file.where:
            entry = lexicon_file.entry(key)
            for surface in [entry.get("canonical"), *(entry.get("aliases") or [])]:
                if isinstance(surface, str):
                    surfaces.setdefault(surface, (name, key))
    report = MergeReport()
    remembered, rejections = set(rejected_keys(lexicon)), []
    for n, record in jsonl.read_jsonl(pulled, missing="no such file; give the file `doccano pull` wrote"):
        where = f"{shown(pulled)}:{n}"
        decision = _decision(record, where)
        names, others = _spans(record, where)
        candidate = record["candidate"]
        if decision is None:
            report.undecided += 1
            continue
        if not record["confirmed_by"]:
            report.unconfirmed += 1
            continue
        reviewers = ", ".join(record["confirmed_by"])
        if decision == "reject":
            key = (candidate["label"], candidate["key"])
            if key not in remembered:
                remembered.add(key)
                rejections.append({"label": key[0], "name": candidate["name"], "key": key[1], "source": candidate["source"],
                                   "first_seen": candidate.get("first_seen"), "rejected_by": reviewers, "rejected_on": on})
            report.rejected.append(candidate["name"])
            continue
        provenance = {"source": candidate["source"], "first_seen": candidate.get("first_seen"),
                      "accepted_by": reviewers, "accepted_on": on}
        if decision == "accept":
            if len(names) != 1:
                raise UserError(f"{where}: 'accept' needs the name on the first line marked once (found {len(names)}); "
                                "mark it in doccano and pull again")
            label = names[0][1]
            canonical = clean_surface(names[0][0], label)
            if canonical in surfaces:
                report.known.append(canonical)
                continue
            # variants are writings of the name as proposed: once the reviewer cut it (a head, a year, a
            # second plan left out), they would bring back what was cut, so none is taken
            corrected = canonical != clean_surface(candidate["name"], label)
            aliases = [] if corrected else _aliases(candidate, canonical, label, surfaces)
            target = files.setdefault(f"{label.lower()}.jsonl", LexiconFile(lexicon / f"{label.lower()}.jsonl", [], {}))
            target.put({"label": label, "canonical": canonical, "aliases": aliases, **provenance})
            for surface in (canonical, *aliases):
                surfaces[surface] = (target.path.name, (label, canonical))
            report.accepted.append(canonical)
        else:
            targets = [surfaces[s] for s in others if s in surfaces]
            if len(targets) != 1:
                raise UserError(f"{where}: 'merge' needs one lexicon name marked after the first line (found {len(targets)} "
                                "of the lexicon's names); mark the one it belongs to in doccano and pull again")
            file_name, key = targets[0]
            entry = files[file_name].entry(key)
            names_seen = [clean_surface(s, key[0]) for s, _ in names] or [clean_surface(candidate["name"], key[0])]
            new = [a for a in dict.fromkeys(names_seen + _aliases(candidate, "", key[0], surfaces)) if a and a not in surfaces]
            if not new:
                report.known.append(candidate["name"])
                continue
            entry["aliases"] = [*entry.get("aliases", []), *new]
            entry["merged"] = [*entry.get("merged", []), {"aliases": new, **provenance}]
            files[file_name].put(entry)
            for surface in new:
                surfaces[surface] = (file_name, key)
            report.merged.append(f"{'、'.join(new)} -> {key[1]}")
    for lexicon_file in files.values():
        if lexicon_file.changed:
            with atomic_writer(lexicon_file.path) as f:
                f.writelines(lexicon_file.lines)
            report.files.append(lexicon_file.path)
    if rejections:
        path = lexicon / REJECTED
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        old += "\n" if old and not old.endswith("\n") else ""
        with atomic_writer(path) as f:
            f.write(old + "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejections))
        report.files.append(path)
    return report


def _aliases(candidate: dict[str, Any], canonical: str, label: str, surfaces: dict[str, Any]) -> list[str]:
    """The candidate's variants as lexicon surfaces (no quotes), most written first, none held already."""
    variants = candidate.get("variants") if isinstance(candidate.get("variants"), dict) else {}
    cleaned = (clean_surface(v, label) for v in variants if isinstance(v, str))
    return [v for v in dict.fromkeys(cleaned) if v and v != canonical and v not in surfaces]
