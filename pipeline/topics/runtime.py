"""Prediction for ``topic_classifier`` with numpy alone, from the weights of a trained topic model.

Why not call the scikit-learn pipeline: importing scikit-learn and skops costs about 3 s of CPU, half
again the CPU time of the whole default run (which imports neither), and the issue allows prediction
10%. The fitted pipeline is linear, so ``export_weights`` copies out what prediction needs (vocabularies,
idf, LinearSVC coefficients, sigmoid calibration, the word vectors table) into ``topic_weights.npz``, read with
``allow_pickle=False``; ``TopicWeights`` repeats scikit-learn's arithmetic (TfidfVectorizer n-grams, sublinear
tf, idf, l2 norm per feature family; the mean word vector of ``VectorTable``, the same code the scikit-learn
pipeline runs; decision value; ``expit(-(a*d + b))``). ``tests/test_topics.py`` checks that both
give the same probabilities. ``model.skops`` stays the reference model (evaluation, inspection).
"""
from __future__ import annotations

import json
import math
import re
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy

from ..util import UserError

WEIGHTS_FILE = "topic_weights.npz"
META_FILE = "meta.json"
OTHER = "other"
_WHITESPACE = re.compile(r"\s\s+")
_TOKEN = re.compile(r"\S+")


def assign(scores: Sequence[float], labels: Sequence[str], thresholds: Sequence[float]) -> list[str]:
    """The topics of one paragraph: the labels whose score reaches their threshold.

    ``other`` is never combined with another topic (annotation guidelines); when no label reaches its
    threshold, the label whose score is highest relative to its threshold is taken, so every text has one.
    """
    passed = [label for label, score, t in zip(labels, scores, thresholds) if score >= t]
    topical = [label for label in passed if label != OTHER]
    if topical or passed:
        return topical or passed
    ratios = [score / t if t > 0 else math.inf for score, t in zip(scores, thresholds)]
    return [labels[int(numpy.argmax(ratios))]]


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """TfidfVectorizer(token_pattern=r"\\S+") n-grams of space-joined words."""
    tokens = _TOKEN.findall(text)
    return [" ".join(tokens[i:i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """TfidfVectorizer(analyzer="char") n-grams: runs of whitespace count as one space."""
    text = _WHITESPACE.sub(" ", text)
    return [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


class VectorTable:
    """Static word vectors of a fixed vocabulary: ``terms`` (words and single characters), one ``vectors`` row each."""

    def __init__(self, terms: numpy.ndarray, vectors: numpy.ndarray) -> None:
        self.terms = terms
        self.vectors = vectors
        self._rows = vectors.astype(numpy.float64)  # converted once, not per word
        self.index = {term: i for i, term in enumerate(terms.tolist())}

    def vector(self, text: str) -> numpy.ndarray:
        """The l2-normalised mean vector of the words of a space-joined text. A word outside the table counts as the
        mean of its characters' vectors (those in the table); zeros when no word or character is known."""
        rows: list[int] = []
        weights: list[float] = []
        words = 0
        for word in _TOKEN.findall(text):
            row = self.index.get(word)
            chars = [row] if row is not None else [self.index[c] for c in word if c in self.index]
            if chars:
                rows += chars
                weights += [1.0 / len(chars)] * len(chars)
                words += 1
        if not words:
            return numpy.zeros(self.vectors.shape[1])
        mean = numpy.asarray(weights) @ self._rows[rows] / words  # one gather per text: the mean of the word means
        norm = numpy.sqrt(mean @ mean)
        return mean / norm if norm > 0 else mean

    def matrix(self, texts: Sequence[str]) -> numpy.ndarray:
        """One ``vector`` row per text."""
        return numpy.vstack([self.vector(t) for t in texts]) if len(texts) else numpy.zeros((0, self.vectors.shape[1]))


class TfidfFamily:
    """One feature family: its vocabulary, idf and n-gram function."""

    def __init__(self, terms: numpy.ndarray, idf: numpy.ndarray, offset: int, ngrams: Callable[[str], list[str]],
                 sublinear: bool) -> None:
        self.index = {term: i + offset for i, term in enumerate(terms.tolist())}
        self.idf = idf
        self.offset = offset
        self.ngrams = ngrams
        self.sublinear = sublinear

    def vector(self, text: str) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Column indices and l2-normalised tf-idf values of ``text``."""
        counts: dict[int, int] = {}
        for gram in self.ngrams(text):
            column = self.index.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = numpy.fromiter(counts.keys(), dtype=numpy.int64, count=len(counts))
        tf = numpy.fromiter(counts.values(), dtype=numpy.float64, count=len(counts))
        if self.sublinear:
            tf = numpy.log(tf) + 1
        values = tf * self.idf[columns - self.offset]
        norm = numpy.sqrt(values @ values)
        return columns, values / norm if norm > 0 else values


class TopicWeights:
    """A trained topic model as arrays: ``scores`` gives the calibrated probabilities of each label."""

    def __init__(self, arrays: dict[str, numpy.ndarray], meta: dict[str, Any]) -> None:
        features = meta["settings"]["features"]
        sublinear = features["sublinear_tf"]
        (w_low, w_high), (c_low, c_high) = features["word_ngrams"], features["char_ngrams"]
        n_words = len(arrays["word_terms"])
        self.families = [
            TfidfFamily(arrays["word_terms"], arrays["word_idf"], 0, partial(word_ngrams, low=w_low, high=w_high), sublinear),
            TfidfFamily(arrays["char_terms"], arrays["char_idf"], n_words, partial(char_ngrams, low=c_low, high=c_high), sublinear),
        ]
        # The dense block of mean word vectors, when the model has one: the last columns of ``coef``.
        self.vectors = VectorTable(arrays["vector_terms"], arrays["vectors"]) if "vectors" in arrays else None
        self.vector_scale = float(meta["settings"]["vectors"]["scale"]) if self.vectors is not None else 0.0
        self.coef = arrays["coef"]
        self.intercept = arrays["intercept"]
        self.sigmoid_a = arrays["sigmoid_a"]
        self.sigmoid_b = arrays["sigmoid_b"]
        self.labels: list[str] = list(meta["labels"])
        self.thresholds: list[float] = list(meta["thresholds"])

    @classmethod
    def load(cls, folder: str | Path) -> "TopicWeights":
        """Read ``topic_weights.npz`` (no pickles allowed) and ``meta.json`` from a model folder."""
        folder = Path(folder)
        if not (folder / WEIGHTS_FILE).is_file() or not (folder / META_FILE).is_file():
            raise UserError(f"{folder}: not a topic model folder (needs {WEIGHTS_FILE} and {META_FILE}); train one with "
                            "`python -m pipeline train topics configs/topics.cfg --output DIR`")
        try:
            with numpy.load(folder / WEIGHTS_FILE, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except ValueError as error:  # numpy refuses object arrays, which would need unpickling
            raise UserError(f"{folder / WEIGHTS_FILE}: not loadable without pickle ({error}); "
                            "load only topic models you trained with this pipeline") from None
        return cls(arrays, json.loads((folder / META_FILE).read_text(encoding="utf-8")))

    def scores(self, texts: Sequence[str]) -> numpy.ndarray:
        """Calibrated probabilities, one row per space-joined word string, one column per label."""
        decisions = numpy.empty((len(texts), len(self.labels)))
        for row, text in enumerate(texts):
            parts = [family.vector(text) for family in self.families]
            columns = numpy.concatenate([c for c, _ in parts])
            values = numpy.concatenate([v for _, v in parts])
            decisions[row] = self.coef[:, columns] @ values + self.intercept
            if self.vectors is not None:
                dense = self.vector_scale * self.vectors.vector(text)
                decisions[row] += self.coef[:, self.coef.shape[1] - len(dense):] @ dense
        return 1.0 / (1.0 + numpy.exp(self.sigmoid_a * decisions + self.sigmoid_b))

    def predict(self, texts: Sequence[str]) -> tuple[numpy.ndarray, list[list[str]]]:
        scores = self.scores(texts)
        return scores, [assign(row, self.labels, self.thresholds) for row in scores]
