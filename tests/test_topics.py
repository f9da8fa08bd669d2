"""Topic classification: the numpy run-time against scikit-learn, safe loading, aggregation, data, CLI."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from helpers import ROOT, cli
from pipeline.topic_model import MODEL_FILE, ModelSettings, Settings, TopicModel, score_predictions
from pipeline.topic_runtime import META_FILE, WEIGHTS_FILE, TopicWeights, assign, char_ngrams, word_ngrams
from pipeline.topic_train import load_tokenizer, load_topics_config, read_examples, token_strings
from pipeline.topics import TOPICS, classifier_nlp
from pipeline.util import UserError

SEEDS_GOLD = ROOT / "corpus" / "gold" / "seeds.jsonl"
STANDOFF = ROOT / "corpus" / "gold" / "pd1998.standoff.jsonl"
COMMITTED = ROOT / "models" / "topics"
# Few folds keep the fit on the seed gold to seconds; the rarest seed label has five examples.
SMALL = Settings(model=ModelSettings(calibration_folds=2, threshold_folds=3))


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(ROOT / "configs" / "default.cfg")


@pytest.fixture(scope="module")
def seeds(tokenizer):
    examples = read_examples(SEEDS_GOLD)
    return examples, token_strings(tokenizer, [e.text for e in examples])


@pytest.fixture(scope="module")
def trained(seeds, tmp_path_factory) -> Path:
    """A model fitted on the seed gold, saved as `train topics` saves it."""
    examples, texts = seeds
    folder = tmp_path_factory.mktemp("topics_model")
    TopicModel.fit(texts, [e.cats for e in examples], SMALL).save(folder)
    return folder


@pytest.fixture(scope="module")
def classifier(trained: Path):
    """The run config's tokenizer followed by the component loading the seed-trained model."""
    return classifier_nlp(ROOT / "configs" / "default.cfg", trained)


# --- decision rule and features ----------------------------------------------------------------

def test_assign_keeps_labels_over_threshold_and_drops_other_beside_a_topic() -> None:
    labels, thresholds = ["a", "b", "other"], [0.5, 0.5, 0.5]
    assert assign([0.9, 0.6, 0.8], labels, thresholds) == ["a", "b"]
    assert assign([0.1, 0.2, 0.8], labels, thresholds) == ["other"]


def test_assign_falls_back_to_the_label_closest_to_its_threshold() -> None:
    assert assign([0.30, 0.05, 0.2], ["a", "b", "c"], [0.9, 0.1, 0.8]) == ["b"]


@pytest.mark.parametrize("text", ["公安 机关 依法 打击 电信 诈骗", "a  b\n\nc\td", "", "单"])
def test_ngrams_match_scikit_learn_analyzers(text: str) -> None:
    words = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2)).build_analyzer()
    chars = TfidfVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 3)).build_analyzer()
    assert Counter(word_ngrams(text, 1, 2)) == Counter(words(text))
    assert Counter(char_ngrams(text, 1, 3)) == Counter(chars(text))


# --- run-time weights and safe persistence -----------------------------------------------------

def test_runtime_weights_give_the_probabilities_of_the_skops_model(trained: Path, seeds) -> None:
    _, texts = seeds
    probe = texts[:40] + ["", "从未 见过 的 词语", "公安 机关\n依法 打击"]
    reference = TopicModel.load(trained)
    runtime = TopicWeights.load(trained)
    assert runtime.labels == reference.labels
    numpy.testing.assert_allclose(runtime.scores(probe), reference.scores(probe), rtol=0, atol=1e-9)


def test_thresholds_are_probabilities_per_label(trained: Path) -> None:
    meta = json.loads((trained / META_FILE).read_text(encoding="utf-8"))
    assert sorted(meta["labels"]) == sorted(TOPICS)
    assert len(meta["thresholds"]) == len(meta["labels"])
    assert all(0 < t < 1 for t in meta["thresholds"])


def test_skops_file_with_an_untrusted_type_is_refused(trained: Path, tmp_path: Path) -> None:
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    (tmp_path / MODEL_FILE).write_bytes(skops.io.dumps(FunctionTransformer(func=print)))
    (tmp_path / META_FILE).write_bytes((trained / META_FILE).read_bytes())
    with pytest.raises(UserError, match="builtins.print"):
        TopicModel.load(tmp_path)


def test_weights_with_pickled_objects_are_refused(trained: Path, tmp_path: Path) -> None:
    numpy.savez(tmp_path / WEIGHTS_FILE, coef=numpy.array([{"a": 1}], dtype=object))
    (tmp_path / META_FILE).write_bytes((trained / META_FILE).read_bytes())
    with pytest.raises(UserError, match="pickle"):
        TopicWeights.load(tmp_path)


def test_too_few_examples_of_a_label_is_a_user_error(seeds) -> None:
    examples, texts = seeds
    cats = [e.cats for e in examples]
    cats[0] = ["made_up_label"]
    with pytest.raises(UserError, match="made_up_label"):
        TopicModel.fit(texts, cats, SMALL)


# --- the spaCy component -----------------------------------------------------------------------

def test_component_aggregates_paragraphs_by_max_score_and_union_of_topics(classifier) -> None:
    nlp = classifier
    paragraphs = ["浙江省公安厅部署打击电信网络诈骗专项行动。", "记者 张三", "法院依法审理涉企纠纷案件，保护民营企业合法权益。"]
    alone = [nlp(p) for p in paragraphs]
    joined = nlp("\n".join(paragraphs))
    for label in joined.cats:
        assert joined.cats[label] == pytest.approx(max(d.cats[label] for d in alone))
    union = {t for d in alone for t in d._.topics}
    expected = union - {"other"} if union - {"other"} else union
    assert set(joined._.topics) == expected


def test_component_serialises_its_model(classifier, tmp_path: Path) -> None:
    nlp = classifier
    component = nlp.get_pipe("topics")
    component.to_disk(tmp_path / "topics")
    text = "社区网格员上门调解邻里纠纷。"
    before = nlp(text).cats
    component.from_disk(tmp_path / "topics")
    assert nlp(text).cats == before


# --- data files and configs --------------------------------------------------------------------

def test_thucnews_lines_are_named_by_class_txt_and_split_by_text(tmp_path: Path) -> None:
    (tmp_path / "class.txt").write_text("finance\nsports\n", encoding="utf-8")
    lines = [f"标题{i}号\t{i % 2}" for i in range(200)]
    (tmp_path / "dev.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    examples = read_examples(tmp_path / "dev.txt", heldout_share=0.25)
    assert [e.cats for e in examples[:2]] == [["finance"], ["sports"]]
    held = [e.text for e in examples if e.heldout]
    assert 20 < len(held) < 80
    assert held == [e.text for e in read_examples(tmp_path / "dev.txt", heldout_share=0.25) if e.heldout]


def test_export_records_are_grouped_by_document() -> None:
    examples = read_examples(SEEDS_GOLD)
    records = [json.loads(line) for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [e.group for e in examples] == [r["id"].split(":")[0] for r in records]
    assert not any(e.heldout for e in examples)


@pytest.mark.parametrize("line, message", [("only text\n", ":1: expected text<TAB>label"),
                                           ('{"text": "x"}\n', ":1: needs 'text' and a non-empty 'cats'")])
def test_bad_data_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "data.txt"
    path.write_text(line, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        read_examples(path)


def test_config_errors_name_section_and_key(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"\[model\] C"):
        load_topics_config(ROOT / "configs" / "topics.cfg", {"model.C": -1})
    with pytest.raises(UserError, match=r"\[features\] shingles"):
        load_topics_config(ROOT / "configs" / "topics.cfg", {"features.shingles": 3})


def test_scores_macro_f1_over_labels_the_gold_has() -> None:
    result = score_predictions([["a"], ["a"], ["b"]], [["a"], ["b"], ["b"]], ["a", "b", "c"])
    assert result["labels"]["a"] == {"p": 1.0, "r": 0.5, "f": pytest.approx(2 / 3), "support": 2}
    assert result["macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert result["micro_f1"] == pytest.approx(2 / 3)


# --- commands and the committed model ----------------------------------------------------------

def test_train_command_rejects_an_unknown_key_in_one_line(tmp_path: Path) -> None:
    result = cli("train", "topics", "configs/topics.cfg", "--output", str(tmp_path), "--model.kernel", "rbf", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "[model] kernel" in result.stderr


def test_committed_model_on_held_out_peoples_daily(shared_data: Path) -> None:
    result = cli("evaluate", "topics", "--model", "models/topics", "--data", str(STANDOFF.relative_to(ROOT)),
                 "--data-dir", str(shared_data), "--json")
    scores = json.loads(result.stdout)
    heldout = [json.loads(line) for line in STANDOFF.read_text(encoding="utf-8").splitlines()]
    assert scores["examples"] == sum(r.get("split") == "heldout" for r in heldout)
    assert scores["micro_f1"] > 0.7


def test_default_config_runs_the_committed_classifier(seed_run: Path) -> None:
    manifest = json.loads((seed_run / "manifest.json").read_text(encoding="utf-8"))
    assert 'factory = "topic_classifier"' in manifest["config"]
    records = [json.loads(line) for line in (seed_run / "annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(r["cats"] and set(r["cats"]) <= set(TOPICS) for r in records)
    assert all(r["cats"] == ["other"] or "other" not in r["cats"] for r in records)
    assert all(set(r["cat_scores"]) == set(TOPICS) for r in records)
