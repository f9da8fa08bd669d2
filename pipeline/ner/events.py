"""Labelling functions for events: numbered congresses and sessions, named and titled meetings, awareness days
and themed years, numbered editions of fairs and games, games by their short name.

They share nothing with the other labelling functions but the character classes (``chars``) and the gazetteer
(``places.locate``, for a game's host); ``rules.LABELLING_FUNCTIONS`` registers them with the rest, and
``python -m pipeline rules evaluate`` scores them with the rest. The guidelines' rules on events are 13, 24 and the
entries of section 6 cited beside each pattern.
"""
from __future__ import annotations

import re
from typing import Iterator

from .chars import CLOSE_QUOTES, CN_NUM, HAN, NAME_CHAR, OPEN_QUOTES, ORDINAL, TITLE_SPAN, Span
from .places import locate


# The national mass organisations and democratic parties whose congress is written after their name, one EVENT
# with it (中国妇女第十三次全国代表大会, 中国残联第八次全国代表大会; the model read the name as an ORG before it)
MASS_BODY = ("中国妇女|中华全国妇女联合会|全国妇联|中国残联|中国残疾人联合会|中国科协|中国科学技术协会|中国工会|"
             "中国文联|中国作协|中国侨联|中华全国归国华侨联合会|中国共产主义青年团|共青团|全国工商联|中华全国工商业联合会|"
             "中国红十字会|全国台联|中华全国台湾同胞联谊会|中国国民党革命委员会|中国民主同盟|中国民主建国会|"
             "中国民主促进会|中国农工民主党|中国致公党|台湾民主自治同盟")
# Numbered party congresses, plenums and sessions of the people's congress and the CPPCC (rules 13, 24).
CONGRESS = re.compile(
    rf"(?:党的|中共|中国共产党)?(?:{ORDINAL}届(?:中央)?(?:{ORDINAL}中全会|中央政治局第{ORDINAL}次集体学习)"
    # the congresses of the democratic parties and the Youth League are theirs, one EVENT (九三学社十二大)
    rf"|(?:(?:中共)|(?:民革|民盟|民建|民进|农工党|致公党|九三学社|台盟|共青团))?{ORDINAL}大(?=[^\u4e00-\u9fff]|以来|精神|报告|代表|召开|开幕|闭幕|胜利|作出|提出|强调|明确|确定|相关|战略|的|后|上|和|及|与|$)"
    # after 党的 the count is the congress whatever follows (党的十九大吹响了……, 党的十九大维稳安保: the seeds)
    rf"|(?<=党的){ORDINAL}大"
    # plenums of the discipline commission: 二十届中央纪委三次全会, 中央纪委第三次全体会议
    rf"|(?:{ORDINAL}届)?中央纪委(?:{ORDINAL}次全会|第{ORDINAL}次全体会议)"
    # the full forms of the official record (C13, C24): 中国共产党第二十次全国代表大会,
    # 中华人民共和国第十三届全国人民代表大会常务委员会第三十四次会议, 政协第十四届全国委员会常务委员会第一次会议
    rf"|(?:中国共产党|{MASS_BODY})?第{ORDINAL}次全国代表大会"
    rf"|中国共产党第{ORDINAL}届中央委员会第{ORDINAL}次全体会议"
    rf"|(?:中华人民共和国)?第{ORDINAL}届全国人民代表大会(?:常务委员会)?第{ORDINAL}次会议"
    rf"|(?:中国人民政治协商会议|政协)第{ORDINAL}届全国委员会(?:常务委员会)?第{ORDINAL}次会议"
    # sittings numbered in digits too (13届全国人大常委会第36次会议), and the chairmen's council's
    # (十三届全国人大常委会第一百二十一次委员长会议)
    rf"|(?:{ORDINAL}|[0-9]{{1,2}})届全国人大(?:常委会第(?:{ORDINAL}|[0-9]{{1,3}})次(?:委员长)?会议|{ORDINAL}次会议)"
    rf"|全国政协{ORDINAL}届(?:{ORDINAL}次会议|常委会第{ORDINAL}次会议)"
    rf"|{ORDINAL}届全国政协{ORDINAL}次会议)"
    rf"(?:预备会议|主席团(?:常务主席)?第{ORDINAL}次会议)?"
)
# 三中全会 written alone (贯彻好三中全会精神); not the tail of 十一届三中全会 or 十三中全会, which CONGRESS takes whole
PLENUM_SHORT = re.compile(rf"(?<![届{CN_NUM}百零〇两]){ORDINAL}中全会")


# The organs of a numbered session are bodies (guidelines, "a legislature of a numbered term"): its
# presidium and secretariat, 十四届全国人大一次会议主席团 (67 times in the 2022-2024 stories), and its
# delegations, 十三届全国人大五次会议解放军和武警部队代表团 -> one ORG; not 各代表团 or 大会主席团.
SESSION_ORGAN = re.compile(rf"主席团|秘书处|[{HAN}]{{1,10}}?代表团")
NO_DELEGATION = re.compile("[的各上前后间]|开幕|闭幕|召开|举行|和代表团")  # 会议期间各代表团: the session's time


def congresses(text: str) -> Iterator[Span]:
    """党的二十大, 二十届三中全会, 十四届全国人大常委会第十次会议, 全国政协十四届三次会议 -> EVENT;
    十四届全国人大一次会议主席团 -> ORG."""
    for m in CONGRESS.finditer(text):
        organ = SESSION_ORGAN.match(text, m.end()) if m.group().endswith("次会议") else None
        if organ and not NO_DELEGATION.search(organ.group()):
            yield m.start(), organ.end(), "ORG"
        else:
            # 党的 belongs to the name (党的二十大); 中共 before 二十大 too
            yield m.start(), m.end(), "EVENT"
    for m in PLENUM_SHORT.finditer(text):
        yield m.start(), m.end(), "EVENT"


NAMED_MEETING = re.compile(
    rf"(?:(?:中国共产党)?第{ORDINAL}[届次]|(?<![新本上这该]){ORDINAL}届|{NAME_CHAR}{{0,2}}年)?(?:(?:全国|中央|国务院)(?:(?!陪同|出席|主持|召开|在|同志|书记|部长|主任|总理|委员长)[{HAN}]){{0,14}}?)"
    r"(?:工作会议|常务会议|推进会|座谈会|表彰大会|电视电话会议|全体会议|(?<!代表)大会(?!堂))")
# Numbered sittings of a central commission or leading group, in their usual short form too (中央财经委第四次会议,
# 二十届中央审计委员会第一次会议) and of international bodies (联合国人权理事会第52届会议, 亚太经合组织第三十一次
# 领导人非正式会议): one EVENT each (guidelines, fourth 新闻联播 round; "international meetings")
NUMBERED_SITTING = re.compile(
    rf"(?:(?:{ORDINAL}届)?(?:中央|国务院)(?:(?![的和与在、])[{HAN}]){{1,12}}?(?:委员会|委|领导小组)|联合国(?:(?![的和与在、])[{HAN}]){{0,8}}?(?:理事会|大会)|"
    rf"亚太经合组织|上海合作组织|世界卫生组织|世界贸易组织|东盟|金砖国家|二十国集团)"
    rf"第(?:{ORDINAL}|[0-9]{{1,3}})[届次](?:(?:领导人)?(?:非正式)?会议|峰会|大会)")
# the second part of a combined meeting, A暨B, which is one EVENT (全国巡视工作会议暨十九届中央第九轮巡视动员部署会)
JOINED_MEETING = re.compile(rf"暨[{HAN}A-Za-z0-9·“”]{{2,30}}?(?:会议|大会|部署会|推进会|座谈会|动员会)")


def named_meetings(text: str) -> Iterator[Span]:
    """Titled national meetings: 中央经济工作会议, 全国政法工作会议, 国务院常务会议, 全国教育大会 -> EVENT
    (rules 13, 17, 24)."""
    for m in NAMED_MEETING.finditer(text):
        if m.group().endswith("大会") and not m.group().endswith("表彰大会") and re.search(r"[向的作在]|人大|常委", m.group()):
            continue  # the congress in session (中共中央向大会主席团, 秘书长作的大会秘书处), not a named meeting
        if m.group().endswith("全体会议") and not re.search(rf"{ORDINAL}[届次]", m.group()):
            continue  # a body's routine meeting (待召开中央委员会全体会议时): the body is the ORG
        s, e = m.span()
        if re.match(r"\d{1,4}年", text[s:]):  # a year written with 年 is not part of the name (rule 34), nor its
            s = text.index("年", s) + 1      # last digits (2025年全国春运电视电话会议: the match starts at 25年)
        joined = JOINED_MEETING.match(text, e)
        yield s, joined.end() if joined else e, "EVENT"
    for m in NUMBERED_SITTING.finditer(text):
        yield m.start(), m.end(), "EVENT"


# Meetings titled by their subject (guidelines: "titled meetings named by their subject", "international
# meetings"; rules 13, 34): after the verb that holds or attends them (主持召开平台企业座谈会, 出席全球服务贸易
# 企业家峰会) or opening a sentence before its date or place (青藏高原生态保护法立法座谈会22日下午在北京).
MEETING_HEAD = ("座谈会|峰会|论坛|研讨会|研讨班|动员会|动员部署会|部署会|反馈会议|推介大会|推介会|洽谈会|博览会|交易会|"
                "首发式|报告会|交流会|推进会|现场会|外长会|三方会晤|宣讲团动员会|大会|会议")
MEETING_NAME = rf"[{HAN}A-Za-z0-9·—“”《》]{{4,44}}?(?:{MEETING_HEAD})"
TITLED_MEETING = re.compile(
    rf"(?:(?:主持)?召开|举行|举办|出席|参加|开幕的|闭幕的)(?:了)?({MEETING_NAME})(?=[，。、；）]|在|上|期间|并|时|$)"
    rf"|(?:^|(?<=[。：])|(?<=[0-9]日，))({MEETING_NAME})(?=[0-9]{{1,2}}日|今天|昨天|日前|近日|当日|当天|在[{HAN}]{{1,4}}(?:召开|举行|举办|开幕))")
# what opens a description, a count or a back-reference, not a title (部分省市县纪委书记座谈会, 四次长江经济带
# 发展座谈会, 20场分论坛, 举办三届“一带一路”国际合作高峰论坛), and a quoted theme, whose core alone is the EVENT (QUOTED_THEME below)
# A function word inside the name makes it a description (……期间同……举行的会谈), but not inside a word of a title (协同, 和平,
# 对话, 参与: 深入推进京津冀协同发展座谈会, 第二届中非和平安全论坛; 6 more names on the training gold, none wrong).
UNTITLED = re.compile(rf"^(?:部分|有关|相关|一系列|系列|多场|一场|这次|此次|本次|本届|各类|各种|多个|专题|视频|新闻|记者|工作|"
                      rf"年度|全体|主题|重要|会议|大型|国际|高级别|“|[{CN_NUM}两几多数0-9]+[次场个]|[{CN_NUM}两几多数0-9]+届“|[两几多数0-9]+届)|以及|[的了着过在向等场]|(?<![协共相合])同|(?<!参)与|和(?![平谐])|对(?![话外])")


# a body's routine sitting is not a titled meeting (guidelines: the body is the ORG, 主持召开国务院党组会议, 中央政治局
# 会议; 举行第一次全体会议, 第二十二次委员长会议, 省委常委扩大会议), nor a kind of meeting many hold (召开巡视进驻动员会,
# 党代表大会或党代表会议, 机关干部大会, 紧急电视电话会议)
ROUTINE_MEETING = re.compile(r"^新一届|^第[^“]*会议$|(?:党组|政治局|常委会|委员会|领导小组|内阁|委员长|部长级|分组|全体|扩大)会议$|或|紧急|"
                             r"进驻动员会$|成立大会$|干部大会$")


# A meeting, press-conference series, exhibition or contest titled by a quoted theme is EVENT on the quoted core
# (guidelines, "titled meetings"; eighth round): “推动高质量发展”系列主题新闻发布会, 吉达“安全与发展”峰会, “扎实推进……”
# 调研协商座谈会, “中国新疆的历史与未来”国际论坛, “奋进新时代”主题成就展, “看见美丽中国”全国短视频大赛. The
# qualifiers between the quote and the head are listed, not any characters: “一带一路”国际合作高峰论坛 is the
# programme's name inside an edition (numbered_editions), and after a count (举办三届) no EVENT at all.
THEME_QUALIFIER = "(?:系列|国际|全球|高层|圆桌|全国|大型|海外)?(?:主题|短视频|摄影|专题)?"
THEME_HEAD = ("新闻发布会|调研协商座谈会|协商座谈会|座谈会|峰会|论坛|研讨会|国际会议|对话会|集中宣传月|宣传月|宣传周|"
              "成就展|巡展|特展|展览|展映活动|征集活动|大赛|篮球赛")
QUOTED_THEME = re.compile(rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；：！？]{{2,30}})[{CLOSE_QUOTES}]"
                          rf"(?={THEME_QUALIFIER}(?:{THEME_HEAD}))")


def titled_meetings(text: str) -> Iterator[Span]:
    """Meetings titled by their subject: 平台企业座谈会, 新全球融资契约峰会, 十九届中央第九轮巡视集中反馈会议,
    青藏高原生态保护法立法座谈会, and the quoted theme of “推动高质量发展”系列主题新闻发布会 -> EVENT; not descriptions
    (部分省市县纪委书记座谈会) nor untitled ones (召开新闻发布会)."""
    for m in TITLED_MEETING.finditer(text):
        group = 1 if m.group(1) is not None else 2
        year = re.match(r"[0-9]{4}年", m.group(group))  # a year written with 年 is not part of the name (rule 34)
        start = m.start(group) + (year.end() if year else 0)
        name = text[start:m.end(group)]
        if (UNTITLED.search(name) or ROUTINE_MEETING.search(name) or name.count("“") != name.count("”")
                or name.count("《") != name.count("》") or re.search("致电|致信|祝贺|会见|贺电|会谈|主持|召开|出席", name)):
            continue  # (and a sentence about a meeting: 习近平致电祝贺……首脑会议, 举行会谈并共同主持中土合作委员会第六次会议)
        yield start, m.end(group), "EVENT"
    for m in QUOTED_THEME.finditer(text):
        yield m.start(1), m.end(1), "EVENT"


# Named awareness days, weeks and months (guidelines, EVENT: 国家宪法日, 全国防灾减灾日, 安全生产月; rules 13, 24,
# 34): after the counter 第N个, which stays out (第23个世界知识产权日 -> 世界知识产权日; 第22个全国“安全生产月” ->
# 安全生产月), or with a head that names one (全国交通安全日, 全国消防宣传月). Festivals (警察节) and anniversaries
# (……纪念日) are not EVENT; match days (第九个比赛日) are not names.
# (品牌日 .. 促进月 from the 2022-2024 gold, seventh session: 中国品牌日, 全国生态日, 国际家庭日, 全国消费促进月; not a bare
# 日, which is "a day" as often: 全国铁路日发送旅客)
DAY_HEAD = ("宣传日|宣传周|宣传月|活动日|活动周|活动月|安全日|教育日|减灾日|宪法日|保护日|产权日|卫生月|生产月|服务月|警示日|"
            "品牌日|生态日|科普日|家庭日|茶日|特奥日|航天日|消费周|促进月")
COUNTED_DAY = re.compile(rf"第(?:{ORDINAL}|[0-9]{{1,3}})个(?:(?:全国)?[{OPEN_QUOTES}]([{HAN}]{{2,10}}[日周月])[{CLOSE_QUOTES}]"
                         rf"|([{HAN}]{{2,10}}?[日周月])(?![{HAN}]*[日周月]))")
# (a 日 going on as a word is none: 中国品牌日益提升, 国际人文交流活动日前在福州举行)
HEADED_DAY = re.compile(rf"(?:5·15|[0-9]{{1,2}}·[0-9]{{1,2}})?(?:世界|国际|全国|国家|中国)[{HAN}]{{0,8}}?(?:{DAY_HEAD})(?!益|趋|渐|前(?!夕)|臻|新月异)")
NOT_A_DAY = re.compile(r"纪念日$|比赛日$|节日$|工作日$|交易日$|^[这该本]")
# Themed years are events too (rule 13's days of action, a year long): quoted, “消费提振年”, “中柬友好年”, “投资中国年”
# (46 of 49 in the 2022-2024 gold), or a country pair's year unquoted, 中俄文化年, 中埃伙伴年 (5 of 7; the other two
# hold a year, which the component adds); eleventh session
YEAR_HEAD = "友好年|伙伴年|旅游年|交流年|合作年|提振年|促进年|建设年|发展年|文化年|中国年|质量年"
THEMED_YEAR = re.compile(rf"[{OPEN_QUOTES}]([^{OPEN_QUOTES}{CLOSE_QUOTES}，。；、：！？]{{1,18}}(?:{YEAR_HEAD}))[{CLOSE_QUOTES}]"
                         rf"|(?<![{OPEN_QUOTES}])(中[{HAN}](?:友好年|伙伴年|旅游年|人文交流年|文化年|友好合作年))")


def awareness_days(text: str) -> Iterator[Span]:
    """第23个世界知识产权日 -> 世界知识产权日, 第21个全国“安全生产月” -> 安全生产月, 全国交通安全日, 国家宪法日,
    5·15全国投资者保护宣传日, themed years (“消费提振年”, 中俄文化年) -> EVENT."""
    found = []
    for m in COUNTED_DAY.finditer(text):
        group = 1 if m.group(1) is not None else 2
        found.append(m.span(group))
    found.extend(m.span() for m in HEADED_DAY.finditer(text))
    found.extend(m.span(1 if m.group(1) is not None else 2) for m in THEMED_YEAR.finditer(text))
    for start, end in sorted(dict.fromkeys(found)):
        if not NOT_A_DAY.search(text[start:end]) and not re.search("[的和与、及在]", text[start:end]):
            yield start, end, "EVENT"


# Titled editions of games, fairs, expos, forums and summits (guidelines: "games, fairs, expos, festivals, forums
# and exhibitions with a title"; rule 34 keeps the edition): 第75届世界卫生大会, 第十四届全国冬季运动会,
# 第五届中国国际进口博览会, 第17届东亚峰会. Sessions of congresses are congresses' (第十四届全国人民代表大会).
# A year written without 年 right before the title stands for the edition and stays inside (2024北京国际车展,
# 2023上海合作组织国家电视节; twenty-third round): 259 at 0.892 on the training gold, was 200 at 0.880 (tenth session).
# 首届 is an edition too and stays inside (首届链博会, 首届中阿峰会: 20 of 22 in the gold; eleventh session).
EDITION_HEAD = ("运动会|亚运会|全运会|冬运会|博览会|交易会|洽谈会|论坛|峰会|锦标赛|电影节|艺术节|文化节|旅游节|展览会|大会|年会|大赛|"
                "视听周|电影周|文化周|艺术周|创作营|音乐节|戏剧节|博览周|竞赛|邀请赛|联赛|挑战赛|航展|车展|书展|电视节|动漫节|读书节")
# the short names of recurring games and fairs, which are names by themselves (第134届广交会, 第33届夏季奥运会)
NAMED_EDITION = ("奥运会|冬奥会|残奥会|大运会|亚冬会|青运会|学青会|民运会|广交会|进博会|服贸会|消博会|链博会|数贸会|投洽会|西洽会|东博会|"
                 "高交会|文博会|世园会")
NUMBERED_EDITION = re.compile(rf"(?:第(?:{ORDINAL}|[0-9]{{1,3}})届|首届|(?<![0-9《])20[0-9]{{2}}(?![0-9年第]))(?:[{HAN}A-Za-z0-9·—]{{2,24}}?(?:{EDITION_HEAD})|[{HAN}]{{0,4}}?(?:{NAMED_EDITION}))"
                              rf"(?![{HAN}]*(?:奖|委员|代表))")
JOINED_EDITION = re.compile(rf"暨[{HAN}A-Za-z0-9·—]{{2,30}}?(?:{EDITION_HEAD}|会议|推介会|洽谈会)")
NOT_AN_EDITION = re.compile(r"人民代表大会|全国委员会|中央委员会|代表大会$|奖|[的和与、及在]")  # award ceremonies: the model's


# 本届 / 上届 / 下届 before a recurring event names an edition of it, and stays outside (rule 34): 本届美洲峰会 ->
# 美洲峰会, 本届进博会贸易投资对接会 -> 进博会贸易投资对接会; the longest name ending in 会 within 15 characters, not
# a body (本届人大常委会) nor a description
THIS_EDITION = re.compile(rf"(?:本届|上届|下届)([{HAN}A-Za-z0-9·]{{1,15}})")
# a bare head refers back (本届博览会), and 展会 after a name is the show's floor (本届高交会展会 -> 高交会)
NOT_THIS_EDITION = re.compile(r"人大|政协|委员会|常委会|政府|理事会|[的和与、及在是了为]|展会$|"
                              r"^(?:博览会|运动会|大会|年会|峰会|交易会|洽谈会|展览会|论坛会)$")


# The short name of a recurring game or fair names it alone too (尊重奥运会, 本届广交会 -> 广交会), and with its host
# place before it, the edition's year and number inside (北京冬奥会, 北京2022年冬奥会, 杭州第4届亚残运会): the model reads
# 奥 in 奥运会 as Austria, as MSRA taught it (eleventh session). Not where the name goes on into a body, a site or a prize
# (北京冬奥会组委会, 冬奥会主媒体中心, 冬奥会突出贡献奖), nor two games written as one (北京冬奥会冬残奥会总结表彰大会: the
# meeting's), nor inside a title; a numbered edition without its host is numbered_editions'.
GAMES = re.compile(r"(?:冬季|夏季)?奥运会|冬残奥会|" + NAMED_EDITION + r"|亚运会|亚残运会|全运会|世运会")
GAMES_GO_ON = re.compile(rf"[{HAN}]{{0,4}}?(?:委员会|组委会|执委会|指挥部|中心|展馆|场馆|村|奖|代表团|赛区|会场|园区|吉祥物|"
                         rf"{GAMES.pattern})")
GAMES_EDITION = re.compile(rf"(?:20[0-9]{{2}}年?)?(?:第(?:{ORDINAL}|[0-9]{{1,3}})届)?$")
GAMES_BEFORE = re.compile(rf"(?:{GAMES.pattern})$")  # a game right before another: two written as one


def named_games(text: str) -> Iterator[Span]:
    """Recurring games and fairs by their short name, with a host place and the edition before it: 奥运会, 北京冬奥会,
    北京2022年冬奥会; not 北京冬奥会组委会 (a body), 冬奥会主媒体中心 (a site), 第五届进博会 (numbered_editions')."""
    games = list(GAMES.finditer(text))
    if not games:
        return  # most paragraphs name no game: the gazetteer is not asked (speed)
    hosts = {place.end: place.start for place in locate(text)}  # places() leaves a place inside a longer name out
    titles = [m.span() for m in TITLE_SPAN.finditer(text)]
    for m in games:
        if GAMES_GO_ON.match(text, m.end()) or GAMES_BEFORE.search(text, max(0, m.start() - 5), m.start()):
            continue
        if any(a < m.start() < b for a, b in titles):
            continue
        edition = GAMES_EDITION.search(text, max(0, m.start() - 12), m.start())
        start = edition.start() if edition else m.start()
        if start in hosts:
            yield hosts[start], m.end(), "EVENT"
        elif start == m.start() or not edition.group().endswith("届"):
            # a year written with 年 stays out (rule 34: 2022年冬奥会 -> 冬奥会), one without it in (2026冬季奥运会)
            yield (m.start() if "年" in edition.group() else start), m.end(), "EVENT"


# A treaty's numbered conference of the parties, with the treaty and its phase (联合国《生物多样性公约》第十五次缔约方大会
# 第二阶段会议): the model read the title as the POLICY and dropped the rest (eleventh session)
# (and its review conference, numbered or not: 《不扩散核武器条约》第十次审议大会, 《湿地公约》缔约方大会)
PARTIES_CONFERENCE = re.compile(rf"(?:联合国)?(?:《[^》]{{2,40}}》)?第(?:{ORDINAL}|[0-9]{{1,3}})[次届](?:缔约方(?:大会|会议)|审议大会)"
                                rf"(?:第[一二三]阶段会议)?|(?:联合国)?《[^》]{{2,40}}》(?:缔约方大会|审议大会)")


def numbered_editions(text: str) -> Iterator[Span]:
    """Editions of recurring events: 第75届世界卫生大会, 第十四届全国冬季运动会, 第十届金砖国家议会论坛,
    《生物多样性公约》第十五次缔约方大会, 本届美洲峰会 -> 美洲峰会 (EVENT); not 第三届大会 (a back-reference),
    第十四届全国人民代表大会 (a congress: its sittings are congresses'), 本届人大常委会 (a body)."""
    parties = [m.span() for m in PARTIES_CONFERENCE.finditer(text)]
    yield from ((start, end, "EVENT") for start, end in parties)
    for m in NUMBERED_EDITION.finditer(text):
        if not NOT_AN_EDITION.search(m.group()) and not any(a <= m.start() and m.end() <= b for a, b in parties):
            joined = JOINED_EDITION.match(text, m.end())  # 第二十一届中国—东盟博览会暨中国—东盟商务与投资峰会: one EVENT
            yield m.start(), joined.end() if joined else m.end(), "EVENT"
    for m in THIS_EDITION.finditer(text):
        words = m.group(1)
        for end in range(len(words), 1, -1):  # the longest name first
            name = words[:end]
            if name.endswith("会") and len(name) >= 3 and not NOT_THIS_EDITION.search(name):
                yield m.start(1), m.start(1) + end, "EVENT"
                break
