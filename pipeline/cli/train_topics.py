"""``python -m pipeline train topics CONFIG [--data FILE] --output DIR``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from spacy.cli._util import parse_config_overrides

from ._app import train_app
from ._errors import user_errors


@train_app.command("topics", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def train_topics_cli(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Topics training config, e.g. configs/topics.cfg"),
    output: Path = typer.Option(..., "--output", "-o", help="Model folder to write (model.skops, meta.json, config.cfg, README.md)"),
    data: Optional[Path] = typer.Option(None, "--data", help="Train on this file instead of \\[paths] train: export-format JSONL (cats) or THUCNews text<TAB>label"),
) -> None:
    """Train the topic classifier, cross-validate it by document and score its held-out examples.

    Override config values with dotted options, as in spaCy: --model.C 0.3
    """
    from ..topics.train import format_scores, train

    report = train(config, output, data, parse_config_overrides(ctx.args))
    counts = report["examples"]
    typer.echo(f"{counts['train']} training examples, {counts['heldout']} held out, {len(report['labels'])} labels"
               + (f" ({counts['left_out_as_repeated_in_held_out']} training examples left out: their text is held out)"
                  if counts.get("left_out_as_repeated_in_held_out") else ""))
    if report["too_few_examples"]:
        typer.echo(f"too few examples: {', '.join(report['too_few_examples'])}")
    for key, title in (("cross_validation", "cross-validation, leaving documents out"), ("heldout", "held-out examples")):
        if key in report:
            typer.echo(f"\n{title}:")
            typer.echo("\n".join(format_scores(report[key])))
    for name, result in report.get("heldout_by_file", {}).items():
        typer.echo(f"\nheld-out examples of {name}:")
        typer.echo("\n".join(format_scores(result)))
    seconds = report["seconds"]
    typer.echo(f"\ntokenize {seconds['tokenize']:.1f}s, fit {seconds['fit']:.1f}s, evaluate {seconds['evaluate']:.1f}s -> {output}")
