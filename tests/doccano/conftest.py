"""One real doccano 1.8.4 server per test session, on a free loopback port.

It is started the way a user starts one, with ``python -m pipeline doccano serve``, and stopped
with SIGTERM at the end of the session (which must end it cleanly). The server's venv is built on
first use and cached (``~/.cache/govnlp/doccano-venv`` or ``$GOVNLP_DOCCANO_VENV``); its data
folder is new for every session.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from pipeline.doccano.client import Credentials, DoccanoClient
from pipeline.doccano.server import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin"
ANNOTATOR = "annie"
UPLOAD_LIMIT = 3 * 1024 * 1024


@pytest.fixture(scope="session")
def admin_password() -> str:
    return "pw-" + secrets.token_urlsafe(18)


@dataclass
class Served:
    url: str
    port: int
    data_dir: Path


def _wait_until_up(proc: subprocess.Popen, out: Path, timeout: float) -> bool:
    """Wait for ``serve`` to say that the server is up (False on time-out or exit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if "is up" in out.read_text(errors="replace"):
            return True
        time.sleep(1)
    return False


@pytest.fixture(scope="session")
def doccano(tmp_path_factory: pytest.TempPathFactory, admin_password: str) -> Iterator[Served]:
    """The running server; a fresh machine installs doccano first (minutes)."""
    data, port = tmp_path_factory.mktemp("doccano-data"), free_port()
    cmd = [sys.executable, "-m", "pipeline", "doccano", "serve", "--port", str(port), "--data", str(data)]
    # A small upload limit (doccano's own setting) lets a test make the server reject an import.
    env = {**os.environ, "DOCCANO_USERNAME": ADMIN, "DOCCANO_PASSWORD": admin_password,
           "MAX_UPLOAD_SIZE": str(UPLOAD_LIMIT)}
    # Named *.log so that the password checks read them too.
    out, err = data / "serve-stdout.log", data / "serve-stderr.log"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        if not _wait_until_up(proc, out, timeout=1200):
            raise RuntimeError(f"doccano serve did not come up (exit {proc.poll()}): {err.read_text()[-2000:]}")
        yield Served(f"http://127.0.0.1:{port}", port, data)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    assert proc.returncode == 0, f"doccano serve did not stop cleanly on SIGTERM: {err.read_text()[-2000:]}"


@pytest.fixture(scope="session")
def admin_creds(doccano: Any, admin_password: str) -> Credentials:
    return Credentials(doccano.url, ADMIN, admin_password)


@pytest.fixture
def admin(admin_creds: Credentials) -> Iterator[DoccanoClient]:
    with DoccanoClient(admin_creds) as client:
        yield client


@pytest.fixture(scope="session")
def annotator_creds(doccano: Any, admin_creds: Credentials) -> Credentials:
    """A second, non-admin user, the way a project admin would invite an annotator."""
    password = "an-" + secrets.token_urlsafe(18)
    with DoccanoClient(admin_creds) as client:
        payload = {"username": ANNOTATOR, "email": "annie@example.com", "password1": password, "password2": password}
        client.post("/v1/users/create", payload)
    return Credentials(doccano.url, ANNOTATOR, password)


@pytest.fixture
def project_name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def doccano_env(creds: Credentials) -> dict[str, str]:
    return {**os.environ, "DOCCANO_URL": creds.url, "DOCCANO_USERNAME": creds.username, "DOCCANO_PASSWORD": creds.password}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` in a fresh process, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def cli() -> Any:
    """``cli(*args, env=...)``: run the command line in a fresh process."""
    return run_cli


@pytest.fixture
def admin_env(admin_creds: Credentials) -> dict[str, str]:
    """The environment that points the command line at the test server as the admin."""
    return doccano_env(admin_creds)


def utf16(text: str, offset: int) -> int:
    """A Python (code point) offset as a JavaScript string index, the unit doccano's editor works in."""
    return len(text[:offset].encode("utf-16-le")) // 2


class Annotator:
    """Acts on a project through the REST API as doccano's editor does for a person.

    Methods take Python offsets (what the person sees: characters) and send what the intent
    detection page sends: UTF-16 code unit offsets (its editor runs without grapheme mode).
    """

    def __init__(self, client: DoccanoClient, project_id: int):
        self.client = client
        self.pid = project_id
        examples = list(client.examples(project_id))
        self.examples = {ex["meta"]["id"]: ex["id"] for ex in examples}
        self.texts = {ex["meta"]["id"]: ex["text"] for ex in examples}
        self.span_types = {t["text"]: t["id"] for t in client.label_types(project_id, "span")}
        self.topic_types = {t["text"]: t["id"] for t in client.label_types(project_id, "category")}

    def _path(self, unit_id: str, what: str) -> str:
        return f"/v1/projects/{self.pid}/examples/{self.examples[unit_id]}/{what}"

    def _offsets(self, unit_id: str, start: int, end: int) -> tuple[int, int]:
        text = self.texts[unit_id]
        return utf16(text, start), utf16(text, end)

    def spans(self, unit_id: str) -> list[dict[str, Any]]:
        """The spans as doccano holds them (UTF-16 offsets)."""
        return self.client.get(self._path(unit_id, "spans"))

    def _span(self, unit_id: str, start: int, end: int) -> dict[str, Any]:
        want = self._offsets(unit_id, start, end)
        (span,) = [s for s in self.spans(unit_id) if (s["start_offset"], s["end_offset"]) == want]
        return span

    def delete_span(self, unit_id: str, start: int, end: int) -> None:
        self.client.delete(self._path(unit_id, f"spans/{self._span(unit_id, start, end)['id']}"))

    def add_span(self, unit_id: str, start: int, end: int, label: str) -> None:
        s, e = self._offsets(unit_id, start, end)
        self.client.post(self._path(unit_id, "spans"), {"start_offset": s, "end_offset": e, "label": self.span_types[label]})

    def relabel_span(self, unit_id: str, start: int, end: int, label: str) -> None:
        span_id = self._span(unit_id, start, end)["id"]
        self.client.request("PATCH", self._path(unit_id, f"spans/{span_id}"), json={"label": self.span_types[label]})

    def set_topics(self, unit_id: str, topics: list[str]) -> None:
        for cat in self.client.get(self._path(unit_id, "categories")):
            self.client.delete(self._path(unit_id, f"categories/{cat['id']}"))
        for topic in topics:
            self.client.post(self._path(unit_id, "categories"), {"label": self.topic_types[topic]})

    def confirm(self, unit_id: str) -> None:
        self.client.post(self._path(unit_id, "states"), {})


@pytest.fixture
def make_annotator(admin: DoccanoClient, annotator_creds: Credentials) -> Iterator[Any]:
    """``make_annotator(project_name)``: the annotator, made a member of the project, acting on it."""
    clients: list[DoccanoClient] = []

    def make(project: str) -> Annotator:
        pid = admin.project(project)["id"]
        role = {r["name"]: r["id"] for r in admin.get("/v1/roles")}["annotator"]
        user = {u["username"]: u["id"] for u in admin.get("/v1/users")}[ANNOTATOR]
        admin.post(f"/v1/projects/{pid}/members", {"user": user, "role": role})
        clients.append(DoccanoClient(annotator_creds))
        return Annotator(clients[-1], pid)

    yield make
    for client in clients:
        client.close()
