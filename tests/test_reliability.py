"""Hostile and careless use (issue 18): each defect the adversarial review found, through the real
command line where a user would meet it. One test (or a few) per item; the item number is in the name."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, cli, read_jsonl
from pipeline.util import LOCK_FILE, folder_lock, sha256_file

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CONFIG = "configs/default.cfg"


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The command failed with exit 2 and one ``error:`` line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in SEEDS[:2]:
        shutil.copy(page, folder / page.name)
    return folder


# -- 1: one run at a time holds an output folder ---------------------------------------------------

@pytest.mark.slow  # runs the whole pipeline over many pages
def test_01_a_second_run_into_the_same_folder_is_refused_while_the_first_holds_it(tmp_path: Path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        for page in SEEDS:
            shutil.copy(page, folder / f"{i}_{page.name}")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "pipeline", "run", CONFIG, "--output", str(out), "--quiet",
                              "--paths.input", str(folder), "--system.shard_chars", "3000"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (out / "annotated.journal").is_file() and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    second = cli("run", CONFIG, "--output", str(out), "--quiet", "--paths.input", str(SEEDS[0]), check=False)
    line = one_error_line(second)
    assert f"another run (pid {first.pid}) is writing to this folder" in line and str(out) in line
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["output"]["annotated.jsonl"] == sha256_file(out / "annotated.jsonl")
    assert manifest["counts"]["documents"] == 4 * len(SEEDS) == len({r["doc_id"] for r in read_jsonl(out / "annotated.jsonl")})
    assert not (out / LOCK_FILE).exists()


@pytest.mark.slow  # runs the whole pipeline
def test_01_a_lock_held_by_a_live_process_is_refused_and_a_stale_one_taken_over(pages: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        line = one_error_line(cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), check=False))
        assert f"another run (pid {os.getpid()})" in line
    assert not (out / "annotated.jsonl").exists()
    # A lock file left by a run that was killed (its pid gone, no one holds the lock) does not stop the next run.
    (out / LOCK_FILE).write_text("999999999\n", encoding="utf-8")
    assert cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--quiet").returncode == 0
    assert (out / "annotated.jsonl").is_file() and not (out / LOCK_FILE).exists()


# -- 9: a symbolic link planted in the output folder is never written through ----------------------

@pytest.mark.slow  # runs the whole pipeline
def test_09_a_link_planted_as_the_partial_file_is_not_followed(pages: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "annotated.jsonl.partial").symlink_to(victim)
    assert cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--quiet").returncode == 0
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (out / "annotated.jsonl").is_symlink() and read_jsonl(out / "annotated.jsonl")
    # On --resume, a planted link (to the partial file or the journal) is refused, not followed.
    for name in ("annotated.jsonl.partial", "annotated.journal"):
        for other in ("annotated.jsonl.partial", "annotated.journal"):
            (out / other).unlink(missing_ok=True)
        (out / "annotated.journal").write_text("{}\n", encoding="utf-8")
        (out / "annotated.jsonl.partial").write_bytes(b"")
        (out / name).unlink()
        (out / name).symlink_to(victim)
        result = cli("run", CONFIG, "--output", str(out), "--paths.input", str(pages), "--resume", check=False)
        assert "symbolic link" in one_error_line(result)
        assert victim.read_text(encoding="utf-8") == "precious\n"


# -- 2: --resume never mixes results made with files that changed in place -------------------------

@pytest.mark.slow  # runs the whole pipeline over many pages
def test_02_resume_refuses_when_a_lexicon_file_changed_since_the_interruption(tmp_path: Path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        for page in SEEDS:
            shutil.copy(page, folder / f"{i}_{page.name}")
    lexicon = tmp_path / "lexicon"
    shutil.copytree(ROOT / "corpus" / "lexicon", lexicon)
    out = tmp_path / "out"
    args = [CONFIG, "--output", str(out), "--quiet", "--paths.input", str(folder), "--paths.lexicon", str(lexicon),
            "--system.shard_chars", "3000"]
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "run", *args], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = out / "annotated.journal"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if journal.is_file() and journal.read_text(encoding="utf-8").count("\n") >= 2:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    partial = (out / "annotated.jsonl.partial").read_bytes()
    entry = {"label": "PROGRAM", "canonical": "平安金华", "aliases": []}
    with (lexicon / "program.jsonl").open("a", encoding="utf-8") as f:  # changed in place, same name
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    line = one_error_line(cli("run", *args, "--resume", check=False))
    assert "other contents of lexicon" in line and "without --resume" in line
    assert (out / "annotated.jsonl.partial").read_bytes() == partial and not (out / "annotated.jsonl").exists()


def test_02_the_run_key_holds_the_contents_of_the_model_folders(tmp_path: Path):
    from pipeline.config import load_config
    from pipeline.orchestrator import run_key

    topics = tmp_path / "topics"
    shutil.copytree(ROOT / "models" / "topics", topics)
    config = load_config(ROOT / CONFIG, {"components.topics.model": str(topics)})
    before = run_key(config, [])
    meta = json.loads((topics / "meta.json").read_text(encoding="utf-8"))
    (topics / "meta.json").write_text(json.dumps({**meta, "note": "retrained"}), encoding="utf-8")
    after = run_key(config, [])
    assert before["resources"]["components.topics.model"] != after["resources"]["components.topics.model"]
    assert before["pipeline_sha256"] != after["pipeline_sha256"]
    assert before["resources"]["ner_model"] == after["resources"]["ner_model"]


# -- 6: what the stages load exists, and the manifest hashes what was loaded ------------------------

def test_06_an_empty_lexicon_folder_or_a_missing_model_path_is_refused(pages: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_error_line(cli("run", CONFIG, "--output", str(tmp_path / "o1"), "--paths.input", str(pages),
                              "--paths.lexicon", str(empty), check=False))
    assert f"{empty}: lexicon folder holds no .jsonl files" in line
    line = one_error_line(cli("run", CONFIG, "--output", str(tmp_path / "o2"), "--paths.input", str(pages),
                              "--paths.topic_model", str(tmp_path / "nope"), check=False))
    assert f"[paths] topic_model: {tmp_path / 'nope'} does not exist" in line
    line = one_error_line(cli("run", CONFIG, "--output", str(tmp_path / "o3"), "--paths.input", str(pages),
                              "--components.topics.model", str(tmp_path / "nope"), check=False))
    assert f"[components.topics] model: {tmp_path / 'nope'} does not exist" in line


@pytest.mark.slow  # runs the whole pipeline
def test_06_the_manifest_hashes_the_topic_model_that_ran(pages: Path, tmp_path: Path):
    from pipeline.util import sha256_tree

    topics = tmp_path / "topics"
    shutil.copytree(ROOT / "models" / "topics", topics)
    out = tmp_path / "out"
    cli("run", CONFIG, "--output", str(out), "--quiet", "--paths.input", str(pages), "--components.topics.model", str(topics))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["models"]["components.topics.model"] == sha256_tree(topics)
    assert "topic_model" not in manifest["models"]  # [paths] topic_model names a model that did not run
    assert any("[paths] topic_model" in w["message"] for w in manifest["warnings"])
    assert manifest["models"]["lexicon"] == sha256_tree(ROOT / "corpus" / "lexicon")
    assert manifest["models"]["ner_model"] == sha256_tree(ROOT / "models" / "ner")


# -- 3, 7, 11: ids from the path below the input folder; .TXT pages; empty-looking pages; hostile names --

FORGED = "evil\nskipped: everything is fine\x1b[2J\x1b]0;pwned\x07"


@pytest.fixture(scope="module")
def odd_folder_run(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    pages = tmp_path_factory.mktemp("odd-pages")
    texts = {"a.txt": "金华市推进平安建设。\n", "sub/a.txt": "杭州市深化枫桥经验。\n", "other/a.txt": "宁波市推进法治建设。\n",
             "UPPER.TXT": "温州市打造平安温州。\n", "dup.TXT": "台州市推进基层治理。\n", "dup.txt": "丽水市推进基层治理。\n",
             "punct.txt": "。。……——！！\n**\n■ ■\n", "invisible.txt": "\u200b\u2060\ufeff\u00ad\n\u200b\n",
             FORGED + ".txt": ""}
    for name, text in texts.items():
        (pages / name).parent.mkdir(parents=True, exist_ok=True)
        (pages / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("odd-out")
    result = cli("run", CONFIG, "--output", str(out), "--quiet", "--paths.input", str(pages), check=False)
    return pages, out, result


def test_03_pages_of_the_same_name_in_different_folders_get_different_ids(odd_folder_run):
    pages, out, result = odd_folder_run
    assert result.returncode == 3, result.stderr[-2000:]
    records = read_jsonl(out / "annotated.jsonl")
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    by_doc = {r["doc_id"]: r["text"] for r in records}
    assert by_doc["a"].startswith("金华") and by_doc["sub/a"].startswith("杭州") and by_doc["other/a"].startswith("宁波")
    assert all(r["id"].startswith(r["doc_id"] + ":") and r["id"].count(":") == 2 for r in records)
    # a.TXT and a.txt would give one id: the second is skipped, naming the first.
    assert by_doc["dup"].startswith("台州")
    (line,) = [l for l in result.stderr.splitlines() if "dup.txt" in l]
    assert line == f"skipped: {pages / 'dup.txt'}: its id 'dup' is that of {pages / 'dup.TXT'} (ids are the path without .txt); rename one of them"


@pytest.mark.slow  # runs the whole pipeline
def test_03_an_explicit_jsonl_id_cannot_take_the_shape_of_generated_ids(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    lines = [{"id": "x", "text": "金华市推进平安建设。"}, {"id": "x:a1:p1", "text": "杭州市深化枫桥经验。"},
             {"id": "x%3Aa1%3Ap1", "text": "宁波市推进法治建设。"}]
    source.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    cli("run", CONFIG, "--output", str(tmp_path / "out"), "--quiet", "--paths.input", str(source))
    records = read_jsonl(tmp_path / "out" / "annotated.jsonl")
    assert [r["id"] for r in records] == ["x:a1:p1", "x%3Aa1%3Ap1:a1:p1", "x%253Aa1%253Ap1:a1:p1"]


def test_03_the_python_api_gives_ids_as_the_reader_does():
    from pipeline.api import _documents
    from pipeline.util import UserError

    docs = list(_documents(["金华市推进平安建设。", {"id": "x:a1:p1", "text": "杭州市深化枫桥经验。"}, {"id": 7, "text": "宁波"}]))
    assert [(d["doc_id"], d["path"]) for d in docs] == [("text-1", "text-1"), ("x%3Aa1%3Ap1", "x:a1:p1"), ("7", "7")]
    with pytest.raises(UserError, match=r"^page 2: its id 'text-1' is that of page 1; ids must be unique$"):
        list(_documents(["金华", {"id": "text-1", "text": "杭州"}]))


def test_07_upper_case_txt_is_read_and_pages_without_letters_are_skipped(odd_folder_run):
    pages, out, result = odd_folder_run
    assert "UPPER" in {r["doc_id"] for r in read_jsonl(out / "annotated.jsonl")}
    for name in ("punct.txt", "invisible.txt"):
        (line,) = [l for l in result.stderr.splitlines() if name in l]
        assert line == (f"skipped: {pages / name}: only punctuation, symbols or invisible characters (no letter or digit), "
                        "nothing to annotate; remove it or fill it")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"] == 5 and len(manifest["skipped"]) == 4


def test_11_a_file_name_cannot_forge_a_line_or_reach_the_terminal(odd_folder_run):
    pages, out, result = odd_folder_run
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    forged = [l for l in result.stderr.splitlines() if "everything is fine" in l]
    assert forged == [f"skipped: {pages}/evil\\nskipped: everything is fine\\x1b[2J\\x1b]0;pwned\\x07.txt: empty, "
                      "nothing to annotate; remove it or fill it"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert str(pages / (FORGED + ".txt")) in [s["input"] for s in manifest["skipped"]]  # the manifest keeps the real name


# -- 13: clear errors ------------------------------------------------------------------------------

@pytest.mark.slow  # runs the pipeline through the CLI (it loads every stage)
def test_13_an_input_where_everything_is_skipped_exits_2_and_keeps_the_previous_output(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "annotated.jsonl").write_text("previous\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "unterminated\n{"id": "b"}\n', encoding="utf-8")
    result = cli("run", CONFIG, "--output", str(out), "--paths.input", str(source), check=False)
    line = one_error_line(result)
    assert line.endswith(f"nothing to annotate: every input was skipped (2, listed above); {out / 'annotated.jsonl'} "
                         "was left as it was: fix the inputs and run again")
    assert [l for l in result.stderr.splitlines() if l.startswith("skipped: ")] == [
        f"skipped: {source}:1: not valid JSON (Invalid control character at, column 34); fix or remove the line",
        f"skipped: {source}:2: no field 'text'; each line must be {{\"id\": ..., \"text\": \"...\"}}"]
    assert sorted(p.name for p in out.iterdir()) == ["annotated.jsonl"]
    assert (out / "annotated.jsonl").read_text(encoding="utf-8") == "previous\n"


@pytest.mark.parametrize("command, words", [("run", ["[system]"]), ("annotate", ["[nlp]"]),
                                            ("train ner-release", ["[release]"]), ("train topics", ["[paths]"])])
def test_13_help_keeps_the_config_section_names(command: str, words: list[str]):
    result = cli(*command.split(), "--help", env={**os.environ, "COLUMNS": "200"})
    for word in words:
        assert word in result.stdout, result.stdout


@pytest.mark.parametrize("option, value", [("--limit", "-5"), ("--diversity", "-1")])
def test_13_select_with_a_negative_number_is_one_line(tmp_path: Path, option: str, value: str):
    pool = tmp_path / "pool.txt"
    pool.write_text("金华市推进平安建设。\n", encoding="utf-8")
    line = one_error_line(cli("select", "--pool", str(pool), "--n", "2", "--output", str(tmp_path / "o.jsonl"),
                              option, value, check=False))
    assert f"{option} must be" in line and value in line
    assert not (tmp_path / "o.jsonl").exists()


# -- 8: evaluate topics refuses data whose labels the model does not know ---------------------------

@pytest.mark.slow  # loads pkuseg and the topic model
def test_08_evaluate_topics_on_class_indices_without_class_txt_is_refused(tmp_path: Path):
    data = tmp_path / "headlines.txt"
    data.write_text("金华市公安局打击电信诈骗\t3\n杭州法院审结一批案件\t1\n", encoding="utf-8")
    line = one_error_line(cli("evaluate", "topics", "--model", "models/topics", "--data", str(data), check=False))
    assert f"{data}: none of its labels (1, 3) is a label of the model" in line
    assert f"class names, one a line in index order, in {tmp_path / 'class.txt'}" in line
