"""Static word vectors for the topic classifier: floret, trained on unlabeled text, kept for the words a model uses.

``train topics`` with a ``[vectors] corpus`` reads the corpus files (under ``[paths] data_dir``), cuts them into
words with the run config's tokenizer, trains floret skip-gram vectors with character n-gram subwords (one
thread, so the same corpus gives the same vectors) and caches the floret model in ``topic_vectors/`` of the
cache folder (``[paths] cache``, else ``$GOVNLP_CACHE``, else ``~/.cache/govnlp``), keyed by the vector settings,
the sha256 of the corpus files and a digest of the tokenizer (``train.tokenizer_digest``: its settings and
the files it loads, not the rest of the run config); later trainings with the same key reuse it. A model folder keeps only the vectors of the words of its
training texts and of their characters (``vector_table``), as float16 in ``topic_weights.npz`` and
``model.skops``; the corpus itself is never stored.

Corpus files by name: a folder (its ``*.txt``, sorted); ``*.txt`` one paragraph a line, where the spaces and
brackets of segmented text (People's Daily: ``[湖南省 邵阳市 朝阳 小学]``) are removed; ``*.json`` / ``*.jsonl``
one object with ``text`` a line (CLUENER); ``*.jsonl.gz`` story files, one story a line with its ``paragraphs``
(the 新闻联播 transcripts, ``unlabelled/xinwenlianbo/YEAR.jsonl.gz``: each paragraph is a text); ``*.tsv`` /
``*.tsv.gz`` one character (then a tab and its tag) a line with a blank line between sentences (MSRA BIO).

Held-out texts never enter the vectors: ``vectors_model`` drops every corpus text whose sha256 is in ``exclude``
(``train topics`` passes the held-out examples of its data files, so also a paragraph broadcast again with the same
words in another year), and refuses a corpus file in ``refuse`` (the story files the held-out paragraphs of a
stand-off gold come from: the rest of a held-out story would teach the vectors its names and subject). The cache
key follows the texts actually used, so an exclusion that removes nothing keeps the cached model.
"""
from __future__ import annotations

import gzip
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Sequence

import numpy

from .. import jsonl
from ..paths import cache_root
from ..util import UserError, sha256_text, write_json
from .model import VectorSettings
from .runtime import VectorTable

_SEGMENTATION = str.maketrans("", "", " []\u3000")


def corpus_texts(path: Path) -> Iterator[str]:
    """The raw paragraphs of one corpus file or folder (formats in the module doc), empty ones skipped."""
    if path.is_dir():
        for child in sorted(path.glob("*.txt")):
            yield from corpus_texts(child)
        return
    name = path.name.lower()
    if name.endswith((".tsv", ".tsv.gz")):
        with (gzip.open(path, "rt", encoding="utf-8") if name.endswith(".gz") else path.open(encoding="utf-8")) as f:
            sentence: list[str] = []
            for line in f:
                char = line.rstrip("\r\n").split("\t")[0]
                if char:
                    sentence.append(char)
                elif sentence:
                    yield "".join(sentence)
                    sentence = []
            if sentence:
                yield "".join(sentence)
        return
    if name.endswith(".jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                story = json.loads(line)
                if not isinstance(story, dict) or not isinstance(story.get("paragraphs"), list):
                    raise UserError(f"{path}:{n}: expected a story with 'paragraphs' (a [vectors] corpus story file)")
                yield from (p.strip() for p in story["paragraphs"] if isinstance(p, str) and p.strip())
        return
    if name.endswith((".json", ".jsonl")):
        for n, record in jsonl.read_jsonl(path):
            if not isinstance(record.get("text"), str):
                raise UserError(f"{path}:{n}: expected a JSON object with 'text' (a [vectors] corpus file)")
            if record["text"].strip():
                yield record["text"].strip()
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            text = line.translate(_SEGMENTATION)
            if text.strip():
                yield text.strip()


def vector_corpus(settings: VectorSettings, data_dir: str | Path, exclude: Collection[str] = (),
                  refuse: Collection[str] = ()) -> tuple[list[str], int]:
    """The distinct texts of the ``[vectors] corpus`` files, without those whose sha256 is in ``exclude``,
    and how many were dropped so; a corpus file named in ``refuse`` (relative to ``data_dir``) is an error."""
    refused = [name for name in settings.corpus if Path(name).as_posix() in {Path(r).as_posix() for r in refuse}]
    if refused:
        raise UserError(f"[vectors] corpus: {', '.join(refused)} holds held-out paragraphs (the held-out split "
                        "of a gold file); the vectors may not learn from it: remove it from [vectors] corpus")
    files = [Path(data_dir) / name for name in settings.corpus]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise UserError(f"[vectors] corpus: {', '.join(missing)} not found; fix [paths] data_dir, "
                        "or train without vectors: --vectors.corpus \"[]\"")
    texts = list(dict.fromkeys(text for f in files for text in corpus_texts(f)))
    exclude = set(exclude)
    kept = [text for text in texts if sha256_text(text) not in exclude] if exclude else texts
    return kept, len(texts) - len(kept)


def vectors_model(settings: VectorSettings, data_dir: str | Path, tokenizer: str,
                  tokenize: Callable[[list[str]], list[str]], cache: str | Path | None = None,
                  exclude: Collection[str] = (), refuse: Collection[str] = ()) -> Path:
    """The cached floret model for these settings and corpus files (without the texts whose sha256 is in
    ``exclude``; a file in ``refuse`` is an error), cut by ``tokenize`` (whose settings ``tokenizer``
    digests), trained first when not cached."""
    texts, dropped = vector_corpus(settings, data_dir, exclude, refuse)
    digest = sha256_text("".join(text + "\n" for text in texts))
    key = sha256_text(json.dumps({"settings": settings.model_dump(exclude={"corpus", "scale"}), "texts": digest,
                                  "tokenizer": tokenizer}, sort_keys=True))[:16]
    target = cache_root(cache) / "topic_vectors" / f"{key}.bin"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # about an hour on this machine (cutting 14 M characters, then floret on one thread): say what runs
    started, characters = time.monotonic(), sum(map(len, texts))
    print(f"vectors: cutting {len(texts):,} texts ({characters:,} characters) into words", flush=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("".join(line + "\n" for line in tokenize(texts)), encoding="utf-8")
        print(f"vectors: training floret, {settings.epoch} epochs, one thread -> {target}", flush=True)
        model = train_floret(corpus, settings)
        model.save_model(str(Path(tmp) / "model.bin"))
        write_json(target.with_suffix(".json"), {"corpus": settings.corpus, "texts": len(texts),
                                                 "characters": characters, "held_out_left_out": dropped})
        (Path(tmp) / "model.bin").replace(target)
    print(f"vectors: done in {(time.monotonic() - started) / 60:.0f} min", flush=True)
    return target


def corpus_summary(model_path: Path) -> dict[str, Any]:
    """What a cached floret model was trained on (texts, characters, held-out texts left out), if recorded."""
    path = Path(model_path).with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def train_floret(corpus: Path, settings: VectorSettings) -> Any:
    """floret skip-gram vectors with character ``minn``-``maxn``-gram subwords hashed into ``bucket`` rows."""
    try:
        import floret
    except ImportError:
        raise UserError("[vectors] needs the floret package: pip install -e '.[train]' "
                        "(or remove [vectors] corpus to train without vectors)") from None
    return floret.train_unsupervised(
        str(corpus), model="skipgram", mode="floret", hashCount=2, dim=settings.dim, minn=settings.minn,
        maxn=settings.maxn, bucket=settings.bucket, epoch=settings.epoch, minCount=settings.min_count, thread=1,
        verbose=0,
    )


def vector_table(model_path: Path, texts: Sequence[str]) -> VectorTable:
    """The floret vectors (float16) of every word of the space-joined ``texts`` and of every character in them."""
    import floret

    words = {w for text in texts for w in text.split()}
    terms = sorted(words | {c for w in words for c in w})
    model = floret.load_model(str(model_path))
    vectors = numpy.array([model.get_word_vector(t) for t in terms], dtype=numpy.float16).reshape(len(terms), -1)
    return VectorTable(numpy.array(terms, dtype=str), vectors)
