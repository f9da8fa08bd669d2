"""``python -m pipeline train small-ner --output DIR``: a cheap training round of the correction loop."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import train_app
from ._errors import user_errors
from ._options import CORRECTIONS, EPOCHS, SEED, STANDOFF, optional_folder


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
    from ..learning.curves import train_small_ner

    card = train_small_ner(output, gold, optional_folder(corrections), weight=weight, epochs=epochs, seed=seed)
    data, heldout = card["data"], card["heldout"]
    micro = heldout["micro"]
    typer.echo(f"trained on {data['gold']['train']} gold paragraphs + {data['corrections']['train']} corrections "
               f"x{weight} ({epochs} epochs, seed {seed}) -> {output}")
    typer.echo(f"held-out ({heldout['records']} paragraphs) P {micro['p']:.3f} R {micro['r']:.3f} F1 {micro['f']:.3f}")
