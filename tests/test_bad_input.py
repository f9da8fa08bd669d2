"""Bad input through the real CLI: one clear line each, no traceback, the good inputs still processed,
and the exit code tells what happened (0 all done, 3 something skipped, 2 nothing done: fix and rerun)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy
import psutil
import pytest
from matplotlib.image import imsave

from helpers import ROOT, read_jsonl

SEED = ROOT / "seeds" / "000_fe018ba71f599853.txt"
GB_TEXT = "金华市委政法委深化平安金华建设，推进新时代“枫桥经验”。\n"
BIG_MB = 50


def run_cli(*args: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess, int]:
    """``python -m pipeline ARGS`` and the peak memory (RSS, bytes) of the process, sampled."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, ps, start = 0, psutil.Process(proc.pid), time.monotonic()
    while proc.poll() is None and time.monotonic() - start < timeout:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
        pytest.fail(f"pipeline {' '.join(args)} still running after {timeout} s")
    stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), peak


def assert_one_line_no_traceback(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = [line for line in stderr.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, f"expected one line with {needles} in:\n{stderr}"
    return lines[0]


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """One run over a folder holding a good page beside every kind of bad file."""
    pages = tmp_path_factory.mktemp("pages")
    (pages / "good.txt").write_bytes(SEED.read_bytes())
    (pages / "empty.txt").write_bytes(b"")
    (pages / "blank.txt").write_text(" \n\u3000\u3000\n\t\n", encoding="utf-8")
    (pages / "gbk.txt").write_bytes(GB_TEXT.encode("gb18030"))
    (pages / "latin.txt").write_bytes("Ça coûte 5 €\n".encode("cp1252") + b"\x81\xff")  # neither UTF-8 nor GB18030
    imsave(pages / "photo.png", numpy.zeros((8, 8, 3)))
    (pages / "photo.png").rename(pages / "photo.txt")
    line = SEED.read_text(encoding="utf-8").replace("\n", "").encode("utf-8")
    (pages / "huge.txt").write_bytes(line * (BIG_MB * 2**20 // len(line) + 1))
    out = tmp_path_factory.mktemp("out")
    result, peak = run_cli("run", "configs/default.cfg", "--paths.input", str(pages), "--output", str(out), "--quiet")
    return pages, out, result, peak


@pytest.mark.parametrize("name, problem", [
    ("empty.txt", "empty, nothing to annotate"),
    ("blank.txt", "only white space, nothing to annotate"),
    ("latin.txt", "not valid UTF-8 (nor GB18030); convert the file to UTF-8"),
    ("photo.txt", "NUL byte, this is a binary file"),
    ("huge.txt", "line 1 has"),
])
def test_bad_file_is_skipped_with_one_line(folder_run, name: str, problem: str):
    pages, out, result, _ = folder_run
    line = assert_one_line_no_traceback(result.stderr, str(pages / name))
    assert line.startswith(f"skipped: {pages / name}: ") and problem in line
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["reason"] for s in manifest["skipped"] if s["input"] == str(pages / name)] == [line[len("skipped: "):]]


def test_folder_run_says_something_was_skipped_and_keeps_the_good_pages(folder_run):
    pages, out, result, _ = folder_run
    assert result.returncode == 3, result.stderr[-2000:]
    records = read_jsonl(out / "annotated.jsonl")
    assert {r["doc_id"] for r in records} == {"good", "gbk"}
    source = SEED.read_text(encoding="utf-8")
    for r in records:
        if r["doc_id"] == "good":
            assert all(r["text"][t:t + n] == source[s:s + n] for t, s, n in r["source"]["offsets"])
    assert [r["text"] for r in records if r["doc_id"] == "gbk"] == [GB_TEXT.strip()]


def test_gb18030_page_is_read_with_a_warning_in_the_manifest(folder_run):
    pages, out, _, _ = folder_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [w["input"] for w in manifest["warnings"]] == [str(pages / "gbk.txt")]
    assert "GB18030" in manifest["warnings"][0]["message"]


def test_a_50_mb_line_costs_neither_memory_nor_time(folder_run):
    """The 50 MB line is decoded and measured, never segmented: the run stays near a small run's size
    (about 1 GB, the pkuseg model) instead of the many GB a 17-million-character Doc would take."""
    _, _, result, peak = folder_run
    assert result.returncode == 3
    assert peak < 2.5 * 2**30, f"peak RSS {peak / 2**30:.2f} GiB"


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jsonl")
    lines = [
        json.dumps({"id": "a", "text": GB_TEXT}, ensure_ascii=False),
        '{"id": "b", "text": "unterminated',
        json.dumps({"id": "c", "body": GB_TEXT}, ensure_ascii=False),
        json.dumps({"id": "d", "text": ["not", "a", "string"]}),
        json.dumps({"id": "a", "text": "一个重复的编号。"}, ensure_ascii=False),
        json.dumps({"id": "e", "text": "平安浙江建设成效显著。"}, ensure_ascii=False),
    ]
    src = tmp / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "out"
    result, _ = run_cli("run", "configs/default.cfg", "--paths.input", str(src), "--output", str(out), "--quiet")
    return src, out, result


@pytest.mark.parametrize("n, problem", [
    (2, "not valid JSON"),
    (3, "no field 'text'"),
    (4, "field 'text' is a JSON array, not a string"),
    (5, "duplicate id 'a'"),
])
def test_bad_jsonl_line_is_skipped_with_one_line(jsonl_run, n: int, problem: str):
    src, _, result = jsonl_run
    line = assert_one_line_no_traceback(result.stderr, f"{src}:{n}:")
    assert problem in line


def test_jsonl_run_keeps_the_good_lines(jsonl_run):
    _, out, result = jsonl_run
    assert result.returncode == 3
    assert [(r["doc_id"], r["text"]) for r in read_jsonl(out / "annotated.jsonl")] == [
        ("a", GB_TEXT.strip()), ("e", "平安浙江建设成效显著。")]


def _fails_fast(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    line = assert_one_line_no_traceback(result.stderr, *needles)
    assert line.startswith("error: ") and result.stderr.strip() == line


def test_input_path_that_does_not_exist(tmp_path: Path):
    result, _ = run_cli("run", "configs/default.cfg", "--paths.input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"))
    _fails_fast(result, str(tmp_path / "nope"), "does not exist")
    assert not (tmp_path / "out" / "annotated.jsonl").exists()


def test_folder_without_txt_files(tmp_path: Path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "page.md").write_text(GB_TEXT, encoding="utf-8")
    result, _ = run_cli("run", "configs/default.cfg", "--paths.input", str(tmp_path / "pages"), "--output", str(tmp_path / "out"))
    _fails_fast(result, str(tmp_path / "pages"), "no .txt files")


CONFIG = (ROOT / "configs" / "default.cfg").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit, needles", [
    (("tokens = false", "tokens = false\ntokenz = true"), ("[export] tokenz: unknown key; valid keys: unit, tokens",)),
    (("seed = 0", "seed = 0\nsead = 1"), ("[system] sead: unknown key; valid keys: seed",)),
    (("batch_size = 64", 'batch_size = "many"'), ("[system] batch_size", "integer", "'many'")),
    (('unit = "paragraph"', 'unit = "sentence"'), ("[export] unit: expected one of 'paragraph', 'article', 'document' (got 'sentence')",)),
    (('[cleaner]\n@misc = "pipeline.newspaper_cleaner.v1"\n', ""), ("missing section [cleaner]",)),
])
def test_bad_config_names_the_key(tmp_path: Path, edit: tuple[str, str], needles: tuple[str, ...]):
    assert edit[0] in CONFIG
    config = tmp_path / "bad.cfg"
    config.write_text(CONFIG.replace(*edit), encoding="utf-8")
    result, _ = run_cli("run", str(config), "--output", str(tmp_path / "out"))
    _fails_fast(result, f"{config}:", *needles)


@pytest.mark.parametrize("line, problem", [
    (b'{"id": 2, "text": "\xe5\xb9\xb3\xe5"}', "byte 22: not UTF-8"),
    (b'{"id": 2, "text": "abc"', "not valid JSON"),
    (b'{"id": 2}', "no field 'text'"),
    (b'{"id": 2, "text": null}', "field 'text' is a JSON null"),
    (b'{"id": 1, "text": "abc"}', "duplicate id '1'"),
])
def test_annotate_rejects_a_bad_line_and_writes_nothing(tmp_path: Path, line: bytes, problem: str):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "text": "\xe5\xb9\xb3\xe5\xae\x89"}\n' + line + b'\n{"id": 3, "text": "ok"}\n')
    result, _ = run_cli("annotate", str(src), str(tmp_path / "out.jsonl"))
    _fails_fast(result, f"{src}:2:", problem)
    assert list(tmp_path.iterdir()) == [src]


def test_output_folder_that_cannot_be_made(tmp_path: Path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result, _ = run_cli("run", "configs/default.cfg", "--output", str(tmp_path / "file" / "out"))
    _fails_fast(result, str(tmp_path / "file" / "out"), "Not a directory")


@pytest.mark.slow  # segment loads pkuseg
def test_closed_pipe_ends_segment_quietly():
    """``python -m pipeline segment < big | head -1``: no traceback when the reader goes away."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "segment"], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    def feed() -> None:
        try:
            proc.stdin.write("金华市委政法委推进平安建设\n" * 20_000)
            proc.stdin.close()
        except BrokenPipeError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    assert proc.stdout.readline() == "金华市委政法委 推进 平安 建设\n"
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 1 and "Traceback" not in stderr and "Error" not in stderr, stderr


@pytest.mark.slow  # segment loads pkuseg
def test_segment_names_the_stdin_line_that_is_not_utf8():
    result = subprocess.run([sys.executable, "-m", "pipeline", "segment"], cwd=ROOT, capture_output=True,
                            input="金华\n平安\n".encode() + b"\xff\xfe abc\n", timeout=300)
    assert result.stdout.decode() == "金华\n平安\n"
    _fails_fast(subprocess.CompletedProcess(result.args, result.returncode, "", result.stderr.decode()),
                "stdin line 3: character 1 is not UTF-8")
