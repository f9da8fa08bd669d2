"""Stage 1: read raw documents from a folder of ``.txt`` files or a JSONL file.

Every document is decoded as UTF-8 (with or without BOM); a file that is not UTF-8 but is valid
GB18030 is decoded as such with a warning; anything else (binary files, other encodings) is skipped
with one line naming the file and the byte offset, and the run goes on with the other files. So are
empty files and files with a line too long to be a paragraph (``max_line_chars``).

A JSONL input holds one ``{"id": ..., "text": "..."}`` object per line and must be UTF-8, as JSON is.
``run`` skips a bad line (with one line naming it) and goes on; ``annotate`` promises one output line
per input line, so it rejects the whole file at its first bad line (``annotate_records``).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from spacy.util import registry

from . import jsonl
from .util import UserError, sha256_bytes, shown

MAX_CONTROL_RATIO = 0.01
# spaCy's own nlp.max_length: a longer text is refused by the tokenizer (error E088).
MAX_LINE_CHARS = 1_000_000
SUFFIXES = (".txt", ".jsonl")
# Generated unit ids are DOC:aN:pM (DOC:aN for articles); a document id never holds the separator, so no
# explicit id (a JSONL "id", a file name) can take the shape of another document's unit ids.
ID_SEPARATOR = ":"


@dataclass
class ReadLog:
    """What the reader skipped or warned about, for the manifest."""

    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        self.skipped.append({"input": where, "reason": reason})

    def warn(self, where: str, message: str) -> None:
        self.warnings.append({"input": where, "message": message})


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


def list_inputs(path: Path) -> list[Path]:
    """The input files: a JSONL file, one ``.txt`` file, or the ``.txt`` files below a folder."""
    if not path.exists():
        raise UserError(f"{shown(path)}: input path does not exist; check [paths] input in the config or the path you gave")
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise UserError(f"{shown(path)}: neither a .txt page nor a .jsonl file; rename it or give a folder of .txt pages")
        return [path]
    # .txt in any case (.TXT from some systems); sorted by path, so the order does not depend on the file system
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
    if not files:
        raise UserError(f"{shown(path)}: folder has no .txt files; point [paths] input at a folder of .txt pages or a .jsonl file")
    return files


def _read_text_file(path: Path, log: ReadLog, max_line_chars: int, root: Path | None = None,
                    seen: dict[str, Path] | None = None) -> Iterator[dict[str, Any]]:
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
    yield {"doc_id": doc, "path": path.as_posix(), "sha256": sha256_bytes(data), "encoding": encoding, "text": text}


def parse_jsonl_line(raw: bytes, where: str) -> dict[str, Any]:
    """One JSONL line as a record with a string ``text`` and a string or integer ``id`` (if any)."""
    try:
        record = jsonl.loads(raw.decode("utf-8-sig"), where)
    except UnicodeDecodeError as error:
        raise UserError(f"{where}: byte {error.start}: not UTF-8; JSONL files must be UTF-8, convert the file") from None
    if not isinstance(record, dict):
        raise UserError(f"{where}: a JSON {_json_type(record)}, not an object; each line must be {{\"id\": ..., \"text\": \"...\"}}")
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
    with path.open("rb") as f:
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


def _read_jsonl(path: Path, log: ReadLog, max_line_chars: int) -> Iterator[dict[str, Any]]:
    with path.open("rb") as f:
        if not any(raw.strip() for raw in f):  # stops at the first line with something on it
            log.skip(str(path), f"{shown(path)}: no JSON lines, nothing to annotate; give one {{\"id\": ..., \"text\": \"...\"}} per line")
            return
    for n, record in jsonl_records(path, log):
        where = f"{shown(path)}:{n}"
        try:
            check_text(record["text"], f"{where}: field 'text'", max_line_chars)
        except UserError as error:
            log.skip(where, str(error))
            continue
        yield {
            "doc_id": escape_id(doc_id(record, path, n)),
            "path": f"{path.as_posix()}#L{n}",
            "sha256": sha256_bytes(record["text"].encode("utf-8")),
            "encoding": "utf-8",
            "text": record["text"],
        }


@dataclass
class DocumentReader:
    """Reads the documents below ``path``; ``log`` collects what was skipped."""

    path: Path
    max_line_chars: int = MAX_LINE_CHARS
    log: ReadLog = field(default_factory=ReadLog)

    def files(self) -> list[Path]:
        return list_inputs(self.path)

    def __call__(self) -> Iterator[dict[str, Any]]:
        seen: dict[str, Path] = {}  # document id -> page: two pages must not give the same unit ids
        for file in self.files():
            if file.suffix.lower() == ".jsonl":
                yield from _read_jsonl(file, self.log, self.max_line_chars)
            else:
                yield from _read_text_file(file, self.log, self.max_line_chars, self.path, seen)


@registry.readers("pipeline.documents.v1")
def documents(path: Path, max_line_chars: int = MAX_LINE_CHARS) -> DocumentReader:
    """Raw documents from a folder of .txt files, one .txt file, or a JSONL file of ``{"id", "text"}``.

    A document with a line longer than ``max_line_chars`` is skipped: no paragraph is that long."""
    return DocumentReader(Path(path), max_line_chars)


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
