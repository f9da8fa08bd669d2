"""Config errors: one line naming the file, the section and key, and what to do."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT
from pipeline.config import load_config, resolve
from pipeline.nlp import build_nlp
from pipeline.util import UserError

CONFIG = (ROOT / "configs" / "default.cfg").read_text(encoding="utf-8")


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert old in CONFIG
    path = tmp_path / "bad.cfg"
    path.write_text(CONFIG.replace(old, new), encoding="utf-8")
    return path


def first_error(path: Path, overrides: dict | None = None) -> str:
    with pytest.raises(UserError) as error:
        config = load_config(path, overrides)
        for section in ("reader", "cleaner", "export"):
            resolve(config, section, path)
        build_nlp(config, path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


@pytest.mark.parametrize("old, new, expected", [
    ('lang = "zh"', 'lang = "zh"\nlanguage = "zh"', "[nlp] language: unknown key; valid keys: lang, pipeline,"),
    ("[initialize]\n", "[initialize]\nvocab = null\n", "[initialize] vocab: unknown key; valid keys: vocab_data,"),
    ("path = ${paths.input}", "path = ${paths.input}\nencoding = \"gbk\"", "[reader] encoding: unknown key; valid keys: path, max_line_chars"),
    ("overwrite_ents = true", "overwrite_ents = true\nthreshold = 0.5", "[components.governance_lexicon] threshold: unknown key; valid keys: phrase_matcher_attr,"),
    ("path = ${paths.input}", "path = ${paths.inptu}", "[reader] path: ${paths.inptu} names no value in the config"),
    ("tokens = false", 'tokens = "maybe"', "[export] tokens: expected bool (got 'maybe')"),
    ("path = ${paths.input}", 'path = ${paths.input}\nmax_line_chars = "big"', "[reader] max_line_chars: expected int (got 'big')"),
    ("[paths]\n", "", "line 5: File contains no section headers"),
    ('@misc = "pipeline.jsonl_export.v1"', '@misc = "pipeline.jsonl_exports.v1"', "[export] [E893] Could not find function 'pipeline.jsonl_exports.v1' in function registry 'misc'"),
])
def test_config_error_names_the_key(tmp_path: Path, old: str, new: str, expected: str):
    assert first_error(edited(tmp_path, old, new)).startswith(expected)


def test_unknown_factory_is_one_sentence(tmp_path: Path):
    message = first_error(edited(tmp_path, 'factory = "entity_ruler"', 'factory = "entity_rulr"'))
    assert message == "[E002] Can't find factory for 'entity_rulr' for language Chinese (zh)"


def test_overrides_are_checked_like_the_file():
    path = ROOT / "configs" / "default.cfg"
    assert first_error(path, {"system.batch_sise": 8}).startswith("[system] batch_sise: unknown key; valid keys: seed,")
    assert first_error(path, {"export.unit": "page"}).startswith("[export] unit: expected one of 'paragraph', 'article', 'document'")


def test_config_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin.cfg"
    path.write_bytes(CONFIG.encode("utf-8").replace(b"seed = 0", b"# caf\xe9\nseed = 0"))
    assert first_error(path).endswith("not UTF-8; save the config as UTF-8")
