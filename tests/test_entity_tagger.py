"""The BILUO entity tagger: exact constrained decoding and marginals, gold from ``doc.ents``."""
import itertools

import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.training import Example

from pipeline.ner.tagger import BILUOLattice

TYPES = ("LOC", "ORG")
LABELS = ("O",) + tuple(f"{m}-{t}" for t in TYPES for m in "BILU")
LATTICE = BILUOLattice(LABELS)


def valid(seq: tuple[int, ...]) -> bool:
    """The BILUO rules, written out independently of the lattice's index arrays."""
    tags = [LABELS[k] for k in seq]
    if tags[0][0] in "IL" or tags[-1][0] in "BI":
        return False
    for a, b in zip(tags, tags[1:]):
        inside = a[0] in "BI"
        if inside != (b[0] in "IL") or (inside and a[2:] != b[2:]):
            return False
    return True


def all_valid(n: int) -> list[tuple[int, ...]]:
    return [seq for seq in itertools.product(range(len(LABELS)), repeat=n) if valid(seq)]


probabilities = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(st.floats(0.01, 1.0), min_size=len(LABELS), max_size=len(LABELS)), min_size=n, max_size=n))


def normalised(rows: list[list[float]]) -> numpy.ndarray:
    p = numpy.array(rows, dtype="float32")
    return p / p.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(probabilities, min_size=1, max_size=4))
def test_decoding_finds_the_best_valid_sequence(batch):
    docs = [normalised(rows) for rows in batch]
    for probs, tags in zip(docs, LATTICE.decode(docs)):
        assert valid(tuple(tags))
        best = max(numpy.log(probs[range(len(probs)), seq]).sum() for seq in all_valid(len(probs)))
        assert numpy.log(probs[range(len(probs)), tags]).sum() == pytest.approx(best, abs=1e-4)


def test_valid_rows_are_taken_as_they_are_and_broken_ones_searched():
    """A batch mixing a document whose most probable tags are valid with ones whose are not."""
    def peaked(tags: list[str], runner_up: dict[int, str] | None = None) -> numpy.ndarray:
        p = numpy.full((len(tags), len(LABELS)), 0.01, dtype="float32")
        for t, tag in enumerate(tags):
            p[t, LABELS.index(tag)] = 0.6
        for t, tag in (runner_up or {}).items():
            p[t, LABELS.index(tag)] = 0.3
        return p / p.sum(axis=1, keepdims=True)

    good = peaked(["B-ORG", "I-ORG", "L-ORG", "O", "U-LOC"])
    # I-LOC after B-ORG breaks the rules; the best repair relabels it I-ORG (its runner-up)
    broken = peaked(["B-ORG", "I-LOC", "L-ORG"], {1: "I-ORG"})
    starts_inside = peaked(["L-LOC", "O"], {0: "U-LOC"})
    decoded = [[LABELS[k] for k in tags] for tags in LATTICE.decode([good, broken, starts_inside])]
    assert decoded == [["B-ORG", "I-ORG", "L-ORG", "O", "U-LOC"], ["B-ORG", "I-ORG", "L-ORG"], ["U-LOC", "O"]]
    assert [LATTICE.is_valid(numpy.array([LABELS.index(t) for t in seq])) for seq in
            (["O", "B-LOC", "L-LOC"], ["B-LOC", "L-ORG"], ["O", "I-ORG"], ["B-ORG"], ["U-ORG", "U-ORG"])] == [True, False, False, False, True]


@settings(max_examples=30, deadline=None)
@given(probabilities)
def test_span_marginals_sum_over_all_valid_sequences(rows):
    probs = normalised(rows).astype("float64")
    mass: dict[tuple[int, int, str], float] = {}
    total = 0.0
    for seq in all_valid(len(probs)):
        weight = float(numpy.prod(probs[range(len(probs)), seq]))
        total += weight
        for span in LATTICE.spans(numpy.array(seq)):
            mass[span] = mass.get(span, 0.0) + weight
    spans = sorted(mass)
    for span, p in zip(spans, LATTICE.span_marginals(probs, spans)):
        assert p == pytest.approx(mass[span] / total, rel=1e-6)


def test_an_incomplete_tag_set_is_refused():
    with pytest.raises(ValueError, match="lacks L-ORG"):
        BILUOLattice(["O", "B-ORG", "I-ORG", "U-ORG"])


def char_nlp():
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "governance.CharBigramTokenizer.v1"}}})
    nlp.add_pipe("entity_tagger", name="ner")
    return nlp


def example(nlp, text: str, ents: list[tuple[int, int, str]], missing: tuple[int, int] | None = None) -> Example:
    reference = nlp.make_doc(text)
    spans = [reference.char_span(s, e, label=label) for s, e, label in ents]
    reference.set_ents(spans, missing=[reference.char_span(*missing)] if missing else [], default="outside")
    return Example(nlp.make_doc(text), reference)


def test_missing_annotation_is_left_out_of_the_loss():
    nlp = char_nlp()
    eg = example(nlp, "李明在杭州市工作", [(0, 2, "PER")], missing=(3, 6))
    nlp.initialize(lambda: [example(nlp, "李明在杭州市工作", [(0, 2, "PER"), (3, 6, "LOC")])])
    tagger = nlp.get_pipe("ner")
    scores = tagger.model.predict([eg.predicted])
    _, gradient = tagger.get_loss([eg], scores)
    assert numpy.abs(gradient[0][3:6]).sum() == 0  # the missing LOC span teaches nothing
    assert numpy.abs(gradient[0][:3]).sum() > 0


def test_the_tagger_learns_entities_and_survives_a_round_trip(tmp_path):
    spacy.util.fix_random_seed(0)
    nlp = char_nlp()
    data = [("王芳在温州市调解纠纷", [(0, 2, "PER"), (3, 6, "LOC")]),
            ("张伟到杭州市公安局报到", [(0, 2, "PER"), (3, 9, "ORG")]),
            ("赵敏来自宁波市", [(0, 2, "PER"), (4, 7, "LOC")])]
    examples = [example(nlp, text, ents) for text, ents in data]
    optimizer = nlp.initialize(lambda: examples)
    assert set(nlp.get_pipe("ner").labels) == {"O"} | {f"{m}-{t}" for t in ("LOC", "ORG", "PER") for m in "BILU"}
    for _ in range(60):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    for text, ents in data:
        assert [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents] == ents
    assert nlp.evaluate(examples)["ents_f"] == 1.0  # scored as NER by spaCy's own scorer
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    texts = [text for text, _ in data]
    assert [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in loaded.pipe(texts)] == \
           [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    scored = loaded.get_pipe("ner").scored_ents([loaded.make_doc(t) for t in texts])
    for (text, ents), probs in zip(data, scored):
        assert all(probs[tuple(e)] > 0.5 for e in ents)
        assert all(0.0 <= p <= 1.0 for p in probs.values())


def test_an_empty_document_gets_no_entities():
    nlp = char_nlp()
    nlp.initialize(lambda: [example(nlp, "李明在杭州市工作", [(0, 2, "PER")])])
    empty, short = nlp.pipe(["", "李明"])
    assert empty.ents == () and len(short) == 2
