"""``python -m pipeline evaluate topics --model DIR --data FILE [--split heldout] [--json]``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..paths import SHARED_DATA
from ._app import evaluate_app
from ._errors import user_errors
from ._options import config_option


@evaluate_app.command("topics")
@user_errors
def evaluate_topics_cli(
    model: Path = typer.Option(..., "--model", help="Model folder written by `train topics`"),
    data: Path = typer.Option(..., "--data", help="Export-format JSONL (cats), stand-off gold, or THUCNews text<TAB>label"),
    config: Path = config_option("Run config whose tokenizer to use"),
    data_dir: Path = typer.Option(SHARED_DATA, "--data-dir", help="Where stand-off gold finds its texts"),
    split: Optional[str] = typer.Option(None, "--split", help="Score only this split: heldout, train or all "
                                        "(default: the held-out examples when the file has any, else all)"),
    samples: int = typer.Option(1000, "--samples", help="Bootstrap resamples for the 95 % intervals (0: none)"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
) -> None:
    """Per-label P/R/F, micro and macro F1 (and accuracy for single-label data) of the held-out examples
    of FILE, or of all of them when it marks none as held out."""
    from ..topics.train import evaluate, format_scores

    result = evaluate(model, data, config, data_dir, split=split, samples=samples)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result['data']} ({result['split']} examples), model {result['model']}")
    typer.echo("\n".join(format_scores(result)))
    typer.echo(f"startup {result['seconds']['startup']:.1f}s, predict {result['seconds']['predict']:.1f}s")
