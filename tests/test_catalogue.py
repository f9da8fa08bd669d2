"""The programme catalogue over time, new names and their merge into the lexicon (issue 17).

Hand-made export records test the grouping, the counts and the review file; one real run of the default
pipeline over dated inputs (a 新闻联播-style story file and .txt pages) tests dates from the reader to the
catalogue and the paged report.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers import ROOT, cli
from pipeline.candidates import LexiconIndex, candidate_records, candidates, merge_reviewed, name_key, rejected_keys
from pipeline.catalogue import build, csv_text, period_of, write_catalogue
from pipeline.cli import app
from pipeline.entities import LexiconEntry, load_lexicon
from pipeline.util import UserError

LEXICON = [LexiconEntry("PROGRAM", "枫桥经验", ("新时代枫桥经验",)), LexiconEntry("PROGRAM", "千万工程", ()),
           LexiconEntry("ORG", "浙江省委政法委", ("省委政法委",))]


def record(uid: str, doc: str, date: str | None, text: str, names: list[tuple[str, str]],
           links: dict[str, str] | None = None) -> dict[str, Any]:
    """An export record whose entities are the first occurrence of each (surface, label) in ``text``."""
    entities, entity_links = [], []
    for surface, label in names:
        start = text.index(surface)
        entities.append([start, start + len(surface), label])
        if links and surface in links:
            entity_links.append([start, start + len(surface), links[surface]])
    out = {"id": uid, "doc_id": doc, "article_id": f"{doc}:a1", "kind": "body", "text": text,
           "entities": entities, "entity_links": entity_links, "cats": [], "source": {}}
    if date:
        out["date"] = date
    return out


RECORDS = [
    record("d1:a1:p1", "d1", "2024-01-05", "省委政法委推进新时代枫桥经验，杭州开展“雪亮工程”。",
           [("省委政法委", "ORG"), ("新时代枫桥经验", "PROGRAM"), ("杭州", "LOC"), ("雪亮工程", "PROGRAM")],
           {"省委政法委": "浙江省委政法委", "新时代枫桥经验": "枫桥经验"}),
    record("d1:a1:p2", "d1", "2024-01-05", "雪亮工程覆盖全市。", [("雪亮工程", "PROGRAM")]),
    record("d2:a1:p1", "d2", "2024-02-11", "绍兴推广“枫桥经验”，建设雪亮。", [("绍兴", "LOC"), ("“枫桥经验”", "PROGRAM"), ("雪亮", "PROGRAM")]),
    record("d3:a1:p1", "d3", "2024-04-02", "宁波实施新一轮雪亮工程，推进千万工程经验。",
           [("宁波", "LOC"), ("新一轮雪亮工程", "PROGRAM"), ("千万工程经验", "PROGRAM")]),
    record("d4:a1:p1", "d4", None, "基层推行红色议事厅机制。", [("红色议事厅机制", "PROGRAM")]),
    record("d5:a1:p1", "d5", "2024-04-20", "红色议事厅机制在杭州铺开。", [("红色议事厅机制", "PROGRAM"), ("杭州", "LOC")]),
]


def test_name_key_merges_quotes_prefixes_and_one_generic_head() -> None:
    assert {name_key(n) for n in ("枫桥经验", "新时代枫桥经验", "“枫桥经验”", "新时代“枫桥经验”", "枫桥")} == {"枫桥"}
    assert name_key("新一轮雪亮工程") == name_key("雪亮工程") == name_key("雪亮")
    assert name_key("千万工程经验") != name_key("千万工程")  # one head only: the 经验 of a programme is a name of its own
    assert name_key("专项行动") == "专项行动" and name_key("百日专项行动") == "百日"  # a key keeps two characters


@pytest.mark.parametrize("date, by, period", [("2024-02-11", "month", "2024-02"), ("2024-02-11", "quarter", "2024-Q1"),
                                              ("2024-12-31", "quarter", "2024-Q4"), ("2024-02-11", "year", "2024"),
                                              (None, "month", "undated")])
def test_periods(date: str | None, by: str, period: str) -> None:
    assert period_of(date, by) == period


def test_catalogue_groups_by_canonical_name_and_counts_per_period() -> None:
    entries = {e.name: e for e in build(RECORDS, LexiconIndex(LEXICON), "month").entries}
    fengqiao = entries["枫桥经验"]  # linked once, once a quoted variant the lexicon did not match
    assert fengqiao.in_lexicon and dict(fengqiao.variants) == {"新时代枫桥经验": 1, "“枫桥经验”": 1}
    assert dict(fengqiao.mentions) == {"2024-01": 1, "2024-02": 1}
    assert (fengqiao.first_seen, fengqiao.last_seen) == ("2024-01-05", "2024-02-11")
    xueliang = entries["雪亮工程"]  # not in the lexicon: named by its most written variant
    assert not xueliang.in_lexicon and xueliang.total == 4 and len(xueliang.documents) == 3
    assert {p: len(d) for p, d in xueliang.period_documents.items()} == {"2024-01": 1, "2024-02": 1, "2024-04": 1}
    assert [ex["unit"] for ex in xueliang.examples] == ["d1:a1:p1", "d2:a1:p1", "d3:a1:p1"]  # one per document
    assert xueliang.examples[0]["mention"] == "雪亮工程" and xueliang.examples[0]["left"].endswith("杭州开展“")
    assert xueliang.companions["LOC"] == Counter({"杭州": 1, "绍兴": 1, "宁波": 1})
    assert fengqiao.companions["ORG"] == Counter({"浙江省委政法委": 1})  # companions by canonical name
    assert "千万工程" not in entries and not entries["千万工程经验"].in_lexicon
    assert entries["红色议事厅机制"].mentions == Counter({"undated": 1, "2024-04": 1})
    assert entries["红色议事厅机制"].first_seen == "2024-04-20"  # an undated mention does not move first seen
    by_year = {e.name: e for e in build(RECORDS, LexiconIndex(LEXICON), "year").entries}
    assert dict(by_year["雪亮工程"].mentions) == {"2024": 4}


def test_candidates_leave_out_lexicon_names_and_rank_by_evidence() -> None:
    lexicon = [*LEXICON, LexiconEntry("POLICY", "千万工程经验", ())]  # held under another label: not new either
    index = LexiconIndex(lexicon)
    found = candidates(build(RECORDS, index, "month").entries, index)
    assert [e.name for e in found] == ["雪亮工程", "红色议事厅机制"]  # 4 x 3 x 3 = 36 against 2 x 2 x 2 = 8
    records = list(candidate_records(build(RECORDS, index).entries, index, source="runs/x"))
    first = records[0]
    assert first["kind"] == "candidate" and first["text"].split("\n")[0] == "雪亮工程"
    assert first["entities"] == [[0, 4, "PROGRAM"]] and first["cats"] == []
    assert first["candidate"]["evidence"] == 36 and first["candidate"]["first_seen"] == "2024-01-05"
    assert "新一轮雪亮工程" in first["text"] and "d3:a1:p1" in first["text"]  # variants and linked examples


def test_a_companion_beside_nearly_every_document_is_left_out() -> None:
    # 21 stories that all open with the source's name, as 新闻联播's 央视网消息; 杭州 in 2 of them
    made = [record(f"s{n}:a1:p1", f"s{n}", "2024-01-05", "央视网消息：杭州推进雪亮工程。" if n < 2 else "央视网消息：推进雪亮工程。",
                   [("央视网", "ORG"), ("雪亮工程", "PROGRAM"), *([("杭州", "LOC")] if n < 2 else [])]) for n in range(21)]
    catalogue = build(made, LexiconIndex(LEXICON))
    assert catalogue.ubiquitous == {("ORG", "央视网")}
    line = catalogue.entries[0].record(catalogue.ubiquitous)
    assert line["with"] == {"ORG": [], "LOC": [["杭州", 2]]}
    assert build(made[:19], LexiconIndex(LEXICON)).ubiquitous == frozenset()  # too few documents to tell
    row = next(csv.DictReader(io.StringIO(csv_text(catalogue.entries, catalogue.ubiquitous))))
    assert (row["with_ORG"], row["with_LOC"]) == ("", "杭州 ×2")


def test_csv_has_a_column_per_period_and_opens_as_a_table() -> None:
    entries = build(RECORDS, LexiconIndex(LEXICON)).entries
    rows = list(csv.DictReader(io.StringIO(csv_text(entries))))
    assert [r["name"] for r in rows] == [e.name for e in entries]
    xueliang = next(r for r in rows if r["name"] == "雪亮工程")
    assert (xueliang["2024-01"], xueliang["2024-02"], xueliang["2024-03"] if "2024-03" in xueliang else "0") == ("2", "1", "0")
    assert list(rows[0])[-1] == "undated" and xueliang["in_lexicon"] == "no"


def write_run(folder: Path, records: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "annotated.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return folder


def test_write_catalogue_is_byte_identical_and_csv_has_a_bom(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", RECORDS)
    lexicon = tmp_path / "lexicon.jsonl"
    lexicon.write_text("".join(json.dumps({"label": e.label, "canonical": e.canonical, "aliases": list(e.aliases)},
                                          ensure_ascii=False) + "\n" for e in LEXICON), encoding="utf-8")
    first = write_catalogue(run, "quarter", tmp_path / "a", lexicon=lexicon, candidates=tmp_path / "a" / "c.jsonl")
    write_catalogue(run, "quarter", tmp_path / "b", lexicon=lexicon, candidates=tmp_path / "b" / "c.jsonl")
    for name in ("catalogue.jsonl", "catalogue.csv", "c.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "catalogue.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    lines = [json.loads(line) for line in (tmp_path / "a" / "catalogue.jsonl").read_text(encoding="utf-8").splitlines()]
    assert first.entries == len(lines) and first.candidates == 3  # 雪亮工程, 红色议事厅机制, 千万工程经验
    assert next(l for l in lines if l["name"] == "雪亮工程")["periods"] == {
        "2024-Q1": {"mentions": 3, "documents": 2}, "2024-Q2": {"mentions": 1, "documents": 1}}


def test_dates_from_and_until_choose_the_paragraphs_that_count(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", RECORDS)
    result = CliRunner().invoke(app, ["catalogue", str(run), "--until", "2024/02/11", "--output", str(tmp_path / "early")])
    assert result.exit_code == 0 and "3 paragraphs outside the dates left out" in result.output  # d3, d5 and undated d4
    lines = {l["name"]: l for l in map(json.loads, (tmp_path / "early" / "catalogue.jsonl").read_text(encoding="utf-8").splitlines())}
    assert set(lines) == {"枫桥经验", "雪亮工程"} and lines["雪亮工程"]["last_seen"] == "2024-02-11"
    late = write_catalogue(run, since="2024-04-01", output=tmp_path / "late")
    assert late.left_out == 4 and late.mentions == 3  # 雪亮工程, 千万工程经验 and 红色议事厅机制 of April
    result = CliRunner().invoke(app, ["catalogue", str(run), "--since", "2024-05-01", "--until", "2024-04-01"])
    assert result.exit_code == 2 and "--since 2024-05-01 is after --until 2024-04-01" in result.output
    result = CliRunner().invoke(app, ["catalogue", str(run), "--since", "2024-13-01"])
    assert result.exit_code == 2 and "--since: '2024-13-01' is not a date" in result.output


def test_catalogue_command_errors_are_one_line(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", [RECORDS[0], {"id": "x", "text": "短", "entities": [[0, 5, "PROGRAM"]]}])
    runner = CliRunner()
    result = runner.invoke(app, ["catalogue", str(run)])
    assert result.exit_code == 2 and result.output.strip().endswith("re-run the pipeline") and ":2: field 'entities'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = runner.invoke(app, ["catalogue", str(run), "--by", "week"])
    assert result.exit_code == 2 and "--by week: give one of month, quarter, year" in result.output
    result = runner.invoke(app, ["catalogue", str(run), "--labels", "PROGRAM,PERSON"])
    assert result.exit_code == 2 and "--labels PROGRAM,PERSON" in result.output
    result = runner.invoke(app, ["catalogue", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "annotated.jsonl not found" in result.output


# -- lexicon merge --------------------------------------------------------------------------------------------


def pulled(candidate: dict[str, Any], decision: str | None, spans: list[list[Any]] | None = None,
           confirmed_by: tuple[str, ...] = ("annie",)) -> dict[str, Any]:
    """A candidate as `doccano pull` gives it back: the pushed record with the reviewer's categories and spans."""
    return {**candidate, "entities": candidate["entities"] if spans is None else spans,
            "cats": [decision] if decision else [], "confirmed_by": list(confirmed_by)}


@pytest.fixture
def lexicon_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicon"
    shutil.copytree(ROOT / "corpus" / "lexicon", folder)
    return folder


def review(tmp_path: Path, lexicon: Path) -> list[dict[str, Any]]:
    index = LexiconIndex(load_lexicon(lexicon))
    made = [record("n1:a1:p1", "n1", "2024-03-01", "推广“民情日记工作法”和“海岛协作升级版”，实施“红色议事厅机制”。",
                   [("“民情日记工作法”", "PROGRAM"), ("“海岛协作升级版”", "PROGRAM"), ("“红色议事厅机制”", "PROGRAM")]),
            record("n2:a1:p1", "n2", "2024-05-01", "推广民情日记，枫桥式做法，红色议事厅。",
                   [("民情日记", "PROGRAM"), ("枫桥式做法", "PROGRAM"), ("红色议事厅", "PROGRAM")])]
    return list(candidate_records(build(made, index).entries, index, "runs/test", rejected_keys(lexicon)))


def test_merge_adds_accepted_names_with_provenance_and_keeps_other_lines(tmp_path: Path, lexicon_copy: Path) -> None:
    before = {p.name: p.read_bytes() for p in lexicon_copy.glob("*.jsonl")}
    shipped_rejections = lexicon_copy / "rejected" / "candidates.jsonl"
    rejected_before = [json.loads(line) for line in shipped_rejections.read_text(encoding="utf-8").splitlines()] \
        if shipped_rejections.is_file() else []
    found = {c["candidate"]["name"]: c for c in review(tmp_path, lexicon_copy)}
    fengqiao = found["枫桥式做法"]
    assert "枫桥经验" in fengqiao["candidate"]["suggestions"]
    target = fengqiao["text"].rindex("枫桥经验")
    decisions = [
        pulled(found["民情日记工作法"], "accept"),
        pulled(fengqiao, "merge", [*fengqiao["entities"], [target, target + 4, "PROGRAM"]]),
        pulled(found["海岛协作升级版"], "reject"),
        pulled(found["红色议事厅机制"], "reject", confirmed_by=()),  # decided, nobody confirmed: left out
    ]
    review_file = tmp_path / "pulled.jsonl"
    review_file.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in decisions), encoding="utf-8")
    report = merge_reviewed(review_file, lexicon_copy, on="2026-12-02")
    assert report.accepted == ["民情日记工作法"] and report.merged == ["枫桥式做法 -> 枫桥经验"]
    assert (report.rejected, report.unconfirmed, report.undecided) == (["海岛协作升级版"], 1, 0)
    remembered = [json.loads(line) for line in (lexicon_copy / "rejected" / "candidates.jsonl").read_text(encoding="utf-8").splitlines()]
    assert remembered[:len(rejected_before)] == rejected_before  # earlier reviews' rejections kept
    assert remembered[len(rejected_before):] == [{"label": "PROGRAM", "name": "海岛协作升级版", "key": "海岛协作升级版", "source": "runs/test",
                           "first_seen": "2024-03-01", "rejected_by": "annie", "rejected_on": "2026-12-02"}]
    # the next review offers neither the accepted nor the rejected name, but still the undecided one
    assert {c["candidate"]["name"] for c in review(tmp_path, lexicon_copy)} == {"红色议事厅机制"}
    after = (lexicon_copy / "program.jsonl").read_text(encoding="utf-8").splitlines()
    old = before["program.jsonl"].decode("utf-8").splitlines()
    assert len(after) == len(old) + 1
    changed = [i for i, (a, b) in enumerate(zip(old, after)) if a != b]
    assert [json.loads(after[i])["canonical"] for i in changed] == ["枫桥经验"]  # the only old line that changes
    fengqiao_entry = json.loads(after[changed[0]])
    assert fengqiao_entry["aliases"][-1] == "枫桥式做法" and fengqiao_entry["merged"][0]["accepted_by"] == "annie"
    new = json.loads(after[-1])
    assert new == {"label": "PROGRAM", "canonical": "民情日记工作法", "aliases": ["民情日记"], "source": "runs/test",
                   "first_seen": "2024-03-01", "accepted_by": "annie", "accepted_on": "2026-12-02"}
    assert {p.name: p.read_bytes() for p in lexicon_copy.glob("*.jsonl") if p.name != "program.jsonl"} == {
        k: v for k, v in before.items() if k != "program.jsonl"}
    loaded = {e.canonical: e for e in load_lexicon(lexicon_copy)}  # the loader takes the provenance fields
    assert "民情日记工作法" in loaded and "枫桥式做法" in loaded["枫桥经验"].aliases
    again = merge_reviewed(review_file, lexicon_copy, on="2026-12-03")
    assert again.known == ["民情日记工作法", "枫桥式做法"] and again.files == []  # the rejection is not written twice


def test_a_name_written_with_inner_quotes_enters_the_lexicon_as_written(tmp_path: Path, lexicon_copy: Path) -> None:
    # the lexicon matches names as the text writes them: 河湖“清四乱”攻坚战 without its quotes would never match
    # (as 黄河“几字弯”攻坚战, three gold mentions, none found before); quotes around a name still go
    text = "打好河湖“清四乱”攻坚战，推广“溪流守护工作法”。"
    index = LexiconIndex(load_lexicon(lexicon_copy))
    made = [record("q1:a1:p1", "q1", "2024-03-01", text, [("河湖“清四乱”攻坚战", "PROGRAM"), ("“溪流守护工作法”", "PROGRAM")])]
    found = {c["candidate"]["name"]: c for c in candidate_records(build(made, index).entries, index, "runs/test", rejected_keys(lexicon_copy))}
    assert set(found) == {"河湖“清四乱”攻坚战", "溪流守护工作法"}
    review_file = tmp_path / "pulled.jsonl"
    review_file.write_text("".join(json.dumps(pulled(c, "accept"), ensure_ascii=False) + "\n" for c in found.values()), encoding="utf-8")
    assert sorted(merge_reviewed(review_file, lexicon_copy, on="2026-12-03").accepted) == ["河湖“清四乱”攻坚战", "溪流守护工作法"]
    added = {e.canonical for e in load_lexicon(lexicon_copy)} - {e.canonical for e in index.entries}
    assert added == {"河湖“清四乱”攻坚战", "溪流守护工作法"} and all(name in text for name in added)


def test_merge_refuses_unclear_decisions_naming_the_line(tmp_path: Path, lexicon_copy: Path) -> None:
    found = review(tmp_path, lexicon_copy)
    bad = tmp_path / "bad.jsonl"
    for lines, message in (
        ([pulled(found[0], "accept"), {**pulled(found[1], "accept"), "cats": ["accept", "reject"]}], ":2: 2 decisions"),
        ([pulled(found[0], "merge")], ":1: 'merge' needs one lexicon name marked"),
        ([pulled(found[0], "accept", [])], ":1: 'accept' needs the name on the first line marked once"),
        ([{**pulled(found[0], "accept"), "kind": "body"}], ":1: field 'kind'"),
    ):
        bad.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
        before = (lexicon_copy / "program.jsonl").read_bytes()
        with pytest.raises(UserError, match=message):
            merge_reviewed(bad, lexicon_copy)
        assert (lexicon_copy / "program.jsonl").read_bytes() == before  # all or nothing
    result = CliRunner().invoke(app, ["lexicon", "merge", str(bad), "--lexicon", str(lexicon_copy), "--on", "yesterday"])
    assert result.exit_code == 2 and "--on: 'yesterday' is not a date" in result.output


def test_a_review_sheet_merges_like_a_doccano_review(tmp_path: Path, lexicon_copy: Path, capsys: pytest.CaptureFixture) -> None:
    from tools import review_sheet

    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in review(tmp_path, lexicon_copy)),
                          encoding="utf-8")
    header = "rank\tlabel\tname\tdecision\tfinal_label\tfinal_name\tmerge_into\treason\n"
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("# judged by hand\n" + header
                     + "1\tPROGRAM\t海岛协作升级版\taccept\tPROGRAM\t海岛协作\t\tthe programme, its version word left out\n"
                     + "2\tPROGRAM\t枫桥式做法\tmerge\t\t\t枫桥经验\tvariant\n"
                     + "3\tPROGRAM\t民情日记工作法\treject\t\t\t\tnot a name here\n", encoding="utf-8")
    pulled_file = tmp_path / "reviewed.jsonl"
    assert review_sheet.main([str(candidates), str(sheet), "--reviewer", "sheet-team", "--output", str(pulled_file)]) == 0
    report = merge_reviewed(pulled_file, lexicon_copy, on="2026-12-02")
    assert (report.accepted, report.merged, report.rejected) == (["海岛协作"], ["枫桥式做法 -> 枫桥经验"], ["民情日记工作法"])
    loaded = {e.canonical: e for e in load_lexicon(lexicon_copy)}
    assert "海岛协作" in loaded and "枫桥式做法" in loaded["枫桥经验"].aliases
    new = json.loads((lexicon_copy / "program.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert (new["canonical"], new["aliases"], new["accepted_by"]) == ("海岛协作", [], "sheet-team")  # cut: no variant of the long name
    # a span outside the name, an unknown candidate: one line naming the sheet's line, nothing written
    for row, message in (("1\tPROGRAM\t海岛协作升级版\taccept\tPROGRAM\t协作升级版本\t\tx\n", "sheet.tsv:2: final_name"),
                         ("9\tPROGRAM\t不存在\treject\t\t\t\tx\n", "sheet.tsv:2: no candidate PROGRAM 不存在")):
        sheet.write_text(header + row, encoding="utf-8")
        assert review_sheet.main([str(candidates), str(sheet), "--reviewer", "x", "--output", str(tmp_path / "bad.jsonl")]) == 2
        assert message in capsys.readouterr().err and not (tmp_path / "bad.jsonl").exists()


# -- a real run over dated inputs -----------------------------------------------------------------------------

STORIES = [
    {"id": "s-20240105-1", "date": "2024-01-05", "title": "浙江坚持和发展新时代枫桥经验",
     "paragraphs": ["省委政法委召开会议，部署坚持和发展新时代枫桥经验。", "会议要求各地深化平安建设。"]},
    {"id": "s-20240211-1", "date": "2024/2/11", "title": "诸暨：枫桥经验历久弥新",
     "paragraphs": ["诸暨市持续推进枫桥经验，化解矛盾纠纷。"]},
]
PAGES = {"20240301-page.txt": "绍兴市坚持和发展新时代枫桥经验，推进基层治理。",
         "notes/undated.txt": "本报杭州3月5日电 杭州市推进枫桥经验，化解矛盾纠纷。"}


@pytest.fixture(scope="module")
def dated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default pipeline over a story file and two .txt pages, through the CLI."""
    inputs = tmp_path_factory.mktemp("dated-inputs")
    with gzip.open(inputs / "2024.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(s, ensure_ascii=False) + "\n" for s in STORIES)
    for name, text in PAGES.items():
        (inputs / name).parent.mkdir(parents=True, exist_ok=True)
        (inputs / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("dated-run")
    cli("run", "configs/default.cfg", "--paths.input", str(inputs), "--output", str(out), "--quiet")
    return out


def test_dates_go_from_the_inputs_to_the_export_and_the_manifest(dated_run: Path) -> None:
    records = [json.loads(line) for line in (dated_run / "annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    dates = {r["doc_id"]: r.get("date") for r in records}
    assert dates == {"s-20240105-1": "2024-01-05", "s-20240211-1": "2024-02-11", "20240301-page": "2024-03-01",
                     "notes/undated": None}
    story = [r for r in records if r["doc_id"] == "s-20240105-1"]  # the story's paragraphs as given, title first
    assert [(r["kind"], r["text"]) for r in story] == [("headline", STORIES[0]["title"])] + [
        ("body", p) for p in STORIES[0]["paragraphs"]]
    assert "date" not in next(r for r in records if r["doc_id"] == "notes/undated")
    manifest = json.loads((dated_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["dates"] == {"dated": 3, "undated": 1,
                                           "by_source": {"dateline_without_year": 1, "field": 2, "file_name": 1}}


def test_catalogue_of_the_run_counts_what_the_export_holds(dated_run: Path, tmp_path: Path) -> None:
    proc = cli("catalogue", str(dated_run), "--output", str(tmp_path), "--candidates", str(tmp_path / "c.jsonl"), check=False)
    assert proc.returncode == 0, proc.stderr
    expected: dict[str, Counter] = defaultdict(Counter)  # canonical name -> month -> mentions, from the export
    for line in (dated_run / "annotated.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        for start, end, name in r["entity_links"]:
            if [start, end, "PROGRAM"] in r["entities"]:
                expected[name][r.get("date", "undated")[:7]] += 1
    entries = {e["name"]: e for e in map(json.loads, (tmp_path / "catalogue.jsonl").read_text(encoding="utf-8").splitlines())}
    assert expected["枫桥经验"]["2024-01"] >= 2  # title and paragraph
    for name, months in expected.items():
        assert {p: v["mentions"] for p, v in entries[name]["periods"].items() if entries[name]["in_lexicon"]} == dict(months)


class Links(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


def test_a_paged_report_links_across_its_pages(dated_run: Path, tmp_path: Path) -> None:
    from urllib.parse import unquote

    from pipeline.report import write_report

    index = write_report(dated_run, tmp_path / "report.html", page_chars=1)
    files = sorted(p.name for p in tmp_path.glob("report-documents-*.html"))
    assert len(files) == len(STORIES) + len(PAGES)  # whole documents: one a page, as each has more than 1 character
    pages = {name: Links((tmp_path / name).read_text(encoding="utf-8")) for name in [index.name, *files]}
    for name, page in pages.items():
        for href in page.hrefs:
            target_file, _, fragment = href.partition("#")
            target = pages[target_file or name]
            assert not fragment or unquote(fragment) in {unquote(i) for i in target.ids}, (name, href)
    text = index.read_text(encoding="utf-8")
    assert 'id="timeline"' in text and "<svg" in text and "2024-01" in text
    assert "u-s-20240105-1" not in text.split('id="documents"')[1]  # the paragraphs are on the pages, not here


def test_names_the_model_cut_short_are_no_candidates() -> None:
    texts = ["各国支持全球安全倡议。", "落实全球安全倡议，共建“一带一路”。", "践行全球安全倡议精神。",
             "深入学习中国特色社会主义思想主题教育。", "开展中国特色社会主义思想主题教育。", "推进中国特色社会主义思想主题教育。"]
    cuts = {"全球安全倡": "PROGRAM", "社会主义思想主题教育": "PROGRAM", "全球安全倡议": "PROGRAM", "一带一路": "PROGRAM"}
    records = []
    for n, text in enumerate(texts):
        names = [(name, label) for name, label in cuts.items() if name in text]
        if "全球安全倡议" in text and n == 0:  # the first mention found whole, the others cut short
            names = [("全球安全倡议", "PROGRAM")]
        elif "全球安全倡议" in text:
            names = [(name, label) for name, label in names if name != "全球安全倡议"]
        records.append(record(f"d{n}:a1:p1", f"d{n}", f"2024-0{n + 1}-01", text, names))
    index = LexiconIndex(LEXICON)
    entries = build(records, index).entries
    found = [e.name for e in candidates(entries, index)]
    # 全球安全倡 stands inside 全球安全倡议 each time; 社会主义思想主题教育 always follows 特色
    assert "全球安全倡" not in found and "社会主义思想主题教育" not in found
    assert "全球安全倡议" in found and "一带一路" in found
    assert {e.name for e in entries} >= {"全球安全倡", "社会主义思想主题教育"}  # the catalogue still lists them


def test_a_prefix_or_head_beside_every_mention_is_no_cut() -> None:
    texts = ["深入贯彻中央八项规定精神学习教育。", "各地深入贯彻中央八项规定精神学习教育。", "持续深入贯彻中央八项规定精神学习教育。",
             "部署规范涉企执法专项行动。", "开展规范涉企执法专项行动，", "推进规范涉企执法专项行动；"]
    records = [record(f"d{n}:a1:p1", f"d{n}", "2025-03-01", text,
                      [(name, "PROGRAM") for name in ("贯彻中央八项规定精神学习教育", "规范涉企执法") if name in text])
               for n, text in enumerate(texts)]
    index = LexiconIndex(LEXICON)
    found = {e.name for e in candidates(build(records, index).entries, index)}
    # always after 深入 or before 专项行动, which the key sets aside anyway: names, not fragments
    assert found == {"贯彻中央八项规定精神学习教育", "规范涉企执法"}


@pytest.mark.parametrize("name, verdict", [("四大全球倡议", True), ("一批重大工程", True), ("第二批主题教育", True), ("重点工程", True),
                                           ("倡议", True), ("工程", True), ("中国", True), ("主题教育", True), ("专项整治", True),
                                           ("三北", False), ("八项工程", False), ("一带一路", False), ("三支一扶", False), ("美丽中国", False),
                                           ("党纪学习教育", False)])
def test_counted_sets_batches_and_generic_heads_are_no_names(name: str, verdict: bool) -> None:
    from pipeline.candidates import no_name

    assert no_name(name) is verdict


def test_a_name_the_run_labels_otherwise_more_often_is_no_candidate(tmp_path: Path) -> None:
    """冬奥会 marked a PROGRAM twice and an EVENT three times: the PROGRAM reading is the model's exception."""
    texts = ["筹办“冬奥会”工程。", "冬奥会工程推进。", "冬奥会开幕。", "冬奥会闭幕。", "冬奥会举行。"]
    records = [record(f"w{n}:a1:p1", f"w{n}", "2022-02-01", text, [("冬奥会", "PROGRAM" if n < 2 else "EVENT")])
               for n, text in enumerate(texts)]
    index = LexiconIndex(LEXICON)
    catalogue = build(records, index)
    assert catalogue.readings["冬奥会"] == Counter({"EVENT": 3, "PROGRAM": 2})
    assert [e.name for e in candidates(catalogue.entries, index)] == ["冬奥会"]  # without the run's readings
    assert candidates(catalogue.entries, index, readings=catalogue.readings) == []
    run = write_run(tmp_path / "run", records)
    lexicon = tmp_path / "lexicon"  # the shipped lexicon holds 冬奥会 since the 2022-2024 review
    lexicon.mkdir()
    (lexicon / "program.jsonl").write_text('{"label": "PROGRAM", "canonical": "枫桥经验", "aliases": []}\n', encoding="utf-8")
    report = write_catalogue(run, candidates=tmp_path / "c.jsonl", labels=("PROGRAM", "EVENT"), lexicon=lexicon)
    found = [json.loads(line)["candidate"] for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert report.candidates == 1 and (found[0]["label"], found[0]["name"]) == ("EVENT", "冬奥会")


def test_a_launching_verb_before_every_mention_is_no_cut_and_a_glued_letter_is() -> None:
    texts = ["明年要开展规范涉企执法专项行动。", "扎实开展规范涉企执法专项行动，", "持续开展规范涉企执法专项行动；",
             "落实全球发展倡议。", "推进全球发展倡议，", "支持全球发展倡议。", "要落实好全球发展倡议。"]
    records = [record(f"v{n}:a1:p1", f"v{n}", "2025-03-01", text,
                      [("好全球发展倡议" if "好全" in text else name, "PROGRAM")
                       for name in ("规范涉企执法专项行动", "全球发展倡议") if name in text])
               for n, text in enumerate(texts)]
    index = LexiconIndex(LEXICON)
    found = {e.name for e in candidates(build(records, index).entries, index)}
    # always after 开展, a verb that launches campaigns: a name; 好全球发展倡议 is 全球发展倡议 with 好 of 落实好
    assert found == {"规范涉企执法专项行动", "全球发展倡议"}
