"""The one place that makes a spaCy pipeline from a run config: whole (``run``, ``annotate``,
``pipeline.load``) or cut down to some of its components (the lexicon stage that NER evaluation
scores against, the tokenizer alone that topic training cuts words with, the tokenizer and one
topic model for topic evaluation).

The components, tokenizers and functions a config names are found through spaCy's entry points
(``pyproject.toml``), so nothing here imports them.
"""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Sequence

from confection import Config, ConfigValidationError
from spacy.language import Language
from spacy.util import load_model_from_config

from .config import first_line, load_config, one_line
from .util import UserError


def build_nlp(config: Config, path: str | Path, components: Sequence[str] | None = None) -> Language:
    """Create the spaCy pipeline from ``[nlp]``/``[components]`` and run ``[initialize]``; with
    ``components``, only those of the config's pipeline (in its order; ``[]``: the tokenizer alone)."""
    if components is not None:
        config = cut_down(config, components)
    # Unpacking the pkuseg features (a dict of 2.6 million strings) triggers one full garbage
    # collection after another over the growing heap; paused, the start-up takes about half the time.
    gc.disable()
    try:
        nlp = load_model_from_config(config, auto_fill=True, validate=True)
        nlp.initialize()
    except UserError:
        raise
    except ConfigValidationError as error:
        raise UserError(one_line(error, path, config)) from None
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path}: {first_line(error)}") from None
    finally:
        gc.enable()
    return nlp


def cut_down(config: Config, components: Sequence[str]) -> Config:
    """A copy of ``config`` whose pipeline holds only ``components`` (those it names, in its order)."""
    config = config.copy()
    keep = set(components)
    config["nlp"]["pipeline"] = [name for name in config["nlp"]["pipeline"] if name in keep]
    for section in (config["components"], config["initialize"].get("components", {})):
        for name in [name for name in section if name not in keep]:
            del section[name]
    return config


def load_nlp(config_path: str | Path, overrides: dict[str, Any] | None = None,
             components: Sequence[str] | None = None) -> Language:
    """``build_nlp`` of the config file at ``config_path`` with dotted ``overrides``."""
    return build_nlp(load_config(config_path, overrides), config_path, components)


def tokenizer_nlp(config_path: str | Path) -> Language:
    """The run config's tokenizer alone (pkuseg and the lexicon's user dictionary): the run's words."""
    return load_nlp(config_path, components=[])


def upto_nlp(config_path: str | Path, last: str, overrides: dict[str, Any] | None = None) -> tuple[Language, Config]:
    """The run config's pipeline up to and with its component ``last``, and the whole config."""
    config = load_config(config_path, overrides)
    names = list(config["nlp"]["pipeline"])
    if last not in names:
        raise UserError(f"{config_path}: no {last} component in [nlp] pipeline")
    return build_nlp(config, config_path, names[: names.index(last) + 1]), config


def with_component(config_path: str | Path, name: str, settings: dict[str, Any]) -> Language:
    """The run config's tokenizer followed by one component ``name`` made from ``settings``
    (``factory`` and its arguments) instead of the config's own components."""
    config = load_config(config_path)
    config["components"][name] = settings
    config["nlp"]["pipeline"] = [name]
    config["initialize"].get("components", {}).pop(name, None)
    return build_nlp(config, config_path, [name])
