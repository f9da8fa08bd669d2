"""The run report: one self-contained HTML page of what a run found, with its figures as PNG files beside it.

The page holds the manifest in brief, charts of the entity and topic distributions, a catalogue of the
governance programmes (PROGRAM entities by canonical name, linked to where they occur), the programmes over
time (``pipeline/catalogue.py`` by month: a chart of the most mentioned ones, the names first seen in each
month), the model cards of any trained models the run loaded (scores and learning curve), and every document
with its entities highlighted by displaCy and its paragraphs' topics. Everything is inline (CSS, base64
PNG, SVG), so the page needs no network; the same run always gives the same bytes.

A run of more than ``PAGE_CHARS`` characters of text puts its documents on pages of their own beside the
report (``report-documents-001.html``, ...), each of whole documents and at most about ``PAGE_CHARS``
characters, so that no file grows too big for a browser; the report itself links to them.
"""
from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import quote

import jinja2
from confection import Config
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from spacy import displacy

from . import jsonl
from .candidates import LexiconIndex
from .catalogue import UNDATED, Entry, build, period_order, run_lexicon
from .constants import LABELS, TOPICS
from .entities import load_lexicon
from .util import UserError, atomic_writer

TEMPLATES = Path(__file__).parent / "templates"
# One colour per label, used both for displaCy's marks and for the chart bars.
LABEL_COLORS = {
    "PROGRAM": "#feca74", "PLATFORM": "#7aecec", "ORG": "#aa9cfc", "LOC": "#ff9561",
    "PERSON": "#bfe1d9", "HONOR": "#f0d0ff", "POLICY": "#c7f57a", "EVENT": "#ffeb80",
}
OTHER_COLOR = "#dddddd"
# matplotlib's tab10 plus a grey for "other": topic chips and topic bars share them.
TOPIC_COLORS = dict(zip(TOPICS, (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
    "#393b79", "#7f7f7f",
)))
# The JSON a model folder describes itself with: the pipeline's own card files (``training.json`` and
# ``evaluation.json`` as ``train ner`` / ``evaluate ner`` write them, or one ``card.json``), else the
# ``meta.json`` spaCy writes for any trained pipeline.
CARD_FILES = ("card.json", "training.json", "evaluation.json")
SPACY_META = "meta.json"
# Learning-curve points: the keys that make the x axis and the score, in order of preference.
X_KEYS = ("train", "examples", "fraction", "percent", "round", "step", "epoch")
SCORE_KEYS = ("f1", "f", "micro_f1", "score", "accuracy")
# Characters of text per page of documents. The 新闻联播 run (11.1 M characters) gave about 20 bytes of HTML
# per character (3 for the UTF-8 text, the rest displaCy's marks, topic chips and the paragraph markup), so a page of
# 600,000 characters is 11-12.5 MB (19 pages, the largest 12.5 MB): under the 20 MB a browser still opens quickly.
PAGE_CHARS = 600_000
# Programmes charted over time in the report (the most mentioned ones).
TIMELINE_TOP = 10
TIMELINE_SIZE = (720, 96)  # SVG width and height in pixels


@dataclass
class Programme:
    """One governance programme of the catalogue: its mentions and the paragraphs they are in."""

    name: str
    linked: bool
    anchor: str = ""
    mentions: int = 0
    surfaces: Counter = field(default_factory=Counter)
    units: dict[str, str] = field(default_factory=dict)  # link to the unit (page#anchor) -> short unit name, in order
    documents: set[str] = field(default_factory=set)


@dataclass
class Curve:
    """Named series of (x, y) points, and the keys the x and y values came from (in first-seen order)."""

    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    x_keys: dict[str, None] = field(default_factory=dict)
    y_keys: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True)
class Chart:
    """A figure of the report: written as ``{stem}-{name}.png`` and inlined in the page."""

    name: str
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def write_report(run_dir: Path, output: Path | None = None, page_chars: int = PAGE_CHARS) -> Path:
    """Write the HTML report of the run in ``run_dir`` and its PNG figures beside it; return the HTML's path.

    ``output`` is the ``.html`` file to write, or else a folder to write ``report.html`` in (default: ``run_dir``).
    A run of more than ``page_chars`` characters gets its documents on pages beside it (``{stem}-documents-NNN.html``).
    """
    run_dir = Path(run_dir)
    output = Path(output) if output is not None else run_dir
    output = output if output.suffix.lower() in (".html", ".htm") else output / "report.html"
    manifest = read_manifest(run_dir / "manifest.json")
    records = list(read_records(run_dir / "annotated.jsonl"))
    pages = document_pages(records, page_chars, output.stem)
    unit_page = {record["id"]: page["file"] for page in pages for record in page["records"]}
    programmes = programme_catalogue(records, lambda record: f"{unit_page[record['id']]}#{anchor(record['id'])}")
    timeline = programme_timeline(build(records, LexiconIndex(load_lexicon(run_lexicon(run_dir)))).entries, unit_page)
    models = model_cards(manifest)
    distributions = [
        bar_chart("entities", "Entities per label", count_labels(records), LABEL_COLORS, "entities"),
        bar_chart("topics", "Paragraphs per topic", count_topics(records), TOPIC_COLORS, "paragraphs"),
    ]
    for model in models:
        model["chart"] = curve_chart(f"{model['key']}-learning-curve", f"Learning curve: {model['key']}",
                                     model["curve"]) if model["curve"].series else None
    common = dict(
        labels=[(label, LABEL_COLORS.get(label, OTHER_COLOR)) for label in label_order(count_labels(records))],
        topic_colors=TOPIC_COLORS,
        index=output.name,
        pages=[{key: page[key] for key in ("file", "first", "last", "documents", "chars")} for page in pages if page["file"]],
        title=f"Run report: {Path(manifest.get('output_dir', run_dir)).name}",
    )
    page = render_page(
        part="index",
        manifest=manifest,
        manifest_rows=manifest_brief(manifest),
        charts=distributions,
        programmes=programmes,
        timeline=timeline,
        models=models,
        documents=list(group_documents(pages[0]["records"], programmes)) if not pages[0]["file"] else [],
        stem=output.stem,
        **common,
    )
    for chart in distributions + [m["chart"] for m in models if m["chart"]]:
        with atomic_writer(output.parent / f"{output.stem}-{chart.name}.png", "wb", encoding=None) as f:
            f.write(chart.png)
    for number, documents in enumerate(pages, start=1):
        if documents["file"]:
            with atomic_writer(output.parent / documents["file"]) as f:
                f.write(render_page(part="documents", page_number=number,
                                    documents=group_documents(documents["records"], programmes, output.name), **common))
    with atomic_writer(output) as f:
        f.write(page)
    return output


def document_pages(records: list[dict[str, Any]], page_chars: int, stem: str) -> list[dict[str, Any]]:
    """The records cut into pages of whole documents of about ``page_chars`` characters of text each: one
    page with no file of its own (the documents stay in the report) when they all fit on one."""
    pages: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    size, last_doc = 0, None
    for record in records:
        doc = record.get("doc_id", record["id"])
        if doc != last_doc and current and size >= page_chars:
            pages.append({"records": current, "chars": size})
            current, size = [], 0
        current.append(record)
        size += len(record["text"])
        last_doc = doc
    pages.append({"records": current, "chars": size})
    for number, page in enumerate(pages, start=1):
        page["file"] = f"{stem}-documents-{number:03d}.html" if len(pages) > 1 else ""
        page["first"] = str(page["records"][0].get("doc_id", page["records"][0]["id"])) if page["records"] else ""
        page["last"] = str(page["records"][-1].get("doc_id", page["records"][-1]["id"])) if page["records"] else ""
        page["documents"] = len({str(r.get("doc_id", r["id"])) for r in page["records"]})
    return pages


def programme_timeline(entries: list[Entry], unit_page: dict[str, str]) -> dict[str, Any]:
    """The programmes over time: an SVG chart of mentions per month of the ``TIMELINE_TOP`` most mentioned
    ones (with their example contexts, linked to their units) and the names first seen in each month."""
    months = sorted({p for e in entries for p in e.mentions if p != UNDATED}, key=period_order)
    charted = []
    for entry in entries[:TIMELINE_TOP]:
        examples = [{**ex, "href": f"{unit_page[ex['unit']]}#{anchor(ex['unit'])}"} for ex in entry.examples]
        charted.append({"entry": entry, "svg": timeline_svg(entry.name, [entry.mentions.get(m, 0) for m in months], months),
                        "examples": examples})
    first: dict[str, list[Entry]] = {}
    for entry in entries:
        first.setdefault(entry.first_seen[:7] if entry.first_seen else UNDATED, []).append(entry)
    return {"months": months, "charted": charted, "undated": sum(e.mentions.get(UNDATED, 0) for e in entries),
            "first_seen": sorted(first.items(), key=lambda kv: period_order(kv[0]))}


def timeline_svg(name: str, counts: list[int], months: list[str]) -> str:
    """Bars of mentions per month as inline SVG (the browser draws the Chinese name, no font needed here);
    each bar's tooltip gives its month and count."""
    width, height = TIMELINE_SIZE
    left, bottom, top = 34, 16, 6
    peak = max(counts, default=0) or 1
    step = (width - left) / max(len(counts), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{html.escape(name)}: mentions per month">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end" fill="#666">{peak}</text>']
    for i, (count, month) in enumerate(zip(counts, months)):
        if count:
            bar = (height - bottom - top) * count / peak
            parts.append(f'<rect x="{left + i * step + step * 0.1:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.8:.1f}" '
                         f'height="{bar:.1f}" fill="{LABEL_COLORS["PROGRAM"]}" stroke="#b8860b" stroke-width="0.5">'
                         f'<title>{month}: {count}</title></rect>')
    for i, month in enumerate(months):
        if i == 0 or month.endswith("-01"):  # a label at the start and at each new year
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 3}" font-size="10" fill="#666">{month}</text>')
    parts.append("</svg>")
    return "".join(parts)


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{path}: manifest not found; give the output folder of `python -m pipeline run`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{path}:{error.lineno}: not valid JSON ({error.msg}); re-run the pipeline") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: not a run manifest (expected a JSON object); re-run the pipeline")
    return manifest


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The export records of ``annotated.jsonl``, checked for the fields the report uses."""
    for n, record in jsonl.read_jsonl(path, missing="annotated.jsonl not found; give the output folder of `python -m pipeline run`"):
        if not isinstance(record.get("text"), str) or "id" not in record:
            raise UserError(f"{path}:{n}: not an export record (needs 'id' and 'text'); re-run the pipeline")
        for key in ("entities", "entity_links"):
            if not all(is_span(span, len(record["text"])) for span in record.get(key, [])):
                raise UserError(f"{path}:{n}: '{key}' needs [start, end, name] items inside the text; re-run the pipeline")
        yield record


def is_span(span: Any, length: int) -> bool:
    return (isinstance(span, list) and len(span) >= 3 and all(isinstance(x, int) for x in span[:2])
            and 0 <= span[0] < span[1] <= length and isinstance(span[2], str))


def anchor(unit_id: str) -> str:
    """The HTML id of a unit's paragraph in the page (percent-encoded: an id has no spaces)."""
    return "u-" + quote(str(unit_id), safe=":_-.~")


def canonical_names(record: dict[str, Any]) -> dict[tuple[int, int], str]:
    return {(link[0], link[1]): link[2] for link in record.get("entity_links", [])}


def programme_key(surface: str, canonical: str | None) -> tuple[str, bool]:
    """A programme is known by its canonical name, or by its text when it is not in the lexicon."""
    return (canonical, True) if canonical is not None else (surface, False)


def programme_catalogue(records: Iterable[dict[str, Any]], href: Any = None) -> list[Programme]:
    """PROGRAM entities grouped by canonical name (by surface form when not in the lexicon), most mentioned first;
    ``href(record)`` is the link to a record's paragraph (default: its anchor on the same page)."""
    href = href or (lambda record: "#" + anchor(record["id"]))
    found: dict[tuple[str, bool], Programme] = {}
    for record in records:
        links = canonical_names(record)
        for start, end, label, *_ in record.get("entities", []):
            if label != "PROGRAM":
                continue
            surface = record["text"][start:end]
            key = programme_key(surface, links.get((start, end)))
            programme = found.setdefault(key, Programme(name=key[0], linked=key[1]))
            programme.mentions += 1
            programme.surfaces[surface] += 1
            programme.units.setdefault(href(record), short_unit_name(record))
            programme.documents.add(record.get("doc_id", record["id"]))
    programmes = sorted(found.values(), key=lambda p: (-p.mentions, not p.linked, p.name))
    for n, programme in enumerate(programmes, start=1):
        programme.anchor = f"programme-{n}"
    return programmes


def short_unit_name(record: dict[str, Any]) -> str:
    """``000 p3`` for unit ``000_fe018ba71f599853:a1:p3``: the document's prefix and the paragraph."""
    doc_id = str(record.get("doc_id", ""))
    unit = str(record["id"]).rsplit(":", 1)[-1]
    return f"{doc_id.split('_', 1)[0]} {unit}" if doc_id else unit


def render_entities(record: dict[str, Any], programme_anchors: dict[tuple[str, bool], str], index: str = "") -> str:
    """displaCy's entity markup of one record; PROGRAM marks link to their catalogue entry (in ``index``,
    the report's file, when the record is on a page of documents)."""
    links = canonical_names(record)
    ents = []
    for start, end, label, *_ in sorted(record.get("entities", []), key=lambda e: (e[0], e[1])):
        ent: dict[str, Any] = {"start": start, "end": end, "label": label}
        if label == "PROGRAM":
            surface = record["text"][start:end]
            key = programme_key(surface, links.get((start, end)))
            # displaCy shows kb_id as a link beside the label, unescaped: the canonical name when the text
            # differs from it, else an arrow up to the catalogue.
            ent["kb_id"] = html.escape(key[0]) if key[0] != surface else "↑"
            ent["kb_url"] = f"{index}#{programme_anchors[key]}"
        ents.append(ent)
    return displacy.render([{"text": record["text"], "ents": ents, "title": None}], style="ent", manual=True,
                           jupyter=False, options={"colors": LABEL_COLORS})


def group_documents(records: list[dict[str, Any]], programmes: list[Programme], index: str = "") -> Iterator[dict[str, Any]]:
    """Documents in run order, each with its articles' paragraphs rendered and its topic counts (``index``:
    the report's file, for the links back to it from a page of documents)."""
    anchors = {(p.name, p.linked): p.anchor for p in programmes}
    documents: dict[str, dict[str, Any]] = {}
    for record in records:
        doc_id = str(record.get("doc_id", record["id"]))
        doc = documents.setdefault(doc_id, {"id": doc_id, "file": record.get("source", {}).get("file", ""),
                                            "articles": {}, "topics": Counter(), "entities": 0})
        doc["articles"].setdefault(str(record.get("article_id", doc_id)), []).append({
            "anchor": anchor(record["id"]),
            "id": record["id"],
            "kind": record.get("kind", ""),
            "html": render_entities(record, anchors, index),
            "topics": [(t, record.get("cat_scores", {}).get(t)) for t in record.get("cats", [])],
        })
        doc["topics"].update(record.get("cats", []))
        doc["entities"] += len(record.get("entities", []))
    for doc in documents.values():
        doc["topics"] = sorted(doc["topics"].items(), key=lambda kv: (-kv[1], kv[0]))
        yield doc


def count_labels(records: Iterable[dict[str, Any]]) -> Counter:
    return Counter(e[2] for r in records for e in r.get("entities", []))


def count_topics(records: Iterable[dict[str, Any]]) -> Counter:
    return Counter(t for r in records for t in r.get("cats", []))


def label_order(counts: Counter) -> list[str]:
    """The known labels in their documented order, then any others alphabetically."""
    return [l for l in LABELS if l in counts] + sorted(l for l in counts if l not in LABELS)


def manifest_brief(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """The manifest's main facts as (name, value) rows; long lists go to the page's details."""
    counts = manifest.get("counts", {})
    total = manifest.get("timings", {}).get("total", {})
    rows = [
        ("command", manifest.get("command")),
        ("config", f"{manifest.get('config_file', '?')} (sha256 {str(manifest.get('config_sha256', ''))[:12]})"),
        ("inputs", f"{len(manifest.get('inputs', []))} file(s)"),
        ("output", manifest.get("output_dir")),
        ("counts", ", ".join(f"{counts[k]} {k}" for k in ("documents", "articles", "units", "characters", "entities")
                             if k in counts)),
        ("units by kind", ", ".join(f"{n} {k}" for k, n in counts.get("units_by_kind", {}).items())),
        ("models", ", ".join(f"{k} ({str(v)[:12]})" for k, v in manifest.get("models", {}).items())),
        ("seed", manifest.get("seed")),
        ("executor", ", ".join(f"{k} {v}" for k, v in manifest["executor"].items()) if manifest.get("executor") else None),
        ("resumed", manifest.get("resumed")),
        ("time", f"{total['seconds']:.1f} s ({total.get('chars_per_second')} chars/s)" if "seconds" in total else None),
        ("versions", ", ".join(f"{k} {v}" for k, v in manifest.get("versions", {}).items())),
        ("skipped inputs", len(manifest.get("skipped", [])) or None),
        ("warnings", len(manifest.get("warnings", [])) or None),
    ]
    rows += [(k, manifest[k]) for k in ("started", "finished", "created") if k in manifest]
    return [(k, str(v)) for k, v in rows if v not in (None, "")]


def model_cards(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The cards of the model folders the run loaded (``[paths]`` entries hashed in the manifest's ``models``)."""
    try:
        paths = Config().from_str(manifest.get("config", ""), interpolate=False).get("paths", {})
    except Exception:  # an unreadable config string only means no model section
        return []
    models = []
    for key in manifest.get("models", {}):
        folder = Path(paths[key]) if isinstance(paths.get(key), str) else None
        if folder is None or not folder.is_dir():
            continue
        files = [folder / n for n in CARD_FILES if (folder / n).is_file()]
        if not files and (folder / SPACY_META).is_file():
            files = [folder / SPACY_META]
        if not files:
            continue
        cards = [(f, read_card(f)) for f in files]
        curve = next((c["learning_curve"] for _, c in cards if "learning_curve" in c), None)
        models.append({"key": key, "folder": folder.as_posix(), "cards": [card_view(f, c) for f, c in cards],
                       "curve": curve_series(curve), "curve_table": curve_table(curve)})
    return models


def read_card(path: Path) -> dict[str, Any]:
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{path}:{error.lineno}: model card is not valid JSON ({error.msg}); retrain or fix it") from None
    if not isinstance(card, dict):
        raise UserError(f"{path}: model card is not a JSON object; retrain or fix it")
    return card


def card_view(path: Path, card: dict[str, Any]) -> dict[str, Any]:
    """A card file as the page shows it: its short facts, then one block of score tables per section."""
    return {
        "file": path.name,
        "facts": facts(card),
        "sections": [{"name": key, "facts": facts(value, numbers=False), "tables": score_tables(value)}
                     for key, value in card.items() if isinstance(value, dict) and key != "learning_curve"],
    }


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def facts(node: dict[str, Any], numbers: bool = True) -> list[tuple[str, str]]:
    """The short scalar entries of a card (long strings such as a whole config are left out)."""
    return [(k, str(v)) for k, v in node.items()
            if (isinstance(v, str) or numbers and is_number(v)) and len(str(v)) <= 200]


def is_systems(node: dict[str, Any]) -> bool:
    """Scores of systems side by side, as ``evaluate`` writes them: ``{name: {"micro": ..., "per_label": ...}}``."""
    return bool(node) and all(isinstance(v, dict) and isinstance(v.get("micro"), dict) for v in node.values())


def systems_table(systems: dict[str, dict[str, Any]], title: str) -> dict[str, Any]:
    """One row per label (then micro and macro), P/R/F of every system side by side."""
    labels = list(dict.fromkeys(l for s in systems.values() for l in s.get("per_label", {})))
    rows = []
    for label in [*labels, "micro", "macro"]:
        cells = []
        for scores in systems.values():
            score = scores.get("per_label", {}).get(label) or scores.get(label) or {}
            cells += [fmt(score[k]) if is_number(score.get(k)) else "" for k in ("p", "r", "f")]
        rows.append((label, cells))
    columns = [f"{name} {k}" for name in systems for k in ("P", "R", "F1")]
    return {"title": title, "columns": columns, "rows": rows}


def score_tables(scores: dict[str, Any]) -> list[dict[str, Any]]:
    """Score tables of a nested score dict: systems side by side, and every other dict of numbers
    as a row, grouped into tables by their columns (e.g. micro/macro rows, then per-label rows)."""
    tables: list[dict[str, Any]] = []
    grouped: dict[tuple[str, ...], list[tuple[str, list[str]]]] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        if is_systems(node):
            tables.append(systems_table(node, " › ".join(path)))
            return
        numbers = {k: v for k, v in node.items() if is_number(v)}
        if numbers:
            grouped.setdefault(tuple(numbers), []).append((" › ".join(path) or "all", [fmt(v) for v in numbers.values()]))
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, (*path, str(key)))

    walk(scores, ())
    return tables + [{"title": "", "columns": list(columns), "rows": rows} for columns, rows in grouped.items()]


def fmt(value: float) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def curve_series(curve: Any) -> Curve:
    """A learning curve as named (x, y) series, with its axes named after the keys used.

    Accepted: a list of points such as ``pipeline.learning`` makes
    (``[{"curve": "random", "round": 1, "train": 120, "p": 0.8, "f1": 0.71}, ...]``) or
    ``[{"fraction": 0.25, "f1": 0.8}, ...]``, or a dict of named lists of points. The strings of a point
    name its series; x is the first of ``X_KEYS`` it has (else its first number); y is the first of
    ``SCORE_KEYS`` it has (else every other number, each a series).
    """
    groups = curve.items() if isinstance(curve, dict) else [("", curve)] if isinstance(curve, list) else []
    result = Curve()
    for group, points in groups:
        for point in points if isinstance(points, list) else []:
            numbers = {k: v for k, v in point.items() if is_number(v)} if isinstance(point, dict) else {}
            x_key = next((k for k in X_KEYS if k in numbers), next(iter(numbers), None))
            if x_key is None:
                continue
            y_keys = [k for k in SCORE_KEYS if k in numbers][:1] or [k for k in numbers if k not in (x_key, *X_KEYS)]
            name = " ".join([group, *(v for v in point.values() if isinstance(v, str))]).strip()
            result.x_keys.setdefault(x_key)
            for y_key in y_keys:
                label = f"{name}: {y_key}" if name and len(y_keys) > 1 else name or y_key
                result.series.setdefault(label, []).append((numbers[x_key], numbers[y_key]))
                result.y_keys.setdefault(y_key)
    return result


def curve_table(curve: Any) -> dict[str, Any] | None:
    """The points of a learning curve as a table (named lists of points get their name as first column)."""
    groups = curve.items() if isinstance(curve, dict) else [("", curve)] if isinstance(curve, list) else []
    points = [({"": group} if group else {}) | point for group, items in groups if isinstance(items, list)
              for point in items if isinstance(point, dict)]
    if not points:
        return None
    columns = list(dict.fromkeys(k for point in points for k in point))
    rows = [[fmt(point[c]) if is_number(point.get(c)) else str(point.get(c, "")) for c in columns] for point in points]
    return {"columns": columns, "rows": rows}


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without metadata so that the bytes only depend on what is drawn."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


def bar_chart(name: str, title: str, counts: Counter, colors: dict[str, str], unit: str) -> Chart:
    """Horizontal bars, one per key, largest on top, each with its count."""
    keys = sorted(counts, key=lambda k: (counts[k], k))
    figure = Figure(figsize=(6.4, 0.45 * max(len(keys), 1) + 1.0), layout="constrained")
    ax = figure.add_subplot()
    bars = ax.barh(keys, [counts[k] for k in keys], color=[colors.get(k, OTHER_COLOR) for k in keys],
                   edgecolor="#555555", linewidth=0.5)
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.set_title(title)
    ax.set_xlabel(unit)
    ax.margins(x=0.12)
    ax.spines[["top", "right"]].set_visible(False)
    return Chart(name, title, png(figure))


def curve_chart(name: str, title: str, curve: Curve) -> Chart:
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = figure.add_subplot()
    for label, points in curve.series.items():
        xs, ys = zip(*sorted(points))
        ax.plot(xs, ys, marker="o", label=label)
    ax.set_title(title)
    ax.set_xlabel(", ".join(curve.x_keys))
    ax.set_ylabel(", ".join(curve.y_keys))
    ax.grid(alpha=0.3)
    ax.legend()
    return Chart(name, title, png(figure))


def render_page(**context: Any) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html").render(**context)
