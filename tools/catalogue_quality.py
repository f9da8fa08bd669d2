"""The quality of the new-name candidates (issue 17), as docs/catalogue.md reports it.

    python -m tools.catalogue_quality heldout-input /tmp/xwlb-heldout.jsonl
        the held-out 2025 gold paragraphs as run input ({"id", "date", "text"}; text from ../shared/data,
        so the file stays outside the repository)
    python -m tools.catalogue_quality recall CANDIDATES.jsonl [--gold corpus/gold/xwlb.standoff.jsonl]
        recall of new names: the distinct gold PROGRAM names of the held-out split that the lexicon lacks
        (after the candidates' normalisation), and how many of them are among the candidates (same key)
    python -m tools.catalogue_quality precision CANDIDATES.jsonl [--judgements tools/candidate_judgements.tsv] [--top 50]
        precision at 50: the share of the top candidates a careful reader accepts, from the judgements file
        (name, tab, yes or no, tab, why), which must judge every one of them

A name counts once however often it occurs. Candidates are matched by their normalised key, so a gold
name the model found only in another variant (quoted, with or without its generic head) counts as found.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.candidates import LexiconIndex, clean_surface, name_key
from pipeline.entities import load_lexicon
from pipeline.ner.corpora import gold_records
from pipeline.paths import LEXICON, PROJECT_ROOT
from pipeline.util import write_jsonl

GOLD = PROJECT_ROOT / "corpus" / "gold" / "xwlb.standoff.jsonl"
JUDGEMENTS = PROJECT_ROOT / "tools" / "candidate_judgements.tsv"


def heldout(gold: Path) -> list[dict]:
    return [r for r in gold_records(gold) if r.get("split") == "heldout"]


def heldout_input(out: Path, gold: Path) -> int:
    return write_jsonl(out, ({"id": r["id"].replace(":", "-"), "date": r["source"].get("date") or r.get("date"),
                              "text": r["text"]} for r in heldout(gold)))


def candidate_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def recall(candidates: Path, gold: Path, lexicon: Path) -> dict:
    index = LexiconIndex(load_lexicon(lexicon))
    new = sorted({clean_surface(r["text"][s:e], "PROGRAM") for r in heldout(gold) for s, e, label in r["entities"]
                  if label == "PROGRAM" and not index.holds(r["text"][s:e])})
    keys = {c["candidate"]["key"] for c in candidate_lines(candidates) if c["candidate"]["label"] == "PROGRAM"}
    found = [name for name in new if name_key(name) in keys]
    return {"new_names": len(new), "found": len(found), "recall": round(len(found) / len(new), 3) if new else None,
            "missed": [name for name in new if name not in found]}


def precision(candidates: Path, judgements: Path, top: int) -> dict:
    judged = {}
    for n, line in enumerate(judgements.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            name, verdict, *_ = line.split("\t")
            if verdict not in ("yes", "no"):
                sys.exit(f"{judgements}:{n}: verdict {verdict!r} is neither yes nor no")
            judged[name] = verdict == "yes"
    names = [c["candidate"]["name"] for c in candidate_lines(candidates)[:top]]
    missing = [name for name in names if name not in judged]
    if missing:
        sys.exit(f"{judgements}: no judgement of {len(missing)} of the top {top} candidates, first: {missing[0]}")
    accepted = sum(judged[name] for name in names)
    return {"top": len(names), "accepted": accepted, "precision": round(accepted / len(names), 3) if names else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.catalogue_quality", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("heldout-input")
    p.add_argument("output", type=Path)
    p.add_argument("--gold", type=Path, default=GOLD)
    p = sub.add_parser("recall")
    p.add_argument("candidates", type=Path)
    p.add_argument("--gold", type=Path, default=GOLD)
    p.add_argument("--lexicon", type=Path, default=LEXICON)
    p = sub.add_parser("precision")
    p.add_argument("candidates", type=Path)
    p.add_argument("--judgements", type=Path, default=JUDGEMENTS)
    p.add_argument("--top", type=int, default=50)
    args = parser.parse_args(argv)
    if args.command == "heldout-input":
        print(f"{heldout_input(args.output, args.gold)} held-out paragraphs -> {args.output}")
    elif args.command == "recall":
        print(json.dumps(recall(args.candidates, args.gold, args.lexicon), ensure_ascii=False, indent=1))
    else:
        print(json.dumps(precision(args.candidates, args.judgements, args.top), ensure_ascii=False))


if __name__ == "__main__":
    main()
