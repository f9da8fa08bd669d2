"""``python -m pipeline run CONFIG``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from spacy.cli._util import parse_config_overrides

from ._app import app
from ._errors import user_errors


@app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors
def run_cli(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Run config (.cfg), e.g. configs/default.cfg"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output folder (default: \\[system] output)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar"),
    resume: bool = typer.Option(False, "--resume", help="Continue the interrupted run in the output folder (same config and inputs)"),
) -> None:
    """Run the configured stages over the configured input and write DIR/annotated.jsonl and DIR/manifest.json.

    Override config values with dotted options, as in spaCy: --paths.input my_pages --export.unit article
    """
    from ..orchestrator import run

    try:
        manifest = run(config, output, parse_config_overrides(ctx.args), quiet=quiet, resume=resume)
    except KeyboardInterrupt:
        typer.echo("interrupted: no output was half-written; the same command with --resume continues the run", err=True)
        raise typer.Exit(130) from None
    counts = manifest["counts"]
    typer.echo(
        f"{counts['documents']} documents, {counts['articles']} articles, {counts['units']} units, "
        f"{counts['entities']} entities -> {Path(manifest['output_dir']) / 'annotated.jsonl'}",
        err=True,
    )
    for skipped in manifest["skipped"]:
        typer.echo(f"skipped: {skipped['reason']}", err=True)
    if manifest["skipped"]:
        raise typer.Exit(3)
