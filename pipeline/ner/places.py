"""Gazetteers of places for the ``places`` labelling function (``rules.py``): China's administrative
divisions, and the world's countries and their subdivisions under their Chinese names.

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

import ahocorasick
import pycountry

from ..util import UserError

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


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[ahocorasick.Automaton, frozenset[str], dict[str, str]]:
    """One automaton over China's names and the world's (the longest name wins where they overlap: 天津市 over
    津市, 明尼苏达州 over 达州, 内蒙古 over 蒙古) and the set of China's full division names."""
    names, full_names, levels = china()
    for name in world_names():
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
    names.add("蒙古国")  # the name Chinese writes for Mongolia beside 蒙古
    for division in pycountry.subdivisions:
        name = subdivisions.gettext(division.name)
        # only names that say they are divisions: untranslated or bare ones (中央, 巴厘) are words too
        if (division.country_code not in ("CN", "TW", "HK", "MO") and len(name) >= 3 and SUBDIVISION_WORD.search(name)
                and not DIRECTION.match(name)):
            names.add(name)
    return {name for name in names if HAN_NAME.match(name)}
