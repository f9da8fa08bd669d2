"""One JSONL reader (``pipeline/jsonl.py``) and one wording for a bad line, whichever file is read."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import jsonl
from pipeline.doccano.sync import read_units
from pipeline.entities import load_lexicon
from pipeline.ner.corpora import gold_records
from pipeline.report import read_records
from pipeline.standoff import read_standoff
from pipeline.util import UserError

from helpers import cli


def test_records_come_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n\n  \n{"text": "甲\u2028乙"}\n', encoding="utf-8")
    assert list(jsonl.read_jsonl(path)) == [(1, {"id": 1}), (4, {"text": "甲\u2028乙"})]


def test_numbers_are_read_exactly_and_nan_is_not_json(tmp_path: Path) -> None:
    """Floats come back as written (srsly's parser rounded them: a pushed cat_scores changed on its way
    back from doccano), integers beyond 64 bits are read (an id of a JSONL input may be one)."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": -9223372036854775809, "p": 0.8765432101234567}\n{"id": 18446744073709551616, "p": 0.0034}\n',
                    encoding="utf-8")
    assert jsonl.records(path) == [{"id": -9223372036854775809, "p": 0.8765432101234567},
                                   {"id": 18446744073709551616, "p": 0.0034}]
    for bad in ('{"x": NaN}', '{"x": -Infinity}'):
        with pytest.raises(UserError, match=r"^f:1: not valid JSON \(.*is not JSON\); fix or remove the line$"):
            jsonl.loads(bad, "f:1")


@pytest.mark.parametrize("line, reason", [
    ('{"id": 2, "text": "abc"', "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ("nope", "not valid JSON"),
])
def test_a_bad_line_is_one_line_naming_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(UserError) as error:
        list(jsonl.read_jsonl(path))
    assert str(error.value).startswith(f"{path}:2: {reason}") and "\n" not in str(error.value)


@pytest.mark.parametrize("reader", [jsonl.records, load_lexicon, read_standoff, read_records, read_units, gold_records],
                         ids=["jsonl", "lexicon", "standoff", "report", "doccano", "gold"])
def test_every_reader_words_a_bad_line_alike(tmp_path: Path, reader) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('\n{"id": "b", "text": \n', encoding="utf-8")  # line 1 blank: no reader's own checks come first
    with pytest.raises(UserError, match=rf"^{re.escape(str(path))}:2: not valid JSON \(.+\); fix or remove the line$"):
        list(reader(path))


def test_gold_commands_fail_with_one_line(tmp_path: Path) -> None:
    result = cli("gold", "resync", str(tmp_path / "nope.jsonl"), check=False)
    assert (result.returncode, result.stderr) == (2, f"error: {tmp_path / 'nope.jsonl'}: gold file not found\n")


def test_a_named_pipe_or_device_given_as_output_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    """`--output /dev/null` once turned a machine's /dev/null into a regular file: the atomic rename replaced
    the device node. A pipe (or device) is written through, and stays what it was."""
    import os
    import stat
    import threading

    from pipeline.util import write_jsonl

    pipe = tmp_path / "out.fifo"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    assert write_jsonl(pipe, [{"id": 1, "text": "甲"}, {"id": 2}]) == 2
    reader.join(timeout=10)
    assert received == ['{"id":1,"text":"甲"}\n{"id":2}\n']
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.fifo"]  # no temporary file left beside it
