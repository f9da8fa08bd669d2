"""Options that several commands share (as spaCy's ``spacy/cli/_util.py`` holds its common ones)."""
from __future__ import annotations

from pathlib import Path

import typer

from ..paths import DEFAULT_CONFIG

def config_option(what: str) -> typer.models.OptionInfo:
    """``--config``: the run config whose stages, tokenizer or lexicon a command uses (``what``)."""
    return typer.Option(DEFAULT_CONFIG, "--config", "-c", help=what)


# doccano's server and account: flags, or the DOCCANO_* variables (and a netrc file for the password).
URL = typer.Option("http://127.0.0.1:8000", "--url", envvar="DOCCANO_URL", help="doccano server address")
USERNAME = typer.Option("admin", "--username", envvar="DOCCANO_USERNAME", help="doccano user name")
PASSWORD = typer.Option(
    None, "--password", envvar="DOCCANO_PASSWORD", show_default=False,
    help="doccano password (prefer the DOCCANO_PASSWORD variable: a flag is visible in the process list)",
)
PROJECT = typer.Option(..., "--project", "-p", help="doccano project name")

# The data of the correction loop's cheap training rounds (train small-ner, learning-curve).
STANDOFF = typer.Option(Path("corpus/gold/pd1998.standoff.jsonl"), "--gold",
                        help="Stand-off gold: its train split trains, its heldout split scores")
CORRECTIONS = typer.Option(Path("corpus/corrections"), "--corrections",
                           help="Folder of stand-off corrections (its *.jsonl files), or `none`")
EPOCHS = typer.Option(10, "--epochs", min=1, help="Training epochs per model")
SEED = typer.Option(0, "--seed", help="Seed of training and of the data order")


def optional_folder(path: Path | None) -> Path | None:
    """A folder option that the word ``none`` turns off."""
    return None if path is None or str(path) == "none" else path
