"""The reader: decoding, skipped inputs with one line each, JSONL lines, input listing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.read import DocumentReader, annotate_records, check_text, decode, list_inputs
from pipeline.util import UserError

TEXT = "金华市委政法委推进平安建设。"


def test_utf8_with_bom_and_gb18030_decode_to_the_same_text():
    assert decode(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "a.txt") == (TEXT, "utf-8", None)
    text, encoding, warning = decode(TEXT.encode("gb18030"), "b.txt")
    assert (text, encoding) == (TEXT, "gb18030") and "GB18030" in warning


@pytest.mark.parametrize("data, where", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "byte 8"),  # a PNG header
    (TEXT.encode("utf-16"), "byte"),
    (b"\xff\xfe\xfd\x80\x80", "byte 0"),  # neither UTF-8 nor GB18030
])
def test_binary_and_foreign_bytes_are_refused_naming_the_byte(data: bytes, where: str):
    with pytest.raises(UserError, match=rf"^x\.txt: {where}.*convert"):
        decode(data, "x.txt")


@pytest.mark.parametrize("text, problem", [("", "empty"), (" \n\u3000\t\r\n", "only white space")])
def test_nothing_to_annotate(text: str, problem: str):
    with pytest.raises(UserError, match=rf"^p\.txt: {problem}, nothing to annotate"):
        check_text(text, "p.txt")


def test_a_line_too_long_for_spacy_is_named_by_number():
    check_text("短\n" + "长" * 50, "p.txt", max_line_chars=50)
    with pytest.raises(UserError, match=r"^p\.txt: line 3 has 51 characters, over the limit of 50"):
        check_text("短\n\n" + "长" * 51 + "\n短", "p.txt", max_line_chars=50)


def test_folder_reader_skips_bad_files_and_keeps_the_good_ones(tmp_path: Path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_bytes(TEXT.encode("gb18030"))
    (tmp_path / "d.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "notes.md").write_text("not an input", encoding="utf-8")
    reader = DocumentReader(tmp_path)
    docs = list(reader())
    assert [(d["doc_id"], d["text"], d["encoding"]) for d in docs] == [("a", TEXT, "utf-8"), ("sub/c", TEXT, "gb18030")]  # ids: the path below the input folder
    skipped = {Path(s["input"]).name: s["reason"] for s in reader.log.skipped}
    assert set(skipped) == {"b.txt", "d.txt"}
    assert [w["input"] for w in reader.log.warnings] == [str(tmp_path / "sub" / "c.txt")]


def test_input_listing_errors(tmp_path: Path):
    with pytest.raises(UserError, match="does not exist"):
        list_inputs(tmp_path / "missing")
    with pytest.raises(UserError, match="no .txt files"):
        list_inputs(tmp_path)
    (tmp_path / "pages.csv").write_text("a,b", encoding="utf-8")
    with pytest.raises(UserError, match=r"pages\.csv: neither a \.txt page nor a \.jsonl file"):
        list_inputs(tmp_path / "pages.csv")


BAD_LINES = {
    2: (b'{"id": "x", "text": "\xe6\x9c', "not UTF-8"),
    3: (b'{"id": "y", "text": ', "not valid JSON"),
    4: (b'["a list"]', "not an object"),
    5: (b'{"id": "z"}', "no field 'text'"),
    6: (b'{"id": "w", "text": 42}', "field 'text' is a JSON number, not a string"),
    7: (b'{"id": ["v"], "text": "abc"}', "field 'id' is a JSON array"),
    8: (b'{"id": "u", "text": "\\ud800abc"}', "lone surrogate"),
    9: (b'{"id": "a", "text": "dup"}', "duplicate id 'a'"),
}


def _jsonl(tmp_path: Path) -> Path:
    lines = [json.dumps({"id": "a", "text": TEXT}, ensure_ascii=False).encode()] + [raw for raw, _ in BAD_LINES.values()]
    lines += [b"", json.dumps({"text": "无编号。"}, ensure_ascii=False).encode(), json.dumps({"id": 7, "text": " "}).encode()]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_jsonl_reader_skips_each_bad_line_naming_it(tmp_path: Path):
    path = _jsonl(tmp_path)
    reader = DocumentReader(path)
    docs = list(reader())
    assert [(d["doc_id"], d["text"]) for d in docs] == [("a", TEXT), ("in-11", "无编号。")]
    reasons = {s["input"]: s["reason"] for s in reader.log.skipped}
    for n, (_, problem) in BAD_LINES.items():
        assert problem in reasons.pop(f"{path}:{n}")
    assert "only white space" in reasons.pop(f"{path}:12")
    assert not reasons


def test_annotate_rejects_the_whole_file_at_its_first_bad_line(tmp_path: Path):
    path = _jsonl(tmp_path)
    with pytest.raises(UserError, match=rf"^{path}:2: byte \d+: not UTF-8"):
        list(annotate_records(path))
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": 3, "text": ""}\n{"text": "abc"}\n', encoding="utf-8")
    assert [(r["id"], r["text"]) for r in annotate_records(good)] == [(3, ""), ("good-2", "abc")]
    with pytest.raises(UserError, match="over spaCy's limit of 2"):
        list(annotate_records(good, max_chars=2))


def test_jsonl_without_lines_is_skipped(tmp_path: Path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    reader = DocumentReader(path)
    assert list(reader()) == []
    assert [s["reason"] for s in reader.log.skipped] == [f"{path}: no JSON lines, nothing to annotate; give one {{\"id\": ..., \"text\": \"...\"}} per line"]


def test_a_whole_gb18030_page_is_read_and_a_damaged_utf8_page_is_not_taken_for_one():
    page = (Path(__file__).parent.parent / "seeds" / "000_fe018ba71f599853.txt").read_text(encoding="utf-8")
    assert decode(page.encode("gb18030"), "gb.txt")[:2] == (page, "gb18030")
    damaged = bytearray(page.encode("utf-8"))
    damaged[len(damaged) // 2] = 0xFF
    with pytest.raises(UserError, match=r"^u\.txt: byte \d+: invalid UTF-8 in an otherwise UTF-8 file"):
        decode(bytes(damaged), "u.txt")
