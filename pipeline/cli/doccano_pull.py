"""``python -m pipeline doccano pull --project NAME --output FILE``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import doccano_app
from ._errors import user_errors, warning
from ._options import PASSWORD, PROJECT, URL, USERNAME


@doccano_app.command("pull")
@user_errors
def pull_cli(
    project: str = PROJECT,
    output: Path = typer.Option(..., "--output", "-o", help="Corpus JSONL to write"),
    confirmed_only: bool = typer.Option(False, "--confirmed-only", help="Only units an annotator confirmed"),
    url: str = URL,
    username: str = USERNAME,
    password: Optional[str] = PASSWORD,
) -> None:
    """Write the corrected annotations in the corpus format, with who confirmed each unit."""
    from ..doccano.credentials import connect
    from ..doccano.sync import pull

    with connect(url, username, password, warn=warning) as client:
        report = pull(client, project, output, confirmed_only)
    typer.echo(f"{report.written} unit(s) written to {output}"
               + (f"; {report.unconfirmed_left_out} unconfirmed left out" if confirmed_only else ""))
    if report.changed_texts:
        typer.echo(f"warning: {len(report.changed_texts)} unit(s) left out because their text changed in doccano: "
                   + ", ".join(report.changed_texts), err=True)
    if report.duplicates:
        typer.echo(f"warning: {len(report.duplicates)} unit(s) are in the project more than once (two pushes at once?): "
                   f"kept the first example of each; delete the others in doccano: " + ", ".join(report.duplicates), err=True)
    if report.not_pushed:
        typer.echo(f"note: {report.not_pushed} example(s) in the project were not pushed by the pipeline, ignored",
                   err=True)
