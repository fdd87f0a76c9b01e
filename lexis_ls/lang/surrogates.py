"""Lone surrogates (LEXIS.md section 5, LX0008): a string holding an unpaired `\\ud800`-`\\udfff`
escape is valid JSON text but has no UTF-8 encoding, so it has no content hash and the program
cannot run. One place finds them, for the check, the hashes and the incremental path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# A surrogate escape, or a surrogate code point itself (an editor may send one in the text).
SURROGATE = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_STRING_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def is_lone(text: str) -> bool:
    """``text`` (a decoded string) holds a lone surrogate: it has no UTF-8 encoding."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def lone_surrogate_strings(text: str) -> Iterator[tuple[int, int]]:
    """The ranges of the string tokens of a program text that hold a lone surrogate."""
    # Without a backslash-u, only a surrogate code point itself can match, and an ASCII text
    # holds none: two C-speed tests instead of a regular-expression pass over the whole text.
    if "\\u" not in text and text.isascii():
        return
    if SURROGATE.search(text) is None:
        return
    for m in _STRING_TOKEN.finditer(text):
        if SURROGATE.search(text, m.start(), m.end()) is None:
            continue
        try:
            decoded = json.loads(m.group())
        except ValueError:
            continue  # not a whole string token (the syntax error says so)
        if isinstance(decoded, str) and is_lone(decoded):
            yield m.start(), m.end()


def text_has_lone_surrogate(text: str) -> bool:
    """A string of the program text holds a lone surrogate, or the text holds one anywhere."""
    return is_lone(text) or next(lone_surrogate_strings(text), None) is not None


def has_lone_surrogate(value: Any) -> bool:
    """Some string in ``value`` (keys of dicts included, at any depth) holds a lone surrogate."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is str:
            if is_lone(v):
                return True
        elif isinstance(v, dict):
            for k, item in v.items():
                if isinstance(k, str) and is_lone(k):
                    return True
                stack.append(item)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return False
