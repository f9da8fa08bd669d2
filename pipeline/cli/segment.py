"""``python -m pipeline segment < IN.txt > OUT.txt``."""
from __future__ import annotations

import sys
from pathlib import Path

from ._app import app
from ._errors import user_errors
from ._options import config_option


@app.command("segment")
@user_errors
def segment_cli(
    config: Path = config_option("Run config whose tokenizer to use"),
) -> None:
    """Segment stdin into words: one output line per input line, words separated by single spaces."""
    from ..orchestrator import segment_lines

    segment_lines(config, sys.stdin, sys.stdout)
