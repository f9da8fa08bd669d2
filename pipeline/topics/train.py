"""The ``train topics`` and ``evaluate topics`` workflows: topics configs, data files, model cards.

Data files (``--data`` or ``[paths] train``) come in three formats, told apart by their first line:
the export format (JSONL with ``text`` and ``cats``; examples are grouped by document, ``doc_id`` or the
id before its first colon), the stand-off gold (JSONL with ``file``/``line``/``text_sha256``, resolved
against ``[paths] data_dir``), and THUCNews (``text<TAB>label``; a numeric label is named by
``class.txt`` beside the file). A JSONL record may carry ``"split": "heldout"``; a THUCNews line is held
out when a hash of its text falls in ``[evaluation] heldout_share``. Training never sees held-out
examples; evaluation scores the held-out examples when a file has any, else all of them (``--split`` chooses).

Held out means held out from everything: a training example whose text has the same sha256 as a held-out
example of any data file is dropped (the 新闻联播 gold repeats a few paragraphs across years), the word vectors
never see a held-out text, and the story files the held-out stand-off paragraphs come from (2025) may not be a
``[vectors] corpus`` file (``training_data``, ``vectors.vector_corpus``).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy
from confection import Config
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spacy.util import registry

from .. import jsonl
from ..config import load_config
from ..manifest import package_versions
from ..nlp import tokenizer_nlp, with_component
from ..paths import DEFAULT_CONFIG, SHARED_DATA
from ..standoff import resolve_record, split_for
from ..util import UserError, atomic_writer, sha256_file, sha256_text, sha256_tree
from .components import words
from .model import (FeatureSettings, ModelSettings, Settings, TopicModel, VectorSettings, bootstrap_intervals,
                    cross_validate, score_predictions)
from .runtime import META_FILE
from .vectors import corpus_summary, vector_table, vectors_model

CARD_FILE = "README.md"
CONFIG_FILE = "config.cfg"


class Paths(BaseModel):
    model_config = ConfigDict(extra="forbid")
    train: list[str]
    run_config: str = str(DEFAULT_CONFIG)
    data_dir: str = str(SHARED_DATA)
    cache: str | None = None


class SystemSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 0


class Evaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_folds: int = Field(10, ge=2)
    heldout_share: float = Field(0.2, ge=0, lt=1)
    min_examples: int = Field(20, ge=1)


class TopicsConfig(BaseModel):
    """A topics training config (``configs/topics.cfg``)."""

    model_config = ConfigDict(extra="forbid")
    paths: Paths
    system: SystemSection = SystemSection()
    features: FeatureSettings = FeatureSettings()
    model: ModelSettings = ModelSettings()
    vectors: VectorSettings = VectorSettings()
    evaluation: Evaluation = Evaluation()

    def settings(self) -> Settings:
        return Settings(features=self.features, model=self.model, vectors=self.vectors, seed=self.system.seed)


def load_topics_config(path: str | Path, overrides: dict[str, Any] | None = None) -> tuple[TopicsConfig, Config]:
    """Read a topics config with dotted overrides; one-line errors naming the section and key."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: config file not found; give a topics config such as configs/topics.cfg")
    try:
        config = Config().from_disk(path, overrides=overrides or {}, interpolate=True)
    except Exception as error:  # confection raises plain errors for syntax problems and unknown override keys
        raise UserError(f"{path}: {str(error).strip().splitlines()[0]}") from None
    try:
        parsed = TopicsConfig(**config)
    except ValidationError as error:
        err = error.errors()[0]
        loc = [str(x) for x in err["loc"]]
        where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]"
        if err["type"] == "extra_forbidden":
            section = TopicsConfig.model_fields.get(loc[0])
            fields = getattr(section.annotation, "model_fields", {}) if section and len(loc) > 1 else TopicsConfig.model_fields
            raise UserError(f"{path}: {where}: unknown key; valid keys: {', '.join(fields)}") from None
        got = f" (got {err['input']!r})" if err["type"] != "missing" and len(loc) > 1 else ""
        raise UserError(f"{path}: {where}: {err['msg']}{got}") from None
    return parsed, config


# --- data -------------------------------------------------------------------------------------

@dataclass
class Example:
    id: str
    text: str
    cats: list[str]
    group: str | None = None
    heldout: bool = False
    # the story file a stand-off paragraph of a story file comes from (relative to the data directory)
    story_file: str | None = None
    # the data file the example was read from
    data_file: str | None = None


def read_examples(path: str | Path, data_dir: str | Path = SHARED_DATA, heldout_share: float = 0.2) -> list[Example]:
    """The labelled examples of one data file (export, stand-off or THUCNews format, see the module doc)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: data file not found; give an export-format JSONL (cats) or a THUCNews text<TAB>label file")
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "")
    examples = list(_jsonl_examples(path, Path(data_dir)) if first.lstrip().startswith("{") else _tsv_examples(path, heldout_share))
    if not examples:
        raise UserError(f"{path}: no labelled examples")
    return examples


def _jsonl_examples(path: Path, data_dir: Path) -> Iterator[Example]:
    for n, record in jsonl.read_jsonl(path):
        standoff = "text_sha256" in record and "text" not in record
        if standoff:
            record = resolve_record(record, data_dir)
        cats = record.get("cats")
        if not isinstance(record.get("text"), str) or not isinstance(cats, list) or not cats:
            raise UserError(f"{path}:{n}: needs 'text' and a non-empty 'cats' list (the export format)")
        rid = str(record.get("id", f"{path.name}:{n}"))
        group = None if standoff else record.get("doc_id") or rid.split(":")[0]
        story_file = record["source"]["file"] if standoff and "story" in record["source"] else None
        yield Example(rid, record["text"], list(cats), group, record.get("split") == "heldout", story_file)


def _tsv_examples(path: Path, heldout_share: float) -> Iterator[Example]:
    names_file = path.parent / "class.txt"
    names = names_file.read_text(encoding="utf-8").split() if names_file.is_file() else []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            text, sep, label = line.rstrip("\r\n").rpartition("\t")
            if not sep or not text or not label:
                raise UserError(f"{path}:{n}: expected text<TAB>label")
            if label.isdigit() and names:
                if int(label) >= len(names):
                    raise UserError(f"{path}:{n}: label {label} has no name in {names_file}")
                label = names[int(label)]
            yield Example(f"{path.name}:{n}", text, [label], None, split_for(text, heldout_share) == "heldout")


@dataclass
class TrainingData:
    """The examples of the data files, split: ``train`` never holds a held-out text (``repeats``: the
    training examples dropped because their text equals a held-out one)."""
    train: list[Example]
    heldout: list[Example]
    repeats: list[Example]

    def heldout_hashes(self) -> set[str]:
        """The sha256 of every held-out text (as given and stripped): kept out of training and the vectors."""
        return {sha256_text(t) for e in self.heldout for t in (e.text, e.text.strip())}

    def heldout_story_files(self) -> set[str]:
        """The story files the held-out stand-off paragraphs come from: no ``[vectors] corpus`` file."""
        return {e.story_file for e in self.heldout if e.story_file}


def training_data(files: Sequence[str | Path], data_dir: str | Path = SHARED_DATA,
                  heldout_share: float = 0.2) -> TrainingData:
    """Read the data files; the held-out examples of every file, and the training examples, minus those
    whose text equals a held-out text (sha256) of any of the files."""
    examples = []
    for f in files:
        for e in read_examples(f, data_dir, heldout_share):
            e.data_file = str(f)
            examples.append(e)
    heldout = [e for e in examples if e.heldout]
    held = {sha256_text(e.text) for e in heldout}
    train_set = [e for e in examples if not e.heldout and sha256_text(e.text) not in held]
    repeats = [e for e in examples if not e.heldout and sha256_text(e.text) in held]
    return TrainingData(train_set, heldout, repeats)


def classifier_nlp(run_config: str | Path, model: str | Path) -> Any:
    """The run config's tokenizer followed by ``topic_classifier`` (named ``topics``) loading ``model``."""
    return with_component(run_config, "topics", {"factory": "topic_classifier", "model": str(model)})


def tokenizer_digest(run_config: str | Path) -> str:
    """A digest of what decides the run config's words: ``[nlp.tokenizer]`` and the files that
    ``[initialize.tokenizer]`` resolves to (the pkuseg model, the user dictionary written from the
    lexicon). Comments and other sections do not change the words, so they leave it as it is."""
    config = load_config(run_config)
    loaded = registry.resolve({"tokenizer": config["initialize"]["tokenizer"]})["tokenizer"]
    files = {name: sha256_tree(value) if isinstance(value, str) and Path(value).exists() else value
             for name, value in loaded.items()}
    return sha256_text(json.dumps({"settings": config["nlp"]["tokenizer"], "files": files}, sort_keys=True, default=str))


def token_strings(nlp: Any, texts: Sequence[str]) -> list[str]:
    """Each text's words joined by single spaces: the model's input."""
    return [" ".join(words(doc)) for doc in nlp.pipe(texts, batch_size=256)]


# --- workflows --------------------------------------------------------------------------------

def train(config_path: str | Path, output: str | Path, data: str | Path | None = None,
          overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit the model on the training examples (with ``[vectors] corpus``: after building or loading the cached
    word vectors), cross-validate by document, score the held-out examples, and write the model folder
    (model.skops, topic_weights.npz, meta.json, config.cfg, README.md model card)."""
    parsed, config = load_topics_config(config_path, overrides)
    settings = parsed.settings()
    files = [str(data)] if data else parsed.paths.train
    split = training_data(files, parsed.paths.data_dir, parsed.evaluation.heldout_share)
    train_set, heldout = split.train, split.heldout
    start = time.perf_counter()
    nlp = tokenizer_nlp(parsed.paths.run_config)
    x_train = token_strings(nlp, [e.text for e in train_set])
    x_heldout = token_strings(nlp, [e.text for e in heldout])
    tokenize_seconds = time.perf_counter() - start
    cats = [e.cats for e in train_set]
    start = time.perf_counter()
    vectors = None
    if settings.vectors.corpus:
        floret_model = vectors_model(settings.vectors, parsed.paths.data_dir, tokenizer_digest(parsed.paths.run_config),
                                     lambda texts: token_strings(nlp, texts), parsed.paths.cache,
                                     exclude=split.heldout_hashes(), refuse=split.heldout_story_files())
        vectors = vector_table(floret_model, x_train)
    vector_seconds = time.perf_counter() - start

    start = time.perf_counter()
    model = TopicModel.fit(x_train, cats, settings, vectors=vectors)
    fit_seconds = time.perf_counter() - start
    counts = {label: sum(label in c for c in cats) for label in model.labels}
    report: dict[str, Any] = {
        "data": [{"file": f, "sha256": sha256_file(f)} for f in files],
        "examples": {"train": len(train_set), "heldout": len(heldout),
                     "left_out_as_repeated_in_held_out": len(split.repeats)},
        "label_counts": counts,
        "too_few_examples": [label for label, n in counts.items() if n < parsed.evaluation.min_examples],
        "seed": settings.seed,
        "run_config": parsed.paths.run_config,
        "heldout_share": parsed.evaluation.heldout_share,
    }
    start = time.perf_counter()
    cv = cross_validate(x_train, cats, [e.group for e in train_set], settings, parsed.evaluation.max_folds, vectors)
    if cv is not None:
        report["cross_validation"] = cv
    if heldout:
        scores, predicted = model.predict(x_heldout)
        report["heldout"] = score_predictions([e.cats for e in heldout], predicted, model.labels, scores)
        report["heldout"]["bootstrap"] = bootstrap_intervals([e.cats for e in heldout], predicted, model.labels)
        held_files = list(dict.fromkeys(e.data_file for e in heldout))
        if len(held_files) > 1:  # each file's held-out examples apart: they are different kinds of text
            report["heldout_by_file"] = {}
            for name in held_files:
                rows = [i for i, e in enumerate(heldout) if e.data_file == name]
                gold, pred = [heldout[i].cats for i in rows], [predicted[i] for i in rows]
                report["heldout_by_file"][name] = {**score_predictions(gold, pred, model.labels, scores[rows]),
                                                   "bootstrap": bootstrap_intervals(gold, pred, model.labels)}
    if vectors is not None:
        report["vectors"] = {"model": floret_model.name, "terms": len(vectors.terms), **corpus_summary(floret_model)}
    report["seconds"] = {"tokenize": round(tokenize_seconds, 2), "vectors": round(vector_seconds, 2),
                         "fit": round(fit_seconds, 2), "evaluate": round(time.perf_counter() - start, 2)}
    report["versions"] = package_versions()
    model.meta.update(report)
    out = Path(output)
    model.save(out)
    with atomic_writer(out / CONFIG_FILE) as f:
        f.write(config.to_str())
    with atomic_writer(out / CARD_FILE) as f:
        f.write(model_card(report, model, str(config_path), data))
    return {**report, "labels": model.labels, "thresholds": model.thresholds}


def check_gold_labels(data: str | Path, gold: set[str], labels: list[str]) -> None:
    """``UserError`` when no gold label is one of the model's: every example would be scored wrong."""
    if not gold or gold & set(labels):
        return
    shown_gold = ", ".join(sorted(gold)[:5]) + (", ..." if len(gold) > 5 else "")
    if all(label.isdigit() for label in gold):
        names = Path(data).parent / "class.txt"
        hint = (f"they look like class indices: put the class names, one a line in index order, in {names}"
                if not names.is_file() else f"{names} does not name them as the model does")
    else:
        hint = "score the model on data labelled with its own labels"
    raise UserError(f"{data}: none of its labels ({shown_gold}) is a label of the model ({', '.join(labels)}); {hint}")


SPLITS = ("heldout", "train", "all")


def evaluate(model_dir: str | Path, data: str | Path, run_config: str | Path = DEFAULT_CONFIG,
             data_dir: str | Path = SHARED_DATA, split: str | None = None, samples: int = 1000,
             seed: int = 0) -> dict[str, Any]:
    """Score a model folder on a data file through the ``topic_classifier`` component itself; a THUCNews
    file is split with the held-out share the model was trained with. ``split``: ``heldout``, ``train`` or
    ``all`` examples (default: the held-out ones when the file has any, else all). With ``samples``, 95 %
    bootstrap intervals of micro- and macro-F1 over the scored examples."""
    if split is not None and split not in SPLITS:
        raise UserError(f"--split {split}: expected one of {', '.join(SPLITS)}")
    start = time.perf_counter()
    nlp = classifier_nlp(run_config, model_dir)
    meta = json.loads((Path(model_dir) / META_FILE).read_text(encoding="utf-8"))
    examples = read_examples(data, data_dir, meta.get("heldout_share", Evaluation().heldout_share))
    if split is None:
        scored = [e for e in examples if e.heldout] or examples
    else:
        scored = [e for e in examples if split == "all" or e.heldout == (split == "heldout")]
    if not scored:
        raise UserError(f"{data}: no {split} examples")
    labels = list(nlp.get_pipe("topics").model.labels)
    check_gold_labels(data, {c for e in scored for c in e.cats}, labels)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    docs = list(nlp.pipe((e.text for e in scored), batch_size=256))
    seconds = time.perf_counter() - start
    gold_labels = sorted({c for e in scored for c in e.cats} - set(labels))
    scores = numpy.array([[doc.cats[label] for label in labels] for doc in docs])
    result = score_predictions([e.cats for e in scored], [doc._.topics for doc in docs], labels + gold_labels,
                               numpy.hstack([scores, numpy.zeros((len(docs), len(gold_labels)))]))
    if samples:
        result["bootstrap"] = bootstrap_intervals([e.cats for e in scored], [doc._.topics for doc in docs],
                                                  labels + gold_labels, samples, seed)
    result.update({"split": split or ("heldout" if len(scored) < len(examples) else "all"), "data": str(data),
                   "model": str(model_dir), "seconds": {"startup": round(startup, 2), "predict": round(seconds, 2)}})
    return result


def model_card(report: dict[str, Any], model: TopicModel, config_path: str, data: str | Path | None) -> str:
    """The model folder's README: what it was trained on, how, and how well it does."""
    command = f"python -m pipeline train topics {config_path}" + (f" --data {data}" if data else "") + " --output DIR"
    lines = [
        "# Topic classifier",
        "",
        "A scikit-learn model for the `topic_classifier` component (`pipeline/topics/components.py`): TF-IDF of pkuseg",
        "words and character n-grams" + (" and the mean floret word vector" if "vectors" in report else "") +
        ", one calibrated " + ("NB-SVM (LinearSVC on naive-Bayes log-count-ratio scaled n-grams)"
                               if model.meta["settings"]["model"]["nb_svm"] else "LinearSVC")
        + " per label (one-vs-rest), per-label thresholds chosen",
        "on out-of-fold probabilities. Stored with skops (`model.skops`, loaded with an explicit list of trusted types);",
        "the component predicts from the same weights exported to `topic_weights.npz` (numpy, no pickles).",
        "`meta.json` holds the labels, thresholds, data hashes, settings, scores and package versions.",
        "",
        *([f"Word vectors: floret model `{report['vectors']['model']}` trained on the `[vectors] corpus` of `config.cfg`"
           + (f" ({report['vectors']['texts']:,} distinct paragraphs, {report['vectors']['characters']:,} characters; "
              f"{report['vectors']['held_out_left_out']} texts equal to held-out examples left out)"
              if "texts" in report["vectors"] else "")
           + f"; the vectors of the {report['vectors']['terms']} words and characters of the training texts are kept.", ""]
          if "vectors" in report else []),
        f"Trained by `{command}` (seed {report['seed']}; the training config is `config.cfg`).",
        "",
        f"`[model] C` = {model.meta['C']}, the best out-of-fold macro-F1 on the training examples ("
        + ", ".join(f"C {c}: {f:.3f}" for c, f in model.meta["C_out_of_fold_macro_f1"].items()) + ").",
        "",
        "## Data",
        "",
        *[f"- `{d['file']}` (sha256 `{d['sha256'][:16]}…`)" for d in report["data"]],
        f"- {report['examples']['train']} training examples, {report['examples']['heldout']} held out"
        + (f"; {report['examples']['left_out_as_repeated_in_held_out']} training examples left out because a held-out "
           "example has the same text" if report["examples"].get("left_out_as_repeated_in_held_out") else "") + ".",
        "",
        "| label | training examples | threshold |",
        "| --- | ---: | ---: |",
        *[f"| {label} | {report['label_counts'][label]} | {t:.3f} |" for label, t in zip(model.labels, model.thresholds)],
        "",
    ]
    if report["too_few_examples"]:
        lines += [f"Too few examples (fewer than the config's `min_examples`) to trust their scores: "
                  f"{', '.join(report['too_few_examples'])}.", ""]
    for key, title in (("cross_validation", "Cross-validation, leaving documents out"), ("heldout", "Held-out examples")):
        if key in report:
            lines += [f"## {title}", "", *format_scores(report[key]), ""]
    for name, result in report.get("heldout_by_file", {}).items():
        lines += [f"### Held-out examples of `{name}`", "", *format_scores(result), ""]
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    lines += ["## Versions", "", versions, ""]
    return "\n".join(lines)


def format_scores(result: dict[str, Any]) -> list[str]:
    """A Markdown table of per-label scores plus the summary figures."""
    lines = ["| label | P | R | F | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, s in result["labels"].items():
        recall_f = f"{s['r']:.3f} | {s['f']:.3f}" if s["support"] else "– | –"
        lines.append(f"| {label} | {s['p']:.3f} | {recall_f} | {s['support']} |")
    summary = f"{result['examples']} examples: micro-F1 {result['micro_f1']:.3f}, " \
              f"macro-F1 {result['macro_f1']:.3f} (over the labels with support)"
    if "accuracy" in result:
        summary += f", accuracy {result['accuracy']:.3f}"
    if "folds" in result:
        summary += f", {len(result['folds'])} folds"
    lines += ["", summary + "."]
    if "bootstrap" in result:
        b = result["bootstrap"]
        lines.append(f"95 % bootstrap intervals over {result['examples']} examples ({b['samples']} resamples): "
                     f"micro-F1 {b['micro_f1'][0]:.3f}-{b['micro_f1'][1]:.3f}, macro-F1 {b['macro_f1'][0]:.3f}-{b['macro_f1'][1]:.3f}.")
    return lines


def speed(run_config: str | Path, repeats: int, output: str | Path) -> dict[str, Any]:
    """Wall time of ``python -m pipeline run`` with ``keyword_topics`` and with ``topic_classifier``,
    alternating (so that load from other work on the machine hits both alike); medians and their ratio.
    Also the in-process seconds of the topics stage from each run's manifest."""
    import statistics
    import subprocess
    import sys

    factories = ("keyword_topics", "topic_classifier")
    wall: dict[str, list[float]] = {f: [] for f in factories}
    stage: dict[str, list[float]] = {f: [] for f in factories}
    for _ in range(repeats):
        for factory in factories:
            out = Path(output) / factory
            command = [sys.executable, "-m", "pipeline", "run", str(run_config), "--output", str(out), "--quiet",
                       "--components.topics.factory", factory]
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True)
            wall[factory].append(time.perf_counter() - start)
            if result.returncode != 0:
                raise UserError(f"{run_config}: run with {factory} failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            stage[factory].append(manifest["timings"]["topics"]["seconds"])
    medians = {f: statistics.median(wall[f]) for f in factories}
    return {
        "config": str(run_config),
        "repeats": repeats,
        "wall_seconds": wall,
        "median_seconds": medians,
        "ratio": medians["topic_classifier"] / medians["keyword_topics"],
        "topics_stage_median_seconds": {f: statistics.median(stage[f]) for f in factories},
    }
