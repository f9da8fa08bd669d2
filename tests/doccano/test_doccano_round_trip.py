"""The whole round trip: the pipeline on the seeds, push, an annotator's corrections, pull.

Everything goes through the command line in fresh processes, and the annotator works through
doccano's REST API as its editor does.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.doccano.client import Credentials

LABELS = ("PROGRAM", "PLATFORM", "ORG", "LOC", "PERSON", "HONOR", "POLICY", "EVENT")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def free_span(record: dict[str, Any], length: int = 2) -> list[Any]:
    """The first stretch of ``length`` characters that no entity touches."""
    taken = {i for s, e, _ in record["entities"] for i in range(s, e)}
    for start in range(len(record["text"]) - length + 1):
        if not taken & set(range(start, start + length)):
            return [start, start + length, "LOC"]
    raise AssertionError(f"no free span in {record['id']}")


def check_no_secret(proc: Any, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr


def test_corrections_come_back_and_nothing_else_changes(
    seed_run: Path,
    cli: Any,
    admin_env: dict[str, str],
    admin_creds: Credentials,
    annotator_creds: Credentials,
    make_annotator: Any,
    project_name: str,
    doccano: Any,
    tmp_path: Path,
) -> None:
    env = admin_env
    annotated = seed_run / "annotated.jsonl"
    units = read_jsonl(annotated)
    assert len(units) > 10

    pushed = cli("doccano", "push", str(annotated), "--project", project_name, env=env)
    assert pushed.returncode == 0, pushed.stderr
    check_no_secret(pushed, admin_creds.password)
    again = cli("doccano", "push", str(annotated), "--project", project_name, env=env)
    assert again.returncode == 0, again.stderr
    assert "0 unit(s) pushed" in again.stdout and f"{len(units)} already there" in again.stdout

    # Pick the units to correct: A has two entities or more, B and C are others, D is only confirmed.
    a = next(u for u in units if len(u["entities"]) >= 2)
    b, c, d = [u for u in units if u is not a][:3]
    deleted, relabelled = a["entities"][0], a["entities"][1]
    new_label = next(label for label in LABELS if label != relabelled[2])
    added = free_span(b)
    topics = ["youth_protection"] if c["cats"] != ["youth_protection"] else ["foreign_affairs"]

    ann = make_annotator(project_name)
    ann.delete_span(a["id"], deleted[0], deleted[1])
    ann.relabel_span(a["id"], relabelled[0], relabelled[1], new_label)
    ann.add_span(b["id"], *added)
    ann.set_topics(c["id"], topics)
    for unit in (a, b, d):
        ann.confirm(unit["id"])

    expected = {u["id"]: {**copy.deepcopy(u), "confirmed_by": []} for u in units}
    ea, eb, ec = expected[a["id"]], expected[b["id"]], expected[c["id"]]
    ea["entities"] = [[s, e, new_label if [s, e] == relabelled[:2] else lab] for s, e, lab in a["entities"][1:]]
    # The canonical links named the lexicon entries of the deleted and the relabelled span: both go.
    ea["entity_links"] = [link for link in a["entity_links"] if link[:2] not in (deleted[:2], relabelled[:2])]
    eb["entities"] = sorted(b["entities"] + [added])
    ec["cats"] = topics
    for unit in (a, b, d):
        expected[unit["id"]]["confirmed_by"] = ["annie"]

    labels = Counter(label for r in expected.values() for _, _, label in r["entities"])
    topics_count = Counter(topic for r in expected.values() for topic in r["cats"])

    out = tmp_path / "corrected.jsonl"
    pulled = cli("doccano", "pull", "--project", project_name, "--output", str(out), env=env)
    assert pulled.returncode == 0, pulled.stderr
    check_no_secret(pulled, admin_creds.password)
    got = {r["id"]: r for r in read_jsonl(out)}
    assert list(got) == list(expected)  # every unit, in the order of the run
    for unit_id, want in expected.items():
        have = got[unit_id]
        assert sorted(have["entities"]) == sorted(want.pop("entities")), unit_id
        have.pop("entities")
        assert have == want, unit_id

    only = tmp_path / "confirmed.jsonl"
    proc = cli("doccano", "pull", "--project", project_name, "--output", str(only), "--confirmed-only", env=env)
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in read_jsonl(only)] == [u["id"] for u in units if u in (a, b, d)]

    st = cli("doccano", "status", "--project", project_name, env=env)
    assert st.returncode == 0, st.stderr
    assert f"{len(units)} unit(s), 3 confirmed, 3 with annotations changed since push" in st.stdout
    counted = {m[1]: int(m[2]) for m in re.finditer(r"^\s+(\S+)\s+(\d+)$", st.stdout, re.M)}
    assert counted == {**labels, **topics_count}

    # The password is in no log of the server either.
    logs = list(Path(doccano.data_dir).rglob("*.log"))
    assert logs
    for log in logs:
        text = log.read_text(errors="replace")
        assert admin_creds.password not in text and annotator_creds.password not in text, log
