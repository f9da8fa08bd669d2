"""``python -m pipeline catalogue RUN_DIR [--by month|quarter|year] [--output DIR] [--labels ...] [--candidates FILE]``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._errors import user_errors


@app.command("catalogue")
@user_errors
def catalogue_cli(
    run_dir: Path = typer.Argument(..., help="Output folder of `python -m pipeline run` (annotated.jsonl)"),
    by: str = typer.Option("month", "--by", help="Period of the counts: month, quarter or year"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Folder for catalogue.jsonl and catalogue.csv (default: RUN_DIR)"),
    labels: str = typer.Option("PROGRAM", "--labels", help="Comma-separated labels to catalogue among PROGRAM, POLICY, PLATFORM, HONOR, EVENT"),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="Lexicon folder (default: the one the run loaded, else corpus/lexicon)"),
    candidates: Optional[Path] = typer.Option(None, "--candidates", help="Also write the names the lexicon lacks, ranked, as a review file for `doccano push` (names rejected in an earlier review left out)"),
    since: Optional[str] = typer.Option(None, "--since", help="Count only paragraphs dated on or after this day (YYYY-MM-DD); undated ones are left out"),
    until: Optional[str] = typer.Option(None, "--until", help="Count only paragraphs dated on or before this day (YYYY-MM-DD); undated ones are left out"),
) -> None:
    """Programmes (and policies, platforms, honours, events) by canonical name over time: variants, mentions and documents per period, first and last seen, companions, examples."""
    from ..catalogue import write_catalogue
    from ..read import normalise_date

    since, until = (normalise_date(d, flag) if d is not None else None for d, flag in ((since, "--since"), (until, "--until")))
    report = write_catalogue(run_dir, by, output, [label.strip() for label in labels.split(",") if label.strip()], lexicon,
                             candidates, since, until)
    typer.echo(f"{report.entries} names ({report.in_lexicon} in the lexicon), {report.mentions} mentions over {report.periods} "
               f"period(s)" + (f", {report.candidates} candidates ({report.rejected_before} rejected before, left out)"
                  if report.candidates is not None else "")
               + (f"; {report.left_out} paragraphs outside the dates left out" if since or until else "")
               + " -> " + ", ".join(str(f) for f in report.files), err=True)
