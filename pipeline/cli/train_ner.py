"""``python -m pipeline train ner CONFIG --output DIR``."""
from __future__ import annotations

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides

from ._app import train_app
from ._errors import user_errors


@train_app.command("ner", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def train_ner_cli(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="NER training config, e.g. configs/ner.cfg"),
    output: Path = typer.Option(..., "--output", "-o", help="Model folder to write (e.g. models/ner)"),
) -> None:
    """Train the character-level NER with spaCy's training loop; write the model and its card.

    Override config values with dotted options, as in spaCy: --training.before_update.minutes 30
    """
    from ..ner.train import train

    card = train(config, output, parse_config_overrides(ctx.args))
    typer.echo(f"dev F1 {card['dev_scores'].get('ents_f', 0):.3f} -> {output / 'README.md'}", err=True)
