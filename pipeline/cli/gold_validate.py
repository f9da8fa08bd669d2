"""``python -m pipeline gold validate FILE...``: check the gold corpus."""
from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from ._app import gold_app
from ._errors import user_errors


@gold_app.command("validate")
@user_errors
def validate_cli(
    files: List[Path] = typer.Argument(..., help="Gold JSONL files (export or stand-off format)."),
) -> None:
    """Check offsets, overlaps, labels, quotation marks, topics and unique ids; exit 1 on problems."""
    from ..gold import validate_files

    problems, count = validate_files(files)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {count} record(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{count} record(s) OK")
