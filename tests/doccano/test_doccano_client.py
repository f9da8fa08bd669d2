"""The REST client: retries, timeouts and one-line errors (the real server, and a scripted one for faults)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from pipeline.doccano.client import Credentials, DoccanoClient, DoccanoError, read_jsonl_zip
from pipeline.doccano.server import free_port

SECRET = "pw-very-secret-123"


def scripted(responses: list[int | type[Exception]], log: list[str]) -> httpx.MockTransport:
    """A server that answers the login, then the given statuses (or raises the given errors) in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/login/":
            return httpx.Response(200, json={"key": "tok"})
        log.append(f"{request.method} {request.url.path}")
        outcome = responses.pop(0)
        if isinstance(outcome, type):
            raise outcome("scripted", request=request)
        return httpx.Response(outcome, json={"detail": f"status {outcome}", "results": [], "next": None})

    return httpx.MockTransport(handle)


def client(responses: list, log: list[str]) -> DoccanoClient:
    creds = Credentials("http://doccano.test", "admin", SECRET)
    return DoccanoClient(creds, transport=scripted(responses, log), backoff=0.001)


def test_transient_errors_of_a_get_are_retried() -> None:
    log: list[str] = []
    assert client([503, httpx.ReadTimeout, 502, 200], log).get("/v1/projects") is not None
    assert log == ["GET /v1/projects"] * 4


def test_a_post_is_not_resent_after_the_server_saw_it() -> None:
    log: list[str] = []
    with pytest.raises(DoccanoError, match=r"^doccano POST /v1/projects failed: HTTP 503: status 503$"):
        client([503, 200], log).post("/v1/projects", {})
    assert log == ["POST /v1/projects"]


def test_a_post_is_retried_when_it_never_reached_the_server() -> None:
    log: list[str] = []
    client([httpx.ConnectError, httpx.ConnectTimeout, 201], log).post("/v1/projects", {})
    assert log == ["POST /v1/projects"] * 3


def test_a_post_that_timed_out_after_sending_is_not_resent() -> None:
    log: list[str] = []
    with pytest.raises(DoccanoError, match="timed out on POST /v1/projects"):
        client([httpx.ReadTimeout, 201], log).post("/v1/projects", {})
    assert log == ["POST /v1/projects"]


def test_retries_give_up_with_one_line() -> None:
    log: list[str] = []
    with pytest.raises(DoccanoError) as err:
        client([503] * 10, log).get("/v1/projects")
    assert len(log) == 5 and "\n" not in str(err.value) and "HTTP 503" in str(err.value)


def test_client_errors_are_not_retried() -> None:
    log: list[str] = []
    with pytest.raises(DoccanoError, match="HTTP 404"):
        client([404, 200], log).get("/v1/projects/9")
    assert log == ["GET /v1/projects/9"]


def test_a_web_page_instead_of_json_is_one_line() -> None:
    page = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>doccano</html>"))
    with pytest.raises(DoccanoError, match=r"answered /v1/auth/login/ with no JSON: is it a doccano 1\.8 server\?$"):
        DoccanoClient(Credentials("http://doccano.test", "admin", SECRET), transport=page)


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://doccano.test", "http://"])
def test_a_malformed_url_is_one_line(url: str) -> None:
    with pytest.raises(DoccanoError, match="must look like http://HOST:PORT"):
        DoccanoClient(Credentials(url, "admin", SECRET))


def test_a_password_in_the_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(DoccanoError) as err:
        DoccanoClient(Credentials(f"http://admin:{SECRET}@doccano.test", "admin", SECRET))
    assert "DOCCANO_PASSWORD" in str(err.value) and SECRET not in str(err.value)


def test_password_is_not_in_the_repr() -> None:
    assert SECRET not in repr(Credentials("http://x", "admin", SECRET))


def export_zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_export_zip_is_read_in_memory_and_never_extracted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = '{"id": "a", "text": "行\u2028分隔"}\n{"id": "b", "text": "x"}\n'
    records = read_jsonl_zip(export_zip({"../../evil.jsonl": text, "notes.txt": "ignored"}))
    assert [r["id"] for r in records] == ["a", "b"]
    assert records[0]["text"] == "行\u2028分隔"  # a line separator inside a text is not a line break
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent.parent / "evil.jsonl").exists()


def test_not_a_zip_is_one_line() -> None:
    with pytest.raises(DoccanoError, match="not a zip"):
        read_jsonl_zip(b"<html>oops</html>")


# -- the real server ------------------------------------------------------------------------------


def test_wrong_password_is_one_clear_line(admin_creds: Credentials) -> None:
    wrong = Credentials(admin_creds.url, admin_creds.username, "not-" + admin_creds.password)
    with pytest.raises(DoccanoError) as err:
        DoccanoClient(wrong)
    message = str(err.value)
    assert "wrong username or password" in message and "\n" not in message
    assert wrong.password not in message and admin_creds.password not in message


def test_server_down_is_one_clear_line() -> None:
    creds = Credentials(f"http://127.0.0.1:{free_port()}", "admin", SECRET)
    with pytest.raises(DoccanoError, match=r"cannot reach doccano at http://127\.0\.0\.1:\d+") as err:
        DoccanoClient(creds, backoff=0.01)
    assert SECRET not in str(err.value)


def test_failed_import_reports_its_lines(admin: DoccanoClient, project_name: str) -> None:
    pid = admin.create_project(project_name, "import errors")["id"]
    data = '{"text": "有效的一行", "entities": [], "cats": []}\n{"text": "", "entities": [], "cats": []}\nnot json\n'
    errors = admin.upload(pid, "bad.jsonl", data.encode())
    assert sorted(e["line"] for e in errors) == [2, 3]


def test_examples_are_paged(admin: DoccanoClient, project_name: str) -> None:
    pid = admin.create_project(project_name, "paging")["id"]
    data = "".join(f'{{"text": "第{i}段", "entities": [], "cats": []}}\n' for i in range(7)).encode()
    assert admin.upload(pid, "p.jsonl", data) == []
    texts = [ex["text"] for ex in admin.paged(f"/v1/projects/{pid}/examples", page_size=3)]
    assert sorted(texts) == sorted(f"第{i}段" for i in range(7))


def test_project_lookup_is_exact(admin: DoccanoClient, project_name: str) -> None:
    admin.create_project(project_name + "-longer", "x")
    assert admin.find_project(project_name) is None
    made = admin.create_project(project_name, "x")
    assert admin.find_project(project_name)["id"] == made["id"]


def test_a_task_that_never_finishes_is_one_line_after_its_time_out() -> None:
    polls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/login/":
            return httpx.Response(200, json={"key": "tok"})
        polls.append(request.url.path)
        return httpx.Response(200, json={"ready": False, "result": None, "error": None})

    c = DoccanoClient(Credentials("http://doccano.test", "admin", SECRET), transport=httpx.MockTransport(handle), backoff=0.001)
    with pytest.raises(DoccanoError, match=r"import task not done after 1s") as error:
        c.wait_task("t-1", timeout=1.0, what="import")
    assert "\n" not in str(error.value) and SECRET not in str(error.value)
    assert len(polls) >= 2 and set(polls) == {"/v1/tasks/status/t-1"}


def test_a_dropped_connection_on_a_get_is_retried_but_not_on_a_post() -> None:
    """Issue 18, item 13: "Server disconnected without sending a response" and the like."""
    log: list[str] = []
    assert client([httpx.RemoteProtocolError, httpx.ReadError, 200], log).get("/v1/projects") is not None
    assert log == ["GET /v1/projects"] * 3
    log.clear()
    with pytest.raises(DoccanoError, match=r"POST /v1/projects failed: RemoteProtocolError \(the connection dropped\)"):
        client([httpx.RemoteProtocolError, 201], log).post("/v1/projects", {})
    assert log == ["POST /v1/projects"]
