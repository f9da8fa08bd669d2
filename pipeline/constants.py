"""The entity labels and the topics: the annotation scheme of ``docs/annotation-guidelines.md``,
defined once for the lexicon, the NER, the topic components, the gold checks and the report."""
from __future__ import annotations

LABELS = ("PROGRAM", "PLATFORM", "ORG", "LOC", "PERSON", "HONOR", "POLICY", "EVENT")

TOPICS = (
    "public_security", "rule_of_law", "business_environment", "dispute_resolution", "grassroots_governance",
    "digital_governance", "public_safety", "youth_protection", "foreign_affairs", "political_security", "other",
)

# The keywords of each topic but ``other``: the ``keyword_topics`` baseline, the keyword topics of the
# paragraphs ``select`` picks, and its test for governance news.
KEYWORDS: dict[str, list[str]] = {
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
