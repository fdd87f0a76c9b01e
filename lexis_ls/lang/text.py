"""Offsets and positions.

The core works with code-point offsets into the document text (Python ``str`` indices). Editors
and the CLI want 0-based (line, character) positions, where "character" is counted in UTF-16 code
units (the LSP default), UTF-8 bytes, or code points (``utf-32``). :class:`LineIndex` converts in
both directions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Final, Literal

Encoding = Literal["utf-16", "utf-8", "utf-32"]

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII: Final = re.compile("[^\x00-\x7f]")


# Whether this module runs compiled by mypyc (lexis_ls/lang/native.py compiles the core's
# modules all together or none of them). The frozen dataclasses made by the thousand (spans,
# findings, their edits) have initialisers of their own: compiled, one sets the fields
# directly, some 15 times faster than the generated one, which calls object.__setattr__ for
# each field as a frozen dataclass must. The plain sources cannot set a frozen field: they do
# what the generated initialiser does. Either way the instances stay frozen, equal, hashable
# and replaceable.
COMPILED: Final = __file__.endswith((".so", ".pyd"))
_set: Final = object.__setattr__


@dataclass(frozen=True, slots=True, init=False)
class Position:
    line: int
    character: int

    def __init__(self, line: int, character: int) -> None:
        if COMPILED:
            self.line = line  # type: ignore[misc]
            self.character = character  # type: ignore[misc]
        else:
            _set(self, "line", line)
            _set(self, "character", character)


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets."""

    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        if COMPILED:
            self.start = start  # type: ignore[misc]
            self.end = end  # type: ignore[misc]
        else:
            _set(self, "start", start)
            _set(self, "end", end)

    def __contains__(self, offset: object) -> bool:
        return isinstance(offset, int) and self.start <= offset <= self.end


def starts_at(text: str, prefix: str, pos: int) -> bool:
    """``text.startswith(prefix, pos)``. Compiled, ``find`` with bounds is a C call, where
    ``startswith`` with a position is a Python method call (parsing its arguments), and the
    parser and the span lookups ask at every node."""
    return text.find(prefix, pos, pos + len(prefix)) == pos


def _units(segment: str, encoding: Encoding) -> int:
    if encoding == "utf-32" or segment.isascii():
        return len(segment)
    if encoding == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)


def line_starts(text: str) -> list[int]:
    """The offset of each line of ``text`` (LSP's line breaks: \\n, \\r\\n, \\r).

    A text with one kind of line break (\\n alone, or \\r\\n alone) is split in C and its
    starts summed in C (``str.split``, ``itertools.accumulate``): four times faster than a
    regular-expression scan on a large document, which mixed line breaks still take."""
    if "\r" not in text:
        step, parts = 1, text.split("\n")
    elif text.count("\r\n") == text.count("\r") == text.count("\n"):
        step, parts = 2, text.split("\r\n")
    else:
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        return starts
    del parts[-1]  # the text after the last line break starts a line, ends none
    return list(accumulate(map(step.__add__, map(len, parts)), initial=0))


class LineIndex:
    """Maps code-point offsets of ``text`` to (line, character) positions and back."""

    __slots__ = ("_wide", "line_starts", "text")

    def __init__(self, text: str, starts: list[int] | None = None) -> None:
        """``starts``: the line starts of ``text`` when known (see :meth:`edited`)."""
        self.text = text
        self._wide: dict[tuple[int, Encoding], tuple[list[int], list[int]]] = {}
        self.line_starts = line_starts(text) if starts is None else starts

    def edited(self, start: int, end: int, new_text: str) -> LineIndex:
        """The index of ``new_text``, which is this text with ``[start, end)`` replaced: the
        line starts before the edit are kept, those after it move, and only the lines around
        it are scanned again (a "\r" and a "\n" on both sides of an edit can join)."""
        starts = self.line_starts
        delta = len(new_text) - len(self.text)
        first = max(bisect_right(starts, start) - 2, 0)  # one line before the edit's line
        scan_from = starts[first]
        # Line starts at or after end + 2 end a line break lying wholly after the edit.
        keep = bisect_left(starts, end + 2)
        resume = starts[keep] + delta if keep < len(starts) else None
        middle: list[int] = []
        for m in _LINE_BREAK.finditer(new_text, scan_from):
            pos = m.end()
            if resume is not None and pos >= resume:
                if pos != resume:  # not expected: index the whole text
                    return LineIndex(new_text)
                break
            middle.append(pos)
        return LineIndex(
            new_text, starts[: first + 1] + middle + [s + delta for s in starts[keep:]]
        )

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.line_starts, offset) - 1

    def line_text(self, line: int) -> str:
        """The text of ``line`` without its line break."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def position(self, offset: int, encoding: Encoding = "utf-16") -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        if encoding == "utf-32" or offset - start < 256:
            return Position(line, _units(self.text[start:offset], encoding))
        # A long line (a minified program): the code points that take more than one unit
        # are listed once per line, so a position costs a binary search, not a scan.
        wide, extra = self._wide_chars(line, encoding)
        return Position(line, offset - start + extra[bisect_left(wide, offset)])

    def _wide_chars(self, line: int, encoding: Encoding) -> tuple[list[int], list[int]]:
        """The offsets on ``line`` of the code points of more than one unit, and the extra
        units before each (the last entry: all of the line's extra units)."""
        found = self._wide.get((line, encoding))
        if found is None:
            start = self.line_starts[line]
            end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.text)
            wide: list[int] = []
            extra = [0]
            pattern = _ASTRAL if encoding == "utf-16" else _NON_ASCII
            for m in pattern.finditer(self.text, start, end):
                wide.append(m.start())
                extra.append(extra[-1] + _units(m.group(), encoding) - 1)
            found = self._wide[(line, encoding)] = (wide, extra)
        return found

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of a position; positions past a line's end clamp to the end of that line."""
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line]
        line_end = start + len(self.line_text(line))
        if encoding == "utf-32" or self.text[start:line_end].isascii():
            return min(start + max(character, 0), line_end)
        units = 0
        i = start
        while i < line_end and units < character:
            cp = ord(self.text[i])
            if encoding == "utf-8":
                units += 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
            else:
                units += 2 if cp > 0xFFFF else 1
            i += 1
        return i
