"""China's administrative divisions as a gazetteer for the ``places`` labelling function (``rules.py``).

The names come from the ``cpca`` package's table of divisions (``cpca/resources/adcodes.csv``: 3,511
provinces, cities and counties with their 12-digit codes; MIT licence), read as a file so that cpca
itself (and pandas, which it imports) is not loaded at run time. Matching uses pyahocorasick, which
cpca depends on: one automaton over every name instead of a 3,500-way regular-expression alternation.
"""
from __future__ import annotations

import csv
import functools
import importlib.metadata
import io
import re
from dataclasses import dataclass

import ahocorasick

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


@dataclass(frozen=True)
class Gazetteer:
    provinces: ahocorasick.Automaton  # full and short province names -> (name, province code of two digits)
    divisions: ahocorasick.Automaton  # full names of 3+ characters and short forms -> (name, province code)
    full_names: frozenset[str]


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    rows = list(csv.DictReader(io.StringIO(resource("adcodes.csv"))))
    provinces, divisions, full_names = ahocorasick.Automaton(), ahocorasick.Automaton(), set()
    for row in rows:
        code, name = row["adcode"], row["name"]
        if code[2:] == "0" * 10:
            for form in (name, short_form(name)):
                provinces.add_word(form, (form, code[:2]))
            continue
        if len(name) >= 3:
            divisions.add_word(name, (name, code[:2]))
            full_names.add(name)
        short = short_form(name)
        if short != name and short not in divisions:
            divisions.add_word(short, (short, code[:2]))
    provinces.make_automaton()
    divisions.make_automaton()
    return Gazetteer(provinces, divisions, frozenset(full_names))


def matches(automaton: ahocorasick.Automaton, text: str) -> list[tuple[int, int, str]]:
    """The automaton's names in ``text`` as ``(start, end, province code)``: left to right, the longest
    at each start, none overlapping another."""
    found = sorted(((end + 1 - len(name), end + 1, code) for end, (name, code) in automaton.iter(text)),
                   key=lambda m: (m[0], m[0] - m[1]))
    kept, last = [], 0
    for start, end, code in found:
        if start >= last:
            kept.append((start, end, code))
            last = end
    return kept
