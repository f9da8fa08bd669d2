"""Stage 2: repair newspaper layout and split a page into articles and paragraphs.

Cleaning only deletes characters (line breaks, page-jump markers, bullets, markup) and never
invents any, so every character of a unit maps back to one character of its source file. The map
is kept as runs ``[text_start, source_start, length]`` in ``unit["source"]["offsets"]``.

The rules follow what the seed pages show: narrow columns break lines mid-sentence (and sometimes
across a blank line), page-jump markers such as （下转4-5版） end an article on this page, bylines
(本报记者 …, 通讯员 …) and photo credits (… 摄) stand on lines of their own, data boxes (数说五年, ■
items, bare figures) sit beside the articles, and a new article starts where a headline is followed
by a byline or follows a jump marker or a photo credit.
"""
from __future__ import annotations

import datetime
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from spacy.util import registry

Run = list[int]  # [text_start, source_start, length]

# Page-jump markers: （下转4-5版） (上接1版) （转第3版） (紧接第2版)
MARKER = re.compile(r"[（(]\s*(?:下转|上接|接上|转|接|紧接|续)\s*第?\s*[\d０-９一二三四五六七八九十]+(?:\s*[-－—~～、,，]\s*[\d０-９一二三四五六七八九十]+)*\s*版\s*[)）]")
# Bold/emphasis markup left by page extraction: **6.3**
MARKUP = re.compile(r"\*\*")
BULLET = re.compile(r"^(?:[■□●○◆◇▲△▶►★☆•·]\s*)+")
STAFF = r"(?:本报|本刊|[\u4e00-\u9fff]{2,6}(?:日报|晚报|时报|报|社|台|网))?\s*(?:首席|特约|见习|实习)?\s*(?:记者|通讯员|摄影记者|特约撰稿人)"
BYLINE = re.compile(rf"^(?:{STAFF})(?:\s+[\u4e00-\u9fff·]{{2,5}})+(?:\s+(?:{STAFF})(?:\s+[\u4e00-\u9fff·]{{2,5}})+)*$")
CREDIT = re.compile(rf"^(?:(?:{STAFF})\s*)?(?:[\u4e00-\u9fff·]{{2,5}}\s+)+摄$|^(?:(?:{STAFF})\s*)?[\u4e00-\u9fff·]{{2,5}}\s*摄$")
SENTENCE_PUNCT = re.compile(r"[，,。；;：:！!？?]")
TERMINAL = "。！？!?…；;"
CLOSERS = "”’」』)）】》\"'"
HEADLINE_MAX = 80
TEXT_KINDS = ("text", "headline")
# spaCy's default nlp.max_length: the tokenizer refuses longer texts (error E088).
MAX_CHARS = 1_000_000
# A news agency's dateline: 本报北京1月5日电, 新华社北京2025年1月5日电, 本报讯(2025年1月5日); the place is
# up to 12 characters. Looked for only near the top of a page (DATELINE_WINDOW characters), where it stands.
DATELINE = re.compile(r"(?:本报|本刊|新华社|中新社|中新网|人民网|新华网|央视网消息|[\u4e00-\u9fff]{2,6}(?:日报|晚报|时报)讯?)"
                      r"[^\s，。：:；]{0,12}?(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:电|讯)")
DATELINE_WINDOW = 400


@dataclass
class Line:
    """A non-blank line of the source, stripped, as (source start, text) pieces after deletions."""

    pieces: list[tuple[int, str]]
    blank_before: bool
    kind: str = "text"  # text | headline | byline | credit | bullet | marker

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)


@dataclass
class Block:
    kind: str
    pieces: list[tuple[int, str]] = field(default_factory=list)
    starts_article: bool = False
    size: int = 0

    def __post_init__(self) -> None:
        self.size = sum(len(t) for _, t in self.pieces)

    def add(self, line: Line, max_chars: int) -> bool:
        """Append a line unless the paragraph would grow past ``max_chars``; whether it did."""
        size = sum(len(t) for _, t in line.pieces)
        if self.size + size > max_chars:
            return False
        self.pieces.extend(line.pieces)
        self.size += size
        return True

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)

    def tail(self) -> str:
        """The end of the text from its last character that is not closing punctuation: all that
        ``_is_closed`` looks at (joining every piece for every line would make cleaning quadratic)."""
        tail = ""
        for _, text in reversed(self.pieces):
            tail = text + tail
            if tail.rstrip().strip(TERMINAL + CLOSERS):
                break
        return tail


def _delete(pieces: list[tuple[int, str]], pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """Remove every match of ``pattern`` from the text of the pieces (a match may span pieces),
    keeping source offsets right."""
    cuts = [m.span() for m in pattern.finditer("".join(t for _, t in pieces)) if m.end() > m.start()]
    if not cuts:
        return pieces
    out: list[tuple[int, str]] = []
    pos, c = 0, 0  # text offset of the current piece; the first cut not wholly before it
    for start, text in pieces:
        end, i = pos + len(text), pos
        while i < end:
            while c < len(cuts) and cuts[c][1] <= i:
                c += 1
            if c < len(cuts) and cuts[c][0] <= i:
                i = min(end, cuts[c][1])
                continue
            stop = min(end, cuts[c][0]) if c < len(cuts) else end
            out.append((start + i - pos, text[i - pos : stop - pos]))
            i = stop
        pos = end
    return out


def _strip(pieces: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Strip white space (including U+3000) at both ends of a piece list."""
    lo, hi = 0, len(pieces)
    while lo < hi and not pieces[lo][1].strip():
        lo += 1
    while hi > lo and not pieces[hi - 1][1].strip():
        hi -= 1
    if lo == hi:
        return []
    pieces = pieces[lo:hi]
    start, text = pieces[0]
    lead = len(text) - len(text.lstrip())
    pieces[0] = (start + lead, text[lead:])
    start, text = pieces[-1]
    pieces[-1] = (start, text.rstrip())
    return pieces


def _normalize(pieces: list[tuple[int, str]], bullets: bool = False) -> list[tuple[int, str]]:
    """Delete page-jump markers and markup (and leading bullets) until none is left, since one
    deletion can bring together the halves of another: cleaning clean text changes nothing."""
    size = -1
    while size != sum(len(t) for _, t in pieces):
        size = sum(len(t) for _, t in pieces)
        pieces = _strip(_delete(_delete(pieces, MARKER), MARKUP))
        if bullets:
            pieces = _strip(_delete(pieces, BULLET))
    return pieces


def split_lines(text: str) -> Iterator[Line]:
    """Yield the non-blank lines with their source offsets, markers and markup removed."""
    blank = True
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e")
        pieces = _strip([(pos, content)])
        pos += len(raw)
        if not pieces:
            blank = True
            continue
        if MARKER.fullmatch(content.strip()):
            yield Line(pieces, blank, kind="marker")
            blank = False
            continue
        pieces = _normalize(pieces)
        if not pieces:
            continue
        line = Line(pieces, blank)
        line.kind = _classify(line.text)
        if line.kind == "bullet":
            line.pieces = _normalize(line.pieces, bullets=True)
            if not line.pieces:
                continue
        yield line
        blank = False


def _classify(text: str) -> str:
    if BULLET.match(text):
        return "bullet"
    if len(text) <= 40 and CREDIT.match(text):
        return "credit"
    if len(text) <= 60 and BYLINE.match(text):
        return "byline"
    if len(text) <= HEADLINE_MAX and not SENTENCE_PUNCT.search(text) and not _is_closed(text):
        return "headline"
    return "text"


def _is_closed(text: str) -> bool:
    """Whether a paragraph ends a sentence (a closing quote after 。 also ends it)."""
    text = text.rstrip()
    while text and text[-1] in CLOSERS and len(text) > 1 and text[-2] in TERMINAL + CLOSERS:
        text = text[:-1]
    return bool(text) and text[-1] in TERMINAL


def _column_widths(lines: list[Line]) -> list[int]:
    """For each line, the typical (median) length of the lines in its column: the run of text lines
    without a blank line between them. Computed once per page so that cleaning stays linear."""
    widths: list[int] = []
    column: list[int] = []
    for i, line in enumerate(lines):
        if column and (line.blank_before or line.kind not in TEXT_KINDS or lines[i - 1].kind not in TEXT_KINDS):
            widths += [int(statistics.median(column))] * len(column)
            column = []
        column.append(len(line.text))
    widths += [int(statistics.median(column))] * len(column) if column else []
    return widths


def _unmark_column_headlines(lines: list[Line]) -> None:
    """Three or more lines in a row without a blank line are a narrow column, not headlines."""
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and not lines[j].blank_before and lines[j].kind in TEXT_KINDS:
            j += 1
        if lines[i].kind in TEXT_KINDS and j - i >= 3:
            for line in lines[i:j]:
                line.kind = "text"
        i = j


def _blocks(lines: list[Line], max_chars: int) -> Iterator[Block]:
    """Join broken lines into paragraphs of at most ``max_chars`` and label each block with its kind."""
    _unmark_column_headlines(lines)
    widths = _column_widths(lines)
    current: Block | None = None
    new_article = True
    for i, line in enumerate(lines):
        if line.kind == "marker":
            if current:
                yield current
                current = None
            new_article = not re.search(r"上接|接上|紧接|续", line.text)
            continue
        joinable = (
            current is not None
            and current.kind == "body"
            and line.kind in TEXT_KINDS
            and not (line.kind == "headline" and line.blank_before)
        )
        tail = current.tail() if current is not None else ""
        opens_list = line.blank_before and tail.endswith((":", "："))
        if joinable and not opens_list and not _is_closed(tail) and current.add(line, max_chars):
            continue
        if (joinable and not line.blank_before and len(lines[i - 1].text) >= widths[i - 1] > 8
                and current.add(line, max_chars)):
            continue  # a sentence that happens to end at the edge of a narrow column
        kind = {"text": "body", "bullet": "databox"}.get(line.kind, line.kind)
        if (kind == "headline" and current is not None and current.kind == "headline" and not line.blank_before
                and current.add(line, max_chars)):
            continue
        if current:
            yield current
        current = Block(kind, list(line.pieces), starts_article=new_article)
        new_article = False
    if current:
        yield current


def _mark_databoxes(blocks: list[Block]) -> None:
    """Short headline-like blocks in a run of ■ items belong to the data box."""
    for i, block in enumerate(blocks):
        if block.kind != "databox":
            continue
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(blocks) and blocks[j].kind in ("headline", "byline"):
                blocks[j].kind = "databox"
                j += step


def _mark_captions(blocks: list[Block]) -> None:
    """A photo credit (… 摄) closes a caption: the paragraphs just before it, and their headline
    (which then starts an article of its own)."""
    for i, block in enumerate(blocks):
        if block.kind != "credit":
            continue
        j = i - 1
        while j >= 0 and i - j <= 2 and blocks[j].kind == "body":
            blocks[j].kind = "caption"
            j -= 1
        if j >= 0 and blocks[j].kind == "headline" and j < i - 1:
            blocks[j].starts_article = True


def _articles(blocks: list[Block]) -> list[list[Block]]:
    """Group blocks into articles."""
    _mark_captions(blocks)
    articles: list[list[Block]] = []
    for i, block in enumerate(blocks):
        prev = blocks[i - 1] if i else None
        nxt = next((b for b in blocks[i + 1 : i + 4] if b.kind != "headline"), None)
        starts = (
            not articles
            or block.starts_article
            or (prev is not None and prev.kind == "credit")
            or (block.kind == "databox" and prev is not None and prev.kind != "databox")
            or (block.kind != "databox" and prev is not None and prev.kind == "databox")
            or (
                block.kind == "headline"
                and prev is not None
                and prev.kind not in ("headline",)
                and nxt is not None
                and nxt.kind == "byline"
            )
        )
        if starts:
            articles.append([])
            if block.kind == "body" and len(block.text) <= 40 and nxt is not None and nxt.kind == "byline":
                block.kind = "headline"  # a headline that ends with ！ or ？
        articles[-1].append(block)
    return articles


def _runs(pieces: list[tuple[int, str]]) -> list[Run]:
    runs: list[Run] = []
    t = 0
    for start, text in pieces:
        if runs and runs[-1][1] + runs[-1][2] == start and runs[-1][0] + runs[-1][2] == t:
            runs[-1][2] += len(text)
        else:
            runs.append([t, start, len(text)])
        t += len(text)
    return runs


def clean_text(text: str, max_chars: int = MAX_CHARS) -> list[list[dict[str, Any]]]:
    """Clean one page: a list of articles, each a list of ``{"kind", "text", "offsets"}`` paragraphs.

    Broken lines are joined into paragraphs of at most ``max_chars`` characters (a longer line stays
    as it is: the reader skips pages with lines longer than spaCy's ``nlp.max_length``)."""
    blocks = []
    for block in _blocks(list(split_lines(text)), max_chars):
        block.pieces = _normalize(block.pieces, bullets=True)  # a marker or markup split over two lines
        if block.pieces:
            blocks.append(block)
    _mark_databoxes(blocks)
    return [
        [{"kind": b.kind, "text": b.text, "offsets": _runs(b.pieces)} for b in article]
        for article in _articles(blocks)
    ]


def dateline(text: str) -> tuple[str | None, str] | None:
    """The dateline near the top of a page: ``(ISO date or None when it gives no year, the dateline as
    written)``, or None when there is none (or its month and day do not make a date). A dateline
    without a year gives no date: the year of a page is never guessed."""
    match = DATELINE.search(text[:DATELINE_WINDOW])
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        date = datetime.date(int(year or 2000), int(month), int(day))  # 2000: a leap year, so 2月29日 is a day
    except ValueError:
        return None
    return (date.isoformat() if year else None), match.group(0)


def given_paragraphs(document: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The paragraphs a structured source already separates (a story record's title and paragraphs,
    ``document["paragraphs"]`` as ``[start, end, kind]`` spans of its text), as one article: no layout
    to repair, and joining a title without a full stop to the first paragraph would be wrong."""
    return [[{"kind": kind, "text": document["text"][start:end], "offsets": [[0, start, end - start]]}
             for start, end, kind in document["paragraphs"] if end > start]]


def clean_document(document: dict[str, Any], max_chars: int = MAX_CHARS) -> Iterator[dict[str, Any]]:
    """Yield the paragraph units of one document (see docs/architecture.md, "Unit"); a dated
    document's units carry its ``date``."""
    doc_id = document["doc_id"]
    articles = given_paragraphs(document) if document.get("paragraphs") else clean_text(document["text"], max_chars)
    dated = {"date": document["date"]} if document.get("date") else {}
    for a, article in enumerate(articles, start=1):
        article_id = f"{doc_id}:a{a}"
        for p, para in enumerate(article, start=1):
            yield {
                "id": f"{article_id}:p{p}",
                "doc_id": doc_id,
                "article_id": article_id,
                "kind": para["kind"],
                **dated,
                "text": para["text"],
                "source": {"file": document["path"], "sha256": document["sha256"], "offsets": para["offsets"]},
            }


@registry.misc("pipeline.newspaper_cleaner.v1")
def newspaper_cleaner(max_chars: int = MAX_CHARS) -> Callable[[Iterable[dict[str, Any]]], Iterator[dict[str, Any]]]:
    """The cleaning stage: documents in, paragraph units out; joined lines make paragraphs of at most
    ``max_chars`` characters (spaCy's ``nlp.max_length`` refuses longer texts)."""

    def clean(documents: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for document in documents:
            yield from clean_document(document, max_chars)

    return clean
