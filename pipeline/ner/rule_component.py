"""``governance_rules``: the precise labelling functions (``pipeline/ner/rules.py``) as a stage of the
main pipeline, between the lexicon and the statistical NER.

It adds the spans of the functions it is given (default ``RUNTIME``: those of precision >= 0.85 on the
2022-2024 新闻联播 gold) where the lexicon found nothing or only names inside the span, splitting word
tokens where a span boundary falls inside one. Doctrines named after a leader (习近平法治思想) go to
``doc.spans["no_entity"]`` with the set phrases of ``no_entity.SET_PHRASES`` (中方, 中美关系): nothing inside
them is an entity, for the lexicon here and the model after. A lexicon name that is only digits (“110”)
counts only in quotation marks. ``governance_ner`` then keeps these spans
as it keeps the lexicon's and lets the model fill the rest (with ``merge = "outer"``, the default, a longer
model name still holds the lexicon's names inside it, and of the rule spans only a place inside a name of another
label: ``component.merge_spans``).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..util import UserError
from .component import PROGRAMME_PHASE, split_at
from .chars import CLOSE_QUOTES, OPEN_QUOTES
from .no_entity import NO_ENTITY, no_entity_spans
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
        text = doc.text  # spaCy joins it from the tokens at each access
        no_entity = list(no_entity_spans(text))
        lexicon = [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in doc.ents]
        spans = []
        for s, e, label in apply(text, self.functions):
            overlapped = [x for x in lexicon if x[0] < e and s < x[1]]
            # A rule span holding lexicon names replaces them (《习近平关于……的重要论述》 holds 习近平,
            # 国务院常务会议 holds 国务院); one the lexicon crosses or holds gives way.
            # A programme's phase after it is not the rule's name: 国家水网骨干工程 -> the lexicon's 国家水网.
            phase = label == "PROGRAM" and any(x[0] == s and x[2] == label and x[3] and PROGRAMME_PHASE.fullmatch(text, x[1], e)
                                               for x in overlapped)
            if not phase and all(s <= x[0] and x[1] <= e and x[1] - x[0] < e - s for x in overlapped):
                spans.append((s, e, label))
        kept = [x for x in lexicon if not any(s <= x[0] and x[1] <= e for s, e, _ in spans)
                and not any(s <= x[0] and x[1] <= e for s, e in no_entity) and not bare_number(text, x[0], x[1])]
        if spans or len(kept) < len(lexicon):
            self.set_ents(doc, kept, spans)
        # a name that holds a set phrase is a name (中非合作论坛北京峰会 holds the pair 中非): its phrase, widened
        # to the words around it, would clear the name downstream
        names = [(x[0], x[1]) for x in kept] + [(x[0], x[1]) for x in spans]
        no_entity = [(s, e) for s, e in no_entity if not any(a < e and s < b for a, b in names)]
        doc.spans[NO_ENTITY] = [span for s, e in no_entity for span in [doc.char_span(s, e, alignment_mode="expand")] if span]
        return doc

    @staticmethod
    def set_ents(doc: Doc, kept: list[tuple[int, int, str, str]], spans: list[tuple[int, int, str]]) -> None:
        split_at(doc, (offset for s, e, _ in spans for offset in (s, e)))
        ents = [Span(doc, span.start, span.end, label=label, span_id=canonical)
                for s, e, label, canonical in kept + [(s, e, label, "") for s, e, label in spans]
                for span in [doc.char_span(s, e)]]
        doc.set_ents(sorted(ents, key=lambda span: span.start), default="outside")

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory("governance_rules", assigns=["doc.ents", "doc.spans"], default_config={"functions": list(RUNTIME)})
def make_governance_rules(nlp: Language, name: str, functions: list[str]) -> GovernanceRules:
    """The rule stage; ``functions`` names the labelling functions it applies."""
    return GovernanceRules(nlp, name, functions=functions)


def bare_number(text: str, start: int, end: int) -> bool:
    """Whether a lexicon name is only digits written without quotation marks around it. The lexicon's short
    forms “110”, “141”, “8890” are names in quotes only: bare, the alias 110 matched 106 numbers of 新闻联播
    2022-2025 (110 例, 110 周年, 110 千伏) and never the mechanism."""
    quoted = start > 0 and end < len(text) and text[start - 1] in OPEN_QUOTES and text[end] in CLOSE_QUOTES
    return text[start:end].isdigit() and not quoted
