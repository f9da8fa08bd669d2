"""Where nothing is an entity: doctrines named after a leader and set phrases (guidelines section 3, C9, C10,
C19), kept by the rule stage in ``doc.spans[NO_ENTITY]`` and cleared of names by it and by the NER stage."""
from __future__ import annotations

import re
from typing import Iterator

from .chars import HAN

# Doctrines are not annotated, nor is anything inside them (C10): 习近平 is no PERSON in
# 习近平新时代中国特色社会主义思想 or 习近平法治思想, nor 邓小平 in 邓小平理论 (MSRA tags those as PER), nor 马克思 in
# 马克思主义 (78 of 78 in the 2022-2024 gold; the seventh model read it 3 times as a PERSON: eleventh session).
NO_ENTITY = "no_entity"  # the doc.spans group of the spans in which nothing is an entity
DOCTRINE = re.compile(r"(?:习近平|毛泽东|邓小平)(?:新时代中国特色社会主义思想|(?:法治|生态文明|强军|外交|经济|文化)思想|思想|理论)"
                      r"|马克思列宁主义|马克思主义|列宁主义")


# Where the guidelines annotate nothing though MSRA-trained models see a place (C9, C19, C41): 中国 in
# set formulae (中国式现代化, 中国特色社会主义), 中国人民 and 中国人, one-character X方 (中方, 美方) and
# relation pairs of one-character country names (中美关系, 中俄两国, 中外), and political formulae.
# one-character country abbreviations; none that begins a country's full name with another of them (古巴,
# 印尼, 南非, 巴西, 新加坡, 埃塞 would read as pairs)
COUNTRY_CHAR = "中美俄日韩英法德欧印巴朝越老柬泰乌哈吉塔土蒙墨斐非阿新澳意葡希匈以叙伊沙缅菲马孟捷波奥"
SET_PHRASES = re.compile(
    r"中国(?=特色|式现代化|梦|方案|智慧|之治|治理|主张|制造|故事|精神|价值|力量)|一个中国(?=原则|政策)"
    r"|中华(?=民族|儿女|文明|文化|优秀传统|大地)"
    r"|中国人民(?!银行|大学|解放军|政治协商|警察|武装|志愿军|对外|抗日战争纪念馆|革命军事博物馆)|中国人(?![民寿保大])"
    rf"|(?<![集居正])[{COUNTRY_CHAR}]方(?!面|案|法|式|针|向|位|便|舟|正|言)"
    # pairs, also with a field between them and the relation (中俄能源合作, 中希全面战略伙伴关系, 中英建立……关系,
    # 中俄互为最大邻国), and lists of languages (以中、英、法、俄等八个语种发布): 17 such spans more on the training
    # gold of 新闻联播 and People's Daily and on the seeds, none holding a gold entity (fifth 新闻联播 round)
    rf"|[{COUNTRY_CHAR}][{COUNTRY_CHAR}](?=[{HAN}]{{0,2}}?(?:关系|双方|两国|建交|友好|合作|元首|友谊|两党|两军|之间|间|建立|互为|战略|伙伴))|中外"
    rf"|[{COUNTRY_CHAR}](?:、[{COUNTRY_CHAR}])+等?[一二三四五六七八九十0-9]*个?(?:语种|语言|文字|种语言|国语言)"
    # political formulae (guidelines section 3, C27, C28): 人类命运共同体, 中非命运共同体, 一国两制, 两个确立;
    # with the verb the formula is written with (构建人类命运共同体), which the model takes into its span
    rf"|(?:推动构建|携手构建|共同构建|共建|构建)?(?:人类|中[{HAN}])命运共同体|一国两制|两个确立|两个维护|三不腐|双碳")


# 《》 titles that are not documents: works of the media, art and books, known by the word before or after the
# title (rule 36 annotates nothing inside them), and speeches and articles by their title's last word (《在……上的
# 讲话》, 《……重要讲话》). A declaration is issued (发表《……宣言》), not published as an article.
TITLE_WITH_INNER = re.compile(r"《[^《》]{2,80}(?:《[^《》]*》[^《》]*)*》")
MEDIA_AFTER = re.compile(r"^(?:杂志|栏目|节目|专栏|报|纪录片|电视剧|电影|歌曲|系列|专题片|文献片|晚会|读本|丛书|一书|书|期刊|刊)")
MEDIA_BEFORE = re.compile(r"(?:播出|播发|刊发|发表|出版|推出|播放|拍摄|创作|收看|观看|撰写|杂志|栏目|节目|纪录片|署名文章|文章|评论员文章|社论|专题片|电视剧|报道)$")
ISSUED = re.compile(r"(?:宣言|声明|公报)$")
SPEECH = re.compile(r"(?:讲话|致辞|演讲|贺信|贺词|署名文章)$")
# a periodical's name is the ORG, the one name inside its title (《求是》杂志, 《科学美国人》杂志: 4 of the 4 gold
# names inside the 39 media titles of the 新闻联播 training gold)
PERIODICAL_AFTER = re.compile(r"杂志|期刊|刊|报")


def is_media_title(text: str, start: int, end: int) -> bool:
    """Whether the 《》 title at ``text[start:end]`` is a work of the media, art or a speech, not a document."""
    before, after, inner = text[max(0, start - 6):start], text[end:end + 3], text[start + 1:end - 1]
    return bool((MEDIA_BEFORE.search(before) and not ISSUED.search(inner)) or MEDIA_AFTER.match(after) or SPEECH.search(inner))


# the last words of a document's title (book_titles: a 《》 title ending so is POLICY unless a media work)
DOCUMENT_END = re.compile(r"(?:法|条例|规定|办法|决定|意见|规划|纲要|方案|计划|细则|准则|决议|公约|宪章|协定|条约|法典|通知|白皮书|报告|指引|"
                          r"指南|清单|目录|标准|措施|举措|行动计划|（草案）|\(草案\)|修正案|纪要|宣言|声明|读本|百问|手册|问答|"
                          r"解释|章程|规则|要点|战略[0-9]{0,4})(?:（[^）]*）)?$")


def no_entity_spans(text: str) -> Iterator[tuple[int, int]]:
    """The character spans in which nothing is an entity: doctrines named after a leader, the set phrases
    above, and the titles of media works and speeches (but a periodical's title, whose name is its ORG)."""
    for pattern in (DOCTRINE, SET_PHRASES):
        for m in pattern.finditer(text):
            yield m.start(), m.end()
    for m in TITLE_WITH_INNER.finditer(text):
        # a document's title after 发表 may be a joint plan issued (双方发表《……联合工作计划（2025－2029）》): the
        # model's POLICY there stands, though book_titles leaves it to the model
        if (is_media_title(text, m.start(), m.end()) and not PERIODICAL_AFTER.match(text, m.end())
                and not DOCUMENT_END.search(m.group()[1:-1])):
            yield m.start(), m.end()
