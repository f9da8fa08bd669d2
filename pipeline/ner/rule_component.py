"""``governance_rules``: the precise labelling functions (``pipeline/ner/rules.py``) as a stage of the
main pipeline, between the lexicon and the statistical NER.

It adds the spans of the functions it is given (default ``RUNTIME``: those of precision >= 0.85 on the
2022-2024 新闻联播 gold) where the lexicon found nothing, splitting word tokens where a span
boundary falls inside one. ``governance_ner`` then keeps these spans as it keeps the lexicon's
(``merge = "lexicon"``) and lets the model fill the rest.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..util import UserError
from .component import split_at
from .rules import LABELLING_FUNCTIONS, RUNTIME, apply


class GovernanceRules:
    def __init__(self, nlp: Language, name: str = "governance_rules", *, functions: Sequence[str] = RUNTIME):
        unknown = [f for f in functions if f not in LABELLING_FUNCTIONS]
        if unknown:
            raise UserError(f"governance_rules: no labelling function {', '.join(unknown)}; "
                            f"the functions are {', '.join(LABELLING_FUNCTIONS)}")
        self.name = name
        self.functions = tuple(functions)

    def __call__(self, doc: Doc) -> Doc:
        taken = bytearray(len(doc.text))
        for ent in doc.ents:
            taken[ent.start_char:ent.end_char] = b"\x01" * (ent.end_char - ent.start_char)
        spans = [(s, e, label) for s, e, label in apply(doc.text, self.functions) if not any(taken[s:e])]
        if not spans:
            return doc
        kept = [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in doc.ents]
        split_at(doc, (offset for s, e, _ in spans for offset in (s, e)))
        ents = [Span(doc, span.start, span.end, label=label, span_id=canonical)
                for s, e, label, canonical in kept + [(s, e, label, "") for s, e, label in spans]
                for span in [doc.char_span(s, e)]]
        doc.set_ents(sorted(ents, key=lambda span: span.start), default="outside")
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory("governance_rules", assigns=["doc.ents"], default_config={"functions": list(RUNTIME)})
def make_governance_rules(nlp: Language, name: str, functions: list[str]) -> GovernanceRules:
    """The rule stage; ``functions`` names the labelling functions it applies."""
    return GovernanceRules(nlp, name, functions=functions)
