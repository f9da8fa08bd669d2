"""``python -m pipeline select --pool FILE_OR_DIR --n N --output FILE``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ._app import app
from ._errors import user_errors


@app.command("select")
@user_errors
def select_cli(
    pool: Path = typer.Option(..., "--pool", help="Unlabeled paragraphs: a folder or .txt of corpus lines "
                              "(People's Daily style), a stand-off JSONL or a run's annotated.jsonl"),
    n: int = typer.Option(..., "--n", min=1, help="How many paragraphs to select"),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL to write, ready for `doccano push`"),
    model: Path = typer.Option(Path("models/ner"), "--model", "-m", help="Char NER model (a `train ner` folder)"),
    exclude: Optional[List[Path]] = typer.Option(None, "--exclude", help="Stand-off files whose paragraphs are "
                                                 "taken; repeat for several (default: the People's Daily gold and "
                                                 "every file under corpus/corrections/)"),
    strategy: str = typer.Option("uncertainty", "--strategy", help="uncertainty (with diversity) or random"),
    diversity: float = typer.Option(0.5, "--diversity", help="Weight of the similarity penalty (0: pure uncertainty)"),
    limit: int = typer.Option(0, "--limit", help="Score a random sample of this many pool paragraphs (0: all)"),
    seed: int = typer.Option(0, "--seed", help="Seed of --limit sampling and of --strategy random"),
) -> None:
    """Rank pool paragraphs by how much a correction would teach the model (entity
    uncertainty from the tagger's marginals plus lexicon disagreement), keep a diverse batch, write it for `doccano push`."""
    from ..learning.select import select
    from ..util import write_jsonl

    units, info = select(pool, model, n, exclude=exclude or None, limit=limit, seed=seed, diversity=diversity,
                         strategy=strategy)
    write_jsonl(output, units)
    typer.echo(f"{info['selected']} of {info['pool']} pool paragraphs selected ({info['strategy']}, mean score "
               f"{info['mean_score']:.2f}) -> {output}")
