"""The Lexis formatter: canonical layout of a program (LEXIS.md section 7).

Public API:

* :func:`format_text` -- the canonical text of a whole document, or a refusal with a reason.
* :func:`format_node` -- the canonical text of one node at a given indent (range formatting).
* :func:`load_preserving` -- the strict JSON loader the formatter works on: it refuses invalid
  JSON and duplicate keys (:class:`FormatError`, 1-based line and column) and keeps every
  number as its original token (:class:`RawNumber`) so that numbers are written back
  byte-identically.

Layout rules (two-space indent, 100 columns):

* Top level of a program (an object whose ``"nodes"`` is an array): always expanded, keys in
  the order ``spec, name, description, capabilities, allowed_domains, nodes, subgraphs``, then
  the others in their original order.
* ``"nodes"`` arrays (top level and inside each subgraph): one element per line.  A node (an
  object) has its keys in the order ``id, op, inputs, value, doc``, then the others; it is
  written on one line when that line fits, else expanded with one key per line.
* ``"subgraphs"``: one key per line; each subgraph object is expanded like the top level, keys
  ``nodes, doc``, then the others.
* Everything else (and any document that is not program-shaped): inline when it fits in the
  remaining width, else expanded, recursively.  Empty containers are ``[]`` and ``{}``.
* "Fits" means ``indent + text + 1 <= width`` for any member of an array or object: one column
  is always reserved for the separating comma, whether or not the member is the last one.  A
  node's layout therefore never depends on its position, and :func:`format_node` agrees with
  :func:`format_text`.  The top-level value itself reserves nothing.
* Widths count code points.  Strings are escaped as ``json.dumps(s, ensure_ascii=False)`` does
  (unpaired surrogates, which only escapes can produce, stay escaped).  A final newline.

The layout only reorders the keys of the program, subgraph and node objects named above and
never drops, renames or rewrites a value, so it is value-preserving and idempotent.
"""

from __future__ import annotations

import json
import re
from _json import scanstring as _c_scanstring
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from json import encoder as _json_encoder
from typing import Final, Literal

from .model import NODE_KEYS, PROGRAM_KEYS, SUBGRAPH_KEYS

__all__ = [
    "MAX_DEPTH",
    "WIDTH",
    "FormatError",
    "FormatResult",
    "RawNumber",
    "format_node",
    "format_text",
    "load_preserving",
]

WIDTH: Final = 100
"""Default line width of the canonical layout."""

MAX_DEPTH: Final = 512
"""Deepest nesting of arrays/objects the formatter accepts (deeper documents are refused)."""

_INDENT: Final = 2

# Canonical key orders (LEXIS.md §7) are the model's key lists.
_PROGRAM_ORDER: Final = PROGRAM_KEYS
_NODE_ORDER: Final = NODE_KEYS
_SUBGRAPH_ORDER: Final = SUBGRAPH_KEYS


# --------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class RawNumber:
    """A JSON number kept as its original token text (``"1.0"``, ``"1e5"``, ``"-0"``...)."""

    text: str

    @property
    def is_integer(self) -> bool:
        """True when the token is written as an integer (no fraction, no exponent)."""
        return not any(c in self.text for c in ".eE")

    def to_python(self) -> int | float:
        """The number as ``json.loads`` would give it (``int`` or ``float``)."""
        return int(self.text) if self.is_integer else float(self.text)


ErrorKind = Literal["syntax", "duplicate", "depth"]


class FormatError(ValueError):
    """Why a text cannot be formatted, with a 1-based ``line`` and ``column`` (code points).

    ``offset`` is the 0-based index into the text.  ``kind`` is ``"syntax"`` (not valid JSON),
    ``"duplicate"`` (a duplicate object key) or ``"depth"`` (nesting deeper than MAX_DEPTH).
    """

    def __init__(
        self,
        message: str,
        line: int,
        column: int,
        *,
        kind: ErrorKind = "syntax",
        offset: int = 0,
    ) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column
        self.kind: ErrorKind = kind
        self.offset = offset

    @property
    def reason(self) -> str:
        """The full human-readable reason, as :class:`FormatResult` reports it."""
        where = f"at line {self.line} column {self.column}"
        if self.kind == "duplicate":
            return f"{self.message} {where}: formatting would drop one of the values"
        if self.kind == "depth":
            return f"{self.message} {where}"
        return f"not valid JSON: {self.message} {where}"

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class FormatResult:
    """The canonical text, or ``text=None`` and a ``reason`` when formatting is refused."""

    text: str | None
    reason: str | None


# --------------------------------------------------------------------------------------------
# Loading


_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_scanstring: Callable[[str, int, bool], tuple[str, int]] = _c_scanstring
_encode_basestring: Callable[[str], str] = _json_encoder.encode_basestring


class _Refused(Exception):
    """Raised inside the fast parser's hooks; the slow parser then locates the problem."""


def _pairs_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused
    return result


def _reject_constant(name: str) -> object:
    raise _Refused


_FAST_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_pairs_hook,
    parse_int=RawNumber,
    parse_float=RawNumber,
    parse_constant=_reject_constant,
    strict=True,
)


def _line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of ``pos``; ``\\n``, ``\\r\\n`` and ``\\r`` end lines (LSP)."""
    before = text[:pos]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, pos - start + 1


def _error(text: str, message: str, pos: int, kind: ErrorKind = "syntax") -> FormatError:
    line, column = _line_column(text, pos)
    return FormatError(message, line, column, kind=kind, offset=pos)


def _show_key(key: str) -> str:
    if len(key) > 60:
        key = key[:60] + "\u2026"
    return _encode(key)


def _value_error(text: str, pos: int) -> FormatError:
    """The error for "a value was expected at ``pos`` but is not there"."""
    if pos >= len(text):
        return _error(text, "Expecting value, found end of text", pos)
    if text.startswith(("//", "/*"), pos):
        return _error(text, "comments are not allowed in JSON", pos)
    if text.startswith("'", pos):
        return _error(text, "Expecting value (strings must use double quotes, not ')", pos)
    for constant in ("NaN", "Infinity", "-Infinity"):
        if text.startswith(constant, pos):
            return _error(text, f"{constant} is not allowed in JSON", pos)
    if text.startswith("\ufeff", pos):
        return _error(text, "Expecting value, found a byte order mark (U+FEFF)", pos)
    word = _WORD.match(text, pos)
    if word is not None:
        shown = word.group()[:30]
        return _error(text, f"Expecting value, found bare word '{shown}'", pos)
    return _error(text, "Expecting value", pos)


def _key_error(text: str, pos: int) -> FormatError:
    """The error for "a property name was expected at ``pos``"."""
    if pos >= len(text):
        return _error(text, "Expecting property name, found end of text", pos)
    if text.startswith(("//", "/*"), pos):
        return _error(text, "comments are not allowed in JSON", pos)
    message = "Expecting property name enclosed in double quotes"
    if text.startswith("'", pos):
        message += " (single quotes are not JSON)"
    return _error(text, message, pos)


def _delimiter_error(text: str, pos: int, closer: str) -> FormatError:
    """The error for "',' or ``closer`` was expected at ``pos``"."""
    if pos >= len(text):
        return _error(text, f"Unexpected end of text (expecting ',' or '{closer}')", pos)
    if text.startswith(("//", "/*"), pos):
        return _error(text, "comments are not allowed in JSON", pos)
    return _error(text, "Expecting ',' delimiter", pos)


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return pos if match is None else match.end()


def _string_at(text: str, pos: int) -> tuple[str, int]:
    """Decode the string whose opening quote is at ``pos``; return it and the end index."""
    try:
        return _scanstring(text, pos + 1, True)
    except json.JSONDecodeError as exc:
        message = exc.msg.removesuffix(" at")
        raise _error(text, message, exc.pos) from None


def _key_at(text: str, pos: int, seen: dict[str, object]) -> tuple[str, int]:
    """Parse ``"key" :`` at ``pos`` (after whitespace); return the key and the value start."""
    if not text.startswith('"', pos):
        raise _key_error(text, pos)
    key, end = _string_at(text, pos)
    if key in seen:
        raise _error(text, f"duplicate key {_show_key(key)}", pos, "duplicate")
    end = _skip_ws(text, end)
    if not text.startswith(":", end):
        if end >= len(text):
            raise _error(text, "Unexpected end of text (expecting ':')", end)
        raise _error(text, "Expecting ':' delimiter", end)
    return key, _skip_ws(text, end + 1)


class _ListFrame:
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[object] = []


class _DictFrame:
    __slots__ = ("items", "key")

    def __init__(self, key: str) -> None:
        self.items: dict[str, object] = {}
        self.key = key


def _load_slow(text: str) -> object:
    """Strict, iterative JSON parser that locates every problem precisely.

    Slower than the C parser, so it only runs when the fast path fails; it accepts exactly the
    same documents (minus those nested deeper than MAX_DEPTH) and builds the same values.
    """
    n = len(text)
    pos = _skip_ws(text, 0)
    stack: list[_ListFrame | _DictFrame] = []
    value: object
    while True:
        # Parse one value starting at pos (or open a container and go parse its first member).
        char = text[pos] if pos < n else ""
        if char == '"':
            value, pos = _string_at(text, pos)
        elif char == "[" or char == "{":
            if len(stack) >= MAX_DEPTH:
                raise _error(text, f"nesting deeper than {MAX_DEPTH} levels", pos, "depth")
            pos = _skip_ws(text, pos + 1)
            if char == "[":
                if text.startswith("]", pos):
                    value, pos = [], pos + 1
                else:
                    stack.append(_ListFrame())
                    continue
            elif text.startswith("}", pos):
                value, pos = {}, pos + 1
            else:
                key, pos = _key_at(text, pos, {})
                stack.append(_DictFrame(key))
                continue
        elif char and char in "-0123456789":
            match = _NUMBER.match(text, pos)
            if match is None:
                raise _value_error(text, pos)
            if match.group() in ("0", "-0") and text[match.end() : match.end() + 1].isdigit():
                raise _error(text, "numbers cannot have leading zeros", pos)
            value, pos = RawNumber(match.group()), match.end()
        elif text.startswith("true", pos):
            value, pos = True, pos + 4
        elif text.startswith("false", pos):
            value, pos = False, pos + 5
        elif text.startswith("null", pos):
            value, pos = None, pos + 4
        else:
            raise _value_error(text, pos)

        # Store the value in its container; close containers as long as they end here.
        while True:
            if not stack:
                end = _skip_ws(text, pos)
                if end != n:
                    if text.startswith(("//", "/*"), end):
                        raise _error(text, "comments are not allowed in JSON", end)
                    raise _error(text, "Extra data after the JSON value", end)
                return value
            frame = stack[-1]
            pos = _skip_ws(text, pos)
            closer = "]" if isinstance(frame, _ListFrame) else "}"
            if isinstance(frame, _ListFrame):
                frame.items.append(value)
            else:
                frame.items[frame.key] = value
            if text.startswith(",", pos):
                comma = pos
                pos = _skip_ws(text, pos + 1)
                if text.startswith(closer, pos):
                    what = "array" if closer == "]" else "object"
                    message = f"trailing comma before the end of the {what}"
                    raise _error(text, message, comma)
                if isinstance(frame, _DictFrame):
                    frame.key, pos = _key_at(text, pos, frame.items)
                break
            if text.startswith(closer, pos):
                stack.pop()
                value, pos = frame.items, pos + 1
                continue
            raise _delimiter_error(text, pos, closer)


def _deeper_than(value: object, limit: int) -> bool:
    """True when ``value`` nests arrays/objects more than ``limit`` levels deep."""
    if not isinstance(value, (list, dict)):
        return False
    stack: list[tuple[list[object] | dict[str, object], int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        members: Iterable[object] = container.values() if isinstance(container, dict) else container
        for member in members:
            if isinstance(member, (list, dict)):
                stack.append((member, depth + 1))
    return False


def load_preserving(text: str) -> object:
    """Parse strict JSON (RFC 8259) into plain values, keeping numbers as :class:`RawNumber`.

    Objects become ``dict`` (in document order), arrays ``list``, strings decoded ``str``,
    ``true``/``false``/``null`` ``True``/``False``/``None``.  Raises :class:`FormatError` with a
    1-based line and column on invalid JSON (including NaN/Infinity, comments, trailing commas,
    unpaired surrogate code points in the text), on a duplicate key at any depth (reported at
    its second occurrence) and on nesting deeper than :data:`MAX_DEPTH`.  Never raises anything
    else for a ``str`` argument, never recurses in Python.
    """
    if not text.isascii():
        surrogate = _SURROGATE.search(text)
        if surrogate is not None:
            code = f"U+{ord(surrogate.group()):04X}"
            raise _error(text, f"unpaired surrogate code point {code}", surrogate.start())
    try:
        value = _FAST_DECODER.decode(text)
    except (json.JSONDecodeError, _Refused, RecursionError):
        return _load_slow(text)
    if (text.count("[") + text.count("{") > MAX_DEPTH) and _deeper_than(value, MAX_DEPTH):
        return _load_slow(text)  # raises the depth error at the right place
    return value


# --------------------------------------------------------------------------------------------
# Layout

_GENERIC: Final = 0  # inline when it fits, else expanded; keys in original order
_NODE: Final = 1  # like _GENERIC, keys id, op, inputs, value, doc first
_NODES: Final = 2  # "nodes" array: always expanded, object elements are _NODE
_PROGRAM: Final = 3  # top level: always expanded, keys in _PROGRAM_ORDER first
_SUBGRAPHS: Final = 4  # "subgraphs" object: always expanded, object members are _SUBGRAPH
_SUBGRAPH: Final = 5  # one subgraph: always expanded, keys nodes, doc first
_ALWAYS_EXPANDED: Final = frozenset({_NODES, _PROGRAM, _SUBGRAPHS, _SUBGRAPH})


def _encode(string: str) -> str:
    encoded = _encode_basestring(string)
    if not string.isascii() and _SURROGATE.search(encoded) is not None:
        encoded = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
    return encoded


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return _encode(value)
    if isinstance(value, RawNumber):
        return value.text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):  # tolerated for callers that build values by hand
        return int.__repr__(value)
    if isinstance(value, float):
        return json.dumps(value, allow_nan=False)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _ordered_items(obj: dict[str, object], order: tuple[str, ...]) -> list[tuple[str, object]]:
    items = [(key, obj[key]) for key in order if key in obj]
    if len(items) != len(obj):
        items.extend((key, value) for key, value in obj.items() if key not in order)
    return items


def _inline_items(items: Iterable[tuple[str, object]], budget: int) -> str | None:
    """``{"k": v, ...}`` if it is at most ``budget`` long, else None (stops early)."""
    parts: list[str] = []
    used = 2
    for key, value in items:
        if parts:
            used += 2
        used += len(key) + 4  # quotes (at least), colon and space
        if used > budget:
            return None
        text = _inline(value, budget - used)
        if text is None:
            return None
        part = f"{_encode(key)}: {text}"
        used += len(part) - len(key) - 4
        if used > budget:
            return None
        parts.append(part)
    return "{" + ", ".join(parts) + "}"


def _inline(value: object, budget: int) -> str | None:
    """The one-line text of ``value`` if it is at most ``budget`` long, else None.

    Scalars are returned whatever their length (the caller compares); containers give up as
    soon as they exceed the budget, so the recursion depth is at most ``budget / 2``.
    """
    if isinstance(value, dict):
        if not value:
            return "{}"
        return _inline_items(value.items(), budget)
    if isinstance(value, list):
        if not value:
            return "[]"
        parts: list[str] = []
        used = 2
        for item in value:
            if parts:
                used += 2
            if used >= budget:
                return None
            text = _inline(item, budget - used)
            if text is None:
                return None
            used += len(text)
            if used > budget:
                return None
            parts.append(text)
        return "[" + ", ".join(parts) + "]"
    return _scalar(value)


def _try_inline(value: object, style: int, budget: int) -> str | None:
    """The one-line text of ``value`` laid out in ``style`` when it fits ``budget``."""
    if isinstance(value, (dict, list)):
        if not value:
            return "{}" if isinstance(value, dict) else "[]"
        if style in _ALWAYS_EXPANDED:
            return None
        if style == _NODE and isinstance(value, dict):
            return _inline_items(_ordered_items(value, _NODE_ORDER), budget)
        return _inline(value, budget)
    return _scalar(value)


def _child_style(style: int, key: str | None, child: object) -> int:
    if style == _NODES:
        return _NODE if isinstance(child, dict) else _GENERIC
    if style == _SUBGRAPHS:
        return _SUBGRAPH if isinstance(child, dict) else _GENERIC
    if style in (_PROGRAM, _SUBGRAPH) and key == "nodes" and isinstance(child, list):
        return _NODES
    if style == _PROGRAM and key == "subgraphs" and isinstance(child, dict):
        return _SUBGRAPHS
    return _GENERIC


_Member = tuple[str, object, int]  # (prefix written before the value, value, style)


def _members(container: dict[str, object] | list[object], style: int) -> list[_Member]:
    if isinstance(container, list):
        return [("", item, _child_style(style, None, item)) for item in container]
    if style == _PROGRAM:
        items = _ordered_items(container, _PROGRAM_ORDER)
    elif style == _SUBGRAPH:
        items = _ordered_items(container, _SUBGRAPH_ORDER)
    elif style == _NODE:
        items = _ordered_items(container, _NODE_ORDER)
    else:
        items = list(container.items())
    return [(f"{_encode(key)}: ", value, _child_style(style, key, value)) for key, value in items]


class _Open:
    """An expanded container being written."""

    __slots__ = ("closer", "comma", "indent", "members", "next")

    def __init__(self, members: list[_Member], indent: int, closer: str, comma: bool) -> None:
        self.members = members
        self.next = 0
        self.indent = indent
        self.closer = closer
        self.comma = comma


def _open(
    container: dict[str, object] | list[object],
    style: int,
    indent: int,
    comma: bool,
    out: list[str],
) -> _Open:
    """Write the opening bracket of an expanded container; return its state."""
    if isinstance(container, dict):
        out.append("{")
        return _Open(_members(container, style), indent, "}", comma)
    out.append("[")
    return _Open(_members(container, style), indent, "]", comma)


def _layout(value: object, style: int, indent: int, width: int, reserve: int) -> str:
    """The text of ``value`` at ``indent`` (first line not indented, no trailing comma).

    ``reserve`` columns are kept free after the value on its first line (1 for a member of a
    container, for its comma).  Iterative, so any depth up to MAX_DEPTH is fine.
    """
    text = _try_inline(value, style, width - indent - reserve)
    if text is not None:
        return text
    assert isinstance(value, (dict, list))
    out: list[str] = []
    stack = [_open(value, style, indent, False, out)]
    while stack:
        top = stack[-1]
        if top.next == len(top.members):
            stack.pop()
            out.append(f"\n{' ' * top.indent}{top.closer}")
            if top.comma:
                out.append(",")
            continue
        prefix, child, child_style = top.members[top.next]
        top.next += 1
        last = top.next == len(top.members)
        child_indent = top.indent + _INDENT
        out.append(f"\n{' ' * child_indent}{prefix}")
        text = _try_inline(child, child_style, width - child_indent - len(prefix) - 1)
        if text is not None:
            out.append(text if last else text + ",")
        else:
            assert isinstance(child, (dict, list))
            stack.append(_open(child, child_style, child_indent, not last, out))
    return "".join(out)


def format_node(node: object, indent: int, width: int = WIDTH) -> str:
    """The canonical text of one node (a value from :func:`load_preserving`) at ``indent``.

    The first line has no indentation, the last no comma or newline; continuation lines are
    indented absolutely.  A node object has its keys ordered ``id, op, inputs, value, doc``,
    then the others, and stays on one line when ``indent + len(line) + 1 <= width`` (one
    column is reserved for a comma), else it is expanded one key per line.  Any other value
    is laid out like a generic array member.
    """
    style = _NODE if isinstance(node, dict) else _GENERIC
    return _layout(node, style, indent, width, 1)


def _format_value(value: object) -> str:
    program = isinstance(value, dict) and isinstance(value.get("nodes"), list)
    return _layout(value, _PROGRAM if program else _GENERIC, 0, WIDTH, 0) + "\n"


def format_text(text: str) -> FormatResult:
    """The canonical layout of a Lexis document, or a refusal.

    Refuses (``text=None`` and a ``reason`` naming a 1-based line and column) when ``text`` is
    not valid JSON, has a duplicate key anywhere (formatting would drop a value) or nests
    deeper than :data:`MAX_DEPTH`.  Valid JSON that is not shaped like a program (top level not
    an object, or ``"nodes"`` not an array) is laid out generically.  Never raises.
    """
    try:
        value = load_preserving(text)
    except FormatError as error:
        return FormatResult(None, error.reason)
    return FormatResult(_format_value(value), None)
