"""Training and gold data of the char NER: MSRA and CLUENER files, gold and stand-off records,
corrections; records (``text`` and ``[start, end, label]`` entities) to char docs and DocBins, and
the reader that gives them back to spaCy's training loop."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example, iob_to_biluo

from .. import jsonl
from ..standoff import read_standoff, resolve_standoff
from ..util import UserError, sha256_text
from .no_entity import no_entity_spans
from .rules import RUNTIME, apply
from .tokenizers import FEATURES

MSRA_LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
CLUENER_LABELS = {"name": "PERSON", "address": "LOC", "organization": "ORG", "government": "ORG", "company": "ORG"}


@spacy.registry.readers("governance.CharCorpus.v1")
def create_char_corpus(path: Path) -> Callable[[Language], Iterator[Example]]:
    """spaCy's ``Corpus`` for the char docs ``write_docbin`` saved: the predicted docs take the
    stored token features (written by hand because ``spacy.Corpus.v1`` would re-run the tokenizer,
    and so pkuseg, over the whole corpus every epoch), and a doc stored once for a repeated record
    comes as many times as the record did, as one ``Example`` (``Language.update`` copies the
    examples it is given, so the repeats never share a change)."""

    def read(nlp: Language) -> Iterator[Example]:
        if not Path(path).is_file():
            raise UserError(f"training corpus not found: {path}")
        for reference in DocBin().from_disk(path).get_docs(nlp.vocab):
            predicted = Doc(nlp.vocab, words=[t.text for t in reference], spaces=[bool(t.whitespace_) for t in reference])
            predicted.from_array(FEATURES, reference.to_array(FEATURES))
            example = Example(predicted, reference)
            for _ in range(reference.user_data.pop(REPEAT, 1)):
                yield example

    return read


def msra_records(path: Path) -> Iterator[dict]:
    """MSRA BIO file (one ``char<TAB>tag`` a line, blank line between sentences) -> records."""
    opener = gzip.open if str(path).endswith(".gz") else open
    chars: list[str] = []
    tags: list[str] = []

    def record() -> dict:
        text = "".join(chars)
        biluo = iob_to_biluo(tags)
        spans = []
        start = None
        for i, tag in enumerate(biluo):
            if tag[0] in "BU":
                start = i
            if tag[0] in "LU" and start is not None:
                spans.append([start, i + 1, MSRA_LABELS[tag[2:]]])
                start = None
        return {"id": "msra:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16], "text": text, "entities": spans}

    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                if chars:
                    yield record()
                chars, tags = [], []
                continue
            char, _, tag = line.partition("\t")
            chars.append(char)
            tags.append(tag or "O")
    if chars:
        yield record()


def cluener_records(path: Path, labels: dict[str, str] = CLUENER_LABELS) -> Iterator[dict]:
    """CLUENER2020 JSONL (inclusive end offsets) -> records; the types ``labels`` maps become our
    labels, the others ``missing`` (neither entity nor ``O``)."""
    for number, item in jsonl.read_jsonl(path):
        entities, missing = [], []
        for kind, surfaces in item.get("label", {}).items():
            for spans in surfaces.values():
                for start, end in spans:
                    if kind in labels:
                        entities.append([start, end + 1, labels[kind]])
                    else:
                        missing.append([start, end + 1])
        # ids count lines from 0, as they did when models/ner was trained
        yield {"id": f"cluener:{Path(path).stem}:{number - 1}", "text": item["text"], "entities": entities, "missing": missing}


def in_dev_split(record_id: str, share: float) -> bool:
    """Stable dev/train assignment from a hash of the record id."""
    return int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF < share


MSRA_BLOCK = 1000  # sentences per block of the "blocks" dev split
MSRA_SPLITS = ("blocks", "hash")


def normalised(text: str) -> str:
    """Text without punctuation and spaces, every run of digits or numerals as 0: near-duplicate
    sentences (the same report with another date or figure) become equal."""
    return re.sub(r"[0-9０-９一二三四五六七八九十百千万零〇]+", "0", re.sub(r"[\W_]+", "", text))


def msra_split(records: Sequence[dict], share: float, method: str = "blocks") -> tuple[list[dict], list[dict]]:
    """(train, dev) of the MSRA records.

    ``hash`` puts each sentence in dev by a hash of its text. MSRA's sentences come in article
    order, so that split scatters the sentences of one article over both sides: 84 % of the dev
    entity surfaces then also occur in train (only 24 of its 2,561 sentences have a near-duplicate
    there), and the dev score (0.924) overstated the official test score (0.849) by 7.5 points.
    ``blocks`` takes every ``1/share``-th block of 1,000 consecutive sentences as dev (70 % of its
    entity surfaces occur in train, closer to a new text's) and moves the dev sentences whose
    normalised text (``normalised``) also occurs in train over to train."""
    if method not in MSRA_SPLITS:
        raise UserError(f"[data] msra_dev_split must be one of {', '.join(MSRA_SPLITS)}, not {method!r}")
    if method == "hash":
        return ([r for r in records if not in_dev_split(r["id"], share)],
                [r for r in records if in_dev_split(r["id"], share)])
    every = max(2, round(1 / share))
    block = min(MSRA_BLOCK, max(1, len(records) // (every * 10)))  # small files still get ten dev blocks
    in_dev = [(i // block) % every == every // 2 for i in range(len(records))]
    train = [r for r, dev in zip(records, in_dev) if not dev]
    seen = {normalised(r["text"]) for r in train}
    dev = []
    for r in (r for r, dev in zip(records, in_dev) if dev):
        (train if normalised(r["text"]) in seen else dev).append(r)
    return train, dev


# Numbered party congresses are ORG in MSRA (十五大, 中共十五大) and EVENT under the guidelines (C13).
MSRA_CONGRESS = re.compile(r"(?:中共)?[一二三四五六七八九十]+大")


def follow_guidelines(record: dict) -> dict:
    """A record of MSRA or CLUENER under our conventions: the congresses they tag ORG become EVENT,
    and what the precise labelling functions (``rules.RUNTIME``) find where they have no entity
    (titles of laws and documents, numbered sessions, decisions: labels these corpora lack) becomes
    missing, so that the model is not taught that 《刑法》 or 党的十五大 is no entity."""
    text = record["text"]
    # entities inside doctrines and set phrases are none (C9, C10, C19: 邓小平 in 邓小平理论, 中 in 中方)
    no_entity = list(no_entity_spans(text))
    entities = [[s, e, "EVENT" if label == "ORG" and MSRA_CONGRESS.fullmatch(text[s:e]) else label]
                for s, e, label in record["entities"] if not any(a <= s and e <= b for a, b in no_entity)]
    taken = bytearray(len(text))
    for s, e, _ in entities:
        taken[s:e] = b"\x01" * (e - s)
    missing = list(record.get("missing", []))
    missing += [[s, e] for s, e, _ in apply(text, RUNTIME) if not any(taken[s:e])]
    return {**record, "entities": entities, "missing": missing}


def record_to_doc(nlp: Language, record: dict) -> Doc:
    """A char doc with the record's entities (and ``missing`` spans) set; spans are char offsets."""
    doc = nlp.make_doc(record["text"])
    ents = [doc.char_span(s, e, label=label) for s, e, label in record["entities"]]
    missing = [doc.char_span(s, e) for s, e in record.get("missing", [])]
    if any(span is None for span in ents + missing):
        raise UserError(f"{record['id']}: an entity does not fall on characters (whitespace edge?)")
    ents = spacy.util.filter_spans(ents)
    taken = {i for span in ents for i in range(span.start, span.end)}
    missing = [span for span in missing if not taken.intersection(range(span.start, span.end))]
    # a partly annotated (silver) record says nothing about the characters outside its spans
    doc.set_ents(ents, missing=spacy.util.filter_spans(missing), default="missing" if record.get("partial") else "outside")
    return doc


class CharDocs:
    """The char docs of records, each record converted once: remembered by its content, since the
    gold is repeated ([data] gold_repeat) and the base, the folds and the final model of a release
    share all their records but a few seed paragraphs. Converting means cutting the text with pkuseg
    (about 50,000 characters a second): about 5 minutes for each run's corpus on its own; through one store,
    the six fold and final corpora of the 2026-12-03 release (fifth session) took 1.4 minutes each."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self._docs: dict[str, Doc] = {}

    @staticmethod
    def key(record: dict) -> str:
        return sha256_text(json.dumps(record, sort_keys=True, ensure_ascii=False))

    def __call__(self, record: dict) -> Doc:
        key = self.key(record)
        if key not in self._docs:
            self._docs[key] = record_to_doc(self.nlp, record)
        return self._docs[key]


# How many times a record comes in a corpus, in the user data of its one stored doc
REPEAT = "repeat"


def write_docbin(nlp: Language, records: Iterable[dict], path: Path, docs: CharDocs | None = None) -> int:
    """Convert records to char docs (through ``docs``, which must hold docs of ``nlp``'s tokenizer,
    or a fresh ``CharDocs``) and save them as a DocBin, each distinct record once, in the order it
    first comes, with the number of times it comes; return the number of records. Why once: the gold
    is repeated 8 times in a release's fine-tune, and spaCy's loop holds every example of the corpus:
    on the gold of the forty-sixth round each continuation held 12 GB with a doc per repeat, the two
    trained side by side more than the 24 GiB here (one was killed for memory on 2026-12-05)."""
    docs = docs or CharDocs(nlp)
    repeats: Counter[str] = Counter()
    first: dict[str, dict] = {}
    for record in records:
        key = CharDocs.key(record)
        first.setdefault(key, record)
        repeats[key] += 1
    db = DocBin(attrs=["ORTH", "NORM", "LEMMA", "ENT_IOB", "ENT_TYPE"], store_user_data=True)
    for key, record in first.items():
        doc = docs(record)  # kept in ``docs`` for other corpora: the count is set only while the DocBin copies it
        doc.user_data[REPEAT] = repeats[key]
        try:
            db.add(doc)
        finally:
            del doc.user_data[REPEAT]
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return repeats.total()


def gold_records(path: Path, data_dir: Path | None = None) -> list[dict]:
    """Records of a gold file: the export format (``text``/``entities``) or stand-off lines
    (resolved against ``data_dir``, default ../shared/data)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"gold file not found: {path}")
    first = jsonl.first_record(path)
    if "text_sha256" in first and "text" not in first:
        return list(resolve_standoff(path, data_dir))
    return jsonl.records(path)


def correction_records(folder: Path, data_dir: Path | None = None, heldout: Iterable[dict] = ()) -> list[dict]:
    """The people's corrections pulled from doccano (stand-off ``*.jsonl`` under ``folder``, written by
    ``python -m pipeline corrections``), resolved against ``data_dir``; a correction of a paragraph
    among ``heldout`` is refused (it would leak the held-out gold into training)."""
    records = [r for path in sorted(Path(folder).glob("*.jsonl")) for r in gold_records(path, data_dir)]
    leaked = sorted({r["id"] for r in records} & {r["id"] for r in heldout})
    if leaked:
        raise UserError(f"{folder}: corrections of held-out paragraphs: {', '.join(leaked[:5])}; remove them before training")
    return records



STORY_FILES = "unlabelled/xinwenlianbo"


def story_paragraphs(data_dir: Path, years: Iterable[int]) -> Iterator[tuple[str, str]]:
    """(``xwlb:STORY:pN`` id, text) of every paragraph of the 新闻联播 story files of ``years``."""
    for year in years:
        path = Path(data_dir) / STORY_FILES / f"{year}.jsonl.gz"
        if not path.is_file():
            raise UserError(f"{path}: story file not found (is ../shared/data present?)")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for story in map(json.loads, handle):
                for i, text in enumerate(story["paragraphs"]):
                    yield f"xwlb:{story['id']}:p{i}", text


def held_out_texts(standoff: Path | None) -> set[str]:
    """The sha256 of the text of every held-out paragraph of a stand-off gold file: no training
    record, dev record, silver record or vector text may have one."""
    if not standoff or not Path(standoff).is_file():
        return set()
    return {r["text_sha256"] for r in read_standoff(Path(standoff)) if r.get("split") == "heldout"}


def silver_records(data_dir: Path, years: Iterable[int], limit: int, exclude: set[str],
                   names: Callable[[str], Iterable[tuple[int, int, str]]] | None = None) -> Iterator[dict]:
    """Partly annotated records of unlabelled 新闻联播 paragraphs of ``years`` (never the held-out
    year): the spans of the precise labelling functions (``rules.RUNTIME``) and, given ``names`` (the
    lexicon's, ``rules.lexicon_names``), the names outside them, as at run time where a rule span
    replaces the lexicon's names inside it; everything else missing. At most ``limit`` paragraphs with
    a span, in corpus order, none whose text hash is in ``exclude``."""
    kept = 0
    for record_id, text in story_paragraphs(data_dir, years):
        if kept >= limit:
            return
        if sha256_text(text) in exclude or text != text.strip():
            continue
        spans = apply(text, RUNTIME)
        if names:
            taken = bytearray(len(text))
            for s, e, _ in spans:
                taken[s:e] = b"\x01" * (e - s)
            spans = sorted(spans + [(s, e, label) for s, e, label in names(text) if not any(taken[s:e])])
        if spans:
            kept += 1
            yield {"id": f"silver:{record_id}", "text": text, "entities": [list(s) for s in spans], "partial": True}


def document_of(record: dict) -> str:
    """The document a gold record belongs to (``doc_id``, or its id up to the first colon)."""
    return record.get("doc_id") or record["id"].split(":")[0]
