"""``python -m pipeline learning-curve --output DIR``: held-out F1 against training data, or
uncertainty-selected against random batches."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ._app import app
from ._errors import user_errors
from ._options import CORRECTIONS, EPOCHS, SEED, STANDOFF, optional_folder


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
    from ..learning.curves import curves

    table, png = curves(output, gold, optional_folder(corrections), selection=selection, start=start, batch=batch,
                        rounds=rounds, combine=combine, epochs=epochs, seed=seed)
    typer.echo(table)
    typer.echo(f"-> {png}")
