"""Static vectors of the char NER: floret over character bigrams (so that the vector of a bigram
also carries its two characters), keyed by NORM, the attribute the tokenizer sets to the bigram;
cached per key at run time and stored as float16 in a model folder."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy
import spacy
from spacy.vectors import Vectors
from spacy.vocab import Vocab
from thinc.api import Config

from .tokenizers import char_pipeline

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
