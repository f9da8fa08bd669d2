"""``train ner-release`` and ``evaluate ner-cv``: the shipped model made in one command (base,
leave-one-document-out folds, final model), each step skipped while its inputs are unchanged."""
from __future__ import annotations

import json
import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Sequence

from thinc.api import Config

from ..paths import DEFAULT_CONFIG
from ..util import UserError, sha256_text, sha256_tree, write_json
from .corpora import CharDocs, document_of, gold_records
from .evaluate import Group, lodo_groups, score_groups
from .tokenizers import char_pipeline
from .train import fit, flags, prepare_corpus, score_model, write_model_card

def cross_validate(config_path: str | Path, base: str | Path, output: str | Path, *, run_config: str | Path = DEFAULT_CONFIG,
                   overrides: dict | None = None, jobs: int = 1) -> dict:
    """Leave one seed document out: for each seed document, continue training the ``base`` model on
    the config's data plus the other seed documents (``jobs`` at a time), then score the combined
    stage on the left-out document with a lexicon lacking the entries only that document names. The
    scores are pooled over the documents and written to ``output/cv.json``."""
    config_path, base, output = Path(config_path), Path(base), Path(output)
    folds = fold_runs(config_path, base, output, overrides or {})
    train_models(config_path, [(model, settings, True) for model, settings in folds.values()], jobs,
                 char_docs(config_path, overrides or {}))
    return score_cross_validation(config_path, base, output, folds, run_config, overrides or {})


def fold_runs(config_path: Path, base: Path, output: Path, overrides: dict) -> dict[str, tuple[Path, dict]]:
    """Per seed document, the fold model's folder and the overrides that train it: continued from
    ``base`` on everything but that document, with a corpus folder of its own."""
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides)
    seeds = gold_records(Path(config["paths"]["gold"]))
    return {document: (output / document, {"data.keep_checkpoint": "last", **overrides, "paths.base_model": str(base),
                                          "data.use_seeds": True, "data.held_out_document": document,
                                          "paths.corpus_dir": str(output / "corpus" / document), "paths.cross_validation": None})
            for document in sorted({document_of(r) for r in seeds})}


def score_cross_validation(config_path: Path, base: Path, output: Path, folds: dict[str, tuple[Path, dict]],
                           run_config: str | Path, overrides: dict) -> dict:
    """Score the trained fold models on their documents and write ``output/cv.json``."""
    config = Config().from_disk(config_path, overrides=overrides)
    seeds = gold_records(Path(config["paths"]["gold"]))
    command = f"python -m pipeline evaluate ner-cv {config_path.as_posix()} --base {base.as_posix()} --output {output.as_posix()}{flags(overrides)}"
    result = score_folds({document: model for document, (model, _) in folds.items()}, seeds, run_config, command,
                         config["paths"]["gold"])
    write_json(output / "cv.json", result)
    return result


def char_docs(config_path: Path, overrides: dict) -> CharDocs:
    """One store of converted records for every run of a release: their configs differ only in
    ``[data]`` and ``[paths]``, never in the tokenizer that converts."""
    return CharDocs(char_pipeline(Config().from_disk(config_path, overrides=overrides)))


def train_models(config_path: Path, runs: Sequence[tuple[Path, dict, bool]], jobs: int, docs: CharDocs,
                 trained: Callable[[Path], None] = lambda output: None) -> None:
    """Train (output, overrides, score) runs, ``jobs`` at a time, on corpora converted here first,
    one after the other through ``docs`` (so each record is cut by pkuseg once, not once a run),
    calling ``trained`` with each run's output as soon as it is trained, so a caller can record it
    though another run fails (the first failure is raised once every run has ended). Each run
    trains in one process busy on one core (spaCy's loop, one BLAS thread), so on two cores the five
    folds and the final model of a release take three rounds instead of six. Processes are spawned,
    not forked: a fork would copy this process's BLAS thread pools and converted docs."""
    for _, overrides, _ in runs:
        prepare_corpus(config_path, overrides, docs)
    if jobs <= 1 or len(runs) <= 1:
        for output, overrides, score in runs:
            fit(config_path, output, overrides, evaluate_on=[], score=score)
            trained(output)
        return
    print(f"release: training {len(runs)} models, {jobs} at a time", flush=True)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(fit, config_path, output, overrides, [], score): output for output, overrides, score in runs}
        failed = []
        for future in as_completed(futures):  # the runs that finish are recorded even when another fails
            error = future.exception()
            if error is None:
                trained(futures[future])
            else:
                failed.append(error)
    if failed:
        raise failed[0]


RELEASE_STEPS = ("base", "cross-validation", "final")


def release(config_path: str | Path, output: str | Path, *, run_config: str | Path = DEFAULT_CONFIG,
            overrides: dict | None = None, force: Sequence[str] = ()) -> dict:
    """Make the shipped model in one go, as ``[release]`` of the config describes: a base model
    without the seeds, the leave-one-document-out fold models continued from it (their pooled seed
    scores go to the card), and the final model continued from it on everything, seeds included
    (the folds and the final model are trained ``[release] jobs`` at a time). Each step is skipped
    when ``[release] work_dir``/lock.json says its inputs have not changed since it last ran (as
    weasel does for project steps), unless it is named in ``force``; each fold is recorded as it
    finishes, so a cross-validation stopped midway keeps its trained folds; the folds being remade,
    the final model is remade with them."""
    config_path, output = Path(config_path), Path(output)
    unknown = sorted(set(force) - set(RELEASE_STEPS))
    if unknown:
        raise UserError(f"--force {', '.join(unknown)}: no such release step; the steps are {', '.join(RELEASE_STEPS)}")
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    if "release" not in config:
        raise UserError(f"{config_path}: no [release] section to say how the model is made (see configs/ner.cfg)")
    settings, paths = config["release"], config["paths"]
    tune = settings["fine_tune"]
    work = Path(settings["work_dir"])
    continued = {"training.before_update.minutes": tune["minutes"], "training.optimizer.learn_rate": tune["learn_rate"],
                 "training.batcher.size.start": tune["batch_start"], "data.gold_repeat": tune["gold_repeat"],
                 **(overrides or {})}
    data = [paths[k] for k in ("msra", "gold", "standoff", "stories_gold", "corrections", "lexicon")] + [str(Path(paths["cluener"]).parent)]
    # the base step depends on the config without [release]; overrides are part of the config
    common = {"config": {k: v for k, v in config.items() if k != "release"},
              "data": {d: sha256_tree(d) for d in data if Path(d).exists()}}
    lock_path = work / "lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8")) if lock_path.is_file() else {}
    base, folds = work / "base", work / "cv"

    def digest(inputs: dict) -> str:
        return sha256_text(json.dumps(inputs, sort_keys=True))

    def up_to_date(name: str, target: Path, inputs: dict) -> bool:
        if (name not in force and lock.get(name, {}).get("inputs") == digest(inputs) and target.exists()
                and lock[name].get("output") == sha256_tree(target)):
            print(f"release: {name} is up to date ({target})", flush=True)
            return True
        print(f"release: {name} -> {target}", flush=True)
        return False

    def record(name: str, target: Path, inputs: dict) -> None:
        lock[name] = {"inputs": digest(inputs), "output": sha256_tree(target)}
        write_json(lock_path, lock)

    docs = char_docs(config_path, overrides or {})
    if not up_to_date("base", base, common):
        base_run = {**(overrides or {}), "paths.corpus_dir": str(work / "corpus")}
        prepare_corpus(config_path, base_run, docs)
        fit(config_path, base, base_run, evaluate_on=[])
        record("base", base, common)
    after_base = {**common, "base": lock["base"]["output"], "fine_tune": dict(tune), "run_config": sha256_tree(run_config)}
    final = {**continued, "paths.base_model": str(base), "data.use_seeds": True, "data.keep_checkpoint": "last",
             "paths.cross_validation": str(folds / "cv.json"), "paths.corpus_dir": str(work / "corpus")}
    fold_models = {} if up_to_date("cross-validation", folds / "cv.json", after_base) else fold_runs(config_path, base, folds, continued)
    # each fold is recorded as soon as it is trained: a release stopped among its folds (the 2026-12-05
    # one lost a fold process to the memory limit after two folds of 13 minutes were done) resumes
    # with the folds still to train
    fold_inputs = {model: {**after_base, "fold": fold} for model, fold in fold_models.values()}
    fold_step = {model: f"fold {model.name}" for model in fold_inputs}
    to_train = [(model, fold) for model, fold in fold_models.values()
                if "cross-validation" in force or not up_to_date(fold_step[model], model, fold_inputs[model])]
    remake_final = bool(fold_models) or not up_to_date("final", output, {**after_base, "cv": lock["cross-validation"]["output"]})
    if remake_final and fold_models:
        print(f"release: final -> {output}", flush=True)

    def trained(model: Path) -> None:
        if model in fold_step:
            record(fold_step[model], model, fold_inputs[model])

    train_models(config_path, [(model, fold, True) for model, fold in to_train]
                 + ([(output, final, False)] if remake_final else []), int(settings.get("jobs", 1)), docs, trained)
    if fold_models:
        score_cross_validation(config_path, base, folds, fold_models, run_config, continued)
        record("cross-validation", folds / "cv.json", after_base)
    if remake_final:
        score_model(output, Config().from_disk(config_path, overrides=final))
        card = json.loads((output / "training.json").read_text(encoding="utf-8"))
        card["retrain"] = f"python -m pipeline train ner-release {config_path.as_posix()} --output {output.as_posix()}{flags(overrides or {})}"
        write_json(output / "training.json", card)
        write_model_card(output)
        record("final", output, {**after_base, "cv": lock["cross-validation"]["output"]})
    return json.loads((output / "training.json").read_text(encoding="utf-8"))


def score_folds(models: dict[str, Path], seeds: Sequence[dict], run_config: str | Path, command: str, data: str) -> dict:
    """Scores of fold models (left-out document -> model) on their documents, pooled: with the
    lexicon as shipped, and with a lexicon lacking the entries only the left-out document names."""
    shipped = score_groups([Group(model, [r for r in seeds if document_of(r) == d]) for d, model in sorted(models.items())],
                           run_config, None)
    with tempfile.TemporaryDirectory() as work:
        groups, left_out = lodo_groups(run_config, seeds, models, Path(work))
        strict = score_groups(groups, run_config, None)
    head = {"data": data, "records": len(seeds), "skipped_trained_on": 0}
    return {"lexicon as shipped": {"command": command, **head, **shipped},
            "lexicon without the left-out document's own names": {"command": command, **head, **strict,
                                                                   "lexicon_entries_left_out": left_out}}
