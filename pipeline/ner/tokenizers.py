"""The char pipeline's tokenizers, and the char pipeline itself: blank, or trained and loaded.

The NER model is a small spaCy pipeline of its own (the "char pipeline"): a character tokenizer that
also sets each token's NORM to its character bigram (and, in ``CharWordTokenizer``, its LEMMA to the
pkuseg word piece), and the ``entity_tagger`` (``pipeline/ner/tagger.py``). It predicts on
characters, so no entity can be hidden inside a word.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy
import spacy
from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, NORM, ORTH
from spacy.language import Language
from spacy.strings import StringStore, hash_string
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import get_words_and_spaces
from spacy.vocab import Vocab
from thinc.api import Config

from ..segment import fetch_pkuseg_model
from .cpu import building

END = "\u2403"  # stands for "end of text" in the last character's bigram
WORD_PIECE = "\u241f"  # joins a word and a character's position in it: 市委␟B
FEATURES = [NORM, LEMMA]  # what the char tokenizers set besides ORTH
WHITESPACE = re.compile(r"\s")


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

    def from_doc(self, doc: Doc, text: str | None = None) -> Doc:
        """The char doc of a word doc of the main pipeline (``text``: its text, when the caller has read it)."""
        return self(doc.text if text is None else text)

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

    def from_doc(self, doc: Doc, text: str | None = None) -> Doc:
        return self._with_words(doc.text if text is None else text, doc, add=False)

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


def load_char_pipeline(path: Path) -> Language:
    """Load a trained char pipeline with the cached vectors table (the same vectors, faster), its
    layers multiplying with numpy (``pipeline/ner/cpu.py``)."""
    with building():
        return spacy.load(path, config={"nlp": {"vectors": {"@vectors": "governance.CachedVectors.v1"}}})
