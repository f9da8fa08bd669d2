"""Turn user errors into one line on stderr and exit code 2, without a traceback; warnings as one line too."""
from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable, TypeVar

import typer

from ..util import UserError, shown

F = TypeVar("F", bound=Callable[..., Any])


def warning(message: str) -> None:
    """Print ``warning: message`` on stderr (what the library hands to a ``warn`` callback)."""
    typer.echo(f"warning: {message}", err=True)


def user_errors(func: F) -> F:
    """Decorate a command: a ``UserError`` or an operating-system error (a path that cannot be
    written, a full disk) prints ``error: ...`` and exits 2; Ctrl-C exits 130; a closed pipe
    (``... | head``) ends the command quietly."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as error:
            for note in error.notes:
                typer.echo(note, err=True)
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: no output was half-written", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # As Python's documentation advises: no more output, and no error at exit when flushing.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except OSError as error:
            where = f"{shown(error.filename)}: " if error.filename else ""
            typer.echo(f"error: {where}{error.strerror or error}; check the path, its permissions and the free space", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
