"""Places and the bodies named by them: gazetteers of China's administrative divisions and of the world's
countries and their subdivisions under their Chinese names, and the ``places`` and ``bodies`` labelling functions
over them (registered in ``rules.py``).

The names come from the ``cpca`` package's table of divisions (``cpca/resources/adcodes.csv``: 3,511
provinces, cities and counties with their 12-digit codes; MIT licence), read as a file so that cpca
itself (and pandas, which it imports) is not loaded at run time. Matching uses pyahocorasick, which
cpca depends on: one automaton over every name instead of a 3,500-way regular-expression alternation.
The world's names are pycountry's ISO 3166-1 and 3166-2 tables in their zh_CN translations (249
countries, 2,700 subdivisions such as 明尼苏达州, 巴尔赫省).
"""
from __future__ import annotations

import csv
import functools
import gettext
import importlib.metadata
import io
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

import ahocorasick
import pycountry

from ..util import UserError
from .chars import HAN, TITLE_SPAN, Span
from .no_entity import no_entity_spans

# What a division's name ends with; the rest is the short form news writes after its province (江苏盱眙,
# 湖南零陵, 福建宁德). An autonomous division also loses its peoples' names (凉山彝族自治州 -> 凉山,
# 恩施土家族苗族自治州 -> 恩施, 新疆维吾尔自治区 -> 新疆), read from cpca's list of the nationalities.
AUTONOMOUS = re.compile(r"自治(?:州|县|旗|区)$")
DIVISION_WORD = re.compile(r"(?:特别行政区|地区|林区|省|市|县|区|盟|旗)$")


def resource(name: str) -> str:
    """A file of cpca's resources, as text."""
    try:
        return importlib.metadata.distribution("cpca").locate_file(f"cpca/resources/{name}").read_text(encoding="utf-8")
    except (importlib.metadata.PackageNotFoundError, OSError) as err:
        raise UserError(f"places: cpca's {name} is missing ({err}); install the project: pip install -e .") from err


@functools.lru_cache(maxsize=1)
def peoples() -> re.Pattern:
    names = [line.strip() for line in resource("56_nations.csv").splitlines() if line.strip()]
    forms = sorted({form for name in names for form in (name, name.removesuffix("族")) if len(form) >= 1}, key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, forms))})$")


def short_form(name: str) -> str:
    """The name without its division word; the name itself when less than two characters would stay
    (沛县, 城区 have no short form)."""
    if AUTONOMOUS.search(name):
        short = AUTONOMOUS.sub("", name)
        # one people at a time, while two characters stay (内蒙古 is not 内 + 蒙古, 西藏 not 西 + 藏)
        while (people := peoples().search(short)) and people.start() >= 2:
            short = short[:people.start()]
    else:
        short = DIVISION_WORD.sub("", name)
    return short if len(short) >= 2 else name


PROVINCE, DIVISION, PREFECTURE, ABROAD = "province", "division", "prefecture", "abroad"


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    name: str
    kinds: dict[str, str]  # PROVINCE / DIVISION / PREFECTURE -> two-digit province code; ABROAD -> ""
    full: bool  # a division's full name of three characters or more (盱眙县, 和田地区), not a short form
    levels: str  # of a short form, the last characters of the full names it stands for (金华 -> 市, 会同 -> 县)


def china() -> tuple[dict[str, dict[str, str]], frozenset[str], dict[str, str]]:
    """China's provinces (full and short names) and divisions (full names of three characters or more, and
    short forms) -> their kinds and province codes; the divisions' full names; and each short form's levels."""
    names: dict[str, dict[str, str]] = {}
    full_names = set()
    levels: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(resource("adcodes.csv"))):
        code, name = row["adcode"], row["name"]
        short = short_form(name)
        if short != name and name[-1] not in levels.get(short, ""):
            levels[short] = levels.get(short, "") + name[-1]
        if code[2:] == "0" * 10:
            for form in (name, short):
                names.setdefault(form, {})[PROVINCE] = code[:2]
            continue
        if len(name) >= 3 and short != name:
            full_names.add(name)
        for form in ((name,) if len(name) >= 3 else ()) + ((short,) if short != name else ()):
            names.setdefault(form, {}).setdefault(DIVISION, code[:2])
        if code[4:] == "0" * 8 and short != name:  # a prefecture-level city's short form (张家界, 普洱, 湘西)
            names[short].setdefault(PREFECTURE, code[:2])
    return names, frozenset(full_names), levels


# Foreign places whose names hold a country's (马里乌波尔, 巴西利亚, 努尔苏丹, 刚果（布）, 印度洋): in the automaton the
# longest name wins, so the country is no longer cut out of them as a LOC of its own, which the merge keeps over the
# model's whole name (rule 9 keeps a chain of places apart). Each was cut so in the 2022-2024 gold (马里乌波尔 19
# times, 刚果（布） and 刚果（金） 26, 印度洋 11, 巴西利亚 5, 努尔苏丹 4, 俄罗斯联邦 3, 马里兰州 3, 墨西哥城 2); pycountry's
# Chinese tables have no cities, seas, or US states.
WORLD_PLACES_WITH_A_COUNTRY = ("马里乌波尔", "刚果（布）", "刚果（金）", "刚果(布)", "刚果(金)", "印度洋", "巴西利亚", "努尔苏丹",
                               "俄罗斯联邦", "马里兰州", "墨西哥城", "巴拿马城")


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[ahocorasick.Automaton, frozenset[str], dict[str, str]]:
    """One automaton over China's names and the world's (the longest name wins where they overlap: 天津市 over
    津市, 明尼苏达州 over 达州, 内蒙古 over 蒙古) and the set of China's full division names."""
    names, full_names, levels = china()
    for name in (*world_names(), *WORLD_PLACES_WITH_A_COUNTRY):
        names.setdefault(name, {}).setdefault(ABROAD, "")
    automaton = ahocorasick.Automaton()
    for name, kinds in names.items():
        automaton.add_word(name, (name, kinds))
    automaton.make_automaton()
    return automaton, full_names, levels


@functools.lru_cache(maxsize=16)
def locate(text: str) -> tuple[Place, ...]:
    """The places named in ``text``, left to right, the longest at each place and none overlapping another
    (pyahocorasick's ``iter_long``); cached, since ``places`` and ``bodies`` ask for the same paragraph."""
    automaton, full_names, levels = gazetteer()
    return tuple(Place(end + 1 - len(name), end + 1, name, kinds, name in full_names, levels.get(name, ""))
                 for end, (name, kinds) in automaton.iter_long(text))


HAN_NAME = re.compile(r"^[\u4e00-\u9fff·—-]{2,}$")
SUBDIVISION_WORD = re.compile(r"(?:州|省|郡|县|市|区|邦|岛|群岛|共和国|特区)$")
DIRECTION = re.compile(r"^[东西南北中][东西南北中部]?(?:部|部地区|地区)$")  # 东北地区, 南部地区: a part of a country named by direction


def world_names() -> set[str]:
    """The Chinese names of countries (common and official) and of their subdivisions, China's own left to
    the table above and 中国 to the model (it is a set phrase's head as often as a place: rule 9)."""
    countries = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    subdivisions = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    names = set()
    for country in pycountry.countries:
        if country.alpha_2 in ("CN", "TW", "HK", "MO"):
            continue
        for attribute in ("name", "common_name", "official_name"):
            if hasattr(country, attribute):
                names.add(countries.gettext(getattr(country, attribute)))
    names.update(("蒙古国", "孟加拉国"))  # the names Chinese writes beside 蒙古 and 孟加拉
    for division in pycountry.subdivisions:
        name = subdivisions.gettext(division.name)
        # only names that say they are divisions: untranslated or bare ones (中央, 巴厘) are words too
        if (division.country_code not in ("CN", "TW", "HK", "MO") and len(name) >= 3 and SUBDIVISION_WORD.search(name)
                and not DIRECTION.match(name)):
            names.add(name)
    return {name for name in names if HAN_NAME.match(name)}


# Places from China's table of administrative divisions (places.py): a county or city written after its own
# province (江苏盱眙, 湖南零陵, 福建宁德: both LOC, rule 9 and the chain decisions), and the full name of a division
# of three characters or more anywhere (和田地区, 鄂州市). Not where the words that follow make it part of a
# body's or a facility's name (海南省三亚市政府, 山东省青岛市李沧区委 are one ORG; 黄石港区图书馆 one LOC).
BODY_AHEAD = re.compile(rf"[{HAN}]{{0,10}}?(?:委|政府|人大|政协|公安|法院|检察|纪委|监委|妇联|工会|交警|局|厅|办公室|处|室|所|医院|学院|"
                        rf"研究院|中心|支队|大队|中队|站|馆|场|厂|矿|学校|大学|中学|小学|党校|公司|集团|银行|协会|商会|日报|报社|"
                        rf"电视台|部|署|口岸|监狱|合作社|店|议会|国会|议院|军|党|会|通讯社)")
# a full name whose division word begins another word (金华市场, 巩义市区, 县域), a short form followed by
# the word of a division, river or mountain (甘孜州, 穆棱河), and names inside a 《》 title (the title's)
WORD_AFTER_FULL = re.compile(r"[场域区民容级直城位内]")
WORD_AFTER_SHORT = re.compile(r"[州市县区盟旗河江湖山岛港湾镇乡村路街]")
STANDS_ALONE = re.compile(rf"(?:[^{HAN}]?|[在到赴于、和与及从是的对向经往由至])\|(?:[^{HAN}]?$|[、和与及等的在是])")
# a country's name inside a longer foreign name is not the country (不列颠哥伦比亚省, 纽芬兰)
WORLD_AROUND = re.compile(r"[拉北南东西中内颠纽]\||.*\|[州市县区盟旗河江湖山岛港湾镇乡村路街半海裔籍人]")
# a country before the name of its delegation or cabinet is part of that ORG (荷兰代表团, 以色列战时内阁, 巴勒斯坦民族权力机构)
COUNTRY_BODY_AHEAD = re.compile("代表团|战时内阁|内阁|民族权力机构")


# Below the counties the gazetteer ends: the townships, towns, villages and communities written after the last
# division of a chain (望城区金山桥街道金坪社区, 积石山县刘集乡, 同江市八岔赫哲族乡八岔村), each a LOC; not a body or
# a facility there (潭门村党支部, 枣林西社区党群服务中心 are ORG), nor a word ending in a level (行政村, 乡村振兴).
# 21 of 22 right on the 1,680 training paragraphs of 新闻联播, 7 of 8 on People's Daily.
TOWNSHIP = re.compile(rf"((?!行政)(?:(?![的是等在和与各个一些全面启动走进主要地区省市县])[{HAN}]){{2,6}}?(?:街道|镇|乡(?![村镇])|村|社区|嘎查|苏木))"
                      rf"(?![{HAN}]{{0,6}}?(?:党支部|党委|党总支|党群服务中心|服务中心|派出所|调解室|委员会|村委会|居委会|政府|卫生院|"
                      rf"小学|中学|酒厂|艺术中心))")


def townships(text: str, named: Sequence[Place]) -> Iterator[tuple[int, int]]:
    """The townships, towns, villages and communities after the last Chinese division of each chain."""
    # a chain goes on with a division named with its level (长沙市望城区), not a short form inside a township's
    # name (金山 in 望城区金山桥街道)
    starts = {place.start for place in named if place.full or re.search(f"[{LEVEL}]$", place.name)}
    province_ending = {place.end for place in named if PROVINCE in place.kinds}
    for place in named:
        if place.end in starts or not (DIVISION in place.kinds or PROVINCE in place.kinds):
            continue
        # a county or city written with its level, or a short form right after its province (河北涿州码头镇)
        if not (re.search("[县区市旗]$", place.name) or place.levels and place.start in province_ending):
            continue
        position = place.end
        while m := TOWNSHIP.match(text, position):
            yield m.span()
            position = m.end()


def places(text: str) -> Iterator[Span]:
    """江苏盱眙 -> 江苏 | 盱眙, 四川泸定 -> 四川 | 泸定, 在武汉市 -> 武汉市, 明尼苏达州 -> LOC, 积石山县刘集乡 -> 积石山县 |
    刘集乡; not 海南省三亚市政府 (an ORG)."""
    named = locate(text)
    if not named:
        return
    province_ending = {place.end: place for place in named if PROVINCE in place.kinds}
    titles = [m.span() for m in TITLE_SPAN.finditer(text)]
    blocked = None
    found = []
    for place in named:
        start, end = place.start, place.end
        if BODY_AHEAD.match(text, end) or any(a <= start and end <= b for a, b in titles):
            continue
        if DIVISION in place.kinds:
            after = text[end:end + 1]
            if (WORD_AFTER_FULL if place.full else WORD_AFTER_SHORT).match(after):
                continue
            province = province_ending.get(start)
            if province and province.kinds[PROVINCE] == place.kinds[DIVISION]:
                found += [(province.start, start), (start, end)]
                continue
            if place.full and not province:
                found.append((start, end))
                continue
            # a prefecture-level city's short form standing alone between function words or punctuation (在张家界、
            # 常德等地, 普洱公安机关 is glued and left out): 33 of 37 right on the 2022-2024 gold, 18 of 18 on People's
            # Daily; not inside a person's or foreign name (李长春, 别尔哥罗德州) nor a word (八方来宾, 世界大同)
            if PREFECTURE in place.kinds and not province and STANDS_ALONE.match(text[start - 1:start] + "|" + text[end:end + 1]):
                found.append((start, end))
                continue
        if ABROAD in place.kinds:
            # a country in a region's name (拉美国家) or before a landform (朝鲜半岛) is not the country
            blocked = list(no_entity_spans(text)) if blocked is None else blocked
            if not (any(a <= start and end <= b for a, b in blocked)
                    or WORLD_AROUND.match(text[start - 1:start] + "|" + text[end:end + 1]) or COUNTRY_BODY_AHEAD.match(text, end)):
                found.append((start, end))
    found += townships(text, named)
    for start, end in sorted(set(found)):
        yield start, end, "LOC"


# Bodies named by their place (guidelines, ORG: chains with a body at the end are one ORG): a Chinese division,
# alone or after its province, or a country, followed by the name of a government body, and at most one of its
# offices: 海南省三亚市政府, 山东省青岛市李沧区委, 浦江县公安局, 金华市委政法委, 美国政府, 叙利亚政府军.
LOCAL_BODY = ("人民政府|政府|党委|人大常委会|人大|政协|纪委监委|纪委|监委|政法委|公安局|公安厅|公安分局|中级人民法院|"
              "高级人民法院|人民法院|法院|人民检察院|检察院|司法局|司法厅|信访局|应急管理局|市场监督管理局|市场监管局|"
              "教育局|教育厅|民政局|民政厅|财政局|财政厅|税务局|卫健委|生态环境局|自然资源局|住建局|交通运输局|农业农村局|"
              "人社局|消防救援支队|消防救援大队|综治中心|社会治理中心|委")
FOREIGN_BODY = "政府军|政府|议会|国会|众议院|参议院|外交部|国防部|队(?![员伍长列形])"  # 匈牙利队: 15 of 15 in the gold
OFFICE = "政法委|办公室|办公厅|宣传部|组织部|统战部|党组|机关|交警支队|交警大队|派出所|分局"
LEVEL = "省市县区州旗盟"
# the levels a division's body may be written with: its own, or one it had before it became a city or a district
# (离石市委 and 琼山市公安局 in 1998, 离石区 and 琼山区 today); a county's body is written 县
LEVEL_WAS = {"区": "区市县", "市": "市县"}
# a body inside a title is still the body (C5: 金华市委 in 金华市委书记); the seat of a government is a place
NOT_THE_BODY = r"(?!所在地|驻地)"
# any department after a full name, 浙江省水利厅, 江西省气象局, 广东汕尾海警局 (not a hall: 演播厅, 宴会厅; not 某市公安局)
DEPARTMENT = rf"(?:(?!某)[{HAN}]){{1,5}}?(?:局|(?<!演播|宴会|会议|音乐|营业|服务|办事|歌舞)(?<![大展餐])厅)"
BODY_AFTER_PLACE = re.compile(rf"(?:{LOCAL_BODY}|{DEPARTMENT})(?:{OFFICE})?{NOT_THE_BODY}")
BODY_AFTER_SHORT = re.compile(rf"[{LEVEL}](?:{LOCAL_BODY})(?:{OFFICE})?{NOT_THE_BODY}")
# a foreign body named after its country with a few words before its head: 伊朗伊斯兰革命卫队, 美国疾控中心, 韩国济州航空,
# 意大利企业联合会 (10 of 10 on the 2022-2024 gold); not 警方 or 总统府 (not ORG by the guidelines), nor a base.
# Since the eleventh session also the country's army, central bank, parliament, ministries and news media (俄罗斯军队,
# 英国央行, 俄罗斯国家杜马, 日本财务省, 美国有线电视新闻网, 伊朗国家电视台, 叙利亚阿拉伯通讯社, 美国广播公司; the model kept
# only the country): 42 of 43, 13 of 13, 11 of 13, 2 of 3, 11 of 13, 9 of 9, 35 of 40 and 13 of 16 in the 2022-2024 gold;
# not an official agency named by its kind (巴勒斯坦官方通讯社: the gold marks the country only); and its news agency,
# Olympic committee, armed groups and forces (俄罗斯塔斯社, 马来西亚奥林匹克委员会, 也门胡塞武装, 伊拉克安全部队)
FOREIGN_NAMED_BODY = (rf"(?:(?![和的向在与及、总将对或]|境内|[东南西北]部|袭击|多[个地]|一处)[{HAN}]){{0,6}}?(?:舰队|卫队|联合会|航空|疾控中心|卫生部|财政部|司法部|内政部|"
                      rf"商务部|中央银行|最高法院|宪法法院|联邦调查局|武装部队|海军|国防军|军队|央行|国家杜马|财务省|外务省|防卫省|"
                      rf"新闻网|电视台|(?<!官方)通讯社|塔斯社|广播公司|奥委会|奥林匹克委员会|胡塞武装|库尔德武装|真主党武装|"
                      rf"(?<!战斗|临时|更多)部队)(?![{HAN}]{{0,3}}?(?:基地|设施))")
BODY_AFTER_COUNTRY = re.compile(rf"(?:{FOREIGN_BODY}|{FOREIGN_NAMED_BODY}){NOT_THE_BODY}")
# a body whose name goes on into one of its units is that unit's (福建省公安厅治安管理总队, 七台河市公安局桃南派出所,
# 塔吉克斯坦议会上院): left to the model
UNIT_AHEAD = re.compile(rf"(?!原|副|前)[{HAN}]{{0,8}}?(?:总队|支队|大队|中队|派出所|分局|分院|审判庭|法庭|党委|党组|上院|下院|委员会|"
                        rf"中心|办公室|所|站|科|处|室|队|庭|局|部|煤矿)")


# China's own government and missions, which the gazetteer leaves to the model (中国 is a set phrase's head as often as
# a place) and which it split into 中国 LOC and a remainder: 中国政府, 中国驻以色列大使馆 (8 of 8 on the 2022-2024 gold;
# not 中国驻多国大使馆, not the portal 中国政府网)
CHINA_BODY = re.compile(rf"中国(?:政府(?!网)|驻(?![多各])(?:(?![的和与、])[{HAN}]){{1,8}}?(?:大使馆|总领事馆|领事馆|使馆))")


def bodies(text: str) -> Iterator[Span]:
    """海南省三亚市政府, 金华市委政法委, 浦江县公安局, 美国田纳西州众议院 -> ORG; not a body's unit
    (福建省公安厅治安管理总队) nor the seat of a government (贝宁政府所在地)."""
    chain_start: dict[int, int] = {}  # where each place ends -> where its chain of places began
    for place in locate(text):
        chain_start[place.end] = chain_start.get(place.start, place.start)
        if ABROAD in place.kinds and len(place.kinds) == 1:
            body = BODY_AFTER_COUNTRY.match(text, place.end)
        else:
            # a short form takes its level before the body (金华 + 市委); a bare 委 needs the level in the name
            full = place.full or re.search(f"[{LEVEL}]$", place.name)
            body = (BODY_AFTER_PLACE if full else BODY_AFTER_SHORT).match(text, place.end)
            if body and not full and place.levels and body.group()[0] not in "".join(LEVEL_WAS.get(c, c) for c in place.levels):
                continue  # a short form before another level's body is a word (会同市纪委: 会同 is a 县)
        if body and not UNIT_AHEAD.match(text, body.end()):
            start = chain_start[place.end]
            yield start - 2 if text.endswith("中共", 0, start) else start, body.end(), "ORG"  # 中共北京市委, one ORG
    for m in CHINA_BODY.finditer(text):
        yield m.start(), m.end(), "ORG"
