"""``python -m pipeline doccano serve``: a local doccano 1.8.4 server until Ctrl-C."""
from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Optional

import typer

from ._app import doccano_app
from ._errors import user_errors
from ._options import USERNAME


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
