"""``python -m pipeline doccano push|pull|status|serve``: round trip annotations with a doccano server."""
from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Optional

import typer

from ._app import doccano_app
from ._errors import user_errors

URL = typer.Option("http://127.0.0.1:8000", "--url", envvar="DOCCANO_URL", help="doccano server address")
USERNAME = typer.Option("admin", "--username", envvar="DOCCANO_USERNAME", help="doccano user name")
PASSWORD = typer.Option(
    None, "--password", envvar="DOCCANO_PASSWORD", show_default=False,
    help="doccano password (prefer the DOCCANO_PASSWORD variable: a flag is visible in the process list)",
)
PROJECT = typer.Option(..., "--project", "-p", help="doccano project name")


def _client(url: str, username: str, password: Optional[str]):
    from ..doccano.client import Credentials, DoccanoClient
    from ..util import UserError

    if not password:
        password = _netrc_password(url, username)
    if not password:
        raise UserError("no doccano password: set DOCCANO_PASSWORD, give the server a line in your netrc file, or pass --password")
    return DoccanoClient(Credentials(url, username, password), warn=lambda message: typer.echo(f"warning: {message}", err=True))


def _netrc_password(url: str, username: str) -> Optional[str]:
    """The password of ``username`` at ``url``'s host from the netrc file ($NETRC or ~/.netrc), as curl reads it."""
    from ..doccano.client import netrc_password

    return netrc_password(url, username)


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
    from ..doccano.sync import push

    with _client(url, username, password) as client:
        report = push(client, path, project)
    made = "created" if report.created else "existing"
    typer.echo(f"{report.uploaded} unit(s) pushed to {made} project {project!r} (id {report.project_id}); "
               f"{report.skipped} already there, skipped")
    typer.echo(f"annotate from the project's Dataset page: {report.dataset_url}")
    typer.echo("  there, click a unit's Annotate button; doccano 1.8.4's Start Annotation button shows an empty page "
               "in Chromium-based browsers")


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
    from ..doccano.sync import pull

    with _client(url, username, password) as client:
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


@doccano_app.command("status")
@user_errors
def status_cli(
    project: str = PROJECT,
    url: str = URL,
    username: str = USERNAME,
    password: Optional[str] = PASSWORD,
) -> None:
    """Units, confirmed units, units changed since push, and counts per label and topic."""
    from ..doccano.sync import status

    with _client(url, username, password) as client:
        st = status(client, project)
    typer.echo(f"project {st.project!r}: {st.units} unit(s), {st.confirmed} confirmed, "
               f"{st.changed_since_push} with annotations changed since push, {len(st.changed_texts)} with changed text")
    for title, counts in (("labels", st.labels), ("topics", st.topics)):
        typer.echo(f"{title}:")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            typer.echo(f"  {name:<24}{n:>7}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@doccano_app.command("serve")
@user_errors
def serve_cli(
    port: int = typer.Option(8000, "--port", help="Port on 127.0.0.1"),
    data: Path = typer.Option(Path(".cache/doccano"), "--data", help="Folder for the database, media and logs"),
    venv: Optional[Path] = typer.Option(None, "--venv", help="doccano's virtual environment "
                                        "(default: $GOVNLP_DOCCANO_VENV or ~/.cache/govnlp/doccano-venv)"),
    username: str = USERNAME,
    password: Optional[str] = typer.Option(None, "--password", envvar="DOCCANO_PASSWORD", show_default=False,
                                           prompt=True, hide_input=True, help="Admin password to set"),
) -> None:
    """Install doccano 1.8.4 in its own venv if needed, start it on 127.0.0.1 and run until Ctrl-C."""
    from ..doccano.server import running_server

    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops doccano too, not only Ctrl-C
    typer.echo(f"starting doccano (first run installs it, a few minutes); logs in {data / 'logs'}", err=True)
    with running_server(data, username, password, port=port, venv=venv) as server:
        typer.echo(f"doccano is up at {server.url} (user {username!r}); Ctrl-C stops it")
        try:
            while all(p.poll() is None for p in server.processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    typer.echo("doccano stopped", err=True)
