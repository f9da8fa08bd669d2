"""The HTML run report: self-contained, complete, deterministic; model cards; one-line errors."""
from __future__ import annotations

import base64
import html
import json
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.report import write_report
from pipeline.util import UserError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Page(HTMLParser):
    """Collects what the tests check: ids, link targets, image sources, tags."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: Counter = Counter()
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag in ("a", "link") and a.get("href") is not None:
            self.hrefs.append(a["href"])
        if a.get("src") is not None:
            self.srcs.append(a["src"])


@pytest.fixture(scope="module")
def report(seed_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(seed_run, tmp_path_factory.mktemp("report") / "seeds.html")


@pytest.fixture(scope="module")
def page_text(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def marks(page_text: str) -> Counter:
    """(entity text, label) of every displaCy mark in the page."""
    found = re.findall(r'<mark class="entity"[^>]*>\s*(.*?)\s*<span[^>]*>([A-Z]+)', page_text, flags=re.S)
    return Counter((html.unescape(text), label) for text, label in found)


def test_page_needs_no_network(page_text: str) -> None:
    page = Page(page_text)
    assert page.tags["script"] == 0
    assert page.srcs and all(src.startswith("data:image/png;base64,") for src in page.srcs)
    assert all(href.startswith(("#", "data:")) for href in page.hrefs), [h for h in page.hrefs if not h.startswith("#")][:3]
    assert not re.search(r"url\(|@import|https?://", page_text)


def test_every_internal_link_has_a_target(page_text: str) -> None:
    page = Page(page_text)
    targets = {href[1:] for href in page.hrefs if href.startswith("#")}
    assert targets and targets <= page.ids, sorted(targets - page.ids)[:5]


def test_sections_present(page_text: str) -> None:
    assert {"manifest", "distributions", "programmes", "documents"} <= Page(page_text).ids


def test_every_entity_is_marked_once(seed_run: Path, page_text: str) -> None:
    records = read_jsonl(seed_run / "annotated.jsonl")
    expected = Counter((r["text"][s:e], label) for r in records for s, e, label in r["entities"])
    assert sum(expected.values()) > 100
    assert marks(page_text) == expected


def test_every_paragraph_has_its_anchor_and_topics(seed_run: Path, page_text: str) -> None:
    records = read_jsonl(seed_run / "annotated.jsonl")
    ids = Page(page_text).ids
    assert all(f"u-{r['id']}" in ids for r in records)
    chips = Counter(re.findall(r'<span class="chip"[^>]*>([a-z_]+) \d\.\d\d</span>', page_text))
    assert chips == Counter(t for r in records for t in r["cats"])


def test_programme_catalogue_counts_canonical_names(seed_run: Path, page_text: str) -> None:
    records = read_jsonl(seed_run / "annotated.jsonl")
    expected: Counter = Counter()
    for r in records:
        links = {(s, e): name for s, e, name in r["entity_links"]}
        expected.update(links.get((s, e), r["text"][s:e]) for s, e, label in r["entities"] if label == "PROGRAM")
    rows = re.findall(r'<tr id="(programme-\d+)">\s*<td>(?:<em>)?(.*?)(?:</em>)?</td>\s*<td class="num">(\d+)</td>',
                      page_text)
    assert {html.unescape(name): int(n) for _, name, n in rows} == dict(expected)
    assert "枫桥经验" in expected  # the programme the project is about occurs in the seeds
    # The row of 枫桥经验 links to every paragraph that mentions it, and only those.
    anchor = next(a for a, name, _ in rows if html.unescape(name) == "枫桥经验")
    row = re.search(rf'<tr id="{anchor}">(.*?)</tr>', page_text, flags=re.S).group(1)
    linked = set(re.findall(r'href="#u-([^"]+)"', row))
    assert linked == {r["id"] for r in records if any(name == "枫桥经验" for _, _, name in r["entity_links"])}


def test_figures_beside_the_page_are_the_inline_ones(report: Path, page_text: str) -> None:
    files = sorted(report.parent.glob(f"{report.stem}-*.png"))
    assert [f.name for f in files] == ["seeds-entities.png", "seeds-topics.png"]
    inline = {base64.b64decode(src.split(",", 1)[1]) for src in Page(page_text).srcs}
    assert all(f.read_bytes().startswith(PNG_SIGNATURE) for f in files)
    assert {f.read_bytes() for f in files} == inline


def test_same_run_same_bytes(seed_run: Path, report: Path, tmp_path: Path) -> None:
    again = write_report(seed_run, tmp_path / report.name)
    for first in [report, *report.parent.glob(f"{report.stem}-*.png")]:
        assert (again.parent / first.name).read_bytes() == first.read_bytes(), first.name


def test_the_default_run_shows_its_trained_models(page_text: str) -> None:
    models = page_text[page_text.index('<section id="models">'):page_text.index('<section id="documents">')]
    assert "models/ner" in models and "models/topics" in models


def test_no_model_section_without_a_card(tmp_path: Path) -> None:
    record = {"id": "d:a1:p1", "doc_id": "d", "text": "平安浙江", "entities": [[0, 4, "PROGRAM"]], "cats": ["other"]}
    out = write_report(write_run(tmp_path, [record]), tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="models"' not in out


def run_with_model(seed_run: Path, tmp_path: Path, cards: dict[str, dict]) -> Path:
    """A copy of the seed run whose config names a model folder holding ``cards``."""
    model = tmp_path / "models" / "ner"
    model.mkdir(parents=True)
    for name, card in cards.items():
        (model / name).write_text(json.dumps(card), encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(seed_run / "annotated.jsonl", run)
    manifest = json.loads((seed_run / "manifest.json").read_text(encoding="utf-8"))
    config = re.sub(r'^(ner_model|topic_model) = .*\n', "", manifest["config"], flags=re.M)
    manifest["config"] = config.replace("[paths]\n", f'[paths]\nner_model = "{model.as_posix()}"\n', 1)
    manifest["models"] = {"ner_model": "0" * 64}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run


def test_model_scores_and_learning_curve(seed_run: Path, tmp_path: Path) -> None:
    scores = {"per_label": {"PROGRAM": {"p": 0.9123, "r": 0.8456, "f": 0.8777}}, "micro": {"p": 0.81, "r": 0.72, "f": 0.7624}}
    cards = {
        "training.json": {"config": "configs/ner.cfg", "seed": 7, "dev_scores": {"ents_f": 0.6543}},
        "evaluation.json": {"seeds": {"command": "python -m pipeline evaluate ner", "systems": {"lexicon": scores, "combined": scores}}},
        # rows as pipeline.learning makes them: a curve name, the round, the training size, the scores
        "card.json": {"learning_curve": [
            {"curve": name, "round": r, "train": 80 + 40 * r, "p": 0.5, "r": 0.5, "f1": f1, "macro_f1": 0.4}
            for name, f1s in (("uncertainty", (0.51, 0.63, 0.7)), ("random", (0.51, 0.55, 0.6))) for r, f1 in enumerate(f1s)]},
    }
    out = write_report(run_with_model(seed_run, tmp_path, cards), tmp_path / "out" / "r.html")
    text = out.read_text(encoding="utf-8")
    models = text[text.index('<section id="models">'):text.index('<section id="documents">')]
    for shown in ("configs/ner.cfg", "0.654", "0.912", "0.846", "0.878", "0.762", "lexicon F1", "combined F1",
                  "uncertainty", "random", "0.630", "160"):
        assert shown in models, shown
    curve = out.parent / "r-ner_model-learning-curve.png"
    assert curve.read_bytes().startswith(PNG_SIGNATURE)
    assert base64.b64encode(curve.read_bytes()).decode() in models


def test_spacy_meta_is_read_when_there_is_no_pipeline_card(seed_run: Path, tmp_path: Path) -> None:
    meta = {"lang": "zh", "name": "governance_ner", "performance": {"ents_p": 0.4321, "ents_per_type": {"ORG": {"p": 0.1234}}}}
    out = write_report(run_with_model(seed_run, tmp_path, {"meta.json": meta}), tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert 'id="models"' in text and "governance_ner" in text and "0.432" in text and "0.123" in text
    assert not list(tmp_path.glob("r-*learning-curve.png"))


def write_run(tmp_path: Path, records: list[dict], manifest: object | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "annotated.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                              encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"command": "run"} if manifest is None else manifest),
                                            encoding="utf-8")
    return tmp_path


def test_text_and_names_are_escaped(tmp_path: Path) -> None:
    text = "<script>alert(1)</script>推进枫桥经验"
    record = {"id": "d:a1:p1", "doc_id": "d", "text": text, "entities": [[0, 8, "PROGRAM"], [27, 31, "PROGRAM"]],
              "entity_links": [[27, 31, "<b>枫桥</b>"]], "cats": ["other"]}
    out = write_report(write_run(tmp_path, [record]), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&lt;b&gt;枫桥&lt;/b&gt;" in out


def test_missing_run_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="manifest.json.*not found"):
        write_report(tmp_path)


def test_bad_line_is_named(tmp_path: Path) -> None:
    run = write_run(tmp_path, [{"id": "a", "text": "x", "entities": []}])
    with (run / "annotated.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    with pytest.raises(UserError, match=r"annotated\.jsonl:2: not valid JSON"):
        write_report(run)


def test_cli_writes_the_report_and_reports_errors_in_one_line(seed_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(seed_run), "--output", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").is_file() and (tmp_path / "r-entities.png").is_file()
    result = CliRunner().invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")


def test_entity_outside_the_text_is_named(tmp_path: Path) -> None:
    run = write_run(tmp_path, [{"id": "a", "text": "枫桥经验", "entities": [[0, 9, "PROGRAM"]]}])
    with pytest.raises(UserError, match=r"annotated\.jsonl:1: 'entities'"):
        write_report(run)


def test_output_folder_gets_report_html(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", [{"id": "a", "text": "推进枫桥经验", "entities": [[2, 6, "PROGRAM", "extra"]]}])
    out = write_report(run, tmp_path / "reports")
    assert out == tmp_path / "reports" / "report.html"
    assert marks(out.read_text(encoding="utf-8")) == Counter({("枫桥经验", "PROGRAM"): 1})


def test_ids_with_spaces_still_link(tmp_path: Path) -> None:
    record = {"id": "my page:a1:p1", "doc_id": "my page", "article_id": "my page:a1", "text": "推进枫桥经验",
              "entities": [[2, 6, "PROGRAM"]], "entity_links": [[2, 6, "枫桥经验"]], "cats": ["other"]}
    page = Page(write_report(write_run(tmp_path, [record]), tmp_path / "r.html").read_text(encoding="utf-8"))
    assert not any(" " in i for i in page.ids)
    assert {h[1:] for h in page.hrefs if h.startswith("#u-")} == {i for i in page.ids if i.startswith("u-")} != set()


def test_learning_curve_series_from_rows_and_named_lists() -> None:
    from pipeline.report import curve_series

    rows = [{"curve": "random", "round": r, "train": n, "p": 0.9, "f1": f} for r, (n, f) in enumerate([(80, 0.5), (120, 0.6)])]
    curve = curve_series(rows)
    assert curve.series == {"random": [(80, 0.5), (120, 0.6)]}
    assert list(curve.x_keys) == ["train"] and list(curve.y_keys) == ["f1"]
    named = curve_series({"a": [{"fraction": 0.5, "f1": 0.7}], "b": [{"fraction": 0.5, "f1": 0.6}]})
    assert named.series == {"a": [(0.5, 0.7)], "b": [(0.5, 0.6)]}
    assert curve_series("not a curve").series == {}
