"""Signing in to doccano: the password from the command line, ``$DOCCANO_PASSWORD`` or the netrc file."""
from __future__ import annotations

import netrc
import os
from typing import Optional
from urllib.parse import urlsplit

from ..util import UserError
from .client import Credentials, DoccanoClient


def connect(url: str, username: str, password: Optional[str]) -> DoccanoClient:
    """A client of the doccano server at ``url``; without a ``password``, the netrc file's."""
    if not password:
        password = netrc_password(url, username)
    if not password:
        raise UserError("no doccano password: set DOCCANO_PASSWORD, give the server a line in your netrc file, or pass --password")
    return DoccanoClient(Credentials(url, username, password))


def netrc_password(url: str, username: str) -> Optional[str]:
    """The password of ``username`` at ``url``'s host from the netrc file ($NETRC or ~/.netrc), as curl reads it."""
    file = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        # None for ~/.netrc: then netrc also refuses a file that others can read or that is not ours
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(urlsplit(url).hostname or "")
    except FileNotFoundError:
        return None
    except netrc.NetrcParseError as error:  # its message may quote a token of the file: leave it out
        if error.msg.startswith("~/.netrc"):  # not ours, or readable by others
            raise UserError(f"{file}: {error.msg.removeprefix('~/.netrc ')}; fix it (chmod 600 {file})") from None
        raise UserError(f"{file}: line {error.lineno}: not a valid netrc file; fix that line") from None
    login, _, password = entry or (None, None, None)
    return password if password and login in (None, "", username) else None
