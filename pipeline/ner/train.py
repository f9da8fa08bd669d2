"""Statistical NER on characters (issue 3): data conversion, the ``governance_ner`` component,
training and evaluation.

The model is a small spaCy pipeline of its own (the "char pipeline"): a character tokenizer that
also sets each token's NORM to its character bigram, and spaCy's transition-based ``ner``. It
predicts on characters, so no entity can be hidden inside a word. The ``governance_ner``
component of the main (pkuseg) pipeline runs it on ``doc.text``, merges its spans with the
lexicon's entities, and splits word tokens at the boundaries of the merged entities.
"""
from __future__ import annotations

import bisect
import gzip
import hashlib
import itertools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy

import spacy
from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, NORM, ORTH
from spacy.language import Language
from spacy.strings import StringStore, hash_string
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example, biluo_tags_to_spans, iob_to_biluo
from spacy.util import get_words_and_spaces
from spacy.vectors import Vectors
from spacy.vocab import Vocab
from thinc.api import Config

from pipeline import entity_tagger  # noqa: F401  (registers the char pipeline's ``entity_tagger``)
from pipeline.segment import fetch_pkuseg_model  # also registers [initialize.tokenizer]'s functions
from pipeline.util import UserError, sha256_text, sha256_tree, write_json

LABELS = ("PROGRAM", "PLATFORM", "ORG", "LOC", "PERSON", "HONOR", "POLICY", "EVENT")
MSRA_LABELS = {"PER": "PERSON", "LOC": "LOC", "ORG": "ORG"}
CLUENER_LABELS = {"name": "PERSON", "address": "LOC", "organization": "ORG", "government": "ORG", "company": "ORG"}
MERGE_RULES = ("lexicon", "longest", "model")
DEFAULT_MERGE = "lexicon"  # best combined micro-F1 on the seeds (docs/ner.md)
END = "\u2403"  # stands for "end of text" in the last character's bigram
WORD_PIECE = "\u241f"  # joins a word and a character's position in it: 市委␟B
FEATURES = [NORM, LEMMA]  # what the char tokenizers set besides ORTH
WHITESPACE = re.compile(r"\s")
PUNCTUATION = re.compile(r"[^\w\s]+")  # runs of punctuation and symbols

Entity = tuple[int, int, str]


# ---------------------------------------------------------------------------------------------
# The character tokenizer of the char pipeline


class CharBigramTokenizer:
    """One token per character (whitespace kept as spaces, as spaCy's ``char`` segmenter does);
    each token's NORM is the NFKC-normalised bigram of the character and the next one."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        if WHITESPACE.search(text):
            words, spaces = get_words_and_spaces(list(text), text)
        else:  # one token per character: what get_words_and_spaces gives, without its search per word
            words, spaces = list(text), [False] * len(text)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        norm = [unicodedata.normalize("NFKC", w) for w in words] + [END]
        add = self.vocab.strings.add
        bigrams = numpy.array([add(a + b) for a, b in zip(norm, norm[1:])], dtype="uint64")
        doc.from_array([NORM], bigrams.reshape(-1, 1))
        return doc

    def from_doc(self, doc: Doc) -> Doc:
        """The char doc of a word doc of the main pipeline."""
        return self(doc.text)

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


class CharWordTokenizer(CharBigramTokenizer):
    """The char tokenizer that also sets each character's LEMMA to the pkuseg word it belongs to,
    marked with its position in that word (B, M, E or S): the "softword" and word features of
    Chinese NER (Zhang & Yang 2018; Ma et al. 2020), which show the model where words, and so most
    names, start and end. The main pipeline hands over its own words (``from_doc``); raw text is
    cut by the same segmenter (pkuseg with the lexicon's user dictionary), loaded on first use.
    The words' strings are only added to the string store for raw text (training data): at run
    time their hashes are enough for the hash embeddings, and the store does not grow."""

    def __init__(self, vocab: Vocab):
        super().__init__(vocab)
        self.user_words: list[str] = []
        self.pkuseg_model: str | None = None
        self._segmenter: Callable[[str], Doc] | None = None
        self._piece_cache: dict[int, tuple[int, int, int, int]] = {}

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp: Language | None = None,
                   pkuseg_model: str, pkuseg_user_dict: str) -> None:
        """Take the pkuseg model folder and the user dictionary file of the main pipeline."""
        self.pkuseg_model = pkuseg_model
        self.user_words = Path(pkuseg_user_dict).read_text(encoding="utf-8").split()
        self._segmenter = None

    @property
    def segmenter(self) -> Callable[[str], Doc]:
        """spaCy's Chinese tokenizer with pkuseg and the user words, as the main pipeline has it."""
        if self._segmenter is None:
            words = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}}).tokenizer
            words.initialize(pkuseg_model=self.pkuseg_model or str(fetch_pkuseg_model()))
            words.pkuseg_update_user_dict(self.user_words, reset=True)
            self._segmenter = words
        return self._segmenter

    def __call__(self, text: str) -> Doc:
        return self._with_words(text, self.segmenter(text), add=True)

    def from_doc(self, doc: Doc) -> Doc:
        return self._with_words(doc.text, doc, add=False)

    def _with_words(self, text: str, words: Doc, *, add: bool) -> Doc:
        """Set each character's LEMMA to its word piece (numpy over the words' offsets and lengths;
        a piece's hash is computed once per distinct word)."""
        start, length, orth, space = words.to_array([IDX, LENGTH, ORTH, IS_SPACE]).astype("int64").T
        keep = space == 0
        start, length, orth = start[keep], length[keep], orth[keep].astype("uint64")
        pieces = numpy.array([self._pieces(int(o), words.vocab.strings, add) for o in orth], dtype="uint64").reshape(-1, 4)
        word = numpy.repeat(numpy.arange(len(start)), length)
        offset = numpy.arange(len(word)) - numpy.repeat(numpy.cumsum(length) - length, length)
        last = length[word] - 1
        position = numpy.where(last == 0, 3, numpy.where(offset == 0, 0, numpy.where(offset == last, 2, 1)))
        chars = super().__call__(text)
        piece = numpy.zeros(len(text) + 1, dtype="uint64")
        piece[start[word] + offset] = pieces[word, position]
        chars.from_array([LEMMA], piece[chars.to_array([IDX]).astype("int64")].reshape(-1, 1))
        return chars

    def _pieces(self, orth: int, strings: StringStore, add: bool) -> tuple[int, int, int, int]:
        """The hashes of ``word␟B``, ``word␟M``, ``word␟E`` and ``word␟S`` (added to the string
        store when ``add``); cached by word, the cache emptied when it holds 100,000 words."""
        cached = None if add else self._piece_cache.get(orth)
        if cached is None:
            key = self.vocab.strings.add if add else hash_string
            text = strings[orth]
            cached = tuple(key(text + WORD_PIECE + position) for position in "BMES")
            if len(self._piece_cache) >= 100_000:
                self._piece_cache.clear()
            self._piece_cache[orth] = cached
        return cached

    def to_bytes(self, **kwargs) -> bytes:
        return "\n".join(self.user_words).encode("utf-8")

    def from_bytes(self, data: bytes, **kwargs) -> "CharWordTokenizer":
        self.user_words = data.decode("utf-8").split()
        self._segmenter = None
        return self

    def to_disk(self, path: str | Path, **kwargs) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "user_words.txt").write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, **kwargs) -> "CharWordTokenizer":
        return self.from_bytes((Path(path) / "user_words.txt").read_bytes())


@spacy.registry.tokenizers("governance.CharBigramTokenizer.v1")
def create_char_tokenizer() -> Callable[[Language], CharBigramTokenizer]:
    """A char tokenizer with bigram NORMs only."""

    def create(nlp: Language) -> CharBigramTokenizer:
        return CharBigramTokenizer(nlp.vocab)

    return create


@spacy.registry.tokenizers("governance.CharWordTokenizer.v1")
def create_char_word_tokenizer() -> Callable[[Language], CharWordTokenizer]:
    """The char pipeline's tokenizer (referenced by ``configs/ner.cfg``): bigram NORMs and word LEMMAs."""

    def create(nlp: Language) -> CharWordTokenizer:
        return CharWordTokenizer(nlp.vocab)

    return create


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


def cluener_records(path: Path, labels: dict[str, str] = CLUENER_LABELS) -> Iterator[dict]:
    """CLUENER2020 JSONL (inclusive end offsets) -> records; the types ``labels`` maps become our
    labels, the others ``missing`` (neither entity nor ``O``)."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            item = json.loads(line)
            entities, missing = [], []
            for kind, surfaces in item.get("label", {}).items():
                for spans in surfaces.values():
                    for start, end in spans:
                        if kind in labels:
                            entities.append([start, end + 1, labels[kind]])
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
    from pipeline.standoff import resolve_standoff

    path = Path(path)
    if not path.is_file():
        raise UserError(f"gold file not found: {path}")
    with path.open(encoding="utf-8") as handle:
        first = json.loads(next((line for line in handle if line.strip()), "{}"))
    if "text_sha256" in first and "text" not in first:
        return list(resolve_standoff(path, data_dir))
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------------------------------------
# Static vectors: floret over character bigrams (so that the vector of a bigram also carries
# its two characters), keyed by NORM, the attribute the tokenizer sets to the bigram.


def train_vectors(texts: Iterable[str], output: Path, *, dim: int, bucket: int, epoch: int) -> Path:
    """Train floret vectors on the bigram NORMs of ``texts``; save a blank char pipeline holding
    them at ``output`` (for ``[initialize] vectors``)."""
    import floret
    from spacy.training.initialize import convert_vectors

    nlp = char_pipeline()
    output.mkdir(parents=True, exist_ok=True)
    corpus = output / "bigrams.txt"
    with corpus.open("w", encoding="utf-8") as handle:
        for text in texts:
            handle.write(" ".join(t.norm_ for t in nlp.make_doc(text) if not t.is_space) + "\n")
    model = floret.train_unsupervised(
        str(corpus), model="skipgram", mode="floret", hashCount=2, bucket=bucket, minn=1, maxn=2,
        dim=dim, epoch=epoch, minCount=3, thread=1, verbose=0,
    )
    table = output / "vectors.floret"
    model.save_floret_vectors(str(table))
    convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret", attr="NORM")
    nlp.to_disk(output / "pipeline")
    corpus.unlink()
    table.unlink()
    return output / "pipeline"


class CachedVectors(Vectors):
    """``Vectors`` that remember the floret vector of every key they have computed, so that a
    bigram's subword hashes are computed once per process instead of once per batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._cache: dict[int, numpy.ndarray] = {}

    def get_batch(self, keys):
        if self.mode != "floret":
            return super().get_batch(keys)
        keys = numpy.asarray(keys, dtype="uint64")
        unique, inverse = numpy.unique(keys, return_inverse=True)
        missing = [int(k) for k in unique if int(k) not in self._cache]
        if missing:
            self._cache.update(zip(missing, super().get_batch(missing)))
        return numpy.ascontiguousarray(numpy.stack([self._cache[int(k)] for k in unique])[inverse])

    def from_disk(self, path, **kwargs):
        self._cache.clear()
        super().from_disk(path, **kwargs)
        if self.data.dtype != numpy.float32:  # stored as float16 by ``compact_vectors``
            self.data = self.data.astype(numpy.float32)
        return self

    def from_bytes(self, data, **kwargs):
        self._cache.clear()
        return super().from_bytes(data, **kwargs)


@spacy.registry.vectors("governance.CachedVectors.v1")
def create_cached_vectors() -> Callable[[Vocab], CachedVectors]:
    """The char pipeline's vectors table (``[nlp.vectors]``)."""

    def create(vocab: Vocab) -> CachedVectors:
        return CachedVectors(strings=vocab.strings)

    return create


def char_pipeline(config: Config | None = None) -> Language:
    """A blank char pipeline with the tokenizer of a NER ``config``, initialized from its
    ``[initialize.tokenizer]``; without one, the tokenizer with bigram NORMs only."""
    if config is None:
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "governance.CharBigramTokenizer.v1"}}})
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": config["nlp"]["tokenizer"]}})
    if hasattr(nlp.tokenizer, "initialize"):
        settings = spacy.registry.resolve({"settings": config["initialize"].get("tokenizer", {})})["settings"]
        nlp.tokenizer.initialize(nlp=nlp, **settings)
    return nlp


# ---------------------------------------------------------------------------------------------
# The component of the main pipeline


def merge_spans(model: Sequence[Entity], lexicon: Sequence[tuple[int, int, str, str]], rule: str = DEFAULT_MERGE) -> list[tuple[int, int, str, str]]:
    """Merge model spans with lexicon spans (``(start, end, label, canonical)``) into non-overlapping
    entities. ``lexicon``/``model``: that source's spans first (longest first), then the other's
    where they overlap nothing; ``longest``: longer spans first, the lexicon wins ties."""
    if rule not in MERGE_RULES:
        raise UserError(f"governance_ner: merge must be one of {', '.join(MERGE_RULES)}, not {rule!r}")
    candidates = [(s, e, label, cid, 0) for s, e, label, cid in lexicon] + [(s, e, label, "", 1) for s, e, label in model]
    if rule == "longest":
        key = lambda c: (c[0] - c[1], c[4], c[0])  # noqa: E731
    else:
        first = 0 if rule == "lexicon" else 1
        key = lambda c: (c[4] != first, c[0] - c[1], c[0])  # noqa: E731
    taken = bytearray(max((c[1] for c in candidates), default=0))
    kept = []
    for s, e, label, cid, _ in sorted(candidates, key=key):
        if s < e and not any(taken[s:e]):
            taken[s:e] = b"\x01" * (e - s)
            kept.append((s, e, label, cid))
    return sorted(kept)


def cut_at_spaces(text: str, spans: Iterable[Entity]) -> list[Entity]:
    """Cut predicted spans at whitespace between Chinese characters (names listed in bylines are
    separated by spaces, which the char model does not see) and keep the pieces of two or more
    characters."""
    out = []
    for s, e, label in spans:
        if not any(c.isspace() for c in text[s:e]) or text[s:e].isascii():
            out.append((s, e, label))
            continue
        start = s
        for i in range(s, e + 1):
            if i == e or text[i].isspace():
                if i - start >= 2:
                    out.append((start, i, label))
                start = i + 1
    return out


def split_at(doc: Doc, offsets: Iterable[int]) -> int:
    """Split the tokens of ``doc`` that have one of the character ``offsets`` strictly inside them;
    return the number of tokens split."""
    starts = [token.idx for token in doc]
    cuts: dict[int, set[int]] = defaultdict(set)
    for offset in offsets:
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and starts[i] < offset < starts[i] + len(doc[i]):
            cuts[i].add(offset - starts[i])
    if cuts:
        with doc.retokenize() as retokenizer:
            for i, inner in cuts.items():
                token = doc[i]
                bounds = [0, *sorted(inner), len(token.text)]
                pieces = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
                retokenizer.split(token, pieces, heads=[(token, k) for k in range(len(pieces))])
    return len(cuts)


def load_char_pipeline(path: Path) -> Language:
    """Load a trained char pipeline with the cached vectors table (the same vectors, faster)."""
    return spacy.load(path, config={"nlp": {"vectors": {"@vectors": "governance.CachedVectors.v1"}}})


class GovernanceNER:
    """Runs the char model on ``doc.text``, merges its spans with the entities already in
    ``doc.ents`` (the lexicon's, with their canonical ``ent_id_``), splits word tokens at entity
    boundaries (and where pkuseg glued punctuation to a word, as in ``;婺``) and writes the
    merged entities to ``doc.ents``."""

    def __init__(self, nlp: Language, name: str = "governance_ner", *, merge: str = DEFAULT_MERGE):
        merge_spans([], [], merge)
        self.name = name
        self.merge = merge
        self.model: Language | None = None

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp: Language | None = None,
                   model: str = "models/ner") -> None:
        """Load the trained char pipeline from ``model`` (a folder written by ``train ner``)."""
        path = Path(model)
        if not (path / "config.cfg").is_file():
            raise UserError(f"governance_ner: no trained NER model at {path}; train one with `python -m pipeline train ner-release configs/ner.cfg --output {path}`")
        self.model = load_char_pipeline(path)

    def predict(self, docs: Sequence[Doc], batch_size: int = 256) -> list[list[Entity]]:
        """Character-offset entities predicted by the char model alone on the words of ``docs``."""
        if self.model is None:
            raise UserError("governance_ner: the model is not loaded; run nlp.initialize() first")
        chars = [self.model.tokenizer.from_doc(doc) for doc in docs]
        return [cut_at_spaces(c.text, [(e.start_char, e.end_char, e.label_) for e in c.ents])
                for c in self.model.pipe(chars, batch_size=batch_size)]

    def set_annotations(self, doc: Doc, predicted: Sequence[Entity]) -> Doc:
        lexicon = [(e.start_char, e.end_char, e.label_, e.ent_id_) for e in doc.ents]
        merged = merge_spans(predicted, lexicon, self.merge)
        doc.ents = []
        punctuation = (offset for m in PUNCTUATION.finditer(doc.text) for offset in m.span())
        split_at(doc, itertools.chain((offset for s, e, _, _ in merged for offset in (s, e)), punctuation))
        spans = []
        for s, e, label, canonical in merged:
            span = doc.char_span(s, e)
            spans.append(Span(doc, span.start, span.end, label=label, span_id=canonical))
        doc.set_ents(spans, default="outside")
        return doc

    def __call__(self, doc: Doc) -> Doc:
        return self.set_annotations(doc, self.predict([doc])[0])

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in spacy.util.minibatch(docs, size=batch_size):
            for doc, predicted in zip(batch, self.predict(batch, batch_size)):
                yield self.set_annotations(doc, predicted)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is not None:
            Path(path).mkdir(parents=True, exist_ok=True)
            self.model.to_disk(Path(path) / "model")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "GovernanceNER":
        self.model = load_char_pipeline(Path(path) / "model")
        return self


@Language.factory(
    "governance_ner",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={"merge": DEFAULT_MERGE},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0},
)
def make_governance_ner(nlp: Language, name: str, merge: str) -> GovernanceNER:
    """The statistical NER stage; its model loads at ``initialize`` (``model`` = folder)."""
    return GovernanceNER(nlp, name, merge=merge)


# ---------------------------------------------------------------------------------------------
# Training


class TimeBudgetReached(Exception):
    """Raised by the ``governance.time_budget.v1`` callback to end training."""


@spacy.registry.callbacks("governance.time_budget.v1")
def create_time_budget(minutes: float) -> Callable[[Language, dict], None]:
    """A ``[training] before_update`` callback that ends training after ``minutes`` (the best
    model so far is kept); 0 means no limit."""
    import time

    start = time.monotonic()

    def before_update(nlp: Language, info: dict) -> None:
        if minutes and time.monotonic() - start > minutes * 60:
            raise TimeBudgetReached(f"time budget of {minutes} minutes reached at step {info['step']}")

    return before_update


def training_records(config: dict) -> tuple[list[dict], list[dict], dict]:
    """The train and dev records that ``[data]`` and ``[paths]`` of a NER config name, and a
    description of them for the model card."""
    data, paths = config["data"], config["paths"]
    train: list[dict] = []
    dev: list[dict] = []
    sources: dict[str, dict] = {}

    def need(path: str) -> Path:
        if not Path(path).is_file():
            raise UserError(f"NER training data not found: {path} (is ../shared/data present?)")
        return Path(path)

    msra = list(msra_records(need(paths["msra"])))
    share = data["msra_dev_share"]
    train += [r for r in msra if not in_dev_split(r["id"], share)]
    dev += [r for r in msra if in_dev_split(r["id"], share)]
    sources["msra"] = {"file": paths["msra"], "train": len(msra) - (len(dev)), "dev": len(dev), "dev_share": share}
    if data["use_cluener"]:
        labels = data.get("cluener_labels", CLUENER_LABELS)
        folder = Path(paths["cluener"]).parent
        cluener = [r for name in ("train.json", "dev.json") for r in cluener_records(need(str(folder / name)), labels)]
        train += cluener
        sources["cluener2020"] = {"file": str(folder), "train": len(cluener), "labels": labels}
    gold_train: list[dict] = []
    if data["use_standoff"]:
        standoff = gold_records(need(paths["standoff"]), Path(paths["msra"]).parents[2])
        gold_train += [r for r in standoff if r.get("split") != "heldout"]
        held = [r for r in standoff if r.get("split") == "heldout"]
        dev += held
        sources["peoples_daily_standoff"] = {"file": paths["standoff"], "train": len(standoff) - len(held), "dev": len(held)}
    if data["use_seeds"]:
        held_out = data.get("held_out_document")
        seeds = [r for r in gold_records(need(paths["gold"])) if document_of(r) != held_out]
        gold_train += seeds
        sources["seeds"] = {"file": paths["gold"], "train": len(seeds), "held_out_document": held_out}
    corrections = correction_records(paths, data, dev) if data.get("use_corrections") else []
    if corrections:
        sources["corrections"] = {"folder": paths["corrections"], "train": len(corrections), "repeat": data["corrections_repeat"]}
    train += gold_train * data["gold_repeat"] + corrections * data.get("corrections_repeat", 1)
    sources["gold_repeat"] = data["gold_repeat"]
    sources["gold_text_sha256"] = sorted({sha256_text(r["text"]) for r in gold_train + corrections})
    return train, dev, sources


def correction_records(paths: dict, data: dict, dev: list[dict]) -> list[dict]:
    """The people's corrections pulled from doccano (stand-off ``*.jsonl`` in ``[paths] corrections``,
    written by ``python -m pipeline corrections``); a correction of a held-out paragraph is refused."""
    folder = Path(paths["corrections"])
    if not folder.is_dir():
        raise UserError(f"{folder}: corrections folder not found; set [paths] corrections or [data] use_corrections = false")
    records = [r for f in sorted(folder.glob("*.jsonl")) for r in gold_records(f, Path(paths["msra"]).parents[2])]
    leaked = sorted({r["id"] for r in records} & {r["id"] for r in dev})
    if leaked:
        raise UserError(f"{folder}: corrections of held-out paragraphs ({', '.join(leaked[:5])}); remove them before training")
    return records


def train(config_path: str | Path, output: str | Path, overrides: dict | None = None,
          evaluate_on: Sequence[str] | None = None) -> dict:
    """Convert the data a NER config names, train its vectors and its ``ner`` with spaCy's own
    training loop, and write the char pipeline with its model card to ``output``."""
    import shutil

    from spacy.cli.train import train as spacy_train
    config_path, output = Path(config_path), Path(output)
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    paths = config["paths"]
    work = Path(paths["corpus_dir"])
    nlp = char_pipeline(config)
    train_records, dev_records, sources = training_records(config)
    if paths.get("base_model"):
        require_labels(Path(paths["base_model"]), train_records)
    write_json(work / "sources.json", sources)
    write_docbin(nlp, train_records, work / "train.spacy")
    write_docbin(nlp, dev_records, work / "dev.spacy")
    settings = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"), **(overrides or {})}
    vec = config["data"].get("vectors")
    base = paths.get("base_model")
    spacy_config = config_path
    if base:
        spacy_config = continued_config(config_path, Path(base), work / "config.cfg")
        settings["paths.vectors"] = str(base)
    elif vec:
        stamp = json.dumps({**vec, "msra": sources["msra"]}, sort_keys=True)
        folder = work / "vectors"
        if not (folder / "stamp.json").is_file() or (folder / "stamp.json").read_text() != stamp:
            texts = _vector_texts(config, train_records)
            train_vectors(texts, folder, dim=vec["dim"], bucket=vec["bucket"], epoch=vec["epoch"])
            (folder / "stamp.json").write_text(stamp)
        settings["paths.vectors"] = str(folder / "pipeline")
    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    stopped = "spaCy's loop finished (max_steps, max_epochs or patience)"
    try:
        spacy_train(spacy_config, run_dir, overrides=settings)
    except TimeBudgetReached as stop:
        stopped = str(stop)
    card = {"config": config_path.as_posix(), "seed": config["system"]["seed"], "data": sources,
            "base_model": base, "overrides": overrides or {}, "stopped": stopped}
    keep = config["data"].get("keep_checkpoint", "best")
    if keep not in ("best", "last"):
        raise UserError(f"{config_path}: [data] keep_checkpoint must be best or last, not {keep!r}")
    card = save_model(run_dir / f"model-{keep}", output, {**card, "checkpoint": keep})
    evaluations = {Path(d).name: evaluate(output, d) for d in (evaluate_on if evaluate_on is not None else [paths["gold"], paths["standoff"], paths["msra"]])
                   if Path(d).is_file()}
    evaluations = {name: result for name, result in evaluations.items() if result["records"]}  # all trained on: no score
    if paths.get("cross_validation"):
        cv = Path(paths["cross_validation"])
        if not cv.is_file():
            raise UserError(f"{cv}: no cross-validation results; run `python -m pipeline evaluate ner-cv` or fix [paths] cross_validation")
        for name, result in json.loads(cv.read_text(encoding="utf-8")).items():
            evaluations[f"seeds, leave one document out ({name})"] = result
    write_model_card(output, evaluations)
    return card


def cross_validate(config_path: str | Path, base: str | Path, output: str | Path, *, run_config: str | Path = "configs/default.cfg",
                   overrides: dict | None = None) -> dict:
    """Leave one seed document out: for each seed document, continue training the ``base`` model on
    the config's data plus the other seed documents, then score the combined stage on the left-out
    document with a lexicon lacking the entries only that document names. The scores are pooled
    over the documents and written to ``output/cv.json``."""
    config_path, base, output = Path(config_path), Path(base), Path(output)
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    seeds = gold_records(Path(config["paths"]["gold"]))
    models = {}
    for document in sorted({document_of(r) for r in seeds}):
        models[document] = output / document
        train(config_path, models[document], {"data.keep_checkpoint": "last", **(overrides or {}),
                                              "paths.base_model": str(base), "data.use_seeds": True,
                                              "data.held_out_document": document,
                                              "paths.corpus_dir": str(output / "corpus"), "paths.cross_validation": None},
              evaluate_on=[])
    command = f"python -m pipeline evaluate ner-cv {config_path.as_posix()} --base {base.as_posix()} --output {output.as_posix()}{_flags(overrides or {})}"
    result = score_folds(models, seeds, run_config, command, config["paths"]["gold"])
    write_json(output / "cv.json", result)
    return result


RELEASE_STEPS = ("base", "cross-validation", "final")


def release(config_path: str | Path, output: str | Path, *, run_config: str | Path = "configs/default.cfg",
            overrides: dict | None = None, force: Sequence[str] = ()) -> dict:
    """Make the shipped model in one go, as ``[release]`` of the config describes: a base model
    without the seeds, the leave-one-document-out fold models continued from it (their pooled seed
    scores go to the card), and the final model continued from it on everything, seeds included.
    Each step is skipped when ``[release] work_dir``/lock.json says its inputs have not changed
    since it last ran (as weasel does for project steps), unless it is named in ``force``."""
    config_path, output = Path(config_path), Path(output)
    unknown = sorted(set(force) - set(RELEASE_STEPS))
    if unknown:
        raise UserError(f"--force {', '.join(unknown)}: no such release step; the steps are {', '.join(RELEASE_STEPS)}")
    if not config_path.is_file():
        raise UserError(f"NER config not found: {config_path}")
    config = Config().from_disk(config_path, overrides=overrides or {})
    if "release" not in config:
        raise UserError(f"{config_path}: no [release] section to say how the model is made (see configs/ner.cfg)")
    settings, paths = config["release"], config["paths"]
    tune = settings["fine_tune"]
    work = Path(settings["work_dir"])
    continued = {"training.before_update.minutes": tune["minutes"], "training.optimizer.learn_rate": tune["learn_rate"],
                 "training.batcher.size.start": tune["batch_start"], "data.gold_repeat": tune["gold_repeat"],
                 **(overrides or {})}
    data = [paths[k] for k in ("msra", "gold", "standoff", "corrections", "lexicon")] + [str(Path(paths["cluener"]).parent)]
    # the base step depends on the config without [release]; overrides are part of the config
    common = {"config": {k: v for k, v in config.items() if k != "release"},
              "data": {d: sha256_tree(d) for d in data if Path(d).exists()}}
    lock_path = work / "lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8")) if lock_path.is_file() else {}
    base, folds = work / "base", work / "cv"

    def step(name: str, target: Path, inputs: dict, make: Callable[[], object]) -> None:
        digest = sha256_text(json.dumps(inputs, sort_keys=True))
        if (name not in force and lock.get(name, {}).get("inputs") == digest and target.exists()
                and lock[name].get("output") == sha256_tree(target)):
            print(f"release: {name} is up to date ({target})", flush=True)
            return
        print(f"release: {name} -> {target}", flush=True)
        make()
        lock[name] = {"inputs": digest, "output": sha256_tree(target)}
        write_json(lock_path, lock)

    step("base", base, common, lambda: train(config_path, base, {**(overrides or {}), "paths.corpus_dir": str(work / "corpus")},
                                             evaluate_on=[]))
    after_base = {**common, "base": lock["base"]["output"], "fine_tune": dict(tune), "run_config": sha256_tree(run_config)}
    step("cross-validation", folds / "cv.json", after_base,
         lambda: cross_validate(config_path, base, folds, run_config=run_config, overrides=continued))
    final = {**continued, "paths.base_model": str(base), "data.use_seeds": True, "data.keep_checkpoint": "last",
             "paths.cross_validation": str(folds / "cv.json"), "paths.corpus_dir": str(work / "corpus")}

    def make_final() -> None:
        card = train(config_path, output, final)
        card["retrain"] = f"python -m pipeline train ner-release {config_path.as_posix()} --output {output.as_posix()}{_flags(overrides or {})}"
        write_json(output / "training.json", card)
        write_model_card(output)

    step("final", output, {**after_base, "cv": lock["cross-validation"]["output"]}, make_final)
    return json.loads((output / "training.json").read_text(encoding="utf-8"))


def score_folds(models: dict[str, Path], seeds: Sequence[dict], run_config: str | Path, command: str, data: str) -> dict:
    """Scores of fold models (left-out document -> model) on their documents, pooled: with the
    lexicon as shipped, and with a lexicon lacking the entries only the left-out document names."""
    import tempfile

    shipped = score_groups([Group(model, [r for r in seeds if document_of(r) == d]) for d, model in sorted(models.items())],
                           run_config, None)
    with tempfile.TemporaryDirectory() as work:
        groups, left_out = lodo_groups(run_config, seeds, models, Path(work))
        strict = score_groups(groups, run_config, None)
    head = {"data": data, "records": len(seeds), "skipped_trained_on": 0}
    return {"lexicon as shipped": {"command": command, **head, **shipped},
            "lexicon without the left-out document's own names": {"command": command, **head, **strict,
                                                                   "lexicon_entries_left_out": left_out}}


def require_labels(base: Path, records: Iterable[dict]) -> None:
    """Refuse to continue a base model on entity labels it has no tags for."""
    cfg = base / "ner" / "cfg"
    if not cfg.is_file():
        raise UserError(f"{base}: not a model folder written by `train ner` (no ner/cfg); fix [paths] base_model")
    known = {tag.split("-", 1)[1] for tag in json.loads(cfg.read_text(encoding="utf-8"))["labels"] if "-" in tag}
    missing = sorted({label for r in records for _, _, label in r["entities"]} - known)
    if missing:
        raise UserError(f"{base}: the base model has no {', '.join(missing)} label that the training data has; "
                        "train the base on data with every label (e.g. [data] use_standoff = true)")


def continued_config(config_path: Path, base: Path, output: Path) -> Path:
    """A copy of the training config whose ``ner`` is sourced from the model at ``base`` (spaCy
    then resumes training its weights) instead of built by its factory."""
    if not (base / "ner").is_dir():
        raise UserError(f"{base}: not a model folder written by `train ner` (no ner/); fix [paths] base_model")
    config = Config().from_disk(config_path, interpolate=False)
    config["components"]["ner"] = {"source": str(base)}
    # the base's vectors are read into this config's vocab: with the table class the base names
    # (its float16 table needs ``governance.CachedVectors.v1``, see ``compact_vectors``)
    base_nlp = Config().from_disk(base / "config.cfg", interpolate=False)["nlp"]
    if "vectors" in base_nlp:
        config["nlp"]["vectors"] = base_nlp["vectors"]
    output.parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(output)
    return output


def save_model(checkpoint: Path, output: Path, card: dict) -> dict:
    """Copy a checkpoint of the training run to ``output`` and write its ``training.json`` and card."""
    import shutil

    if not checkpoint.is_dir():
        raise UserError("training ended before the first evaluation: no model to save (raise the time budget)")
    shutil.rmtree(output, ignore_errors=True)
    shutil.copytree(checkpoint, output)
    prune_strings(output)
    compact_vectors(output)
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    card = {**card, "dev_scores": meta.get("performance", {})}
    write_json(output / "training.json", card)
    write_model_card(output)
    return card


def _vector_texts(config: dict, train_records: list[dict]) -> Iterator[str]:
    """Unlabelled text for the vectors: the People's Daily files and the training texts."""
    from pipeline.standoff import resolve_line

    pd_dir = Path(config["paths"]["msra"]).parents[2] / "segmentation" / "peoples_daily_1998"
    for path in sorted(pd_dir.glob("cv-*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                yield resolve_line(line)
    seen = set()
    for record in train_records:
        if record["id"] not in seen:
            seen.add(record["id"])
            yield record["text"]


def prune_strings(model_dir: Path) -> None:
    """Drop the character bigrams and word pieces of the training texts from the saved string
    store: the tokenizer adds the strings it needs at run time, and they are most of the folder's size."""
    from spacy.strings import StringStore

    path = Path(model_dir) / "vocab" / "strings.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    StringStore([s for s in strings if len(s) != 2 and not s.endswith(END) and WORD_PIECE not in s]).to_disk(path)


def compact_vectors(model_dir: Path) -> None:
    """Store the floret table as float16 (half its size; spaCy has no such option, hence by hand)
    and name ``governance.CachedVectors.v1`` in the folder's config, which loads it back as float32."""
    table = Path(model_dir) / "vocab" / "vectors"
    if not table.is_file():
        return
    data = numpy.load(table)
    if data.size:
        with open(table, "wb") as handle:
            numpy.save(handle, data.astype(numpy.float16))
    config = Config().from_disk(Path(model_dir) / "config.cfg", interpolate=False)
    config["nlp"]["vectors"] = {"@vectors": "governance.CachedVectors.v1"}
    config.to_disk(Path(model_dir) / "config.cfg")


def write_model_card(model_dir: Path, evaluations: dict | None = None) -> None:
    """Write ``README.md`` in a model folder from its ``training.json`` (and evaluation results,
    kept in ``evaluation.json``)."""
    model_dir = Path(model_dir)
    card = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    if evaluations is not None:
        write_json(model_dir / "evaluation.json", evaluations)
    elif (model_dir / "evaluation.json").is_file():
        evaluations = json.loads((model_dir / "evaluation.json").read_text(encoding="utf-8"))
    data = card["data"]
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    lines = [
        "# governance NER model (character level)",
        "",
        "A spaCy pipeline over characters (tokenizer `governance.CharWordTokenizer.v1`, component `ner`,",
        "factory `entity_tagger`: BILUO tags per character under constrained Viterbi decoding),",
        "loaded by the `governance_ner` component of the main pipeline (`pipeline/ner.py`, `docs/ner.md`).",
        "",
        "- retrain: `" + card.get("retrain", f"python -m pipeline train ner {card['config']} --output {model_dir.as_posix()}{_flags(card['overrides'])}") + "`",
        f"- config: `config.cfg` here (from `{card['config']}`), overrides {card['overrides'] or 'none'}",
        f"- seed: {card['seed']}",
        f"- training ended: {card.get('stopped', 'unknown')}; the {card.get('checkpoint', 'best')} checkpoint is kept",
        f"- size: {size / 1e6:.1f} MB",
        "",
        "## Data",
        "",
    ]
    for name, info in data.items():
        if isinstance(info, dict):
            lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    lines += [f"- gold records repeated {data['gold_repeat']}x; {len(data['gold_text_sha256'])} gold texts in training "
              "(their sha256 in `training.json`; `evaluate ner` skips them)", "",
              "## Scores", "", "Development set of training (MSRA dev split + People's Daily held-out gold), model alone:", ""]
    perf = card["dev_scores"]
    lines.append(f"- P {perf.get('ents_p', 0):.3f} R {perf.get('ents_r', 0):.3f} F1 {perf.get('ents_f', 0):.3f}")
    for label, s in sorted((perf.get("ents_per_type") or {}).items()):
        lines.append(f"- {label}: P {s['p']:.3f} R {s['r']:.3f} F1 {s['f']:.3f}")
    for name, result in (evaluations or {}).items():
        lines += ["", f"### `{result['command']}`", "", format_scores(result, markdown=True)]
    (model_dir / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _flags(overrides: dict) -> str:
    """Config overrides as the command-line options that set them."""
    return "".join(f" --{key} {value if isinstance(value, str) else json.dumps(value)}" for key, value in sorted(overrides.items()))


# ---------------------------------------------------------------------------------------------
# Evaluation on character offsets


def prf(gold: Iterable[Entity], predicted: Iterable[Entity]) -> dict:
    """Per-label and averaged precision/recall/F1 of exact matches of spans whose last item is
    the label (e.g. ``(record, start, end, label)``)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    gold, predicted = set(gold), set(predicted)
    for span in predicted:
        counts[span[-1]][0 if span in gold else 1] += 1
    for span in gold - predicted:
        counts[span[-1]][2] += 1

    def score(tp: int, fp: int, fn: int) -> dict:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "gold": tp + fn, "predicted": tp + fp}

    per_label = {label: score(*counts[label]) for label in LABELS if label in counts}
    micro = score(*(sum(c[i] for c in counts.values()) for i in range(3)))
    scored = [s for s in per_label.values() if s["gold"]]
    macro = {k: sum(s[k] for s in scored) / len(scored) if scored else 0.0 for k in ("p", "r", "f")}
    return {"per_label": per_label, "micro": micro, "macro": macro}


def base_pipeline(config_path: str | Path, overrides: dict | None = None) -> tuple[Language, GovernanceNER | None]:
    """The main pipeline of ``config_path`` up to its lexicon ruler, and its ``governance_ner``
    component (None when the config has none)."""
    from pipeline.config import load_config
    from pipeline.run import build_nlp

    config = load_config(config_path, overrides)
    names = list(config["nlp"]["pipeline"])
    if "governance_lexicon" not in names:
        raise UserError(f"{config_path}: no governance_lexicon component to evaluate against")
    ner_config = config["components"].get("governance_ner")
    config["nlp"]["pipeline"] = names[: names.index("governance_lexicon") + 1]
    for name in names[names.index("governance_lexicon") + 1:]:
        config["components"].pop(name, None)
        config["initialize"].get("components", {}).pop(name, None)
    nlp = build_nlp(config, config_path)
    merge = ner_config.get("merge", DEFAULT_MERGE) if ner_config else DEFAULT_MERGE
    return nlp, GovernanceNER(nlp, merge=merge)


def document_of(record: dict) -> str:
    """The document a gold record belongs to (``doc_id``, or its id up to the first colon)."""
    return record.get("doc_id") or record["id"].split(":")[0]


def lexicon_without_document(lexicon: Path, records: Sequence[dict], held_out: str, output: Path) -> int:
    """Write to ``output`` the entries of ``lexicon`` except those whose names occur in the
    ``held_out`` document of ``records`` and in no other of its documents (the entries one could
    only have written after reading it); return how many were left out."""
    from pipeline.entities import load_lexicon

    inside = "\n".join(r["text"] for r in records if document_of(r) == held_out)
    elsewhere = "\n".join(r["text"] for r in records if document_of(r) != held_out)
    kept, dropped = [], 0
    for entry in load_lexicon(lexicon):
        if any(s in inside for s in entry.surfaces) and not any(s in elsewhere for s in entry.surfaces):
            dropped += 1
        else:
            kept.append({"label": entry.label, "canonical": entry.canonical, "aliases": list(entry.aliases)})
    output.mkdir(parents=True, exist_ok=True)
    (output / "lexicon.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in kept), encoding="utf-8")
    return dropped


@dataclass
class Group:
    """Records scored together: with one char model and the main pipeline under some overrides
    (e.g. its own lexicon)."""

    model: Path
    records: list[dict]
    overrides: dict = field(default_factory=dict)


def evaluate(model: str | Path, data: str | Path, *, config: str | Path = "configs/default.cfg",
             merge: str | None = None, data_dir: Path | None = None, lexicon_lodo: bool = False,
             skip_trained: bool = True) -> dict:
    """Score the lexicon alone, the model alone and the combined stage on a gold file, on
    character offsets; records whose text the model trained on are skipped (unless not
    ``skip_trained``: for checks that do not measure accuracy, such as token alignment). MSRA files
    (``*.bio.tsv[.gz]``) are scored on the dev split the model card names. ``lexicon_lodo``: each
    document is scored with a lexicon that lacks the entries only that document names
    (``lexicon_without_document``), so that the lexicon is not credited with what it was written from."""
    import tempfile

    model, data = Path(model), Path(data)
    card = json.loads((model / "training.json").read_text(encoding="utf-8")) if (model / "training.json").is_file() else {}
    if data.name.endswith((".bio.tsv", ".bio.tsv.gz")):
        if not data.is_file():
            raise UserError(f"gold file not found: {data}")
        share = card.get("data", {}).get("msra", {}).get("dev_share", 0.05)
        records = [r for r in msra_records(data) if in_dev_split(r["id"], share)]
    else:
        records = gold_records(data, data_dir)
    trained_on = set(card.get("data", {}).get("gold_text_sha256", [])) if skip_trained else set()
    kept = [r for r in records if sha256_text(r["text"]) not in trained_on]
    with tempfile.TemporaryDirectory() as work:
        if lexicon_lodo:
            groups, left_out = lodo_groups(config, records, {document_of(r): model for r in kept}, Path(work), kept)
        else:
            groups, left_out = [Group(model, kept)], {}
        result = score_groups(groups, config, merge)
    command = f"python -m pipeline evaluate ner --model {model.as_posix()} --data {data.as_posix()}"
    result = {"command": command + (" --lexicon-lodo" if lexicon_lodo else ""), "data": data.as_posix(),
              "records": len(kept), "skipped_trained_on": len(records) - len(kept), **result}
    if skip_trained and not card:
        result["warning"] = (f"{model}: no training.json (not a folder written by `train ner`), so the texts it "
                             "trained on cannot be skipped: these scores may be in-sample")
    if lexicon_lodo:
        result["lexicon_entries_left_out"] = left_out
    return result


def lodo_groups(config: str | Path, records: Sequence[dict], models: dict[str, Path], work: Path,
                scored: Sequence[dict] | None = None) -> tuple[list[Group], dict[str, int]]:
    """One group per document in ``models`` (document -> the model to score it with): its records
    among ``scored`` (default: all ``records``), scored with a lexicon lacking the entries only that
    document of ``records`` names."""
    from pipeline.config import load_config

    lexicon = Path(load_config(config)["paths"]["lexicon"])
    groups, left_out = [], {}
    for document, model in sorted(models.items()):
        folder = work / document
        left_out[document] = lexicon_without_document(lexicon, records, document, folder)
        groups.append(Group(model, [r for r in (records if scored is None else scored) if document_of(r) == document],
                            {"paths.lexicon": str(folder)}))
    return groups, left_out


def score_groups(groups: Sequence[Group], config: str | Path, merge: str | None) -> dict:
    """Per-label scores of the lexicon, the model and the combined stage over all groups' records."""
    systems: dict[str, list[Entity]] = {"lexicon": [], "model": [], "combined": []}
    gold: list[Entity] = []
    by_doc: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    unaligned = {"lexicon": 0, "combined": 0}
    rule = merge or DEFAULT_MERGE
    for n, (record, doc, predicted, component) in enumerate(_predictions(groups, config, merge)):
        _score_record(n, record, doc, predicted, component, gold, systems, unaligned, by_doc)
        rule = component.merge
    return {
        "gold_spans": len(gold), "merge": rule, "unaligned_gold_spans": unaligned,
        "systems": {name: prf(gold, spans) for name, spans in systems.items()},
        "combined_by_document": {d: prf(g, p)["micro"]["f"] for d, (g, p) in sorted(by_doc.items())} if len(by_doc) <= 20 else {},
    }


def _predictions(groups: Sequence[Group], config: str | Path,
                 merge: str | None) -> Iterator[tuple[dict, Doc, list[Entity], GovernanceNER]]:
    """Each record with its lexicon-stage doc and the model's spans, group by group; each main
    pipeline (one per distinct overrides) and each char model is loaded once."""
    pipelines: dict[str, tuple[Language, GovernanceNER]] = {}
    char_models: dict[Path, Language] = {}
    for group in groups:
        key = json.dumps(group.overrides, sort_keys=True)
        if key not in pipelines:
            pipelines[key] = base_pipeline(config, group.overrides)
            if merge:
                merge_spans([], [], merge)
                pipelines[key][1].merge = merge
        nlp, component = pipelines[key]
        if group.model not in char_models:
            component.initialize(model=str(group.model))
            char_models[group.model] = component.model
        component.model = char_models[group.model]
        docs = list(nlp.pipe([r["text"] for r in group.records], batch_size=64))
        for record, doc, predicted in zip(group.records, docs, component.predict(docs)):
            yield record, doc, predicted, component


def _score_record(n: int, record: dict, doc: Doc, predicted: list[Entity], component: GovernanceNER, gold: list,
                  systems: dict[str, list[Entity]], unaligned: dict[str, int], by_doc: dict) -> None:
    """Add one record's gold and its three systems' spans (keyed by record number) to the tallies."""
    key = lambda s, e, label: (n, s, e, label)  # noqa: E731
    g = [key(*span[:3]) for span in record["entities"]]
    gold += g
    systems["lexicon"] += [key(e.start_char, e.end_char, e.label_) for e in doc.ents]
    unaligned["lexicon"] += sum(doc.char_span(s, e) is None for s, e, _ in record["entities"])
    systems["model"] += [key(*span) for span in predicted]
    component.set_annotations(doc, predicted)
    combined = [key(e.start_char, e.end_char, e.label_) for e in doc.ents]
    systems["combined"] += combined
    unaligned["combined"] += sum(doc.char_span(s, e) is None for s, e, _ in record["entities"])
    doc_gold, doc_pred = by_doc[document_of(record)]
    doc_gold += g
    doc_pred += combined


def format_scores(result: dict, markdown: bool = False) -> str:
    """A table of per-label P/R/F1 and the micro and macro averages for each system."""
    systems = result["systems"]
    labels = [label for label in LABELS if any(label in s["per_label"] for s in systems.values())]
    head = ["label"] + [f"{name} {m}" for name in systems for m in ("P", "R", "F1")]
    rows = []
    for label in labels + ["micro", "macro"]:
        row = [label]
        for s in systems.values():
            score = s[label] if label in ("micro", "macro") else s["per_label"].get(label, {"p": 0, "r": 0, "f": 0})
            row += [f"{score['p']:.3f}", f"{score['r']:.3f}", f"{score['f']:.3f}"]
        rows.append(row)
    notes = [f"{result['records']} records ({result['skipped_trained_on']} skipped: in the model's training data), "
             f"{result['gold_spans']} gold spans, merge rule {result['merge']!r}; gold spans not aligned with tokens: "
             f"lexicon stage {result['unaligned_gold_spans']['lexicon']}, combined stage {result['unaligned_gold_spans']['combined']}"]
    if result.get("warning"):
        notes.insert(0, "WARNING: " + result["warning"])
    if result.get("lexicon_entries_left_out"):
        notes.append("lexicon entries left out, leaving each document out: " + ", ".join(f"{d} {n}" for d, n in result["lexicon_entries_left_out"].items()))
    if result.get("combined_by_document"):
        notes.append("combined micro-F1 by held-out document: " + ", ".join(f"{d} {f:.3f}" for d, f in result["combined_by_document"].items()))
    if markdown:
        table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(table + [""] + notes)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    table = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [head] + rows]
    return "\n".join(table + notes)
