"""Pick the paragraphs worth a person's time (issue 6): rank an unlabeled pool by how uncertain the
NER model is about its entities and where it disagrees with the lexicon, then take a diverse batch.

Uncertainty comes from the char model's tag probabilities: an entity's probability is its marginal
over all valid BILUO tag sequences (``EntityTagger.scored_ents``: forward-backward), for the
entities of the best sequence and of a recall-oriented one. A paragraph's score is the expected
number of entity decisions a correction would fix: ``min(p, 1 - p)`` summed over those entities,
plus ``1 - p`` for every lexicon match the model does not back. Diversity is maximal marginal
relevance over character-bigram TF-IDF vectors, so that one pattern (the same agency, the same
sentence frame) does not fill the batch.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans, minibatch

from .. import jsonl
from ..constants import KEYWORDS
from ..entities import load_lexicon
from ..ner.tokenizers import load_char_pipeline
from ..paths import CORRECTIONS, LEXICON, SHARED_DATA, STANDOFF
from ..standoff import read_standoff, resolve_line, resolve_standoff
from ..util import UserError, sha256_text

# Keywords of the topics that make a paragraph governance news (the broad economic, digital and
# foreign ones, e.g. 企业, 系统, 国际, would let sports and business reports in).
GOVERNANCE_TOPICS = ("public_security", "rule_of_law", "dispute_resolution", "grassroots_governance",
                     "public_safety", "youth_protection", "political_security")
GOVERNANCE = re.compile("|".join(sorted({k for t in GOVERNANCE_TOPICS for k in KEYWORDS[t]}, key=len, reverse=True)))


@dataclass
class Candidate:
    """One pool paragraph with the model's view of it."""

    record: dict
    score: float = 0.0
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    uncertain: list[tuple[int, int, str, float]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The pool


def _line_id(path: Path, line: int) -> str:
    """Stand-off id of a corpus line (``pd98:cv-1:145`` for People's Daily, as in the gold)."""
    prefix = "pd98:" if path.parent.name == "peoples_daily_1998" else ""
    return f"{prefix}{path.stem}:{line}"


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return path.resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def corpus_lines(path: Path, data_dir: Path = SHARED_DATA) -> Iterator[dict]:
    """Records of a segmented corpus file (one paragraph a line, People's Daily style), each
    traceable as stand-off: ``source`` = file relative to ``data_dir``, 1-based line, text hash."""
    file = _relative(path, data_dir)
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        text = resolve_line(raw)
        if text:
            yield {"id": _line_id(path, number), "text": text, "entities": [], "cats": [],
                   "source": {"file": file, "line": number, "sha256": sha256_text(text)}}


def read_pool(pool: Path, data_dir: Path = SHARED_DATA) -> Iterator[dict]:
    """Records of a pool: a folder or ``.txt`` file of corpus lines, a stand-off JSONL, or a JSONL
    of units (a run's ``annotated.jsonl``)."""
    pool = Path(pool)
    if pool.is_dir():
        files = sorted(pool.glob("*.txt"))
        if not files:
            raise UserError(f"pool folder {pool} holds no .txt corpus files")
        for path in files:
            yield from corpus_lines(path, data_dir)
    elif pool.suffix == ".txt":
        yield from corpus_lines(pool, data_dir)
    elif pool.is_file():
        first = jsonl.first_record(pool)
        if "text_sha256" in first and "text" not in first:
            yield from resolve_standoff(pool, data_dir)
        else:
            for number, record in jsonl.read_jsonl(pool):
                if not isinstance(record.get("text"), str) or "id" not in record:
                    raise UserError(f"{pool}:{number}: a pool record needs 'id' and 'text'")
                yield record
    else:
        raise UserError(f"pool not found: {pool}")


def annotated_keys(paths: Iterable[Path]) -> set[str]:
    """Ids and text hashes of the stand-off files ``paths`` (gold, corrections): not pool material."""
    keys: set[str] = set()
    for path in paths:
        for record in read_standoff(Path(path)):
            keys.update((record["id"], record["text_sha256"]))
    return keys


def governance_pool(records: Iterable[dict], exclude: set[str], *, min_hits: int = 2,
                    min_chars: int = 20, max_chars: int = 300) -> list[dict]:
    """Records of governance paragraphs (at least ``min_hits`` topic keywords of ``pipeline.constants``)
    of a readable length that are not already annotated."""
    kept, seen = [], set()
    for record in records:
        text, digest = record["text"], sha256_text(record["text"])
        if (min_chars <= len(text) <= max_chars and digest not in seen and record["id"] not in exclude
                and digest not in exclude and len(GOVERNANCE.findall(text)) >= min_hits):
            seen.add(digest)
            kept.append(record)
    return kept


# ---------------------------------------------------------------------------------------------
# Scoring


def lexicon_matcher(nlp: Language, lexicon: Path = LEXICON) -> PhraseMatcher:
    """A PhraseMatcher of the lexicon's surface forms over the char pipeline's tokens."""
    matcher = PhraseMatcher(nlp.vocab)
    by_label: dict[str, set[str]] = {}
    for entry in load_lexicon(lexicon):
        by_label.setdefault(entry.label, set()).update(entry.surfaces)
    for label, surfaces in sorted(by_label.items()):
        matcher.add(label, [nlp.make_doc(s) for s in sorted(surfaces)])
    return matcher


def score_candidates(model: Path, records: Sequence[dict], *, lexicon: Path | None = LEXICON,
                     batch_size: int = 64) -> list[Candidate]:
    """Score every record with the char model's entity marginals (see the module docstring)."""
    nlp = load_char_pipeline(model)
    ner = nlp.get_pipe("ner")
    matcher = lexicon_matcher(nlp, lexicon) if lexicon else None
    candidates = []
    for batch in minibatch(records, batch_size):
        docs = [nlp.make_doc(r["text"]) for r in batch]
        for record, doc, probs in zip(batch, docs, ner.scored_ents(docs)):
            best = filter_spans([doc.char_span(s, e, label=lab) for (s, e, lab), p in probs.items() if p >= 0.5])
            cand = Candidate(record, entities=sorted((e.start_char, e.end_char, e.label_) for e in best))
            cand.uncertain = sorted((s, e, lab, p) for (s, e, lab), p in probs.items() if 0.05 < p < 0.95)
            cand.score = sum(min(p, 1 - p) for p in probs.values())
            if matcher is not None:
                for match_id, s, e in matcher(doc):
                    key = (doc[s:e].start_char, doc[s:e].end_char, nlp.vocab.strings[match_id])
                    cand.score += 1 - probs.get(key, 0.0)
            candidates.append(cand)
    return candidates


# ---------------------------------------------------------------------------------------------
# Choosing a batch


def diverse_top(candidates: Sequence[Candidate], n: int, *, diversity: float = 0.5, shortlist: int = 10) -> list[Candidate]:
    """Maximal marginal relevance: repeatedly take the candidate with the best
    ``score / max_score - diversity * (highest cosine similarity to one already taken)`` among the
    ``shortlist * n`` highest-scoring ones."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.record["id"]))[: max(n * shortlist, n)]
    if len(ranked) <= n or diversity <= 0:
        return ranked[:n]
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform([c.record["text"] for c in ranked])
    similarity = (vectors @ vectors.T).toarray()
    top = ranked[0].score or 1.0
    chosen: list[int] = []
    closest = [0.0] * len(ranked)
    while len(chosen) < n:
        best = max((i for i in range(len(ranked)) if i not in chosen),
                   key=lambda i: ranked[i].score / top - diversity * closest[i])
        chosen.append(best)
        closest = [max(c, similarity[best, i]) for i, c in enumerate(closest)]
    return [ranked[i] for i in chosen]


def random_batch(records: Sequence[dict], n: int, seed: int = 0) -> list[dict]:
    """``n`` records drawn uniformly (the baseline that uncertainty selection must beat)."""
    return random.Random(seed).sample(list(records), min(n, len(records)))


def to_unit(candidate: Candidate, rank: int, model: Path) -> dict:
    """An export-format record for ``doccano push``: the model's entities as pre-annotations and
    keyword topics; ``selection`` says why it was chosen (kept in doccano's meta, pulled back)."""
    record = candidate.record
    text = record["text"]
    hits = {topic for topic, words in KEYWORDS.items() if any(w in text for w in words)}
    return {
        "id": record["id"], "text": text, "entities": [list(e) for e in candidate.entities],
        "cats": sorted(hits) or ["other"], "source": record.get("source", {}),
        "selection": {"rank": rank, "score": round(candidate.score, 4), "model": Path(model).as_posix(),
                      "uncertain": [[s, e, label, round(p, 3)] for s, e, label, p in candidate.uncertain]},
    }


def select(pool: Path, model: Path, n: int, *, exclude: Sequence[Path] | None = None, data_dir: Path = SHARED_DATA,
           limit: int = 0, seed: int = 0, diversity: float = 0.5,
           strategy: str = "uncertainty") -> tuple[list[dict], dict]:
    """The ``n`` pool paragraphs to correct next, as push-ready units, and figures about the pool.
    ``limit`` scores a seeded random sample of that many pool paragraphs (0: all). ``exclude``: the
    stand-off files whose paragraphs are taken (default: the People's Daily gold and every file under
    corpus/corrections/)."""
    if exclude is None:
        exclude = [STANDOFF, *sorted(CORRECTIONS.rglob("*.jsonl"))]
    if strategy not in ("uncertainty", "random"):
        raise UserError(f"--strategy must be uncertainty or random, not {strategy!r}")
    if limit < 0:
        raise UserError(f"--limit must be 0 (score the whole pool) or a positive number of paragraphs, not {limit}")
    if n < 1:
        raise UserError(f"--n must be a positive number of paragraphs, not {n}")
    if not 0 <= diversity:
        raise UserError(f"--diversity must be 0 (pure uncertainty) or more, not {diversity}")
    if not (Path(model) / "config.cfg").is_file():
        raise UserError(f"no NER model at {model}: train one first (python -m pipeline train ner ...)")
    records = governance_pool(read_pool(pool, data_dir), annotated_keys(exclude))
    if not records:
        raise UserError(f"{pool}: no unannotated governance paragraphs left in the pool")
    if limit and len(records) > limit:
        records = random_batch(records, limit, seed)
    if strategy == "random":
        chosen = [Candidate(r) for r in random_batch(records, n, seed)]
        scored = score_candidates(model, [c.record for c in chosen])
    else:
        scored = diverse_top(score_candidates(model, records), n, diversity=diversity)
    units = [to_unit(c, rank, model) for rank, c in enumerate(scored, 1)]
    info = {"pool": len(records), "selected": len(units), "strategy": strategy,
            "mean_score": sum(c.score for c in scored) / max(len(scored), 1)}
    return units, info
