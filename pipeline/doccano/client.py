"""A small typed REST client for doccano 1.8.x.

Why not doccano-client: version 1.2.8 pins pydantic<2 (and through it an older spaCy) onto the
whole stack, and its pydantic-2 fork is broken. This client covers only what push, pull and
status need, on httpx, and turns every failure into one line that never shows the password.
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote, quote_plus

import httpx

from .. import jsonl
from ..util import UserError, shown

PROJECT_TYPE = "IntentDetectionAndSlotFilling"
# HTTP statuses worth another try: the server is starting, overloaded or restarting.
_TRANSIENT = {502, 503, 504}
_IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE"}


class DoccanoError(UserError):
    """A doccano request failed; the message is one line and never holds the password."""


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    password: str = field(repr=False)


class DoccanoClient:
    """Token-authenticated access to one doccano server."""

    def __init__(
        self,
        creds: Credentials,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        warn: Callable[[str], None] | None = None,
    ):
        url = httpx.URL(creds.url)
        if url.scheme not in ("http", "https") or not url.host:
            raise DoccanoError(f"the doccano URL must look like http://HOST:PORT, not {creds.url!r}")
        if url.userinfo:  # never echo it: it may hold a password
            raise DoccanoError("give the doccano user and password as DOCCANO_USERNAME/DOCCANO_PASSWORD, not in the URL")
        self.url = creds.url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        # Where warnings go (the command line prints them as ``warning: ...`` lines); kept here otherwise.
        self.warnings: list[str] = []
        self.warn = warn or self.warnings.append
        self._secret = creds.password
        self._http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)
        try:
            self._login(creds)
        except BaseException:
            self._http.close()
            raise

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DoccanoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------------------

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 204), body: bool = True,
                **kwargs: Any) -> httpx.Response:
        """Send a request, retrying transient failures with exponential backoff.

        Connection failures are retried for every method (nothing reached the server); timeouts,
        dropped connections and 502/503/504 only for idempotent methods, so that an upload is never sent
        twice. No message holds the password in any form (``redact``)."""
        # httpx's own ``retries`` covers connection failures only; these few lines spare a
        # dependency (tenacity) for the status codes and the idempotency rule.
        what = f"{method} {path}"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                resp = self._http.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if last:
                    raise DoccanoError(f"cannot reach doccano at {self.url} (is it running?)") from None
            except httpx.TimeoutException:
                if last or method not in _IDEMPOTENT:
                    raise DoccanoError(f"doccano at {self.url} timed out on {what}") from None
            except httpx.TransportError as e:  # the connection dropped (RemoteProtocolError, ReadError, ...)
                if last or method not in _IDEMPOTENT:
                    raise DoccanoError(f"doccano {what} failed: {type(e).__name__} (the connection dropped)") from None
            except httpx.HTTPError as e:
                raise DoccanoError(f"doccano {what} failed: {type(e).__name__}") from None
            else:
                if resp.status_code in ok:
                    return resp
                if last or resp.status_code not in _TRANSIENT or method not in _IDEMPOTENT:
                    raise DoccanoError(redact(_describe(what, resp, body=body), self._secret))
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Any:
        return self._json(self.request("GET", path, params=params))

    def post(self, path: str, payload: Any) -> Any:
        return self._json(self.request("POST", path, json=payload))

    def _json(self, resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:  # doccano answers unknown paths with its web page
            path = resp.request.url.path
            raise DoccanoError(f"{self.url} answered {path} with no JSON: is it a doccano 1.8 server?") from None

    def delete(self, path: str, payload: Any = None) -> None:
        self.request("DELETE", path, json=payload)

    def _login(self, creds: Credentials) -> None:
        payload = {"username": creds.username, "password": creds.password}
        # The answer to a login is never quoted: an error page may echo the request, password and all.
        resp = self.request("POST", "/v1/auth/login/", ok=(200, 400, 401, 403), body=False, json=payload)
        if resp.status_code != 200:
            raise DoccanoError(f"doccano at {self.url} refused the login of {shown(creds.username)!r}: wrong username or password")
        token = self._json(resp)
        if not isinstance(token, dict) or "key" not in token:
            raise DoccanoError(f"{self.url} gave no login token: is it a doccano 1.8 server?")
        self._http.headers["Authorization"] = f"Token {token['key']}"
        # Login also opens a session; with its cookie, DRF would demand a CSRF token on every POST.
        self._http.cookies.clear()

    def paged(self, path: str, page_size: int = 500, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a limit/offset paged list."""
        offset = 0
        while True:
            page = self.get(path, limit=page_size, offset=offset, **params)
            yield from page["results"]
            offset += len(page["results"])
            if not page.get("next") or not page["results"]:
                return

    # -- projects and label types -----------------------------------------------------------------

    def find_projects(self, name: str) -> list[dict[str, Any]]:
        """The projects called exactly ``name`` that this user is a member of, oldest first."""
        return sorted((p for p in self.paged("/v1/projects", q=name) if p["name"] == name), key=lambda p: p["id"])

    def find_project(self, name: str) -> dict[str, Any] | None:
        """The oldest project called exactly ``name`` that this user is a member of, if any; a warning
        when there are several (doccano does not keep names unique)."""
        matches = self.find_projects(name)
        if len(matches) > 1:
            self.warn(f"{len(matches)} doccano projects are named {name!r} (ids {', '.join(str(p['id']) for p in matches)}); "
                      f"using the oldest, id {matches[0]['id']}: rename or delete the others in doccano")
        return matches[0] if matches else None

    def delete_project(self, project_id: int) -> None:
        self.request("DELETE", f"/v1/projects/{project_id}")

    def project(self, name: str) -> dict[str, Any]:
        found = self.find_project(name)
        if found is None:
            raise DoccanoError(f"no doccano project named {name!r} at {self.url}")
        return found

    def create_project(self, name: str, description: str) -> dict[str, Any]:
        payload = {
            "name": name,
            "description": description,
            "project_type": PROJECT_TYPE,
            "resourcetype": f"{PROJECT_TYPE}Project",
            "collaborative_annotation": True,
            "allow_member_to_create_label_type": False,
            "random_order": False,
        }
        return self.post("/v1/projects", payload)

    def label_types(self, project_id: int, kind: str) -> list[dict[str, Any]]:
        """``kind`` is ``span`` or ``category``."""
        return self.get(f"/v1/projects/{project_id}/{kind}-types")

    def create_label_type(self, project_id: int, kind: str, text: str, color: str) -> dict[str, Any]:
        payload = {"text": text, "background_color": color, "text_color": _text_color(color)}
        return self.post(f"/v1/projects/{project_id}/{kind}-types", payload)

    # -- examples -----------------------------------------------------------------------------------

    def examples(self, project_id: int) -> Iterator[dict[str, Any]]:
        return self.paged(f"/v1/projects/{project_id}/examples")

    def delete_examples(self, project_id: int, ids: list[int]) -> None:
        if ids:  # an empty list would delete every example of the project
            self.delete(f"/v1/projects/{project_id}/examples", {"ids": ids})

    def states(self, project_id: int, example_id: int) -> list[dict[str, Any]]:
        """Confirmations of an example: ``confirmed_by`` (user id) and ``confirmed_at``."""
        return list(self.paged(f"/v1/projects/{project_id}/examples/{example_id}/states"))

    def users(self) -> dict[int, str]:
        """User id -> username, for every user of the server."""
        return {u["id"]: u["username"] for u in self.get("/v1/users")}

    # -- import and export ------------------------------------------------------------------------

    def upload(self, project_id: int, filename: str, data: bytes, *, timeout: float = 600.0) -> list[dict[str, Any]]:
        """Import a JSONL file in two steps (filepond upload, then import); return per-line errors."""
        upload_id = self.request("POST", "/v1/fp/process/", files={"filepond": (filename, data)}).text
        # The encoding is given: doccano's default guesses it with chardet, which misreads Chinese.
        payload = {"uploadIds": [upload_id], "task": PROJECT_TYPE, "format": "JSONL", "encoding": "utf_8"}
        task_id = self.post(f"/v1/projects/{project_id}/upload", payload)["task_id"]
        result = self.wait_task(task_id, timeout=timeout, what="import")
        return list((result or {}).get("error") or [])

    def export(self, project_id: int, *, confirmed_only: bool = False, timeout: float = 600.0) -> list[dict[str, Any]]:
        """Export the project as JSONL records (the server builds a zip; read in memory)."""
        payload = {"format": "JSONL", "exportApproved": confirmed_only}
        task_id = self.post(f"/v1/projects/{project_id}/download", payload)["task_id"]
        self.wait_task(task_id, timeout=timeout, what="export")
        resp = self.request("GET", f"/v1/projects/{project_id}/download", params={"taskId": task_id})
        return read_jsonl_zip(resp.content)

    def wait_task(self, task_id: str, *, timeout: float, what: str) -> Any:
        """Poll a celery task until it is ready; its result, or a DoccanoError."""
        deadline = time.monotonic() + timeout
        delay = 0.2
        while time.monotonic() < deadline:
            status = self.get(f"/v1/tasks/status/{task_id}")
            if status["ready"]:
                if status.get("error"):
                    raise DoccanoError(redact(f"doccano {what} task failed: {_one_line(str(status['error'].get('text', '')))}",
                                              self._secret))
                return status["result"]
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
        raise DoccanoError(f"doccano {what} task not done after {timeout:.0f}s (is the `doccano task` worker running?)")


def read_jsonl_zip(data: bytes) -> list[dict[str, Any]]:
    """The records of the JSONL files in an export zip.

    Entries are read in memory and nothing is extracted, so no entry can land outside a folder.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DoccanoError("doccano export is not a zip file") from None
    records = []
    with archive:
        for name in sorted(n for n in archive.namelist() if n.endswith(".jsonl")):
            # split on "\n" only: str.splitlines() would also cut at U+2028 and the like inside a text.
            records += [record for _, record in jsonl.parse_lines(archive.read(name).decode("utf-8").split("\n"), name)]
    return records


def _describe(what: str, resp: httpx.Response, body: bool = True) -> str:
    if not body:
        return f"doccano {what} failed: HTTP {resp.status_code} {resp.reason_phrase}"
    try:
        content = resp.json()
        detail = content.get("detail", content) if isinstance(content, dict) else content
    except ValueError:
        detail = resp.reason_phrase
    return f"doccano {what} failed: HTTP {resp.status_code}: {_one_line(str(detail))}"


def secret_forms(secret: str) -> set[str]:
    """Every form in which ``secret`` can appear in a server's answer or a message built from one: raw,
    JSON-escaped (with and without ``\\uXXXX`` escapes), URL-encoded (form and path style), Python's
    ``repr``, and each of these with runs of white space collapsed to one space (as ``_one_line`` does)."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret, safe=""),
             quote_plus(secret), quote(secret), repr(secret)[1:-1], str(secret.encode("utf-8"))[2:-1]}
    forms |= {json.dumps(form)[1:-1] for form in list(forms)}  # escaped twice (a JSON body quoting a JSON string)
    forms |= {repr(form)[1:-1] for form in list(forms)}  # a repr of a structure holding any of them
    forms |= {" ".join(form.split()) for form in list(forms)}
    return {form for form in forms if form.strip()}


def redact(text: str, secret: str) -> str:
    """``text`` with every form of ``secret`` replaced by ``********`` (longest forms first)."""
    if not secret:
        return text
    for form in sorted(secret_forms(secret), key=len, reverse=True):
        text = text.replace(form, "********")
    return text


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (#rrggbb)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"
