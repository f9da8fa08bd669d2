"""How precise each labelling function of ``rules`` is, and how much of its labels it covers, against gold
records (``python -m pipeline rules evaluate``): the functions' scorer, apart from the functions themselves."""
from __future__ import annotations

from typing import Iterable, Sequence

from .rules import LABELLING_FUNCTIONS, RUNTIME


def score(records: Iterable[dict], functions: Iterable[str] = tuple(LABELLING_FUNCTIONS)) -> dict[str, dict]:
    """Each function's precision (exact span and label) and coverage (share of the gold spans of the
    labels it emits that it finds) over records with ``text`` and ``entities``."""
    records = list(records)
    out = {}
    for name in functions:
        predicted = gold_hit = 0
        labels: set[str] = set()
        found: set[tuple] = set()
        for i, record in enumerate(records):
            gold = {tuple(span[:3]) for span in record["entities"]}
            for span in set(LABELLING_FUNCTIONS[name](record["text"])):
                predicted += 1
                labels.add(span[2])
                if span in gold:
                    gold_hit += 1
                    found.add((i, *span))
        total = sum(1 for r in records for span in r["entities"] if span[2] in labels)
        out[name] = {"predicted": predicted, "correct": gold_hit,
                     "precision": round(gold_hit / predicted, 3) if predicted else None,
                     "coverage": round(len(found) / total, 3) if total else None, "labels": sorted(labels)}
    return out


def format_rule_scores(result: dict, runtime: Sequence[str] = RUNTIME) -> str:
    """A table of each function's labels, spans found, precision and coverage."""
    rows = [["function", "labels", "spans", "precision", "coverage", "run time"]]
    for name, s in result["functions"].items():
        rows.append([name, ",".join(s["labels"]) or "-", str(s["predicted"]),
                     "-" if s["precision"] is None else f"{s['precision']:.3f}",
                     "-" if s["coverage"] is None else f"{s['coverage']:.3f}", "yes" if name in runtime else ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines + [f"{result['records']} records of {result['data']} (split {result['split']})"])
