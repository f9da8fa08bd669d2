"""The Python API, for notebooks: ``pipeline.load``, ``pipeline.annotate`` and ``pipeline.run``.

    import pipeline

    nlp = pipeline.load("configs/default.cfg", {"components.topics.factory": "keyword_topics"})
    doc = nlp("枫桥经验在基层治理中焕发新活力。")
    [(ent.text, ent.label_, ent.ent_id_) for ent in doc.ents]  # ent_id_: the canonical name
    doc.cats, doc._.topics

    for record in pipeline.annotate(["第一页……", "第二页……"]):
        ...  # the records of annotated.jsonl

    pipeline.run("configs/default.cfg", "runs/mine")

Paths in the configs are relative to the working directory: work from the project root.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from spacy.language import Language

from .config import load_config
from .nlp import load_nlp
from .paths import DEFAULT_CONFIG
from .orchestrator import load_stages, run
from .read import escape_id
from .util import UserError, sha256_text, shown

__all__ = ["annotate", "load", "run"]


def load(config: str | Path = DEFAULT_CONFIG, overrides: dict[str, Any] | None = None) -> Language:
    """The spaCy pipeline of a run config (``[nlp]``, ``[components]``, initialized), with dotted
    ``overrides`` as on the command line (``{"export.unit": "article"}``).

    Its docs carry ``doc.ents`` (an entity that matched the lexicon has its canonical name as
    ``ent.ent_id_``, what the export lists in ``entity_links``), ``doc.cats`` (a score per topic) and
    ``doc._.topics`` (the topics over threshold; a doc of several paragraphs gets the union of its
    paragraphs' topics)."""
    return load_nlp(config, overrides)


def annotate(texts: Iterable[str | dict[str, Any]], config: str | Path = DEFAULT_CONFIG,
             overrides: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The export records (``annotated.jsonl``) of pages of text, as ``run`` makes them: cleaned,
    cut into units, annotated. A page is a string (its id: ``text-N``, counting from 1) or a dict
    ``{"id": ..., "text": ...}``; a record's ``source.file`` is its page's id. The stages load once
    per process and config."""
    settings = load_config(config, overrides)
    yield from load_stages(settings, config).records(_documents(texts))


def _documents(texts: Iterable[str | dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pages as the documents the reader would give (``pipeline/read.py``): document ids escaped as the
    reader escapes them (no id takes the shape of another page's unit ids) and unique."""
    seen: dict[str, int] = {}
    for n, page in enumerate(texts, start=1):
        record = {"id": f"text-{n}", "text": page} if isinstance(page, str) else page
        if not isinstance(record.get("text"), str):
            raise UserError(f"page {n}: give a string or a dict with a string 'text'")
        name = str(record.get("id", f"text-{n}"))
        doc_id = escape_id(name)
        if doc_id in seen:
            raise UserError(f"page {n}: its id {shown(name)!r} is that of page {seen[doc_id]}; ids must be unique")
        seen[doc_id] = n
        yield {"doc_id": doc_id, "path": name, "sha256": sha256_text(record["text"]), "encoding": "utf-8",
               "text": record["text"]}
