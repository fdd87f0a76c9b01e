"""Lexis value semantics shared by static analysis and the interpreter (LEXIS.md §3, §6).

Values are plain JSON-like Python values (``int``, ``float``, ``str``, ``bool``, ``None``,
``list``, ``dict``), plus :class:`ErrorValue` and, in the interpreter, FUNC values, which
implement :class:`FuncLike`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    if isinstance(v, list):
        return [_json_compatible(x) for x in v]
    if isinstance(v, dict):
        return {k: _json_compatible(x) for k, x in v.items()}
    if isinstance(v, ErrorValue):
        return str(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return f"<func {getattr(v, 'hash', '?')[:12]}>"


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
    if isinstance(v, (list, dict)):
        return json.dumps(_json_compatible(v), separators=(",", ":"), ensure_ascii=False)
    return f"<func {getattr(v, 'hash', '?')[:12]}>"


def lexis_equal(a: Any, b: Any) -> bool:
    """``eq``: deep equality where true != 1 but 1 == 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(lexis_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(lexis_equal(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    return bool(a == b)


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
