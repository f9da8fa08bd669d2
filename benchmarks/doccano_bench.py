"""Time push and pull of N paragraphs against a local doccano 1.8.4 (not a test: prints seconds).

    python benchmarks/doccano_bench.py [--units 1000] [--input RUN/annotated.jsonl] [--confirm]

Without --input it runs the default config over the seeds first. The units are repeated with
new ids until there are N of them. A fresh server is started on a free loopback port (the venv is
the cached one) and stopped at the end.
"""
from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import typer

from pipeline.doccano.client import Credentials, DoccanoClient
from pipeline.doccano.server import running_server
from pipeline.doccano.sync import pull, push, status
from pipeline.jsonl import records
from pipeline.paths import PROJECT_ROOT
from pipeline.util import write_jsonl


def seed_units(work: Path) -> Path:
    out = work / "run"
    cmd = [sys.executable, "-m", "pipeline", "run", "configs/default.cfg", "--output", str(out), "--quiet"]
    subprocess.run(cmd, cwd=PROJECT_ROOT, check=True)
    return out / "annotated.jsonl"


def repeat_units(path: Path, n: int, dest: Path) -> Path:
    """``n`` units made from those of ``path``, ids made unique with a ``#k`` suffix."""
    base = records(path)
    units = [{**u, "id": f"{u['id']}#{i // len(base)}"} for i, u in enumerate(base * (n // len(base) + 1))][:n]
    write_jsonl(dest, units)
    return dest


def main(
    units: int = typer.Option(1000, "--units", help="How many paragraphs to push and pull"),
    input: Optional[Path] = typer.Option(None, "--input", help="An annotated.jsonl (default: a run over the seeds)"),
    confirm: bool = typer.Option(False, "--confirm", help="Also time a pull after every unit was confirmed"),
) -> None:
    with tempfile.TemporaryDirectory(prefix="doccano-bench-") as tmp:
        work = Path(tmp)
        data = repeat_units(input or seed_units(work), units, work / "units.jsonl")
        password = secrets.token_urlsafe(18)
        t = time.perf_counter()
        with running_server(work / "doccano", "admin", password) as server:
            print(f"server start: {time.perf_counter() - t:.1f} s", file=sys.stderr)
            with DoccanoClient(Credentials(server.url, "admin", password)) as client:
                t = time.perf_counter()
                report = push(client, data, "bench")
                push_s = time.perf_counter() - t
                t = time.perf_counter()
                again = push(client, data, "bench")
                repush_s = time.perf_counter() - t
                t = time.perf_counter()
                pulled = pull(client, "bench", work / "pulled.jsonl")
                pull_s = time.perf_counter() - t
                t = time.perf_counter()
                status(client, "bench")
                status_s = time.perf_counter() - t
                if confirm:
                    pid = client.project("bench")["id"]
                    for ex in list(client.examples(pid)):
                        client.post(f"/v1/projects/{pid}/examples/{ex['id']}/states", {})
                    t = time.perf_counter()
                    confirmed = pull(client, "bench", work / "confirmed.jsonl", confirmed_only=True)
                    confirmed_s = time.perf_counter() - t
        if not report.uploaded == again.skipped == pulled.written == units:
            raise SystemExit(f"expected {units} units each time: {report}, {again}, {pulled}")
        print(f"push {units} paragraphs: {push_s:.2f} s")
        print(f"push again (all skipped): {repush_s:.2f} s")
        print(f"pull {units} paragraphs: {pull_s:.2f} s")
        print(f"status: {status_s:.2f} s")
        if confirm:
            print(f"pull {confirmed.written} confirmed paragraphs (who confirmed each): {confirmed_s:.2f} s")


if __name__ == "__main__":
    typer.run(main)
