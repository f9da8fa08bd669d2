"""The run manifest: what ran, on what, with which models and versions, and what came out."""
from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .segment import PKUSEG_FILES
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


def model_hashes(paths: dict[str, Any], pkuseg: bool) -> dict[str, str]:
    """Hashes of the models and resources the pipeline loads (folders hashed file by file)."""
    hashes = {}
    for key, value in sorted(paths.items()):
        if isinstance(value, str) and key not in ("input", "output") and Path(value).exists():
            hashes[key] = sha256_tree(value)
    if pkuseg:
        hashes["pkuseg_model"] = sha256_text("".join(f"{k}={v}\n" for k, v in sorted(PKUSEG_FILES.items())))
    return hashes


@dataclass
class Stats:
    """Counts collected while records stream past; the stats of shards add up with ``merge``."""

    documents: int = 0
    source_chars: int = 0
    chars: int = 0
    units: int = 0
    articles: int = 0
    kinds: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    last_article: str | None = None

    def add(self, record: dict[str, Any]) -> None:
        self.units += 1
        self.chars += len(record["text"])
        # Units arrive in order and an article never spans documents (nor shards), so counting
        # changes of article id counts articles without keeping a set of every id.
        if record.get("article_id") and record["article_id"] != self.last_article:
            self.articles += 1
        self.last_article = record.get("article_id")
        self.kinds[record["kind"]] += 1
        self.entities.update(e[2] for e in record["entities"])
        self.topics.update(record["cats"])

    def merge(self, other: "Stats") -> None:
        for name in ("documents", "source_chars", "chars", "units", "articles"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("kinds", "entities", "topics"):
            getattr(self, name).update(getattr(other, name))
        self.last_article = other.last_article

    def counts(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "articles": self.articles,
            "units": self.units,
            "units_by_kind": dict(sorted(self.kinds.items())),
            "characters": self.chars,
            "entities": sum(self.entities.values()),
            "entities_by_label": dict(sorted(self.entities.items())),
            "topics": dict(sorted(self.topics.items())),
        }


def timings(seconds: dict[str, float], stats: Stats) -> dict[str, Any]:
    """Seconds and characters per second of each stage (read and clean count source characters)."""
    out = {}
    for stage, secs in seconds.items():
        chars = stats.source_chars if stage in ("read", "clean") else stats.chars
        out[stage] = {"seconds": round(secs, 4), "chars_per_second": round(chars / secs) if secs > 0 else None}
    return out
