"""Turn a candidate review made in a spreadsheet into the file `doccano pull` writes, for `lexicon merge`.

A long list of candidates (hundreds of names) is quicker to judge in a table than one doccano example at
a time; `lexicon merge` reads only what `doccano pull` writes, so that every accepted name keeps the same
checks and provenance whichever way it was reviewed. This script writes that file from a review sheet:

    python -m tools.review_sheet CANDIDATES.jsonl SHEET.tsv --reviewer NAME --output reviewed.jsonl
    python -m pipeline lexicon merge reviewed.jsonl

SHEET.tsv (a header line, then one line per judged candidate; lines starting with # are comments):
rank, label, name, decision (accept | merge | reject), final_label, final_name, merge_into, reason.
`final_name` must be written inside the candidate's name (the span the reviewer would mark on its first line
in doccano); `merge_into` names the lexicon entry a merged variant belongs to. Candidates the sheet does not
judge are left out (undecided), a sheet line whose candidate is not in CANDIDATES.jsonl is an error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import jsonl
from pipeline.util import UserError, write_jsonl

COLUMNS = ["rank", "label", "name", "decision", "final_label", "final_name", "merge_into", "reason"]


def pulled_records(candidates: Path, sheet: Path, reviewer: str):
    """The pulled records of the candidates the sheet judges, in the sheet's order."""
    by_key = {}
    for _, record in jsonl.read_jsonl(candidates, missing="no such file; give the file `catalogue --candidates` wrote"):
        by_key[(record["candidate"]["label"], record["candidate"]["name"])] = record
    if not sheet.is_file():
        raise UserError(f"{sheet}: no such file; give the review sheet (TSV)")
    header_seen = False
    for n, raw in enumerate(sheet.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        row, where = raw.split("\t"), f"{sheet}:{n}"
        if not header_seen:
            if row != COLUMNS:
                raise UserError(f"{where}: the header must be {' '.join(COLUMNS)} (tab-separated)")
            header_seen = True
            continue
        if len(row) != len(COLUMNS):
            raise UserError(f"{where}: {len(row)} fields, not {len(COLUMNS)}; fix the line")
        line = dict(zip(COLUMNS, row))
        record = by_key.get((line["label"], line["name"]))
        if record is None:
            raise UserError(f"{where}: no candidate {line['label']} {line['name']} in {candidates}; give the candidates the sheet judged")
        yield _decided(record, line, reviewer, where)


def _decided(record: dict, line: dict, reviewer: str, where: str) -> dict:
    """The record as doccano would return it after the reviewer marked the sheet's decision."""
    text, first = record["text"], record["text"].split("\n", 1)[0]
    decision = line["decision"]
    if decision == "accept":
        start = first.find(line["final_name"]) if line["final_name"] else -1
        if start < 0:
            raise UserError(f"{where}: final_name {line['final_name']!r} is not inside the name {first!r}; mark a part of it")
        entities = [[start, start + len(line["final_name"]), line["final_label"]]]
    elif decision == "merge":
        target = line["merge_into"]
        if not target:
            raise UserError(f"{where}: 'merge' needs merge_into, the lexicon name it belongs to")
        text = f"{text}\nmerge into: {target}"
        entities = [[len(text) - len(target), len(text), line["label"]]]
    elif decision == "reject":
        entities = []
    else:
        raise UserError(f"{where}: decision {decision!r} is not accept, merge or reject")
    return {**record, "text": text, "entities": entities, "cats": [decision], "confirmed_by": [reviewer]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.review_sheet", description=__doc__.split("\n\n")[0])
    parser.add_argument("candidates", type=Path, help="the candidates.jsonl of `catalogue --candidates`")
    parser.add_argument("sheet", type=Path, help="the review sheet (TSV)")
    parser.add_argument("--reviewer", required=True, help="who judged the sheet (the lexicon's accepted_by)")
    parser.add_argument("--output", type=Path, required=True, help="the file for `lexicon merge`")
    args = parser.parse_args(argv)
    try:
        written = write_jsonl(args.output, pulled_records(args.candidates, args.sheet, args.reviewer))
    except UserError as error:  # the output is written atomically: nothing of it is left
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{written} decisions -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
