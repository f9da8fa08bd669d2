"""Statistical NER on characters (issue 3): data conversion, the ``governance_ner`` component,
training and evaluation.

The model is a small spaCy pipeline of its own (the "char pipeline"): a character tokenizer that
also sets each token's NORM to its character bigram, and spaCy's transition-based ``ner``. It
predicts on characters, so no entity can be hidden inside a word. The ``governance_ner``
component of the main (pkuseg) pipeline runs it on ``doc.text``, merges its spans with the
lexicon's entities, and splits word tokens at the boundaries of the merged entities.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example, biluo_tags_to_spans, iob_to_biluo
from spacy.util import get_words_and_spaces
from spacy.vocab import Vocab

from pipeline.util import UserError, write_json

LABELS = ("PROGRAM", "PLATFORM", "ORG", "LOC", "PERSON", "HONOR", "POLICY", "EVENT")
MSRA_LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
CLUENER_LABELS = {"name": "PERSON", "address": "LOC", "organization": "ORG", "government": "ORG", "company": "ORG"}
MERGE_RULES = ("longest", "lexicon", "model")
END = "\u2403"  # stands for "end of text" in the last character's bigram

Entity = tuple[int, int, str]


# ---------------------------------------------------------------------------------------------
# The character tokenizer of the char pipeline


class CharBigramTokenizer:
    """One token per character (whitespace kept as spaces, as spaCy's ``char`` segmenter does);
    each token's NORM is the NFKC-normalised bigram of the character and the next one."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = get_words_and_spaces(list(text), text)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        norm = [unicodedata.normalize("NFKC", w) for w in words] + [END]
        for i, token in enumerate(doc):
            token.norm_ = norm[i] + norm[i + 1]
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "CharBigramTokenizer":
        return self

    def to_disk(self, path: str | Path, **kwargs) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, **kwargs) -> "CharBigramTokenizer":
        return self


@spacy.registry.tokenizers("governance.CharBigramTokenizer.v1")
def create_char_tokenizer() -> Callable[[Language], CharBigramTokenizer]:
    """The char pipeline's tokenizer (referenced by ``configs/ner.cfg``)."""

    def create(nlp: Language) -> CharBigramTokenizer:
        return CharBigramTokenizer(nlp.vocab)

    return create


# ---------------------------------------------------------------------------------------------
# Corpora -> (text, entities) records -> DocBin


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


def cluener_records(path: Path) -> Iterator[dict]:
    """CLUENER2020 JSONL (inclusive end offsets) -> records; unmapped types become ``missing``."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            item = json.loads(line)
            entities, missing = [], []
            for kind, surfaces in item.get("label", {}).items():
                for spans in surfaces.values():
                    for start, end in spans:
                        if kind in CLUENER_LABELS:
                            entities.append([start, end + 1, CLUENER_LABELS[kind]])
                        else:
                            missing.append([start, end + 1])
            yield {"id": f"cluener:{Path(path).stem}:{number}", "text": item["text"], "entities": entities, "missing": missing}


def in_dev_split(record_id: str, share: float) -> bool:
    """Stable dev/train assignment from a hash of the record id."""
    return int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF < share


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
    doc.set_ents(ents, missing=spacy.util.filter_spans(missing))
    return doc


def write_docbin(nlp: Language, records: Iterable[dict], path: Path) -> int:
    """Convert records to char docs and save them as a DocBin; return the number of docs."""
    db = DocBin(attrs=["ORTH", "NORM", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    n = 0
    for record in records:
        db.add(record_to_doc(nlp, record))
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n
