"""Turn user errors into one line on stderr and exit code 2, without a traceback."""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import typer

from ..util import UserError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Decorate a command: a ``UserError`` prints ``error: ...`` and exits 2; Ctrl-C exits 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: no output was half-written", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]
