"""Comparing two models: per-label F1 side by side, the paired bootstrap over paragraphs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import spacy

from pipeline.learning.compare import compare, counts, micro_f1, paired_bootstrap
from pipeline.util import UserError
from helpers import cli
from test_select import synthetic, trained_tiny_model


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return trained_tiny_model(tmp_path_factory)


def test_counts_and_micro_f1_by_hand():
    gold = [[(0, 2, "LOC"), (3, 5, "ORG")], [(1, 4, "PERSON")]]
    pred = [[(0, 2, "LOC"), (3, 6, "ORG")], []]
    table = counts(gold, pred)
    assert table.tolist() == [[1, 1, 1], [0, 0, 1]]
    # tp 1, fp 1, fn 2: P 1/2, R 1/3, F1 = 2PR/(P+R) = 0.4
    assert micro_f1(*table.sum(axis=0)) == pytest.approx(0.4)


def test_bootstrap_of_identical_models_is_zero():
    table = np.array([[3, 1, 0], [0, 2, 2], [5, 0, 1]])
    boot = paired_bootstrap(table, table.copy(), samples=200)
    assert boot["difference"] == [0.0, 0.0] and boot["candidate_better"] == 0.0
    assert boot["baseline"] == boot["candidate"]


def test_bootstrap_sees_a_consistent_gain():
    rng = np.random.default_rng(1)
    a = np.stack([rng.integers(1, 4, 60), rng.integers(1, 3, 60), rng.integers(1, 3, 60)], axis=1)
    b = a.copy()
    b[:, 0] += 1  # one more correct span in every paragraph
    b[:, 2] = np.maximum(b[:, 2] - 1, 0)
    boot = paired_bootstrap(a, b, samples=500)
    assert boot["difference"][0] > 0 and boot["candidate_better"] == 1.0
    assert boot["baseline"][0] < micro_f1(*a.sum(axis=0)) < boot["baseline"][1]


def test_compare_end_to_end(tiny_model, tmp_path):
    gold = tmp_path / "gold.jsonl"
    held = [{"id": f"h{i}", "text": t, "entities": [[0, 3, "PERSON"]], "split": "heldout"}
            for i, t in enumerate(["周明华在衢州市公安局工作，负责治安和调解纠纷。", "吴小兰在台州市公安局工作，负责治安和调解纠纷。"])]
    trained = {**synthetic(1)[0], "split": "train"}  # in the model's training data: skipped
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in held + [trained]), encoding="utf-8")
    result = compare(tiny_model, tiny_model, gold, samples=100)
    assert result["records"] == 2 and result["skipped_trained_on"] == 1
    nlp = spacy.load(tiny_model)  # the model's own spans, read straight from spaCy
    tp = sum((0, 3, "PERSON") in {(e.start_char, e.end_char, e.label_) for e in nlp(r["text"]).ents} for r in held)
    assert result["models"]["candidate"]["scores"]["micro"]["r"] == pytest.approx(tp / 2)
    assert result["bootstrap"]["difference"] == [0.0, 0.0]
    with pytest.raises(UserError, match="no records in split"):
        compare(tiny_model, tiny_model, gold, split="dev")
    proc = cli("compare", "--baseline", str(tiny_model), "--candidate", str(tiny_model), "--data", str(gold),
               "--split", "heldout", "--samples", "100")
    assert "difference +0.000" in proc.stdout and "PERSON" in proc.stdout
    missing = cli("compare", "-a", str(tmp_path / "nope"), "-b", str(tiny_model), "--data", str(gold), check=False)
    assert missing.returncode == 2 and "no NER model at" in missing.stderr
