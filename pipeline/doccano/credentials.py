"""Signing in to doccano: the password from the command line, ``$DOCCANO_PASSWORD`` or the netrc file."""
from __future__ import annotations

import getpass
import netrc
import os
from typing import Callable, Iterator, Optional
from urllib.parse import urlsplit

from ..util import UserError, shown
from .client import Credentials, DoccanoClient


def connect(url: str, username: str, password: Optional[str],
            warn: Callable[[str], None] | None = None) -> DoccanoClient:
    """A client of the doccano server at ``url``; without a ``password``, the netrc file's. ``warn`` receives
    the client's warnings (e.g. several projects of one name); without it they stay in ``client.warnings``."""
    if not password:
        password = netrc_password(url, username)
    if not password:
        raise UserError("no doccano password: set DOCCANO_PASSWORD, give the server a line in your netrc file, or pass --password")
    return DoccanoClient(Credentials(url, username, password), warn=warn)


# -- the netrc file -------------------------------------------------------------------------------------


def netrc_tokens(text: str) -> Iterator[str]:
    """The tokens of a netrc file as Python's ``netrc`` and curl read them: white space separates them,
    ``"..."`` quotes one (with backslash escapes), ``#`` at the start of a token comments out the rest of
    the line, and a ``macdef`` body (up to the next blank line) is skipped."""
    i, n = 0, len(text)
    previous = ""
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        token = []
        if text[i] == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                token.append(text[i])
                i += 1
            i += 1
        else:
            while i < n and not text[i].isspace():
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                token.append(text[i])
                i += 1
        word = "".join(token)
        if previous == "macdef":  # the macro's name; its body runs to the next blank line
            end = text.find("\n\n", i)
            i = n if end < 0 else end
            previous = ""
            yield word
            continue
        previous = word
        yield word


def netrc_entries(text: str) -> list[dict[str, str | None]]:
    """``{"machine", "login", "password"}`` for every entry, in file order (``machine`` None for ``default``)."""
    entries: list[dict[str, str | None]] = []
    tokens = list(netrc_tokens(text))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "machine" and i + 1 < len(tokens):
            entries.append({"machine": tokens[i + 1], "login": None, "password": None})
            i += 2
        elif token == "default":
            entries.append({"machine": None, "login": None, "password": None})
            i += 1
        elif token in ("login", "user", "password", "passwd", "account", "macdef") and i + 1 < len(tokens):
            key = {"user": "login", "passwd": "password"}.get(token, token)
            if entries and key in ("login", "password"):
                entries[-1][key] = tokens[i + 1]
            i += 2
        else:
            i += 1
    return entries


def netrc_password(url: str, username: str, environ: dict[str, str] | None = None) -> str | None:
    """The password of ``username`` at ``url``'s host in the netrc file (``$NETRC``, else ``~/.netrc``), as
    curl picks it: among the host's entries (else the ``default`` entry) the one whose login is the user
    name, else one without a login. ``~/.netrc`` must be the user's own and readable by them alone
    (Python's ``netrc`` checks that); no message quotes a token of the file."""
    environ = os.environ if environ is None else environ
    file = environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        # None for ~/.netrc: then netrc also refuses a file that others can read or that is not ours
        netrc.netrc(environ.get("NETRC"))
        text = open(file, encoding="utf-8").read()
    except FileNotFoundError:
        return None
    except netrc.NetrcParseError as error:  # its message may quote a token of the file: leave it out
        if error.msg.startswith("~/.netrc"):  # not ours, or readable by others
            problem = error.msg.removeprefix("~/.netrc ")
            if problem.startswith("file owner"):
                raise UserError(f"{shown(file)}: belongs to another user; make it yours (chown {getpass.getuser()} "
                                f"{shown(file)}) or set NETRC to a netrc file of your own") from None
            raise UserError(f"{shown(file)}: {problem}; fix it (chmod 600 {shown(file)})") from None
        raise UserError(f"{shown(file)}: line {error.lineno}: not a valid netrc file; fix that line") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{shown(file)}: cannot be read ({getattr(error, 'strerror', None) or 'not UTF-8'})") from None
    host = urlsplit(url).hostname or ""
    entries = netrc_entries(text)
    for candidates in ([e for e in entries if e["machine"] == host], [e for e in entries if e["machine"] is None]):
        if not candidates:
            continue
        for entry in candidates:
            if entry["login"] == username and entry["password"]:
                return entry["password"]
        for entry in candidates:
            if not entry["login"] and entry["password"]:
                return entry["password"]
        return None  # the host has entries, none for this user: curl does not fall back to default then
    return None
