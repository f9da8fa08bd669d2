"""Hand-made units for the doccano tests (invented sentences, no corpus text)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Characters outside the Basic Multilingual Plane: 𠮷 (U+20BB7) and emoji, one UTF-16 surrogate pair each.
BMP_TEXT = "𠮷野家在杭州开店👍，市场监管局到杭州调研😀。"


def span(text: str, surface: str, label: str, nth: int = 0) -> list[Any]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return [start, start + len(surface), label]


def units() -> list[dict[str, Any]]:
    texts = ["县司法局组织开展普法宣传活动。", "网格员走访社区，化解矛盾纠纷。", BMP_TEXT]
    return [
        {
            "id": "fx:a1:p1", "doc_id": "fx", "article_id": "fx:a1", "kind": "body", "text": texts[0],
            "entities": [span(texts[0], "县司法局", "ORG")], "entity_links": [span(texts[0], "县司法局", "县司法局")],
            "cats": ["rule_of_law"], "cat_scores": {"rule_of_law": 0.8765432101234567, "other": 0.1},
            "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": [[0, 10, len(texts[0])]]},
        },
        {
            "id": "fx:a1:p2", "doc_id": "fx", "article_id": "fx:a1", "kind": "body", "text": texts[1],
            "entities": [], "entity_links": [], "cats": ["grassroots_governance", "dispute_resolution"],
            "cat_scores": {}, "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": []},
        },
        {
            "id": "fx:a2:p1", "doc_id": "fx", "article_id": "fx:a2", "kind": "body", "text": texts[2],
            "entities": [span(texts[2], "杭州", "LOC"), span(texts[2], "市场监管局", "ORG"), span(texts[2], "杭州", "LOC", 1)],
            "entity_links": [], "cats": ["business_environment"], "cat_scores": {},
            "source": {"file": "fx.txt", "sha256": "0" * 64, "offsets": []},
        },
    ]  # fmt: skip


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
