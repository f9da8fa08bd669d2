"""push / pull / status against the real doccano server, on small hand-made units."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.doccano.client import Credentials, DoccanoClient
from pipeline.doccano.sync import pull, push, status
from pipeline.util import UserError

from doccano_units import BMP_TEXT, read_jsonl, span, units, write_jsonl  # tests/doccano/doccano_units.py


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
    ann = make_annotator(project_name)
    # doccano's editor indexes JavaScript strings: after 𠮷 and 👍 every span must sit one/two units later
    # to cover the same characters on screen.
    js = BMP_TEXT.encode("utf-16-le")
    shown = sorted((js[2 * s["start_offset"] : 2 * s["end_offset"]].decode("utf-16-le"), s["start_offset"])
                   for s in ann.spans("fx:a2:p1"))  # fmt: skip
    assert shown == [("市场监管局", 12), ("杭州", 5), ("杭州", 18)]
    # The annotator replaces 市场监管局 by 市场 (LOC) and gets Python offsets back from pull.
    ann.delete_span("fx:a2:p1", *span(BMP_TEXT, "市场监管局", "ORG")[:2])
    start = BMP_TEXT.index("市场")
    ann.add_span("fx:a2:p1", start, start + 2, "LOC")
    pull(admin, project_name, tmp_path / "out.jsonl")
    got = read_jsonl(tmp_path / "out.jsonl")["fx:a2:p1"]
    assert got["text"] == BMP_TEXT
    assert sorted(got["entities"]) == sorted([span(BMP_TEXT, "杭州", "LOC"), [start, start + 2, "LOC"],
                                              span(BMP_TEXT, "杭州", "LOC", 1)])  # fmt: skip
    assert [BMP_TEXT[s:e] for s, e, _ in sorted(got["entities"])] == ["杭州", "市场", "杭州"]


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


def test_an_import_the_server_rejects_adds_nothing(admin: DoccanoClient, project_name: str, tmp_path: Path) -> None:
    records = units()
    push(admin, write_jsonl(tmp_path / "run1.jsonl", records[:1]), project_name)
    # The session's server takes uploads of at most 3 MiB; this run holds a 3.3 MB paragraph.
    big = {**records[2], "id": "fx:big", "text": "法" * 1_100_000, "entities": [[0, 2, "LOC"]]}
    with pytest.raises(UserError, match="first: the file: The maximum file size") as err:
        push(admin, write_jsonl(tmp_path / "run2.jsonl", records + [big]), project_name)
    assert "\n" not in str(err.value)
    pid = admin.project(project_name)["id"]
    assert [ex["meta"]["id"] for ex in admin.examples(pid)] == ["fx:a1:p1"]


class FailOn(httpx.BaseTransport):
    """The real server, except that requests to paths holding ``fragment`` fail as if it went away."""

    def __init__(self, fragment: str):
        self.inner = httpx.HTTPTransport()
        self.fragment = fragment

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.fragment in request.url.path:
            raise httpx.ConnectError("connection refused", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_pull_that_fails_half_way_leaves_the_previous_output(
    admin: DoccanoClient, admin_creds: Credentials, project_name: str, tmp_path: Path
) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    pid = admin.project(project_name)["id"]
    example = next(iter(admin.examples(pid)))
    admin.post(f"/v1/projects/{pid}/examples/{example['id']}/states", {})
    out = tmp_path / "out" / "corpus.jsonl"
    out.parent.mkdir()
    out.write_text("previous\n", encoding="utf-8")
    # The export and the listing succeed; asking who confirmed fails.
    with DoccanoClient(admin_creds, transport=FailOn("/states"), backoff=0.001) as flaky:
        with pytest.raises(UserError, match="cannot reach doccano"):
            pull(flaky, project_name, out)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in out.parent.iterdir()] == ["corpus.jsonl"]
