"""Training and gold data of the char NER: MSRA and CLUENER files, gold and stand-off records,
corrections; records (``text`` and ``[start, end, label]`` entities) to char docs and DocBins, and
the reader that gives them back to spaCy's training loop."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example, iob_to_biluo

from .. import jsonl
from ..standoff import resolve_standoff
from ..util import UserError
from .tokenizers import FEATURES

MSRA_LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
CLUENER_LABELS = {"name": "PERSON", "address": "LOC", "organization": "ORG", "government": "ORG", "company": "ORG"}


@spacy.registry.readers("governance.CharCorpus.v1")
def create_char_corpus(path: Path) -> Callable[[Language], Iterator[Example]]:
    """spaCy's ``Corpus`` for the char docs ``write_docbin`` saved: the predicted docs take the
    stored token features (written by hand because ``spacy.Corpus.v1`` would re-run the tokenizer,
    and so pkuseg, over the whole corpus every epoch)."""

    def read(nlp: Language) -> Iterator[Example]:
        if not Path(path).is_file():
            raise UserError(f"training corpus not found: {path}")
        for reference in DocBin().from_disk(path).get_docs(nlp.vocab):
            predicted = Doc(nlp.vocab, words=[t.text for t in reference], spaces=[bool(t.whitespace_) for t in reference])
            predicted.from_array(FEATURES, reference.to_array(FEATURES))
            yield Example(predicted, reference)

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
    db = DocBin(attrs=["ORTH", "NORM", "LEMMA", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    n = 0
    for record in records:
        db.add(record_to_doc(nlp, record))
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n


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



def document_of(record: dict) -> str:
    """The document a gold record belongs to (``doc_id``, or its id up to the first colon)."""
    return record.get("doc_id") or record["id"].split(":")[0]
