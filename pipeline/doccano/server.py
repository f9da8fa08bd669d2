"""Install, start and stop a local doccano 1.8.4 server for development and tests.

doccano pins an old stack (pydantic 1, numpy<2, pandas 1.x) that conflicts with ours, so it lives in its
own virtual environment, created on first use and reused while it is complete and at the pinned version.
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx

from ..util import UserError

DOCCANO_VERSION = "1.8.4"
REQUIREMENTS = [f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4"]
_MARKER = ".govnlp-complete"

# Run inside the doccano venv: migrate, create the roles and the admin user in one process. The password
# comes from the environment, never from the command line (visible to every user in `ps`).
_INIT_SCRIPT = """
import os, sys
sys.argv = ["doccano"]
import backend.cli  # sets DATABASE_URL / MEDIA_ROOT defaults and sys.path like the `doccano` command
import django
django.setup()
from django.core import management
management.call_command("wait_for_db")
management.call_command("migrate", verbosity=0)
management.call_command("create_roles")
management.call_command("create_admin", "--noinput", username=os.environ["GOVNLP_ADMIN_USERNAME"],
                        password=os.environ.pop("GOVNLP_ADMIN_PASSWORD"), email="admin@example.com")
"""


def default_venv() -> Path:
    """Where the doccano venv lives: $GOVNLP_DOCCANO_VENV or the user cache folder."""
    if env := os.environ.get("GOVNLP_DOCCANO_VENV"):
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "govnlp" / "doccano-venv"


def ensure_venv(venv: Path | None = None, python: str = sys.executable) -> Path:
    """Create the doccano venv unless a complete one at the pinned version is there; return its path."""
    venv = Path(venv or default_venv())
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions must not build the same venv at once
        if _venv_is_complete(venv):
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        log = venv.parent / f"{venv.name}-install.log"
        with open(log, "w") as out:
            steps = [
                [python, "-m", "venv", str(venv)],
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
            ]
            for cmd in steps:
                if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                    raise UserError(f"Installing doccano {DOCCANO_VERSION} into {venv} failed, see {log}")
        (venv / _MARKER).write_text(json.dumps(REQUIREMENTS))
    return venv


def _venv_is_complete(venv: Path) -> bool:
    marker = venv / _MARKER
    return (venv / "bin" / "doccano").exists() and marker.exists() and json.loads(marker.read_text()) == REQUIREMENTS


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running local doccano: gunicorn on 127.0.0.1 plus the celery worker."""

    url: str
    data_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list, repr=False)


def server_env(data_dir: Path) -> dict[str, str]:
    """Environment shared by every doccano process: one sqlite database and one media folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_", "GOVNLP_ADMIN_"))}
    env.update(
        DOCCANO_HOME=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'db.sqlite3'}",
        MEDIA_ROOT=str(data_dir / "media"),
        DJANGO_SETTINGS_MODULE="config.settings.production",
        STANDALONE="True",
        DEBUG="False",
        PYTHONUNBUFFERED="1",
    )
    return env


def init_server(venv: Path, data_dir: Path, username: str, password: str) -> None:
    """Migrate the database and create the admin user (idempotent)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(data_dir) | {"GOVNLP_ADMIN_USERNAME": username, "GOVNLP_ADMIN_PASSWORD": password}
    log = data_dir / "init.log"
    with open(log, "w") as out:
        proc = subprocess.run([str(venv / "bin" / "python"), "-c", _INIT_SCRIPT], env=env, stdout=out,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise UserError(f"Initialising doccano in {data_dir} failed, see {log}")


def start_server(
    data_dir: Path,
    username: str,
    password: str,
    port: int | None = None,
    venv: Path | None = None,
    workers: int = 2,
    timeout: float = 120.0,
) -> Server:
    """Install if needed, initialise, start gunicorn and the task worker, and wait until healthy."""
    venv = ensure_venv(venv)
    data_dir = Path(data_dir).resolve()
    init_server(venv, data_dir, username, password)
    port = port or free_port()
    env = server_env(data_dir)
    backend = _backend_dir(venv)
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    # `doccano webserver` binds 0.0.0.0; run gunicorn ourselves to stay on the loopback interface.
    web = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--chdir", str(backend), "--timeout", "120", "config.wsgi"]
    task = [str(venv / "bin" / "doccano"), "task", "--concurrency", "1"]
    server = Server(url=f"http://127.0.0.1:{port}", data_dir=data_dir)
    try:
        for name, cmd in (("webserver", web), ("task", task)):
            out = open(logs / f"{name}.log", "ab")
            server.processes.append(
                subprocess.Popen(cmd, env=env, cwd=backend, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True, preexec_fn=_die_with_parent)
            )
            out.close()
        wait_healthy(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the thread that started it ends (start servers from a long-lived
    thread), so a killed test run leaves no server behind."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _backend_dir(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages/backend"))
    if not found:
        raise UserError(f"No doccano backend found in {venv}")
    return found[0]


def wait_healthy(server: Server, timeout: float) -> None:
    """Poll ``/v1/health/`` until it answers 200; fail early if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in server.processes:
            if proc.poll() is not None:
                raise UserError(f"doccano exited early (code {proc.returncode}), see {server.data_dir / 'logs'}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/v1/health/", timeout=5, headers={"Accept": "application/json"}).is_success:
                return
        time.sleep(0.5)
    raise UserError(f"doccano at {server.url} not healthy after {timeout:.0f}s, see {server.data_dir / 'logs'}")


def stop_server(server: Server, timeout: float = 20.0) -> None:
    """Stop gunicorn and the worker: SIGTERM to each main process (it stops its own workers), then
    SIGKILL to whatever is left in its process group after ``timeout``."""
    for proc in server.processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in server.processes:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    server.processes.clear()


@contextlib.contextmanager
def running_server(data_dir: Path, username: str, password: str, **kwargs) -> Iterator[Server]:
    """Context manager: a started server that is stopped on exit."""
    server = start_server(data_dir, username, password, **kwargs)
    try:
        yield server
    finally:
        stop_server(server)
