"""The run manifest: what ran, on what, with which models and versions, and what came out."""
from __future__ import annotations

import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from spacy.language import Language

from .util import sha256_text, sha256_tree

PACKAGES = ("govnlp-pipeline", "spacy", "spacy-pkuseg", "thinc", "scikit-learn", "numpy", "skops")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            continue
    return versions


def model_hashes(nlp: Language, paths: dict[str, Any]) -> dict[str, str]:
    """Hashes of the models and resources the pipeline loaded (folders hashed file by file)."""
    hashes = {}
    for key, value in sorted(paths.items()):
        if isinstance(value, str) and key not in ("input", "output") and Path(value).exists():
            hashes[key] = sha256_tree(value)
    seg = getattr(nlp.tokenizer, "pkuseg_seg", None)
    if seg is not None:
        from .segment import PKUSEG_FILES

        hashes["pkuseg_model"] = sha256_text("".join(f"{k}={v}\n" for k, v in sorted(PKUSEG_FILES.items())))
    return hashes


@dataclass
class Stats:
    """Counts and timings collected while records stream past."""

    documents: int = 0
    source_chars: int = 0
    chars: int = 0
    units: int = 0
    articles: set[str] = field(default_factory=set)
    kinds: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def add(self, record: dict[str, Any]) -> None:
        self.units += 1
        self.chars += len(record["text"])
        if record.get("article_id"):
            self.articles.add(record["article_id"])
        self.kinds[record["kind"]] += 1
        self.entities.update(e[2] for e in record["entities"])
        self.topics.update(record["cats"])

    def counts(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "articles": len(self.articles),
            "units": self.units,
            "units_by_kind": dict(sorted(self.kinds.items())),
            "characters": self.chars,
            "entities": sum(self.entities.values()),
            "entities_by_label": dict(sorted(self.entities.items())),
            "topics": dict(sorted(self.topics.items())),
        }

    def timings(self) -> dict[str, Any]:
        out = {}
        for stage, seconds in self.seconds.items():
            chars = self.source_chars if stage in ("read", "clean") else self.chars
            out[stage] = {"seconds": round(seconds, 4), "chars_per_second": round(chars / seconds) if seconds > 0 else None}
        return out
