"""``python -m pipeline fetch-model [--sdist FILE] [--cache DIR]``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._errors import user_errors


@app.command("fetch-model")
@user_errors
def fetch_model_cli(
    cache: Optional[Path] = typer.Option(None, "--cache", help="Cache folder (default: $GOVNLP_CACHE or ~/.cache/govnlp)"),
    sdist: Optional[Path] = typer.Option(None, "--sdist", help="A pkuseg-0.0.25.tar.gz you downloaded yourself"),
) -> None:
    """Fetch the pkuseg mixed-domain model (pkuseg==0.0.25 on PyPI), verify it and cache it."""
    from ..segment import fetch_pkuseg_model

    typer.echo(str(fetch_pkuseg_model(cache, sdist=sdist)))
