"""``python -m pipeline gold resync FILE``: carry the gold over to a changed cleaner."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import gold_app
from ._errors import user_errors


@gold_app.command("resync")
@user_errors
def resync_cli(
    gold: Path = typer.Argument(..., help="Gold JSONL in the export format (e.g. corpus/gold/seeds.jsonl)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write; default: overwrite GOLD."),
) -> None:
    """Re-clean the gold's source files and carry entities and topics over; list what to re-read."""
    from ..gold import resync_file

    written, notes = resync_file(gold, output)
    for note in notes:
        typer.echo(note)
    typer.echo(f"{written} record(s) written to {output or gold}; {len(notes)} to re-read", err=True)
