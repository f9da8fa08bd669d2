"""The reader: decoding, skipped inputs with one line each, JSONL lines, input listing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.read import DocumentReader, annotate_records, check_text, decode, list_inputs, normalise_date
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


# -- dates (issue 17) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, iso", [("2025-01-05", "2025-01-05"), ("2025/1/5", "2025-01-05"), ("20250105", "2025-01-05"),
                                        ("2025.01.05", "2025-01-05"), ("2025年1月5日", "2025-01-05"), (" 2024-02-29 ", "2024-02-29")])
def test_dates_are_normalised_to_iso(value: str, iso: str) -> None:
    assert normalise_date(value, "x") == iso


@pytest.mark.parametrize("value", ["2025-02-30", "2025-1-5-", "5 Jan 2025", "2025-01", 20250105, ""])
def test_a_bad_date_is_one_line_naming_where(value: object) -> None:
    with pytest.raises(UserError, match=r"^f\.jsonl:3: field 'date': .* is not a date"):
        normalise_date(value, "f.jsonl:3: field 'date'")


def test_a_date_from_the_field_the_file_name_or_a_dateline_with_a_year(tmp_path: Path) -> None:
    (tmp_path / "2025-01-05").mkdir()
    (tmp_path / "2025-01-05" / "page.txt").write_text(TEXT, encoding="utf-8")  # the folder's date
    (tmp_path / "p-20250106.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "p-20251306.txt").write_text(TEXT, encoding="utf-8")  # month 13: no date, and no dateline
    (tmp_path / "q.txt").write_text("新华社北京2025年1月7日电 " + TEXT, encoding="utf-8")
    (tmp_path / "r.txt").write_text("本报杭州1月8日电 " + TEXT, encoding="utf-8")  # no year: not guessed
    lines = [{"id": "a", "date": "2025/1/9", "text": TEXT}, {"id": "b", "date": "2025-02-30", "text": TEXT},
             {"id": "c", "text": TEXT}]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    reader = DocumentReader(tmp_path)
    dates = {d["doc_id"]: (d["date"], d["date_source"]) for d in reader()}
    assert dates == {"2025-01-05/page": ("2025-01-05", "file_name"), "p-20250106": ("2025-01-06", "file_name"),
                     "p-20251306": (None, "undated"), "q": ("2025-01-07", "dateline"), "r": (None, "dateline_without_year"),
                     "a": ("2025-01-09", "field"), "c": (None, "undated")}
    assert [s["reason"] for s in reader.log.skipped] == [f"{tmp_path / 's.jsonl'}:2: field 'date': '2025-02-30' is not a date "
                                                         "(day is out of range for month); write YYYY-MM-DD"]
    assert reader.log.date_counts() == {"dated": 4, "undated": 3, "by_source": {
        "dateline": 1, "dateline_without_year": 1, "field": 1, "file_name": 2, "undated": 2}}
    given = DocumentReader(tmp_path, date="2025年3月1日")  # for the documents without a date of their own
    assert {d["doc_id"]: d["date"] for d in given()}["r"] == "2025-03-01"
    with pytest.raises(UserError, match=r"^\[reader\] date: 'soon' is not a date"):
        DocumentReader(tmp_path, date="soon")


def test_story_records_keep_their_paragraphs_from_a_gzipped_file(tmp_path: Path) -> None:
    import gzip

    from pipeline.clean import clean_document

    story = {"id": "xwlb-20250101-s1", "date": "2025-01-01", "title": "标题没有句号", "paragraphs": ["第一段没有句号", " 第二段。"]}
    with gzip.open(tmp_path / "2025.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps(story, ensure_ascii=False) + "\n")
    (doc,) = DocumentReader(tmp_path)()
    units = list(clean_document(doc))
    assert [(u["kind"], u["text"], u["date"]) for u in units] == [
        ("headline", "标题没有句号", "2025-01-01"), ("body", "第一段没有句号", "2025-01-01"), ("body", "第二段。", "2025-01-01")]
    for unit in units:  # the offsets map each paragraph back into the document's text
        (t, s, n), = unit["source"]["offsets"]
        assert doc["text"][s:s + n] == unit["text"] and t == 0
