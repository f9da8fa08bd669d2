"""Character classes and the span type shared by the labelling functions (``rules.py``, ``events.py``,
``places.py``) and the no-entity spans (``no_entity.py``)."""
from __future__ import annotations

import re
from typing import Callable, Iterator

Span = tuple[int, int, str]
LabellingFunction = Callable[[str], Iterator[Span]]

# Chinese characters, digits and a few joiners that occur inside names (Latin letters too: G20, APP).
HAN = r"\u4e00-\u9fff"
NAME_CHAR = rf"[{HAN}A-Za-z0-9０-９·]"
CN_NUM = "一二三四五六七八九十"
ORDINAL = rf"[{CN_NUM}百零〇两]+"
OPEN_QUOTES, CLOSE_QUOTES = "“‘「", "”’」"
TITLE_SPAN = re.compile(r"《[^《》]*》")  # a 《》 title, whose words are the title's
