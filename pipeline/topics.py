"""Stage 5: paragraph topics.

``keyword_topics`` is the transparent baseline: a paragraph gets every topic whose keywords it
contains at least ``min_hits`` times, and ``other`` when none. Components fill ``doc.cats`` with a
score per topic and ``doc._.topics`` with the labels over threshold (what the export's ``cats`` lists).
"""
from __future__ import annotations

from typing import Dict, List

from spacy.language import Language
from spacy.tokens import Doc

TOPICS = (
    "public_security", "rule_of_law", "business_environment", "dispute_resolution", "grassroots_governance",
    "digital_governance", "public_safety", "youth_protection", "foreign_affairs", "political_security", "other",
)

KEYWORDS: Dict[str, List[str]] = {
    "public_security": ["公安", "警务", "治安", "犯罪", "刑事", "打击", "扫黑除恶", "诈骗", "电诈", "命案", "平安", "防控", "警"],
    "rule_of_law": ["法治", "法院", "检察", "司法", "执法", "法律", "律师", "公证", "依法", "法规", "条例", "审判", "诉讼", "普法"],
    "business_environment": ["营商环境", "企业", "经营主体", "民营经济", "产权", "涉企", "商事", "市场主体", "知识产权"],
    "dispute_resolution": ["调解", "纠纷", "信访", "解纷", "矛盾", "仲裁", "诉源治理", "接访"],
    "grassroots_governance": ["基层", "社区", "网格", "村民", "村务", "乡镇", "街道", "枫桥", "综治中心", "自治"],
    "digital_governance": ["数字", "数字化", "智能", "平台", "系统", "大数据", "信息化", "APP", "智治", "互联网"],
    "public_safety": ["安全生产", "消防", "交通事故", "食品安全", "火灾", "隐患", "应急", "燃气", "交通安全", "药品"],
    "youth_protection": ["未成年人", "青少年", "学生", "校园", "中小学", "儿童"],
    "foreign_affairs": ["涉外", "海外", "外籍", "港澳", "侨", "国际", "境外"],
    "political_security": ["政治安全", "党建", "党委领导", "队伍建设", "政法队伍", "纪律", "忠诚", "全面从严"],
}

if not Doc.has_extension("topics"):
    Doc.set_extension("topics", default=None)


@Language.factory(
    "keyword_topics",
    default_config={"keywords": KEYWORDS, "min_hits": 1},
    assigns=["doc.cats", "doc._.topics"],
)
def make_keyword_topics(nlp: Language, name: str, keywords: Dict[str, List[str]], min_hits: int) -> "KeywordTopics":
    return KeywordTopics(keywords, min_hits)


class KeywordTopics:
    """Keyword baseline: the score of a topic is the share of ``min_hits`` its keywords reach."""

    def __init__(self, keywords: Dict[str, List[str]], min_hits: int) -> None:
        self.keywords = keywords
        self.min_hits = min_hits

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        scores = {
            label: min(1.0, sum(text.count(k) for k in self.keywords.get(label, ())) / self.min_hits)
            for label in TOPICS
            if label != "other"
        }
        topics = [label for label, score in scores.items() if score >= 1.0]
        scores["other"] = 0.0 if topics else 1.0
        doc.cats = scores
        doc._.topics = topics or ["other"]
        return doc
