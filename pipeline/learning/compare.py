"""Compare two NER models on held-out gold (issue 6): per-label F1 side by side with the difference,
and a paired bootstrap over paragraphs for confidence intervals on micro-F1 and its difference.

Both models are scored alone (the char model, no lexicon), on exact character-offset matches. The
bootstrap resamples paragraphs, not spans, because errors cluster within a paragraph; it is paired
(both models on the same resample) so that the interval of the difference is not inflated by
sampling the data twice.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from ..constants import LABELS
from ..ner.corpora import gold_records
from ..ner.evaluate import counts, micro_f1, prf
from ..util import UserError, sha256_text
from .curves import predict


def trained_on(model: Path) -> set[str]:
    """Hashes of the gold texts a model trained on (from its ``training.json``)."""
    card = Path(model) / "training.json"
    if not card.is_file():
        return set()
    return set(json.loads(card.read_text(encoding="utf-8")).get("data", {}).get("gold_text_sha256", []))


def paired_bootstrap(a: np.ndarray, b: np.ndarray, samples: int = 1000, seed: int = 0) -> dict:
    """Percentile 95 % intervals of micro-F1 for A, B and B - A over paragraph resamples, and the
    share of resamples in which B beats A."""
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(a), size=(samples, len(a)))
    fa = micro_f1(*a[index].sum(axis=1).T)
    fb = micro_f1(*b[index].sum(axis=1).T)
    diff = fb - fa

    def ci(x: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in np.percentile(x, [2.5, 97.5])]

    return {"samples": samples, "seed": seed, "baseline": ci(fa), "candidate": ci(fb), "difference": ci(diff),
            "candidate_better": round(float((diff > 0).mean()), 4)}


def compare(baseline: Path, candidate: Path, data: Path, *, split: str | None = None, samples: int = 1000,
            seed: int = 0, data_dir: Path | None = None) -> dict:
    """Score both models on the gold of ``data`` (optionally one stand-off ``split``), skipping the
    paragraphs either model trained on."""
    for model in (baseline, candidate):
        if not (Path(model) / "config.cfg").is_file():
            raise UserError(f"no NER model at {model} (a folder written by `train ner` or `train small-ner`)")
    records = gold_records(data, data_dir)
    if split:
        records = [r for r in records if r.get("split") == split]
        if not records:
            raise UserError(f"{data}: no records in split {split!r}")
    seen = trained_on(baseline) | trained_on(candidate)
    kept = [r for r in records if sha256_text(r["text"]) not in seen]
    if not kept:
        raise UserError(f"{data}: every record is in a model's training data; nothing held out to compare on")
    texts = [r["text"] for r in kept]
    gold = [[tuple(e[:3]) for e in r["entities"]] for r in kept]
    result = {"data": Path(data).as_posix(), "split": split, "records": len(kept),
              "skipped_trained_on": len(records) - len(kept), "gold_spans": sum(map(len, gold)), "models": {}}
    tables = {}
    for name, model in (("baseline", baseline), ("candidate", candidate)):
        predicted = predict(model, texts)
        flat_gold = [(f"{n}:{s}", e, label) for n, spans in enumerate(gold) for s, e, label in spans]
        flat_pred = [(f"{n}:{s}", e, label) for n, spans in enumerate(predicted) for s, e, label in spans]
        result["models"][name] = {"path": Path(model).as_posix(), "scores": prf(flat_gold, flat_pred)}
        tables[name] = counts(gold, predicted)
    result["bootstrap"] = paired_bootstrap(tables["baseline"], tables["candidate"], samples, seed)
    return result


def format_comparison(result: dict) -> str:
    """Per-label F1 of both models and the difference, micro/macro rows, the bootstrap intervals."""
    a, b = (result["models"][k]["scores"] for k in ("baseline", "candidate"))
    labels = [label for label in LABELS if label in a["per_label"] or label in b["per_label"]]
    rows = [["label", "gold", "baseline F1", "candidate F1", "difference"]]
    for label in labels:
        fa = a["per_label"].get(label, {}).get("f", 0.0)
        fb = b["per_label"].get(label, {}).get("f", 0.0)
        gold = max(a["per_label"].get(label, {}).get("gold", 0), b["per_label"].get(label, {}).get("gold", 0))
        rows.append([label, str(gold), f"{fa:.3f}", f"{fb:.3f}", f"{fb - fa:+.3f}"])
    for avg in ("micro", "macro"):
        rows.append([avg, str(result["gold_spans"]) if avg == "micro" else "", f"{a[avg]['f']:.3f}", f"{b[avg]['f']:.3f}",
                     f"{b[avg]['f'] - a[avg]['f']:+.3f}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    boot = result["bootstrap"]
    lines += [
        f"baseline  {result['models']['baseline']['path']}: micro-F1 {a['micro']['f']:.3f} (95% CI {boot['baseline'][0]:.3f}-{boot['baseline'][1]:.3f})",
        f"candidate {result['models']['candidate']['path']}: micro-F1 {b['micro']['f']:.3f} (95% CI {boot['candidate'][0]:.3f}-{boot['candidate'][1]:.3f})",
        f"difference {b['micro']['f'] - a['micro']['f']:+.3f} (95% CI {boot['difference'][0]:+.3f} to {boot['difference'][1]:+.3f}); "
        f"candidate better in {boot['candidate_better']:.1%} of {boot['samples']} paired paragraph resamples",
        f"{result['records']} paragraphs of {result['data']}" + (f" (split {result['split']})" if result["split"] else "")
        + f", {result['skipped_trained_on']} skipped (in a model's training data); models alone, exact character spans",
    ]
    return "\n".join(lines)
