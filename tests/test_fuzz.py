"""Property-based tests (hypothesis) of the cleaner, the reader and the JSONL export.

"Clean text" is what the cleaner emits: paragraphs. Cleaning is idempotent on it in two senses:

* one paragraph, cleaned again as a page of its own, comes back as that one paragraph, every
  character kept (offsets ``[[0, 0, len]]``);
* a page of such paragraphs, one per line with a blank line between them, comes back as the same
  paragraphs in the same order, provided every paragraph but the last ends a sentence (or with a
  colon, which opens a list). The end of a sentence is the cleaner's only sign that a paragraph is
  over (narrow columns break lines anywhere, even across a blank line), so an open paragraph before
  another is, by that rule, one that goes on.

Kinds are derived again from what is left (a data-box item has lost its bullet), so only the texts
are compared.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers import ROOT
from pipeline.clean import clean_document, clean_text
from pipeline.read import DocumentReader
from pipeline.util import sha256_text

LEXICON = [json.loads(line)["canonical"] for path in sorted((ROOT / "corpus" / "lexicon").glob("*.jsonl"))
           for line in path.read_text(encoding="utf-8").splitlines()[:15]]
# Pieces of newspaper layout the cleaner reacts to, and characters that have tripped text tools.
LAYOUT = ["\n", "\n\n", "\r\n", "\u2028", "\x0c", " ", "\u3000", "**", "*", "■ ", "·", "（下转", "4版）", "（上接1版）",
          "本报记者 张三", "通讯员 李四", "王五 摄", "。", "！", "？", "”", "：", "，", "…", "《", "》", "1", "２"]
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ODD = st.sampled_from(["\x00", "𠮷", "😀", "e\u0301", "\u200b", "\ufeff", "\x07", "\ud7ff", "Ａ", "a"])
PAGES = st.lists(st.one_of(st.sampled_from(LAYOUT), st.sampled_from(LEXICON), st.text(HAN, min_size=1, max_size=12), ODD),
                 max_size=60).map("".join)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def paragraphs(text: str) -> list[dict]:
    return [p for article in clean_text(text) for p in article]


def assert_maps_back(units: list[dict], source: str) -> None:
    """Every character of every unit is the same character of the source, in source order."""
    previous_end = 0
    for unit in units:
        text, runs = unit["text"], unit["offsets"]
        assert text and text == text.strip() and not set(text) & set("\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        assert [t for t, _, _ in runs] == [sum(n for _, _, n in runs[:i]) for i in range(len(runs))]
        assert sum(n for _, _, n in runs) == len(text)
        for t, s, n in runs:
            assert n > 0 and s >= previous_end and text[t:t + n] == source[s:s + n]
            previous_end = s + n


@FUZZ
@given(PAGES)
def test_every_cleaned_character_maps_back_to_its_source_character(page: str):
    assert_maps_back(paragraphs(page), page)


@FUZZ
@given(PAGES)
def test_a_clean_paragraph_comes_back_unchanged(page: str):
    for paragraph in paragraphs(page):
        text = paragraph["text"]
        assert [(p["text"], p["offsets"]) for p in paragraphs(text)] == [(text, [[0, 0, len(text)]])]


@FUZZ
@given(st.lists(st.tuples(PAGES, st.sampled_from(["。", "！", "？", "…", "；", "。”", "！」", "：", ":"])), min_size=1, max_size=6))
def test_a_page_of_clean_paragraphs_comes_back_unchanged(pages: list[tuple[str, str]]):
    clean = [(p["text"], end) for page, end in pages for p in paragraphs(page)[:1]]
    assume(clean)
    closed = [text + end for text, end in clean]  # each ends a sentence or a colon (see the module docstring)
    page = "\n\n".join(closed)
    assert [p["text"] for p in paragraphs(page)] == closed


def test_cleaning_is_linear_in_the_number_of_lines():
    """20,000 column lines that each end a sentence (an hour's work for the first cleaner, quadratic)."""
    page = "金华市推进平安建设工作。\n" * 20_000
    start = time.perf_counter()
    units = paragraphs(page)
    assert time.perf_counter() - start < 30
    assert "".join(u["text"] for u in units) == page.replace("\n", "")


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=4), st.lists(st.binary(max_size=80), max_size=6))
def test_reader_on_random_bytes_never_crashes_nor_loses_a_good_file(blobs: list[bytes], lines: list[bytes]):
    good = "金华市委政法委推进平安建设。\n"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "good.txt").write_text(good, encoding="utf-8")
        for i, blob in enumerate(blobs):
            (folder / f"random{i}.txt").write_bytes(blob)
        reader = DocumentReader(folder)
        docs = list(reader())
        assert docs[0]["doc_id"] == "good" and docs[0]["text"] == good
        assert sorted([d["path"] for d in docs] + [s["input"] for s in reader.log.skipped]) == sorted(
            p.as_posix() for p in folder.glob("*.txt"))
        for doc in docs:
            assert_maps_back([{"text": u["text"], "offsets": u["source"]["offsets"]} for u in clean_document(doc)], doc["text"])

        jsonl = folder / "in.jsonl"
        jsonl.write_bytes(b"\n".join([b'{"id": "good", "text": "\xe5\xb9\xb3\xe5\xae\x89"}', *lines]) + b"\n")
        reader = DocumentReader(jsonl)
        docs = list(reader())
        assert docs[0]["doc_id"] == "good" and docs[0]["text"] == "平安"
        assert len(docs) + len(reader.log.skipped) == sum(1 for raw in jsonl.read_bytes().split(b"\n") if raw.strip())


@pytest.fixture(scope="module")
def annotator():
    from pipeline.config import load_config
    from pipeline.orchestrator import load_stages

    path = ROOT / "configs" / "default.cfg"
    return load_stages(load_config(path), path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(PAGES, min_size=1, max_size=3))
def test_export_lines_parse_and_spans_lie_inside_their_text(annotator, pages: list[str]):
    documents = [{"doc_id": f"d{i}", "path": f"d{i}.txt", "sha256": sha256_text(text), "encoding": "utf-8", "text": text}
                 for i, text in enumerate(pages)]
    shard = annotator(documents)
    lines = shard.text.split("\n")
    assert lines[-1] == ""
    records = [json.loads(line) for line in lines[:-1]]
    assert len(records) == shard.stats.units
    for record in records:
        text = record["text"]
        for start, end, label in record["entities"]:
            assert 0 <= start < end <= len(text) and isinstance(label, str) and label
        for start, end, name in record["entity_links"]:
            assert [start, end] in [e[:2] for e in record["entities"]] and name
        source = pages[int(record["doc_id"][1:])]
        assert_maps_back([{"text": text, "offsets": record["source"]["offsets"]}], source)


NAME_CHARS = st.sampled_from(list("ab平安:%.") + ["\n", "\r", "\x1b", "\x07", "\t", "\u2028", "\u202e", " ", "sub/"])
NAMES = st.lists(NAME_CHARS, min_size=1, max_size=8).map("".join).filter(
    lambda n: not n.endswith("/") and "//" not in n and not n.startswith("/") and all(part not in ("", ".", "..") for part in n.split("/")))


@FUZZ
@given(st.lists(st.tuples(NAMES, st.sampled_from([".txt", ".TXT", ".Txt"]), st.sampled_from(["金华平安。\n", "", "。…\n", "\u200b\n"])),
                max_size=6),
       st.lists(st.one_of(st.integers(), NAMES), max_size=6))
def test_reader_ids_are_unique_and_messages_one_printable_line(pages: list[tuple[str, str, str]], ids: list):
    """Issue 18, items 3, 7 and 11: any file names (line breaks, escape sequences, ``:``, ``%``, sub-folders,
    any case of ``.txt``) and any JSONL ids give distinct document ids without the id separator; a page
    without a letter or digit is skipped; every skip reason is one printable line."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, suffix, text in pages:
            path = folder / (name + suffix)
            if path.exists() or any(p.is_file() for p in path.parents if p != folder):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        files = [p for p in folder.rglob("*") if p.is_file()]
        assume(files)
        reader = DocumentReader(folder)
        docs = list(reader())
        doc_ids = [d["doc_id"] for d in docs]
        assert len(doc_ids) == len(set(doc_ids)) and not any(":" in d for d in doc_ids)
        assert len(docs) + len(reader.log.skipped) == len(files)
        assert all(any(c.isalnum() for c in d["text"]) for d in docs)
        for skipped in reader.log.skipped:
            assert skipped["reason"].isprintable(), skipped

        jsonl = folder / "ids.jsonl"
        jsonl.write_text("".join(json.dumps({"id": i, "text": "平安"}) + "\n" for i in ids), encoding="utf-8")
        reader = DocumentReader(jsonl)
        docs = list(reader())
        doc_ids = [d["doc_id"] for d in docs]
        assert len(doc_ids) == len(set(doc_ids)) and not any(":" in d for d in doc_ids)
        assert len(docs) == len({str(i) for i in ids})


SECRET_CHARS = st.sampled_from(list("aZ9\\\"' \t%+&/=é平\n{}") + ["  ", "\\u"])


@FUZZ
@given(st.lists(SECRET_CHARS, min_size=4, max_size=16).map("".join).filter(lambda s: len(s.strip()) >= 4))
def test_no_form_of_a_password_survives_redaction(secret: str):
    """Issue 18, item 10: whatever a password holds, no message built from an answer that echoes it shows it."""
    from urllib.parse import quote, quote_plus

    from pipeline.doccano.client import _one_line, redact

    body = json.dumps({"username": "admin", "password": secret})
    answers = [secret, body, json.dumps({"detail": body}), repr(secret), repr({"password": secret}), quote(secret, safe=""),
               quote_plus(secret), str({"detail": {"password": secret}}), json.dumps({"detail": secret}, ensure_ascii=False)]
    for answer in answers:
        for message in (answer, _one_line(answer, limit=10_000)):
            cleaned = redact(message, secret)
            assert secret not in cleaned and " ".join(secret.split()) not in cleaned, (answer, cleaned)


@FUZZ
@given(st.text(HAN, min_size=1, max_size=20), st.lists(st.tuples(st.integers(-5, 30), st.integers(-5, 30),
                                                                    st.sampled_from(["ORG", "LOC", "", " X", "Y" * 101])), max_size=4))
def test_pulled_spans_are_checked_as_pushed_ones(text: str, spans: list[tuple[int, int, str]]):
    """Issue 18, item 5: what comes back from doccano passes the rules of what goes out, or is named."""
    from pipeline.doccano.sync import _check_unit

    unit = {"id": "u", "text": text, "entities": [list(s) for s in spans], "cats": []}
    problem = _check_unit(unit)
    ok = all(0 <= s < e <= len(text) and label.strip() == label and 0 < len(label) <= 100 for s, e, label in spans)
    ordered = sorted(spans)
    ok = ok and all(b[0] >= a[1] for a, b in zip(ordered, ordered[1:]))
    assert (problem is None) == ok, (unit, problem)
    if problem:
        assert "\n" not in problem and problem.startswith("unit 'u'")
