"""The correction loop's data: stand-off corrections from pulled units, training data, curves."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.learning.corrections import corrections_standoff
from pipeline.learning.curves import average_rows, governance_data, plot, shuffled
from pipeline.ner.corpora import gold_records
from pipeline.util import UserError, sha256_text
from helpers import cli, read_jsonl

LINES = ["[ 杭州市 公安局 ] 民警 王 建国 调解 纠纷 。", "金华市 法院 依法 审判 案件 。"]


def corpus(tmp_path: Path) -> Path:
    """A data dir with one People's-Daily-style file."""
    path = tmp_path / "data" / "segmentation" / "peoples_daily_1998" / "cv-9.txt"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return tmp_path / "data"


def pulled_unit(line: int, text: str, entities: list, confirmed_by: list[str]) -> dict:
    """A unit as `doccano pull` writes it (export format plus who confirmed it)."""
    return {"id": f"pd98:cv-9:{line}", "text": text, "entities": entities, "cats": ["public_security"],
            "source": {"file": "segmentation/peoples_daily_1998/cv-9.txt", "line": line, "sha256": sha256_text(text)},
            "selection": {"rank": line}, "confirmed_by": confirmed_by}


def test_corrections_are_stand_off_and_resolve_back(tmp_path):
    data = corpus(tmp_path)
    one, two = "杭州市公安局民警王建国调解纠纷。", "金华市法院依法审判案件。"
    pulled = tmp_path / "pulled.jsonl"
    units = [pulled_unit(1, one, [[0, 6, "ORG"], [8, 11, "PERSON"]], ["annie"]), pulled_unit(2, two, [[0, 3, "LOC"]], [])]
    pulled.write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in units), encoding="utf-8")
    out = tmp_path / "corrections" / "round1.jsonl"
    proc = cli("corrections", str(pulled), "--project", "p1", "--output", str(out))
    assert "1 confirmed correction(s)" in proc.stdout and "1 unconfirmed left out" in proc.stdout
    raw = out.read_text(encoding="utf-8")
    assert one not in raw and "杭州" not in raw  # no corpus text is kept
    (line,) = read_jsonl(out)
    assert line["annotators"] == ["annie"] and line["project"] == "p1" and line["split"] == "train"
    (resolved,) = gold_records(out, data)
    assert resolved["text"] == one and resolved["entities"] == units[0]["entities"]


def test_a_changed_text_is_refused(tmp_path):
    unit = pulled_unit(1, "杭州市公安局民警王建国调解纠纷。", [], ["annie"])
    unit["text"] = unit["text"][:-1]
    pulled = tmp_path / "pulled.jsonl"
    pulled.write_text(json.dumps(unit, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="text differs from"):
        corrections_standoff(pulled, tmp_path / "out.jsonl", "p1")
    assert not (tmp_path / "out.jsonl").exists()


def test_corrections_of_held_out_gold_are_refused(tmp_path):
    data = corpus(tmp_path)
    text = "金华市法院依法审判案件。"
    line = {"id": "pd98:cv-9:2", "file": "segmentation/peoples_daily_1998/cv-9.txt", "line": 2,
            "text_sha256": sha256_text(text), "entities": [[0, 3, "LOC"]], "cats": ["rule_of_law"]}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({**line, "split": "heldout"}) + "\n", encoding="utf-8")
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    (fixes / "r1.jsonl").write_text(json.dumps({**line, "split": "train"}) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="corrections of held-out paragraphs: pd98:cv-9:2"):
        governance_data(gold, fixes, data)
    (fixes / "r1.jsonl").unlink()
    with pytest.raises(UserError, match="corrections folder not found"):
        governance_data(gold, tmp_path / "typo", data)
    train, corrections, heldout = governance_data(gold, fixes, data)
    assert (len(train), len(corrections), [r["text"] for r in heldout]) == (0, 0, [text])


def test_committed_corrections_trace_back(shared_data, root):
    folder = root / "corpus" / "corrections"
    files = sorted(folder.rglob("*.jsonl"))
    assert files, "corpus/corrections holds the demonstration's rounds"
    gold_ids = {json.loads(l)["id"] for l in (root / "corpus/gold/pd1998.standoff.jsonl").read_text().splitlines()}
    for path in files:
        for record in read_jsonl(path):
            assert "text" not in record and record["annotators"] and record["id"] not in gold_ids
        for record in gold_records(path, shared_data):  # hashes checked against ../shared/data
            ends = [0] + [e for _, e, _ in sorted(record["entities"])]
            assert all(s >= ends[i] for i, (s, _, _) in enumerate(sorted(record["entities"])))


def test_curve_shares_are_nested_and_plotted(tmp_path):
    records = [{"id": str(i)} for i in range(20)]
    order = shuffled(records, 0)
    assert order == shuffled(records, 0) and order != records and sorted(order, key=lambda r: int(r["id"])) == records
    rows = [{"curve": "uncertainty", "train": 80, "f1": 0.4}, {"curve": "uncertainty", "train": 120, "f1": 0.5},
            {"curve": "random", "train": 80, "f1": 0.4}, {"curve": "random", "train": 120, "f1": 0.45}]
    png = tmp_path / "curves.png"
    plot(rows, png, "test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.slow  # the learning-curve command end to end (imports the training stack)
def test_runs_with_different_seeds_are_averaged(tmp_path):
    one = [{"curve": "random", "train": 80, "p": 0.5, "r": 0.2, "f1": 0.3, "macro_f1": 0.2}]
    two = [{"curve": "random", "train": 80, "p": 0.7, "r": 0.4, "f1": 0.5, "macro_f1": 0.4}]
    (row,) = average_rows([one, two])
    assert (row["runs"], row["f1"], row["p"], row["f1_per_run"]) == (2, 0.4, 0.6, "0.300 / 0.500")
    files = []
    for n, rows in enumerate((one, two)):
        files += ["--combine", str(tmp_path / f"{n}.json")]
        (tmp_path / f"{n}.json").write_text(json.dumps(rows), encoding="utf-8")
    cli("learning-curve", *files, "--output", str(tmp_path / "mean"))
    assert json.loads((tmp_path / "mean" / "selection-mean.json").read_text())[0]["f1"] == 0.4
    assert (tmp_path / "mean" / "selection-mean.png").is_file()
    missing = cli("learning-curve", "--combine", str(tmp_path / "nope.json"), "--output", str(tmp_path / "x"), check=False)
    assert missing.returncode == 2 and "no such file" in missing.stderr
