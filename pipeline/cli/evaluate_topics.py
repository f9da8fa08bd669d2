"""``python -m pipeline evaluate topics --model DIR --data FILE [--json]``."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from ._app import evaluate_app
from ._errors import user_errors


@evaluate_app.command("topics")
@user_errors
def evaluate_topics_cli(
    model: Path = typer.Option(..., "--model", help="Model folder written by `train topics`"),
    data: Path = typer.Option(..., "--data", help="Export-format JSONL (cats), stand-off gold, or THUCNews text<TAB>label"),
    config: Path = typer.Option(Path("configs/default.cfg"), "--config", "-c", help="Run config whose tokenizer to use"),
    data_dir: Path = typer.Option(Path("../shared/data"), "--data-dir", help="Where stand-off gold finds its texts"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
) -> None:
    """Per-label P/R/F, micro and macro F1 (and accuracy for single-label data) of the held-out examples
    of FILE, or of all of them when it marks none as held out."""
    from ..topic_train import evaluate, format_scores

    result = evaluate(model, data, config, data_dir)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result['data']} ({result['split']} examples), model {result['model']}")
    typer.echo("\n".join(format_scores(result)))
    typer.echo(f"startup {result['seconds']['startup']:.1f}s, predict {result['seconds']['predict']:.1f}s")


@evaluate_app.command("topics-speed")
@user_errors
def topics_speed_cli(
    config: Path = typer.Option(Path("configs/default.cfg"), "--config", "-c", help="Run config to time"),
    repeats: int = typer.Option(5, "--repeats", min=1, help="Runs of each component (alternating); medians count"),
    output: Path = typer.Option(Path("runs/topics_speed"), "--output", "-o", help="Where the timed runs write"),
) -> None:
    """Time the run config with keyword_topics and with topic_classifier side by side; print the ratio."""
    from ..topic_train import speed

    result = speed(config, repeats, output)
    for factory, seconds in result["median_seconds"].items():
        stage = result["topics_stage_median_seconds"][factory]
        runs = ", ".join(f"{t:.2f}" for t in result["wall_seconds"][factory])
        typer.echo(f"{factory:18} median {seconds:6.2f}s over {repeats} runs [{runs}] (topics stage {stage:.3f}s)")
    typer.echo(f"topic_classifier / keyword_topics: {result['ratio']:.3f}")
