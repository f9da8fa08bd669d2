"""Corrections from doccano kept as stand-off annotations (file, line, text hash, offsets,
labels, who): no corpus text, so they can be committed and resolved against ../shared/data for
training (``pipeline.ner.corpora.correction_records`` reads them back)."""
from __future__ import annotations

from pathlib import Path

from ..ner.corpora import gold_records
from ..util import UserError, sha256_text, write_jsonl


def corrections_standoff(pulled: Path, output: Path, project: str) -> tuple[int, int]:
    """Turn a ``doccano pull`` file into stand-off corrections (source file, line, text hash,
    offsets, labels, topics, who confirmed: no text); return (written, left out as unconfirmed)."""
    records, unconfirmed = [], 0
    for number, record in enumerate(gold_records(pulled), 1):
        source = record.get("source") or {}
        if not {"file", "line", "sha256"} <= set(source):
            raise UserError(f"{pulled}:{number}: unit {record.get('id')} has no stand-off source (file, line, sha256); "
                            "select from corpus lines (python -m pipeline select --pool DIR)")
        if sha256_text(record["text"]) != source["sha256"]:
            raise UserError(f"{pulled}:{number}: unit {record['id']}: text differs from {source['file']} line {source['line']}")
        if not record.get("confirmed_by"):
            unconfirmed += 1
            continue
        records.append({"id": record["id"], "file": source["file"], "line": source["line"],
                        "text_sha256": source["sha256"], "entities": sorted(record["entities"]),
                        "cats": record.get("cats") or ["other"], "split": "train",
                        "annotators": record["confirmed_by"], "project": project})
    return write_jsonl(output, records), unconfirmed
