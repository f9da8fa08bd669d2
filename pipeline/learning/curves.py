"""Learning from corrections (issue 6): cheap NER training rounds (``train small-ner``), learning
curves and the uncertainty-versus-random selection experiment (``learning-curve``), with their tables
and plots.

Each round trains a small character NER from scratch with spaCy's own training loop, on the
architecture of ``configs/ner.cfg`` without static vectors and for a fixed number of epochs on one
thread, so that a round costs minutes. The data are governance paragraphs only: the ``train`` split
of the People's Daily stand-off gold plus the stand-off corrections of ``corpus/corrections/``; the
``heldout`` split is the fixed held-out set. Corrections are weighted by repetition, as
``[data] gold_repeat`` weights the gold in ``pipeline/ner/train.py``.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from matplotlib.figure import Figure
from spacy.cli.train import train as spacy_train
from thinc.api import Config

from ..ner.corpora import correction_records, gold_records, write_docbin
from ..ner.evaluate import prf
from ..ner.tokenizers import char_pipeline, load_char_pipeline
from ..paths import CORRECTIONS, NER_CONFIG, STANDOFF
from ..util import UserError, sha256_text, write_json
from .select import diverse_top, random_batch, score_candidates


def split_records(records: Iterable[dict], split: str) -> list[dict]:
    """The records of one stand-off ``split`` (``train`` or ``heldout``)."""
    return [r for r in records if r.get("split", "train") == split]


def train_small(gold: Sequence[dict], output: Path, *, corrections: Sequence[dict] = (), weight: int = 1,
                epochs: int = 15, seed: int = 0, config: Path = NER_CONFIG) -> dict:
    """Train a char NER on ``gold`` plus ``corrections`` repeated ``weight`` times, for ``epochs``
    epochs (the last model is kept: no held-out data steers training); write it to ``output`` with
    a ``training.json`` card naming what it trained on."""
    if not gold and not corrections:
        raise UserError("nothing to train on: no gold records and no corrections")
    train = list(gold) + list(corrections) * weight
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="govnlp-al-") as work:
        work = Path(work)
        nlp = char_pipeline(Config().from_disk(config))
        write_docbin(nlp, train, work / "train.spacy")
        # spaCy's loop needs a dev corpus; a few training docs keep its evaluations cheap and honest.
        write_docbin(nlp, train[:10], work / "dev.spacy")
        overrides = {
            "paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"),
            "paths.vectors": None, "components.ner.model.tok2vec.embed.include_static_vectors": False,
            "training.max_epochs": epochs, "training.max_steps": 0, "training.patience": 0,
            "training.eval_frequency": 100000, "training.before_update.minutes": 0,
            "system.seed": seed, "training.logger.progress_bar": False,
        }
        spacy_train(config, work / "run", overrides=overrides)
        shutil.rmtree(output, ignore_errors=True)
        shutil.copytree(work / "run" / "model-last", output)
    card = {
        "config": Path(config).as_posix(), "seed": seed, "epochs": epochs,
        "data": {"gold": {"train": len(gold)}, "corrections": {"train": len(corrections), "weight": weight},
                 "gold_text_sha256": sorted({sha256_text(r["text"]) for r in train})},
    }
    write_json(output / "training.json", card)
    return card


def predict(model: Path, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
    """Character-offset entities of a char model (the model alone, no lexicon)."""
    nlp = load_char_pipeline(model)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=64)]


def score(model: Path, records: Sequence[dict]) -> dict:
    """P/R/F1 per label and micro/macro of ``model`` on ``records``."""
    gold, pred = [], []
    for n, (record, spans) in enumerate(zip(records, predict(model, [r["text"] for r in records]))):
        gold += [(f"{n}:{s}", e, label) for s, e, label in record["entities"]]  # one key per paragraph
        pred += [(f"{n}:{s}", e, label) for s, e, label in spans]
    return prf(gold, pred)


def shuffled(records: Sequence[dict], seed: int) -> list[dict]:
    """A seeded shuffle: the order in which curves take their data."""
    order = list(records)
    random.Random(seed).shuffle(order)
    return order


def learning_curve(records: Sequence[dict], heldout: Sequence[dict], work: Path, *,
                   fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0), epochs: int = 10, seed: int = 0) -> list[dict]:
    """Held-out scores of models trained on growing shares of ``records`` (a seeded shuffle, so
    every share holds the smaller ones)."""
    order = shuffled(records, seed)
    rows = []
    for fraction in fractions:
        part = order[: max(1, round(len(order) * fraction))]
        model = Path(work) / f"curve-{round(fraction * 100)}"
        train_small(part, model, epochs=epochs, seed=seed)
        rows.append({"curve": "learning", "percent": round(fraction * 100), "train": len(part),
                     **_summary(score(model, heldout))})
    return rows


def selection_curves(pool: Sequence[dict], heldout: Sequence[dict], work: Path, *, start: int = 80, batch: int = 40,
                     rounds: int = 3, epochs: int = 10, seed: int = 0, diversity: float = 0.5) -> list[dict]:
    """Simulated annotation rounds on a labelled pool (its gold stands in for the annotator):
    from the same random start set, add ``batch`` paragraphs per round chosen by uncertainty (with
    diversity, as ``select`` does) or at random, retrain, and score on ``heldout``."""
    order = shuffled(pool, seed)
    first, rest = order[:start], order[start:]
    model = Path(work) / "sim-start"
    train_small(first, model, epochs=epochs, seed=seed)
    base = _summary(score(model, heldout))
    rows = [{"curve": name, "round": 0, "train": len(first), **base} for name in ("uncertainty", "random")]
    for name in ("uncertainty", "random"):
        labelled, left, current = list(first), list(rest), model
        for r in range(1, rounds + 1):
            if name == "random":
                chosen = random_batch(left, batch, seed + r)
            else:
                chosen = [c.record for c in diverse_top(score_candidates(current, left), batch, diversity=diversity)]
            ids = {c["id"] for c in chosen}
            labelled += chosen
            left = [x for x in left if x["id"] not in ids]
            current = Path(work) / f"sim-{name}-{r}"
            train_small(labelled, current, epochs=epochs, seed=seed)
            rows.append({"curve": name, "round": r, "train": len(labelled), **_summary(score(current, heldout))})
            print(rows[-1], flush=True)
    return rows


def average_rows(runs: Sequence[Sequence[dict]]) -> list[dict]:
    """Mean P/R/F1 per curve and training size over runs with different seeds (each run's F1 kept)."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for rows in runs:
        for row in rows:
            groups.setdefault((row["curve"], row["train"]), []).append(row)
    averaged = []
    for (curve, train), rows in groups.items():
        mean = {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in ("p", "r", "f1", "macro_f1")}
        averaged.append({"curve": curve, "train": train, "runs": len(rows), **mean,
                         "f1_per_run": " / ".join(f"{r['f1']:.3f}" for r in rows)})
    return averaged


def _summary(scores: dict) -> dict:
    micro = scores["micro"]
    return {"p": round(micro["p"], 4), "r": round(micro["r"], 4), "f1": round(micro["f"], 4),
            "macro_f1": round(scores["macro"]["f"], 4)}


def format_rows(rows: Sequence[dict]) -> str:
    """A markdown table of curve rows."""
    keys = [k for k in rows[0] if k != "curve"] if rows else []
    head = "| curve | " + " | ".join(keys) + " |"
    lines = [head, "|" + "---|" * (len(keys) + 1)]
    lines += ["| " + " | ".join(str(row.get(k, "")) for k in ["curve", *keys]) + " |" for row in rows]
    return "\n".join(lines)


def plot(rows: Sequence[dict], output: Path, title: str) -> None:
    """A PNG of held-out micro-F1 against the number of training paragraphs, one line per curve."""
    fig = Figure(figsize=(6, 4), dpi=120)
    ax = fig.subplots()
    for name in dict.fromkeys(row["curve"] for row in rows):
        points = sorted((row["train"], row["f1"]) for row in rows if row["curve"] == name)
        ax.plot([x for x, _ in points], [y for _, y in points], marker="o", label=name)
    ax.set_xlabel("training paragraphs")
    ax.set_ylabel("held-out micro-F1 (model alone)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output)


def governance_data(standoff: Path = STANDOFF, corrections: Path | None = CORRECTIONS,
                    data_dir: Path | None = None) -> tuple[list[dict], list[dict], list[dict]]:
    """(gold train split, corrections, gold held-out split), resolved against the data dir; a
    correction of a paragraph that is also held-out gold is an error (it would leak)."""
    gold = gold_records(standoff, data_dir)
    train, heldout = split_records(gold, "train"), split_records(gold, "heldout")
    if corrections is not None and not Path(corrections).is_dir():
        raise UserError(f"corrections folder not found: {corrections} (pass --corrections none to train without)")
    fixes = correction_records(corrections, data_dir, heldout) if corrections is not None else []
    return train, fixes, heldout


def train_small_ner(output: Path, standoff: Path = STANDOFF, corrections: Path | None = CORRECTIONS, *,
                    weight: int = 1, epochs: int = 10, seed: int = 0) -> dict:
    """``train small-ner``: a small char NER on the gold train split plus the corrections, scored on
    the held-out split (model alone); its ``training.json`` card records both."""
    train, fixes, heldout = governance_data(standoff, corrections)
    card = train_small(train, output, corrections=fixes, weight=weight, epochs=epochs, seed=seed)
    card["heldout"] = {"records": len(heldout), "micro": score(output, heldout)["micro"]}
    write_json(Path(output) / "training.json", card)
    return card


def curves(output: Path, standoff: Path = STANDOFF, corrections: Path | None = CORRECTIONS, *,
           selection: bool = False, start: int = 80, batch: int = 40, rounds: int = 3,
           combine: Sequence[Path] = (), epochs: int = 10, seed: int = 0) -> tuple[str, Path]:
    """``learning-curve``: the learning curve over the gold train split plus the corrections; with
    ``selection`` the uncertainty-versus-random rounds; with ``combine`` the mean of the selection
    rows of several runs (their ``selection.json``). Written as table and plot (``write_curve``);
    returns the markdown table and the PNG's path."""
    if combine:
        missing = [str(p) for p in combine if not Path(p).is_file()]
        if missing:
            raise UserError(f"--combine: no such file: {', '.join(missing)} (run learning-curve --selection first)")
        rows = average_rows([json.loads(Path(p).read_text(encoding="utf-8")) for p in combine])
        return write_curve(output, "selection-mean", rows, f"uncertainty vs random, mean of {len(combine)} seeds")
    train, fixes, heldout = governance_data(standoff, corrections)
    if selection:
        rows = selection_curves(train, heldout, output, start=start, batch=batch, rounds=rounds, epochs=epochs, seed=seed)
        return write_curve(output, "selection", rows, f"uncertainty vs random batches of {batch} (start {start})")
    rows = learning_curve(train + fixes, heldout, output, epochs=epochs, seed=seed)
    return write_curve(output, "learning-curve", rows, f"learning curve ({len(train)} gold + {len(fixes)} corrections)")


def write_curve(output: Path, name: str, rows: list[dict], title: str) -> tuple[str, Path]:
    """The rows as ``NAME.json``, a markdown table ``NAME.md`` and a plot ``NAME.png`` in ``output``;
    returns the table and the plot's path."""
    output = Path(output)
    table = format_rows(rows)
    write_json(output / f"{name}.json", rows)
    (output / f"{name}.md").write_text(table + "\n", encoding="utf-8")
    plot(rows, output / f"{name}.png", title)
    return table, output / f"{name}.png"
