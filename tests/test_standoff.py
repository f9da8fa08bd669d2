"""Stand-off gold over People's Daily 1998: resolution, hash checks, span validity."""
import json
from pathlib import Path

import pytest

from pipeline.constants import LABELS, TOPICS
from pipeline.paths import SHARED_DATA, STANDOFF
from pipeline.standoff import read_standoff, resolve_line, resolve_standoff, split_for
from pipeline.util import UserError, sha256_text

needs_data = pytest.mark.skipif(
    not (SHARED_DATA / "segmentation" / "peoples_daily_1998").is_dir(),
    reason="../shared/data/segmentation/peoples_daily_1998 is absent",
)


def make_corpus(tmp_path: Path, line: str = "[中央 人民 广播 电台] 播出 李 鹏 讲话") -> tuple[Path, Path]:
    """A one-file data dir and a stand-off file pointing at its second line."""
    data = tmp_path / "data"
    (data / "pd").mkdir(parents=True)
    (data / "pd" / "cv-1.txt").write_text("空行 之前\n" + line + "\n", encoding="utf-8")
    text = resolve_line(line)
    record = {"id": "t:1", "file": "pd/cv-1.txt", "line": 2, "text_sha256": sha256_text(text),
              "entities": [[0, 8, "ORG"], [10, 12, "PERSON"]], "cats": ["other"], "split": "train"}
    standoff = tmp_path / "gold.standoff.jsonl"
    standoff.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return data, standoff


def test_resolve_line_drops_spaces_and_brackets():
    assert resolve_line("通过 [中央 人民 广播 电台] 、 李 鹏\n") == "通过中央人民广播电台、李鹏"


def test_resolves_against_data_dir(tmp_path):
    data, standoff = make_corpus(tmp_path)
    [record] = resolve_standoff(standoff, data)
    assert record["text"] == "中央人民广播电台播出李鹏讲话"
    assert [record["text"][s:e] for s, e, _ in record["entities"]] == ["中央人民广播电台", "李鹏"]
    assert set(record) >= {"id", "text", "entities", "cats"}


def test_tampered_text_is_one_line_error(tmp_path):
    data, standoff = make_corpus(tmp_path)
    (data / "pd" / "cv-1.txt").write_text("空行\n[中央 人民 广播 电台] 播出 讲话\n", encoding="utf-8")
    with pytest.raises(UserError, match="hash mismatch") as err:
        list(resolve_standoff(standoff, data))
    assert "\n" not in str(err.value)


def test_missing_source_is_one_line_error(tmp_path):
    _, standoff = make_corpus(tmp_path)
    with pytest.raises(UserError, match="source missing") as err:
        list(resolve_standoff(standoff, tmp_path / "nowhere"))
    assert "\n" not in str(err.value)


def test_gold_records_are_well_formed():
    records = list(read_standoff(STANDOFF))
    assert len({r["id"] for r in records}) == len(records)
    for r in records:
        assert r["cats"] and set(r["cats"]) <= set(TOPICS), r["id"]
        assert r["split"] == split_for(r["id"]), r["id"]
        spans = sorted(r["entities"])
        assert all(label in LABELS and 0 <= s < e for s, e, label in spans), r["id"]
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), f"overlap in {r['id']}"
    heldout = sum(r["split"] == "heldout" for r in records)
    assert 0.25 <= heldout / len(records) <= 0.4, f"{heldout} of {len(records)} held out"


@needs_data
def test_gold_resolves_and_spans_fit():
    records = list(resolve_standoff())
    assert records
    for r in records:
        text = r["text"]
        assert all(e <= len(text) for _, e, _ in r["entities"]), r["id"]
        for s, e, _ in r["entities"]:
            assert text[s:e] == text[s:e].strip("“”‘’「」『』 "), f"quote or space at span edge in {r['id']}"
