"""Training the char NER with spaCy's own training loop: the data a NER config names, its
vectors, continuing from a base model, saving the model folder with its card."""
from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
import shutil
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import spacy
from spacy.cli.train import train as spacy_train
from spacy.language import Language
from spacy.strings import StringStore
from thinc.api import Config

from ..entities import load_lexicon
from ..standoff import resolve_line
from ..util import UserError, sha256_text, sha256_tree, write_json
from .cpu import building, one_blas_thread
from .corpora import (CLUENER_LABELS, CharDocs, cluener_records, correction_records, document_of, follow_guidelines, gold_records,
                      held_out_texts, msra_records, msra_split, silver_records, story_paragraphs, write_docbin)
from .evaluate import evaluate, format_scores, write_seen_names
from .rules import lexicon_names
from .tokenizers import END, WORD_PIECE, char_pipeline
from .vectors import compact_vectors, train_vectors


class TimeBudgetReached(Exception):
    """Raised by the ``governance.time_budget.v1`` callback to end training."""


@spacy.registry.callbacks("governance.time_budget.v1")
def create_time_budget(minutes: float) -> Callable[[Language, dict], None]:
    """A ``[training] before_update`` callback that ends training after ``minutes`` (the best
    model so far is kept); 0 means no limit."""
    start = time.monotonic()

    def before_update(nlp: Language, info: dict) -> None:
        if minutes and time.monotonic() - start > minutes * 60:
            raise TimeBudgetReached(f"time budget of {minutes} minutes reached at step {info['step']}")

    return before_update


def training_records(config: dict, words: Callable[[str], Iterable[tuple[int, int]]] | None = None
                     ) -> tuple[list[dict], list[dict], dict]:
    """The train and dev records that ``[data]`` and ``[paths]`` of a NER config name, and a
    description of them for the model card; ``words`` (text -> word offsets, the char tokenizer's
    segmenter) places the lexicon's names of the silver data on whole words."""
    data, paths = config["data"], config["paths"]
    train: list[dict] = []
    dev: list[dict] = []
    sources: dict[str, dict] = {}

    def need(path: str) -> Path:
        if not Path(path).is_file():
            raise UserError(f"NER training data not found: {path} (is ../shared/data present?)")
        return Path(path)

    data_dir = Path(paths["msra"]).parents[2]
    msra = list(msra_records(need(paths["msra"])))
    share, split = data["msra_dev_share"], data.get("msra_dev_split", "hash")
    convert = follow_guidelines if data.get("follow_guidelines") else (lambda record: record)
    msra_train, msra_dev = msra_split(msra, share, split)
    train += [convert(r) for r in msra_train]
    dev += [convert(r) for r in msra_dev]
    sources["msra"] = {"file": paths["msra"], "train": len(msra_train), "dev": len(msra_dev), "dev_share": share,
                       "dev_split": split, "follow_guidelines": bool(data.get("follow_guidelines"))}
    if data["use_cluener"]:
        labels = data.get("cluener_labels", CLUENER_LABELS)
        folder = Path(paths["cluener"]).parent
        cluener = [convert(r) for name in ("train.json", "dev.json") for r in cluener_records(need(str(folder / name)), labels)]
        train += cluener
        sources["cluener2020"] = {"file": str(folder), "train": len(cluener), "labels": labels}
    gold_train: list[dict] = []
    if data["use_standoff"]:
        standoff = gold_records(need(paths["standoff"]), Path(paths["msra"]).parents[2])
        gold_train += [r for r in standoff if r.get("split") != "heldout"]
        held = [r for r in standoff if r.get("split") == "heldout"]
        dev += held
        sources["peoples_daily_standoff"] = {"file": paths["standoff"], "train": len(standoff) - len(held), "dev": len(held)}
    held_out = held_out_texts(paths.get("stories_gold"))
    if data.get("use_stories"):
        # the 新闻联播 gold: its 2022-2024 paragraphs train; the 2025 ones are held out from everything
        # (not even dev: a checkpoint chosen on them would have learnt from them), and so is a
        # training paragraph broadcast again in 2025 with the same words
        stories = [r for r in gold_records(need(paths["stories_gold"]), data_dir) if r.get("split") != "heldout"]
        kept = [r for r in stories if sha256_text(r["text"]) not in held_out]
        gold_train += kept
        sources["xinwenlianbo_gold"] = {"file": paths["stories_gold"], "train": len(kept),
                                        "left_out_as_repeated_in_held_out": len(stories) - len(kept),
                                        "held_out_never_used": len(held_out)}
    if data.get("silver"):
        settings = data["silver"]
        exclude = held_out | {sha256_text(r["text"]) for r in gold_train}
        names = None
        if settings.get("lexicon_labels"):
            surfaces = {surface: entry.label for entry in load_lexicon(paths["lexicon"])
                        if entry.label in settings["lexicon_labels"] for surface in entry.surfaces}
            names = lexicon_names(surfaces, words)
        silver = list(silver_records(data_dir, settings["years"], settings["limit"], exclude, names))
        train += silver
        sources["silver"] = {**settings, "records": len(silver),
                             "spans": dict(sorted(Counter(label for r in silver for _, _, label in r["entities"]).items()))}
    if data["use_seeds"]:
        held_out_document = data.get("held_out_document")
        seeds = [r for r in gold_records(need(paths["gold"])) if document_of(r) != held_out_document]
        gold_train += seeds
        sources["seeds"] = {"file": paths["gold"], "train": len(seeds), "held_out_document": held_out_document}
    corrections = []
    if data.get("use_corrections"):
        folder = Path(paths["corrections"])
        if not folder.is_dir():
            raise UserError(f"{folder}: corrections folder not found; set [paths] corrections or [data] use_corrections = false")
        corrections = correction_records(folder, Path(paths["msra"]).parents[2], heldout=dev)
    if corrections:
        sources["corrections"] = {"folder": paths["corrections"], "train": len(corrections), "repeat": data["corrections_repeat"]}
    train += gold_train * data["gold_repeat"] + corrections * data.get("corrections_repeat", 1)
    leaked = [r["id"] for r in train + dev if sha256_text(r["text"]) in held_out]
    if leaked:
        raise UserError(f"held-out paragraphs of {paths['stories_gold']} in the training or dev data "
                        f"({', '.join(leaked[:3])}); remove them")
    sources["gold_repeat"] = data["gold_repeat"]
    sources["gold_text_sha256"] = sorted({sha256_text(r["text"]) for r in gold_train + corrections})
    return train, dev, sources


def train(config_path: str | Path, output: str | Path, overrides: dict | None = None,
          evaluate_on: Sequence[str] | None = None, score: bool = True) -> dict:
    """Convert the data a NER config names (``prepare_corpus``) and train on it (``fit``)."""
    prepare_corpus(config_path, overrides)
    return fit(config_path, output, overrides, evaluate_on, score)


def prepare_corpus(config_path: str | Path, overrides: dict | None = None, docs: CharDocs | None = None) -> Path:
    """Convert the data a NER config names into its ``[paths] corpus_dir``: ``train.spacy`` and
    ``dev.spacy`` (char docs, through ``docs`` when given: a ``CharDocs`` of a char pipeline with this
    config's tokenizer, shared by runs on mostly the same records), ``sources.json`` (what they hold,
    for the card), the digests of the training entity surfaces and, for a model trained from scratch
    with ``[data.vectors]``, its floret vectors. Returns the folder."""
    config_path = Path(config_path)
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    paths = config["paths"]
    work = Path(paths["corpus_dir"])
    nlp = docs.nlp if docs else char_pipeline(config)
    train_records, dev_records, sources = training_records(config, words=lambda text: (
        (token.idx, token.idx + len(token)) for token in nlp.tokenizer.segmenter(text)))
    if paths.get("base_model"):
        require_labels(Path(paths["base_model"]), train_records)
    # The converted corpus is kept while its records and the tokenizer that cuts them are unchanged: a release
    # that stopped during its base (a session ends; 10-17 minutes of pkuseg and DocBin for 300,000 records here) or
    # a run continued on the same data goes straight to training.
    stamp = corpus_stamp(config, train_records, dev_records)
    if stamped(work / "corpus.stamp", stamp, work / "train.spacy", work / "dev.spacy"):
        print(f"corpus: {work} kept (its records and tokenizer are unchanged)", flush=True)
    else:
        docs = docs or CharDocs(nlp)
        write_docbin(nlp, train_records, work / "train.spacy", docs)
        write_docbin(nlp, dev_records, work / "dev.spacy", docs)
        (work / "corpus.stamp").write_text(stamp)
    write_seen_names(work, train_records)
    vec = config["data"].get("vectors")
    if vec and not paths.get("base_model"):
        # The table is kept while its settings and every text it is trained on are unchanged (39 minutes of floret
        # here). The digest covers the texts themselves: a stamp of the settings and the MSRA split alone kept the
        # table of an earlier gold when a release ran on a grown one, so the remade model was not the one a clean
        # checkout makes (the fifth release kept the fourth's table, docs/ner.md).
        texts = list(vector_texts(config, train_records))
        digest = hashlib.sha256()
        for text in texts:
            digest.update(text.encode("utf-8") + b"\n")
        stamp = json.dumps({**vec, "texts_sha256": digest.hexdigest()}, sort_keys=True)
        folder = work / "vectors"
        if not stamped(folder / "stamp.json", stamp, folder / "pipeline"):
            # floret prints nothing we can pass on (its progress is carriage returns on a terminal): say when the
            # half hour starts and ends, so a log shows where a release is
            started = time.monotonic()
            print(f"vectors: training floret on {len(texts):,} texts, {vec['epoch']} epochs, one thread -> {folder}", flush=True)
            train_vectors(texts, folder, dim=vec["dim"], bucket=vec["bucket"], epoch=vec["epoch"])
            (folder / "stamp.json").write_text(stamp)
            print(f"vectors: done in {(time.monotonic() - started) / 60:.0f} min", flush=True)
    write_json(work / "sources.json", sources)
    return work


def fit(config_path: str | Path, output: str | Path, overrides: dict | None = None,
        evaluate_on: Sequence[str] | None = None, score: bool = True) -> dict:
    """Train the config's ``ner`` with spaCy's own training loop on the corpus ``prepare_corpus``
    wrote, and write the char pipeline with its model card to ``output``; with ``score``, evaluate
    it and put the scores in the card (``score_model``)."""
    config_path, output = Path(config_path), Path(output)
    config = Config().from_disk(config_path, overrides=overrides or {})
    paths = config["paths"]
    work = Path(paths["corpus_dir"])
    if not (work / "sources.json").is_file():
        raise UserError(f"{work}: no training corpus; convert it first (python -m pipeline train ner does both)")
    sources = json.loads((work / "sources.json").read_text(encoding="utf-8"))
    settings = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"), **(overrides or {})}
    base = paths.get("base_model")
    spacy_config = config_path
    if base:
        spacy_config = continued_config(config_path, Path(base), work / "config.cfg")
        # the base's vectors, unless --paths.vectors names another table of the same width (such as
        # the floret folder a from-scratch run trained): the weights that read it are trained on
        settings.setdefault("paths.vectors", str(base))
    elif config["data"].get("vectors"):
        settings["paths.vectors"] = str(work / "vectors" / "pipeline")
    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    stopped = "spaCy's loop finished (max_steps, max_epochs or patience)"
    try:
        with building(), one_blas_thread():
            spacy_train(spacy_config, run_dir, overrides=settings)
    except TimeBudgetReached as stop:
        stopped = str(stop)
    card = {"config": config_path.as_posix(), "seed": config["system"]["seed"], "data": sources,
            "base_model": base, "overrides": overrides or {}, "stopped": stopped}
    keep = config["data"].get("keep_checkpoint", "best")
    if keep not in ("best", "last"):
        raise UserError(f"{config_path}: [data] keep_checkpoint must be best or last, not {keep!r}")
    card = save_model(run_dir / f"model-{keep}", output, {**card, "checkpoint": keep})
    write_seen_names(output, [], inherited=[work] + ([Path(base)] if base else []))
    if score:
        score_model(output, config, evaluate_on)
    return card


def score_model(output: Path, config: Config, evaluate_on: Sequence[str] | None = None) -> None:
    """Evaluate a trained model on ``evaluate_on`` (default: the config's seed gold, People's Daily
    and MSRA files), add the cross-validation results ``[paths] cross_validation`` names, and write
    them into its card."""
    paths = config["paths"]
    evaluations = {Path(d).name: evaluate(output, d) for d in (evaluate_on if evaluate_on is not None else [paths["gold"], paths["standoff"], paths["msra"]])
                   if Path(d).is_file()}
    evaluations = {name: result for name, result in evaluations.items() if result["records"]}  # all trained on: no score
    if paths.get("cross_validation"):
        cv = Path(paths["cross_validation"])
        if not cv.is_file():
            raise UserError(f"{cv}: no cross-validation results; run `python -m pipeline evaluate ner-cv` or fix [paths] cross_validation")
        for name, result in json.loads(cv.read_text(encoding="utf-8")).items():
            evaluations[f"seeds, leave one document out ({name})"] = result
    write_model_card(output, evaluations)


def require_labels(base: Path, records: Iterable[dict]) -> None:
    """Refuse to continue a base model on entity labels it has no tags for."""
    cfg = base / "ner" / "cfg"
    if not cfg.is_file():
        raise UserError(f"{base}: not a model folder written by `train ner` (no ner/cfg); fix [paths] base_model")
    known = {tag.split("-", 1)[1] for tag in json.loads(cfg.read_text(encoding="utf-8"))["labels"] if "-" in tag}
    missing = sorted({label for r in records for _, _, label in r["entities"]} - known)
    if missing:
        raise UserError(f"{base}: the base model has no {', '.join(missing)} label that the training data has; "
                        "train the base on data with every label (e.g. [data] use_standoff = true)")


def continued_config(config_path: Path, base: Path, output: Path) -> Path:
    """A copy of the training config whose ``ner`` is sourced from the model at ``base`` (spaCy
    then resumes training its weights) instead of built by its factory."""
    if not (base / "ner").is_dir():
        raise UserError(f"{base}: not a model folder written by `train ner` (no ner/); fix [paths] base_model")
    config = Config().from_disk(config_path, interpolate=False)
    config["components"]["ner"] = {"source": str(base)}
    # the base's vectors are read into this config's vocab: with the table class the base names
    # (its float16 table needs ``governance.CachedVectors.v1``, see ``compact_vectors``)
    base_nlp = Config().from_disk(base / "config.cfg", interpolate=False)["nlp"]
    if "vectors" in base_nlp:
        config["nlp"]["vectors"] = base_nlp["vectors"]
    output.parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(output)
    return output


def save_model(checkpoint: Path, output: Path, card: dict) -> dict:
    """Copy a checkpoint of the training run to ``output`` and write its ``training.json`` and card."""
    if not checkpoint.is_dir():
        raise UserError("training ended before the first evaluation: no model to save (raise the time budget)")
    shutil.rmtree(output, ignore_errors=True)
    shutil.copytree(checkpoint, output)
    prune_strings(output)
    compact_vectors(output)
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    card = {**card, "dev_scores": meta.get("performance", {})}
    write_json(output / "training.json", card)
    write_model_card(output)
    return card


def stamped(path: Path, stamp: str, *outputs: Path) -> bool:
    """Whether ``outputs`` were made from the inputs ``stamp`` digests: ``path`` holds that stamp and they all
    exist. If not, a stale stamp is removed, so that outputs an interrupted run left half made are never taken
    for whole ones; the caller writes the stamp after remaking them."""
    if path.is_file() and path.read_text() == stamp and all(output.exists() for output in outputs):
        return True
    path.unlink(missing_ok=True)
    return False


def corpus_stamp(config: dict, train_records: list[dict], dev_records: list[dict]) -> str:
    """Digest of what the converted corpus depends on: the records as they are and the tokenizer that cuts
    them into char docs (its settings and the lexicon whose names pkuseg keeps whole)."""
    digest = hashlib.sha256(json.dumps(config["nlp"], sort_keys=True).encode("utf-8"))
    lexicon = config["paths"].get("lexicon")
    digest.update((sha256_tree(lexicon) if lexicon and Path(lexicon).exists() else "").encode("utf-8"))
    for part, records in (("train", train_records), ("dev", dev_records)):
        digest.update(part.encode("utf-8"))
        for record in records:
            digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def vector_texts(config: dict, train_records: list[dict]) -> Iterator[str]:
    """Unlabelled text for the vectors, each text once: the People's Daily files, the 新闻联播
    paragraphs of ``[data.vectors] story_years`` (never a held-out paragraph) and the training texts."""
    # Each text once, so a gold paragraph that is already one of the unlabelled paragraphs adds nothing:
    # the table then stays while the gold grows (its texts are the same), and a release spends its 40-odd
    # minutes of floret only when the corpora or the settings change.
    data_dir = Path(config["paths"]["msra"]).parents[2]
    held_out = held_out_texts(config["paths"].get("stories_gold"))
    stories = (text for _, text in story_paragraphs(data_dir, config["data"]["vectors"].get("story_years", []))
               if sha256_text(text) not in held_out)
    seen = set()
    for text in itertools.chain(_people_daily_lines(data_dir), stories, (record["text"] for record in train_records)):
        if text not in seen:
            seen.add(text)
            yield text


def _people_daily_lines(data_dir: Path) -> Iterator[str]:
    for path in sorted((data_dir / "segmentation" / "peoples_daily_1998").glob("cv-*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                yield resolve_line(line)


def prune_strings(model_dir: Path) -> None:
    """Drop the character bigrams and word pieces of the training texts from the saved string
    store: the tokenizer adds the strings it needs at run time, and they are most of the folder's size."""
    path = Path(model_dir) / "vocab" / "strings.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    StringStore([s for s in strings if len(s) != 2 and not s.endswith(END) and WORD_PIECE not in s]).to_disk(path)


def write_model_card(model_dir: Path, evaluations: dict | None = None) -> None:
    """Write ``README.md`` in a model folder from its ``training.json`` (and evaluation results,
    kept in ``evaluation.json``)."""
    model_dir = Path(model_dir)
    card = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    if evaluations is not None:
        write_json(model_dir / "evaluation.json", evaluations)
    elif (model_dir / "evaluation.json").is_file():
        evaluations = json.loads((model_dir / "evaluation.json").read_text(encoding="utf-8"))
    data = card["data"]
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    lines = [
        "# governance NER model (character level)",
        "",
        "A spaCy pipeline over characters (tokenizer `governance.CharWordTokenizer.v1`, component `ner`,",
        "factory `entity_tagger`: BILUO tags per character under constrained Viterbi decoding),",
        "loaded by the `governance_ner` component of the main pipeline (`pipeline/ner/component.py`, `docs/ner.md`).",
        "",
        "- retrain: `" + card.get("retrain", f"python -m pipeline train ner {card['config']} --output {model_dir.as_posix()}{flags(card['overrides'])}") + "`",
        f"- config: `config.cfg` here (from `{card['config']}`), overrides {card['overrides'] or 'none'}",
        f"- seed: {card['seed']}",
        f"- training ended: {card.get('stopped', 'unknown')}; the {card.get('checkpoint', 'best')} checkpoint is kept",
        f"- size: {size / 1e6:.1f} MB",
        "",
        "## Data",
        "",
    ]
    for name, info in data.items():
        if isinstance(info, dict):
            lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    lines += [f"- gold records repeated {data['gold_repeat']}x; {len(data['gold_text_sha256'])} gold texts in training "
              "(their sha256 in `training.json`; `evaluate ner` skips them)", "",
              "## Scores", "", "Development set of training (MSRA dev split + People's Daily held-out gold), model alone:", ""]
    perf = card["dev_scores"]
    lines.append(f"- P {perf.get('ents_p', 0):.3f} R {perf.get('ents_r', 0):.3f} F1 {perf.get('ents_f', 0):.3f}")
    for label, s in sorted((perf.get("ents_per_type") or {}).items()):
        lines.append(f"- {label}: P {s['p']:.3f} R {s['r']:.3f} F1 {s['f']:.3f}")
    for name, result in (evaluations or {}).items():
        lines += ["", f"### `{result['command']}`", "", format_scores(result, markdown=True)]
    (model_dir / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def flags(overrides: dict) -> str:
    """Config overrides as the command-line options that set them."""
    return "".join(f" --{key} {value if isinstance(value, str) else json.dumps(value)}" for key, value in sorted(overrides.items()))
