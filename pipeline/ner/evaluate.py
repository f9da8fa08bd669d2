"""Scoring the NER on character offsets: the lexicon alone, the model alone and the combined
stage, per label, on gold files, optionally leaving each document's own lexicon entries out."""
from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from spacy.language import Language
from spacy.tokens import Doc

from ..config import load_config
from ..constants import LABELS
from ..entities import load_lexicon
from ..nlp import upto_nlp
from ..paths import DEFAULT_CONFIG
from ..util import UserError, sha256_text
from .component import DEFAULT_MERGE, Entity, GovernanceNER, merge_spans
from .corpora import document_of, follow_guidelines, gold_records, msra_records, msra_split


def prf(gold: Iterable[Entity], predicted: Iterable[Entity]) -> dict:
    """Per-label and averaged precision/recall/F1 of exact matches of spans whose last item is
    the label (e.g. ``(record, start, end, label)``)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    gold, predicted = set(gold), set(predicted)
    for span in predicted:
        counts[span[-1]][0 if span in gold else 1] += 1
    for span in gold - predicted:
        counts[span[-1]][2] += 1

    def score(tp: int, fp: int, fn: int) -> dict:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "gold": tp + fn, "predicted": tp + fp}

    per_label = {label: score(*counts[label]) for label in LABELS if label in counts}
    micro = score(*(sum(c[i] for c in counts.values()) for i in range(3)))
    scored = [s for s in per_label.values() if s["gold"]]
    macro = {k: sum(s[k] for s in scored) / len(scored) if scored else 0.0 for k in ("p", "r", "f")}
    return {"per_label": per_label, "micro": micro, "macro": macro}


def counts(gold: Sequence[Sequence], predicted: Sequence[Sequence]) -> np.ndarray:
    """Per-paragraph true positives, false positives and false negatives: an (n, 3) array."""
    rows = []
    for g, p in zip(gold, predicted):
        g, p = {tuple(x) for x in g}, {tuple(x) for x in p}
        rows.append((len(g & p), len(p - g), len(g - p)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def micro_f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Micro-F1 from summed counts (0 where undefined): 2tp / (2tp + fp + fn)."""
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def micro_f1_interval(table: np.ndarray, samples: int = 1000, seed: int = 0) -> list[float]:
    """Percentile 95 % interval of micro-F1 over resamples of the paragraphs (rows of ``counts``), which
    keeps the errors of one paragraph together."""
    index = np.random.default_rng(seed).integers(0, len(table), size=(samples, len(table)))
    return [round(float(v), 4) for v in np.percentile(micro_f1(*table[index].sum(axis=1).T), [2.5, 97.5])]


def recall_intervals(gold: Sequence[Sequence], predicted: Sequence[Sequence], samples: int = 1000,
                     seed: int = 0) -> dict[str, list[float]]:
    """Per label, the percentile 95 % interval of recall over resamples of the paragraphs (one list of spans
    ``(..., label)`` per paragraph on each side): the recall targets are set per label, and a label with a few dozen
    gold spans moves by several points between samples."""
    labels = sorted({span[-1] for spans in gold for span in spans})
    index = np.random.default_rng(seed).integers(0, len(gold), size=(samples, len(gold)))
    predicted_sets = [{tuple(x) for x in p} for p in predicted]
    found = [[tuple(x) in p for x in g] for g, p in zip(gold, predicted_sets)]
    out = {}
    for label in labels:
        rows = np.array([(sum(hit for x, hit in zip(g, hits) if x[-1] == label), sum(x[-1] == label for x in g))
                         for g, hits in zip(gold, found)], dtype=np.int64)
        hit, total = rows[index].sum(axis=1).T
        out[label] = [round(float(v), 4) for v in np.percentile(hit / np.maximum(total, 1), [2.5, 97.5])]
    return out


def base_pipeline(config_path: str | Path, overrides: dict | None = None) -> tuple[Language, GovernanceNER]:
    """The main pipeline of ``config_path`` up to the stage before its ``governance_ner`` (the lexicon
    ruler, and the rule stage where the config has one: the "lexicon" system of the scores), and a
    ``governance_ner`` component with the config's merge rule (to be given a char model)."""
    names = list(load_config(config_path, overrides)["nlp"]["pipeline"])
    last = names[names.index("governance_ner") - 1] if "governance_ner" in names[1:] else "governance_lexicon"
    nlp, config = upto_nlp(config_path, last, overrides)
    ner_config = config["components"].get("governance_ner")
    merge = ner_config.get("merge", DEFAULT_MERGE) if ner_config else DEFAULT_MERGE
    return nlp, GovernanceNER(nlp, merge=merge)


def lexicon_without_document(lexicon: Path, records: Sequence[dict], held_out: str, output: Path) -> int:
    """Write to ``output`` the entries of ``lexicon`` except those whose names occur in the
    ``held_out`` document of ``records`` and in no other of its documents (the entries one could
    only have written after reading it); return how many were left out."""
    inside = "\n".join(r["text"] for r in records if document_of(r) == held_out)
    elsewhere = "\n".join(r["text"] for r in records if document_of(r) != held_out)
    kept, dropped = [], 0
    for entry in load_lexicon(lexicon):
        if any(s in inside for s in entry.surfaces) and not any(s in elsewhere for s in entry.surfaces):
            dropped += 1
        else:
            kept.append({"label": entry.label, "canonical": entry.canonical, "aliases": list(entry.aliases)})
    output.mkdir(parents=True, exist_ok=True)
    (output / "lexicon.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in kept), encoding="utf-8")
    return dropped


@dataclass
class Group:
    """Records scored together: with one char model and the main pipeline under some overrides
    (e.g. its own lexicon)."""

    model: Path
    records: list[dict]
    overrides: dict = field(default_factory=dict)


SEEN_NAMES = "seen_names.txt"  # in a model folder: digests of the entity surfaces it trained on


def name_digest(surface: str) -> str:
    """A short digest of an entity surface: the model folder lists what it trained on without
    holding excerpts of the corpora."""
    return hashlib.sha1(surface.encode("utf-8")).hexdigest()[:12]


def write_seen_names(model: Path, records: Iterable[dict], inherited: Iterable[Path] = ()) -> int:
    """List in ``model`` the digests of the entity surfaces of the training ``records``, and those
    listed in the ``inherited`` folders (the training corpus; the model it continued from: it has
    seen what its base saw)."""
    digests = {name_digest(r["text"][s:e]) for r in records for s, e, _ in r["entities"]}
    for folder in inherited:
        if (Path(folder) / SEEN_NAMES).is_file():
            digests |= set((Path(folder) / SEEN_NAMES).read_text(encoding="utf-8").split())
    (Path(model) / SEEN_NAMES).write_text("\n".join(sorted(digests)) + "\n", encoding="utf-8")
    return len(digests)


def unseen_test(model: Path, config: str | Path, overrides: dict | None = None) -> Callable[[str], bool] | None:
    """Whether a surface is new to the combined stage: in neither the lexicon of ``config`` nor the
    entity surfaces ``model`` trained on (None: the model folder does not list them)."""
    listed = Path(model) / SEEN_NAMES
    if not listed.is_file():
        return None
    digests = set(listed.read_text(encoding="utf-8").split())
    surfaces = {s for entry in load_lexicon(load_config(config, overrides)["paths"]["lexicon"]) for s in entry.surfaces}
    return lambda surface: surface not in surfaces and name_digest(surface) not in digests


def evaluate(model: str | Path, data: str | Path, *, config: str | Path = DEFAULT_CONFIG,
             merge: str | None = None, data_dir: Path | None = None, lexicon_lodo: bool = False,
             skip_trained: bool = True, split: str | None = None) -> dict:
    """Score the lexicon alone, the model alone and the combined stage on a gold file, on
    character offsets; records whose text the model trained on are skipped (unless not
    ``skip_trained``: for checks that do not measure accuracy, such as token alignment). MSRA files
    (``*.bio.tsv[.gz]``) are scored on the dev split the model card names. ``lexicon_lodo``: each
    document is scored with a lexicon that lacks the entries only that document names
    (``lexicon_without_document``), so that the lexicon is not credited with what it was written from.
    ``split``: only the records of a stand-off file with that ``split`` (``heldout``). Where the model
    folder lists the names it trained on, recall is also given on the gold entities whose surface is
    neither there nor in the lexicon: what a user meets on new pages."""
    model, data = Path(model), Path(data)
    card = json.loads((model / "training.json").read_text(encoding="utf-8")) if (model / "training.json").is_file() else {}
    if data.name.endswith((".bio.tsv", ".bio.tsv.gz")):
        if not data.is_file():
            raise UserError(f"gold file not found: {data}")
        msra = card.get("data", {}).get("msra", {})
        records = msra_split(list(msra_records(data)), msra.get("dev_share", 0.05), msra.get("dev_split", "hash"))[1]
        if msra.get("follow_guidelines"):
            records = [follow_guidelines(r) for r in records]
    else:
        records = gold_records(data, data_dir)
    if split and split != "all":
        chosen = [r for r in records if r.get("split") == split]
        if not chosen:  # a mistyped split would otherwise score nothing and print zeros
            present = sorted({str(r.get("split")) for r in records})
            raise UserError(f"{data}: no records of split {split!r} (splits here: {', '.join(present)}); "
                            "give one of them, or --split all")
        records = chosen
    trained_on = set(card.get("data", {}).get("gold_text_sha256", [])) if skip_trained else set()
    kept = [r for r in records if sha256_text(r["text"]) not in trained_on]
    with tempfile.TemporaryDirectory() as work:
        if lexicon_lodo:
            groups, left_out = lodo_groups(config, records, {document_of(r): model for r in kept}, Path(work), kept)
        else:
            groups, left_out = [Group(model, kept)], {}
        result = score_groups(groups, config, merge, unseen_test(model, config))
    command = f"python -m pipeline evaluate ner --model {model.as_posix()} --data {data.as_posix()}" + (f" --split {split}" if split else "")
    result = {"command": command + (" --lexicon-lodo" if lexicon_lodo else ""), "data": data.as_posix(),
              "records": len(kept), "skipped_trained_on": len(records) - len(kept), **result}
    if skip_trained and not card:
        result["warning"] = (f"{model}: no training.json (not a folder written by `train ner`), so the texts it "
                             "trained on cannot be skipped: these scores may be in-sample")
    if lexicon_lodo:
        result["lexicon_entries_left_out"] = left_out
    return result


def lodo_groups(config: str | Path, records: Sequence[dict], models: dict[str, Path], work: Path,
                scored: Sequence[dict] | None = None) -> tuple[list[Group], dict[str, int]]:
    """One group per document in ``models`` (document -> the model to score it with): its records
    among ``scored`` (default: all ``records``), scored with a lexicon lacking the entries only that
    document of ``records`` names."""
    lexicon = Path(load_config(config)["paths"]["lexicon"])
    groups, left_out = [], {}
    for document, model in sorted(models.items()):
        folder = work / document
        left_out[document] = lexicon_without_document(lexicon, records, document, folder)
        groups.append(Group(model, [r for r in (records if scored is None else scored) if document_of(r) == document],
                            {"paths.lexicon": str(folder)}))
    return groups, left_out


def score_groups(groups: Sequence[Group], config: str | Path, merge: str | None,
                 is_unseen: Callable[[str], bool] | None = None) -> dict:
    """Per-label scores of the lexicon, the model and the combined stage over all groups' records;
    with ``is_unseen``, the recall of each system on the gold entities whose surface it says is new."""
    systems: dict[str, list[Entity]] = {"lexicon": [], "model": [], "combined": []}
    gold: list[Entity] = []
    by_doc: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    unaligned = {"lexicon": 0, "combined": 0}
    rule = merge or DEFAULT_MERGE
    unseen: list[Entity] = []
    records = 0
    for n, (record, doc, predicted, component) in enumerate(_predictions(groups, config, merge)):
        records = n + 1
        _score_record(n, record, doc, predicted, component, gold, systems, unaligned, by_doc)
        if is_unseen:
            unseen += [(n, s, e, label) for s, e, label in (span[:3] for span in record["entities"])
                       if is_unseen(record["text"][s:e])]
        rule = component.merge
    scores = {"unseen_names": unseen_recall(unseen, systems)} if is_unseen else {}
    by_record: tuple[list[list], list[list]] = ([[] for _ in range(records)], [[] for _ in range(records)])
    for side, spans in zip(by_record, (gold, systems["combined"])):
        for span in spans:
            side[span[0]].append(span)
    if records:
        scores["combined_micro_f1_interval"] = micro_f1_interval(counts(*by_record))
        scores["combined_recall_intervals"] = recall_intervals(*by_record)
    return {**scores,
        "gold_spans": len(gold), "merge": rule, "unaligned_gold_spans": unaligned,
        "systems": {name: prf(gold, spans) for name, spans in systems.items()},
        "combined_by_document": {d: prf(g, p)["micro"]["f"] for d, (g, p) in sorted(by_doc.items())} if len(by_doc) <= 20 else {},
    }


def unseen_recall(unseen: Sequence[Entity], systems: dict[str, list[Entity]]) -> dict:
    """Recall of each system on the ``unseen`` gold spans, per label and over all."""
    out = {}
    for name, spans in systems.items():
        found = set(spans)
        by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for span in unseen:
            by_label[span[-1]][0] += span in found
            by_label[span[-1]][1] += 1
        hits = sum(h for h, _ in by_label.values())
        out[name] = {"recall": hits / len(unseen) if unseen else 0.0, "gold": len(unseen),
                     "per_label": {label: {"recall": h / n, "gold": n} for label, (h, n) in sorted(by_label.items())}}
    return out


def _predictions(groups: Sequence[Group], config: str | Path,
                 merge: str | None) -> Iterator[tuple[dict, Doc, list[Entity], GovernanceNER]]:
    """Each record with its lexicon-stage doc and the model's spans, group by group; each main
    pipeline (one per distinct overrides) and each char model is loaded once."""
    pipelines: dict[str, tuple[Language, GovernanceNER]] = {}
    char_models: dict[Path, Language] = {}
    for group in groups:
        key = json.dumps(group.overrides, sort_keys=True)
        if key not in pipelines:
            pipelines[key] = base_pipeline(config, group.overrides)
            if merge:
                merge_spans([], [], merge)
                pipelines[key][1].merge = merge
        nlp, component = pipelines[key]
        if group.model not in char_models:
            component.initialize(model=str(group.model))
            char_models[group.model] = component.model
        component.model = char_models[group.model]
        docs = list(nlp.pipe([r["text"] for r in group.records], batch_size=64))
        for record, doc, predicted in zip(group.records, docs, component.predict(docs)):
            yield record, doc, predicted, component


def _score_record(n: int, record: dict, doc: Doc, predicted: list[Entity], component: GovernanceNER, gold: list,
                  systems: dict[str, list[Entity]], unaligned: dict[str, int], by_doc: dict) -> None:
    """Add one record's gold and its three systems' spans (keyed by record number) to the tallies."""
    key = lambda s, e, label: (n, s, e, label)  # noqa: E731
    g = [key(*span[:3]) for span in record["entities"]]
    gold += g
    systems["lexicon"] += [key(e.start_char, e.end_char, e.label_) for e in doc.ents]
    unaligned["lexicon"] += sum(doc.char_span(s, e) is None for s, e, _ in record["entities"])
    systems["model"] += [key(*span) for span in predicted]
    component.set_annotations(doc, predicted)
    combined = [key(e.start_char, e.end_char, e.label_) for e in doc.ents]
    systems["combined"] += combined
    unaligned["combined"] += sum(doc.char_span(s, e) is None for s, e, _ in record["entities"])
    doc_gold, doc_pred = by_doc[document_of(record)]
    doc_gold += g
    doc_pred += combined


def format_scores(result: dict, markdown: bool = False) -> str:
    """A table of per-label P/R/F1 and the micro and macro averages for each system."""
    systems = result["systems"]
    labels = [label for label in LABELS if any(label in s["per_label"] for s in systems.values())]
    head = ["label"] + [f"{name} {m}" for name in systems for m in ("P", "R", "F1")]
    rows = []
    for label in labels + ["micro", "macro"]:
        row = [label]
        for s in systems.values():
            score = s[label] if label in ("micro", "macro") else s["per_label"].get(label, {"p": 0, "r": 0, "f": 0})
            row += [f"{score['p']:.3f}", f"{score['r']:.3f}", f"{score['f']:.3f}"]
        rows.append(row)
    notes = [f"{result['records']} records ({result['skipped_trained_on']} skipped: in the model's training data), "
             f"{result['gold_spans']} gold spans, merge rule {result['merge']!r}; gold spans not aligned with tokens: "
             f"lexicon stage {result['unaligned_gold_spans']['lexicon']}, combined stage {result['unaligned_gold_spans']['combined']}"]
    if result.get("warning"):
        notes.insert(0, "WARNING: " + result["warning"])
    if result.get("lexicon_entries_left_out"):
        notes.append("lexicon entries left out, leaving each document out: " + ", ".join(f"{d} {n}" for d, n in result["lexicon_entries_left_out"].items()))
    if result.get("unseen_names"):
        combined = result["unseen_names"]["combined"]
        notes.append(f"recall on unseen names (in neither the lexicon nor the training data), combined: {combined['recall']:.3f} "
                     f"of {combined['gold']} (" + ", ".join(f"{label} {s['recall']:.2f}/{s['gold']}" for label, s in combined["per_label"].items()) + ")")
    if result.get("combined_micro_f1_interval"):
        low, high = result["combined_micro_f1_interval"]
        notes.append(f"combined micro-F1 95 % interval (bootstrap over paragraphs): {low:.3f}-{high:.3f}")
    if result.get("combined_recall_intervals"):
        notes.append("combined recall 95 % intervals (bootstrap over paragraphs): " + ", ".join(
            f"{label} {low:.2f}-{high:.2f}" for label, (low, high) in result["combined_recall_intervals"].items()))
    if result.get("combined_by_document"):
        notes.append("combined micro-F1 by held-out document: " + ", ".join(f"{d} {f:.3f}" for d, f in result["combined_by_document"].items()))
    if markdown:
        table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(table + [""] + notes)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    table = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [head] + rows]
    return "\n".join(table + notes)
