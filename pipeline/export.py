"""Stage 6: export records that doccano imports as they are.

A record is one unit (a paragraph by default; an article or a whole document when configured):
``text``, ``entities`` (``[start, end, label]``, Python character offsets, end exclusive), ``cats``
(topics over threshold), ``cat_scores``, ``date`` (ISO ``YYYY-MM-DD``, only for dated documents), ``entity_links`` (``[start, end, canonical]`` for entities
that matched the lexicon), the ids and the ``source`` map back to the raw file.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, Iterable, Iterator, Literal

from spacy.tokens import Doc
from spacy.util import registry

from .topics.components import doc_topics

Unit = Literal["paragraph", "article", "document"]
JOINER = "\n"


def group_units(paragraphs: Iterable[dict[str, Any]], unit: Unit) -> Iterator[dict[str, Any]]:
    """Merge paragraph units into article or document units, joined by a newline.

    The joining newlines do not come from the source, so no offset run covers them.
    """
    if unit == "paragraph":
        yield from paragraphs
        return
    key = "article_id" if unit == "article" else "doc_id"
    for group_id, group in groupby(paragraphs, key=lambda u: u[key]):
        parts = list(group)
        runs, pos = [], 0
        for part in parts:
            runs.extend([t + pos, s, n] for t, s, n in part["source"]["offsets"])
            pos += len(part["text"]) + len(JOINER)
        first = parts[0]
        yield {
            "id": group_id,
            "doc_id": first["doc_id"],
            "article_id": first["article_id"] if unit == "article" else None,
            "kind": unit,
            **({"date": first["date"]} if first.get("date") else {}),
            "text": JOINER.join(p["text"] for p in parts),
            "source": {**first["source"], "offsets": runs},
        }


@dataclass
class Exporter:
    """Turns a unit and its annotated Doc into an export record."""

    unit: Unit = "paragraph"
    tokens: bool = False

    def __call__(self, unit: dict[str, Any], doc: Doc) -> dict[str, Any]:
        record = {
            "id": unit["id"],
            "doc_id": unit["doc_id"],
            "article_id": unit["article_id"],
            "kind": unit["kind"],
            **({"date": unit["date"]} if unit.get("date") else {}),
            "text": unit["text"],
            "entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents],
            "entity_links": [[e.start_char, e.end_char, e.ent_id_] for e in doc.ents if e.ent_id_],
            "cats": doc_topics(doc),
            "cat_scores": {label: round(float(score), 4) for label, score in sorted(doc.cats.items())},
            "source": unit["source"],
        }
        if self.tokens:
            record["tokens"] = [t.text for t in doc]
        return record


@registry.misc("pipeline.jsonl_export.v1")
def jsonl_export(unit: Unit = "paragraph", tokens: bool = False) -> Exporter:
    """Export one JSONL line per unit (``paragraph``, ``article`` or ``document``)."""
    return Exporter(unit, tokens)
