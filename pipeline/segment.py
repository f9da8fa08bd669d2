"""Stage 3: word segmentation with spaCy's Chinese tokenizer and spacy-pkuseg.

spacy-pkuseg ships no model. The pretrained mixed-domain model lives inside the ``pkuseg==0.0.25``
source distribution on PyPI; we fetch that file through pip, check it against pinned sha256 sums,
and cache the two model files (180 MB, never in the repository) in ``$GOVNLP_CACHE`` (default
``~/.cache/govnlp``). The model loads at ``nlp.initialize`` through ``[initialize.tokenizer]``.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import srsly
from spacy.util import registry

from .entities import load_lexicon
from .paths import cache_root
from .util import UserError, atomic_writer, sha256_file, sha256_text

PKUSEG_REQUIREMENT = "pkuseg==0.0.25"
PKUSEG_SDIST = "pkuseg-0.0.25.tar.gz"
PKUSEG_SDIST_SHA256 = "dd012bf93689721c9574bc2b2ba98fb4ac22790cec0af354a78e217828b81e91"
PKUSEG_MODEL_DIR = "pkuseg-0.0.25/pkuseg/models/default"
SDIST_FILES = {
    "weights.npz": "95d1632a1fed45993b5006d8ba85939cb110fae71313987673582d24669811dd",
    "features.pkl": "265dcf5534a11d6429776f7e7450a9eef8e075b1a4bedb82ef996994d9c721ac",
}
# The cache keeps the features as msgpack (converted once from the verified pickle), so that
# loading the model never unpickles anything; spacy-pkuseg prefers features.msgpack.
PKUSEG_FILES = {
    "weights.npz": SDIST_FILES["weights.npz"],
    "features.msgpack": "ce40f2142d7d93bda16e2364665f603339ae46d0de170e8bb97e19cf6b93af6d",
}
STAMP = "verified.json"


def _stamp(path: Path) -> dict[str, list[int]]:
    return {name: [(path / name).stat().st_size, (path / name).stat().st_mtime_ns] for name in PKUSEG_FILES}


def _is_verified(path: Path) -> bool:
    """Whether the model files are present and match the pinned sums (hashed once, then stamped)."""
    if not all((path / name).is_file() for name in PKUSEG_FILES):
        return False
    stamp = path / STAMP
    if stamp.is_file() and json.loads(stamp.read_text()) == _stamp(path):
        return True
    if all(sha256_file(path / name) == digest for name, digest in PKUSEG_FILES.items()):
        stamp.write_text(json.dumps(_stamp(path)))
        return True
    return False


def _download_sdist(folder: Path) -> Path:
    """Fetch the pkuseg sdist through pip (no install; pip needs setuptools, wheel and numpy to
    read its metadata, hence no build isolation)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation", "--quiet",
           "-d", str(folder), PKUSEG_REQUIREMENT]
    result = subprocess.run(cmd, capture_output=True, text=True)
    sdist = folder / PKUSEG_SDIST
    if result.returncode != 0 or not sdist.is_file():
        reason = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise OSError(reason)
    return sdist


def fetch_pkuseg_model(cache: str | Path | None = None, *, sdist: Path | None = None) -> Path:
    """Return the folder of the verified pkuseg model, fetching it first when it is missing."""
    target = cache_root(cache) / "pkuseg" / "default"
    if _is_verified(target):
        return target
    what_to_do = (
        f"run `python -m pip download --no-deps --no-build-isolation -d DIR {PKUSEG_REQUIREMENT}` where PyPI "
        f"is reachable, then `python -m pipeline fetch-model --sdist DIR/{PKUSEG_SDIST}`"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            sdist = sdist or _download_sdist(Path(tmp))
        except OSError as error:
            raise UserError(f"pkuseg model missing from {target} and could not be fetched ({error}); {what_to_do}") from None
        if sha256_file(sdist) != PKUSEG_SDIST_SHA256:
            raise UserError(f"{sdist}: sha256 does not match the pinned {PKUSEG_REQUIREMENT} sum; {what_to_do}")
        staging = Path(tmp) / "model"
        staging.mkdir()
        _extract_model(sdist, staging)
        if not _is_verified(staging):
            raise UserError(f"{sdist}: model files do not match the pinned sums; {what_to_do}")
        if target.exists():
            for p in target.iterdir():
                p.unlink()
            target.rmdir()
        os.replace(staging, target)
    return target


def _extract_model(sdist: Path, folder: Path) -> None:
    """Extract the model files by name (nothing else leaves the archive), check the pinned sums,
    and convert the verified features pickle to msgpack."""
    with tarfile.open(sdist, "r:gz") as tar:
        for name, digest in SDIST_FILES.items():
            member = tar.getmember(f"{PKUSEG_MODEL_DIR}/{name}")
            with tar.extractfile(member) as src, open(folder / name, "wb") as dst:  # type: ignore[union-attr]
                while block := src.read(1 << 20):
                    dst.write(block)
            if sha256_file(folder / name) != digest:
                raise UserError(f"{sdist}: {name} does not match its pinned sha256; the download is corrupt or not {PKUSEG_REQUIREMENT}")
    with open(folder / "features.pkl", "rb") as f:
        features = pickle.load(f)  # trusted: its sha256 was checked against the pinned sum just above
    srsly.write_msgpack(folder / "features.msgpack", {k: features[k] for k in ("unigram", "bigram", "feature_to_idx", "tag_to_idx")})
    (folder / "features.pkl").unlink()


@registry.misc("pipeline.pkuseg_model.v1")
def pkuseg_model(cache_dir: str | None = None) -> str:
    """The pkuseg model folder for ``[initialize.tokenizer] pkuseg_model``, fetched when missing."""
    return str(fetch_pkuseg_model(cache_dir))


def user_dictionary_words(surfaces: list[str]) -> list[str]:
    """Surface forms that should stay whole words: CJK names of two characters or more.

    Pure ASCII/digit aliases (141, G20) are left out: as user words they would cut numbers apart.
    """
    return sorted({s for s in surfaces if len(s) >= 2 and not s.isascii()})


@registry.misc("pipeline.lexicon_user_dict.v1")
def lexicon_user_dict(path: str, cache_dir: str | None = None) -> str:
    """A pkuseg user dictionary file (one word a line) of the lexicon's names, for
    ``[initialize.tokenizer] pkuseg_user_dict``: it must exist before the tokenizer initializes,
    so that the EntityRuler's phrase patterns are cut the same way as the text."""
    words = user_dictionary_words([s for e in load_lexicon(path) for s in e.surfaces])
    content = "".join(f"{w}\n" for w in words)
    target = cache_root(cache_dir) / "user_dict" / f"{sha256_text(content)[:16]}.txt"
    if not target.is_file():
        with atomic_writer(target) as f:
            f.write(content)
    return str(target)
