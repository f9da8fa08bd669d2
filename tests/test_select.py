"""Selection for correction: the pool, uncertainty scores from a real (tiny) char model, diversity."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.doccano.sync import read_units
from pipeline.learning.curves import train_small
from pipeline.learning.select import (Candidate, annotated_keys, corpus_lines, diverse_top, governance_pool, read_pool,
                             score_candidates)
from pipeline.standoff import resolve_line
from pipeline.util import sha256_text
from helpers import cli, read_jsonl

PEOPLE = ["王建国", "李红梅", "张卫东", "赵志强", "陈晓燕"]
PLACES = ["杭州市", "金华市", "丽水市", "宁波市", "温州市"]


def synthetic(n: int) -> list[dict]:
    """Invented governance sentences with their PERSON / LOC / ORG spans."""
    records = []
    for i in range(n):
        person, place = PEOPLE[i % 5], PLACES[(i * 2) % 5]
        org = place + "公安局"
        text = f"{person}在{org}工作，负责治安和调解纠纷。"
        a = len(person) + 1
        records.append({"id": f"syn:{i}", "text": text,
                        "entities": [[0, len(person), "PERSON"], [a, a + len(org), "ORG"]]})
    return records


def trained_tiny_model(tmp_path_factory) -> Path:
    """A real char NER trained for a few epochs on invented sentences, once per test session."""
    model = tmp_path_factory.getbasetemp() / "tiny-ner"
    if not (model / "training.json").is_file():
        train_small(synthetic(30), model, epochs=3, seed=0)
    return model


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return trained_tiny_model(tmp_path_factory)


def write_pd(path: Path, lines: list[str]) -> Path:
    """A People's-Daily-style corpus file: words separated by spaces, compound names in brackets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_corpus_lines_trace_back_to_file_and_line(tmp_path):
    lines = ["[ 杭州市 公安局 ] 依法 打击 犯罪 ， 调解 纠纷 。", "", "今天 天气 很 好 。"]
    path = write_pd(tmp_path / "data" / "peoples_daily_1998" / "cv-9.txt", lines)
    records = list(corpus_lines(path, tmp_path / "data"))
    assert [r["id"] for r in records] == ["pd98:cv-9:1", "pd98:cv-9:3"]
    for record in records:
        raw = lines[record["source"]["line"] - 1]
        assert record["text"] == raw.replace(" ", "").replace("[", "").replace("]", "")
        assert record["source"]["file"] == "peoples_daily_1998/cv-9.txt"
        assert record["source"]["sha256"] == sha256_text(resolve_line(raw))


def test_pool_keeps_unannotated_governance_paragraphs(tmp_path):
    texts = {
        "a": "派出所民警依法调解邻里纠纷，化解矛盾二十余起。",  # governance, kept
        "b": "派出所民警依法调解邻里纠纷，化解矛盾二十余起。",  # same text again: dropped
        "c": "今天的天气晴朗，市民纷纷走上街头赏花踏青游玩。",  # no governance keyword: dropped
        "d": "公安机关依法打击犯罪，维护社会治安秩序稳定。",  # annotated already: dropped
        "e": "警察执法。",  # too short: dropped
    }
    records = [{"id": k, "text": v} for k, v in texts.items()]
    standoff = tmp_path / "gold.jsonl"
    standoff.write_text(json.dumps({"id": "d", "file": "x.txt", "line": 1, "text_sha256": sha256_text(texts["d"]),
                                    "entities": [], "cats": ["other"]}) + "\n", encoding="utf-8")
    kept = governance_pool(records, annotated_keys([standoff]))
    assert [r["id"] for r in kept] == ["a"]


def test_pool_of_units_jsonl(tmp_path):
    path = tmp_path / "annotated.jsonl"
    path.write_text(json.dumps({"id": "u1", "text": "法院审判案件。", "entities": []}) + "\n", encoding="utf-8")
    assert [r["id"] for r in read_pool(path)] == ["u1"]


def test_diversity_breaks_up_one_pattern():
    same = "省公安厅召开全省治安工作会议，部署打击电信诈骗犯罪专项行动。"
    other = "村里的调解委员会化解了一起宅基地纠纷，双方握手言和签订协议。"
    candidates = [Candidate({"id": "dup1", "text": same}, score=3.0), Candidate({"id": "dup2", "text": same}, score=2.9),
                  Candidate({"id": "new", "text": other}, score=2.0)]
    assert [c.record["id"] for c in diverse_top(candidates, 2, diversity=0.0)] == ["dup1", "dup2"]
    assert [c.record["id"] for c in diverse_top(candidates, 2, diversity=0.5)] == ["dup1", "new"]


def test_scores_come_from_the_marginals(tiny_model, tmp_path):
    texts = ["李红梅在金华市公安局工作，负责治安和调解纠纷。", "新来的同志在县里工作，负责治安和调解纠纷。"]
    records = [{"id": str(i), "text": t} for i, t in enumerate(texts)]
    plain = score_candidates(tiny_model, records, lexicon=None)
    for cand in plain:
        assert cand.score >= 0
        assert all(0.05 < p < 0.95 for *_, p in cand.uncertain)
        ends = [e for _, e, _ in cand.entities]
        starts = [s for s, _, _ in cand.entities]
        assert all(a >= b for a, b in zip(starts[1:], ends))  # pre-annotations never overlap
    lexicon = tmp_path / "lexicon.jsonl"
    lexicon.write_text(json.dumps({"label": "PROGRAM", "canonical": "调解纠纷", "aliases": []}) + "\n", encoding="utf-8")
    with_lexicon = score_candidates(tiny_model, records, lexicon=lexicon)
    for a, b in zip(plain, with_lexicon):
        # The model never predicts PROGRAM, so each lexicon match it does not back adds 1.
        assert b.score == pytest.approx(a.score + 1.0)


def test_select_cli_writes_units_ready_for_push(tiny_model, tmp_path):
    lines = [f"{p} 在 {q} 公安局 工作 ， 负责 治安 和 调解 纠纷 第{i}起 。" for i, (p, q) in enumerate(zip(PEOPLE * 2, PLACES[::-1] * 2))]
    pool = write_pd(tmp_path / "pool" / "cv-1.txt", lines)
    out = tmp_path / "batch.jsonl"
    proc = cli("select", "--pool", str(pool.parent), "--n", "3", "--model", str(tiny_model), "--output", str(out),
               "--exclude", str(tmp_path / "none.jsonl"), check=False)
    assert proc.returncode == 2 and "stand-off file not found" in proc.stderr  # a wrong --exclude is named
    proc = cli("select", "--pool", str(pool.parent), "--n", "3", "--model", str(tiny_model), "--output", str(out),
               "--exclude", str(Path("corpus/gold/pd1998.standoff.jsonl").resolve()))
    assert "3 of 10 pool paragraphs selected" in proc.stdout
    units = read_units(out)  # what `doccano push` accepts
    assert len(units) == 3 and len({u["id"] for u in units}) == 3
    for unit in units:
        line = unit["source"]["line"]
        assert unit["text"] == resolve_line(lines[line - 1])
        assert unit["cats"] and unit["selection"]["score"] >= 0
    ranked = [u["selection"]["score"] for u in read_jsonl(out)]
    assert ranked[0] == max(ranked)
