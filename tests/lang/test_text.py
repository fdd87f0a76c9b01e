"""Positions on long lines: the per-line table of wide code points gives the same answer as
counting the units of the line's text (UTF-16 code units, UTF-8 bytes, code points)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lexis_ls.lang.text import LineIndex

PIECES = ["x", "é", "漢", "😀", "\n", "\r", "\r\n", "\u2028", "\x85", "\ud800", "ab" * 100]


def units(segment: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(segment.encode("utf-16-le", "surrogatepass")) // 2
    return len(segment)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.data())
def test_positions_equal_counted_units(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    index = LineIndex(text)
    for encoding in ("utf-8", "utf-16", "utf-32"):
        for offset in data.draw(st.lists(st.integers(0, len(text)), max_size=20)):
            line = index.line_of(offset)
            start = index.line_starts[line]
            position = index.position(offset, encoding)  # type: ignore[arg-type]
            assert (position.line, position.character) == (
                line,
                units(text[start:offset], encoding),
            )
            back = index.offset(position.line, position.character, encoding)  # type: ignore[arg-type]
            assert back == offset or text[offset - 1 : offset + 1] == "\r\n"


def test_separators_other_than_lsp_line_breaks_stay_inside_the_line() -> None:
    text = "a\u2028b\x85c\x0bd\x0ce\x1cf\nz"
    index = LineIndex(text)
    assert index.line_starts == [0, len(text) - 1]
    assert index.position(len(text) - 2).line == 0
