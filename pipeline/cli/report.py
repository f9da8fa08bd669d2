"""``python -m pipeline report RUN_DIR``: the run's findings as one self-contained HTML page."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._errors import user_errors


@app.command("report")
@user_errors
def report_cli(
    run_dir: Path = typer.Argument(..., help="Output folder of `python -m pipeline run` (annotated.jsonl, manifest.json)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="HTML file to write, or a folder for report.html (default: RUN_DIR/report.html)"),
) -> None:
    """Write an HTML report (entities, programmes, topics, charts, model scores) and its figures as PNG beside it."""
    from ..report import write_report

    path = write_report(run_dir, output)
    typer.echo(f"report -> {path}", err=True)
