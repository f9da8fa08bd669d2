"""Stage 1: read raw documents from a folder of ``.txt`` files or a JSONL file.

Every document is decoded as UTF-8 (with or without BOM); a file that is not UTF-8 but is valid
GB18030 is decoded as such with a warning; anything else (binary files, other encodings) is skipped
with one line naming the file and the byte offset, and the run goes on with the other files.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from spacy.util import registry

from .util import UserError, sha256_bytes

MAX_CONTROL_RATIO = 0.01


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
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise UserError(
                f"{name}: byte {utf8_error.start}: not valid UTF-8 (nor GB18030); convert the file to UTF-8"
            ) from None
        if _control_ratio(text) > MAX_CONTROL_RATIO:
            raise UserError(f"{name}: byte {utf8_error.start}: not valid UTF-8 and not plausible GB18030 text; convert the file to UTF-8")
        return text, "gb18030", f"not UTF-8 (first bad byte at {utf8_error.start}); decoded as GB18030"


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Co", "Cn") and c not in "\t\n\r\f")
    return controls / len(text)


def list_inputs(path: Path) -> list[Path]:
    """The input files: a JSONL file, one ``.txt`` file, or the ``.txt`` files below a folder."""
    if not path.exists():
        raise UserError(f"{path}: input path does not exist; check [paths] input in the config or the path you gave")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not files:
        raise UserError(f"{path}: folder has no .txt files; point [paths] input at a folder of .txt pages or a .jsonl file")
    return files


def _read_text_file(path: Path, log: ReadLog) -> Iterator[dict[str, Any]]:
    data = path.read_bytes()
    try:
        text, encoding, warning = decode(data, str(path))
    except UserError as error:
        log.skip(str(path), str(error))
        return
    if not text.strip():
        log.skip(str(path), f"{path}: empty file (no text); nothing to annotate")
        return
    if warning:
        log.warn(str(path), warning)
    yield {"doc_id": path.stem, "path": path.as_posix(), "sha256": sha256_bytes(data), "encoding": encoding, "text": text}


def _read_jsonl(path: Path, log: ReadLog) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            where = f"{path}:{n}"
            if not raw.strip():
                continue
            try:
                line, _, _ = decode(raw, where)
                record = json.loads(line)
            except (UserError, json.JSONDecodeError) as error:
                log.skip(where, f"{where}: not a JSON object ({error}); fix or remove the line")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                log.skip(where, f"{where}: field 'text' missing or not a string; every line needs {{\"id\": ..., \"text\": \"...\"}}")
                continue
            doc_id = str(record.get("id", f"{path.stem}-{n}"))
            if doc_id in seen:
                log.skip(where, f"{where}: duplicate id {doc_id!r}; ids must be unique")
                continue
            seen.add(doc_id)
            yield {
                "doc_id": doc_id,
                "path": f"{path.as_posix()}#L{n}",
                "sha256": sha256_bytes(record["text"].encode("utf-8")),
                "encoding": "utf-8",
                "text": record["text"],
            }


@dataclass
class DocumentReader:
    """Reads the documents below ``path``; ``log`` collects what was skipped."""

    path: Path
    log: ReadLog = field(default_factory=ReadLog)

    def files(self) -> list[Path]:
        return list_inputs(self.path)

    def __call__(self) -> Iterator[dict[str, Any]]:
        for file in self.files():
            if file.suffix == ".jsonl":
                yield from _read_jsonl(file, self.log)
            else:
                yield from _read_text_file(file, self.log)


@registry.readers("pipeline.documents.v1")
def documents(path: Path) -> DocumentReader:
    """Raw documents from a folder of .txt files, one .txt file, or a JSONL file of ``{"id", "text"}``."""
    return DocumentReader(Path(path))
