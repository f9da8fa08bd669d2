"""End to end: the real CLI on seeds/ with the real pkuseg model."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from helpers import cli, read_jsonl

from pipeline.constants import LABELS, TOPICS

# Every test runs the pipeline through the CLI (run, annotate, segment).
pytestmark = pytest.mark.slow

REQUIRED = {"id", "doc_id", "article_id", "kind", "text", "entities", "cats", "source"}


def test_output_schema_is_doccano_ready(seed_run: Path, root: Path):
    records = read_jsonl(seed_run / "annotated.jsonl")
    assert len(records) > 100
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert REQUIRED <= set(r)
        spans = sorted(r["entities"])
        for start, end, label in spans:
            assert 0 <= start < end <= len(r["text"]) and label in LABELS
        for (_, end, _), (start, _, _) in zip(spans, spans[1:]):
            assert end <= start, f"overlapping entities in {r['id']}"
        assert r["cats"] and set(r["cats"]) <= set(TOPICS)
        source = (root / r["source"]["file"]).read_text(encoding="utf-8")
        for t, s, n in r["source"]["offsets"]:
            assert r["text"][t : t + n] == source[s : s + n]


def test_two_runs_give_the_same_bytes(seed_run: Path, tmp_path: Path):
    cli("run", "configs/default.cfg", "--output", str(tmp_path), "--quiet")
    assert (tmp_path / "annotated.jsonl").read_bytes() == (seed_run / "annotated.jsonl").read_bytes()


def test_manifest_counts_agree_with_the_file(seed_run: Path, root: Path):
    manifest = json.loads((seed_run / "manifest.json").read_text(encoding="utf-8"))
    records = read_jsonl(seed_run / "annotated.jsonl")
    counts = manifest["counts"]
    assert counts["units"] == len(records)
    assert counts["documents"] == len({r["doc_id"] for r in records}) == len(list((root / "seeds").glob("*.txt")))
    assert counts["articles"] == len({r["article_id"] for r in records})
    assert counts["entities_by_label"] == dict(Counter(e[2] for r in records for e in r["entities"]))
    assert counts["topics"] == dict(Counter(c for r in records for c in r["cats"]))
    assert {i["file"] for i in manifest["inputs"]} == {f"seeds/{p.name}" for p in (root / "seeds").glob("*.txt")}
    assert manifest["skipped"] == []
    assert manifest["versions"]["spacy"].startswith("3.8")
    assert {"segment", "clean", "total"} <= set(manifest["timings"])


def test_article_units(tmp_path: Path, seed_run: Path):
    cli("run", "configs/default.cfg", "--output", str(tmp_path), "--quiet", "--export.unit", "article")
    articles = read_jsonl(tmp_path / "annotated.jsonl")
    paragraphs = read_jsonl(seed_run / "annotated.jsonl")
    assert [a["id"] for a in articles] == list(dict.fromkeys(p["article_id"] for p in paragraphs))
    first = articles[0]
    assert first["text"] == "\n".join(p["text"] for p in paragraphs if p["article_id"] == first["id"])


def test_annotate_keeps_ids_texts_and_order(tmp_path: Path):
    lines = [{"id": "b", "text": "金华市委政法委推进“枫桥经验”。"}, {"id": "a", "text": "平安浙江"}, {"id": 3, "text": ""}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    cli("annotate", str(src), str(tmp_path / "out.jsonl"))
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [(o["id"], o["text"]) for o in out] == [(x["id"], x["text"]) for x in lines]
    assert ["金华市委政法委", "枫桥经验"] == [out[0]["text"][s:e] for s, e, _ in out[0]["entities"]]
    assert all(set(o) >= {"entities", "cats"} for o in out)


def test_segment_writes_words_one_line_per_line():
    text = "金华市委政法委推进平安建设\n\n科技引领社会治理信息化\n"
    result = cli("segment", input=text)
    lines = result.stdout.split("\n")[:-1]
    assert len(lines) == 3
    assert [line.replace(" ", "") for line in lines] == ["金华市委政法委推进平安建设", "", "科技引领社会治理信息化"]
    assert "金华市委政法委" in lines[0].split(" ")  # a lexicon name stays one word


def test_config_typo_is_one_line(tmp_path: Path):
    result = cli("run", "configs/default.cfg", "--output", str(tmp_path), "--export.tokenz", "true", check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "tokenz" in result.stderr and "unit" in result.stderr and "tokens" in result.stderr
    assert not (tmp_path / "annotated.jsonl").exists()


def test_run_writes_the_report_when_the_config_asks(tmp_path: Path):
    cli("run", "configs/default.cfg", "--output", str(tmp_path), "--quiet", "--system.report", "true")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    records = read_jsonl(tmp_path / "annotated.jsonl")
    assert html.count("<mark") == sum(len(r["entities"]) for r in records) > 0
