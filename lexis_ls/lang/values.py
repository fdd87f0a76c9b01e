"""Lexis value semantics shared by static analysis and the interpreter (LEXIS.md §3, §6).

Values are plain JSON-like Python values (``int``, ``float``, ``str``, ``bool``, ``None``,
``list``, ``dict``), plus :class:`ErrorValue` and, in the interpreter, FUNC values, which
implement :class:`FuncLike`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_str  # what json.dumps uses
from typing import Any, Protocol


class FuncLike(Protocol):
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True)
class ErrorValue:
    message: str
    node: str | None = None
    cause: ErrorValue | None = None

    def chain(self) -> list[ErrorValue]:
        out: list[ErrorValue] = []
        e: ErrorValue | None = self
        while e is not None and len(out) < 100:
            out.append(e)
            e = e.cause
        return out

    def __str__(self) -> str:
        return f"Error: {self.message} (at node {self.node})"


def is_number(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and v is not True and v is not False


def type_name(v: Any) -> str:
    """``type_of``: NUM, STR, BOOL, NULL, SEQ, DICT, FUNC or ERROR."""
    if isinstance(v, ErrorValue):
        return "ERROR"
    if v is None:
        return "NULL"
    if v is True or v is False:
        return "BOOL"
    if is_number(v):
        return "NUM"
    if isinstance(v, str):
        return "STR"
    if isinstance(v, list):
        return "SEQ"
    if isinstance(v, dict):
        return "DICT"
    return "FUNC"


def truthy(v: Any) -> bool:
    """false, null, 0, "", [] and {} are falsy; everything else (FUNC, errors) is truthy."""
    if v is None or v is False:
        return False
    if is_number(v):
        return bool(v)
    if isinstance(v, (str, list, dict)):
        return len(v) > 0
    return True


def _json_compatible(v: Any) -> Any:
    """``v`` with error values and FUNCs replaced by their text, ready for ``json.dumps``.
    Iterative (a deep value does not exhaust the stack); shared parts are copied once."""
    t = type(v)
    if t is not list and t is not dict:
        return _compatible_scalar(v)
    memo: dict[int, Any] = {}
    stack: list[Any] = [v]
    while stack:
        obj = stack[-1]
        if id(obj) in memo:
            stack.pop()
            continue
        items = obj if type(obj) is list else obj.values()
        pending = [x for x in items if (type(x) is list or type(x) is dict) and id(x) not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if type(obj) is list:
            memo[id(obj)] = [
                memo[id(x)] if type(x) is list or type(x) is dict else _compatible_scalar(x)
                for x in obj
            ]
        else:
            memo[id(obj)] = {
                k: memo[id(x)] if type(x) is list or type(x) is dict else _compatible_scalar(x)
                for k, x in obj.items()
            }
    return memo[id(v)]


def _compatible_scalar(v: Any) -> Any:
    if isinstance(v, list):  # a subclass of list: copied as a list
        return _json_compatible(list(v))
    if isinstance(v, dict):
        return _json_compatible(dict(v))
    if isinstance(v, ErrorValue):
        return str(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return f"<func {getattr(v, 'hash', '?')[:12]}>"


# --- limits on values (the interpreter enforces them; see ``measure``) ------------------------

MAX_VALUE_SIZE = 20_000_000
"""Largest expanded size of one value: elements plus characters, a part that is shared counted
as many times as it appears (what printing or comparing the value costs)."""
MAX_VALUE_DEPTH = 200
"""Deepest nesting of lists and dicts in one value (as the parser's limit on program text)."""
TICK_UNITS = 16_384
"""Units of work (elements, characters / 64) between two calls of a walker's ``tick``."""

Tick = Callable[[], None]

_CONTAINERS = frozenset({list, dict})
_NO_STR_SCALARS = frozenset({int, float, bool, type(None)})
_FLAT_TYPES = _NO_STR_SCALARS | {str}
_CHUNK = 1 << 16  # elements handed to one C-level call (json.dumps, set(map(type, ...)))
_SMALL = (1, 0)


def _types(items: Any, tick: Tick | None) -> set[type]:
    """The set of the element types of a list or a dict's values; long ones in chunks, with a
    ``tick`` between chunks."""
    if tick is None or len(items) <= _CHUNK:
        return set(map(type, items))
    out: set[type] = set()
    it = iter(items)
    while True:
        chunk = list(itertools.islice(it, _CHUNK))
        if not chunk:
            return out
        out.update(map(type, chunk))
        tick()


def measure(
    v: Any, known: dict[int, tuple[int, int]] | None = None, tick: Tick | None = None
) -> tuple[int, int]:
    """``(expanded size, depth)`` of a value: a string counts its characters (at least one),
    every other element one, a dict its keys' characters too; a part that appears several times
    counts every time. ``[[1, 2]]`` is ``(4, 2)``. The walk is iterative and visits each distinct
    list or dict once, so it costs what the value occupies in memory, not its expanded size.
    ``known`` maps ``id(x)`` to the measure of objects ``x`` known already (kept alive by the
    caller); ``tick`` is called now and then (it may raise to stop a long walk)."""
    t = type(v)
    if t is str:
        return (len(v) or 1, 0)
    if t is not list and t is not dict:
        return _SMALL
    memo: dict[int, tuple[int, int]] = dict(known) if known else {}
    if id(v) in memo:
        return memo[id(v)]
    stack: list[Any] = [v]
    work = 0
    while stack:
        obj = stack[-1]
        oid = id(obj)
        if oid in memo:
            stack.pop()
            continue
        is_list = type(obj) is list
        items = obj if is_list else list(obj.values())
        n = len(items)
        work += n + 1
        if tick is not None and work > TICK_UNITS:
            work = 0
            tick()
        types = _types(items, tick)
        extra = 0
        if not is_list:
            keys = list(obj)
            extra = sum(map(len, keys)) + keys.count("") if _types(keys, tick) == {str} else n
        if types.isdisjoint(_CONTAINERS):
            size = 1 + extra + n
            if str in types:
                if len(types) == 1:
                    size += sum(map(len, items)) + items.count("") - n
                else:
                    size += sum((len(x) or 1) - 1 for x in items if type(x) is str)
            memo[oid] = (size, 1)
            stack.pop()
            continue
        pending = [x for x in items if (type(x) is list or type(x) is dict) and id(x) not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        size = 1 + extra
        depth = 0
        for x in items:
            tx = type(x)
            if tx is list or tx is dict:
                s, d = memo[id(x)]
                size += s
                if d > depth:
                    depth = d
            elif tx is str:
                size += len(x) or 1
            else:
                size += 1
        memo[oid] = (size, depth + 1)
    return memo[id(v)]


def _float_text(v: float) -> str:
    if v != v:
        return "NaN"
    if v == math.inf:
        return "Infinity"
    if v == -math.inf:
        return "-Infinity"
    return float.__repr__(v)


def _json_scalar(v: Any) -> str:
    """The JSON text of a non-container inside a list or dict, as ``to_str`` writes it."""
    t = type(v)
    if t is str:
        return _encode_str(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if t is int:
        return int.__repr__(v)
    if t is float:
        return _float_text(v)
    return json.dumps(_compatible_scalar(v), separators=(",", ":"), ensure_ascii=False)


def _key_text(k: Any) -> str:
    if type(k) is str:
        return _encode_str(k) + ":"
    return json.dumps({k: 0}, separators=(",", ":"), ensure_ascii=False)[1:-2]


def _flat_text(obj: Any, is_list: bool, tick: Tick | None) -> str:
    """JSON of a list or dict of plain scalars, by ``json.dumps`` in chunks."""
    if len(obj) <= _CHUNK:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    parts: list[str] = []
    if is_list:
        for i in range(0, len(obj), _CHUNK):
            parts.append(
                json.dumps(obj[i : i + _CHUNK], separators=(",", ":"), ensure_ascii=False)[1:-1]
            )
            if tick is not None:
                tick()
        return "[" + ",".join(parts) + "]"
    it = iter(obj.items())
    while True:
        chunk = dict(itertools.islice(it, _CHUNK))
        if not chunk:
            break
        parts.append(json.dumps(chunk, separators=(",", ":"), ensure_ascii=False)[1:-1])
        if tick is not None:
            tick()
    return "{" + ",".join(parts) + "}"


def to_str_limited(v: Any, limit: int | None = None, tick: Tick | None = None) -> tuple[str, bool]:
    """``(to_str(v), True)``, or, when the text would be longer than ``limit`` characters,
    ``(its first limit + 1 characters or a little more, False)`` at a cost of about ``limit``.
    Iterative: deep values do not exhaust the stack; ``tick`` is called now and then."""
    t = type(v)
    if t is not list and t is not dict:
        whole = to_str(v)
        if limit is not None and len(whole) > limit:
            return whole[: limit + 1], False
        return whole, True
    out: list[str] = []
    total = 0
    work = 0
    # Each entry: [container, items (list elements or dict (key, value) pairs), position].
    stack: list[list[Any]] = []

    text: str | None

    def open_(obj: Any) -> str | None:
        """Opens a container: its whole text when it holds only scalars, else None (pushed)."""
        nonlocal work
        work += len(obj)
        is_list = type(obj) is list
        if not obj:
            return "[]" if is_list else "{}"
        if _types(obj if is_list else obj.values(), tick) <= _FLAT_TYPES:
            return _flat_text(obj, is_list, tick)
        stack.append([obj, obj if is_list else list(obj.items()), 0])
        out.append("[" if is_list else "{")
        return None

    first = open_(v)
    if first is not None:
        out.append(first)
        total = len(first)
    else:
        total = 1
    while stack:
        if limit is not None and total > limit:
            return "".join(out)[: limit + 1], False
        frame = stack[-1]
        obj, items, i = frame
        is_list = type(obj) is list
        if i == len(items):
            stack.pop()
            out.append("]" if is_list else "}")
            total += 1
            continue
        frame[2] = i + 1
        work += 1
        if tick is not None and work > TICK_UNITS:
            work = 0
            tick()
        if i:
            out.append(",")
            total += 1
        if is_list:
            x = items[i]
        else:
            k, x = items[i]
            piece = _key_text(k)
            out.append(piece)
            total += len(piece)
        tx = type(x)
        if tx is list or tx is dict:
            text = open_(x)
            if text is None:
                total += 1
                continue
        elif tx is str and limit is not None and total + len(x) > limit:
            text = _encode_str(x[: limit - total + 2])
        else:
            text = _json_scalar(x)
        out.append(text)
        total += len(text)
        if tick is not None and len(text) > TICK_UNITS:
            tick()
    if limit is not None and total > limit:
        return "".join(out)[: limit + 1], False
    return "".join(out), True


def to_str(v: Any) -> str:
    """The canonical text of ``to_str`` (and of ``print``)."""
    if isinstance(v, str):
        return v
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if type(v) is int:
        return str(v)
    if type(v) is float:
        return repr(v)
    if isinstance(v, ErrorValue):
        return str(v)
    if type(v) is list or type(v) is dict:
        return to_str_limited(v)[0]
    if isinstance(v, (list, dict)):
        return json.dumps(_json_compatible(v), separators=(",", ":"), ensure_ascii=False)
    return f"<func {getattr(v, 'hash', '?')[:12]}>"


def lexis_equal(a: Any, b: Any, tick: Tick | None = None) -> bool:
    """``eq``: deep equality where true != 1 but 1 == 1.0. Iterative; a pair of lists or dicts
    is compared once however often it appears (shared parts cost once); ``tick`` is called now
    and then."""
    seen: set[tuple[int, int]] = set()
    # A stack of iterators over pairs still to compare.
    stack: list[Any] = [iter(((a, b),))]
    work = 0
    while stack:
        pair = next(stack[-1], None)
        if pair is None:
            stack.pop()
            continue
        x, y = pair
        tx, ty = type(x), type(y)
        if tx is list or tx is dict:
            if x is y:
                continue
            if ty is not tx or len(x) != len(y):
                return False
            key = (id(x), id(y))
            if key in seen:
                continue
            seen.add(key)
            work += len(x) + 1
            if tick is not None and work > TICK_UNITS:
                work = 0
                tick()
            if tx is list:
                if len(x) > 4:
                    types = _types(x, tick) | _types(y, tick)
                    if types <= _FLAT_TYPES and bool not in types:
                        if x != y:  # plain == is Lexis equality here
                            return False
                        continue
                stack.append(zip(x, y))
            else:
                if x.keys() != y.keys():
                    return False
                stack.append(zip(x.values(), map(y.__getitem__, x)))
            continue
        if tx is bool or ty is bool:
            if tx is not ty or x != y:
                return False
        elif is_number(x) and is_number(y):
            if x != y:
                return False
        elif ty is list or ty is dict:
            return False
        elif isinstance(x, (list, dict)) or isinstance(y, (list, dict)):
            if not _lexis_equal_other(x, y):
                return False
        elif tx is not ty or not bool(x == y):
            return False
    return True


def _lexis_equal_other(a: Any, b: Any) -> bool:
    """Subclasses of list or dict (never Lexis values): compared as lists and dicts."""
    if isinstance(a, list) and isinstance(b, list):
        return lexis_equal(list(a), list(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return lexis_equal(dict(a), dict(b))
    return False


def parse_number(text: str) -> int | float | None:
    """``to_num`` of a string: an int, a float, or None when unparsable."""
    s = text.strip()
    if "_" in s:
        return None  # Python accepts 1_000; a Lexis number is written without separators
    try:
        return int(s)
    except ValueError:
        pass
    try:
        f = float(s)
    except ValueError:
        return None
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return f
