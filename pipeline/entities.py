"""Stage 4: governance entities from the lexicon (``corpus/lexicon/``), applied with spaCy's EntityRuler.

Each lexicon entry has a label, a canonical name and aliases. Every surface form becomes a phrase
pattern whose ``id`` is the canonical name, so a matched entity carries it as ``ent.ent_id_``; the
export lists it in ``entity_links``. The statistical NER component (``pipeline/ner/component.py``) runs after
the ruler and merges its own spans with the ruler's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.util import registry

from . import jsonl
from .constants import LABELS
from .util import UserError


@dataclass(frozen=True)
class LexiconEntry:
    label: str
    canonical: str
    aliases: tuple[str, ...] = ()

    @property
    def surfaces(self) -> tuple[str, ...]:
        return (self.canonical, *self.aliases)


def load_lexicon(path: str | Path) -> list[LexiconEntry]:
    """Read every ``*.jsonl`` file below ``path`` (or one file); one clear error per bad line."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: lexicon not found; set [paths] lexicon to the folder of lexicon .jsonl files")
    files = [path] if path.is_file() else sorted(path.glob("*.jsonl"))
    if not files:
        raise UserError(f"{path}: lexicon folder holds no .jsonl files; point [paths] lexicon at the lexicon folder "
                        "(corpus/lexicon)")
    entries: list[LexiconEntry] = []
    for file in files:
        for n, record in jsonl.read_jsonl(file):
            where = f"{file}:{n}"
            label, canonical, aliases = record.get("label"), record.get("canonical"), record.get("aliases", [])
            if label not in LABELS:
                raise UserError(f"{where}: label {label!r} is not one of {', '.join(LABELS)}")
            if not isinstance(canonical, str) or not canonical or not isinstance(aliases, list):
                raise UserError(f"{where}: needs a non-empty 'canonical' string and an 'aliases' list")
            entries.append(LexiconEntry(label, canonical, tuple(a for a in aliases if a)))
    if not entries:
        raise UserError(f"{path}: the lexicon has no entries; fill it, or point [paths] lexicon at the lexicon folder "
                        "(corpus/lexicon)")
    return entries


@registry.misc("pipeline.lexicon_patterns.v1")
def lexicon_patterns(path: str) -> list[dict[str, Any]]:
    """EntityRuler phrase patterns for every surface form of every lexicon entry."""
    patterns: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in load_lexicon(path):
        for surface in entry.surfaces:
            patterns.setdefault((entry.label, surface), {"label": entry.label, "pattern": surface, "id": entry.canonical})
    return [patterns[key] for key in sorted(patterns)]
