"""The Python API (README, "Python API"): ``pipeline.load``, ``pipeline.annotate``, ``pipeline.run``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

import pipeline
from helpers import ROOT, read_jsonl
from pipeline.constants import TOPICS

# Each test loads the whole pipeline (pkuseg's features, the NER model, the topic model).
pytestmark = pytest.mark.slow

CONFIG = "configs/default.cfg"


@pytest.fixture(scope="module", autouse=True)
def in_project_root() -> Iterator[None]:
    """The configs name their files relative to the working directory, as on the command line."""
    before = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(before)


def test_load_gives_canonical_entities_cats_and_topics() -> None:
    nlp = pipeline.load(CONFIG)
    doc = nlp("坚持和发展新时代枫桥经验，公安机关依法打击电信网络诈骗犯罪。")
    programme = next(ent for ent in doc.ents if ent.text == "新时代枫桥经验")
    assert (programme.label_, programme.ent_id_) == ("PROGRAM", "枫桥经验")
    assert set(doc.cats) == set(TOPICS) and all(0 <= score <= 1 for score in doc.cats.values())
    assert doc._.topics and set(doc._.topics) <= set(TOPICS) and "public_security" in doc._.topics


def test_load_takes_overrides() -> None:
    nlp = pipeline.load(CONFIG, {"components.topics.factory": "keyword_topics"})
    assert type(nlp.get_pipe("topics")).__name__ == "KeywordTopics"
    assert nlp("社区网格员上门调解邻里纠纷。")._.topics == ["dispute_resolution", "grassroots_governance"]


def test_run_and_annotate_give_what_the_command_writes(seed_run: Path, tmp_path: Path) -> None:
    manifest = pipeline.run(CONFIG, tmp_path, quiet=True)
    assert manifest["counts"]["units"] == 154
    expected = (seed_run / "annotated.jsonl").read_bytes()
    assert (tmp_path / "annotated.jsonl").read_bytes() == expected
    pages = [{"id": p.stem, "text": p.read_text(encoding="utf-8-sig")} for p in sorted((ROOT / "seeds").glob("*.txt"))]
    records = list(pipeline.annotate(pages))
    written = read_jsonl(seed_run / "annotated.jsonl")
    assert [r["source"]["file"] for r in records] == [r["doc_id"] for r in written]
    for record in records + written:  # the pages came as strings, not files
        del record["source"]["file"], record["source"]["sha256"]
    assert records == written
    assert next(pipeline.annotate(["本报讯 公安机关依法打击电信网络诈骗犯罪。"]))["id"] == "text-1:a1:p1"
