"""``python -m pipeline lexicon merge PULLED.jsonl [--lexicon DIR] [--on DATE]``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import lexicon_app
from ._errors import user_errors


@lexicon_app.command("merge")
@user_errors
def lexicon_merge_cli(
    pulled: Path = typer.Argument(..., help="`doccano pull` file of a review project made from `catalogue --candidates`"),
    lexicon: Path = typer.Option(Path("corpus/lexicon"), "--lexicon", help="Lexicon folder to add the accepted names to"),
    on: Optional[str] = typer.Option(None, "--on", help="Date recorded as accepted_on (default: today)"),
) -> None:
    """Add the accepted candidates to the lexicon with provenance; merged ones become aliases of the name they belong to; rejected ones are remembered and offered no more."""
    from ..candidates import merge_reviewed
    from ..read import normalise_date

    report = merge_reviewed(pulled, lexicon, normalise_date(on, "--on") if on else None)
    typer.echo(f"{len(report.accepted)} accepted, {len(report.merged)} merged, {len(report.rejected)} rejected (remembered), "
               f"{report.undecided} undecided, {report.unconfirmed} decided but not confirmed (left out), "
               f"{len(report.known)} already in the lexicon -> {', '.join(str(f) for f in report.files) or 'no change'}", err=True)
