"""Config files: spaCy's config system (confection) with one-line errors a user can act on.

A run config holds spaCy's own ``[nlp]``, ``[components]`` and ``[initialize]`` sections plus the
stages around them: ``[reader]``, ``[cleaner]``, ``[export]``, and ``[paths]`` / ``[system]``.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any, Literal, Optional

from confection import Config, ConfigValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spacy.schemas import ConfigSchemaInit, ConfigSchemaNlp
from spacy.util import registry

from .util import UserError

SECTIONS = ("paths", "system", "reader", "cleaner", "nlp", "components", "initialize", "export")


class SystemSettings(BaseModel):
    """``[system]``: how the run executes."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    n_process: int = Field(1, ge=1)
    batch_size: int = Field(64, ge=1)
    output: str = "runs/default"
    # Where the stages run: "local" (n_process processes here) or "dask" (dask.distributed workers).
    executor: Literal["local", "dask"] = "local"
    # dask: a scheduler address such as "tcp://host:8786"; null starts a LocalCluster of n_process workers.
    scheduler: Optional[str] = None
    # Documents are annotated in shards of about this many characters (the unit of work and of --resume).
    shard_chars: int = Field(20000, ge=1)
    # Write DIR/report.html (and its PNG figures) at the end of the run.
    report: bool = False


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read, override and interpolate a config; check its sections and ``[system]``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: config file not found; give a .cfg file such as configs/default.cfg")
    try:
        config = Config().from_disk(path, overrides=overrides or {}, interpolate=True)
    except ConfigValidationError as error:
        raise UserError(one_line(error, path)) from None
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: byte {error.start}: not UTF-8; save the config as UTF-8") from None
    except Exception as error:  # confection raises plain errors for syntax problems
        raise UserError(f"{path}: {first_line(error)}") from None
    missing = [s for s in SECTIONS if s not in config]
    if missing:
        raise UserError(f"{path}: missing section [{missing[0]}]; every run config needs [{'], ['.join(SECTIONS)}] (see configs/default.cfg)")
    unknown = [s for s in config if s not in SECTIONS]
    if unknown:
        raise UserError(f"{path}: unknown section [{unknown[0]}]; valid sections: {', '.join(SECTIONS)}")
    # spaCy checks the keys of its own sections only where they are used; a misspelt one would be ignored.
    for section, schema in (("nlp", ConfigSchemaNlp), ("initialize", ConfigSchemaInit)):
        unknown = [k for k in config[section] if k not in schema.model_fields]
        if unknown:
            raise UserError(f"{path}: [{section}] {unknown[0]}: unknown key; valid keys: {', '.join(schema.model_fields)}")
    system_settings(config, path)
    return config


def system_settings(config: Config, path: str | Path) -> SystemSettings:
    try:
        return SystemSettings(**config["system"])
    except ValidationError as error:
        err = error.errors()[0]
        key = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            valid = ", ".join(SystemSettings.model_fields)
            raise UserError(f"{path}: [system] {key}: unknown key; valid keys: {valid}") from None
        raise UserError(f"{path}: [system] {key}: {err['msg']} (got {err.get('input')!r})") from None


def resolve(config: Config, section: str, path: str | Path) -> Any:
    """Resolve one registered section (``[reader]``, ``[cleaner]``, ``[export]``) to its object."""
    try:
        return registry.resolve({section: config[section]}, validate=True)[section]
    except ConfigValidationError as error:
        raise UserError(one_line(error, path, config)) from None
    except Exception as error:  # e.g. catalogue.RegistryError for an unknown @function
        raise UserError(f"{path}: [{section}] {first_line(error)}") from None


def first_line(error: BaseException) -> str:
    """The first line of an error message; of spaCy's long ``[E...]`` messages, the first sentence."""
    text = str(error).strip()
    line = next((line.strip() for line in text.splitlines() if line.strip() and not set(line.strip()) <= set("=")), type(error).__name__)
    return line.split(". ")[0] if re.match(r"\[E\d+\]", line) else line


def _interpolation(error: ConfigValidationError) -> str | None:
    """A reference ``${section.key}`` to a value that does not exist, as one line."""
    m = re.search(r"option '([^']+)' in section '([^']+)' contains an interpolation key '([^']+)'", error.desc or "")
    if m is None:
        return None
    return f"[{m[2]}] {m[1]}: ${{{m[3]}}} names no value in the config; fix the name or add the value"


def _syntax(desc: str | None) -> str | None:
    """confection's several-line syntax errors as ``line N: what; the line``."""
    m = re.search(r"\n\n(.+?)(?::\s*'<string>')?\n.*?line:?\s+(\d+)\]?:?\s*(.*)", desc or "", re.S)
    if m is None:
        return " ".join(desc.split()) if desc else None
    return f"line {m[2]}: {m[1].strip().rstrip('.')}: {m[3].strip()}; fix the section header or the key = value line"


def _tidy(msg: str) -> str:
    """Pydantic's type messages as a user reads them: ``expected bool (got 'maybe')``."""
    m = re.fullmatch(r"(?:at root: )?(.*) is not (?:<class '(\w+)'>|typing\.Literal\[(.*)\])", msg)
    if m is None:
        return msg
    return f"expected {m[2] or 'one of ' + m[3]} (got {m[1]})"


def one_line(error: ConfigValidationError, path: str | Path, config: Config | None = None) -> str:
    """The first problem of a confection/spaCy validation error, naming the key and the valid ones."""
    if not error.errors:
        return f"{path}: {_interpolation(error) or _syntax(error.desc) or first_line(error)}"
    err = error.errors[0]
    loc = [str(x) for x in err.get("loc", [])]
    if error.parent:
        loc = error.parent.split(".") + loc
    component = _component_of_factory(config, loc[0]) if config is not None and loc and loc[0] not in config else None
    if component is not None:  # spaCy names a component's section by its factory
        loc = ["components", component] + loc[1:]
    where = f"[{'.'.join(loc[:-1])}] {loc[-1]}" if len(loc) > 1 else f"[{loc[0]}]" if loc else ""
    msg = _tidy(str(err.get("msg", "")))
    if ("extra" in msg or "unexpected" in msg) and config is not None and len(loc) > 1:
        valid = valid_keys(config, loc[:-1])
        if valid:
            return f"{path}: {where}: unknown key; valid keys: {', '.join(valid)}"
    return f"{path}: {where}: {msg}"


def _component_of_factory(config: Config, factory: str) -> str | None:
    return next((name for name, c in config.get("components", {}).items() if c.get("factory") == factory), None)


def valid_keys(config: Config, section: list[str]) -> list[str]:
    """The parameters of the registered function or component factory a section refers to."""
    node: Any = config
    for key in section:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict) and "factory" in node:
        func = registry.factories.get(node["factory"])
        return [p for p in inspect.signature(func).parameters if p not in ("nlp", "name")]
    ref = next((k for k in node if isinstance(k, str) and k.startswith("@")), None) if isinstance(node, dict) else None
    if ref is None:
        return []
    func = registry.get(ref[1:], node[ref])
    return [p for p in inspect.signature(func).parameters]
