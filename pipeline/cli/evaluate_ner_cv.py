"""``python -m pipeline evaluate ner-cv CONFIG --base DIR --output DIR``."""
from __future__ import annotations

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides

from ._app import evaluate_app
from ._errors import user_errors
from ._options import config_option


@evaluate_app.command("ner-cv", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def evaluate_ner_cv_cli(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="NER training config, e.g. configs/ner.cfg"),
    base: Path = typer.Option(..., "--base", "-b", help="Model trained without the seeds, to continue training from"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the fold models and cv.json"),
    run_config: Path = config_option("Run config of the lexicon stage"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Fold models trained at a time (one core each)"),
) -> None:
    """Leave one seed document out: train a fold model on the other documents (continuing from
    --base) and score it on the left-out one, with the lexicon as shipped and with a lexicon lacking
    the names only that document has; print the pooled scores and write them to OUTPUT/cv.json.

    Override training config values with dotted options: --training.before_update.minutes 6
    """
    from ..ner.evaluate import format_scores
    from ..ner.release import cross_validate

    results = cross_validate(config, base, output, run_config=run_config, overrides=parse_config_overrides(ctx.args),
                             jobs=jobs)
    for name, result in results.items():
        typer.echo(f"\n{name}\n{format_scores(result)}")
