"""``python -m pipeline corrections PULLED --project NAME --output FILE``."""
from __future__ import annotations

from pathlib import Path

import typer

from ._app import app
from ._errors import user_errors


@app.command("corrections")
@user_errors
def corrections_cli(
    pulled: Path = typer.Argument(..., help="A `doccano pull` output of units selected from corpus lines"),
    project: str = typer.Option(..., "--project", "-p", help="The doccano project it was pulled from (recorded)"),
    output: Path = typer.Option(..., "--output", "-o", help="Stand-off JSONL to write, e.g. corpus/corrections/round1.jsonl"),
) -> None:
    """Keep confirmed corrections as stand-off annotations (file, line, text hash, offsets, labels,
    who): no corpus text, so they can be committed and resolved against ../shared/data for training."""
    from ..learning.corrections import corrections_standoff

    written, unconfirmed = corrections_standoff(pulled, output, project)
    typer.echo(f"{written} confirmed correction(s) -> {output}; {unconfirmed} unconfirmed left out")
