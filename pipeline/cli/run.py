"""``python -m pipeline run``, ``annotate``, ``segment`` and ``fetch-model``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from spacy.cli._util import parse_config_overrides

from ._app import app
from ._errors import user_errors

DEFAULT_CONFIG = Path("configs/default.cfg")


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
    from ..run import run

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


@app.command("annotate")
@user_errors
def annotate_cli(
    in_file: Path = typer.Argument(..., help="JSONL of {\"id\": ..., \"text\": ...} lines of clean text"),
    out_file: Path = typer.Argument(..., help="Output JSONL: the same lines plus entities and cats"),
    config: Path = typer.Option(DEFAULT_CONFIG, "--config", "-c", help="Run config whose \\[nlp] to use"),
) -> None:
    """Annotate already clean text: one output line per input line, in order (no layout repair)."""
    from ..run import annotate

    n = annotate(config, in_file, out_file)
    typer.echo(f"{n} lines -> {out_file}", err=True)


@app.command("segment")
@user_errors
def segment_cli(
    config: Path = typer.Option(DEFAULT_CONFIG, "--config", "-c", help="Run config whose tokenizer to use"),
) -> None:
    """Segment stdin into words: one output line per input line, words separated by single spaces."""
    from ..run import segment_lines

    segment_lines(config, sys.stdin, sys.stdout)


@app.command("fetch-model")
@user_errors
def fetch_model_cli(
    cache: Optional[Path] = typer.Option(None, "--cache", help="Cache folder (default: $GOVNLP_CACHE or ~/.cache/govnlp)"),
    sdist: Optional[Path] = typer.Option(None, "--sdist", help="A pkuseg-0.0.25.tar.gz you downloaded yourself"),
) -> None:
    """Fetch the pkuseg mixed-domain model (pkuseg==0.0.25 on PyPI), verify it and cache it."""
    from ..segment import fetch_pkuseg_model

    typer.echo(str(fetch_pkuseg_model(cache, sdist=sdist)))
