"""Python (code point) offsets <-> doccano editor (UTF-16) offsets, as properties over mixed text."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.doccano.sync import from_utf16, to_utf16

# CJK, 𠮷 and other CJK Extension B, emoji, ASCII, and a ZWJ: BMP and astral characters mixed.
CHARS = st.sampled_from("市场监管局杭州ab1 ，\u200d") | st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF) | (
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
)
TEXTS = st.text(CHARS, min_size=1, max_size=40)


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[list]]:
    text = draw(TEXTS)
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), min_size=0, max_size=8)))
    spans = [[s, e, draw(st.sampled_from(["ORG", "LOC"]))] for s, e in zip(cuts[::2], cuts[1::2]) if s < e]
    return text, spans


def js_slice(text: str, start: int, end: int) -> str:
    """``text.substring(start, end)`` as JavaScript computes it."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


@given(text_and_spans())
def test_the_editor_shows_the_same_characters(case: tuple[str, list[list]]) -> None:
    text, spans = case
    for (s, e, label), (us, ue, ulabel) in zip(spans, to_utf16(text, spans)):
        assert js_slice(text, us, ue) == text[s:e] and ulabel == label


@given(text_and_spans())
def test_there_and_back_is_the_identity(case: tuple[str, list[list]]) -> None:
    text, spans = case
    assert from_utf16(text, to_utf16(text, spans)) == sorted(spans)


@given(TEXTS, st.data())
def test_a_cut_through_a_surrogate_pair_takes_the_whole_character(text: str, data: st.DataObject) -> None:
    units = len(text.encode("utf-16-le")) // 2
    start = data.draw(st.integers(0, units - 1))
    end = data.draw(st.integers(start + 1, units))
    ((s, e, _),) = from_utf16(text, [[start, end, "LOC"]])
    assert 0 <= s < e <= len(text)
    # The code point span covers every unit the editor's span covered, and at most one half-pair more per side.
    covered = to_utf16(text, [[s, e, "LOC"]])[0]
    assert covered[0] <= start and end <= covered[1]
    assert start - covered[0] <= 1 and covered[1] - end <= 1
