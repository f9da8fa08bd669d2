"""``entity_tagger``: named entities as a BILUO tag per token, decoded under the BILUO constraints.

spaCy's transition-based ``ner`` walks a document token by token, and on characters that walk
costs more than the network itself (issue 9). This component puts a softmax over BILUO tags on
top of the same tok2vec (spaCy's ``spacy.Tagger.v2`` architecture), and decodes each document with
an exact constrained Viterbi search: the best tag sequence in which every entity is ``B I* L`` or
``U``. It is a ``Tagger`` whose gold comes from ``doc.ents`` (missing entity annotation is masked
out of the loss, as spaCy's ``ner`` does), whose predictions are written to ``doc.ents``, and which
is scored as NER, so spaCy's own training loop trains and scores it like ``ner``.

The Viterbi search is written here because neither spaCy nor thinc has one for tag sequences; it
uses the BILUO structure (the best predecessor of ``O``/``B``/``U`` is the same for all of them,
that of ``I-x``/``L-x`` is ``B-x`` or ``I-x``), so a step costs O(tags) instead of O(tags^2), and
runs over a whole batch at once; it only runs on the documents whose most probable tags break a rule.
"""
from itertools import islice
from typing import Callable, Iterable, List, Optional, Sequence

import numpy
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Config, Model, SequenceCategoricalCrossentropy
from thinc.types import Floats2d

MOVES = "BILU"
MIN_PROB = 1e-12

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 64
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 2
subword_features = true
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


class BILUOLattice:
    """Index arrays over a tag set (``O`` and ``B-``/``I-``/``L-``/``U-`` of each entity type)."""

    def __init__(self, labels: Sequence[str]):
        index = {label: i for i, label in enumerate(labels)}
        self.types = sorted({label[2:] for label in labels if label != "O"})
        missing = [f"{m}-{t}" for t in self.types for m in MOVES if f"{m}-{t}" not in index] + (["O"] if "O" not in index else [])
        if missing:
            raise ValueError(f"entity_tagger: the tag set lacks {', '.join(missing)}")
        self.labels = tuple(labels)
        self.o = index["O"]
        self.b, self.i, self.l, self.u = (numpy.array([index[f"{m}-{t}"] for t in self.types], dtype="int64") for m in MOVES)
        # States an entity-free stretch can follow (O, L-x, U-x) and states that start one (O, B-y, U-y)
        self.closed = numpy.concatenate([[self.o], self.l, self.u])
        self.opening = numpy.concatenate([[self.o], self.b, self.u])
        self.inside = numpy.concatenate([self.i, self.l])
        self.start_penalty = numpy.zeros(len(labels), dtype="float32")
        self.start_penalty[self.inside] = -numpy.inf
        self.end_penalty = numpy.zeros(len(labels), dtype="float32")
        self.end_penalty[numpy.concatenate([self.b, self.i])] = -numpy.inf
        # allowed[a, b]: tag b may follow tag a
        self.allowed = numpy.zeros((len(labels), len(labels)), dtype=bool)
        self.allowed[numpy.ix_(self.closed, self.opening)] = True
        for before in (self.b, self.i):
            for after in (self.i, self.l):
                self.allowed[before, after] = True

    def decode(self, scores: Sequence[Floats2d]) -> list[numpy.ndarray]:
        """The best valid tag sequence of each document, given its per-token probabilities."""
        out: list[numpy.ndarray] = [numpy.zeros(0, dtype="int64")] * len(scores)
        search = []
        for i, probs in enumerate(scores):
            if len(probs):
                # Most documents need no search: when the most probable tag of every token already
                # makes a valid sequence, that sequence has the highest product of all, valid or not.
                tags = numpy.asarray(probs).argmax(axis=1)
                if self.is_valid(tags):
                    out[i] = tags
                else:
                    search.append(i)
        order = sorted(search, key=lambda i: len(scores[i]))
        # Documents of similar length go through the search together, to keep padding small
        for group in _length_groups(order, [len(scores[i]) for i in order]):
            for i, tags in zip(group, self._viterbi([scores[i] for i in group])):
                out[i] = tags
        return out

    def is_valid(self, tags: numpy.ndarray) -> bool:
        """Whether a tag sequence keeps the BILUO rules."""
        return bool(self.start_penalty[tags[0]] == 0 and self.end_penalty[tags[-1]] == 0
                    and self.allowed[tags[:-1], tags[1:]].all())

    def _viterbi(self, scores: Sequence[Floats2d]) -> list[numpy.ndarray]:
        lengths = numpy.array([len(s) for s in scores])
        n, width, n_tags = len(scores), int(lengths.max()), len(self.labels)
        logp = numpy.zeros((n, width, n_tags), dtype="float32")
        for k, s in enumerate(scores):
            logp[k, : len(s)] = numpy.log(numpy.maximum(numpy.asarray(s), MIN_PROB))
        rows = numpy.arange(n)
        back = numpy.zeros((n, width, n_tags), dtype="int16")  # tag indices; int16 keeps a group's table small
        best = logp[:, 0] + self.start_penalty
        for t in range(1, width):
            closed = best[:, self.closed]
            closed_arg = self.closed[closed.argmax(axis=1)]
            pairs = numpy.stack([best[:, self.b], best[:, self.i]])  # (2, n, types)
            inner_arg = numpy.where(pairs[0] >= pairs[1], self.b, self.i)
            step = numpy.empty_like(best)
            step[:, self.opening] = closed.max(axis=1)[:, None]
            step[:, self.i] = step[:, self.l] = pairs.max(axis=0)
            back[:, t, self.opening] = closed_arg[:, None]
            back[:, t, self.i] = back[:, t, self.l] = inner_arg
            best = numpy.where((t < lengths)[:, None], step + logp[:, t], best)
        state = (best + self.end_penalty).argmax(axis=1)
        tags = numpy.zeros((n, width), dtype="int64")
        for t in range(width - 1, -1, -1):
            alive = t < lengths
            tags[alive, t] = state[alive]
            if t:
                state = numpy.where(alive, back[rows, t, state], state)
        return [tags[k, : lengths[k]] for k in range(n)]

    def o_scale(self, factor: float) -> numpy.ndarray:
        """Per-tag multipliers that make ``O`` ``factor`` times less likely."""
        scale = numpy.ones(len(self.labels), dtype="float32")
        scale[self.o] = 1.0 / factor
        return scale

    def span_marginals(self, probs: Floats2d, spans: Sequence[tuple[int, int, str]]) -> list[float]:
        """The probability of each token span ``(start, end, label)`` being an entity, summed over
        all valid tag sequences, each weighted by the product of its tags' probabilities
        (forward-backward over the BILUO lattice, in log space)."""
        logp = numpy.log(numpy.maximum(numpy.asarray(probs, dtype="float64"), MIN_PROB))
        n = len(logp)
        lse = numpy.logaddexp.reduce
        alpha = numpy.empty_like(logp)
        beta = numpy.empty_like(logp)
        alpha[0] = logp[0] + self.start_penalty
        for t in range(1, n):
            alpha[t, self.opening] = lse(alpha[t - 1, self.closed]) + logp[t, self.opening]
            inner = numpy.logaddexp(alpha[t - 1, self.b], alpha[t - 1, self.i])
            alpha[t, self.i] = inner + logp[t, self.i]
            alpha[t, self.l] = inner + logp[t, self.l]
        beta[n - 1] = self.end_penalty
        for t in range(n - 2, -1, -1):
            nxt = logp[t + 1] + beta[t + 1]
            beta[t, self.closed] = lse(nxt[self.opening])
            beta[t, self.b] = beta[t, self.i] = numpy.logaddexp(nxt[self.i], nxt[self.l])
        z = lse(alpha[n - 1] + self.end_penalty)  # a marginal may exceed it by rounding: capped at 1
        column = {label: k for k, label in enumerate(self.labels)}
        out = []
        for s, e, label in spans:
            if e - s == 1:
                u = column[f"U-{label}"]
                out.append(min(1.0, float(numpy.exp(alpha[s, u] + beta[s, u] - z))))
                continue
            before = lse(alpha[s - 1, self.closed]) if s else 0.0
            path = logp[s, column[f"B-{label}"]] + logp[s + 1:e - 1, column[f"I-{label}"]].sum() + logp[e - 1, column[f"L-{label}"]]
            out.append(min(1.0, float(numpy.exp(before + path + beta[e - 1, column[f"L-{label}"]] - z))))
        return out

    def spans(self, tags: numpy.ndarray) -> list[tuple[int, int, str]]:
        """Token spans ``(start, end, label)`` of a valid tag sequence."""
        out, start = [], 0
        for t, tag in enumerate(tags):
            label = self.labels[tag]
            if label[0] in "BU":
                start = t
            if label[0] in "LU":
                out.append((start, t + 1, label[2:]))
        return out


def _length_groups(order: list[int], lengths: list[int], max_cells: int = 200_000) -> Iterable[list[int]]:
    group: list[int] = []
    for i, length in zip(order, lengths):
        if group and length * (len(group) + 1) > max_cells:
            yield group
            group = []
        group.append(i)
    if group:
        yield group


class EntityTagger(Tagger):
    """A ``Tagger`` over BILUO entity tags that reads its gold from, and writes to, ``doc.ents``."""

    _lattice: Optional[BILUOLattice] = None

    @property
    def lattice(self) -> BILUOLattice:
        if self._lattice is None or self._lattice.labels != self.labels:
            self._lattice = BILUOLattice(self.labels)
        return self._lattice

    def predict(self, docs: Sequence[Doc]) -> list[Floats2d]:
        """Per-token tag probabilities of each document."""
        if not any(len(doc) for doc in docs):
            return [self.model.ops.alloc2f(len(doc), len(self.labels)) for doc in docs]
        return [self.model.ops.to_numpy(s) for s in self.model.predict(docs)]

    def set_annotations(self, docs: Iterable[Doc], scores: Sequence[Floats2d]) -> None:
        docs = [docs] if isinstance(docs, Doc) else list(docs)
        lattice = self.lattice
        for doc, tags in zip(docs, lattice.decode(scores)):
            doc.set_ents([Span(doc, s, e, label=label) for s, e, label in lattice.spans(tags)], default="outside")

    def scored_ents(self, docs: Sequence[Doc], *, recall_boost: float = 10.0) -> list[dict[tuple[int, int, str], float]]:
        """Candidate entities of each document (character offsets) with their marginal probability
        under the model (``BILUOLattice.span_marginals``). Candidates are the entities of the best tag
        sequence and of the best sequence once ``O`` is made ``recall_boost`` times less likely, so
        that entities the model nearly predicted are scored too (for active learning)."""
        scores = self.predict(docs)
        lattice = self.lattice
        damped = [numpy.asarray(s) * lattice.o_scale(recall_boost) for s in scores]
        out = []
        for doc, probs, best, recall in zip(docs, scores, lattice.decode(scores), lattice.decode(damped)):
            spans = sorted(set(lattice.spans(best)) | set(lattice.spans(recall)))
            marginals = lattice.span_marginals(numpy.asarray(probs), spans)
            out.append({(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), label): p for (s, e, label), p in zip(spans, marginals)})
        return out

    def get_loss(self, examples: Iterable[Example], scores) -> tuple[float, list[Floats2d]]:
        loss_func = SequenceCategoricalCrossentropy(names=self.labels, normalize=False,
                                                    label_smoothing=self.cfg["label_smoothing"])
        truths = [eg.get_aligned_ner() for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"entity_tagger {self.name}: the loss is NaN; lower the learning rate")
        return float(loss), d_scores

    # spaCy validates these arguments with pydantic at ``nlp.initialize``: plain typing names here
    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[List[str]] = None) -> None:
        """Add the BILUO tags of the entity types in the examples (or of ``labels``, entity types)."""
        types = set(labels) if labels is not None else {ent.label_ for eg in get_examples() for ent in eg.reference.ents}
        for tag in ["O"] + [f"{m}-{t}" for t in sorted(types) for m in MOVES]:
            self.add_label(tag)
        docs, truths = [], []
        for eg in islice(get_examples(), 10):
            docs.append(eg.predicted)
            gold = eg.get_aligned_ner()
            truths.append(self.model.ops.asarray2f([[float(tag == label) for label in self.labels] for tag in gold]))
        if not docs:
            raise ValueError(f"entity_tagger {self.name}: no examples to initialize from")
        self.model.initialize(X=docs, Y=truths)


@Language.factory(
    "entity_tagger",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={
        "model": DEFAULT_MODEL,
        "overwrite": True,
        "scorer": {"@scorers": "spacy.ner_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
    },
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_entity_tagger(nlp: Language, name: str, model: Model, overwrite: bool, scorer: Optional[Callable],
                       neg_prefix: str, label_smoothing: float) -> EntityTagger:
    """Entities as constrained BILUO tags over a tok2vec (``spacy.Tagger.v2``)."""
    return EntityTagger(nlp.vocab, model, name, overwrite=overwrite, scorer=scorer, neg_prefix=neg_prefix,
                        label_smoothing=label_smoothing)

