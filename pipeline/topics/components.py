"""Stage 5: the paragraph topic components.

Components fill ``doc.cats`` with a score per topic and ``doc._.topics`` with the labels over
threshold (what the export's ``cats`` lists).

- ``keyword_topics`` is the transparent baseline: a paragraph gets every topic whose keywords it
  contains at least ``min_hits`` times, and ``other`` when none.
- ``topic_classifier`` runs a trained scikit-learn model (``pipeline/topics/model.py``, trained by
  ``python -m pipeline train topics``) over the Doc's own pkuseg words, predicting from its exported
  weights with numpy (``pipeline/topics/runtime.py``). An article or document unit is
  the paragraphs joined by newlines (``export.group_units``); the component classifies each paragraph
  on its own and aggregates: a topic's score is its highest paragraph score, and the unit's topics are
  the union of its paragraphs' topics, ``other`` only when no paragraph has another topic. So an
  article's ``cats`` are exactly what its paragraphs' ``cats`` would add up to.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from ..constants import KEYWORDS, TOPICS
from .runtime import META_FILE, WEIGHTS_FILE, TopicWeights

if not Doc.has_extension("topics"):
    Doc.set_extension("topics", default=None)


def doc_topics(doc: Doc) -> List[str]:
    """The topics over threshold that a topic component gave ``doc`` (``doc._.topics``; none without one)."""
    return list(doc._.topics or [])


@Language.factory(
    "keyword_topics",
    default_config={"keywords": KEYWORDS, "min_hits": 1},
    assigns=["doc.cats", "doc._.topics"],
)
def make_keyword_topics(nlp: Language, name: str, keywords: Dict[str, List[str]], min_hits: int) -> "KeywordTopics":
    return KeywordTopics(keywords, min_hits)


class KeywordTopics:
    """Keyword baseline: the score of a topic is the share of ``min_hits`` its keywords reach."""

    def __init__(self, keywords: Dict[str, List[str]], min_hits: int) -> None:
        self.keywords = keywords
        self.min_hits = min_hits

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        scores = {
            label: min(1.0, sum(text.count(k) for k in self.keywords.get(label, ())) / self.min_hits)
            for label in TOPICS
            if label != "other"
        }
        topics = [label for label, score in scores.items() if score >= 1.0]
        scores["other"] = 0.0 if topics else 1.0
        doc.cats = scores
        doc._.topics = topics or ["other"]
        return doc


@Language.factory(
    "topic_classifier",
    default_config={"model": "models/topics"},
    assigns=["doc.cats", "doc._.topics"],
)
def make_topic_classifier(nlp: Language, name: str, model: str) -> "TopicClassifier":
    return TopicClassifier(name, model)


def words(doc: Doc) -> List[str]:
    """The Doc's words without whitespace tokens: the model's input, joined by spaces."""
    return [t.text for t in doc if not t.is_space]


def paragraphs(doc: Doc) -> List[str]:
    """The space-joined words of each paragraph: the Doc cut at whitespace tokens holding a newline."""
    parts: List[List[str]] = [[]]
    for token in doc:
        if token.is_space:
            if "\n" in token.text and parts[-1]:
                parts.append([])
        else:
            parts[-1].append(token.text)
    return [" ".join(p) for p in parts if p] or [""]


class TopicClassifier:
    """Fills ``doc.cats`` and ``doc._.topics`` from a trained topic model folder.

    The model folder's ``topic_weights.npz`` and ``meta.json`` load at ``initialize`` from the configured
    path, or in ``from_disk`` when a saved pipeline is loaded.
    """

    def __init__(self, name: str, model: str) -> None:
        self.name = name
        self.path = model
        self.model: Any = None

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Language | None = None) -> None:
        self.model = TopicWeights.load(self.path)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        if self.model is None:
            raise ValueError(f"[components.{self.name}] the topic model is not loaded; call nlp.initialize() first")
        for batch in minibatch(docs, batch_size):
            parts = [paragraphs(doc) for doc in batch]
            scores, topics = self.model.predict([p for ps in parts for p in ps])
            start = 0
            for doc, ps in zip(batch, parts):
                end = start + len(ps)
                self.set_annotations(doc, scores[start:end], topics[start:end])
                start = end
            yield from batch

    def set_annotations(self, doc: Doc, scores: Any, topics: List[List[str]]) -> None:
        """Aggregate paragraph results: the highest score per label, the union of the topics (see module doc)."""
        labels = self.model.labels
        best = scores.max(axis=0)
        doc.cats = {label: float(best[i]) for i, label in enumerate(labels)}
        found = {t for ts in topics for t in ts}
        topical = [label for label in labels if label in found and label != "other"]
        doc._.topics = topical or [label for label in labels if label in found]

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in (WEIGHTS_FILE, META_FILE):
            shutil.copyfile(Path(self.path) / name, path / name)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "TopicClassifier":
        self.path = str(path)
        self.model = TopicWeights.load(path)
        return self
