"""``python -m pipeline train ner-release CONFIG --output DIR``."""
from __future__ import annotations

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides

from ._app import train_app
from ._errors import user_errors
from ._options import config_option


@train_app.command("ner-release", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def train_ner_release_cli(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="NER training config with a \\[release] section, e.g. configs/ner.cfg"),
    output: Path = typer.Option(..., "--output", "-o", help="Model folder to write (e.g. models/ner)"),
    run_config: Path = config_option("Run config of the lexicon stage"),
    force: list[str] = typer.Option([], "--force", help="Remake this step even if it is up to date: base, cross-validation or final (repeatable)"),
) -> None:
    """Make the shipped NER model in one command: the base model, the leave-one-document-out
    folds scored on the seeds, and the final model continued from the base on everything.

    Steps whose inputs did not change are skipped. Override config values with dotted options.
    """
    from ..ner.release import release

    card = release(config, output, run_config=run_config, overrides=parse_config_overrides(ctx.args), force=force)
    typer.echo(f"dev F1 {card['dev_scores'].get('ents_f', 0):.3f} -> {output / 'README.md'}", err=True)
