"""``python -m pipeline evaluate ner --model DIR --data FILE [--split heldout] [--json]``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import evaluate_app
from ._errors import user_errors
from ._options import config_option


@evaluate_app.command("ner")
@user_errors
def evaluate_ner_cli(
    model: Path = typer.Option(Path("models/ner"), "--model", "-m", help="Trained NER model folder"),
    data: Path = typer.Option(Path("corpus/gold/seeds.jsonl"), "--data", "-d",
                              help="Gold JSONL (export format or stand-off), or an MSRA .bio.tsv.gz (its dev split)"),
    config: Path = config_option("Run config of the lexicon stage"),
    merge: Optional[str] = typer.Option(None, "--merge", help="Merge rule: longest, lexicon or model (default: the config's)"),
    lexicon_lodo: bool = typer.Option(False, "--lexicon-lodo", help="Score each document with a lexicon lacking the "
                                      "entries only that document names (the lexicon was written from the seeds)"),
    split: Optional[str] = typer.Option(None, "--split", help="Only the records of this split of a stand-off file (e.g. heldout; all: every record)"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
) -> None:
    """Per-label P/R/F1 with micro and macro averages for the lexicon alone, the model alone and the
    combined stage, on character offsets; texts the model trained on are skipped."""
    from ..ner.evaluate import evaluate, format_scores

    result = evaluate(model, data, config=config, merge=merge, lexicon_lodo=lexicon_lodo, split=split)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_scores(result))
