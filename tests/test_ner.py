"""Tests of the character-level NER stage (pipeline/ner/)."""
from __future__ import annotations

import gzip
import itertools
import json
import shutil
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, DocBin

import pipeline
from pipeline.ner import component, corpora, release, tokenizers, vectors
from pipeline.ner import evaluate as scoring
from pipeline.ner import train as training
from pipeline.util import UserError, sha256_text, write_json

ROOT = Path(__file__).resolve().parent.parent
SEEDS_GOLD = ROOT / "corpus" / "gold" / "seeds.jsonl"
SHARED = ROOT.parent / "shared" / "data"
MODEL = ROOT / "models" / "ner"


@pytest.fixture(scope="module")
def char_nlp():
    return tokenizers.char_pipeline()


def test_char_tokenizer_one_token_per_character_with_bigram_norms(char_nlp):
    doc = char_nlp("浙江 金华１号")
    assert doc.text == "浙江 金华１号"
    assert [t.text for t in doc] == ["浙", "江", "金", "华", "１", "号"]
    assert doc[1].whitespace_ == " "
    # NORM is the NFKC bigram with the next character; the last one pairs with the end mark
    assert [t.norm_ for t in doc] == ["浙江", "江金", "金华", "华1", "1号", "号" + tokenizers.END]


@pytest.fixture(scope="module")
def word_nlp():
    """The char pipeline of configs/ner.cfg: pkuseg words with the lexicon's user dictionary."""
    from thinc.api import Config

    return tokenizers.char_pipeline(Config().from_disk(ROOT / "configs" / "ner.cfg"))


def test_word_tokenizer_marks_each_character_with_its_word_and_position(word_nlp):
    doc = word_nlp("金华市委政法委推进 枫桥经验")
    word = "金华市委政法委␟"
    assert [t.lemma_ for t in doc] == [word + "B"] + [word + "M"] * 5 + [word + "E", "推进␟B", "推进␟E",
                                                                         "枫桥经验␟B", "枫桥经验␟M", "枫桥经验␟M", "枫桥经验␟E"]
    assert [t.text for t in doc][8:10] == ["进", "枫"] and doc[8].whitespace_ == " "


def test_word_features_from_the_main_pipeline_equal_those_of_raw_text_and_add_no_strings(word_nlp):
    text = "林纪平说，平安浙江建设 走在前列。"
    words = word_nlp.tokenizer.segmenter(text)
    pieces = lambda: {s for s in word_nlp.vocab.strings if tokenizers.WORD_PIECE in s}  # noqa: E731
    before = pieces()
    fast = word_nlp.tokenizer.from_doc(words)
    assert pieces() == before  # the words' strings stay out of the store at run time
    slow = word_nlp(text)
    assert pieces() > before
    assert [t.lemma for t in fast] == [t.lemma for t in slow] and [t.norm for t in fast] == [t.norm for t in slow]
    assert fast.to_array("LEMMA").all()  # every character is in a word


def test_char_corpus_reader_gives_the_stored_features_without_tokenizing(word_nlp, tmp_path):
    record = {"id": "x", "text": "金华市委政法委推进枫桥经验", "entities": [[0, 7, "ORG"], [9, 13, "PROGRAM"]]}
    corpora.write_docbin(word_nlp, [record], tmp_path / "train.spacy")
    reference = word_nlp(record["text"])
    nlp = spacy.blank("zh")  # a vocab without the strings: the reader must not need the tokenizer
    [example] = list(spacy.registry.readers.get("governance.CharCorpus.v1")(tmp_path / "train.spacy")(nlp))
    assert [t.lemma_ for t in example.predicted] == [t.lemma_ for t in reference]
    assert [t.norm_ for t in example.predicted] == [t.norm_ for t in reference]
    assert not example.predicted.ents and [(e.start_char, e.end_char, e.label_) for e in example.reference.ents] == [
        (0, 7, "ORG"), (9, 13, "PROGRAM")]


def test_char_docs_convert_a_record_once_and_a_changed_record_again(word_nlp, tmp_path):
    record = {"id": "x", "text": "金华市委政法委推进枫桥经验", "entities": [[0, 7, "ORG"], [9, 13, "PROGRAM"]]}
    docs = corpora.CharDocs(word_nlp)
    first = docs(record)
    assert docs(json.loads(json.dumps(record))) is first  # an equal record read again (a repeat, another fold)
    other = docs({**record, "entities": [[0, 3, "LOC"]]})
    assert other is not first and [(e.text, e.label_) for e in other.ents] == [("金华市", "LOC")]
    # a DocBin written through the store holds what one written record by record holds
    assert corpora.write_docbin(word_nlp, [record, other_record := {**record, "id": "y"}, record], tmp_path / "a.spacy", docs) == 3
    corpora.write_docbin(word_nlp, [record, other_record, record], tmp_path / "b.spacy")
    reader = spacy.registry.readers.get("governance.CharCorpus.v1")
    read = [[(t.text, t.lemma_, t.norm_, t.ent_iob_, t.ent_type_) for t in example.reference]
            for path in ("a.spacy", "b.spacy") for example in reader(tmp_path / path)(spacy.blank("zh"))]
    assert len(read) == 6 and read[:3] == read[3:]
    assert len(DocBin().from_disk(tmp_path / "a.spacy")) == 2  # the repeated record is stored once


def test_msra_records_bio_to_char_offsets(tmp_path):
    path = tmp_path / "msra.bio.tsv.gz"
    rows = [("张", "B-PER"), ("三", "I-PER"), ("在", "O"), ("北", "B-LOC"), ("京", "I-LOC"), ("", ""),
            ("新", "B-ORG"), ("华", "I-ORG"), ("社", "I-ORG"), ("报", "O")]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("".join(f"{c}\t{t}\n" if c else "\n" for c, t in rows))
    records = list(corpora.msra_records(path))
    assert [r["text"] for r in records] == ["张三在北京", "新华社报"]
    assert records[0]["entities"] == [[0, 2, "PERSON"], [3, 5, "LOC"]]
    assert records[1]["entities"] == [[0, 3, "ORG"]]


def test_cluener_inclusive_ends_and_dropped_types_missing(tmp_path, char_nlp):
    path = tmp_path / "train.json"
    item = {"text": "浙商银行叶老桂看了《红楼梦》", "label": {"company": {"浙商银行": [[0, 3]]}, "name": {"叶老桂": [[4, 6]]},
                                                "book": {"《红楼梦》": [[9, 13]]}}}
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    (record,) = corpora.cluener_records(path)
    assert sorted(record["entities"]) == [[0, 4, "ORG"], [4, 7, "PERSON"]]
    assert record["missing"] == [[9, 14]]
    doc = corpora.record_to_doc(char_nlp, record)
    assert [(e.text, e.label_) for e in doc.ents] == [("浙商银行", "ORG"), ("叶老桂", "PERSON")]
    assert [t.ent_iob_ for t in doc[9:14]] == [""] * 5  # missing: not penalised as O
    assert doc[8].ent_iob_ == "O"


def test_cluener_types_left_out_of_the_mapping_are_missing(tmp_path):
    path = tmp_path / "train.json"
    item = {"text": "区政府请叶老桂去北京", "label": {"government": {"区政府": [[0, 2]]}, "name": {"叶老桂": [[4, 6]]},
                                          "address": {"北京": [[8, 9]]}}}
    path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    (record,) = corpora.cluener_records(path, {"name": "PERSON"})
    assert record["entities"] == [[4, 7, "PERSON"]]
    assert sorted(record["missing"]) == [[0, 3], [8, 10]]


@pytest.mark.skipif(not SEEDS_GOLD.is_file(), reason="corpus/gold/seeds.jsonl not written yet")
def test_no_gold_span_is_lost_to_tokens_in_training_docs(char_nlp):
    """Every gold entity of the seeds becomes an entity of its training doc (zero unaligned)."""
    records = corpora.gold_records(SEEDS_GOLD)
    for record in records:
        doc = corpora.record_to_doc(char_nlp, record)
        assert sorted((e.start_char, e.end_char, e.label_) for e in doc.ents) == sorted(map(tuple, record["entities"]))


def test_merge_longest_wins_and_lexicon_wins_ties():
    model = [(0, 2, "LOC"), (4, 8, "ORG"), (10, 13, "PERSON")]
    lexicon = [(0, 4, "PROGRAM", "平安浙江"), (4, 8, "PLATFORM", "金安智治")]
    assert component.merge_spans(model, lexicon, "longest") == [
        (0, 4, "PROGRAM", "平安浙江"), (4, 8, "PLATFORM", "金安智治"), (10, 13, "PERSON", "")]
    assert component.merge_spans([(0, 6, "ORG")], lexicon, "longest") == [(0, 6, "ORG", "")]
    assert component.merge_spans([(0, 6, "ORG")], lexicon, "lexicon") == [(0, 4, "PROGRAM", "平安浙江"), (4, 8, "PLATFORM", "金安智治")]
    assert component.merge_spans([(2, 6, "ORG")], lexicon, "model") == [(2, 6, "ORG", "")]
    assert component.merge_spans([(0, 6, "ORG")], lexicon, "outer") == [(0, 4, "PROGRAM", "平安浙江"), (4, 8, "PLATFORM", "金安智治")]


def test_merge_outer_lets_a_longer_model_name_hold_lexicon_names_but_not_rule_spans():
    """国务院 (lexicon) inside 国务院办公厅 (model): the model's name; a rule span (no canonical) stays."""
    assert component.merge_spans([(0, 6, "ORG"), (8, 10, "LOC")], [(0, 3, "ORG", "国务院"), (8, 12, "POLICY", "")], "outer") == [
        (0, 6, "ORG", ""), (8, 12, "POLICY", "")]
    assert component.merge_spans([(0, 12, "EVENT")], [(2, 5, "ORG", "国务院"), (6, 9, "POLICY", "")], "outer") == [
        (2, 5, "ORG", "国务院"), (6, 9, "POLICY", "")]
    # a model EVENT holds a rule's EVENT it only extends by the host before it (成都 | 第31届世界大学生夏季运动会),
    # not one it extends after, nor a rule span of another label
    assert component.merge_spans([(0, 17, "EVENT")], [(2, 17, "EVENT", "")], "outer") == [(0, 17, "EVENT", "")]
    assert component.merge_spans([(0, 17, "EVENT")], [(0, 15, "EVENT", "")], "outer") == [(0, 15, "EVENT", "")]
    assert component.merge_spans([(0, 17, "EVENT")], [(2, 17, "POLICY", "")], "outer") == [(2, 17, "POLICY", "")]
    # a model name of another label holds a rule's place (巴勒斯坦 in 巴勒斯坦伊斯兰抵抗运动), a model place does
    # not (水口乡 | 水口村 stay apart inside 水口乡水口村)
    assert component.merge_spans([(0, 11, "ORG")], [(0, 4, "LOC", "")], "outer") == [(0, 11, "ORG", "")]
    assert component.merge_spans([(0, 6, "LOC")], [(0, 3, "LOC", ""), (3, 6, "LOC", "")], "outer") == [
        (0, 3, "LOC", ""), (3, 6, "LOC", "")]
    with pytest.raises(UserError):
        component.merge_spans([], [], "biggest")


def test_split_at_cuts_words_and_keeps_text():
    doc = Doc(spacy.blank("zh").vocab, words=["金华市委", "政法委", "林纪平"], spaces=[False] * 3)
    assert component.split_at(doc, [0, 2, 4, 7, 10]) == 1
    assert [t.text for t in doc] == ["金华", "市委", "政法委", "林纪平"]
    assert doc.text == "金华市委政法委林纪平"


@pytest.fixture()
def stub_model(tmp_path):
    """A char pipeline that 'predicts' fixed phrases, standing in for a trained model."""
    nlp = tokenizers.char_pipeline()
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "市委政法委"}, {"label": "PERSON", "pattern": "林纪平"},
                        {"label": "LOC", "pattern": "浙江"}])
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "model"


def _word_pipeline(stub_model):
    nlp = spacy.blank("zh")
    lexicon = nlp.add_pipe("entity_ruler", name="governance_lexicon")
    lexicon.add_patterns([{"label": "PROGRAM", "pattern": [{"TEXT": "平安浙江"}], "id": "平安浙江建设"}])
    nlp.add_pipe("governance_ner")
    nlp.get_pipe("governance_ner").initialize(model=str(stub_model))
    return nlp


def test_component_splits_words_and_merges_with_lexicon(stub_model):
    nlp = _word_pipeline(stub_model)
    words = ["金华市委政法委", "林纪平", "谈", "平安浙江", ";婺", "城区"]
    doc = nlp(Doc(nlp.vocab, words=words, spaces=[False] * len(words)))
    # 市委政法委 sits inside one word: the word is split, the entity kept
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        ("市委政法委", "ORG", ""), ("林纪平", "PERSON", ""), ("平安浙江", "PROGRAM", "平安浙江建设")]
    # punctuation glued to a word is split off, so the gold span 婺城区 could align
    assert [t.text for t in doc] == ["金华", "市委政法委", "林纪平", "谈", "平安浙江", ";", "婺", "城区"]


def test_component_drops_model_spans_inside_the_rule_stages_no_entity_spans():
    """The model's PERSON inside a doctrine and LOC of 中方 go; a name outside them stays."""
    nlp = spacy.blank("zh")
    rules_stage = nlp.add_pipe("governance_rules")
    text = "以习近平法治思想为指引，中方代表林纪平发言"
    doc = rules_stage(nlp.make_doc(text))
    predicted = [(text.index("习近平"), text.index("习近平") + 3, "PERSON"), (text.index("中方"), text.index("中方") + 1, "LOC"),
                 (text.index("林纪平"), text.index("林纪平") + 3, "PERSON")]
    doc = component.GovernanceNER(nlp).set_annotations(doc, predicted)
    assert [(e.text, e.label_) for e in doc.ents] == [("林纪平", "PERSON")]


def test_component_serialises_its_model(stub_model, tmp_path):
    nlp = _word_pipeline(stub_model)
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("林纪平到浙江")
    assert {(e.text, e.label_) for e in doc.ents} == {("林纪平", "PERSON"), ("浙江", "LOC")}


def test_component_without_model_is_a_user_error(tmp_path):
    nlp = spacy.blank("zh")
    nlp.add_pipe("governance_ner")
    with pytest.raises(UserError, match="train ner"):
        nlp.get_pipe("governance_ner").initialize(model=str(tmp_path / "nothing"))


def test_prf_counts_exact_matches():
    gold = [(0, 0, 2, "PERSON"), (0, 3, 5, "LOC"), (1, 0, 3, "ORG")]  # (record, start, end, label)
    predicted = [(0, 0, 2, "PERSON"), (0, 3, 6, "LOC"), (1, 0, 3, "ORG"), (1, 4, 5, "ORG")]
    scores = scoring.prf(gold, predicted)
    assert scores["per_label"]["PERSON"]["f"] == 1.0
    assert scores["per_label"]["LOC"]["f"] == 0.0
    assert scores["per_label"]["ORG"]["p"] == 0.5 and scores["per_label"]["ORG"]["r"] == 1.0
    assert scores["micro"]["p"] == 0.5 and scores["micro"]["r"] == pytest.approx(2 / 3)
    assert scores["macro"]["f"] == pytest.approx((1 + 0 + 2 / 3) / 3)


@pytest.mark.slow  # loads pkuseg and the NER model
@pytest.mark.skipif(not (MODEL / "config.cfg").is_file(), reason="no trained model under models/ner")
def test_committed_model_is_small_and_finds_entities():
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size < 30e6
    assert (MODEL / "README.md").is_file()
    nlp = spacy.load(MODEL)
    doc = nlp("国务院总理李鹏今天在北京会见了美国客人。")
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("李鹏", "PERSON") in found and ("北京", "LOC") in found


@pytest.mark.skipif(not (MODEL / "config.cfg").is_file(), reason="no trained model under models/ner")
def test_openblas_products_give_the_blis_entities():
    """The char model multiplies with numpy's OpenBLAS (pipeline/ner/cpu.py); thinc's default is BLIS. Both must
    find the same entities on the seed gold's paragraphs."""
    from pipeline.ner.cpu import one_blas_thread
    blis_nlp = spacy.load(MODEL, config={"nlp": {"vectors": {"@vectors": "governance.CachedVectors.v1"}}})
    numpy_nlp = tokenizers.load_char_pipeline(MODEL)
    assert all(getattr(node.ops, "use_blis", True) for node in blis_nlp.get_pipe("ner").model.walk())
    assert not any(getattr(node.ops, "use_blis", True) for node in numpy_nlp.get_pipe("ner").model.walk())
    texts = [json.loads(line)["text"] for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines()][:200]
    with one_blas_thread():
        by_numpy = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in numpy_nlp.pipe(texts)]
    by_blis = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in blis_nlp.pipe(texts)]
    assert sum(map(len, by_blis)) > 100
    assert by_numpy == by_blis


def test_cached_vectors_equal_floret_vectors():
    import numpy
    from spacy.strings import StringStore
    from spacy.vectors import Vectors

    strings = StringStore(["浙江", "江金", "金华", "华" + tokenizers.END])
    data = numpy.random.default_rng(0).random((50, 4), dtype="float32")
    settings = dict(strings=strings, data=data, mode="floret", minn=1, maxn=2, hash_count=2, attr="NORM")
    keys = [strings[s] for s in ["浙江", "金华", "浙江", "华" + tokenizers.END, "江金"]]
    cached = vectors.CachedVectors(**settings)
    expected = Vectors(**settings).get_batch(keys)
    assert numpy.allclose(cached.get_batch(keys), expected)
    assert numpy.allclose(cached.get_batch(keys[::-1]), expected[::-1])  # served from the cache


def test_compacted_vectors_load_back_as_float32_through_the_model_config(tmp_path):
    import numpy
    from spacy.vectors import Vectors

    nlp = tokenizers.char_pipeline()
    data = numpy.random.default_rng(0).normal(size=(50, 4)).astype("float32")
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=data, mode="floret", minn=1, maxn=2, hash_count=2, attr="NORM")
    nlp.to_disk(tmp_path / "model")
    vectors.compact_vectors(tmp_path / "model")
    assert numpy.load(tmp_path / "model" / "vocab" / "vectors").dtype == numpy.float16
    loaded = spacy.load(tmp_path / "model")
    assert isinstance(loaded.vocab.vectors, vectors.CachedVectors) and loaded.vocab.vectors.data.dtype == numpy.float32
    assert numpy.array_equal(loaded.vocab.vectors.data, data.astype(numpy.float16).astype(numpy.float32))


@pytest.fixture()
def char_run_config(tmp_path):
    """configs/default.cfg with spaCy's char segmenter instead of pkuseg (no model download)."""
    from confection import Config

    config = Config().from_disk(ROOT / "configs" / "default.cfg", interpolate=False)
    config["nlp"]["tokenizer"] = {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": "char"}
    config["initialize"]["tokenizer"] = {}
    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "program.jsonl").write_text(json.dumps({"label": "PROGRAM", "canonical": "平安浙江", "aliases": []},
                                                      ensure_ascii=False) + "\n", encoding="utf-8")
    config["paths"]["lexicon"] = str(lexicon)
    path = tmp_path / "run.cfg"
    config.to_disk(path)
    return path


def test_evaluate_scores_three_systems_and_skips_training_texts(stub_model, char_run_config, tmp_path):
    gold = tmp_path / "gold.jsonl"
    records = [
        {"id": "d1:p1", "doc_id": "d1", "text": "林纪平谈平安浙江", "entities": [[0, 3, "PERSON"], [4, 8, "PROGRAM"]]},
        {"id": "d2:p1", "doc_id": "d2", "text": "浙江省市委政法委", "entities": [[0, 3, "LOC"], [3, 8, "ORG"]]},
        {"id": "d3:p1", "doc_id": "d3", "text": "林纪平在浙江", "entities": [[0, 3, "PERSON"], [4, 6, "LOC"]]},
    ]
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    without_card = scoring.evaluate(stub_model, gold, config=char_run_config)
    assert without_card["records"] == 3 and "may be in-sample" in scoring.format_scores(without_card)
    (stub_model / "training.json").write_text(json.dumps({"data": {"gold_text_sha256": [sha256_text("林纪平在浙江")]}}))
    result = scoring.evaluate(stub_model, gold, config=char_run_config)
    assert result["records"] == 2 and result["skipped_trained_on"] == 1 and "warning" not in result
    systems = result["systems"]
    assert systems["lexicon"]["micro"]["p"] == 1.0 and systems["lexicon"]["micro"]["r"] == 0.25
    # the stub finds 林纪平, 浙江 (inside 平安浙江 and 浙江省) and 市委政法委: 2 of 4 right
    assert systems["model"]["micro"]["p"] == 0.5 and systems["model"]["micro"]["r"] == 0.5
    # combined: 平安浙江 (lexicon, longer) replaces 浙江 -> 3 of 4 gold, 1 false 浙江
    assert systems["combined"]["micro"]["p"] == 0.75 and systems["combined"]["micro"]["r"] == 0.75
    assert result["unaligned_gold_spans"]["combined"] == 0
    assert "PROGRAM" in scoring.format_scores(result)


def test_lexicon_lodo_scores_each_document_without_the_names_only_it_has(stub_model, char_run_config, tmp_path):
    lexicon = tmp_path / "lexicon"
    (lexicon / "org.jsonl").write_text(json.dumps({"label": "ORG", "canonical": "市委政法委", "aliases": []},
                                                  ensure_ascii=False) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    records = [
        {"id": "d1:p1", "doc_id": "d1", "text": "林纪平谈平安浙江", "entities": [[0, 3, "PERSON"], [4, 8, "PROGRAM"]]},
        {"id": "d2:p1", "doc_id": "d2", "text": "平安浙江和市委政法委", "entities": [[0, 4, "PROGRAM"], [5, 10, "ORG"]]},
        {"id": "d3:p1", "doc_id": "d3", "text": "市委政法委", "entities": [[0, 5, "ORG"]]},
    ]
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "without-d1"
    # 平安浙江 is named in d2 too, 市委政法委 not in d1 at all: nothing is d1's alone
    assert scoring.lexicon_without_document(lexicon, records, "d1", out) == 0
    assert scoring.lexicon_without_document(lexicon, records, "d3", out) == 0
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[1:]), encoding="utf-8")
    assert scoring.lexicon_without_document(lexicon, records[1:], "d2", out) == 1  # 平安浙江 is d2's alone now
    assert [json.loads(line)["canonical"] for line in (out / "lexicon.jsonl").read_text(encoding="utf-8").splitlines()] == ["市委政法委"]
    plain = scoring.evaluate(stub_model, gold, config=char_run_config)
    strict = scoring.evaluate(stub_model, gold, config=char_run_config, lexicon_lodo=True)
    assert strict["lexicon_entries_left_out"] == {"d2": 1, "d3": 0}
    assert plain["systems"]["lexicon"]["micro"]["r"] == 1.0  # both names in both lexicons
    # leaving d2 out drops 平安浙江, so the lexicon finds 市委政法委 twice and misses 平安浙江
    assert strict["systems"]["lexicon"]["micro"]["r"] == pytest.approx(2 / 3)


def test_person_spans_written_with_a_joiner_become_one_name():
    text = "迪亚斯-卡内尔同拜登会谈，中方-美方代表和米娅·梅尔策出席。"
    spans = [(0, 3, "PERSON"), (4, 7, "PERSON"), (8, 10, "PERSON"), (13, 14, "LOC"), (15, 16, "LOC"),
             (21, 23, "PERSON"), (24, 27, "PERSON")]
    assert component.join_name_parts(text, spans) == [(0, 7, "PERSON"), (8, 10, "PERSON"), (13, 14, "LOC"),
                                                      (15, 16, "LOC"), (21, 27, "PERSON")]


def test_predicted_spans_are_cut_at_spaces_between_chinese_names():
    text = "通讯员 张范 肖永安 陈贞妃 江胜忠 New York"
    spans = [(4, 10, "PERSON"), (11, 16, "PERSON"), (19, 27, "LOC")]
    assert component.cut_at_spaces(text, spans) == [(4, 6, "PERSON"), (7, 10, "PERSON"), (11, 14, "PERSON"), (19, 27, "LOC")]


@pytest.mark.skipif(not (MODEL / "config.cfg").is_file() or not SEEDS_GOLD.is_file(), reason="needs models/ner and the seed gold")
def test_combined_stage_aligns_every_seed_gold_span(seed_run):  # seed_run has fetched the pkuseg model
    result = scoring.evaluate(MODEL, SEEDS_GOLD, config=ROOT / "configs" / "default.cfg", skip_trained=False)
    assert result["records"] == 154 and result["gold_spans"] == 418
    assert result["unaligned_gold_spans"]["combined"] == 0
    # pkuseg's words alone do lose some (the rule stage already splits words at its own spans)
    words = pipeline.load(ROOT / "configs" / "default.cfg").tokenizer
    records = corpora.gold_records(SEEDS_GOLD)
    assert sum(words(r["text"]).char_span(s, e) is None for r in records for s, e, _ in r["entities"]) > 0


def test_combined_stage_beats_the_lexicon_on_held_out_news(shared_data, seed_run):
    result = scoring.evaluate(MODEL, ROOT / "corpus" / "gold" / "pd1998.standoff.jsonl", config=ROOT / "configs" / "default.cfg",
                          data_dir=shared_data, split="heldout")
    assert result["records"] == 272  # the held-out split (171 paragraphs and 101 of the honours round)
    systems = result["systems"]
    assert systems["combined"]["micro"]["f"] > systems["lexicon"]["micro"]["f"] + 0.3


def test_evaluate_cli_prints_json_and_user_errors_are_one_line(stub_model, char_run_config, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "d1:p1", "text": "林纪平在浙江", "entities": [[0, 3, "PERSON"], [4, 6, "LOC"]]},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", "ner", "--model", str(stub_model), "--data", str(gold),
                                 "--config", str(char_run_config), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["systems"]["model"]["micro"]["f"] == 1.0 and scores["systems"]["lexicon"]["micro"]["r"] == 0.0
    typo = runner.invoke(app, ["evaluate", "ner", "--model", str(stub_model), "--data", str(gold),
                               "--config", str(char_run_config), "--split", "held-out"])
    assert typo.exit_code != 0 and "no records of split 'held-out'" in typo.output and len(typo.output.strip().splitlines()) == 1
    every = runner.invoke(app, ["evaluate", "ner", "--model", str(stub_model), "--data", str(gold),
                                "--config", str(char_run_config), "--split", "all", "--json"])
    assert every.exit_code == 0 and json.loads(every.stdout)["records"] == 1
    missing = runner.invoke(app, ["train", "ner", str(tmp_path / "none.cfg"), "--output", str(tmp_path / "out")])
    assert missing.exit_code == 2 and "NER config not found" in missing.output


def test_training_reads_the_corrections_and_refuses_held_out_ones(shared_data, tmp_path):
    from pipeline.ner.corpora import correction_records
    from pipeline.util import UserError

    root = Path(__file__).resolve().parent.parent
    lines = (root / "corpus" / "corrections" / "round1.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "round1.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = correction_records(tmp_path, shared_data)
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in lines]
    assert all(r["text"] and r["entities"] == json.loads(line)["entities"] for r, line in zip(records, lines))
    with pytest.raises(UserError, match="held-out"):
        correction_records(tmp_path, shared_data, heldout=[{"id": records[0]["id"]}])


def test_each_left_out_document_is_scored_by_its_own_fold_model(stub_model, char_run_config, tmp_path):
    """The pooling of `evaluate ner-cv`: one group per document, each with its fold model and lexicon."""
    other = tokenizers.char_pipeline()
    other.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "林纪平"}])
    other.to_disk(tmp_path / "other")
    records = [
        {"id": "d1:p1", "doc_id": "d1", "text": "林纪平在浙江", "entities": [[0, 3, "PERSON"], [4, 6, "LOC"]]},
        {"id": "d2:p1", "doc_id": "d2", "text": "林纪平在浙江", "entities": [[0, 3, "PERSON"], [4, 6, "LOC"]]},
    ]
    groups, left_out = scoring.lodo_groups(char_run_config, records, {"d1": stub_model, "d2": tmp_path / "other"}, tmp_path / "lex")
    assert [(g.model, [r["id"] for r in g.records]) for g in groups] == [(stub_model, ["d1:p1"]), (tmp_path / "other", ["d2:p1"])]
    assert left_out == {"d1": 0, "d2": 0}
    result = scoring.score_groups(groups, char_run_config, None)
    # the stub finds both entities in d1, the other model only the person in d2
    assert result["systems"]["model"]["micro"]["r"] == 0.75
    assert result["combined_by_document"] == {"d1": 1.0, "d2": pytest.approx(2 / 3)}


@pytest.mark.slow  # reads the whole MSRA training file
def test_a_held_out_seed_document_stays_out_of_training(shared_data, tmp_path):
    from thinc.api import Config

    config = Config().from_disk(ROOT / "configs" / "ner.cfg", overrides={
        "data.use_seeds": True, "data.held_out_document": "000_fe018ba71f599853", "data.use_cluener": False,
        "data.use_standoff": False, "data.use_corrections": False, "data.gold_repeat": 1,
        "data.use_stories": False, "data.silver": {}})
    train, _, sources = training.training_records(config)
    seeds = [r for r in train if not r["id"].startswith("msra:")]
    assert seeds and all(corpora.document_of(r) != "000_fe018ba71f599853" for r in seeds)
    assert len(seeds) == sum(1 for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines()
                             if json.loads(line)["doc_id"] != "000_fe018ba71f599853")
    assert sources["seeds"]["held_out_document"] == "000_fe018ba71f599853"


def _bio_sentence(parts: list[tuple[str, str]]) -> str:
    """MSRA lines for a sentence given as (text, label or "") parts."""
    lines = []
    for text, label in parts:
        lines += [f"{c}\t{('B-' if i == 0 else 'I-') + label if label else 'O'}" for i, c in enumerate(text)]
    return "\n".join(lines) + "\n\n"


@pytest.fixture()
def release_config(tmp_path, char_run_config):
    """configs/ner.cfg shrunk to a few steps on a synthetic MSRA file and a two-document gold file."""
    from confection import Config

    people, places, orgs = ["林纪平", "王建国", "李明华", "张晓东"], ["浙江", "金华市", "浦江县", "杭州"], ["省公安厅", "县人民法院", "市委政法委"]
    with (tmp_path / "msra.bio.tsv").open("w", encoding="utf-8") as f:
        for i, (p, l, o) in enumerate(itertools.product(people, places, orgs)):
            f.write(_bio_sentence([(p, "PER"), ("在", ""), (l, "LOC"), ("的", ""), (o, "ORG"), ("工作。" if i % 2 else "说。", "")]))
    gold = [{"id": f"{d}:a1:p{n}", "doc_id": d, "text": f"{p}到{l}调研。", "cats": ["public_security"],
             "entities": [[0, 3, "PERSON"], [4, 4 + len(l), "LOC"]]}
            for n, (d, p, l) in enumerate(zip(["d1", "d1", "d2", "d2"], people, places))]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold), encoding="utf-8")
    config = Config().from_disk(ROOT / "configs" / "ner.cfg", interpolate=False)
    config["paths"].update({"msra": str(tmp_path / "msra.bio.tsv"), "gold": str(tmp_path / "gold.jsonl"),
                            "cluener": str(tmp_path / "none" / "train.json"), "standoff": str(tmp_path / "none.jsonl"),
                            "lexicon": str(tmp_path / "lexicon"), "corpus_dir": str(tmp_path / "corpus")})
    config["data"].update({"msra_dev_share": 0.3, "use_cluener": False, "use_standoff": False, "use_corrections": False,
                           "use_stories": False, "silver": {}})
    config["data"]["vectors"].update({"dim": 8, "bucket": 500, "epoch": 1, "story_years": []})  # tiny, but stored float16 and continued
    config["training"].update({"max_steps": 20, "eval_frequency": 10})
    config["release"]["work_dir"] = str(tmp_path / "release")
    config.to_disk(tmp_path / "ner.cfg")
    return tmp_path / "ner.cfg"


def test_a_repeated_record_is_stored_once_and_trains_the_model_a_copy_per_repeat_trains(release_config, tmp_path):
    from thinc.api import Config
    once, copies = tmp_path / "once", tmp_path / "copies"
    overrides = {"data.use_seeds": True, "paths.corpus_dir": str(once)}  # four seed paragraphs, each 3 times
    training.prepare_corpus(release_config, overrides)
    nlp = spacy.blank("zh")
    stored = list(DocBin(store_user_data=True).from_disk(once / "train.spacy").get_docs(nlp.vocab))
    examples = list(spacy.registry.readers.get("governance.CharCorpus.v1")(once / "train.spacy")(nlp))
    records, _, _ = training.training_records(Config().from_disk(release_config, overrides=overrides))
    assert len(examples) == len(records) and len(stored) == len(records) - 4 * 2
    # the layout before: a doc for each repeat
    shutil.copytree(once, copies)
    expanded = DocBin(attrs=["ORTH", "NORM", "LEMMA", "ENT_IOB", "ENT_TYPE"])
    for doc in stored:
        for _ in range(doc.user_data.get("repeat", 0)):
            expanded.add(doc)
    expanded.to_disk(copies / "train.spacy")
    assert len(expanded) == len(examples)
    training.fit(release_config, tmp_path / "a", overrides, evaluate_on=[], score=False)
    training.fit(release_config, tmp_path / "b", {**overrides, "paths.corpus_dir": str(copies)}, evaluate_on=[], score=False)
    assert (tmp_path / "a" / "ner" / "model").read_bytes() == (tmp_path / "b" / "ner" / "model").read_bytes()


@pytest.mark.slow  # trains two models in two processes
def test_models_trained_side_by_side_are_recorded_as_they_finish_though_another_fails(release_config, tmp_path):
    docs = release.char_docs(release_config, {})
    good = {"paths.corpus_dir": str(tmp_path / "good-corpus")}
    bad = {"paths.corpus_dir": str(tmp_path / "bad-corpus"), "data.keep_checkpoint": "worst"}  # fails once trained
    recorded = []
    with pytest.raises(UserError, match="keep_checkpoint must be best or last"):
        release.train_models(release_config, [(tmp_path / "bad", bad, False), (tmp_path / "good", good, False)], 2, docs,
                             recorded.append)
    assert recorded == [tmp_path / "good"] and (tmp_path / "good" / "ner" / "model").is_file()


@pytest.mark.slow  # trains five models (minutes)
def test_release_makes_base_folds_and_final_in_one_command_and_skips_what_is_up_to_date(release_config, char_run_config,
                                                                                       tmp_path, capsys):
    model, work = tmp_path / "model", tmp_path / "release"
    card = release.release(release_config, model, run_config=char_run_config)
    assert "release: base ->" in capsys.readouterr().out
    lock = json.loads((work / "lock.json").read_text(encoding="utf-8"))
    assert sorted(lock) == ["base", "cross-validation", "final", "fold d1", "fold d2"]
    cv = json.loads((work / "cv" / "cv.json").read_text(encoding="utf-8"))
    assert sorted(cv) == ["lexicon as shipped", "lexicon without the left-out document's own names"]
    assert sorted(p.name for p in (work / "cv").iterdir() if (p / "ner").is_dir()) == ["d1", "d2"]
    assert card["base_model"] == str(work / "base") and card["data"]["seeds"]["train"] == 4
    assert card["retrain"].startswith(f"python -m pipeline train ner-release {release_config.as_posix()}")
    assert card["retrain"] in (model / "README.md").read_text(encoding="utf-8")
    evaluations = json.loads((model / "evaluation.json").read_text(encoding="utf-8"))
    assert evaluations["seeds, leave one document out (lexicon as shipped)"] == cv["lexicon as shipped"]
    assert (model / "tokenizer" / "user_words.txt").is_file()

    release.release(release_config, model, run_config=char_run_config)
    assert capsys.readouterr().out.count("is up to date") == 3
    assert json.loads((work / "lock.json").read_text(encoding="utf-8")) == lock

    # a release stopped among its folds resumes with the folds it had not finished
    write_json(work / "lock.json", {k: v for k, v in lock.items() if k not in ("cross-validation", "final")})
    shutil.rmtree(work / "cv" / "d2")
    kept = (work / "cv" / "d1" / "ner" / "model").stat().st_mtime_ns
    release.release(release_config, model, run_config=char_run_config)
    out = capsys.readouterr().out
    assert "release: fold d1 is up to date" in out and "release: fold d2 ->" in out and "release: final ->" in out
    assert (work / "cv" / "d1" / "ner" / "model").stat().st_mtime_ns == kept and (work / "cv" / "d2" / "ner").is_dir()
    assert sorted(json.loads((work / "lock.json").read_text(encoding="utf-8"))) == sorted(lock)

    release.release(release_config, model, run_config=char_run_config, overrides={"release.fine_tune.gold_repeat": 2})
    out = capsys.readouterr().out
    assert "release: base is up to date" in out and "release: cross-validation ->" in out and "release: final ->" in out
    assert json.loads((model / "training.json").read_text(encoding="utf-8"))["data"]["gold_repeat"] == 2

    release.release(release_config, model, run_config=char_run_config, overrides={"release.fine_tune.gold_repeat": 2},
                force=["final"])
    out = capsys.readouterr().out
    assert out.count("is up to date") == 2 and "release: final ->" in out
    with pytest.raises(UserError, match="no such release step"):
        release.release(release_config, model, run_config=char_run_config, force=["vectors"])

    # the folds and the final model one at a time: the same models as side by side (config: jobs 2)
    apart = tmp_path / "apart"
    release.release(release_config, tmp_path / "model-apart", run_config=char_run_config,
                    overrides={"release.fine_tune.gold_repeat": 2, "release.jobs": 1, "release.work_dir": str(apart)})
    for fold in ("d1", "d2"):
        assert (apart / "cv" / fold / "ner" / "model").read_bytes() == (work / "cv" / fold / "ner" / "model").read_bytes()
    assert (tmp_path / "model-apart" / "ner" / "model").read_bytes() == (model / "ner" / "model").read_bytes()
    scores = [{k: {f: v for f, v in r.items() if f != "command"} for k, r in json.loads((w / "cv" / "cv.json").read_text()).items()}
              for w in (apart, work)]
    assert scores[0] == scores[1]

    program = tmp_path / "program.jsonl"
    program.write_text(json.dumps({"id": "d3:a1:p1", "doc_id": "d3", "text": "推进平安浙江。", "entities": [[2, 6, "PROGRAM"]]},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="has no PROGRAM label"):
        training.train(release_config, tmp_path / "other", {"paths.base_model": str(work / "base"), "data.use_seeds": True,
                                                       "paths.gold": str(program)})


def test_the_corpus_and_vectors_table_are_kept_only_while_the_records_and_texts_they_come_from_are_the_same(
        release_config, tmp_path, capsys):
    overrides = {"paths.corpus_dir": str(tmp_path / "corpus")}
    table = tmp_path / "corpus" / "vectors" / "pipeline" / "vocab"
    corpus = [tmp_path / "corpus" / name for name in ("train.spacy", "dev.spacy")]

    def written() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in [*table.iterdir(), *corpus]}

    training.prepare_corpus(release_config, overrides)
    first = written()
    training.prepare_corpus(release_config, overrides)
    assert written() == first  # same config, same records and texts: the corpus and the table stay
    assert "kept (its records and tokenizer are unchanged)" in capsys.readouterr().out
    (tmp_path / "corpus" / "corpus.stamp").write_text("a corpus half written")  # a stamp not of these records
    assert not training.stamped(tmp_path / "corpus" / "corpus.stamp", "these records", *corpus)
    assert not (tmp_path / "corpus" / "corpus.stamp").exists()  # gone before the corpus is remade: never taken for whole
    (tmp_path / "corpus" / "corpus.stamp").write_text("a corpus half written")
    training.prepare_corpus(release_config, overrides)
    assert all(written()[p.name] != first[p.name] for p in corpus)
    first = written()
    msra = tmp_path / "msra.bio.tsv"  # the same number of sentences and names, one name written otherwise
    msra.write_text(msra.read_text(encoding="utf-8").replace("林", "赵"), encoding="utf-8")
    training.prepare_corpus(release_config, overrides)
    assert all(written()[name] != when for name, when in first.items())  # other records and texts: made again


def test_the_vectors_learn_each_text_once_so_gold_from_the_unlabelled_stories_leaves_them_as_they_were():
    from thinc.api import Config
    config = Config().from_disk(ROOT / "configs" / "ner.cfg", interpolate=False)
    config["paths"]["msra"] = str(SHARED / "ner" / "msra" / "train.bio.tsv.gz")
    config["data"]["vectors"]["story_years"] = [2023]
    _, paragraph = next(itertools.islice(corpora.story_paragraphs(SHARED, [2023]), 500, None))
    unlabelled = list(training.vector_texts(config, []))
    assert paragraph in unlabelled
    gold = [{"id": "xwlb:x:p0", "text": paragraph, "entities": []}, {"id": "d9:a1:p1", "text": "林纪平到浦江县调研。", "entities": []}]
    assert list(training.vector_texts(config, gold + gold)) == unlabelled + ["林纪平到浦江县调研。"]


@pytest.mark.slow  # trains two small models
def test_continuing_with_another_vectors_table_keeps_that_table(release_config, tmp_path):
    import numpy
    from pipeline.ner.vectors import train_vectors

    base = tmp_path / "base"
    training.train(release_config, base, {"paths.corpus_dir": str(tmp_path / "corpus-base")}, evaluate_on=[])
    other = train_vectors(["林纪平在金华市的市委政法委工作。", "王建国到杭州调研。"] * 40, tmp_path / "domain",
                          dim=8, bucket=300, epoch=2)
    continued = tmp_path / "continued"
    training.train(release_config, continued, {"paths.base_model": str(base), "paths.vectors": str(other),
                                               "paths.corpus_dir": str(tmp_path / "corpus-continued")}, evaluate_on=[])
    table = numpy.load(continued / "vocab" / "vectors")
    assert table.shape == (300, 8)  # the other table's bucket (the base's has 500 rows)
    assert numpy.array_equal(table, numpy.load(other / "vocab" / "vectors").astype(numpy.float16))
    assert numpy.load(base / "vocab" / "vectors").shape == (500, 8)


def test_model_policies_lose_a_leading_guanyu_unless_they_are_decisions():
    text = "关于立法法修正草案的说明，关于修改立法法的决定"
    spans = component.trim_policies(text, [(0, 5, "POLICY"), (13, 23, "POLICY"), (0, 2, "ORG")])
    assert [(text[s:e], label) for s, e, label in spans] == [("立法法", "POLICY"), ("关于修改立法法的决定", "POLICY"), ("关于", "ORG")]


def test_model_spans_with_half_a_pair_of_quotes_are_dropped():
    text = "从三次主持召开“一带一路”建设座谈会，到“福特”号航母舰队和“中国这十年”系列主题新闻发布会"
    half, whole = text.index("一带一路”建设"), text.index("“中国这十年”")
    spans = [(half, text.index("，"), "EVENT"), (text.index("福特"), text.index("和“中国"), "ORG"),
             (whole, whole + 7, "PROGRAM"), (whole + 1, whole + 6, "EVENT")]
    assert [text[s:e] for s, e, _ in component.whole_quotes(text, spans)] == ["“中国这十年”", "中国这十年"]


def test_model_policies_that_stop_inside_a_title_end_at_its_close_and_half_titles_are_dropped():
    text = "发布《中小企业数字化水平评测指标》《中小企业数字化转型指南》和《舌尖上的中国（第四季）》"
    opened, half = text.index("《中小"), text.index("第四季")
    spans = component.whole_titles(text, [(opened, opened + 3, "POLICY"), (half, half + 5, "POLICY"), (opened, opened + 3, "ORG")])
    assert [(text[s:e], label) for s, e, label in spans] == [("《中小企业数字化水平评测指标》", "POLICY"), ("《中小", "ORG")]


def test_events_hold_a_year_written_without_nian_before_them():
    text = "2022全国中小企业数字化转型大会举行，2023年全国两会，12022大会，2024上海全球投资促进大会"

    def event(name: str) -> tuple[int, int, str, str]:
        start = text.index(name)
        return start, start + len(name), "EVENT", ""

    spans = component.years_inside_events(text, [event("全国中小企业数字化转型大会"), event("全国两会"), event("大会，"),
                                                 event("上海全球投资促进大会")])
    assert [text[s:e] for s, e, _, _ in spans] == ["2022全国中小企业数字化转型大会", "全国两会", "大会，", "2024上海全球投资促进大会"]


def test_a_phase_after_a_lexicon_programme_is_left_outside_it():
    """南水北调中线工程 and 南水北调东线一期工程 (the model stopping inside it) are 南水北调 under its canonical name; a
    span the lexicon holds whole, one not starting on a lexicon programme and a head beyond eight characters stay."""
    text = "南水北调中线工程，南水北调东线一期工程，三北工程，引江补汉工程，南水北调对口协作和水源区保护工程"
    at = lambda name, nth=0: [i for i in range(len(text)) if text.startswith(name, i)][nth]  # noqa: E731
    lexicon = [(at("南水北调", n), at("南水北调", n) + 4, "PROGRAM", "南水北调") for n in range(3)] + [
        (at("三北工程"), at("三北工程") + 4, "PROGRAM", "三北")]
    spans = [(at("南水北调中线工程"), at("南水北调中线工程") + 8, "PROGRAM", ""),
             (at("南水北调东线一期"), at("南水北调东线一期") + 7, "PROGRAM", ""),
             lexicon[3], (at("引江补汉工程"), at("引江补汉工程") + 6, "PROGRAM", ""),
             (at("南水北调", 2), len(text), "PROGRAM", "")]
    kept = component.programmes_without_phases(text, spans, lexicon)
    assert [(text[s:e], canonical) for s, e, _, canonical in kept] == [
        ("南水北调", "南水北调"), ("南水北调", "南水北调"), ("三北工程", "三北"), ("引江补汉工程", ""),
        ("南水北调对口协作和水源区保护工程", "")]


def test_the_rule_stage_leaves_a_programmes_phase_to_the_lexicon():
    """The campaign rule finds 国家水网骨干工程 after 实施; the lexicon's 国家水网 inside it is kept instead."""
    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PROGRAM", "pattern": [{"ORTH": "国家水网"}], "id": "国家水网"}])
    rules_stage = nlp.add_pipe("governance_rules")
    doc = rules_stage(ruler(Doc(nlp.vocab, words=["加快", "实施", "国家水网", "骨干", "工程", "，", "开展", "禁毒", "专项", "斗争", "。"],
                                 spaces=[False] * 11)))
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [("国家水网", "PROGRAM", "国家水网"), ("禁毒专项斗争", "PROGRAM", "")]


def test_a_place_right_before_a_body_joins_it():
    """江西省 + 兴国县平川中学 and 浙江 + 余姚 + 横坎头村党委 are one ORG each; a body opening with its own people
    (冲绳 | 美军), a one-character place (京 | 全国政协), a place with a character between and a place before a place stay."""
    text = "江西省兴国县平川中学，浙江余姚横坎头村党委，冲绳美军，在京全国政协，中国第21批维和部队，北京天安门"

    def span(name: str, label: str, nth: int = 0) -> tuple[int, int, str, str]:
        start = [i for i in range(len(text)) if text.startswith(name, i)][nth]
        return start, start + len(name), label, ""

    spans = [span("江西省", "LOC"), span("兴国县平川中学", "ORG"), span("浙江", "LOC"), span("余姚", "LOC"),
             span("横坎头村党委", "ORG"), span("冲绳", "LOC"), span("美军", "ORG"), span("京", "LOC"), span("全国政协", "ORG"),
             span("中国", "LOC"), span("批维和部队", "ORG"), span("北京", "LOC"), span("天安门", "LOC")]
    joined = component.places_with_their_bodies(text, spans)
    assert [(text[s:e], label) for s, e, label, _ in joined] == [
        ("江西省兴国县平川中学", "ORG"), ("浙江余姚横坎头村党委", "ORG"), ("冲绳", "LOC"), ("美军", "ORG"), ("京", "LOC"),
        ("全国政协", "ORG"), ("中国", "LOC"), ("批维和部队", "ORG"), ("北京", "LOC"), ("天安门", "LOC")]


def test_a_place_takes_the_generic_head_of_its_site():
    """济南 + 高新区, 三门 + 水库 are one LOC each; a head that opens a body (首都机场集团), a head a span covers, a
    one-character place and an ORG stay."""
    text = "济南高新区，三门水库，首都机场集团，辽宁大桥公司，沪机场，央行高新区"

    def span(name: str, label: str) -> tuple[int, int, str, str]:
        start = text.index(name)
        return start, start + len(name), label, ""

    spans = [span("济南", "LOC"), span("三门", "LOC"), span("首都", "LOC"), span("辽宁", "LOC"), span("大桥公司", "ORG"),
             span("沪", "LOC"), span("央行", "ORG")]
    joined = component.places_with_their_sites(text, spans)
    assert [(text[s:e], label) for s, e, label, _ in joined] == [
        ("济南高新区", "LOC"), ("三门水库", "LOC"), ("首都", "LOC"), ("辽宁", "LOC"), ("大桥公司", "ORG"), ("沪", "LOC"),
        ("央行", "ORG")]


def test_people_before_a_direction_or_region_and_ending_in_province_are_places():
    text = "切尔尼戈夫方向，图巴斯等地，伊德利卜省，李强等人，王段长"
    spans = [(0, 5, "PERSON", ""), (8, 11, "PERSON", ""), (14, 19, "PERSON", ""), (20, 22, "PERSON", ""), (25, 26, "PERSON", "")]
    assert [(text[s:e], label) for s, e, label, _ in component.places_not_people(text, spans)] == [
        ("切尔尼戈夫", "LOC"), ("图巴斯", "LOC"), ("伊德利卜省", "LOC"), ("李强", "PERSON"), ("王", "PERSON")]


def test_people_after_a_city_or_direction_and_before_a_count_of_places_are_places():
    """海滨城市 + name, 北部 + name, a name + 三地 or 等省份 are LOC; a list of people, one of them read as a place,
    stays a list of people."""
    text = "海滨城市瓜亚基尔，以色列北部谢莫纳，伊万基夫三地，塔伊兹、荷台达等省份，何雷、梁阳、王振国等6位代表"
    names = [("瓜亚基尔", "PERSON"), ("以色列", "LOC"), ("谢莫纳", "PERSON"), ("伊万基夫", "PERSON"), ("塔伊兹", "PERSON"),
             ("荷台达", "PERSON"), ("何雷", "PERSON"), ("梁阳", "LOC"), ("王振国", "PERSON")]
    spans = [(text.index(name), text.index(name) + len(name), label, "") for name, label in names]
    assert [(text[s:e], label) for s, e, label, _ in component.places_not_people(text, spans)] == [
        ("瓜亚基尔", "LOC"), ("以色列", "LOC"), ("谢莫纳", "LOC"), ("伊万基夫", "LOC"), ("塔伊兹", "PERSON"), ("荷台达", "LOC"),
        ("何雷", "PERSON"), ("梁阳", "LOC"), ("王振国", "PERSON")]


def test_a_person_before_a_prize_is_the_prize():
    """诺贝尔 + 物理学奖, 鲁班 + 奖 and a PERSON span 鲁班奖 are HONOR; a person before a bonus, a reward or an award
    ceremony stays a PERSON."""
    text = "诺贝尔物理学奖，鲁班奖，鲁班奖，张三奖金，李四颁奖"
    spans = [(0, 3, "PERSON", ""), (8, 10, "PERSON", ""), (12, 15, "PERSON", ""), (16, 18, "PERSON", ""), (21, 23, "PERSON", "")]
    assert [(text[s:e], label) for s, e, label, _ in component.prizes_named_after_people(text, spans)] == [
        ("诺贝尔物理学奖", "HONOR"), ("鲁班奖", "HONOR"), ("鲁班奖", "HONOR"), ("张三", "PERSON"), ("李四", "PERSON")]


def test_nothing_is_named_inside_a_title_that_is_no_name():
    """习近平 in 《习近平谈治国理政》 goes (C36); 人民日报 of 《人民日报》 and a POLICY holding its title stay, as does
    a name outside titles."""
    text = "《习近平谈治国理政》，《人民日报》，《中华人民共和国民法典》，习近平"
    spans = [(1, 4, "PERSON", ""), (12, 16, "ORG", ""), (18, 30, "POLICY", ""), (19, 23, "LOC", ""), (31, 34, "PERSON", "")]
    assert [(text[s:e], label) for s, e, label, _ in component.nothing_inside_titles(text, spans)] == [
        ("人民日报", "ORG"), ("《中华人民共和国民法典》", "POLICY"), ("中华人民", "LOC"), ("习近平", "PERSON")]


def test_a_body_place_or_treaty_right_before_its_numbered_event_joins_it():
    """国务院 + 第六次全体会议, 河北省 + 第四届冰雪运动会 and 《生物多样性公约》 + 第十五次缔约方大会 are one EVENT each, and a
    place before the short name of a game (巴黎 + 奥运会); a place with a character between, an event without its ordinal
    first that is no game, a body before a game, a one-character place (沪) and a PERSON stay."""
    text = ("国务院第六次全体会议，河北省第四届冰雪运动会，《生物多样性公约》第十五次缔约方大会，北京的第十届论坛，上海进博会，沪第二届会，"
            "李强第三次会，巴黎奥运会，上海高峰论坛，总台奥运会")

    def span(name: str, label: str, after: str = "") -> tuple[int, int, str, str]:
        start = text.index(name, text.index(after) if after else 0)
        return start, start + len(name), label, ""

    spans = [span("国务院", "ORG"), span("第六次全体会议", "EVENT"), span("河北省", "LOC"), span("第四届冰雪运动会", "EVENT"),
             span("《生物多样性公约》", "POLICY"), span("第十五次缔约方大会", "EVENT"), span("北京", "LOC"),
             span("第十届论坛", "EVENT"), span("上海", "LOC"), span("进博会", "EVENT"), span("沪", "LOC"),
             span("第二届会", "EVENT"), span("李强", "PERSON"), span("第三次会", "EVENT"), span("巴黎", "LOC"),
             span("奥运会", "EVENT"), span("上海", "LOC", after="上海高峰"), span("高峰论坛", "EVENT"), span("总台", "ORG"),
             span("奥运会", "EVENT", after="总台")]
    joined = component.hosts_with_their_numbered_events(text, spans)
    assert [(text[s:e], label) for s, e, label, _ in joined] == [
        ("国务院第六次全体会议", "EVENT"), ("河北省第四届冰雪运动会", "EVENT"), ("《生物多样性公约》第十五次缔约方大会", "EVENT"),
        ("北京", "LOC"), ("第十届论坛", "EVENT"), ("上海进博会", "EVENT"), ("沪", "LOC"), ("第二届会", "EVENT"),
        ("李强", "PERSON"), ("第三次会", "EVENT"), ("巴黎奥运会", "EVENT"), ("上海", "LOC"), ("高峰论坛", "EVENT"),
        ("总台", "ORG"), ("奥运会", "EVENT")]


def test_a_prize_loses_its_edition():
    """第七届中国工业大奖 and 首届兰花奖 are HONOR without their edition (rule 34); an EVENT keeps it, and a bare 第二届奖
    (nothing left but the head) stays as it is."""
    text = "第七届中国工业大奖揭晓，首届兰花奖颁奖，第五届进博会，第二届奖"
    spans = [(text.index(name), text.index(name) + len(name), label, "") for name, label in
             [("第七届中国工业大奖", "HONOR"), ("首届兰花奖", "HONOR"), ("第五届进博会", "EVENT"), ("第二届奖", "HONOR")]]
    assert [(text[s:e], label) for s, e, label, _ in component.honours_without_their_edition(text, spans)] == [
        ("中国工业大奖", "HONOR"), ("兰花奖", "HONOR"), ("第五届进博会", "EVENT"), ("第二届奖", "HONOR")]


def test_a_name_takes_in_its_closing_bracket_and_an_org_its_company():
    """中央宣传部（国家新闻出版署 takes its ）; a span with its brackets balanced, or not right before a ）, stays.
    美国联合航空 takes 公司 and 中国石油天然气集团 有限公司; a LOC before 公司 and an ORG whose 公司 another span
    holds stay."""
    text = "中央宣传部（国家新闻出版署），四川大学（江安），北京（海淀区的，美国联合航空公司，中国石油天然气集团有限公司，中国公司，央行公司债"

    def span(name: str, label: str, after: str = "") -> tuple[int, int, str, str]:
        start = text.index(name, text.index(after) if after else 0)
        return start, start + len(name), label, ""

    spans = [span("中央宣传部（国家新闻出版署", "ORG"), span("四川大学（江安）", "ORG"), span("北京（海淀", "LOC"),
             span("美国联合航空", "ORG"), span("中国石油天然气集团", "ORG"), span("中国", "LOC", after="，中国公司"),
             span("央行", "ORG"),
             span("公司债", "POLICY")]
    closed = component.companies_whole(text, component.closed_brackets(text, spans))
    assert [(text[s:e], label) for s, e, label, _ in closed] == [
        ("中央宣传部（国家新闻出版署）", "ORG"), ("四川大学（江安）", "ORG"), ("北京（海淀", "LOC"), ("美国联合航空公司", "ORG"),
        ("中国石油天然气集团有限公司", "ORG"), ("中国", "LOC"), ("央行", "ORG"), ("公司债", "POLICY")]


def test_a_prefecture_level_city_joins_its_airport():
    """安阳 + 红旗渠机场 is one LOC (a prefecture-level city, the gazetteer says); a province (湖北, and 吉林, which names
    a city too), a city before another site (水库), a city with a character between and a foreign place stay apart."""
    text = "安阳红旗渠机场，湖北鄂州花湖机场，邵阳犬木塘水库，南充的阆中古城机场，英国希思罗机场，吉林长春龙嘉机场"

    def span(name: str) -> tuple[int, int, str, str]:
        start = text.index(name)
        return start, start + len(name), "LOC", ""

    names = ["安阳", "红旗渠机场", "湖北", "鄂州花湖机场", "邵阳", "犬木塘水库", "南充", "阆中古城机场", "英国", "希思罗机场",
             "吉林", "长春龙嘉机场"]
    joined = component.cities_with_their_airports(text, [span(name) for name in names])
    assert [text[s:e] for s, e, _, _ in joined] == [
        "安阳红旗渠机场", "湖北", "鄂州花湖机场", "邵阳", "犬木塘水库", "南充", "阆中古城机场", "英国", "希思罗机场", "吉林",
        "长春龙嘉机场"]


def test_model_programmes_that_cut_one_character_off_a_word_are_dropped():
    nlp = spacy.blank("zh")
    # words as pkuseg writes them: 践行 and 推进 are verbs, 平安中国建设 one word with its head
    doc = Doc(nlp.vocab, words=["践行", "全球", "安全", "倡议", "，", "推进", "平安中国建设", "，", "驻华", "使节"],
              spaces=[False] * 10)
    spans = [(1, 8, "PROGRAM"),   # 行全球安全倡议: 践 left outside
             (2, 8, "PROGRAM"),   # 全球安全倡议: whole words
             (11, 15, "PROGRAM"),  # 平安中国: 建设, a whole word's worth, left outside
             (10, 17, "PROGRAM"),  # 进平安中国建设: 推 left outside
             (19, 20, "LOC")]      # 华 of 驻华: places keep their cut
    kept = component.whole_words(doc, spans)
    assert [(doc.text[s:e], label) for s, e, label in kept] == [
        ("全球安全倡议", "PROGRAM"), ("平安中国", "PROGRAM"), ("华", "LOC")]


def test_micro_f1_interval_resamples_paragraphs():
    from pipeline.ner.evaluate import counts, micro_f1_interval
    perfect = counts([[(0, 2, "LOC")]] * 5, [[(0, 2, "LOC")]] * 5)
    assert micro_f1_interval(perfect) == [1.0, 1.0]
    half = counts([[(0, 2, "LOC")], [(0, 2, "LOC")]] * 20, [[(0, 2, "LOC")], []] * 20)  # F1 2/3 overall
    low, high = micro_f1_interval(half)
    assert low < 2 / 3 < high and high - low < 0.4


def test_recall_intervals_are_per_label_and_hold_each_labels_recall():
    """Each label's recall interval from resampled paragraphs: exact where every span is found, around the recall
    elsewhere (HONOR: 1 of 30 found, LOC: 91 of 120)."""
    from pipeline.ner.evaluate import recall_intervals
    gold = [[(0, 0, 2, "LOC"), (0, 3, 5, "HONOR")], [(1, 0, 2, "LOC")]] * 30 + [[(60, 0, 2, "LOC")]] * 60
    found = [[(0, 0, 2, "LOC"), (0, 3, 5, "HONOR")], [(1, 0, 2, "LOC")]] + [[(0, 0, 2, "LOC")], []] * 29 + [[(60, 0, 2, "LOC")]] * 60
    gold = [[(n, *span[1:]) for span in spans] for n, spans in enumerate(gold)]
    found = [[(n, *span[1:]) for span in spans] for n, spans in enumerate(found)]
    intervals = recall_intervals(gold, found)
    assert set(intervals) == {"HONOR", "LOC"}
    (h_low, h_high), (l_low, l_high) = intervals["HONOR"], intervals["LOC"]
    assert h_low <= 1 / 30 <= h_high < 0.2 and l_low < 91 / 120 < l_high and l_high - l_low < 0.2
    assert recall_intervals([[(0, 0, 2, "LOC")]] * 4, [[(0, 0, 2, "LOC")]] * 4) == {"LOC": [1.0, 1.0]}
