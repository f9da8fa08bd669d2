"""The scikit-learn topic model behind ``topic_classifier``: training, thresholds, evaluation, safe persistence.

Features are TF-IDF over the pipeline's own pkuseg words (uni- and bigrams) and over character n-grams of
the same space-joined words (so character n-grams see word boundaries as spaces), and, when the config has
a ``[vectors]`` corpus, the mean of the words' static vectors (``pipeline/topics/vectors.py``). Each label gets a
LinearSVC whose scores are calibrated to probabilities (sigmoid, by cross-validation; one-vs-rest), and
a decision threshold that maximises its F1 on out-of-fold probabilities; of several ``C`` the one whose
out-of-fold macro-F1 is highest is kept (chosen on the training data alone). With ``[model] nb_svm`` the LinearSVC
is an NB-SVM (``NBLinearSVC``): its n-gram features are scaled by the label's naive-Bayes log-count ratios and its
weights interpolated toward the naive-Bayes model, still one linear model per label. The fitted pipeline is stored
with skops, never pickle (loading accepts only the types in ``TRUSTED_TYPES``), next to the arrays that
``pipeline/topics/runtime.py`` predicts from at run time.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence

import numpy
import scipy.sparse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, precision_recall_curve, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from ..util import UserError, atomic_writer, write_json
from .runtime import META_FILE, WEIGHTS_FILE, VectorTable, assign

MODEL_FILE = "model.skops"

# The types a model file written by ``TopicModel.save`` holds beyond those skops trusts by default.
# Loading refuses a file with any other type, so a model file cannot make us run code we did not choose.
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "pipeline.topics.model.MeanVectors",
    "pipeline.topics.model.NBLinearSVC",
]


class FeatureSettings(BaseModel):
    """``[features]``: n-gram ranges of words and characters, rarest n-grams kept, TF scaling."""

    model_config = ConfigDict(extra="forbid")
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 2)
    min_df: int = Field(2, ge=1)
    sublinear_tf: bool = True


class ModelSettings(BaseModel):
    """``[model]``: the LinearSVC (one ``C`` or several to choose from; ``nb_svm``: as an NB-SVM), its calibration
    folds, and the folds whose out-of-fold probabilities choose the thresholds and ``C``."""

    model_config = ConfigDict(extra="forbid")
    C: list[Annotated[float, Field(gt=0)]] = Field([1.0], min_length=1)
    class_weight: Literal["balanced"] | None = "balanced"
    calibration_folds: int = Field(3, ge=2)
    threshold_folds: int = Field(5, ge=2)
    # NB-SVM (Wang & Manning 2012, ``NBLinearSVC``): false = a plain LinearSVC per label
    nb_svm: bool = False
    # NB-SVM interpolation: 1.0 keeps the SVM weights alone, lower values move them toward naive Bayes
    nb_svm_beta: float = Field(0.75, ge=0, le=1)
    # NB-SVM add-alpha smoothing of the feature counts behind the log-count ratios
    nb_svm_alpha: float = Field(1.0, gt=0)

    @field_validator("C", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return value if isinstance(value, (list, tuple)) else [value]


class VectorSettings(BaseModel):
    """``[vectors]``: floret vectors trained on unlabeled text (``corpus``, files under ``[paths] data_dir``;
    none: no vectors), averaged per text and weighted by ``scale`` beside the TF-IDF families."""

    model_config = ConfigDict(extra="forbid")
    corpus: list[str] = []
    dim: int = Field(100, ge=1)
    minn: int = Field(1, ge=1)
    maxn: int = Field(3, ge=1)
    bucket: int = Field(50000, ge=1)
    epoch: int = Field(5, ge=1)
    min_count: int = Field(2, ge=1)
    scale: float = Field(0.5, gt=0)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    features: FeatureSettings = FeatureSettings()
    model: ModelSettings = ModelSettings()
    vectors: VectorSettings = VectorSettings()
    seed: int = 0

    @property
    def min_examples(self) -> int:
        """Fewest positive examples a label needs so that every nested fold still holds some."""
        m = self.model
        return math.ceil(m.calibration_folds * m.threshold_folds / (m.threshold_folds - 1)) + 1


def _tfidf(f: FeatureSettings, **analyzer: Any) -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=False, min_df=f.min_df, sublinear_tf=f.sublinear_tf, **analyzer)


class MeanVectors(TransformerMixin, BaseEstimator):
    """The dense feature block: ``scale`` times the l2-normalised mean word vector of each space-joined text
    (``runtime.VectorTable``, which the run time uses too). Nothing to fit: the table is given."""

    def __init__(self, terms: numpy.ndarray, vectors: numpy.ndarray, scale: float = 1.0) -> None:
        self.terms = terms
        self.vectors = vectors
        self.scale = scale

    def fit(self, x: Sequence[str], y: Any = None) -> "MeanVectors":
        return self

    def transform(self, x: Sequence[str]) -> numpy.ndarray:
        return self.scale * VectorTable(self.terms, self.vectors).matrix(x)


class NBLinearSVC(ClassifierMixin, BaseEstimator):
    """NB-SVM (Wang & Manning 2012) for one binary label: a LinearSVC on features scaled by naive-Bayes ratios.

    The ratio of a feature is ``log(p / |p|_1) - log(q / |q|_1)``, where ``p`` (``q``) counts the positive (negative)
    training texts that have the feature, plus ``alpha``. The SVM is fitted on ``X * ratio``; its weights ``w`` of the
    sparse columns become ``(1 - beta) * mean(|w|) + beta * w`` (the interpolation toward naive Bayes). The last
    ``n_dense`` columns (the mean word vectors, which are no counts) keep ratio 1 and their SVM weights. ``coef_``
    holds the weights times the ratios, so the model stays linear in the unscaled features: ``decision_function`` is
    ``X @ coef_ + intercept_``, as for a LinearSVC (and ``runtime`` predicts it unchanged).
    """

    def __init__(self, C: float = 1.0, beta: float = 0.75, alpha: float = 1.0, n_dense: int = 0,
                 class_weight: Literal["balanced"] | None = "balanced", random_state: int | None = None) -> None:
        self.C = C
        self.beta = beta
        self.alpha = alpha
        self.n_dense = n_dense
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, x: Any, y: Any, sample_weight: numpy.ndarray | None = None) -> "NBLinearSVC":
        x = scipy.sparse.csr_matrix(x)
        y = numpy.asarray(y)
        self.classes_ = numpy.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"NBLinearSVC needs two classes, got {len(self.classes_)}")
        n_sparse = x.shape[1] - self.n_dense
        present = (x[:, :n_sparse] != 0).astype(numpy.float64)
        positive = y == self.classes_[1]
        p = self.alpha + numpy.asarray(present[positive].sum(axis=0)).ravel()
        q = self.alpha + numpy.asarray(present[~positive].sum(axis=0)).ravel()
        self.ratio_ = numpy.concatenate([numpy.log(p / p.sum()) - numpy.log(q / q.sum()), numpy.ones(self.n_dense)])
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        svm.fit(x @ scipy.sparse.diags(self.ratio_), y, sample_weight=sample_weight)
        w = svm.coef_[0].copy()
        w[:n_sparse] = (1 - self.beta) * numpy.abs(w[:n_sparse]).mean() + self.beta * w[:n_sparse]
        self.coef_ = (w * self.ratio_)[None, :]
        self.intercept_ = svm.intercept_.copy()
        return self

    def decision_function(self, x: Any) -> numpy.ndarray:
        return numpy.asarray(x @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict(self, x: Any) -> numpy.ndarray:
        return self.classes_[(self.decision_function(x) > 0).astype(int)]


def build_estimator(s: Settings, C: float, vectors: VectorTable | None = None) -> Pipeline:
    """The untrained pipeline: word + character TF-IDF (+ mean word vectors), then per label a calibrated LinearSVC
    (with ``[model] nb_svm``: an ``NBLinearSVC``)."""
    f, m = s.features, s.model
    svm: BaseEstimator = LinearSVC(C=C, class_weight=m.class_weight, random_state=s.seed)
    if m.nb_svm:
        svm = NBLinearSVC(C=C, beta=m.nb_svm_beta, alpha=m.nb_svm_alpha, class_weight=m.class_weight,
                          random_state=s.seed, n_dense=vectors.vectors.shape[1] if vectors is not None else 0)
    families: list[tuple[str, Any]] = [
        ("words", _tfidf(f, token_pattern=r"\S+", ngram_range=tuple(f.word_ngrams))),
        ("chars", _tfidf(f, analyzer="char", ngram_range=tuple(f.char_ngrams))),
    ]
    if vectors is not None:
        families.append(("vectors", MeanVectors(vectors.terms, vectors.vectors, s.vectors.scale)))
    return Pipeline([
        ("features", FeatureUnion(families)),
        ("classifier", OneVsRestClassifier(CalibratedClassifierCV(svm, method="sigmoid", cv=m.calibration_folds, ensemble=False))),
    ])


def best_thresholds(y: numpy.ndarray, probabilities: numpy.ndarray) -> list[float]:
    """Per label, the probability threshold with the highest F1 on out-of-fold probabilities.

    Written out rather than ``TunedThresholdClassifierCV``: that one scores each of its candidate
    thresholds with ``f1_score`` in every fold, several times the cost of the fits themselves here.
    """
    thresholds = []
    for column in range(y.shape[1]):
        precision, recall, cuts = precision_recall_curve(y[:, column], probabilities[:, column])
        f1 = 2 * precision[:-1] * recall[:-1] / numpy.maximum(precision[:-1] + recall[:-1], 1e-12)
        thresholds.append(float(cuts[int(numpy.argmax(f1))]))
    return thresholds


def _folds(y: numpy.ndarray, settings: Settings) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
    """Folds for multi-label data, stratified by each example's rarest label so that rare labels spread
    over every fold (scikit-learn has no multi-label stratification)."""
    counts = y.sum(axis=0)
    rarest = numpy.where(y.any(axis=1), numpy.argmin(numpy.where(y > 0, counts, numpy.inf), axis=1), -1)
    splitter = StratifiedKFold(settings.model.threshold_folds, shuffle=True, random_state=settings.seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return list(splitter.split(y, rarest))


class TopicModel:
    """A fitted pipeline with its labels, thresholds and metadata (data, settings, scores, versions)."""

    def __init__(self, estimator: Pipeline, labels: Sequence[str], thresholds: Sequence[float],
                 meta: dict[str, Any] | None = None) -> None:
        self.estimator = estimator
        self.labels = list(labels)
        self.thresholds = list(thresholds)
        self.meta = meta or {}

    @classmethod
    def fit(cls, texts: Sequence[str], cats: Sequence[Sequence[str]], settings: Settings,
            labels: Sequence[str] | None = None, vectors: VectorTable | None = None) -> "TopicModel":
        """Fit on space-joined token strings and their label lists (with ``vectors``: and the mean word vectors);
        ``C`` (of several, the best by out-of-fold macro-F1) and the thresholds come from out-of-fold scores."""
        binarizer = MultiLabelBinarizer(classes=sorted(labels or {c for cs in cats for c in cs}))
        y = binarizer.fit_transform(cats)
        few = [f"{label} ({n})" for label, n in zip(binarizer.classes_, y.sum(axis=0)) if n < settings.min_examples]
        if few:
            raise UserError(f"too few training examples for {', '.join(few)}: each label needs at least "
                            f"{settings.min_examples} (or lower [model] calibration_folds / threshold_folds)")
        x = numpy.asarray(texts, dtype=object)
        labels = list(binarizer.classes_)
        folds = _folds(y, settings)
        candidates = []
        for C in settings.model.C:
            estimator = build_estimator(settings, C, vectors)
            try:
                out_of_fold = cross_val_predict(clone(estimator), x, y, cv=folds, method="predict_proba")
            except ValueError as error:  # a fold left a label with fewer examples than calibration folds
                raise UserError(f"threshold cross-validation failed ({str(error).splitlines()[0]}); "
                                "annotate more examples of the rare labels or lower [model] calibration_folds") from None
            thresholds = best_thresholds(y, out_of_fold)
            predicted = binarizer.transform([assign(row, labels, thresholds) for row in out_of_fold])
            candidates.append((float(f1_score(y, predicted, average="macro", zero_division=0)), C, estimator, thresholds))
        _, C, estimator, thresholds = max(candidates, key=lambda c: c[0])  # the first of equals
        meta = {"settings": settings.model_dump(mode="json"), "C": C,
                "C_out_of_fold_macro_f1": {str(c): round(score, 4) for score, c, _, _ in candidates}}
        return cls(estimator.fit(x, y), labels, thresholds, meta)

    def scores(self, texts: Sequence[str]) -> numpy.ndarray:
        """Calibrated probabilities, one row per text, one column per label."""
        if not len(texts):
            return numpy.zeros((0, len(self.labels)))
        return self.estimator.predict_proba(numpy.asarray(texts, dtype=object))

    def predict(self, texts: Sequence[str]) -> tuple[numpy.ndarray, list[list[str]]]:
        scores = self.scores(texts)
        return scores, [assign(row, self.labels, self.thresholds) for row in scores]

    def save(self, folder: str | Path) -> None:
        """Write ``model.skops``, the run-time ``topic_weights.npz`` and ``meta.json`` (labels, thresholds, versions, ...)."""
        import zipfile

        import skops.io

        folder = Path(folder)
        with atomic_writer(folder / MODEL_FILE, "wb", encoding=None) as f:
            f.write(skops.io.dumps(self.estimator, compression=zipfile.ZIP_DEFLATED))
        with atomic_writer(folder / WEIGHTS_FILE, "wb", encoding=None) as f:
            numpy.savez_compressed(f, **self.weights())
        write_json(folder / META_FILE, {**self.meta, "labels": self.labels, "thresholds": self.thresholds})

    def weights(self) -> dict[str, numpy.ndarray]:
        """What prediction needs, as plain arrays for ``runtime.TopicWeights``."""
        families = dict(self.estimator.named_steps["features"].transformer_list)
        words, chars = families["words"], families["chars"]
        # One calibrated LinearSVC per label (ensemble=False: a single classifier and sigmoid each).
        fitted = [e.calibrated_classifiers_[0] for e in self.estimator.named_steps["classifier"].estimators_]
        dense = families.get("vectors")
        return {
            **({"vector_terms": dense.terms, "vectors": dense.vectors} if dense is not None else {}),
            "word_terms": words.get_feature_names_out().astype(str),
            "word_idf": words.idf_,
            "char_terms": chars.get_feature_names_out().astype(str),
            "char_idf": chars.idf_,
            "coef": numpy.vstack([c.estimator.coef_[0] for c in fitted]),
            "intercept": numpy.array([c.estimator.intercept_[0] for c in fitted]),
            "sigmoid_a": numpy.array([c.calibrators[0].a_ for c in fitted]),
            "sigmoid_b": numpy.array([c.calibrators[0].b_ for c in fitted]),
        }

    @classmethod
    def load(cls, folder: str | Path) -> "TopicModel":
        """Load a model folder, refusing any type outside skops' defaults and ``TRUSTED_TYPES``."""
        import skops.io

        folder = Path(folder)
        path, meta_path = folder / MODEL_FILE, folder / META_FILE
        if not path.is_file() or not meta_path.is_file():
            raise UserError(f"{folder}: not a topic model folder (needs {MODEL_FILE} and {META_FILE}); "
                            "train one with `python -m pipeline train topics configs/topics.cfg --output DIR`")
        data = path.read_bytes()
        unexpected = sorted(set(skops.io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
        if unexpected:
            raise UserError(f"{path}: holds types outside the trusted list ({', '.join(unexpected)}); "
                            "load only topic models you trained with this pipeline")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        _check_versions(meta, path)
        return cls(skops.io.loads(data, trusted=TRUSTED_TYPES), meta["labels"], meta["thresholds"], meta)


def _check_versions(meta: dict[str, Any], path: Path) -> None:
    """Warn when the model was trained with another scikit-learn than the one loading it."""
    from importlib.metadata import version

    trained = meta.get("versions", {}).get("scikit-learn")
    if trained and trained != version("scikit-learn"):
        warnings.warn(f"{path}: trained with scikit-learn {trained}, loaded with {version('scikit-learn')}; "
                      "retrain if its scores look off", stacklevel=3)


# --- evaluation -------------------------------------------------------------------------------

def score_predictions(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str],
                      scores: numpy.ndarray | None = None) -> dict[str, Any]:
    """Per-label precision/recall/F1/support, micro-F1, macro-F1 (the mean over the labels the gold has),
    and, when every gold record has exactly one label, accuracy of the top-scoring label (``scores``
    columns follow ``labels``)."""
    binarizer = MultiLabelBinarizer(classes=list(labels)).fit([])
    y_true, y_pred = binarizer.transform(gold), binarizer.transform(predicted)
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    result: dict[str, Any] = {
        "examples": len(gold),
        "labels": {label: {"p": float(p[i]), "r": float(r[i]), "f": float(f[i]), "support": int(support[i])}
                   for i, label in enumerate(labels)},
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(numpy.mean(f[support > 0])) if (support > 0).any() else 0.0,
    }
    if scores is not None and len(gold) and all(len(g) == 1 for g in gold):
        top = numpy.asarray(labels)[numpy.argmax(scores, axis=1)]
        result["accuracy"] = float(numpy.mean([t == g[0] for t, g in zip(top, gold)]))
    return result


def bootstrap_intervals(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str],
                        samples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Percentile 95 % intervals of micro- and macro-F1 over resamples of the examples (paragraphs, with
    replacement), as ``pipeline/learning/compare.py`` does for NER; macro-F1 of a resample is the mean over the
    labels it has gold for, as in ``score_predictions``."""
    binarizer = MultiLabelBinarizer(classes=list(labels)).fit([])
    y_true, y_pred = binarizer.transform(gold).astype(bool), binarizer.transform(predicted).astype(bool)
    tp, fp, fn = y_true & y_pred, ~y_true & y_pred, y_true & ~y_pred  # examples x labels
    index = numpy.random.default_rng(seed).integers(0, len(gold), size=(samples, len(gold)))
    counts = [m[index].sum(axis=1) for m in (tp, fp, fn)]  # samples x labels
    tps, fps, fns = counts
    micro_tp, micro_fp, micro_fn = tps.sum(axis=1), fps.sum(axis=1), fns.sum(axis=1)
    micro = 2 * micro_tp / numpy.maximum(2 * micro_tp + micro_fp + micro_fn, 1)
    per_label = 2 * tps / numpy.maximum(2 * tps + fps + fns, 1)
    support = (tps + fns) > 0
    macro = (per_label * support).sum(axis=1) / numpy.maximum(support.sum(axis=1), 1)

    def interval(values: numpy.ndarray) -> list[float]:
        return [round(float(v), 4) for v in numpy.percentile(values, [2.5, 97.5])]

    return {"samples": samples, "seed": seed, "micro_f1": interval(micro), "macro_f1": interval(macro)}


def cross_validate(texts: Sequence[str], cats: Sequence[Sequence[str]], groups: Sequence[str | None],
                   settings: Settings, max_folds: int, vectors: VectorTable | None = None) -> dict[str, Any] | None:
    """Leave documents out: folds over the examples that have a document (``groups``), one document per
    fold when there are at most ``max_folds``; examples without one always stay in training.
    Scores pool the held-out predictions of all folds. None when there are fewer than two documents."""
    labels = sorted({c for cs in cats for c in cs})
    grouped = numpy.flatnonzero([g is not None for g in groups])
    documents = [groups[i] for i in grouped]
    n_folds = min(len(set(documents)), max_folds)
    if n_folds < 2:
        return None
    gold: list[Sequence[str]] = []
    predicted: list[list[str]] = []
    rows, folds = [], []
    for _, test_part in GroupKFold(n_splits=n_folds).split(grouped, groups=documents):
        test = set(grouped[test_part].tolist())
        train = [i for i in range(len(texts)) if i not in test]
        folds.append(sorted({groups[i] for i in test}))
        try:
            model = TopicModel.fit([texts[i] for i in train], [cats[i] for i in train], settings, labels, vectors)
        except UserError as error:
            raise UserError(f"cross-validation fold without {', '.join(folds[-1])}: {error}") from None
        scores, preds = model.predict([texts[i] for i in sorted(test)])
        gold += [cats[i] for i in sorted(test)]
        predicted += preds
        rows.append(scores)
    return {**score_predictions(gold, predicted, labels, numpy.vstack(rows)), "folds": folds}
