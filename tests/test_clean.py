"""The cleaner on the real seed pages: line joins, markers, articles, bylines, captions, data boxes,
and the map from every cleaned character back to its source character."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.clean import clean_document, clean_text

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def page(prefix: str) -> str:
    return next(p for p in SEEDS if p.name.startswith(prefix)).read_text(encoding="utf-8")


def units(prefix: str) -> list[dict]:
    path = next(p for p in SEEDS if p.name.startswith(prefix))
    doc = {"doc_id": path.stem, "path": path.as_posix(), "sha256": "x", "text": path.read_text(encoding="utf-8")}
    return list(clean_document(doc))


def unit_with(prefix: str, needle: str) -> dict:
    found = [u for u in units(prefix) if needle in u["text"]]
    assert len(found) == 1, f"{needle!r} is in {len(found)} units of {prefix}"
    return found[0]


def test_narrow_column_lines_are_joined():
    # 002 breaks almost every line mid-sentence: 省委 / 书记习近平同志提出建设平 / 安浙江以来
    text = unit_with("002", "时任浙江省委书记习近平同志提出建设平安浙江以来")["text"]
    assert text.startswith("自2004年")
    assert "\n" not in text
    assert text.endswith("为金华的一张“金名片”。")


def test_word_broken_across_blank_line_is_joined():
    # 000: 命案起 / (blank line) / 数
    assert "命案起数、火灾和交通事故亡人数持续下降" in unit_with("000", "命案起数")["text"]


def test_sentence_continued_after_blank_line_is_joined():
    text = unit_with("000", "我们着力推进")["text"]
    assert text.startswith("林纪平:从2023年开始")


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_page_jump_markers_are_removed(prefix):
    assert "版)" in page(prefix)
    assert not any("下转" in u["text"] or "上接" in u["text"] for u in units(prefix))


def test_page_000_is_split_into_interview_caption_and_meeting_report():
    us = units("000")
    articles = {}
    for u in us:
        articles.setdefault(u["article_id"], []).append(u)
    assert len(articles) == 3
    interview, photo, meeting = articles.values()
    assert interview[0]["kind"] == "headline" and "访金华市委政法委常务副书记林纪平" in interview[0]["text"]
    assert [u["kind"] for u in photo] == ["headline", "caption", "credit"]
    assert photo[0]["text"] == "冬日限定美景" and photo[2]["text"] == "王建才 摄"
    assert meeting[0]["text"] == "全省深化共富警务建设推进会召开"
    assert [u["text"] for u in meeting if u["kind"] == "byline"] == ["通讯员 张范 肖永安", "本报首席记者 陈佳妮"]


def test_bylines_are_units_of_their_own():
    kinds = {u["text"]: u["kind"] for u in units("000")}
    assert kinds["本报记者 张雪南 曹志男 陈贞妃 江胜忠"] == "byline"
    assert kinds["通讯员 傅建伟 于超蓉"] == "byline"


def test_headline_ending_with_exclamation_mark_starts_an_article():
    u = unit_with("003", "东白马湖有妙招")
    assert u["kind"] == "headline"
    assert u["id"].endswith(":p1")


def test_data_box_items_lose_their_bullets():
    box = [u for u in units("001") if u["kind"] == "databox"]
    texts = [u["text"] for u in box]
    assert "数说五年" in texts and "98.52%" in texts
    assert not any("■" in t for t in texts)
    assert len({u["article_id"] for u in box}) == 1
    assert all(u["kind"] != "databox" for u in units("001") if u["text"].startswith("记者:"))


def test_extraction_markup_is_removed():
    assert "**6.3**" in page("004")
    assert unit_with("004", "全市累计出清执行积案")["text"] == "全市累计出清执行积案 6.3 万件,执行到位金额 76.99 亿元"


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_every_cleaned_character_maps_back_to_the_same_source_character(path):
    source = path.read_text(encoding="utf-8")
    for article in clean_text(source):
        for para in article:
            covered = 0
            for t, s, n in para["offsets"]:
                assert t == covered, "runs must cover the text in order, without gaps"
                assert para["text"][t : t + n] == source[s : s + n]
                covered += n
            assert covered == len(para["text"])


def test_inline_marker_and_crlf_line_ends():
    source = "标题在这里\r\n\r\n本报记者 王小明\r\n\r\n这是正文第一句，\r\n接着写（下转第3版）下去。\r\n"
    (article,) = clean_text(source)
    body = [p for p in article if p["kind"] == "body"]
    assert [p["text"] for p in body] == ["这是正文第一句，接着写下去。"]
    for t, s, n in body[0]["offsets"]:
        assert body[0]["text"][t : t + n] == source[s : s + n]
