"""Stand-off gold annotations over ../shared/data, resolved to export-format records.

A stand-off line is ``{"id", "file", "line", "text_sha256", "entities", "cats", "split"}``:
``file`` is relative to the data directory, ``line`` is 1-based, and the text is that line with
spaces and the bracket marks ``[`` ``]`` of compound entities removed. A paragraph of a story file
(``unlabelled/xinwenlianbo/YYYY.jsonl.gz``, one story a line) is named by ``story`` (its id) and
``paragraph`` (0-based index in its ``paragraphs``) instead of ``line``, and also carries the story's
``date``. No corpus text is stored.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import jsonl
from .paths import SHARED_DATA, STANDOFF
from .util import UserError, sha256_text


def resolve_line(raw: str) -> str:
    """Turn a segmented corpus line into plain text: drop spaces, bracket marks and the line end."""
    return raw.rstrip("\r\n").replace(" ", "").replace("[", "").replace("]", "")


@lru_cache(maxsize=16)
def _file_lines(path: Path) -> tuple[str, ...]:
    """The lines of one corpus file, read once."""
    return tuple(path.read_text(encoding="utf-8").split("\n"))


def source_text(data_dir: Path, file: str, line: int) -> str:
    """The resolved text of ``file`` line ``line`` (1-based) under ``data_dir``."""
    path = Path(data_dir) / file
    if not path.is_file():
        raise UserError(f"stand-off source missing: {path} (is ../shared/data present?)")
    lines = _file_lines(path.resolve())
    if not 1 <= line <= len(lines):
        raise UserError(f"stand-off source {file} has no line {line}")
    return resolve_line(lines[line - 1])


@lru_cache(maxsize=8)
def _story_paragraphs(path: Path) -> dict[str, tuple[str, ...]]:
    """The paragraphs of every story of one story file (JSONL, gzipped or not), by story id, read once."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return {story["id"]: tuple(story["paragraphs"]) for story in map(json.loads, handle)}


def story_paragraph(data_dir: Path, file: str, story: str, paragraph: int) -> str:
    """Paragraph ``paragraph`` (0-based) of story ``story`` in the story file ``file`` under ``data_dir``."""
    path = Path(data_dir) / file
    if not path.is_file():
        raise UserError(f"stand-off source missing: {path} (is ../shared/data present?)")
    paragraphs = _story_paragraphs(path.resolve()).get(story)
    if paragraphs is None or not 0 <= paragraph < len(paragraphs):
        raise UserError(f"stand-off source {file} has no paragraph {paragraph} in story {story}")
    return paragraphs[paragraph]


def read_standoff(path: Path) -> Iterator[dict]:
    """Parse the stand-off JSONL file, one record per non-empty line."""
    for _, record in jsonl.read_jsonl(path, missing="stand-off file not found"):
        yield record


def resolve_record(record: dict, data_dir: Path) -> dict:
    """Attach the source text to one stand-off record, checking its hash."""
    if "story" in record:
        text = story_paragraph(data_dir, record["file"], record["story"], record["paragraph"])
        where = {"story": record["story"], "paragraph": record["paragraph"], "date": record["date"]}
    else:
        text = source_text(data_dir, record["file"], record["line"])
        where = {"line": record["line"]}
    if sha256_text(text) != record["text_sha256"]:
        raise UserError(f"stand-off record {record['id']}: text hash mismatch for {record['file']} "
                        + " ".join(f"{key} {value}" for key, value in where.items()))
    return {
        "id": record["id"],
        "text": text,
        "entities": [list(span) for span in record["entities"]],
        "cats": list(record["cats"]),
        "split": record.get("split", "train"),
        "source": {"file": record["file"], **where, "sha256": record["text_sha256"]},
    }


def resolve_standoff(path: Path = STANDOFF, data_dir: Path | None = None) -> Iterator[dict]:
    """Yield export-format records (``id``, ``text``, ``entities``, ``cats``, ``split``, ``source``)."""
    data_dir = Path(data_dir) if data_dir is not None else SHARED_DATA
    for record in read_standoff(path):
        yield resolve_record(record, data_dir)


def split_for(record_id: str, heldout_share: float = 0.32) -> str:
    """Stable train/heldout assignment from a hash of the record id."""
    bucket = int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "heldout" if bucket < heldout_share else "train"
