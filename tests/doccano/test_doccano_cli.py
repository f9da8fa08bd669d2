"""The doccano commands' failures: one line on stderr, exit code 2, no password, no partial output."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.doccano.client import Credentials, DoccanoClient
from pipeline.doccano.server import free_port

from doccano_units import units, write_jsonl  # tests/doccano/doccano_units.py


def error_line(proc: Any) -> str:
    """The single line a failed command printed on stderr."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_wrong_password_keeps_the_previous_output(cli: Any, admin_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    wrong = "not-" + admin_env["DOCCANO_PASSWORD"]
    proc = cli("doccano", "pull", "--project", "x", "--output", str(out), env={**admin_env, "DOCCANO_PASSWORD": wrong})
    line = error_line(proc)
    assert "wrong username or password" in line
    assert wrong not in proc.stdout + proc.stderr and admin_env["DOCCANO_PASSWORD"] not in proc.stdout + proc.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.jsonl"]  # no temporary file left behind


def test_server_down_writes_nothing(cli: Any, admin_env: dict[str, str], tmp_path: Path) -> None:
    env = {**admin_env, "DOCCANO_URL": f"http://127.0.0.1:{free_port()}"}
    out = tmp_path / "corpus.jsonl"
    proc = cli("doccano", "pull", "--project", "x", "--output", str(out), env=env)
    assert "cannot reach doccano at http://127.0.0.1:" in error_line(proc)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert admin_env["DOCCANO_PASSWORD"] not in proc.stdout + proc.stderr


def test_missing_password_is_asked_for(cli: Any, admin_env: dict[str, str]) -> None:
    env = {k: v for k, v in admin_env.items() if k != "DOCCANO_PASSWORD"}
    assert "DOCCANO_PASSWORD" in error_line(cli("doccano", "status", "--project", "x", env=env))


def test_missing_project_is_one_line(cli: Any, admin_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    proc = cli("doccano", "pull", "--project", "no-such-project", "--output", str(out), env=admin_env)
    assert "no doccano project named 'no-such-project'" in error_line(proc)
    assert not out.exists()


def test_push_of_a_bad_file_names_the_line_and_creates_nothing(
    cli: Any, admin_env: dict[str, str], admin: DoccanoClient, project_name: str, tmp_path: Path
) -> None:
    records = units()
    path = write_jsonl(tmp_path / "run.jsonl", records)
    with path.open("a", encoding="utf-8") as f:
        f.write('{"id": "fx:broken", "text": \n')
    proc = cli("doccano", "push", str(path), "--project", project_name, env=admin_env)
    assert f"{path}:{len(records) + 1}" in error_line(proc)
    assert admin.find_project(project_name) is None


def test_push_pull_status_through_the_command_line(
    cli: Any, admin_env: dict[str, str], annotator_creds: Credentials, project_name: str, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "run.jsonl", units())
    proc = cli("doccano", "push", str(path), "--project", project_name, env=admin_env)
    assert proc.returncode == 0, proc.stderr
    assert "3 unit(s) pushed to created project" in proc.stdout
    out = tmp_path / "corpus.jsonl"
    proc = cli("doccano", "pull", "--project", project_name, "--output", str(out), env=admin_env)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        u["id"] for u in units()
    ]
    proc = cli("doccano", "status", "--project", project_name, env=admin_env)
    assert proc.returncode == 0 and "3 unit(s), 0 confirmed" in proc.stdout
    # A user who is no member of the project does not see it.
    env = {**admin_env, "DOCCANO_USERNAME": annotator_creds.username, "DOCCANO_PASSWORD": annotator_creds.password}
    assert f"no doccano project named '{project_name}'" in error_line(
        cli("doccano", "status", "--project", project_name, env=env)
    )
