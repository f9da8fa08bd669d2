"""``python -m pipeline gold validate|resync``: check the gold corpus, re-sync it after a cleaner change."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from pipeline.cli._app import gold_app
from pipeline.gold import read_gold, resync, validate_files
from pipeline.util import UserError, write_jsonl


@gold_app.command("validate")
def validate_cli(
    files: List[Path] = typer.Argument(..., help="Gold JSONL files (export or stand-off format)."),
) -> None:
    """Check offsets, overlaps, labels, quotation marks, topics and unique ids; exit 1 on problems."""
    problems, count = validate_files(files)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {count} record(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{count} record(s) OK")


@gold_app.command("resync")
def resync_cli(
    gold: Path = typer.Argument(..., help="Gold JSONL in the export format (e.g. corpus/gold/seeds.jsonl)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write; default: overwrite GOLD."),
) -> None:
    """Re-clean the gold's source files and carry entities and topics over; list what to re-read."""
    from pipeline.clean import clean_document
    from pipeline.read import documents

    if not gold.is_file():
        raise UserError(f"gold file not found: {gold}")
    records = read_gold(gold)
    files = dict.fromkeys(r["source"]["file"] for r in records)
    units = [u for f in files for doc in documents(Path(f))() for u in clean_document(doc)]
    synced, notes = resync(records, units)
    write_jsonl(output or gold, synced)
    for note in notes:
        typer.echo(note)
    typer.echo(f"{len(synced)} record(s) written to {output or gold}; {len(notes)} to re-read", err=True)
