"""Labelling functions: readable patterns that name governance entities the lexicon does not hold.

Each function takes a paragraph's text and yields ``(start, end, label)`` character spans under the
annotation guidelines (docs/annotation-guidelines.md). They serve twice:

- as weak supervision: `train ner` with ``[data] silver`` labels the 新闻联播 paragraphs of the training
  years with the precise ones and leaves every other character missing (``corpora.silver_records``);
- at run time, the precise ones (see ``RUNTIME``) as the ``governance_rules`` component between the
  lexicon and the statistical NER.

`python -m pipeline rules evaluate --data GOLD [--split train]` prints each function's precision and coverage (recall of
the gold spans of its label) against a gold file, so a reviewer can see what every rule is worth.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

from .chars import CLOSE_QUOTES, CN_NUM, HAN, OPEN_QUOTES, ORDINAL, TITLE_SPAN, LabellingFunction, Span
from .events import awareness_days, congresses, named_games, named_meetings, numbered_editions, titled_meetings
from .no_entity import DOCUMENT_END, TITLE_WITH_INNER, is_media_title, no_entity_spans
from .places import bodies, places


def book_titles(text: str) -> Iterator[Span]:
    """《…》 titles of laws, plans, opinions and other documents -> POLICY, marks included (rule 3);
    titles of articles, programmes, books and periodicals are left out (rule 36)."""
    for m in TITLE_WITH_INNER.finditer(text):
        inner = m.group()[1:-1]
        if is_media_title(text, m.start(), m.end()):
            continue
        if DOCUMENT_END.search(inner):
            yield m.start(), m.end(), "POLICY"


# Words that end the name in front of a law, campaign or meeting head when reading backwards: the verb or
# preposition that introduces it (审议, 修改, 关于, 开展) and grammatical words (的, 了, 和).
LEFT_STOPS = re.compile(
    r"(?:提请审议|审议通过|审议|制定|修改|修订|通过|实施|施行|贯彻落实|贯彻|落实|检查|违反|依据|依照|根据|按照|关于|"
    r"学习|宣传|颁布|公布|出台|对照|适用|新修订的|新修订|开展|启动|部署|推进|深化|组织|联合|持续|深入|扎实|全面|"
    r"召开|举行|出席|主持|参加|遵守|履行|弘扬|彰显|实行|增强|设立|建立|形式|现行|签署|设法|抓好|加强|完善|维护|尊崇|推动|纪念|严守|释|以|由|在|的|了|和|与|及|将|还|是|为|对|从|把|等|也|都|已|正|并|同|向|于)"
)


def name_before(text: str, end: int, longest: int) -> int:
    """The start of the name that ends at ``end``: back over Chinese characters (at most ``longest``),
    then forward past the last introducing word found in that stretch."""
    start = end
    while start > 0 and end - start < longest and "\u4e00" <= text[start - 1] <= "\u9fff":
        start -= 1
    stretch = text[start:end]
    cut = 0
    for m in LEFT_STOPS.finditer(stretch):
        if m.end() < len(stretch) - 1:
            cut = max(cut, m.end())
    return start + cut


LAW_END = re.compile(r"(?:法典|法|条例|修正案)(?![院庭官律规治学制人务理宝子门定则式网师系])")
NOT_A_LAW = re.compile(r"(?:办法|方法|做法|想法|说法|看法|用法|手法|技法|疗法|写法|立法|司法|执法|守法|违法|依法|普法|法治|合法|非法|犯法|国际法|大法|宪法法|良法|工法|兵法|书法|佛法|魔法|算法|语法|章法|戏法|打法|玩法|解法|加法|减法)$")
# 宪法 and 党章 name the document where a word about a text's force follows (宪法实施, 党章规定), not
# in field compounds (宪法意识, 宪法宣传教育), which annotators leave out.
CHARTER = re.compile(r"(?:宪法修正案|宪法|党章)(?=实施|规定|法律|权威|精神|和法律|第|，|。|、|）|”|为|的规定|赋予|确立|明确)")


def unquoted_laws(text: str) -> Iterator[Span]:
    """Laws and regulations written without 《》 (食品安全法, 反有组织犯罪法, 宪法, 中华人民共和国民法典) -> POLICY
    (rule 3). The name runs back to the word that introduces it; 方法, 执法 and the like are not laws."""
    for m in CHARTER.finditer(text):
        if not (m.start() and "\u4e00" <= text[m.start() - 1] <= "\u9fff" and text[m.start() - 1] not in "按照依据遵守维护实施尊崇学习宣传修改贯彻以和、"):
            yield m.start(), m.end(), "POLICY"
    for m in LAW_END.finditer(text):
        if text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start()):
            continue  # inside a 《》 title
        start = name_before(text, m.end(), 16)
        name = text[start:m.end()]
        if text.startswith(("和法律委员会", "法律委", "频道"), m.end()) or text.startswith(("座谈会", "立法座谈会", "实施座谈会"), m.end()) or re.search(r"[东西南北部]拉法$|洛法$|长法$|与法$", name) or name.startswith("宪法"):
            continue  # 全国人大宪法和法律委员会 (an ORG), 拉法 (a town); 宪法 above
        stopped = start > 0 and (LEFT_STOPS.search(text[max(0, start - 4):start]) or not "\u4e00" <= text[start - 1] <= "\u9fff")
        if len(name) >= 3 and not NOT_A_LAW.search(name.removesuffix("修正案")) and (len(name) >= 4 or stopped):
            yield start, m.end(), "POLICY"


# Laws and regulations without 《》 where the legislature's work names them: after the verb that amends, repeals,
# drafts, reviews or inspects them, or in a 、-list such a verb opens (修改道路运输条例、国际海运条例等7部行政法规,
# 传染病防治法修订草案, 启动企业国有资产法执法检查): the verb is the left boundary that unquoted_laws lacks.
# 42 of 42 right on the 1,680 training paragraphs of 新闻联播 (written from the third round's misses).
LAW_NAME_END = re.compile(r"(?:法实施条例|法实施办法|法|条例|办法|实施细则)(?=[、，。；等]|草案|修订草案|修正草案|执法检查|实施情况|$)")
LAW_LEFT = re.compile(r"修改完善|修改|修订|废止|制定|审议|启动|检查|落实|实施|贯彻|、|，|。|；|：|了|和")
LAW_VERB = re.compile(r"修改完善|修改|修订|废止|制定|审议|启动|检查|落实|实施|贯彻")
LAW_LIST_BEFORE = re.compile(rf"(?:修改完善|修改|修订|废止|制定|审议|启动|检查)(?:[{HAN}（）]{{2,16}}?(?:法|条例|办法|细则)(?:草案|修订草案)?、)+$")
NOT_A_LAW_NAME = re.compile(r"(?:办法|方法|做法|想法|说法|看法|用法|手法|立法|司法|执法|守法|违法|依法|普法|合法|非法|工作办法|"
                            r"管理办法|有关办法|相关法|该法|本法|此法|这部法|新法|法律法|专门法|基本法|宪法|^实施办法|^实施条例)$")


def amended_laws(text: str) -> Iterator[Span]:
    """修改道路运输条例、国际海运条例等, 审议传染病防治法修订草案, 启动企业国有资产法执法检查 -> POLICY."""
    for m in LAW_NAME_END.finditer(text):
        end = m.end()
        if text.rfind("《", 0, end) > text.rfind("》", 0, end):
            continue  # inside a 《》 title
        low = max(0, end - 20)
        lefts = [k for k in LAW_LEFT.finditer(text, low, end) if k.end() <= end - 3]
        if not lefts:
            continue
        start = lefts[-1].end()
        name = text[start:end]
        if re.search(rf"[^{HAN}（）]|的|关于|与|及", name) or NOT_A_LAW_NAME.search(name):
            continue
        if LAW_VERB.fullmatch(lefts[-1].group()) or lefts[-1].group() == "、" and LAW_LIST_BEFORE.search(text, 0, start):
            yield start, end, "POLICY"


# 关于……的决定 (rule 39): one span from 关于 to 的决定, inner 《》 included; and so an opinion, a notice or a set of
# measures titled with 关于 (关于加强和改进全国人大代表学习培训工作的若干意见: in the training gold of the sixty-fifth round
# 12 of 15 such titles are POLICY from 关于, the other 3 with their issuer before it, 全国政协关于……的意见, none left out;
# not 意见建议, the deputies' suggestions)
DECISION = re.compile(r"关于(?:[^，。；：！？、《》\n]|《[^》]{1,60}》){2,70}?的(?:决定|决议|(?:若干|指导|实施)?意见(?!建议)|通知|若干措施)")


def decisions(text: str) -> Iterator[Span]:
    """A decision on a titled act, 关于 … 的决定, and an opinion, notice or set of measures titled so -> POLICY
    (rule 39), unless it sits inside a 《》 title."""
    for m in DECISION.finditer(text):
        if text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start()):
            continue
        inner = m.group()[2:-3]
        if inner.startswith("提请审议关于"):  # the motion names the decision: 关于提请审议[关于……的决定]
            yield m.start() + 6, m.end(), "POLICY"
            continue
        if len(inner) < 5 or re.search(r"撤销|辞去|接受|任免|罢免|免去|资格|职务", inner):
            continue  # a personnel decision: its persons and bodies are annotated instead
        yield m.start(), m.end(), "POLICY"


# 宪法 naming the Constitution as a text is POLICY (guidelines, "Decision – 宪法"); not in compounds that name a
# field, concept, activity or institution (宪法理论, 宪法意识, 宪法宣传教育, 宪法相关法, 中国宪法故事, 宪法法院,
# 宪法和法律委员会), nor 宪法修正案 (its own POLICY) or 国家宪法日 (an EVENT)
CONSTITUTION = re.compile(r"(?<!中国)(?<![国设名韩美日法德])宪法(?!理论|意识|自觉|工作|宣传|宣誓|监督|相关|故事|制度|知识|法律知识|实践|法院|"
                          r"和法律委员会|法律委|日|修正案|学|权威)")


def constitution(text: str) -> Iterator[Span]:
    """忠于宪法, 宪法实施, 以宪法为核心 -> 宪法 POLICY; not 宪法理论, 宪法意识, 宪法法院."""
    for m in CONSTITUTION.finditer(text):
        yield m.start(), m.end(), "POLICY"


# After a quoted name, the heads that make it a programme (“放管服”改革, “猎狐2023”专项, “一带一路”倡议)
# or a platform (“一网通办”平台).
PROGRAM_HEADS = "专项|倡议|改革|机制|活动|合作|建设|行动|工程|制度|模式|品牌|战略|经验|工作法|军事演习|演习|体系|工作体系|责任体系"
PLATFORM_HEADS = "平台|APP|App|app|小程序|热线|系统|公众号|客户端|网站|应用|数字应用|手机终端|服务平台|便民服务平台"
QUOTED = re.compile(rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{2,20}})[{CLOSE_QUOTES}](?=({PLATFORM_HEADS}|{PROGRAM_HEADS}))")


# A list of quoted names before one head that names them all: “护苗”“净网”“秋风”等专项行动, “五点半课堂”“能工巧匠”等
# 特色服务项目, “浙丽守未”“浙丽护苗”品牌 (after 等 a few words may stand between: 一系列, 特色服务). 活动 is left out here:
# lists of activities are as often not names (“公开课”“进门入户送安全”等活动).
QUOTED_ITEM = rf"[{OPEN_QUOTES}][^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{2,20}}[{CLOSE_QUOTES}]"
LIST_HEADS = PROGRAM_HEADS.replace("活动|", "") + "|项目"
QUOTED_LIST = re.compile(rf"((?:{QUOTED_ITEM}、?){{1,7}}{QUOTED_ITEM})(?:等(?:一系列|一批)?[{HAN}]{{0,4}}?)?(?=({PLATFORM_HEADS}|{LIST_HEADS}))")
BODY_END = re.compile(r"(?:团|队|组|站|室|中心|所)$")  # named teams and offices are ORG (“老李帮忙团”)


# A quoted name that carries its own head (“清朗网络暴力专项治理行动”, “全球消费品牌集聚计划”, “六尺巷调解法”), and
# one a campaign head follows after a few words (“净海2024”打击海上走私专项行动, “监管护苗”2023年暑期专项行动)
QUOTED_WITH_HEAD = re.compile(rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{2,24}}?"
                              rf"(?:专项行动|专项治理行动|专项整治行动|专项治理|专项整治|行动|计划|工作法|调解法|经验|模式|工程))[{CLOSE_QUOTES}]")
# (not ……工程 in quotes: as often an epithet, “民心工程”, “群众性治安防控工程”, as a name)
QUOTED_BEFORE_CAMPAIGN = re.compile(rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{2,20}})[{CLOSE_QUOTES}]"
                                    rf"[{HAN}0-9]{{1,10}}?(?=专项行动|专项治理行动|专项整治行动|专项治理|专项整治)")


# A quoted “one X, one plan” formula is a programme without a head after it (“一校一策”, “一人一档”, “一省一单”,
# “一城一策、一企一策” as one): 17 of 18 in the 2022-2024 gold (“一品一策”原则 is none); eleventh session
QUOTED_FORMULA = re.compile(rf"[{OPEN_QUOTES}](一[{HAN}]一[策档单](?:、一[{HAN}]一[策档单])*)[{CLOSE_QUOTES}](?!原则)")


def quoted_names(text: str) -> Iterator[Span]:
    """A quoted core followed by a governance head: “猎狐2023”专项行动 -> 猎狐2023 PROGRAM, “一网通办”平台 ->
    一网通办 PLATFORM (rules 4, 21, 37), each core of a quoted list before such a head, and “一X一策” formulae.
    Left out: months, days and years of action (“安全生产月”活动 is an EVENT, rule 13), compounds with +
    (“合作社+农户”模式; 互联网+ stays) and numbered formulae (“四个全面”, rule 7)."""
    def label(head: str) -> str:
        return "PLATFORM" if re.match(PLATFORM_HEADS, head) else "PROGRAM"

    found = [(m.start(1), m.end(1), label(m.group(2))) for m in QUOTED.finditer(text)]
    found += [(m.start(1), m.end(1), "PROGRAM") for pattern in (QUOTED_WITH_HEAD, QUOTED_BEFORE_CAMPAIGN, QUOTED_FORMULA)
              for m in pattern.finditer(text)
              # not a quoted phrase of a document (“实施城市更新行动”), a slogan (“全民反诈在行动”) or a title
              # conferred (获评全国“枫桥式工作法”: HONOR)
              if not (re.match(CAMPAIGN_VERB + "|继续", m.group(1)) or m.group(1).endswith("在行动")
                      or re.search(AWARD_VERB + "(?:全国|省级|市级|县级)?$", text[max(0, m.start() - 6):m.start()]))]
    for m in QUOTED_LIST.finditer(text):
        base = m.start(1)
        found.extend((base + item.start() + 1, base + item.end() - 1, label(m.group(2))) for item in re.finditer(QUOTED_ITEM, m.group(1)))
    labels: dict[tuple[int, int], str] = {}
    for start, end, found_label in found:
        labels.setdefault((start, end), found_label)  # once, as first found
    for (start, end), found_label in sorted(labels.items()):
        core = text[start:end]
        if ((re.search(r"[月周日节年]$|[+＋].|[+＋]$", core) and core != "互联网+") or re.match(ORDINAL + r"个", core)
                or re.match(rf"(?:[{CN_NUM}0-9]+[大项号]|头号)", core) or BODY_END.search(core)):  # counted: “三大经验”, rule 11
            continue
        yield start, end, found_label


# Named campaigns written without quotes, after the verb that launches or pursues them (开展, 推进, 实施,
# 部署, 提出的): 党纪学习教育, 消防安全专项整治, 全球安全倡议, 国有企业改革深化提升行动 (rules 22, 25).
CAMPAIGN_VERB = (r"(?:开展|推进|实施|抓好|部署|聚焦|推动|启动|巩固|深化|组织|参与|支持|提出的|落实|听取|加快建设|"
                 r"全面推进|建设|持续|推广|共建|开启|打好|打赢|推出|依托)")
CAMPAIGN_HEADS = ("专项行动", "专项斗争", "专项治理行动", "专项治理", "专项整治行动", "专项整治", "排查整治行动", "排查整治",
                  "专项执法行动", "专项联合执法行动", "联合执法行动", "整治行动", "升级行动",
                  "集中整治", "主题教育", "学习教育", "教育整顿", "攻坚行动", "提升行动", "三年行动", "百日行动", "倡议", "工程",
                  "大督查", "大检查", "行动", "计划")
# 行动 and 计划 alone name programmes only after a core of four characters or more (城市更新行动, 现代职业教育质量提升计划;
# 春风行动 and 净网行动 are the lexicon's) and at the end of a word: a shorter core is an operation (军事行动, 救援行动,
# 收网行动, 合作计划), and a word going on is a longer name (母婴安全行动提升计划). Operations of armies, police and rescuers
# and foreign governments' plans are no governance programmes (特别军事行动, 大规模搜查行动, 核污染水排海计划), and an action
# plan is the document, a POLICY (新质生产力培育三年行动计划; nineteenth round). Ninth session, on the 9,840 training
# paragraphs: see docs/ner.md.
PLAIN_HEADS = ("行动", "计划")
NOT_A_PROGRAMME = re.compile(r"行动计划$|军事|地面|搜捕|搜查|搜救|救援|援助|撤离|打击行动|反恐行动|采取|封控|排海|紧急|支出|宣战|稳定计划|"
                             r"工作计划$|^其|^[一多]")
WORD_GOES_ON = re.compile(rf"[{HAN}](?<![等和与及的中为以是])")
CAMPAIGN_HEAD = "(?:" + "|".join(CAMPAIGN_HEADS) + ")"
# a head may follow a head: 安全生产专项整治三年行动
# and a campaign's plan is the document's name, not the campaign (基础研究三年行动方案 is the POLICY: ninth round)
# and 工程 going on as a word is no head (中国国际工程咨询有限公司, 工程机械, 工程项目: seventh session)
# and a verb with 者 is the person doing it, no launching verb (建设者们对全线控制性工程之一: fifty-fifth round; 建设者,
# 参与者, 推动者 … 160 times in the training gold)
CAMPAIGN = re.compile(rf"{CAMPAIGN_VERB}(?!者)([{HAN}A-Za-z0-9·（）]{{2,30}}?{CAMPAIGN_HEAD}(?:{CAMPAIGN_HEAD})?)"
                      rf"(?!方案|计划|实施方案|规划|纲要|意见|工作方案|机械|咨询|项目|技术|师|院|局|公司)")
# 打击整治 opens names (打击整治网络谣言专项行动) but makes none before a bare head (开展打击整治专项行动)
# and quantities make none (许多全球倡议, 更多惠民工程, 四大监测能力建设工程, 国际法治交流等五点倡议: sixth session)
GENERIC_CAMPAIGN = re.compile(rf"(?:打击整治{CAMPAIGN_HEAD}$|专项|联合|[{CN_NUM}]大|这|该|此|本|各|重大|系列|一系列|开展|拓展|第|安排|"
                              rf"许多|更多|[^等]*等[{CN_NUM}0-9])")
# launching verbs, manner words and time qualifiers stay outside the name (集中打击……专项斗争, 岁末年初……专项整治:
# guidelines, fourth 新闻联播 round)
CAMPAIGN_LEAD_WORD = re.compile(CAMPAIGN_VERB + "|展开|深入|扎实|联合|带头|拓展|全面|持续|认真|切实|安排|新一轮|岁末年初|集中")
CAMPAIGN_LEAD = re.compile(f"(?:{CAMPAIGN_LEAD_WORD.pattern})+")
# counted packages are not names: the count quantifies the head (自然灾害防治九项重点工程; guidelines, second 新闻联播
# round), not a name inside (中央八项规定精神学习教育)
COUNTED = re.compile(rf"[{CN_NUM}0-9]+(?:项|个|大|批)[{HAN}]{{0,2}}{CAMPAIGN_HEAD}$"
                     # a count in figures anywhere (172项节水供水重大水利工程), and a kind named by its examples
                     # (小流域综合治理等重点工程, 深空探测等航天重大工程): seventh session
                     rf"|[0-9]+多?(?:项|个|批)|等[{HAN}]{{0,4}}{CAMPAIGN_HEAD}$"
                     # and a rank of works (拉萨山南一体化重要工程, 航天重大工程), or their kind: no 水利工程 in the
                     # training gold is a programme (水毁灾损水利工程设施修复: fifty-fifth round)
                     rf"|(?:重要|重大|重点)[{HAN}]{{0,2}}工程$|水利工程$")


# 和 joins two campaigns (开展扫黑除恶和……专项行动: none named whole) or words inside one long name (山水林田湖草沙一体化保护和修复工程,
# 帮扶未就业高校毕业生和失业青年就业攻坚行动: eleventh session); only the latter, after six characters or more and before the head
COORDINATED = re.compile(rf"^.{{0,5}}和|(?:{CAMPAIGN_HEAD}|理念|思想)和|和.{{0,1}}{CAMPAIGN_HEAD}$")


# Rounds of the central inspections are programmes (中央第八轮巡视, 十九届中央第九轮巡视); their meetings and teams
# are not (……巡视集中反馈会议 EVENT, ……巡视组 ORG)
INSPECTION_ROUND = re.compile(rf"(?:{ORDINAL}届)?中央第{ORDINAL}轮巡视(?!集中反馈|动员|进驻|组|工作)")


LISTED_CAMPAIGN = re.compile(rf"、([{HAN}A-Za-z0-9·（）]{{2,30}}?{CAMPAIGN_HEAD})(?=[，。；、]|等)")


def names_a_campaign(text: str, start: int, name: str) -> bool:
    """Whether ``name`` (ending in a campaign head, at ``start`` in ``text``) is a campaign's own name."""
    head = len(re.search(CAMPAIGN_HEAD + "$", name).group())
    if name.endswith(PLAIN_HEADS) and head == 2 and (len(name) - head < 4 or NOT_A_PROGRAMME.search(name)
                                                     or WORD_GOES_ON.match(text, start + len(name))):
        return False
    return not (len(name) - head < 2 or re.search(r"[的与、及了以在为]", name) or COORDINATED.search(name)
                or GENERIC_CAMPAIGN.match(name) or COUNTED.search(name))


def campaigns(text: str) -> Iterator[Span]:
    """Named campaigns: the words between the last launching verb and the head, and the items of a list it
    governs; a year before the name stays out (rule 34), and generic ones (开展专项整治, 一系列全球倡议) are left
    out; rounds of the central inspections (中央第八轮巡视); not inside a 《》 title (《关于实施……工程的意见》 is the
    POLICY)."""
    titles = [m.span() for m in TITLE_SPAN.finditer(text)]
    found: set[Span] = set()
    for m in CAMPAIGN.finditer(text):
        start, name = m.start(1), m.group(1)
        if any(a < start < b for a, b in titles):
            continue
        head = len(re.search(CAMPAIGN_HEAD + "$", name).group())
        # round words and time qualifiers stay outside (新一轮, 岁末年初: guidelines), like the verbs; verbs and
        # adverbs before a bare head leave no name (持续深入抓好主题教育: guidelines, 主题教育 -> nothing)
        lead = CAMPAIGN_LEAD.match(name)
        if lead and len(name) - lead.end() - head < 2:
            continue
        # 联合 inside a name is the name's (长江流域水库群抗旱保供水联合调度专项行动), only leading it a manner word
        cuts = [k.end() for k in CAMPAIGN_LEAD_WORD.finditer(name) if len(name) - k.end() - head >= 2 and
                (k.group() != "联合" or (lead and k.end() <= lead.end()))]
        if cuts:
            start, name = start + cuts[-1], name[cuts[-1]:]
        year = re.match(r"[0-9０-９]{4}年度?|好|了", name)  # 实施好乡村建设行动, 开展了……: 好 and 了 complete the verb
        if year:
            start, name = start + year.end(), name[year.end():]
        if not names_a_campaign(text, start, name):
            continue
        found.add((start, start + len(name), "PROGRAM"))
        # the launching verb governs a list (大力实施技能中国行动、高技能领军人才培育计划: eleventh session)
        # (and an item's own verb stays out: 、实施技术改造升级工程)
        end = start + len(name)
        while item := LISTED_CAMPAIGN.match(text, end):
            lead = CAMPAIGN_LEAD.match(item.group(1))
            start = item.start(1) + (lead.end() if lead else 0)
            end = item.end(1)
            if not names_a_campaign(text, start, text[start:end]):
                break
            found.add((start, end, "PROGRAM"))  # once, when its own verb found it too
    found.update((m.start(), m.end(), "PROGRAM") for m in INSPECTION_ROUND.finditer(text)
                 if not any(a < m.start() < b for a, b in titles))
    yield from sorted(found)


# National research designations (国家重点实验室, 国家企业技术中心; the 2022-2024 gold, seventh and eighteenth sessions):
# HONOR_PATTERN's heads, and the ends of a named laboratory or centre's own name (an ORG), which `honours` leaves out.
RESEARCH_DESIGNATIONS = "重点实验室|工程技术研究中心|工程（技术）研究中心|工程研究中心|工程实验室|企业技术中心|制造业创新中心"
LAB = re.compile(RESEARCH_DESIGNATIONS)
# (a verb before the level word marks the designation: 开展国家重点实验室重组, 已具有国家重点实验室)
LAB_VERB = re.compile("(?:开展|组建|建设|获批|具有|拥有|建成|新建|包括|成为|已有)$")

HONOR_PATTERN = re.compile(
    rf"(?:(?:平安|美丽)?中国|全国|全军|全省(?!域)|国家级?|省级|市级|省属)[{HAN}]{{0,14}}?"
    r"(?:模范教师|优秀教师|先进集体|先进个人|先进工作者|先进单位|模范城|模范县|模范[\u4e00-\u9fff]{0,6}?(?:单位|干部|集体|个人)|模范|标兵单位|标兵个人|标兵|示范村|示范县|示范区|示范市|示范城市|示范单位|示范点|"
    r"优秀共产党员|优秀党务工作者|先进基层党组织|三八红旗手|三八红旗集体|劳动模范|五一劳动奖章|五一劳动奖状|"
    r"文明城市|文明村镇?|文明单位|最美[\u4e00-\u9fff]{1,6}|青年五四奖章(?:集体)?|道德模范|英雄|勋章|奖章|荣誉称号|楷模|时代楷模|"
    r"优秀人民警察|优秀公安局|先进岗|红旗集体|试点城市|合格城市|工人先锋号|"
    # national designations of bases, hubs and centres (the 2022-2024 gold, seventh session: 全国爱国主义教育示范基地,
    # 国家骨干冷链物流基地, 国家物流枢纽, 国家智慧农业创新中心, 国家级智能制造示范工厂, 国家先进制造业集群)
    r"示范基地|物流基地|出口基地|物流枢纽|农业创新中心|示范工厂|先进制造业集群|现代农业产业园|"
    r"生态文明试验区|综合试验区|绿色工厂|先导区|技术能手|文明家庭|"
    # and seed counties and resorts (国家级制种大县, 国家级旅游度假区; eleventh session: not 高新技术企业 or 改革试点, which
    # the gold counts as often as it names, 国家高新技术企业2489家, 391项国家改革试点)
    r"制种大县|旅游度假区|"
    # ranked lists and finds of the year (the 2022-2024 gold, sixteenth session: 全国百强区, 全国文化企业30强,
    # 国家级滑雪旅游度假地, 国家级健康养殖示范场, 全国十大考古新发现, 国家级示范步行街, 省级智能工厂)
    r"百强县|百强区|百强市|[0-9]{2,3}强|度假地|示范场(?!景)|考古新发现|示范步行街|智能工厂|创新发展试验区|"
    # and the titles of the People's Daily honours round (seventeenth session: 全国科技先进县, 全军先进农场, 全国优秀
    # 教育工作者, 国家科技进步三等奖, 全国重点学科, 国家历史文化名城)
    r"先进县|先进村|先进企业|先进农场|先进党委|优秀企业家|优秀教育工作者|优秀女职工|杰出青年|重点学科|"
    r"(?:科技进步|科学技术进步|自然科学|技术发明|发明)(?:[一二三特]等)?奖|"
    # national research designations and top prizes (eighteenth session, from the 2022-2024 gold: 国家企业技术中心,
    # 国家工程技术研究中心, 国家制造业创新中心, 全国五好家庭, 国家最高科学技术奖, 国家科学技术奖 but not its 奖励大会)
    rf"{RESEARCH_DESIGNATIONS}|五好家庭|最高科学技术奖|最高科技奖|科学技术奖(?!励))"
    # named medals with their class (一级八一勋章)
    r"|(?:[一二三]级)?(?:共和国勋章|友谊勋章|七一勋章|八一勋章|独立自由勋章|解放勋章)"
    r"|(?:人民英雄|时代楷模|专精特新|工人先锋号|劳动模范|道德模范|三八红旗手|人民教育家|人民科学家|国家历史文化名城)"
    # designations the 2022-2024 gold marks every time it meets them (世界500强 16 of 16, 共同富裕示范区 11 of 11,
    # 制造业单项冠军企业 7 of 7, 社会主义现代化建设引领区 5 of 5; eighteenth session)
    r"|世界500强|共同富裕示范区|制造业单项冠军企业|社会主义现代化建设引领区|综合性国家科学中心")


QUOTED_REST = re.compile(rf"[{HAN}]{{0,8}}[{CLOSE_QUOTES}]")
YEAR_IN_QUOTES = re.compile(rf"[{OPEN_QUOTES}]([0-9]{{4}}(?:年度?|·)?)$")
# Quoted titles (“公安楷模”, “最美基层民警”, “天坛奖”, “小巨人”, “灯塔工厂”) and numbered awards (第25届曹禺戏剧文学奖).
QUOTED_HONOR = re.compile(
    rf"[{OPEN_QUOTES}]((?:[{HAN}A-Za-z0-9·]{{2,14}}(?:奖|楷模|模范|标兵|能手|之星|卫士|先锋|好人|英雄|示范[{HAN}]{{1,3}}))"
    rf"|[{HAN}]{{2,10}}(?:勋章|奖章)|最美[{HAN}]{{1,8}}|小巨人|灯塔工厂)[{CLOSE_QUOTES}]")  # 专精特新“小巨人”企业: 27 of 27 in the 2022-2024 gold
NUMBERED_AWARD = re.compile(rf"第[{CN_NUM}0-9]+届([{HAN}]{{2,12}}?奖(?!章)(?:·[{HAN}]{{2,8}}奖)?)")  # not 第28届中国青年五四奖章
# Merit citations after the verb that awards them (记集体一等功, 荣立个人三等功, 立三等功), and a quoted title
# named a 称号 or given by an award verb (“模范检察院”称号, 荣获“二星平安金鼎”, 被命名为“平安市”).
MERIT = re.compile(r"(?:记|立|获|授予)((?:集体|个人|国防科技)?[特一二三]等功)(?!臣)")
# 荣立二等功、三等功; counted too: 荣立集体一等功3次、二等功11次
MORE_MERIT = re.compile(rf"(?:[0-9{CN_NUM}]+次)?[、和及]((?:集体|个人)?[特一二三]等功)(?!臣)")
AWARD_VERB = r"(?:被授予|授予|被评为|评为|获评|荣获|获得|被命名为|命名为|捧回|跻身|入选|创成)"
TITLE = re.compile(rf"(?:{AWARD_VERB}(?:全国|省级|市级|县级|联合国)?[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{2,24}})[{CLOSE_QUOTES}]"
                   rf"(?!{PROGRAM_HEADS}|{PLATFORM_HEADS})"  # 入选“一带一路”合作项目: a programme, not a title
                   # before 称号 a title may join two occasions (“北京冬奥会、冬残奥会突出贡献集体”称号)
                   rf"|[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；：！？]{{2,24}})[{CLOSE_QUOTES}](?:荣誉)?称号)")

# A list of quoted titles before 称号, or after a verb that confers them, is a list of honours (the People's Daily
# honours round: “湖北省文明单位”、“湖北省先进基层党组织”、“党风廉政建设先进单位”等称号; 被评为“优秀共产党员”、“先进工作者”),
# and so is a list of unquoted titles between such a verb and 称号 (被授予全国科技先进县、全国渔业先进县等称号).
QUOTED_TITLE = rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；：！？]{{2,24}})[{CLOSE_QUOTES}]"
TITLE_LIST = re.compile(
    rf"(?P<before>(?:{QUOTED_TITLE}[、和及]?){{2,8}})(?:等[{HAN}]{{0,4}}?)?(?:荣誉|光荣)?称号"
    rf"|(?:被授予|授予|被评为|评为|获评|荣获|被命名为|命名为)(?P<after>(?:{QUOTED_TITLE}[、和及]){{1,7}}{QUOTED_TITLE})")
# (a batch number before the title is not part of it: 获得第七批生态文明建设示范区称号; nor are 获得过勋章, 授予下列人士国家勋章、
# 国家荣誉称号, whose items are no titles)
PLAIN_TITLE = r"(?!过|了|下列|荣誉|国家荣誉)(?:(?![的为他她其和与及在等、])[\u4e00-\u9fff]){2,16}?(?<!勋章)"
PLAIN_TITLE_LIST = re.compile(rf"(?:被授予|授予|荣获|获得|被评为|评为|获评|被命名为|命名为)(?:第[{CN_NUM}0-9]+批|首批)?"
                              rf"({PLAIN_TITLE}(?:[、和及]{PLAIN_TITLE})*)等?(?:荣誉|光荣)?称号")

# Honours counted in a commendation (eighth round): 全国公安系统982个先进单位、1485名先进个人受到表彰, 10个先进集体、
# 5名先进工作者和5名劳动模范; the honoured referred to in general are not (受表彰的先进集体和先进个人).
COUNTED_HONOR = re.compile(rf"[0-9{CN_NUM}百千万](?:个|名|家|位|支)"
                           r"(先进集体|先进个人|先进工作者|先进单位|劳动模范|模范集体|模范个人|标兵单位|标兵个人)")

# Bare titles coordinated after a named one share its qualifier (the tenth session's review of rounds 20-22):
# 全国台联系统先进集体和先进工作者, 全国供销合作社系统先进集体、劳动模范和先进工作者 -> each HONOR; alone
# (受表彰的先进集体和先进个人) they stay out.
COORDINATED_HONOR = re.compile(r"[、和及](先进个人|先进工作者|先进单位|先进集体|劳动模范|优秀共产党员|优秀党务工作者|先进基层党组织)"
                               r"(?!表彰|代表)")

# Film and art prizes of a festival, after the verb that gives them, and each of the list that follows
# (夺得最佳故事片、最佳导演奖, 被授予最佳美术片和最佳儿童片; tenth session)
BEST = rf"最佳[{HAN}]{{0,4}}?(?:节目奖?|片|奖|导演奖?|编剧奖?|男主角奖?|女主角奖?|男演员奖?|女演员奖?|男配角奖?|女配角奖?|摄影奖?)"
BEST_AWARDS = re.compile(rf"(?:夺得|获得|荣获|摘得|斩获|授予|获)了?({BEST}(?:[、和及]{BEST})*)")

# An unquoted designation right after the verb that confers it: 成为新的国家湿地公园, 成为基层治理示范社区,
# 被评为全国先进集体 (rule 12; the heads of HONOR_PATTERN without its level word, which the verb replaces).
CONFERRED = re.compile(rf"(?:{AWARD_VERB}|成为)(?:新的|首批|第[{CN_NUM}0-9]+批)?"
                       rf"([{HAN}]{{2,14}}?(?:示范区|示范社区|示范村|示范县|示范市|示范单位|示范基地|先行区|样板区|"
                       rf"湿地公园|先进集体|先进个人|先进单位|标兵))(?=称号|[^{HAN}]|$)")


# Not honours (the sixth session's review of the rule on the training gold): the generic 国家荣誉称号 and 全国或全省荣誉称号
# (and 国家勋章, the class of 共和国勋章 and 友谊勋章: never a span of its own in the 2022-2024 gold, where the function
# found it 18 times; seventeenth session),
# 最美 places (“最美金秋路”, “最美西郊线”) and names given to craft (命名为“梦舟”, “…福建舰”); a medal of two
# characters is one (授予“金鹰”勋章).
NOT_AN_HONOUR = re.compile(rf"^(?:国家|全国)?荣誉称号$|^国家勋章$|或|^最美[{HAN}]*(?:路|线|园|林)$|舰$")
CRAFT_NAME = re.compile(rf"(?<!被)命名为[{OPEN_QUOTES}]$")  # 飞船命名为“梦舟”: two characters given to a craft, not a title


def honours(text: str) -> Iterator[Span]:
    """Honours and designations: 全国优秀共产党员, 全国公安系统先进集体, 全国文明村, 友谊勋章, “时代楷模”,
    第31届中国戏剧梅花奖, 集体一等功, 荣获“平安银鼎”, “模范检察院”称号 -> HONOR (rules 12, 38)."""
    found = []  # in the order found, once: a quoted title can match QUOTED_HONOR and TITLE alike
    for m in HONOR_PATTERN.finditer(text):
        if text[m.end():m.end() + 2] in ("表彰", "大会", "评选") and text[m.end():m.end() + 4].endswith("大会"):
            continue  # inside the name of a commendation meeting (rule 38)
        if re.search("[的对向要]|(?<!共)和", m.group()) or text[m.end():m.end() + 1] in ("纪", "碑"):
            continue  # a description (中国式现代化的示范区, 国家对道德模范) or a monument (人民英雄纪念碑)
        if LAB.search(m.group()) and (
                # a laboratory's own name ends so: 新能源电力系统全国重点实验室 is an ORG
                (re.search(f"(?![个家批多])[{HAN}]$", text[:m.start()]) and not LAB_VERB.search(text, 0, m.start()))
                # and so does a named centre's (国家风电工程技术研究中心); 省级以上企业技术中心 is a count
                or not re.fullmatch(f"(?:国家|全国|省级|省属|国家级)(?:{RESEARCH_DESIGNATIONS})", m.group())):
            continue
        # a quoted title runs to its closing quote: “全国模范法官”, not 全国模范
        rest = QUOTED_REST.match(text, m.end()) if m.start() and text[m.start() - 1] in OPEN_QUOTES else None
        # a count before the designation is no part of it (全国首个大数据综合试验区 -> 大数据综合试验区)
        first = re.match(r"全国(?:首个|首批|第一个|唯一的?)", m.group())
        # and a verb between two level words leaves the first out (全国开展全国文明家庭评选 -> 全国文明家庭)
        again = re.search(rf"(?:开展|评选|推选|表彰|选树|命名|创建)(?:第[{CN_NUM}0-9]+[届批])?(?=全国|国家级?|省级)", m.group())
        skip = again.end() if again else first.end() if first else 0
        if m.group().startswith("国") and re.search("[0-9]强$", m.group()):
            continue  # a rank among countries (世界发达国家30强), not a list of the year
        # and from its opening quote when a year is all that comes before (“2022中国企业500强”, “2024·全国文化企业30强”)
        year = YEAR_IN_QUOTES.search(text, max(0, m.start() - 7), m.start()) if not skip else None
        found.append((year.start(1) if year else m.start() + skip, rest.end() - 1 if rest else m.end()))
        end = found[-1][1]
        while (joined := COORDINATED_HONOR.match(text, end)):
            found.append(joined.span(1))
            end = joined.end()
    for pattern in (QUOTED_HONOR, NUMBERED_AWARD, TITLE, CONFERRED, COUNTED_HONOR):
        for m in pattern.finditer(text):
            group = next(g for g in range(1, len(m.groups()) + 1) if m.group(g) is not None)
            # a description, not a conferred name: 中国式现代化建设的先行区, 成为我国南方数据中心示范基地
            if pattern is not CONFERRED or not re.search("[的和与、及在]|^(?:我国|我省|新一批|一批)", m.group(group)):
                found.append(m.span(group))
    for m in MERIT.finditer(text):  # and the citations listed after it (荣立二等功、三等功)
        found.append(m.span(1))
        end = m.end()
        while (more := MORE_MERIT.match(text, end)):
            found.append(more.span(1))
            end = more.end()
    for m in TITLE_LIST.finditer(text):
        listed = "before" if m.group("before") is not None else "after"
        found.extend((m.start(listed) + q.start(1), m.start(listed) + q.end(1)) for q in re.finditer(QUOTED_TITLE, m.group(listed)))
    for m in PLAIN_TITLE_LIST.finditer(text):
        found.extend((m.start(1) + t.start(), m.start(1) + t.end()) for t in re.finditer("[^、和及]+", m.group(1)))
    for m in BEST_AWARDS.finditer(text):
        found.extend((m.start(1) + award.start(), m.start(1) + award.end()) for award in re.finditer(BEST, m.group(1)))
    for start, end in sorted(dict.fromkeys(found)):
        if not NOT_AN_HONOUR.search(text[start:end]) and not (end - start == 2 and CRAFT_NAME.search(text, 0, start)):
            yield start, end, "HONOR"


LABELLING_FUNCTIONS: dict[str, LabellingFunction] = {
    "book_titles": book_titles,
    "unquoted_laws": unquoted_laws,
    "amended_laws": amended_laws,
    "decisions": decisions,
    "constitution": constitution,
    "congresses": congresses,
    "named_meetings": named_meetings,
    "titled_meetings": titled_meetings,
    "awareness_days": awareness_days,
    "numbered_editions": numbered_editions,
    "named_games": named_games,
    "quoted_names": quoted_names,
    "campaigns": campaigns,
    "honours": honours,
    "places": places,
    "bodies": bodies,
}


# The functions precise enough to run on their own (precision >= 0.85 on the 2022-2024 新闻联播 gold,
# `python -m pipeline rules evaluate`): the run-time rule stage and the silver data use these.
RUNTIME = ("decisions", "amended_laws", "constitution", "book_titles", "congresses", "named_meetings", "titled_meetings", "awareness_days",
           "numbered_editions", "named_games", "quoted_names", "campaigns", "honours", "places", "bodies")


def lexicon_names(surfaces: dict[str, str], words: Callable[[str], Iterable[tuple[int, int]]]) -> LabellingFunction:
    """The lexicon as a labelling function for silver data: each surface (a name or alias, mapped to
    its label) where it stands, leftmost and longest first, as whole words of the segmenter (words:
    text -> word offsets), so 公司法 is not read in 公司法人, and outside the no-entity spans (邓小平 in
    邓小平理论). On the 2022-2024 新闻联播 gold its precision is in ``evaluate ner``'s lexicon columns."""
    # one alternation, longest surface first: re's leftmost match then takes the longest name there
    pattern = re.compile("|".join(map(re.escape, sorted(surfaces, key=lambda s: (-len(s), s))))) if surfaces else None

    def function(text: str) -> Iterator[Span]:
        found = list(pattern.finditer(text)) if pattern else []
        if not found:
            return
        bounds = {b for word in words(text) for b in word}
        blocked = bytearray(len(text))
        for s, e in no_entity_spans(text):
            blocked[s:e] = b"\x01" * (e - s)
        for m in found:
            if m.start() in bounds and m.end() in bounds and not any(blocked[m.start():m.end()]):
                yield m.start(), m.end(), surfaces[m.group()]

    return function


def apply(text: str, functions: Iterable[str] = tuple(LABELLING_FUNCTIONS)) -> list[Span]:
    """The non-overlapping spans of the named functions: longest first, then in the order given."""
    order = {name: i for i, name in enumerate(functions)}
    candidates = [(s, e, label, order[name]) for name in functions for s, e, label in LABELLING_FUNCTIONS[name](text) if s < e]
    taken = bytearray(len(text))
    kept = []
    for s, e, label, _ in sorted(candidates, key=lambda c: (c[0] - c[1], c[3], c[0])):
        if not any(taken[s:e]):
            taken[s:e] = b"\x01" * (e - s)
            kept.append((s, e, label))
    return sorted(kept)
