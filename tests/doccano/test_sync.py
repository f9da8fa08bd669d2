"""push / pull / status against the real doccano server, on small hand-made units."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.doccano.client import DoccanoClient
from pipeline.doccano.sync import pull, push, status
from pipeline.util import UserError

# Characters outside the Basic Multilingual Plane: 𠮷 (U+20BB7) and emoji, one UTF-16 surrogate pair each.
BMP_TEXT = "𠮷野家在杭州开店👍，市场监管局到杭州调研😀。"


def span(text: str, surface: str, label: str, nth: int = 0) -> list[Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return [start, start + len(surface), label]


def units() -> list[dict[str, Any]]:
    texts = ["县司法局组织开展普法宣传活动。", "网格员走访社区，化解矛盾纠纷。", BMP_TEXT]
    return [
        {
            "id": "fx:a1:p1", "doc_id": "fx", "article_id": "fx:a1", "kind": "body", "text": texts[0],
            "entities": [span(texts[0], "县司法局", "ORG")], "entity_links": [span(texts[0], "县司法局", "县司法局")],
            "cats": ["rule_of_law"], "cat_scores": {"rule_of_law": 0.8765432101234567, "other": 0.1},
            "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": [[0, 10, len(texts[0])]]},
        },
        {
            "id": "fx:a1:p2", "doc_id": "fx", "article_id": "fx:a1", "kind": "body", "text": texts[1],
            "entities": [], "entity_links": [], "cats": ["grassroots_governance", "dispute_resolution"],
            "cat_scores": {}, "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": []},
        },
        {
            "id": "fx:a2:p1", "doc_id": "fx", "article_id": "fx:a2", "kind": "body", "text": texts[2],
            "entities": [span(texts[2], "杭州", "LOC"), span(texts[2], "市场监管局", "ORG"), span(texts[2], "杭州", "LOC", 1)],
            "entity_links": [], "cats": ["business_environment"], "cat_scores": {},
            "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": []},
        },
    ]  # fmt: skip


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def test_untouched_units_come_back_as_pushed(admin: DoccanoClient, project_name: str, tmp_path: Path) -> None:
    pushed = units()
    report = push(admin, write_jsonl(tmp_path / "in.jsonl", pushed), project_name)
    assert (report.created, report.uploaded, report.skipped) == (True, 3, 0)
    pull(admin, project_name, tmp_path / "out.jsonl")
    pulled = read_jsonl(tmp_path / "out.jsonl")
    assert set(pulled) == {u["id"] for u in pushed}
    for unit in pushed:
        got = pulled[unit["id"]]
        assert got["confirmed_by"] == []
        assert sorted(got["entities"]) == sorted(unit["entities"])
        assert sorted(got["cats"]) == sorted(unit["cats"])
        # Everything else exactly as pushed: floats keep every digit, nested fields stay nested.
        assert without(got, "confirmed_by", "entities", "cats") == without(unit, "entities", "cats")


def test_project_is_collaborative_intent_detection_with_stable_colours(
    admin: DoccanoClient, project_name: str, tmp_path: Path
) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    project = admin.project(project_name)
    assert project["project_type"] == "IntentDetectionAndSlotFilling"
    assert project["collaborative_annotation"] is True
    spans = {t["text"]: t["background_color"] for t in admin.label_types(project["id"], "span")}
    topics = {t["text"]: t["background_color"] for t in admin.label_types(project["id"], "category")}
    assert {"PROGRAM", "PLATFORM", "ORG", "LOC", "PERSON", "HONOR", "POLICY", "EVENT"} <= set(spans)
    assert {"rule_of_law", "grassroots_governance", "dispute_resolution", "business_environment"} <= set(topics)
    # A second project gets the same colours (doccano's default would be random).
    other = project_name + "-2"
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), other)
    other_id = admin.project(other)["id"]
    assert {t["text"]: t["background_color"] for t in admin.label_types(other_id, "span")} == spans
    assert {t["text"]: t["background_color"] for t in admin.label_types(other_id, "category")} == topics


def test_offsets_outside_the_bmp_survive_the_round_trip(
    admin: DoccanoClient, make_annotator: Any, project_name: str, tmp_path: Path
) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    # The annotator marks 市场 (after 𠮷 and 👍) and the server stores what it is given.
    start = BMP_TEXT.index("市场")
    ann = make_annotator(project_name)
    ann.delete_span("fx:a2:p1", *span(BMP_TEXT, "市场监管局", "ORG")[:2])
    ann.add_span("fx:a2:p1", start, start + 2, "LOC")
    pull(admin, project_name, tmp_path / "out.jsonl")
    got = read_jsonl(tmp_path / "out.jsonl")["fx:a2:p1"]
    assert got["text"] == BMP_TEXT
    surfaces = sorted((BMP_TEXT[s:e], label) for s, e, label in got["entities"])
    assert surfaces == [("市场", "LOC"), ("杭州", "LOC"), ("杭州", "LOC")]
    # In UTF-16 code units the second 杭州 would start 2 later: the offsets are Python's.
    assert span(BMP_TEXT, "杭州", "LOC", 1) in got["entities"]


def test_push_again_adds_nothing_and_a_newer_run_adds_only_new_units(
    admin: DoccanoClient, project_name: str, tmp_path: Path
) -> None:
    first = write_jsonl(tmp_path / "run1.jsonl", units()[:2])
    assert push(admin, first, project_name).uploaded == 2
    again = push(admin, first, project_name)
    assert (again.created, again.uploaded, again.skipped) == (False, 0, 2)
    newer = push(admin, write_jsonl(tmp_path / "run2.jsonl", units()), project_name)
    assert (newer.uploaded, newer.skipped) == (1, 2)
    pid = admin.project(project_name)["id"]
    ids = sorted(ex["meta"]["id"] for ex in admin.examples(pid))
    assert ids == ["fx:a1:p1", "fx:a1:p2", "fx:a2:p1"]


def test_status_counts(admin: DoccanoClient, make_annotator: Any, project_name: str, tmp_path: Path) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    ann = make_annotator(project_name)
    ann.set_topics("fx:a1:p2", ["dispute_resolution"])
    ann.confirm("fx:a1:p2")
    ann.confirm("fx:a1:p1")
    got = status(admin, project_name)
    assert (got.units, got.confirmed, got.changed_since_push, got.changed_texts) == (3, 2, 1, [])
    assert got.labels == {"ORG": 2, "LOC": 2}
    assert got.topics == {"rule_of_law": 1, "dispute_resolution": 1, "business_environment": 1}


def test_pull_reports_an_edited_text_instead_of_merging_it(
    admin: DoccanoClient, make_annotator: Any, project_name: str, tmp_path: Path
) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    ann = make_annotator(project_name)
    eid = ann.examples["fx:a1:p2"]
    admin.request("PATCH", f"/v1/projects/{ann.pid}/examples/{eid}", json={"text": "网格员走访社区。"})
    report = pull(admin, project_name, tmp_path / "out.jsonl")
    assert report.changed_texts == ["fx:a1:p2"]
    assert set(read_jsonl(tmp_path / "out.jsonl")) == {"fx:a1:p1", "fx:a2:p1"}
    assert status(admin, project_name).changed_texts == ["fx:a1:p2"]


def test_confirmed_only_and_who_confirmed(
    admin: DoccanoClient, make_annotator: Any, project_name: str, tmp_path: Path
) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    make_annotator(project_name).confirm("fx:a2:p1")
    report = pull(admin, project_name, tmp_path / "out.jsonl", confirmed_only=True)
    pulled = read_jsonl(tmp_path / "out.jsonl")
    assert list(pulled) == ["fx:a2:p1"]
    assert pulled["fx:a2:p1"]["confirmed_by"] == ["annie"]
    assert report.written == 1


def test_a_bad_line_is_named_and_nothing_is_created(admin: DoccanoClient, project_name: str, tmp_path: Path) -> None:
    bad = units()
    bad[1]["entities"] = [[5, 99, "ORG"]]  # past the end of the text
    with pytest.raises(UserError, match=r"in\.jsonl:2: .*fx:a1:p2"):
        push(admin, write_jsonl(tmp_path / "in.jsonl", bad), project_name)
    assert admin.find_project(project_name) is None


def test_pull_of_a_missing_project_is_one_clear_line(admin: DoccanoClient, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no doccano project named 'no-such-project'"):
        pull(admin, "no-such-project", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()
