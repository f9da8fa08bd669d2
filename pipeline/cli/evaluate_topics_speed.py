"""``python -m pipeline evaluate topics-speed``: the run with keyword_topics against topic_classifier."""
from __future__ import annotations

from pathlib import Path

import typer

from ._app import evaluate_app
from ._errors import user_errors
from ._options import config_option


@evaluate_app.command("topics-speed")
@user_errors
def topics_speed_cli(
    config: Path = config_option("Run config to time"),
    repeats: int = typer.Option(5, "--repeats", min=1, help="Runs of each component (alternating); medians count"),
    output: Path = typer.Option(Path("runs/topics_speed"), "--output", "-o", help="Where the timed runs write"),
) -> None:
    """Time the run config with keyword_topics and with topic_classifier side by side; print the ratio."""
    from ..topics.train import speed

    result = speed(config, repeats, output)
    for factory, seconds in result["median_seconds"].items():
        stage = result["topics_stage_median_seconds"][factory]
        runs = ", ".join(f"{t:.2f}" for t in result["wall_seconds"][factory])
        typer.echo(f"{factory:18} median {seconds:6.2f}s over {repeats} runs [{runs}] (topics stage {stage:.3f}s)")
    typer.echo(f"topic_classifier / keyword_topics: {result['ratio']:.3f}")
