"""``python -m pipeline doccano push FILE --project NAME``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import doccano_app
from ._errors import user_errors, warning
from ._options import PASSWORD, PROJECT, URL, USERNAME


@doccano_app.command("push")
@user_errors
def push_cli(
    path: Path = typer.Argument(..., help="The run's annotated.jsonl"),
    project: str = PROJECT,
    url: str = URL,
    username: str = USERNAME,
    password: Optional[str] = PASSWORD,
) -> None:
    """Upload units with their pre-annotations; create the project and label types when missing."""
    from ..doccano.credentials import connect
    from ..doccano.sync import push

    with connect(url, username, password, warn=warning) as client:
        report = push(client, path, project)
    made = "created" if report.created else "existing"
    typer.echo(f"{report.uploaded} unit(s) pushed to {made} project {project!r} (id {report.project_id}); "
               f"{report.skipped} already there, skipped")
    typer.echo(f"annotate from the project's Dataset page: {report.dataset_url}")
    typer.echo("  there, click a unit's Annotate button; doccano 1.8.4's Start Annotation button shows an empty page "
               "in Chromium-based browsers")
