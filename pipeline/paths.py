"""Where the project's files are: the project root, the shared corpora beside it, the default
configs, the corpus folders and the download cache."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The public corpora (MSRA, CLUENER, People's Daily, THUCNews) live beside the project, never in it.
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
# The commands name configs and models relative to the working directory (run from the project root),
# and record them so in manifests and model cards.
DEFAULT_CONFIG = Path("configs/default.cfg")
NER_CONFIG = PROJECT_ROOT / "configs" / "ner.cfg"
LEXICON = PROJECT_ROOT / "corpus" / "lexicon"
STANDOFF = PROJECT_ROOT / "corpus" / "gold" / "pd1998.standoff.jsonl"
CORRECTIONS = PROJECT_ROOT / "corpus" / "corrections"


def cache_root(path: str | Path | None = None) -> Path:
    """The cache folder: ``path``, else ``$GOVNLP_CACHE``, else ``~/.cache/govnlp``."""
    return Path(path or os.environ.get("GOVNLP_CACHE") or Path.home() / ".cache" / "govnlp").expanduser()
