"""Issue 18 against the real doccano server: ids that change text (item 3), two pushes at once (4), spans
outside the text coming back (5), label validation before anything is created and projects of one name
(13), the short metadata and the Dataset-page link (14)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pipeline import jsonl
from pipeline.doccano.client import Credentials, DoccanoClient
from pipeline.doccano.sync import pull, push, records_project_name, status, to_example
from pipeline.util import UserError, dumps_line

from doccano_units import read_jsonl, units, write_jsonl  # tests/doccano/doccano_units.py


def many_units(n: int) -> list[dict[str, Any]]:
    base = units()
    return [{**base[i % 3], "id": f"fx:a{i}:p1", "doc_id": "fx", "article_id": f"fx:a{i}"} for i in range(n)]


def test_03_push_refuses_an_id_that_now_carries_another_text(admin: DoccanoClient, project_name: str, tmp_path: Path) -> None:
    first = units()
    push(admin, write_jsonl(tmp_path / "day1.jsonl", first), project_name)
    second = [dict(u) for u in first]
    second[1] = {**second[1], "text": "第二天的另一段文字。", "entities": []}
    with pytest.raises(UserError, match=r"day2\.jsonl: 1 unit id\(s\) already in project .* with another text \(first: 'fx:a1:p2'\)"):
        push(admin, write_jsonl(tmp_path / "day2.jsonl", second), project_name)
    pid = admin.project(project_name)["id"]
    assert sorted(ex["text"] for ex in admin.examples(pid)) == sorted(u["text"] for u in first)
    # The same file again is still fine, even after an annotator edited a text in doccano.
    example = next(ex for ex in admin.examples(pid) if ex["meta"]["id"] == "fx:a1:p1")
    admin.request("PATCH", f"/v1/projects/{pid}/examples/{example['id']}", json={"text": "改过的文字。"})
    again = push(admin, tmp_path / "day1.jsonl", project_name)
    assert (again.uploaded, again.skipped) == (0, 3)


def test_04_two_pushes_at_once_leave_one_example_per_unit(admin_creds: Credentials, admin: DoccanoClient,
                                                          project_name: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "run.jsonl", many_units(40))
    start = threading.Barrier(2)
    outcome: list[Any] = []

    def one_push() -> None:
        with DoccanoClient(admin_creds) as client:
            start.wait()
            try:
                outcome.append(push(client, path, project_name))
            except Exception as error:  # noqa: BLE001 - reported below
                outcome.append(error)

    threads = [threading.Thread(target=one_push) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not [o for o in outcome if isinstance(o, Exception)], outcome
    assert len(admin.find_projects(project_name)) == 1
    pid = admin.project(project_name)["id"]
    ids = [ex["meta"]["id"] for ex in admin.examples(pid)]
    assert sorted(ids) == sorted(u["id"] for u in many_units(40))
    report = pull(admin, project_name, tmp_path / "out.jsonl")
    assert report.written == 40 and not report.duplicates
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 40


def test_04_pull_keeps_one_record_of_a_unit_that_is_there_twice(admin: DoccanoClient, project_name: str,
                                                                 tmp_path: Path, cli: Any, admin_env: dict) -> None:
    pushed = units()
    push(admin, write_jsonl(tmp_path / "run.jsonl", pushed), project_name)
    pid = admin.project(project_name)["id"]
    admin.upload(pid, "again.jsonl", "".join(dumps_line(to_example(u)) for u in pushed[:2]).encode("utf-8"))  # as an old push did
    assert len(list(admin.examples(pid))) == 5
    out = tmp_path / "out.jsonl"
    proc = cli("doccano", "pull", "--project", project_name, "--output", str(out), env=admin_env)
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in jsonl.records(out)] == [u["id"] for u in pushed]
    (warning,) = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert "2 unit(s) are in the project more than once" in warning and "fx:a1:p1, fx:a1:p2" in warning


def test_05_pull_refuses_a_span_outside_its_text(admin: DoccanoClient, make_annotator: Any, project_name: str,
                                                 tmp_path: Path) -> None:
    push(admin, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    ann = make_annotator(project_name)
    text = ann.texts["fx:a1:p1"]
    ann.client.post(ann._path("fx:a1:p1", "spans"), {"start_offset": 5, "end_offset": len(text) + 60,
                                                    "label": ann.span_types["ORG"]})
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"unit 'fx:a1:p1': bad entity \[5, {len(text) + 60}, 'ORG'\] \(text has {len(text)} "
                                        r"characters\); correct or delete that annotation in doccano"):
        pull(admin, project_name, out)
    assert out.read_text(encoding="utf-8") == "previous\n"


@pytest.mark.parametrize("label", ["X" * 101, " ORG", ""])
def test_13_a_label_doccano_would_refuse_stops_the_push_before_anything_is_created(
        admin: DoccanoClient, project_name: str, tmp_path: Path, label: str) -> None:
    bad = units()
    bad[2]["entities"] = [[0, 2, label]]
    with pytest.raises(UserError, match=r"in\.jsonl:3: unit 'fx:a2:p1': entity"):
        push(admin, write_jsonl(tmp_path / "in.jsonl", bad), project_name)
    assert admin.find_project(project_name) is None and admin.find_project(records_project_name(project_name)) is None


def test_13_a_push_that_fails_half_way_leaves_no_empty_project(admin_creds: Credentials, admin: DoccanoClient,
                                                               project_name: str, tmp_path: Path) -> None:
    from test_doccano_sync import FailOn

    with DoccanoClient(admin_creds, transport=FailOn("/category-types"), backoff=0.001) as flaky:
        with pytest.raises(UserError, match="cannot reach doccano"):
            push(flaky, write_jsonl(tmp_path / "in.jsonl", units()), project_name)
    assert admin.find_project(project_name) is None and admin.find_project(records_project_name(project_name)) is None


def test_13_two_projects_of_one_name_give_a_warning(admin: DoccanoClient, project_name: str, cli: Any,
                                                    admin_env: dict) -> None:
    first = admin.create_project(project_name, "one")
    second = admin.create_project(project_name, "two")
    proc = cli("doccano", "status", "--project", project_name, env=admin_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"warning: 2 doccano projects are named {project_name!r} (ids {first['id']}, {second['id']}); using the oldest, "
        f"id {first['id']}: rename or delete the others in doccano"]


def test_14_short_metadata_and_the_dataset_link(admin: DoccanoClient, project_name: str, tmp_path: Path, cli: Any,
                                                admin_env: dict) -> None:
    pushed = units()
    path = write_jsonl(tmp_path / "run.jsonl", pushed)
    proc = cli("doccano", "push", str(path), "--project", project_name, env=admin_env)
    assert proc.returncode == 0, proc.stderr
    pid = admin.project(project_name)["id"]
    assert f"annotate from the project's Dataset page: {admin.url}/projects/{pid}/dataset" in proc.stdout
    assert "Annotate button" in proc.stdout
    for example in admin.examples(pid):
        unit = next(u for u in pushed if u["id"] == example["meta"]["id"])
        assert example["meta"] == {"id": unit["id"], "doc": unit["doc_id"], "kind": unit["kind"],
                                   "source": unit["source"]["file"]}
    got = status(admin, project_name)
    assert (got.units, got.changed_since_push) == (3, 0)
