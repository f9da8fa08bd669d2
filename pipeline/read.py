"""Stage 1: read raw documents from a folder of ``.txt`` files or a JSONL file.

Every document is decoded as UTF-8 (with or without BOM); a file that is not UTF-8 but is valid
GB18030 is decoded as such with a warning; anything else (binary files, other encodings) is skipped
with one line naming the file and the byte offset, and the run goes on with the other files. So are
empty files and files with a line too long to be a paragraph (``max_line_chars``).

A JSONL input (``.jsonl``, or gzipped ``.jsonl.gz``) holds one ``{"id": ..., "text": "..."}`` object per
line and must be UTF-8, as JSON is; a story record ``{"id", "date", "title", "paragraphs": [...]}`` (the
新闻联播 files of ``../shared/data/unlabelled/xinwenlianbo``) is one document whose paragraphs the source
already separates, so the cleaner keeps them as they are. ``run`` skips a bad line (with one line naming
it) and goes on; ``annotate`` promises one output line per input line, so it rejects the whole file at
its first bad line (``annotate_records``).

Dates: a document's date is, in this order, its JSONL ``date`` field, a date in its file name
(``20250105`` or ``2025-01-05``), a dateline with a year the cleaner's ``dateline`` finds at the top of
the page (本报北京2025年1月5日电), else ``[reader] date`` (``--reader.date``) when given; dates are
written ISO ``YYYY-MM-DD``. Nothing is guessed: a dateline without a year (本报北京1月5日电) leaves the
document undated, and the manifest counts dated and undated documents and why.
"""
from __future__ import annotations

import datetime
import gzip
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from spacy.util import registry

from . import jsonl
from .clean import dateline
from .util import UserError, sha256_bytes, shown

MAX_CONTROL_RATIO = 0.01
# spaCy's own nlp.max_length: a longer text is refused by the tokenizer (error E088).
MAX_LINE_CHARS = 1_000_000
SUFFIXES = (".txt", ".jsonl", ".jsonl.gz")
# The date forms a JSONL ``date`` field or ``--reader.date`` may take; all are written ISO YYYY-MM-DD.
DATE_FORMS = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2})|年(\d{1,2})月(\d{1,2})日)")
# A date in a file name: 20250105 or 2025-01-05 (years 1900-2099), not inside a longer run of digits.
NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(-?)(\d{2})\2(\d{2})(?!\d)")
# Generated unit ids are DOC:aN:pM (DOC:aN for articles); a document id never holds the separator, so no
# explicit id (a JSONL "id", a file name) can take the shape of another document's unit ids.
ID_SEPARATOR = ":"


@dataclass
class ReadLog:
    """What the reader skipped or warned about, for the manifest."""

    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    # Where each document's date came from (field, file_name, dateline, config), or why it has none
    # (undated, dateline_without_year).
    dates: Counter = field(default_factory=Counter)

    def skip(self, where: str, reason: str) -> None:
        self.skipped.append({"input": where, "reason": reason})

    def warn(self, where: str, message: str) -> None:
        self.warnings.append({"input": where, "message": message})

    def date_counts(self) -> dict[str, Any]:
        """Dated and undated documents, and the count of each source or reason, for the manifest."""
        undated = self.dates["undated"] + self.dates["dateline_without_year"]
        return {"dated": sum(self.dates.values()) - undated, "undated": undated, "by_source": dict(sorted(self.dates.items()))}


def normalise_date(value: Any, where: str) -> str:
    """A date as ISO ``YYYY-MM-DD``, from ``2025-01-05``, ``2025/1/5``, ``2025.01.05``, ``20250105`` or
    ``2025年1月5日``; ``UserError`` naming ``where`` for anything else or a day that does not exist."""
    match = DATE_FORMS.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise UserError(f"{where}: {shown(repr(value))} is not a date; write YYYY-MM-DD (or leave the field out for an undated document)")
    year, _, *rest = match.groups()
    month, day = next((int(m), int(d)) for m, d in zip(rest[::2], rest[1::2]) if m is not None)
    try:
        return datetime.date(int(year), month, day).isoformat()
    except ValueError as error:
        raise UserError(f"{where}: {shown(repr(value))} is not a date ({error}); write YYYY-MM-DD") from None


def name_date(name: str) -> str | None:
    """The date a file name (or a folder of the path) holds, innermost first: ``p1-20250105.txt`` ->
    ``2025-01-05``; None when none of its parts holds a valid one."""
    for part in reversed(Path(name).parts):
        for match in NAME_DATE.finditer(part):
            try:
                return datetime.date(int(match[1]), int(match[3]), int(match[4])).isoformat()
            except ValueError:
                continue
    return None


def file_date(path: Path, root: Path | None) -> str | None:
    """The date in the file's path below the input folder ``root`` (its name alone for a single file)."""
    relative = path.relative_to(root) if root is not None and root.is_dir() else Path(path.name)
    return name_date(relative.as_posix())


def date_document(document: dict[str, Any], own: str | None, source: str, default: str | None, log: ReadLog) -> dict[str, Any]:
    """Give ``document`` its ``date`` and ``date_source``: ``own`` (from ``source``), else a dateline with a
    year at the top of its text, else ``default`` (``[reader] date``); count where it came from in ``log``."""
    reason = "undated"
    if own is None:
        found = dateline(document["text"])
        if found is not None and found[0] is not None:
            own, source = found[0], "dateline"
        elif found is not None:
            reason = "dateline_without_year"
    if own is None and default is not None:
        own, source = default, "config"
    document["date"], document["date_source"] = own, source if own else reason
    log.dates[document["date_source"]] += 1
    return document


def decode(data: bytes, name: str) -> tuple[str, str, str | None]:
    """Decode bytes as UTF-8 or GB18030: ``(text, encoding, warning)``; ``UserError`` if neither."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UserError(f"{name}: byte {nul}: NUL byte, this is a binary file (or UTF-16), not text; convert it to UTF-8")
    try:
        return data.decode("utf-8-sig"), "utf-8", None
    except UnicodeDecodeError as utf8_error:
        if _mostly_utf8(data):
            raise UserError(f"{name}: byte {utf8_error.start}: invalid UTF-8 in an otherwise UTF-8 file (damaged or cut short); "
                            "repair or export it again") from None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise UserError(
                f"{name}: byte {utf8_error.start}: not valid UTF-8 (nor GB18030); convert the file to UTF-8"
            ) from None
        if _control_ratio(text) > MAX_CONTROL_RATIO:
            raise UserError(f"{name}: byte {utf8_error.start}: not valid UTF-8 and not plausible GB18030 text; convert the file to UTF-8")
        return text, "gb18030", f"not UTF-8 (first bad byte at {utf8_error.start}); decoded as GB18030"


def _mostly_utf8(data: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 are still UTF-8 text with a few bad bytes: far more
    well-formed multi-byte characters than bad sequences (in GB18030 text, most pairs are bad).
    Decoding such a file as GB18030 could succeed, and give nonsense."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii - bad > 10 * bad


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Co", "Cn") and c not in "\t\n\r\f")
    return controls / len(text)


def escape_id(name: str) -> str:
    """A document id that holds no id separator: ``%`` and ``:`` written as ``%25`` and ``%3A`` (one-to-one,
    and ids without them, such as every seed page's, stay as they are)."""
    return name.replace("%", "%25").replace(ID_SEPARATOR, "%3A")


def path_id(path: Path, root: Path) -> str:
    """The document id of a page: its path below the input folder without the ``.txt`` suffix (``sub/a``
    for ``sub/a.txt``; ``a`` for a page at the top or a single page given alone), escaped."""
    relative = path.relative_to(root) if root.is_dir() else Path(path.name)
    return escape_id(relative.with_suffix("").as_posix())


def _has_content(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (of any script): something to annotate."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def check_text(text: str, name: str, max_line_chars: int = MAX_LINE_CHARS) -> None:
    """``UserError`` if ``text`` has nothing to annotate or a line longer than ``max_line_chars``."""
    if not text.strip():
        raise UserError(f"{name}: {'empty' if not text else 'only white space'}, nothing to annotate; remove it or fill it")
    if not _has_content(text):
        raise UserError(f"{name}: only punctuation, symbols or invisible characters (no letter or digit), nothing to "
                        "annotate; remove it or fill it")
    if len(text) <= max_line_chars:
        return
    for number, line in enumerate(text.splitlines(), start=1):  # the lines the cleaner will see
        if len(line) > max_line_chars:
            raise UserError(
                f"{name}: line {number} has {len(line):,} characters, over the limit of {max_line_chars:,} "
                "([reader] max_line_chars); this is not text with one paragraph per line: break it into lines"
            )


def input_suffix(path: Path) -> str | None:
    """``.txt``, ``.jsonl`` or ``.jsonl.gz`` (in any case: .TXT from some systems), else None."""
    name = path.name.lower()
    return next((suffix for suffix in SUFFIXES if name.endswith(suffix)), None)


def is_jsonl(path: Path) -> bool:
    return input_suffix(path) in (".jsonl", ".jsonl.gz")


def open_lines(path: Path) -> Any:
    """The file as binary lines, gunzipped on the fly for ``.jsonl.gz``."""
    return gzip.open(path, "rb") if input_suffix(path) == ".jsonl.gz" else path.open("rb")


def list_inputs(path: Path) -> list[Path]:
    """The input files: one ``.txt`` page or JSONL file, or the ``.txt``, ``.jsonl`` and ``.jsonl.gz`` files below a folder."""
    if not path.exists():
        raise UserError(f"{shown(path)}: input path does not exist; check [paths] input in the config or the path you gave")
    if path.is_file():
        if input_suffix(path) is None:
            raise UserError(f"{shown(path)}: neither a .txt page nor a .jsonl file (nor .jsonl.gz); rename it or give a folder of .txt pages")
        return [path]
    # sorted by path, so the order does not depend on the file system
    files = sorted(p for p in path.rglob("*") if input_suffix(p) and p.is_file())
    if not files:
        raise UserError(f"{shown(path)}: folder has no .txt files (nor .jsonl, .jsonl.gz); point [paths] input at a folder of "
                        ".txt pages or a .jsonl file")
    return files


def _read_text_file(path: Path, log: ReadLog, max_line_chars: int, root: Path | None = None,
                    seen: dict[str, Path] | None = None, default_date: str | None = None) -> Iterator[dict[str, Any]]:
    name = shown(path)
    doc = path_id(path, root or path)
    if seen is not None and doc in seen:
        log.skip(str(path), f"{name}: its id '{shown(doc)}' is that of {shown(seen[doc])} (ids are the path without "
                            ".txt); rename one of them")
        return
    try:
        data = path.read_bytes()
        text, encoding, warning = decode(data, name)
        check_text(text, name, max_line_chars)
    except OSError as error:
        log.skip(str(path), f"{name}: cannot be read ({error.strerror}); check its permissions")
        return
    except UserError as error:
        log.skip(str(path), str(error))
        return
    if warning:
        log.warn(str(path), warning)
    if seen is not None:
        seen[doc] = path
    document = {"doc_id": doc, "path": path.as_posix(), "sha256": sha256_bytes(data), "encoding": encoding, "text": text}
    yield date_document(document, file_date(path, root), "file_name", default_date, log)


def parse_jsonl_line(raw: bytes, where: str) -> dict[str, Any]:
    """One JSONL line as a record with a string ``text`` and a string or integer ``id`` (if any)."""
    try:
        record = jsonl.loads(raw.decode("utf-8-sig"), where)
    except UnicodeDecodeError as error:
        raise UserError(f"{where}: byte {error.start}: not UTF-8; JSONL files must be UTF-8, convert the file") from None
    if not isinstance(record, dict):
        raise UserError(f"{where}: a JSON {_json_type(record)}, not an object; each line must be {{\"id\": ..., \"text\": \"...\"}}")
    if "text" not in record and "paragraphs" in record:
        record["text"], record["paragraphs"] = story_text(record, where)
    if "text" not in record:
        raise UserError(f"{where}: no field 'text'; each line must be {{\"id\": ..., \"text\": \"...\"}}")
    if not isinstance(record["text"], str):
        raise UserError(f"{where}: field 'text' is a JSON {_json_type(record['text'])}, not a string; quote the text")
    if "id" in record and (isinstance(record["id"], bool) or not isinstance(record["id"], (str, int))):
        raise UserError(f"{where}: field 'id' is a JSON {_json_type(record['id'])}; give a string or an integer")
    try:
        record["text"].encode("utf-8")
    except UnicodeEncodeError as error:
        raise UserError(f"{where}: field 'text' has a lone surrogate escape at character {error.start}; "
                        "fix the \\ud800-\\udfff escape (it is not a character)") from None
    return record


def story_text(record: dict[str, Any], where: str) -> tuple[str, list[list[Any]]]:
    """The text of a story record (title, then each paragraph, one a line) and its paragraphs as
    ``[start, end, kind]`` spans of that text (the title a ``headline``)."""
    paragraphs, title = record["paragraphs"], record.get("title")
    if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
        raise UserError(f"{where}: field 'paragraphs' must be an array of strings")
    if title is not None and not isinstance(title, str):
        raise UserError(f"{where}: field 'title' is a JSON {_json_type(title)}, not a string")
    parts = [("headline", title)] if title and title.strip() else []
    parts += [("body", p) for p in paragraphs if p.strip()]
    spans, pos = [], 0
    for kind, part in parts:
        start = pos + len(part) - len(part.lstrip())
        spans.append([start, pos + len(part.rstrip()), kind])
        pos += len(part) + 1
    return "\n".join(part for _, part in parts), spans


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", list: "array", dict: "object", type(None): "null"}.get(
        type(value), type(value).__name__)


def doc_id(record: dict[str, Any], path: Path, n: int) -> str:
    """The record's ``id`` as a string; ``STEM-N`` for line N of a file without ids."""
    return str(record.get("id", f"{path.stem}-{n}"))


def jsonl_records(path: Path, log: ReadLog | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for every non-blank line; ids must be unique.

    With a ``log``, a bad line is logged and skipped; without one, it raises ``UserError``."""
    seen: set[str] = set()
    with open_lines(path) as f:
        for n, raw in enumerate(f, start=1):
            where = f"{shown(path)}:{n}"
            if not raw.strip():
                continue
            try:
                record = parse_jsonl_line(raw, where)
                key = doc_id(record, path, n)
                if key in seen:
                    raise UserError(f"{where}: duplicate id {key!r}; ids must be unique, rename one")
                seen.add(key)
            except UserError as error:
                if log is None:
                    raise
                log.skip(where, str(error))
                continue
            yield n, record


def _read_jsonl(path: Path, log: ReadLog, max_line_chars: int, default_date: str | None = None,
                root: Path | None = None) -> Iterator[dict[str, Any]]:
    date_in_name = file_date(path, root)
    with open_lines(path) as f:
        if not any(raw.strip() for raw in f):  # stops at the first line with something on it
            log.skip(str(path), f"{shown(path)}: no JSON lines, nothing to annotate; give one {{\"id\": ..., \"text\": \"...\"}} per line")
            return
    for n, record in jsonl_records(path, log):
        where = f"{shown(path)}:{n}"
        try:
            check_text(record["text"], f"{where}: field 'text'", max_line_chars)
            own = None if record.get("date") is None else normalise_date(record["date"], f"{where}: field 'date'")
        except UserError as error:
            log.skip(where, str(error))
            continue
        document = {
            "doc_id": escape_id(doc_id(record, path, n)),
            "path": f"{path.as_posix()}#L{n}",
            "sha256": sha256_bytes(record["text"].encode("utf-8")),
            "encoding": "utf-8",
            "text": record["text"],
        }
        if "paragraphs" in record:
            document["paragraphs"] = record["paragraphs"]
        yield date_document(document, own or date_in_name, "field" if own else "file_name", default_date, log)


@dataclass
class DocumentReader:
    """Reads the documents below ``path``; ``log`` collects what was skipped."""

    path: Path
    max_line_chars: int = MAX_LINE_CHARS
    date: str | None = None
    log: ReadLog = field(default_factory=ReadLog)

    def __post_init__(self) -> None:
        if self.date is not None:
            self.date = normalise_date(self.date, "[reader] date")

    def files(self) -> list[Path]:
        return list_inputs(self.path)

    def __call__(self) -> Iterator[dict[str, Any]]:
        seen: dict[str, Path] = {}  # document id -> page: two pages must not give the same unit ids
        for file in self.files():
            if is_jsonl(file):
                yield from _read_jsonl(file, self.log, self.max_line_chars, self.date, self.path)
            else:
                yield from _read_text_file(file, self.log, self.max_line_chars, self.path, seen, self.date)


@registry.readers("pipeline.documents.v1")
def documents(path: Path, max_line_chars: int = MAX_LINE_CHARS, date: Optional[str] = None) -> DocumentReader:
    """Raw documents from a folder of .txt, .jsonl and .jsonl.gz files, one .txt file, or a JSONL file of
    ``{"id", "text"}`` (or story records with ``paragraphs``).

    A document with a line longer than ``max_line_chars`` is skipped: no paragraph is that long.
    ``date`` (``--reader.date 2025-01-05``) dates every document that has no date of its own."""
    return DocumentReader(Path(path), max_line_chars, date)


def annotate_records(path: Path, max_chars: int = MAX_LINE_CHARS) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file for ``annotate``, each with an ``id`` (``STEM-N`` if it had none).

    All or nothing: the first bad line raises ``UserError``, since the output promises one line per
    input line; a text longer than ``max_chars`` is refused, as spaCy's tokenizer would refuse it."""
    for n, record in jsonl_records(path):
        if len(record["text"]) > max_chars:
            raise UserError(f"{shown(path)}:{n}: field 'text' has {len(record['text']):,} characters, over spaCy's "
                            f"limit of {max_chars:,}; split it into several lines")
        record.setdefault("id", doc_id(record, path, n))
        yield record
