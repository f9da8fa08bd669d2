"""The run manifest: what ran, on what, with which models and versions, and what came out."""
from __future__ import annotations

import os
import platform
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .segment import PKUSEG_FILES
from .util import UserError, sha256_text, sha256_tree, shown

PACKAGES = ("govnlp-pipeline", "spacy", "spacy-pkuseg", "thinc", "scikit-learn", "numpy", "skops")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            continue
    return versions


# [paths] entries that are not files the stages load.
NOT_RESOURCES = ("input", "output", "cache")
# Keys of component and initialize settings that name a file or folder a stage loads.
RESOURCE_KEYS = ("path", "model")


def resource_paths(config: Any, where: str = "the config") -> dict[str, str]:
    """The files and folders the stages load, named as the manifest names them, from the settings each
    component is built and initialized with: ``[components.*]`` filled with its factory's defaults (the
    topic classifier loads its default ``models/topics`` when ``[components.topics]`` names none) and
    ``[initialize.*]``. A path that a ``[paths]`` entry also gives is named by that key (``lexicon``,
    ``ner_model``, ``topic_model``), any other by where it is set (``components.topics.model``).

    ``UserError`` (one line) for a ``[paths]`` entry or a loaded path that does not exist."""
    from spacy.language import Language

    given = {key: value for key, value in dict(config.get("paths", {})).items()
             if isinstance(value, str) and key not in NOT_RESOURCES}
    for key, value in given.items():
        if not Path(value).exists():
            raise UserError(f"{shown(where)}: [paths] {key}: {shown(value)} does not exist; give an existing file or folder "
                            f"(--paths.{key} PATH)")
    names = {os.path.normpath(value): key for key, value in given.items()}
    found: dict[str, str] = {}

    def walk(node: Any, section: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{section}.{key}")
            elif isinstance(value, str) and key in RESOURCE_KEYS:
                if not Path(value).exists():
                    raise UserError(f"{shown(where)}: [{section}] {key}: {shown(value)} does not exist; give an existing "
                                    f"file or folder (--{section}.{key} PATH)")
                found.setdefault(names.get(os.path.normpath(value), f"{section}.{key}"), value)

    for name, component in dict(config.get("components", {})).items():
        settings = dict(component)
        factory = settings.get("factory")
        if isinstance(factory, str) and Language.has_factory(factory):
            settings = {**(Language.get_factory_meta(factory).default_config or {}), **settings}
        walk(settings, f"components.{name}")
    walk(dict(config.get("initialize", {})), "initialize")
    return dict(sorted(found.items()))


def unused_paths(config: Any, resources: dict[str, str]) -> list[str]:
    """``[paths]`` entries naming a file that no stage loads (e.g. ``topic_model`` with the keyword topics)."""
    return [key for key, value in dict(config.get("paths", {})).items()
            if isinstance(value, str) and key not in NOT_RESOURCES and key not in resources]


def resource_hashes(resources: dict[str, str]) -> dict[str, str]:
    """SHA-256 of each loaded file or folder (folders hashed file by file, names and contents)."""
    return {name: sha256_tree(path) for name, path in resources.items()}


def model_hashes(config: Any, pkuseg: bool, resources: dict[str, str] | None = None) -> dict[str, str]:
    """Hashes of the models and resources the pipeline loads: what the components load, not what
    ``[paths]`` says (a ``[paths]`` entry that no component loads is left out)."""
    hashes = resource_hashes(resource_paths(config) if resources is None else resources)
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
