"""The seed gold corpus and the gold validator."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.candidates import clean_surface
from pipeline.cli import app
from pipeline.constants import LABELS, TOPICS
from pipeline.gold import resync, spans_from_surfaces, quote_delimits, validate_files
from pipeline.util import UserError

ROOT = Path(__file__).resolve().parent.parent
SEEDS_GOLD = ROOT / "corpus" / "gold" / "seeds.jsonl"
LEXICON = ROOT / "corpus" / "lexicon"
QUOTE_MARKS = "“”‘’「」\""
GOOD = {"id": "d:a1:p1", "text": "金华市委政法委在“小切口”上发力。", "entities": [[0, 7, "ORG"], [9, 12, "PROGRAM"]],
        "cats": ["public_security"]}


def gold_records() -> list[dict]:
    return [json.loads(line) for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(tmp_path: Path, name: str, records: list) -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_gold_texts_match_the_current_cleaner(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cleaner change that alters any seed paragraph must be followed by a re-sync of the gold."""
    from pipeline.clean import clean_document
    from pipeline.read import documents

    monkeypatch.chdir(ROOT)
    units = [u for doc in documents(Path("seeds"))() for u in clean_document(doc)]
    gold = gold_records()
    assert [u["id"] for u in units] == [g["id"] for g in gold]
    for unit, record in zip(units, gold):
        for key in ("doc_id", "article_id", "kind", "text", "source"):
            assert unit[key] == record[key], f"{record['id']}: {key} differs from the cleaner's output"


def test_gold_covers_all_five_seeds_and_every_label() -> None:
    gold = gold_records()
    assert {r["doc_id"] for r in gold} == {p.stem for p in (ROOT / "seeds").glob("*.txt")}
    assert {span[2] for r in gold for span in r["entities"]} == set(LABELS)


def test_committed_gold_files_are_valid() -> None:
    problems, count = validate_files(sorted((ROOT / "corpus" / "gold").glob("*.jsonl")))
    assert [str(p) for p in problems] == []
    assert count > 0


def test_lexicon_surfaces_are_unique_and_clean() -> None:
    seen: dict[str, str] = {}
    for path in sorted(LEXICON.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            assert entry["label"] in LABELS
            for surface in [entry["canonical"], *entry["aliases"]]:
                # Quotes around a name or left unpaired are cut; paired quotes inside one are kept, because the
                # lexicon matches the text as written (黄河“几字弯”攻坚战).
                assert surface[0] not in QUOTE_MARKS and surface[-1] not in QUOTE_MARKS, surface
                assert clean_surface(surface, entry["label"]) == surface, surface
                assert surface not in seen, f"{surface} listed twice"
                seen[surface] = entry["label"]
    assert seen["新时代枫桥经验"] == seen["枫桥经验"] == "PROGRAM"


def test_a_good_file_passes(tmp_path: Path) -> None:
    problems, count = validate_files([write(tmp_path, "good.jsonl", [GOOD])])
    assert problems == [] and count == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"entities": [[0, 99, "ORG"]]}, "entities[0]", "outside the text"),
        ({"entities": [[5, 3, "ORG"]]}, "entities[0]", "outside the text"),
        ({"entities": [[0, 7, "ORG"], [3, 8, "LOC"]]}, "entities[1]", "overlaps entities[0]"),
        ({"entities": [[0, 7, "ORGANISATION"]]}, "entities[0]", "unknown label"),
        ({"entities": [[8, 13, "PROGRAM"]]}, "entities[0]", "quotation mark"),
        ({"entities": [[0, 7]]}, "entities[0]", "must be [start, end, label]"),
        ({"cats": []}, "cats", "at least one topic"),
        ({"text": "支持发展中国家。", "entities": [[4, 6, "LOC"]]}, "entities[0]", "inside the common word"),
        ({"text": "中国以中国式现代化全面推进。", "entities": [[0, 2, "LOC"], [3, 5, "LOC"]]}, "entities[1]", "inside the common word"),
        ({"text": "恪守一个中国政策。", "entities": [[4, 6, "LOC"]]}, "entities[0]", "inside the common word"),
        ({"text": "走出独具特色的中国旅游发展之路。", "entities": [[7, 9, "LOC"]]}, "entities[0]", "inside the common word"),
        ({"text": "其中国产电影票房占比超八成。", "entities": [[1, 3, "LOC"]]}, "entities[0]", "inside the common word"),
        ({"cats": ["security"]}, "cats", "unknown topic"),
        ({"cats": ["other", "rule_of_law"]}, "cats", "cannot be combined"),
    ],
)
def test_each_problem_is_reported_with_its_field(tmp_path: Path, change: dict, field: str, words: str) -> None:
    path = write(tmp_path, "bad.jsonl", [GOOD, {**GOOD, "id": "d:a1:p2", **change}])
    problems, _ = validate_files([path])
    assert len(problems) == 1
    assert (problems[0].line, problems[0].field) == (2, field)
    assert words in problems[0].message


def test_duplicate_ids_are_found_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.jsonl", [GOOD])
    second = write(tmp_path, "b.jsonl", [GOOD])
    problems, _ = validate_files([first, second])
    assert [(Path(p.file).name, p.line, p.field) for p in problems] == [("b.jsonl", 1, "id")]
    assert "a.jsonl:1" in problems[0].message


def test_cli_prints_one_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.jsonl", ["{not json", {**GOOD, "cats": []}])
    result = CliRunner().invoke(app, ["gold", "validate", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].startswith(f"{path}:1: line: not valid JSON")
    assert lines[1] == f"{path}:2: cats: every paragraph needs at least one topic"


def test_cli_accepts_a_valid_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["gold", "validate", str(write(tmp_path, "good.jsonl", [GOOD]))])
    assert result.exit_code == 0, result.stdout


def test_spans_from_surfaces_walks_repeated_names_in_order() -> None:
    text = "金华在“小切口”上发力,金华的“小切口”项目"
    spans = spans_from_surfaces(text, [("金华", "LOC"), ("小切口", "PROGRAM"), ("金华", "LOC"), ("小切口", "PROGRAM")])
    assert spans == [[0, 2, "LOC"], [4, 7, "PROGRAM"], [12, 14, "LOC"], [16, 19, "PROGRAM"]]


def test_spans_from_surfaces_rejects_a_missing_surface() -> None:
    with pytest.raises(UserError):
        spans_from_surfaces("金华在发力", [("丽水", "LOC")])


def test_topic_set_is_the_eleven_of_the_architecture() -> None:
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = architecture.split("Topics:", 1)[1].split("\n\n", 1)[0]
    assert sorted(t.strip(" .,\n") for t in listed.split(",")) == sorted(TOPICS)


def unit(uid: str, text: str) -> dict:
    return {"id": uid, "doc_id": uid.split(":")[0], "article_id": uid.rsplit(":", 1)[0], "kind": "body", "text": text,
            "source": {"file": "seeds/d.txt", "sha256": "0", "offsets": []}}


OLD_TEXT = "金华市委政法委在“小切口”上发力。具体做法如下:从基层入手,金华市是样板。"
OLD = {**unit("d:a1:p1", OLD_TEXT), "cats": ["public_security"],
       "entities": [[0, 7, "ORG"], [9, 12, "PROGRAM"], [OLD_TEXT.index("金华市是"), OLD_TEXT.index("是样板"), "LOC"]]}


def test_resync_follows_a_paragraph_split() -> None:
    first, second = "金华市委政法委在“小切口”上发力。具体做法如下:", "从基层入手,金华市是样板。"
    records, notes = resync([OLD], [unit("d:a1:p1", first), unit("d:a1:p2", second)])
    assert [r["entities"] for r in records] == [[[0, 7, "ORG"], [9, 12, "PROGRAM"]], [[6, 9, "LOC"]]]
    assert [r["cats"] for r in records] == [["public_security"], ["public_security"]]
    assert [n.split(":")[0:3] for n in notes] == [["d", "a1", "p1"], ["d", "a1", "p2"]]


def test_resync_keeps_an_unchanged_paragraph_silently() -> None:
    records, notes = resync([OLD], [unit("d:a1:p1", OLD_TEXT)])
    assert records[0]["entities"] == OLD["entities"] and notes == []


def test_resync_reports_a_changed_entity_and_a_new_document() -> None:
    changed = OLD_TEXT.replace("政法委", "政法办")
    records, notes = resync([OLD], [unit("d:a1:p1", changed), unit("e:a1:p1", "丽水")])
    assert [span[2] for span in records[0]["entities"]] == ["PROGRAM", "LOC"]
    assert any("金华市委政法委" in n and "lost" in n for n in notes)
    assert records[1]["cats"] == [] and any(n.startswith("e:") for n in notes)


def traced(tmp_path: Path, text: str) -> dict:
    """GOOD, with a source file in which its text starts at character 3."""
    source = tmp_path / "page.txt"
    source.write_text("标题\n" + GOOD["text"] + "\n", encoding="utf-8")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    return {**GOOD, "text": text, "source": {"file": str(source), "sha256": sha, "offsets": [[0, 3, len(text)]]}}


def test_text_that_traces_back_to_its_source_passes(tmp_path: Path) -> None:
    problems, _ = validate_files([write(tmp_path, "g.jsonl", [traced(tmp_path, GOOD["text"])])])
    assert problems == []


def test_text_that_differs_from_its_source_is_reported(tmp_path: Path) -> None:
    record = traced(tmp_path, GOOD["text"].replace("发力", "用力"))
    problems, _ = validate_files([write(tmp_path, "g.jsonl", [record])])
    assert [p.field for p in problems] == ["source.offsets[0]"]


def test_a_changed_source_file_is_reported(tmp_path: Path) -> None:
    record = traced(tmp_path, GOOD["text"])
    record["source"]["sha256"] = "0" * 64
    problems, _ = validate_files([write(tmp_path, "g.jsonl", [record])])
    assert [p.field for p in problems] == ["source.sha256"]


@pytest.mark.parametrize(
    ("surface", "delimits"),
    [
        ("《“三北”工程总体规划》", False),  # C20: quotes inside a 《》 title
        ("纪念“三八”国际妇女节大会", False),  # C35: quotes inside a longer name
        ("“枫桥经验", True),
        ("枫桥经验”", True),
        ("新时代“枫桥经验", True),  # unpaired
        ("枫桥经验", False),
    ],
)
def test_quotes_are_refused_only_where_they_delimit_the_span(surface: str, delimits: bool) -> None:
    assert quote_delimits(surface) is delimits


def test_a_focused_round_draws_its_dense_share_from_paragraphs_naming_honours_or_programmes(tmp_path: Path) -> None:
    """``sample --more N --focus``: 70 % of the round are paragraphs with a word of the weakest labels, from any story
    (a story about farming with a 示范村 counts); without it those come from governance-dense stories."""
    import gzip

    from tools import xwlb_gold

    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    stories = {f"xwlb-2023020{d}-s1": (["公安 法治 平安中国 专项", "各地公安机关依法严厉打击各类违法犯罪活动，切实维护社会治安稳定。"] if d < 6 else
                                       ["春耕", f"今年全省新评出第{d}批省级乡村振兴示范村三十个，带动周边农户增收致富。"]) for d in range(1, 10)}
    with gzip.open(folder / "2023.jsonl.gz", "wt", encoding="utf-8") as handle:
        for story, (title, paragraph) in stories.items():
            handle.write(json.dumps({"id": story, "title": title, "paragraphs": [paragraph]}, ensure_ascii=False) + "\n")
    for year in (2022, 2024):
        gzip.open(folder / f"{year}.jsonl.gz", "wt", encoding="utf-8").close()
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")

    def kinds(name: str, focus: bool) -> list[tuple[str, str]]:
        xwlb_gold.sample(tmp_path / name, tmp_path, batches=1, overlap=0, more=3, gold=gold, focus=focus)
        return re.findall(r"^# xwlb-2023020(\d)-s1:p0 \[train/(\w+)\]", (tmp_path / name / "batch0.txt").read_text(encoding="utf-8"), re.M)

    focused = kinds("focused", True)
    assert len(focused) == 3 and sorted(k for _, k in focused) == ["dense", "dense", "random"]
    assert all(int(d) >= 6 for d, k in focused if k == "dense")
    plain = kinds("plain", False)
    assert all(int(d) < 6 for d, k in plain if k == "dense") and len(plain) == 3


def test_a_pattern_round_takes_every_matching_paragraph_the_gold_lacks_and_keeps_2025_held_out(tmp_path: Path) -> None:
    """``sample --pattern``: every paragraph of the chosen years matching the pattern, none the gold has; a 2025
    paragraph is tagged held out (the honours round that lets the 2025 split measure HONOR)."""
    import gzip

    from tools import xwlb_gold

    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    for year in (2022, 2023, 2024, 2025):
        with gzip.open(folder / f"{year}.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": f"xwlb-{year}0301-s1", "title": "表彰", "paragraphs": [
                f"{year}年度全国三八红旗手和先进集体表彰大会在京举行，授予一批同志荣誉称号。",
                "今年春耕生产进展顺利，各地农民抢抓农时开展播种工作，田间一派繁忙景象。"]}, ensure_ascii=False) + "\n")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "xwlb:xwlb-20230301-s1:p0", "story": "xwlb-20230301-s1", "paragraph": 0}) + "\n",
                    encoding="utf-8")
    xwlb_gold.sample_matching(tmp_path / "round", tmp_path, "授予|称号", [2022, 2023, 2024, 2025], gold, 2, 0)
    headers = [line for k in (0, 1) for line in (tmp_path / "round" / f"batch{k}.txt").read_text(encoding="utf-8").splitlines()
               if line.startswith("# ")]
    assert sorted(headers) == ["# xwlb-20220301-s1:p0 [train/pattern]", "# xwlb-20240301-s1:p0 [train/pattern]",
                               "# xwlb-20250301-s1:p0 [heldout/pattern]"]
    xwlb_gold.sample_matching(tmp_path / "recent", tmp_path, "授予", [2025], gold, 1, 0)
    assert re.findall(r"^# (\S+)", (tmp_path / "recent" / "batch0.txt").read_text(encoding="utf-8"), re.M) == ["xwlb-20250301-s1:p0"]
    with pytest.raises(SystemExit, match="not a regular expression"):
        xwlb_gold.sample_matching(tmp_path / "bad", tmp_path, "授予(", [2025], gold, 1, 0)


def test_a_rounds_differences_and_the_golds_precedents_are_listed(tmp_path: Path, capsys) -> None:
    """``tools.xwlb_gold differences`` lists the shared paragraphs two annotators read differently (a span or the
    topics), and ``lookup`` how the training gold treated a surface, never from a held-out paragraph."""
    import gzip

    from tools import xwlb_gold

    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    stories = {"2023": {"xwlb-20230101-s1": ["公安部部署“净网”专项行动。", "民政部召开会议。", "国务院召开国务院常务会议。"]},
               "2025": {"xwlb-20250101-s1": ["各地开展“净网”行动。"]}}
    for year in ("2022", "2023", "2024", "2025"):
        with gzip.open(folder / f"{year}.jsonl.gz", "wt", encoding="utf-8") as handle:
            for story, paragraphs in stories.get(year, {}).items():
                handle.write(json.dumps({"id": story, "title": "", "paragraphs": paragraphs}, ensure_ascii=False) + "\n")
    works = [tmp_path / f"work{k}.txt" for k in range(3)]
    works[0].write_text("@ xwlb-20230101-s1:p0 public_security\nORG 公安部; PROGRAM 净网\n"
                        "@ xwlb-20230101-s1:p1 other\nORG 民政部\n", encoding="utf-8")
    works[1].write_text("@ xwlb-20230101-s1:p0 public_security\nORG 公安部\n"
                        "@ xwlb-20230101-s1:p2 political_security\nORG 国务院\n", encoding="utf-8")
    works[2].write_text("@ xwlb-20230101-s1:p2 political_security\nORG 国务院; EVENT 国务院常务会议\n"
                        "@ xwlb-20230101-s1:p1 grassroots_governance\nORG 民政部\n"
                        "@ xwlb-20250101-s1:p0 public_security\nPROGRAM 净网\n", encoding="utf-8")
    assert xwlb_gold.differences(works, tmp_path) == 3
    shown = capsys.readouterr().out
    assert "only work0.txt: PROGRAM 净网 [6]" in shown and "only work2.txt: EVENT 国务院常务会议 [5]" in shown
    assert "topics work2.txt: grassroots_governance | work0.txt: other" in shown
    assert xwlb_gold.differences(works[:2], tmp_path) == 1  # two files share one pair of readings
    assert capsys.readouterr().out.endswith("1 of 1 shared paragraphs differ\n")

    gold = tmp_path / "gold.jsonl"
    xwlb_gold.build([works[2], works[0]], gold, tmp_path)
    xwlb_gold.lookup(["净网", "国务院"], [gold], tmp_path)
    shown = capsys.readouterr().out
    assert "== 净网\n  as a span: PROGRAM x1\n" in shown and "xwlb-2025" not in shown
    assert "== 国务院\n  as a span: ORG x1\n  inside longer spans: 国务院常务会议 EVENT x1\n  not a whole span: 0" in shown


def test_a_peoples_daily_round_draws_matching_paragraphs_and_its_readings_are_compared(tmp_path: Path, capsys) -> None:
    """``tools.standoff_annotate sample --pattern``: the People's Daily paragraphs matching a pattern (award verbs for
    HONOR examples) that the gold lacks, in batches sharing paragraphs; ``tools.xwlb_gold differences`` and
    ``agreement`` read the working files of such a round, ``build`` makes their stand-off lines."""
    from tools import standoff_annotate, xwlb_gold

    folder = tmp_path / "segmentation" / "peoples_daily_1998"
    folder.mkdir(parents=True)
    lines = ["国务院 授予 张 海迪 “ 优秀 共产党员 ” 称号 ， 号召 全国 学习 。",  # 1: matches
             "北京市 公安局 召开 会议 ， 部署 春节 期间 治安 工作 。",  # 2: no award word
             "全国 总工会 表彰 一百 名 劳动模范 ， 号召 职工 学习 他们 。",  # 3: matches, already in the gold
             "天津市 授予 李 明 “ 见义勇为 英雄 ” 称号 。"]  # 4: matches, too short at --min 20
    (folder / "cv-1.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = tmp_path / "pd.jsonl"
    gold.write_text(json.dumps({"id": "pd98:cv-1:3", "file": "segmentation/peoples_daily_1998/cv-1.txt", "line": 3,
                                "text_sha256": "0" * 64, "entities": [], "cats": ["other"], "split": "train"}) + "\n",
                    encoding="utf-8")
    corrections = tmp_path / "corrections"
    corrections.mkdir()
    (corrections / "round1.jsonl").write_text(gold.read_text(encoding="utf-8").replace(":3", ":5").replace('"line": 3', '"line": 5'),
                                              encoding="utf-8")
    lines.append("省 政府 授予 王 刚 “ 见义勇为 先进 个人 ” 称号 ， 号召 全省 学习 。")  # 5: matches, already corrected
    (folder / "cv-1.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    standoff_annotate.sample(tmp_path / "round", tmp_path, "授予|表彰", batches=2, overlap=1, lo=20, gold=gold,
                             corrections=corrections)
    batches = [(tmp_path / "round" / f"batch{k}.txt").read_text(encoding="utf-8") for k in range(2)]
    assert re.findall(r"^# (cv-1:\d+) \[(\w+)/pattern\]$", "".join(batches), re.M) == [("cv-1:1", "train")] * 2

    works = [tmp_path / "work0.txt", tmp_path / "work1.txt"]
    works[0].write_text("@ cv-1:1 other\nORG 国务院; PERSON 张海迪; HONOR 优秀共产党员\n", encoding="utf-8")
    works[1].write_text("@ cv-1:1 other\nORG 国务院; PERSON 张海迪\n", encoding="utf-8")
    assert xwlb_gold.differences(works, tmp_path) == 1
    assert "only work0.txt: HONOR 优秀共产党员 [9]" in capsys.readouterr().out
    xwlb_gold.agreement(works[0], works[1], tmp_path)
    assert "all       F1 0.800  (2 agreed, 3 in A, 2 in B)" in capsys.readouterr().out
    standoff_annotate.build(works, tmp_path)  # the paragraph both read comes from the first file
    record = json.loads(capsys.readouterr().out)
    quoted = tmp_path / "quoted.txt"  # a span `gold validate` would refuse stops the build, naming file and paragraph
    quoted.write_text("@ cv-1:1 other\nHONOR “优秀共产党员”\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"quoted.txt: cv-1:1: entities\[0\]: quotation mark"):
        standoff_annotate.build([quoted], tmp_path)
    assert record["id"] == "pd98:cv-1:1" and record["entities"] == [[0, 3, "ORG"], [5, 8, "PERSON"], [9, 15, "HONOR"]]


def test_a_further_gold_round_draws_unused_stories_and_adds_to_the_gold(tmp_path: Path) -> None:
    """``tools.xwlb_gold``: ``sample --more`` leaves the stories the gold uses; ``build --add`` keeps the gold as it
    is and adds the new paragraphs."""
    import gzip

    from tools import xwlb_gold

    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    stories = {f"xwlb-2023010{d}-s1": [f"公安部第{d}次部署“净网{d}”专项行动，推进平安中国建设工作。"] for d in range(1, 7)}
    stories["xwlb-20230101-s1"].append("各地公安机关持续开展“净网”专项行动，依法打击网络违法犯罪。")
    with gzip.open(folder / "2023.jsonl.gz", "wt", encoding="utf-8") as handle:
        for story, paragraphs in stories.items():
            handle.write(json.dumps({"id": story, "title": "公安 法治 平安中国 专项", "paragraphs": paragraphs},
                                    ensure_ascii=False) + "\n")
    for year in (2022, 2024):
        gzip.open(folder / f"{year}.jsonl.gz", "wt", encoding="utf-8").close()
    first = tmp_path / "first.txt"
    first.write_text("@ xwlb-20230101-s1:p0 public_security\nORG 公安部; PROGRAM 净网1\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    xwlb_gold.build([first], gold, tmp_path)
    before = gold.read_text(encoding="utf-8")

    xwlb_gold.sample(tmp_path / "round", tmp_path, batches=1, overlap=0, more=3, gold=gold)
    drawn = re.findall(r"^# (\S+) ", (tmp_path / "round" / "batch0.txt").read_text(encoding="utf-8"), re.M)
    assert len(drawn) == 3 and not any(ref.startswith("xwlb-20230101-s1") for ref in drawn)
    # once the stories run out, a second paragraph of a story the gold uses, never the one it has
    xwlb_gold.sample(tmp_path / "all", tmp_path, batches=1, overlap=0, more=9, gold=gold)
    assert len(re.findall(r"^# ", (tmp_path / "all" / "batch0.txt").read_text(encoding="utf-8"), re.M)) == 5
    xwlb_gold.sample(tmp_path / "second-paragraphs", tmp_path, batches=1, overlap=0, more=9, gold=gold, per_story=2)
    refs = re.findall(r"^# (\S+) ", (tmp_path / "second-paragraphs" / "batch0.txt").read_text(encoding="utf-8"), re.M)
    assert len(refs) == 6 and "xwlb-20230101-s1:p1" in refs and "xwlb-20230101-s1:p0" not in refs

    second = tmp_path / "second.txt"
    second.write_text(f"@ {drawn[0]} public_security\nORG 公安部\n", encoding="utf-8")
    xwlb_gold.build([second], gold, tmp_path, add=True)
    lines = gold.read_text(encoding="utf-8").splitlines(keepends=True)
    assert before in "".join(lines) and len(lines) == 2
    assert json.loads([line for line in lines if drawn[0] in line][0])["entities"] == [[0, 3, "ORG"]]

    # the gold as a run: the catalogue lists the names it marks that the lexicon lacks
    xwlb_gold.as_run(tmp_path / "gold-run", gold, "train", tmp_path)
    from pipeline.catalogue import write_catalogue

    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "org.jsonl").write_text('{"label": "ORG", "canonical": "公安部", "aliases": []}\n', encoding="utf-8")
    report = write_catalogue(tmp_path / "gold-run", "year", labels=["PROGRAM"], lexicon=lexicon,
                             candidates=tmp_path / "candidates.jsonl")
    assert report.entries == 1 and report.candidates == 1
    candidate = json.loads((tmp_path / "candidates.jsonl").read_text(encoding="utf-8"))["candidate"]
    assert (candidate["label"], candidate["name"], candidate["first_seen"]) == ("PROGRAM", "净网1", "2023-01-01")


def test_building_a_round_refuses_what_validation_would_refuse(tmp_path: Path) -> None:
    """``tools.xwlb_gold build`` stops at a span `gold validate` refuses (中国 inside 发展中国家), naming the working file
    and the paragraph, and builds the reading that marks the occurrence by number."""
    import gzip

    from tools import xwlb_gold

    folder = tmp_path / "unlabelled" / "xinwenlianbo"
    folder.mkdir(parents=True)
    with gzip.open(folder / "2023.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "xwlb-20230101-s1", "title": "t",
                                 "paragraphs": ["中国支持发展中国家。"]}, ensure_ascii=False) + "\n")
    work = tmp_path / "work.txt"
    work.write_text("@ xwlb-20230101-s1:p0 foreign_affairs\nLOC 中国\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"work.txt: xwlb-20230101-s1:p0: entities\[1\]: .*发展中国家"):
        xwlb_gold.build([work], tmp_path / "gold.jsonl", tmp_path)
    work.write_text("@ xwlb-20230101-s1:p0 foreign_affairs\nLOC 中国#1\n", encoding="utf-8")
    xwlb_gold.build([work], tmp_path / "gold.jsonl", tmp_path)
    assert json.loads((tmp_path / "gold.jsonl").read_text(encoding="utf-8"))["entities"] == [[0, 2, "LOC"]]
