"""``train ner-release`` and ``evaluate ner-cv``: the shipped model made in one command (base,
leave-one-document-out folds, final model), each step skipped while its inputs are unchanged."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from thinc.api import Config

from ..paths import DEFAULT_CONFIG
from ..util import UserError, sha256_text, sha256_tree, write_json
from .corpora import document_of, gold_records
from .evaluate import Group, lodo_groups, score_groups
from .train import flags, train, write_model_card

def cross_validate(config_path: str | Path, base: str | Path, output: str | Path, *, run_config: str | Path = DEFAULT_CONFIG,
                   overrides: dict | None = None) -> dict:
    """Leave one seed document out: for each seed document, continue training the ``base`` model on
    the config's data plus the other seed documents, then score the combined stage on the left-out
    document with a lexicon lacking the entries only that document names. The scores are pooled
    over the documents and written to ``output/cv.json``."""
    config_path, base, output = Path(config_path), Path(base), Path(output)
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    seeds = gold_records(Path(config["paths"]["gold"]))
    models = {}
    for document in sorted({document_of(r) for r in seeds}):
        models[document] = output / document
        train(config_path, models[document], {"data.keep_checkpoint": "last", **(overrides or {}),
                                              "paths.base_model": str(base), "data.use_seeds": True,
                                              "data.held_out_document": document,
                                              "paths.corpus_dir": str(output / "corpus"), "paths.cross_validation": None},
              evaluate_on=[])
    command = f"python -m pipeline evaluate ner-cv {config_path.as_posix()} --base {base.as_posix()} --output {output.as_posix()}{flags(overrides or {})}"
    result = score_folds(models, seeds, run_config, command, config["paths"]["gold"])
    write_json(output / "cv.json", result)
    return result


RELEASE_STEPS = ("base", "cross-validation", "final")


def release(config_path: str | Path, output: str | Path, *, run_config: str | Path = DEFAULT_CONFIG,
            overrides: dict | None = None, force: Sequence[str] = ()) -> dict:
    """Make the shipped model in one go, as ``[release]`` of the config describes: a base model
    without the seeds, the leave-one-document-out fold models continued from it (their pooled seed
    scores go to the card), and the final model continued from it on everything, seeds included.
    Each step is skipped when ``[release] work_dir``/lock.json says its inputs have not changed
    since it last ran (as weasel does for project steps), unless it is named in ``force``."""
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

    def step(name: str, target: Path, inputs: dict, make: Callable[[], object]) -> None:
        digest = sha256_text(json.dumps(inputs, sort_keys=True))
        if (name not in force and lock.get(name, {}).get("inputs") == digest and target.exists()
                and lock[name].get("output") == sha256_tree(target)):
            print(f"release: {name} is up to date ({target})", flush=True)
            return
        print(f"release: {name} -> {target}", flush=True)
        make()
        lock[name] = {"inputs": digest, "output": sha256_tree(target)}
        write_json(lock_path, lock)

    step("base", base, common, lambda: train(config_path, base, {**(overrides or {}), "paths.corpus_dir": str(work / "corpus")},
                                             evaluate_on=[]))
    after_base = {**common, "base": lock["base"]["output"], "fine_tune": dict(tune), "run_config": sha256_tree(run_config)}
    step("cross-validation", folds / "cv.json", after_base,
         lambda: cross_validate(config_path, base, folds, run_config=run_config, overrides=continued))
    final = {**continued, "paths.base_model": str(base), "data.use_seeds": True, "data.keep_checkpoint": "last",
             "paths.cross_validation": str(folds / "cv.json"), "paths.corpus_dir": str(work / "corpus")}

    def make_final() -> None:
        card = train(config_path, output, final)
        card["retrain"] = f"python -m pipeline train ner-release {config_path.as_posix()} --output {output.as_posix()}{flags(overrides or {})}"
        write_json(output / "training.json", card)
        write_model_card(output)

    step("final", output, {**after_base, "cv": lock["cross-validation"]["output"]}, make_final)
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
