"""``python -m pipeline bench``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._errors import user_errors
from ._options import config_option


@app.command("bench")
@user_errors
def bench_cli(
    text: Optional[Path] = typer.Option(None, "--text", help="A .txt file, a folder of .txt pages or a .jsonl file (default: the seeds repeated and the People's Daily text)"),
    chars: int = typer.Option(100_000, "--chars", min=1000, help="Characters of each default corpus (the 1x of the scaling runs)"),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Timed runs after the warm-up; the median counts"),
    json_file: Path = typer.Option(Path("runs/bench.json"), "--json", help="Where to write the results as JSON"),
    config: Path = config_option("Run config to measure"),
    no_scaling: bool = typer.Option(False, "--no-scaling", help="Skip the 1x/4x/16x subprocess runs"),
    no_dask: bool = typer.Option(False, "--no-dask", help="Skip the dask executor in the scaling runs"),
) -> None:
    """Measure the pipeline beside raw pkuseg, jieba and a plain spaCy pipeline; print a table and write JSON."""
    from ..util import UserError, write_json

    try:
        from ..bench import bench, table
    except ImportError as error:
        raise UserError(f"bench needs {error.name}: pip install -e '.[bench]'") from None

    results = bench(config, text, chars, repeats, with_scaling=not no_scaling, dask=not no_dask)
    write_json(json_file, results)
    typer.echo(table(results))
    typer.echo(f"-> {json_file}", err=True)
