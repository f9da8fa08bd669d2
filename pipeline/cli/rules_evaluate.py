"""``python -m pipeline rules evaluate --data GOLD [--split train] [--json]``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import rules_app
from ._errors import user_errors


@rules_app.command("evaluate")
@user_errors
def rules_evaluate_cli(
    data: Path = typer.Option(Path("corpus/gold/xwlb.standoff.jsonl"), "--data", "-d", help="Gold JSONL (export format or stand-off)"),
    split: Optional[str] = typer.Option("train", "--split", help="Only the records of this split (tune on train; "
                                        "score heldout once, at the end); 'all' for every record"),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON"),
) -> None:
    """Each labelling function's precision and coverage (share of the gold spans of its labels it
    finds) on a gold file; the ones run as the governance_rules stage are marked."""
    from ..ner.corpora import gold_records
    from ..ner.rule_scorer import format_rule_scores, score
    from ..ner.rules import RUNTIME

    records = [r for r in gold_records(data) if split in (None, "all") or r.get("split", "train") == split]
    result = {"data": data.as_posix(), "split": split, "records": len(records), "functions": score(records)}
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_rule_scores(result, RUNTIME))
