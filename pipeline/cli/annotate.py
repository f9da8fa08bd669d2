"""``python -m pipeline annotate IN.jsonl OUT.jsonl``."""
from __future__ import annotations

from pathlib import Path

import typer

from ._app import app
from ._errors import user_errors
from ._options import config_option


@app.command("annotate")
@user_errors
def annotate_cli(
    in_file: Path = typer.Argument(..., help="JSONL of {\"id\": ..., \"text\": ...} lines of clean text"),
    out_file: Path = typer.Argument(..., help="Output JSONL: the same lines plus entities and cats"),
    config: Path = config_option("Run config whose \\[nlp] to use"),
) -> None:
    """Annotate already clean text: one output line per input line, in order (no layout repair)."""
    from ..orchestrator import annotate

    n = annotate(config, in_file, out_file)
    typer.echo(f"{n} lines -> {out_file}", err=True)
