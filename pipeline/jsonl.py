"""Reading JSONL: one parser (the standard library's ``json``) and one wording for a bad line, used by
every reader of JSONL in the project (input pages, gold, stand-off, lexicon, pools, topic data,
reports, doccano).

The parser reads every number exactly: srsly's (ujson) rounds floats (``0.8765432101234567`` comes
back ``0.876543210123456``, so a pushed ``cat_scores`` came back from doccano changed) and refuses
integers beyond 64 bits, which are valid JSON. ``NaN`` and ``Infinity``, which ``json`` would take,
are refused: they are not JSON.

A bad line is one line naming the file and the line: ``FILE:N: not valid JSON (...); fix or remove
the line``, with the file name escaped as ``util.shown`` does. Lines are split on ``\\n`` only
(``str.splitlines`` would also cut a text at U+2028 and the like), and blank lines are skipped.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from .util import UserError, shown


def loads(line: str | bytes, where: str) -> Any:
    """One JSON value; ``UserError`` naming ``where`` (``FILE:N``) when the line is not JSON."""
    try:
        return json.loads(line, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise UserError(f"{where}: not valid JSON ({error.msg}, column {error.colno}); fix or remove the line") from None
    except ValueError as error:  # NaN or Infinity; bytes that are not UTF-8
        raise UserError(f"{where}: not valid JSON ({error}); fix or remove the line") from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def loads_object(line: str | bytes, where: str) -> dict[str, Any]:
    """One JSON object (a JSONL record); any other JSON value is a ``UserError`` naming ``where``."""
    value = loads(line, where)
    if not isinstance(value, dict):
        raise UserError(f"{where}: not a JSON object; each line must be one {{...}} record")
    return value


def parse_lines(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` of every non-blank line of ``lines`` (the lines of ``name``, as messages show it)."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, loads_object(line, f"{name}:{number}")


def read_jsonl(path: str | Path, *, missing: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` of every non-blank line of a UTF-8 JSONL file, read as it goes.

    ``missing`` is the message of the ``UserError`` raised when there is no such file (it is
    prefixed with the path); without it, ``FILE: no such file``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{shown(path)}: {missing or 'no such file'}")
    with path.open(encoding="utf-8", newline="\n") as handle:
        yield from parse_lines(handle, shown(path))


def records(path: str | Path, *, missing: str | None = None) -> list[dict[str, Any]]:
    """Every record of a JSONL file (``read_jsonl`` without the line numbers)."""
    return [record for _, record in read_jsonl(path, missing=missing)]


def first_record(path: str | Path) -> dict[str, Any]:
    """The first record of a JSONL file (``{}`` when it has none): to tell file formats apart."""
    return next((record for _, record in read_jsonl(path)), {})
