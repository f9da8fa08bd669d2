"""``python -m pipeline compare --baseline MODEL_A --candidate MODEL_B --data HELD_OUT``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._errors import user_errors


@app.command("compare")
@user_errors
def compare_cli(
    baseline: Path = typer.Option(..., "--baseline", "-a", help="Model A (a char NER folder)"),
    candidate: Path = typer.Option(..., "--candidate", "-b", help="Model B"),
    data: Path = typer.Option(..., "--data", "-d", help="Gold JSONL (export format or stand-off)"),
    split: Optional[str] = typer.Option(None, "--split", help="Only this stand-off split, e.g. heldout"),
    samples: int = typer.Option(1000, "--samples", min=100, help="Bootstrap resamples"),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
) -> None:
    """Per-label F1 of both models side by side with the difference, and paired-bootstrap 95 %
    intervals on micro-F1 and on the difference."""
    from ..learning.compare import compare, format_comparison

    result = compare(baseline, candidate, data, split=split, samples=samples, seed=seed)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_comparison(result))
