"""``python -m pipeline learning-curve`` and ``python -m pipeline train small-ner``: the cheap
training rounds of the correction loop and their curves."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from ._app import app, train_app
from ._errors import user_errors

STANDOFF = typer.Option(Path("corpus/gold/pd1998.standoff.jsonl"), "--gold",
                        help="Stand-off gold: its train split trains, its heldout split scores")
CORRECTIONS = typer.Option(Path("corpus/corrections"), "--corrections",
                           help="Folder of stand-off corrections (its *.jsonl files), or `none`")
EPOCHS = typer.Option(10, "--epochs", min=1, help="Training epochs per model")
SEED = typer.Option(0, "--seed", help="Seed of training and of the data order")


@train_app.command("small-ner")
@user_errors
def train_small_cli(
    output: Path = typer.Option(..., "--output", "-o", help="Model folder to write"),
    gold: Path = STANDOFF,
    corrections: Optional[Path] = CORRECTIONS,
    weight: int = typer.Option(1, "--weight", min=0, help="Times each correction counts against one gold paragraph"),
    epochs: int = EPOCHS,
    seed: int = SEED,
) -> None:
    """Train a small char NER (minutes, one thread) on the gold train split plus the corrections;
    print what it trained on and its held-out micro-F1 (model alone)."""
    from ..learning import governance_data, score, train_small
    from ..util import write_json

    train, fixes, heldout = governance_data(gold, None if str(corrections) == "none" else corrections)
    card = train_small(train, output, corrections=fixes, weight=weight, epochs=epochs, seed=seed)
    micro = score(output, heldout)["micro"]
    typer.echo(f"trained on {len(train)} gold paragraphs + {len(fixes)} corrections x{weight} "
               f"({epochs} epochs, seed {seed}) -> {output}")
    typer.echo(f"held-out ({len(heldout)} paragraphs) P {micro['p']:.3f} R {micro['r']:.3f} F1 {micro['f']:.3f}")
    card["heldout"] = {"records": len(heldout), "micro": micro}
    write_json(output / "training.json", card)


@app.command("learning-curve")
@user_errors
def learning_curve_cli(
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the models, table (.md, .json) and PNG"),
    gold: Path = STANDOFF,
    corrections: Optional[Path] = CORRECTIONS,
    selection: bool = typer.Option(False, "--selection", help="Instead: simulated rounds on the gold train split, "
                                   "uncertainty-selected against random batches"),
    start: int = typer.Option(80, "--start", help="--selection: paragraphs labelled before the first round"),
    batch: int = typer.Option(40, "--batch", help="--selection: paragraphs added per round"),
    rounds: int = typer.Option(3, "--rounds", help="--selection: rounds"),
    combine: List[Path] = typer.Option([], "--combine", help="Instead: average the selection.json files of runs "
                                       "with different --seed (repeat the option)"),
    epochs: int = EPOCHS,
    seed: int = SEED,
) -> None:
    """Held-out micro-F1 when training on 25/50/75/100 % of the data (gold train split plus
    corrections), or with --selection the uncertainty-versus-random curves; table and PNG."""
    from ..learning import average_rows, governance_data, learning_curve, selection_curves
    from ..util import UserError

    if combine:
        missing = [str(p) for p in combine if not p.is_file()]
        if missing:
            raise UserError(f"--combine: no such file: {', '.join(missing)} (run learning-curve --selection first)")
        rows = average_rows([json.loads(p.read_text(encoding="utf-8")) for p in combine])
        _write(output, "selection-mean", rows, f"uncertainty vs random, mean of {len(combine)} seeds")
        return
    train, fixes, heldout = governance_data(gold, None if str(corrections) == "none" else corrections)
    if selection:
        rows = selection_curves(train, heldout, output, start=start, batch=batch, rounds=rounds, epochs=epochs, seed=seed)
        name, title = "selection", f"uncertainty vs random batches of {batch} (start {start})"
    else:
        rows = learning_curve(train + fixes, heldout, output, epochs=epochs, seed=seed)
        name, title = "learning-curve", f"learning curve ({len(train)} gold + {len(fixes)} corrections)"
    _write(output, name, rows, title)


def _write(output: Path, name: str, rows: list[dict], title: str) -> None:
    """The rows as ``NAME.json``, a markdown table ``NAME.md`` (also printed) and ``NAME.png``."""
    from ..learning import format_rows, plot
    from ..util import write_json

    table = format_rows(rows)
    write_json(output / f"{name}.json", rows)
    (output / f"{name}.md").write_text(table + "\n", encoding="utf-8")
    plot(rows, output / f"{name}.png", title)
    typer.echo(table)
    typer.echo(f"-> {output / (name + '.png')}")
