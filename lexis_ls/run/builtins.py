"""The pure builtins: one function per op, ``fn(call, args) -> value`` (LEXIS.md §3, §6).

Every builtin takes the node's :class:`~lexis_ls.run.core.Call` and its input values in order,
and returns the op's result. A builtin never raises for bad input: it returns
``call.error("message naming the values")``, an error value whose node is ``call.node_id``.
Inputs are never mutated: collections are returned as new lists and dicts.

Error propagation (LEXIS.md §3) is the evaluator's job, but :data:`BUILTINS` repeats it so a
builtin is right on its own: for every op not in :data:`NON_PROPAGATING`, the first error value
among the inputs is returned unchanged. The ops in :data:`NON_PROPAGATING` receive raw inputs that
may be error values. A wrong input count (the checks reject it before a run) gives an error value.

Numbers: ``int`` and ``float`` stay distinct; booleans are never numbers. Numeric results must be
finite floats or ints of at most :data:`MAX_INT_DIGITS` digits (the largest int Python will print),
otherwise the op yields an error value, so every value stays printable and hashable.

GUI descriptors (tier 4) are plain dicts, built here and consumed by ``gui_render``:

- ``gui_window``: ``{"kind": "window", "title": str, "width": int, "height": int, ...,
  "children": [...]}``. ``value`` is an optional config ``{title, width, height, ...}``; the
  defaults are ``"Lexis"``, 400 and 300; other config keys are copied as they are. The inputs are
  the children: widget, canvas or state descriptors, or lists of them (spliced in, so the result
  of a ``map`` can be passed directly).
- ``gui_widget``: ``{"kind": "widget", "type": str, ...other value keys..., "children": [...]}``;
  ``type`` is one of :data:`~lexis_ls.lang.opcodes.WIDGET_TYPES`; the inputs are the children,
  as they are.
- ``gui_canvas``: ``{"kind": "canvas", "width": int, "height": int, ..., "commands": [...]}``;
  ``value`` is an optional config ``{width, height, ...}`` (defaults 400 and 300); the input is a
  list of draw descriptors (a single draw descriptor is accepted as a one-element list).
- ``gui_draw``: ``{"kind": "draw", "shape": str, ...other value keys..., "points": [...]}``;
  ``shape`` is one of :data:`~lexis_ls.lang.opcodes.DRAW_SHAPES`; the inputs are the points.
- ``gui_state``: ``{"kind": "state", "name": str, "initial": input or null}``.

The keys ``kind``, ``children``, ``commands`` and ``points`` are reserved: a ``value`` holding
the descriptor's own reserved key is an error value.

Meta (tier 5): ``emit_node(id, op, inputs)`` -> ``{"id": id, "op": op, "inputs": inputs}``.
"""

from __future__ import annotations

import bisect
import json
import math
import random as _random
import re
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from ..lang.opcodes import DRAW_SHAPES, OPCODES, WIDGET_TYPES
from ..lang.values import (
    MAX_VALUE_SIZE,
    ErrorValue,
    Tick,
    is_number,
    lexis_equal,
    parse_number,
    to_str_limited,
    truthy,
    type_name,
)
from .core import Call, LimitReached

Builtin = Callable[[Call, list[Any]], Any]

# The largest int Python prints by default (sys.int_info.default_max_str_digits).
MAX_INT_DIGITS = 4300
_INT_LIMIT = 10**MAX_INT_DIGITS
RANGE_LIMIT = 10_000  # LEXIS.md §3
MAX_STRING_LENGTH = 10_000_000  # longest string `replace` may build
WINDOW_DEFAULTS: dict[str, Any] = {"title": "Lexis", "width": 400, "height": 300}
CANVAS_DEFAULTS: dict[str, Any] = {"width": 400, "height": 300}
_CHILD_KINDS = frozenset({"widget", "canvas", "state"})

# Ops whose builtin receives error values among its inputs (LEXIS.md §6 "does not propagate",
# try_or, and select, where only cond and the chosen branch matter).
NON_PROPAGATING = frozenset(
    {"select", "try_or", "is_error", "try_catch", "comment", "type_of", "has_key"}
)

_IMPLS: dict[str, Builtin] = {}


def _op(*names: str) -> Callable[[Builtin], Builtin]:
    def register(fn: Builtin) -> Builtin:
        for name in names:
            _IMPLS[name] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# helpers


def _show(v: Any) -> str:
    """A short text naming ``v`` in a message: strings quoted, the rest as ``to_str``."""
    try:
        if isinstance(v, str):
            text = json.dumps(v[:61], ensure_ascii=False)
        elif type(v) is int and abs(v) >= _INT_LIMIT:
            text = f"<int of {v.bit_length()} bits>"
        else:
            text = to_str_limited(v, 60)[0]
    except (ValueError, RecursionError):
        text = f"<{type_name(v)}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _desc(v: Any) -> str:
    """``_show`` plus the Lexis type: ``"a" (STR)``."""
    return f"{_show(v)} ({type_name(v)})"


def _tick(call: Call, op: str) -> Tick | None:
    """What long loops over big values call now and then: past the run's deadline (when the
    call has one) the run stops, rather than finishing a builtin that takes many seconds."""
    if getattr(call, "deadline", None) is None:
        return None
    return lambda: _check_time(call, op)


def _text(call: Call, op: str, v: Any, room: int = MAX_VALUE_SIZE) -> str | ErrorValue:
    """``to_str(v)``, or an error value when the value cannot be printed or its text would be
    longer than ``room`` characters (checked as the text is made, never after)."""
    try:
        text, whole = to_str_limited(v, room, _tick(call, op))
    except (ValueError, RecursionError):
        return call.error(f"{op}: cannot convert {_desc(v)} to text")
    if not whole:
        return _too_long(call, op)
    return text


def _too_long(call: Call, op: str) -> ErrorValue:
    return call.error(f"{op}: the text would be longer than {MAX_VALUE_SIZE:,} characters")


def _checked(call: Call, what: str | Callable[[], str], r: Any) -> Any:
    """``r`` when it is a finite float or a printable int, else an error value. ``what``
    describes the computation for the message; a callable is only called on failure, so the
    common case formats nothing."""
    t = type(r)
    if (t is int and -_INT_LIMIT < r < _INT_LIMIT) or (t is float and math.isfinite(r)):
        return r
    if callable(what):
        what = what()
    if isinstance(r, complex):
        return call.error(f"{what} is a complex number")
    if type(r) is float and not math.isfinite(r):
        return call.error(f"{what} is not a finite number")
    if type(r) is int and abs(r) >= _INT_LIMIT:
        return call.error(f"{what} is too large (more than {MAX_INT_DIGITS} digits)")
    return r


def _numbers(call: Call, op: str, args: list[Any]) -> ErrorValue | None:
    for v in args:
        if not is_number(v):
            return call.error(
                f"{op} needs numbers (booleans are not numbers), got {', '.join(_desc(a) for a in args)}"
            )
    return None


def _is_int(v: Any) -> bool:
    return type(v) is int


# ---------------------------------------------------------------------------------------------
# tier 1: literals and arithmetic


@_op("const")
def _const(call: Call, args: list[Any]) -> Any:
    return call.value


_ARITH: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "add": ("+", lambda a, b: a + b),
    "sub": ("-", lambda a, b: a - b),
    "mul": ("*", lambda a, b: a * b),
}


def _make_arith(op: str) -> Builtin:
    symbol, fn = _ARITH[op]

    def run(call: Call, args: list[Any]) -> Any:
        a, b = args
        err = _numbers(call, op, args)
        if err is not None:
            return err

        def what() -> str:
            return f"{op}: {_show(a)} {symbol} {_show(b)}"

        try:
            r = fn(a, b)
        except OverflowError:
            return call.error(f"{what()} is out of the float range")
        return _checked(call, what, r)

    return run


for _name in _ARITH:
    _IMPLS[_name] = _make_arith(_name)


@_op("div")
def _div(call: Call, args: list[Any]) -> Any:
    a, b = args
    err = _numbers(call, "div", args)
    if err is not None:
        return err
    if b == 0:
        return call.error(f"division by zero: {_show(a)} / {_show(b)}")
    if _is_int(a) and _is_int(b) and a % b == 0:
        return a // b

    def what() -> str:
        return f"div: {_show(a)} / {_show(b)}"

    try:
        r = a / b
    except OverflowError:
        return call.error(f"{what()} is out of the float range")
    return _checked(call, what, r)


@_op("mod")
def _mod(call: Call, args: list[Any]) -> Any:
    a, b = args
    err = _numbers(call, "mod", args)
    if err is not None:
        return err
    if b == 0:
        return call.error(f"modulo by zero: {_show(a)} mod {_show(b)}")

    def what() -> str:
        return f"mod: {_show(a)} mod {_show(b)}"

    try:
        r = a % b
    except OverflowError:
        return call.error(f"{what()} is out of the float range")
    return _checked(call, what, r)


def _make_rounding(op: str, fn: Callable[[float], int]) -> Builtin:
    def run(call: Call, args: list[Any]) -> Any:
        (x,) = args
        err = _numbers(call, op, args)
        if err is not None:
            return err
        if _is_int(x):
            return x
        if not math.isfinite(x):
            return call.error(f"{op}: {_show(x)} is not a finite number")
        return fn(x)

    return run


_IMPLS["floor"] = _make_rounding("floor", math.floor)
_IMPLS["ceil"] = _make_rounding("ceil", math.ceil)


def _round_int(x: int, places: int) -> int:
    """``x`` rounded to a multiple of ``10 ** places`` (places > 0), half away from zero."""
    if places > x.bit_length() * 0.302 + 2:  # 10 ** places > 2 * |x|
        return 0
    m: int = 10**places
    q, r = divmod(abs(x), m)
    if 2 * r >= m:
        q += 1
    return q * m if x >= 0 else -q * m


@_op("round")
def _round(call: Call, args: list[Any]) -> Any:
    x = args[0]
    if not is_number(x):
        return call.error(f"round needs a number (booleans are not numbers), got {_desc(x)}")
    if len(args) == 1:
        if _is_int(x):
            return x
        if not math.isfinite(x):
            return call.error(f"round: {_show(x)} is not a finite number")
        if x.is_integer():
            return int(x)
        return int(Decimal(repr(x)).to_integral_value(rounding=ROUND_HALF_UP))
    nd = args[1]
    if not _is_int(nd):
        return call.error(f"round: ndigits must be an integer, got {_desc(nd)}")
    if _is_int(x):
        return x if nd >= 0 else _checked(call, "round", _round_int(x, -nd))
    if not math.isfinite(x):
        return call.error(f"round: {_show(x)} is not a finite number")
    d = Decimal(repr(x))
    digits, exponent = d.as_tuple().digits, d.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -nd:  # no more than nd decimals already
        return x
    if nd < -400:  # every float is below 10 ** 309
        return math.copysign(0.0, x)
    try:
        q = d.quantize(
            Decimal(1).scaleb(-nd), context=Context(prec=len(digits) + 2, rounding=ROUND_HALF_UP)
        )
        r = float(q)
    except (InvalidOperation, OverflowError):  # pragma: no cover - prec is always enough
        r = math.inf
    return _checked(call, f"round({_show(x)}, {nd})", r)


@_op("power")
def _power(call: Call, args: list[Any]) -> Any:
    a, b = args
    err = _numbers(call, "power", args)
    if err is not None:
        return err
    what = f"power: {_show(a)} ** {_show(b)}"
    if _is_int(a) and _is_int(b) and b > 1 and abs(a) > 1:
        # Estimate the digits first: 10 ** 10 ** 9 must fail at once, not after minutes.
        try:
            digits = b * math.log10(abs(a))
        except OverflowError:  # b beyond the float range
            digits = math.inf
        if digits >= MAX_INT_DIGITS:
            about = f"about {int(digits) + 1}" if math.isfinite(digits) else "more than 10**308"
            return call.error(
                f"{what} is too large ({about} digits; the limit is {MAX_INT_DIGITS})"
            )
    try:
        r = a**b
    except ZeroDivisionError:
        return call.error(f"{what}: zero cannot be raised to a negative power")
    except OverflowError:
        return call.error(f"{what} is too large for a float")
    return _checked(call, what, r)


@_op("sqrt")
def _sqrt(call: Call, args: list[Any]) -> Any:
    (x,) = args
    err = _numbers(call, "sqrt", args)
    if err is not None:
        return err
    if x < 0:
        return call.error(f"sqrt of a negative number: {_show(x)}")
    what = f"sqrt({_show(x)})"
    try:
        r = math.sqrt(x)
    except (OverflowError, ValueError):
        return call.error(f"{what} is out of the float range")
    return _checked(call, what, r)


@_op("random")
def _random_op(call: Call, args: list[Any]) -> Any:
    return _random.random()


# ---------------------------------------------------------------------------------------------
# tier 1: comparison and logic

_COMPARE: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "gt": (">", lambda a, b: a > b),
    "lt": ("<", lambda a, b: a < b),
    "gte": (">=", lambda a, b: a >= b),
    "lte": ("<=", lambda a, b: a <= b),
}


def _make_compare(op: str) -> Builtin:
    symbol, fn = _COMPARE[op]

    def run(call: Call, args: list[Any]) -> Any:
        a, b = args
        if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return bool(fn(a, b))
        return call.error(
            f"{op}: cannot compare {_desc(a)} {symbol} {_desc(b)} "
            "(numbers with numbers or strings with strings)"
        )

    return run


for _name in _COMPARE:
    _IMPLS[_name] = _make_compare(_name)


@_op("eq")
def _eq(call: Call, args: list[Any]) -> Any:
    a, b = args
    return lexis_equal(a, b, _tick(call, "eq"))


@_op("not")
def _not(call: Call, args: list[Any]) -> Any:
    return not truthy(args[0])


@_op("and")
def _and(call: Call, args: list[Any]) -> Any:
    return truthy(args[0]) and truthy(args[1])


@_op("or")
def _or(call: Call, args: list[Any]) -> Any:
    return truthy(args[0]) or truthy(args[1])


# ---------------------------------------------------------------------------------------------
# tier 1: text


@_op("concat")
def _concat(call: Call, args: list[Any]) -> Any:
    parts: list[str] = []
    room = MAX_VALUE_SIZE
    for v in args:
        t = _text(call, "concat", v, room)
        if isinstance(t, ErrorValue):
            return t
        parts.append(t)
        room -= len(t)
    return "".join(parts)


@_op("length")
def _length(call: Call, args: list[Any]) -> Any:
    (x,) = args
    if isinstance(x, (str, list, dict)):
        return len(x)
    return call.error(f"length needs a string, list or dict, got {_desc(x)}")


@_op("to_str")
def _to_str(call: Call, args: list[Any]) -> Any:
    return _text(call, "to_str", args[0])


@_op("to_num")
def _to_num(call: Call, args: list[Any]) -> Any:
    (x,) = args
    if x is True or x is False:
        return int(x)
    if is_number(x):
        return x
    if isinstance(x, str):
        n = parse_number(x)
        if n is None:
            return call.error(f"to_num: cannot parse {_show(x)} as a number")
        return _checked(call, f"to_num({_show(x)})", n)
    return call.error(f"to_num needs a string, number or boolean, got {_desc(x)}")


_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{\}|\{|\}")


@_op("format")
def _format(call: Call, args: list[Any]) -> Any:
    template = call.value
    if not isinstance(template, str):
        return call.error(f"format: the template (value) must be a string, got {_desc(template)}")
    count = 0
    for m in _TEMPLATE_TOKEN.finditer(template):
        token = m.group()
        if token == "{}":
            count += 1
        elif token in ("{", "}"):
            return call.error(
                f"format: lone {token!r} at position {m.start()} in the template {_show(template)} "
                "(write {{ or }} for a literal brace)"
            )
    if count != len(args):
        return call.error(
            f"format: the template {_show(template)} has {count} placeholder"
            f"{'s' if count != 1 else ''} but got {len(args)} input{'s' if len(args) != 1 else ''}"
        )
    out: list[str] = []
    pos = 0
    i = 0
    room = MAX_VALUE_SIZE - len(template)
    for m in _TEMPLATE_TOKEN.finditer(template):
        out.append(template[pos : m.start()])
        token = m.group()
        if token == "{}":
            t = _text(call, "format", args[i], room)
            if isinstance(t, ErrorValue):
                return t
            out.append(t)
            room -= len(t)
            i += 1
        else:
            out.append(token[0])
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)


def _texts(call: Call, op: str, args: list[Any]) -> list[str] | ErrorValue:
    """``to_str`` of every input: string ops coerce their inputs (LEXIS overview, phase 24)."""
    out: list[str] = []
    for v in args:
        t = _text(call, op, v)
        if isinstance(t, ErrorValue):
            return t
        out.append(t)
    return out


def _make_text_op(op: str, fn: Callable[[list[str]], Any]) -> Builtin:
    def run(call: Call, args: list[Any]) -> Any:
        texts = _texts(call, op, args)
        if isinstance(texts, ErrorValue):
            return texts
        return fn(texts)

    return run


_IMPLS["upper"] = _make_text_op("upper", lambda t: t[0].upper())
_IMPLS["lower"] = _make_text_op("lower", lambda t: t[0].lower())
_IMPLS["trim"] = _make_text_op("trim", lambda t: t[0].strip())
_IMPLS["starts_with"] = _make_text_op("starts_with", lambda t: t[0].startswith(t[1]))
_IMPLS["ends_with"] = _make_text_op("ends_with", lambda t: t[0].endswith(t[1]))


@_op("replace")
def _replace(call: Call, args: list[Any]) -> Any:
    texts = _texts(call, "replace", args)
    if isinstance(texts, ErrorValue):
        return texts
    s, old, new = texts
    if len(new) > len(old):
        hits = len(s) + 1 if old == "" else s.count(old)
        size = len(s) + hits * (len(new) - len(old))
        if size > MAX_STRING_LENGTH:
            return call.error(
                f"replace: the result would have {size} characters "
                f"(the limit is {MAX_STRING_LENGTH})"
            )
    return s.replace(old, new)


@_op("split")
def _split(call: Call, args: list[Any]) -> Any:
    texts = _texts(call, "split", args)
    if isinstance(texts, ErrorValue):
        return texts
    s, delim = texts
    return list(s) if delim == "" else s.split(delim)


@_op("contains")
def _contains(call: Call, args: list[Any]) -> Any:
    haystack, needle = args
    if isinstance(haystack, str):
        t = _text(call, "contains", needle)
        return t if isinstance(t, ErrorValue) else t in haystack
    if isinstance(haystack, list):
        tick = _tick(call, "contains")
        for k, x in enumerate(haystack):
            if tick is not None and not k & 0xFFF:
                tick()
            if lexis_equal(x, needle, tick):
                return True
        return False
    if isinstance(haystack, dict):
        return isinstance(needle, str) and needle in haystack
    return call.error(f"contains needs a string, list or dict to search, got {_desc(haystack)}")


# ---------------------------------------------------------------------------------------------
# tier 1: sequences and control


@_op("sequence")
def _sequence(call: Call, args: list[Any]) -> Any:
    return list(args)


@_op("index")
def _index(call: Call, args: list[Any]) -> Any:
    seq, i = args
    if not isinstance(seq, (list, str)):
        hint = " (use get for dicts)" if isinstance(seq, dict) else ""
        return call.error(f"index needs a list or string, got {_desc(seq)}{hint}")
    if not _is_int(i):
        return call.error(f"index: the position must be an integer, got {_desc(i)}")
    n = len(seq)
    if not -n <= i < n:
        what = "string" if isinstance(seq, str) else "list"
        return call.error(f"index {_show(i)} out of range for a {what} of length {n}")
    return seq[i]


def _count(start: int, stop: int, step: int) -> int:
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


@_op("range")
def _range(call: Call, args: list[Any]) -> Any:
    for v in args:
        if not _is_int(v):
            return call.error(f"range needs integers, got {', '.join(_desc(a) for a in args)}")
    start, stop = args[0], args[1]
    if len(args) == 3:
        step = args[2]
        if step == 0:
            return call.error(
                f"range: step must not be 0 (range({_show(start)}, {_show(stop)}, 0))"
            )
    else:
        step = 1 if stop >= start else -1
    n = _count(start, stop, step)
    if n > RANGE_LIMIT:
        return call.error(
            f"range({_show(start)}, {_show(stop)}, {_show(step)}) would have {_show(n)} elements "
            f"(the limit is {RANGE_LIMIT})"
        )
    return list(range(start, stop, step))


@_op("select")
def _select(call: Call, args: list[Any]) -> Any:
    cond, then, otherwise = args
    if isinstance(cond, ErrorValue):
        return cond
    return then if truthy(cond) else otherwise


@_op("try_or")
def _try_or(call: Call, args: list[Any]) -> Any:
    x, fallback = args
    return fallback if isinstance(x, ErrorValue) else x


@_op("is_error")
def _is_error(call: Call, args: list[Any]) -> Any:
    return isinstance(args[0], ErrorValue)


@_op("try_catch")
def _try_catch(call: Call, args: list[Any]) -> Any:
    (x,) = args
    if isinstance(x, ErrorValue):
        return {"ok": False, "value": None, "error": x.message}
    return {"ok": True, "value": x, "error": None}


@_op("comment")
def _comment(call: Call, args: list[Any]) -> Any:
    return args[0]


@_op("assert")
def _assert(call: Call, args: list[Any]) -> Any:
    cond, x = args
    if truthy(cond):
        return x
    label = call.value
    message = label if isinstance(label, str) and label.strip() else "assertion failed"
    return call.error(message)


# ---------------------------------------------------------------------------------------------
# tier 2: strings, dicts and sequences


@_op("slice")
def _slice(call: Call, args: list[Any]) -> Any:
    seq = args[0]
    if not isinstance(seq, (list, str)):
        return call.error(f"slice needs a list or string, got {_desc(seq)}")
    bounds = args[1:]
    for v in bounds:
        if not _is_int(v):
            return call.error(
                f"slice: start and end must be integers, got {', '.join(_desc(b) for b in bounds)}"
            )
    end = bounds[1] if len(bounds) == 2 else None
    return seq[bounds[0] : end]


def _key_error(call: Call, op: str, key: Any) -> ErrorValue | None:
    if isinstance(key, str):
        return None
    return call.error(f"{op}: dict keys are strings, got {_desc(key)}")


@_op("dict")
def _dict(call: Call, args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for k, v in zip(args[::2], args[1::2]):
        err = _key_error(call, "dict", k)
        if err is not None:
            return err
        out[k] = v
    return out


def _need_dict(call: Call, op: str, d: Any) -> ErrorValue | None:
    if isinstance(d, dict):
        return None
    return call.error(f"{op} needs a dict, got {_desc(d)}")


def _keys_text(d: dict[str, Any]) -> str:
    keys = [_show(k) for k in list(d)[:10]]
    more = ", ..." if len(d) > 10 else ""
    return ", ".join(keys) + more if keys else "none"


@_op("get")
def _get(call: Call, args: list[Any]) -> Any:
    d, key = args
    err = _need_dict(call, "get", d) or _key_error(call, "get", key)
    if err is not None:
        return err
    if key not in d:
        return call.error(f"get: no key {_show(key)} in the dict (keys: {_keys_text(d)})")
    return d[key]


@_op("keys")
def _keys(call: Call, args: list[Any]) -> Any:
    (d,) = args
    return _need_dict(call, "keys", d) or list(d)


@_op("values")
def _values(call: Call, args: list[Any]) -> Any:
    (d,) = args
    return _need_dict(call, "values", d) or list(d.values())


@_op("items")
def _items(call: Call, args: list[Any]) -> Any:
    (d,) = args
    err = _need_dict(call, "items", d)
    if err is not None:
        return err
    pairs = list(d.items())  # C speed; the lists below in chunks, watching the clock
    return _in_chunks(call, "items", len(pairs), lambda i, j: [[k, v] for k, v in pairs[i:j]])


@_op("set")
def _set(call: Call, args: list[Any]) -> Any:
    d, key, v = args
    err = _need_dict(call, "set", d) or _key_error(call, "set", key)
    if err is not None:
        return err
    out = dict(d)
    out[key] = v
    return out


@_op("delete_key")
def _delete_key(call: Call, args: list[Any]) -> Any:
    d, key = args
    err = _need_dict(call, "delete_key", d) or _key_error(call, "delete_key", key)
    if err is not None:
        return err
    out = dict(d)
    out.pop(key, None)
    return out


@_op("has_key")
def _has_key(call: Call, args: list[Any]) -> Any:
    d, key = args
    return isinstance(d, dict) and isinstance(key, str) and key in d


@_op("sort")
def _sort(call: Call, args: list[Any]) -> Any:
    (seq,) = args
    if not isinstance(seq, list):
        return call.error(f"sort needs a list, got {_desc(seq)}")
    tick = _tick(call, "sort")
    types = _types(seq, tick)
    if types <= _NUMBER_TYPES or types == {str}:
        return _sorted(seq, tick)
    first = seq[0]
    kind_ok: Callable[[Any], bool] = (
        is_number if is_number(first) else (lambda x: isinstance(x, str))
    )
    if not kind_ok(first):
        return call.error(f"sort needs all numbers or all strings, got {_desc(first)} at 0")
    tick = _tick(call, "sort")
    bad = 0
    for bad, x in enumerate(seq):
        if tick is not None and not bad & 0xFFF:
            tick()
        if not kind_ok(x):
            break
    return call.error(
        f"sort needs all numbers or all strings, got {_desc(first)} at 0 "
        f"and {_desc(seq[bad])} at {bad}"
    )


_NUMBER_TYPES = frozenset({int, float})
_SORT_CHUNK = 1 << 15


def _types(seq: list[Any], tick: Tick | None) -> set[type]:
    """The types of the elements of ``seq``, in chunks with a ``tick`` between them."""
    if tick is None or len(seq) <= _SORT_CHUNK * 4:
        return set(map(type, seq))
    out: set[type] = set()
    for i in range(0, len(seq), _SORT_CHUNK * 4):
        out.update(map(type, seq[i : i + _SORT_CHUNK * 4]))
        tick()
    return out


def _sorted(seq: list[Any], tick: Tick | None) -> list[Any]:
    """``sorted(seq)`` (stable), in steps of a bounded size with a ``tick`` between them: runs of
    ``_SORT_CHUNK`` elements are sorted, then merged pairwise a bounded slice at a time."""
    if tick is None or len(seq) <= _SORT_CHUNK:
        return sorted(seq)
    runs = []
    for i in range(0, len(seq), _SORT_CHUNK):
        runs.append(sorted(seq[i : i + _SORT_CHUNK]))
        tick()
    while len(runs) > 1:
        merged = [_merge_runs(runs[k], runs[k + 1], tick) for k in range(0, len(runs) - 1, 2)]
        if len(runs) % 2:
            merged.append(runs[-1])
        runs = merged
    return runs[0]


def _merge_runs(a: list[Any], b: list[Any], tick: Tick) -> list[Any]:
    """The stable merge of sorted ``a`` and ``b`` (``a``'s elements first among equals), made
    of pieces of at most ``2 * _SORT_CHUNK`` elements, each merged by ``sorted``."""
    out: list[Any] = []
    ia = ib = 0
    na, nb = len(a), len(b)
    while ia < na or ib < nb:
        tick()
        ea, eb = min(ia + _SORT_CHUNK, na), min(ib + _SORT_CHUNK, nb)
        if ea == na and eb == nb:
            out.extend(sorted(a[ia:] + b[ib:]))
            break
        if eb == nb or (ea < na and a[ea] <= b[eb]):
            # Up to a[ea]: a[ia:ea] and the elements of b below a[ea] (equal ones come after).
            jb = bisect.bisect_left(b, a[ea], ib, eb)
            out.extend(sorted(a[ia:ea] + b[ib:jb]))
            ia, ib = ea, jb
        else:
            # Up to b[eb]: b[ib:eb] and the elements of a up to b[eb] (equal ones come first).
            ja = bisect.bisect_right(a, b[eb], ia, ea)
            out.extend(sorted(a[ia:ja] + b[ib:eb]))
            ia, ib = ja, eb
    return out


@_op("reverse")
def _reverse(call: Call, args: list[Any]) -> Any:
    (seq,) = args
    if isinstance(seq, (list, str)):
        return seq[::-1]
    return call.error(f"reverse needs a list or string, got {_desc(seq)}")


@_op("merge")
def _merge(call: Call, args: list[Any]) -> Any:
    a, b = args
    err = _need_dict(call, "merge", a) or _need_dict(call, "merge", b)
    if err is not None:
        return err
    return {**a, **b}


@_op("zip")
def _zip(call: Call, args: list[Any]) -> Any:
    a, b = args
    if not (isinstance(a, list) and isinstance(b, list)):
        return call.error(f"zip needs two lists, got {_desc(a)} and {_desc(b)}")
    n = min(len(a), len(b))
    return _in_chunks(call, "zip", n, lambda i, j: [[x, y] for x, y in zip(a[i:j], b[i:j])])


@_op("flatten")
def _flatten(call: Call, args: list[Any]) -> Any:
    (seq,) = args
    if not isinstance(seq, list):
        return call.error(f"flatten needs a list, got {_desc(seq)}")
    tick = _tick(call, "flatten")
    out: list[Any] = []
    for k, x in enumerate(seq):
        if tick is not None and not k & 0xFFF:
            tick()
        if isinstance(x, list):
            # Checked before it grows: a list that holds one long list many times would
            # flatten into a huge one.
            if len(out) + len(x) > MAX_VALUE_SIZE:
                total = len(out) + sum(len(y) if isinstance(y, list) else 1 for y in seq[k:])
                return call.error(
                    f"flatten: the result would have {total:,} elements "
                    f"(the limit is {MAX_VALUE_SIZE:,})"
                )
            out.extend(x)
        else:
            out.append(x)
    return out


def _in_chunks(call: Call, op: str, n: int, make: Callable[[int, int], list[Any]]) -> list[Any]:
    """``make(0, n)``, built as ``make(i, j)`` pieces of a bounded size with the clock checked
    between them when ``n`` is large."""
    if n <= _SORT_CHUNK:
        return make(0, n)
    tick = _tick(call, op)
    out: list[Any] = []
    for i in range(0, n, _SORT_CHUNK):
        out.extend(make(i, min(i + _SORT_CHUNK, n)))
        if tick is not None:
            tick()
    return out


def _check_time(call: Call, op: str) -> None:
    """Long loops over big values call this now and then: past the run's deadline (when the
    call has one) the run stops, rather than finishing a builtin that takes many seconds."""
    deadline = getattr(call, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise LimitReached(f"time limit reached during `{op}`", call.node_id)


def _eq_key(v: Any) -> Any:
    """A hashable key such that ``_eq_key(a) == _eq_key(b)`` exactly when ``lexis_equal(a, b)``,
    for values that are not lists or dicts (those are keyed by :class:`_Keys`)."""
    if v is True or v is False:
        return ("b", v)
    if is_number(v):
        return ("n", v)  # 1 == 1.0 and hash(1) == hash(1.0)
    if isinstance(v, str):
        return ("s", v)
    if v is None:
        return ("z",)
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return ("o", type(v), v)


class _Keys:
    """Keys for ``lexis_equal`` classes of values, lists and dicts included: each distinct list
    or dict gets a number, the same for equal ones (hash-consing), so a part shared many times
    is keyed once and a key is small whatever the value's size. Iterative (no recursion)."""

    def __init__(self, tick: Tick | None) -> None:
        self.table: dict[Any, int] = {}  # (kind, keys of the elements) -> number
        self.memo: dict[int, Any] = {}  # id(list or dict) -> key; the caller keeps them alive
        self.tick = tick
        self.work = 0

    def key(self, v: Any) -> Any:
        t = type(v)
        if t is not list and t is not dict:
            if isinstance(v, (list, dict)):  # a subclass: keyed as its plain copy
                return self.key(list(v) if isinstance(v, list) else dict(v))
            return _eq_key(v)
        memo = self.memo
        found = memo.get(id(v))
        if found is not None:
            return found
        stack: list[Any] = [v]
        while stack:
            obj = stack[-1]
            if id(obj) in memo:
                stack.pop()
                continue
            items = obj if type(obj) is list else obj.values()
            pending = [
                x for x in items if (type(x) is list or type(x) is dict) and id(x) not in memo
            ]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self.work += len(obj) + 1
            if self.tick is not None and self.work > 16_384:
                self.work = 0
                self.tick()
            one = self._one
            if type(obj) is list:
                struct: Any = ("l", tuple([one(x) for x in obj]))
            else:
                struct = ("d", frozenset([(k, one(x)) for k, x in obj.items()]))
            memo[id(obj)] = ("c", self.table.setdefault(struct, len(self.table)))
        return memo[id(v)]

    def _one(self, x: Any) -> Any:
        t = type(x)
        if t is list or t is dict:
            return self.memo[id(x)]
        return self.key(x)


@_op("unique")
def _unique(call: Call, args: list[Any]) -> Any:
    (seq,) = args
    if not isinstance(seq, list):
        return call.error(f"unique needs a list, got {_desc(seq)}")
    tick = _tick(call, "unique")
    types = _types(seq, tick)
    if types <= _PLAIN_KEYS:  # no booleans (true == 1 in Python): the values are their keys
        kept: dict[Any, None] = {}
        for i in range(0, len(seq), _SORT_CHUNK):
            kept.update(dict.fromkeys(seq[i : i + _SORT_CHUNK]))  # first occurrences stay
            if tick is not None:
                tick()
        return list(kept)
    keys = _Keys(tick)
    seen: set[Any] = set()
    out: list[Any] = []
    for k, x in enumerate(seq):
        if tick is not None and not k & 0xFFF:
            tick()
        key = keys.key(x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


_PLAIN_KEYS = frozenset({int, float, str, type(None)})


def _make_take_drop(op: str) -> Builtin:
    def run(call: Call, args: list[Any]) -> Any:
        seq, n = args
        if not isinstance(seq, list):
            return call.error(f"{op} needs a list, got {_desc(seq)}")
        if not _is_int(n):
            return call.error(f"{op}: the count must be an integer, got {_desc(n)}")
        n = max(0, n)
        return seq[:n] if op == "take" else seq[n:]

    return run


_IMPLS["take"] = _make_take_drop("take")
_IMPLS["drop"] = _make_take_drop("drop")


@_op("enumerate")
def _enumerate(call: Call, args: list[Any]) -> Any:
    (seq,) = args
    if not isinstance(seq, list):
        return call.error(f"enumerate needs a list, got {_desc(seq)}")
    return _in_chunks(
        call, "enumerate", len(seq), lambda i, j: [[k, x] for k, x in enumerate(seq[i:j], i)]
    )


@_op("type_of")
def _type_of(call: Call, args: list[Any]) -> Any:
    return type_name(args[0])


# ---------------------------------------------------------------------------------------------
# tier 4: GUI descriptors


def _config(
    call: Call, op: str, defaults: dict[str, Any], reserved: tuple[str, ...]
) -> dict[str, Any] | ErrorValue:
    """The descriptor fields from an optional config ``value``: defaults, checked, plus extras."""
    config = call.value
    if config is None:
        config = {}
    if not isinstance(config, dict):
        return call.error(f"{op}: the config (value) must be an object, got {_desc(config)}")
    out = dict(defaults)
    for key, v in config.items():
        if key in reserved:
            return call.error(f"{op}: {_show(key)} is reserved and cannot be set in the value")
        if key == "title" and not isinstance(v, str):
            return call.error(f"{op}: the title must be a string, got {_desc(v)}")
        if key in ("width", "height") and not (_is_int(v) and v > 0):
            return call.error(f"{op}: {key} must be a positive integer, got {_desc(v)}")
        out[key] = v
    return out


def _is_descriptor(v: Any, kinds: frozenset[str]) -> bool:
    if not isinstance(v, dict):
        return False
    kind = v.get("kind")
    return isinstance(kind, str) and kind in kinds


@_op("gui_window")
def _gui_window(call: Call, args: list[Any]) -> Any:
    fields = _config(call, "gui_window", WINDOW_DEFAULTS, ("kind", "children"))
    if isinstance(fields, ErrorValue):
        return fields
    children: list[Any] = []
    tick = _tick(call, "gui_window")
    for i, child in enumerate(args):
        parts = child if isinstance(child, list) else [child]
        for k, part in enumerate(parts):
            if tick is not None and not k & 0xFFF:
                tick()
            if not _is_descriptor(part, _CHILD_KINDS):
                return call.error(
                    f"gui_window: child {i} must be a widget, canvas or state descriptor "
                    f"(or a list of them), got {_desc(part)}"
                )
            children.append(part)
    return {"kind": "window", **fields, "children": children}


def _discriminated(
    call: Call, op: str, key: str, allowed: tuple[str, ...], reserved: tuple[str, ...]
) -> dict[str, Any] | ErrorValue:
    value = call.value
    if not isinstance(value, dict):
        return call.error(f"{op}: the value must be an object with a {key!r}, got {_desc(value)}")
    kind = value.get(key)
    if kind not in allowed:
        what = f"unknown {key} {_show(kind)}" if key in value else f"missing {key!r}"
        return call.error(f"{op}: {what}; {key} is one of: {', '.join(allowed)}")
    for r in reserved:
        if r in value:
            return call.error(f"{op}: {_show(r)} is reserved and cannot be set in the value")
    return {key: kind, **{k: v for k, v in value.items() if k != key}}


@_op("gui_widget")
def _gui_widget(call: Call, args: list[Any]) -> Any:
    fields = _discriminated(call, "gui_widget", "type", WIDGET_TYPES, ("kind", "children"))
    if isinstance(fields, ErrorValue):
        return fields
    return {"kind": "widget", **fields, "children": list(args)}


@_op("gui_canvas")
def _gui_canvas(call: Call, args: list[Any]) -> Any:
    fields = _config(call, "gui_canvas", CANVAS_DEFAULTS, ("kind", "commands"))
    if isinstance(fields, ErrorValue):
        return fields
    (commands,) = args
    if _is_descriptor(commands, frozenset({"draw"})):
        commands = [commands]
    if not isinstance(commands, list):
        return call.error(f"gui_canvas needs a list of draw commands, got {_desc(commands)}")
    tick = _tick(call, "gui_canvas")
    for i, c in enumerate(commands):
        if tick is not None and not i & 0xFFF:
            tick()
        if not _is_descriptor(c, frozenset({"draw"})):
            return call.error(f"gui_canvas: command {i} is not a draw command: {_desc(c)}")
    return {"kind": "canvas", **fields, "commands": list(commands)}


@_op("gui_draw")
def _gui_draw(call: Call, args: list[Any]) -> Any:
    fields = _discriminated(call, "gui_draw", "shape", DRAW_SHAPES, ("kind", "points"))
    if isinstance(fields, ErrorValue):
        return fields
    return {"kind": "draw", **fields, "points": list(args)}


@_op("gui_state")
def _gui_state(call: Call, args: list[Any]) -> Any:
    name = call.value
    if not isinstance(name, str) or not name:
        return call.error(f"gui_state: the value must be the state's name, got {_desc(name)}")
    return {"kind": "state", "name": name, "initial": args[0] if args else None}


# ---------------------------------------------------------------------------------------------
# tier 5


@_op("emit_node")
def _emit_node(call: Call, args: list[Any]) -> Any:
    node_id, op, inputs = args
    if not isinstance(node_id, str):
        return call.error(f"emit_node: the id must be a string, got {_desc(node_id)}")
    if not isinstance(op, str):
        return call.error(f"emit_node: the op must be a string, got {_desc(op)}")
    if not isinstance(inputs, list) or not all(
        issubclass(t, str) for t in _types(inputs, _tick(call, "emit_node"))
    ):
        return call.error(f"emit_node: inputs must be a list of node ids, got {_desc(inputs)}")
    return {"id": node_id, "op": op, "inputs": list(inputs)}


# ---------------------------------------------------------------------------------------------
# the table


def _wrap(name: str, fn: Builtin) -> Builtin:
    arity = OPCODES[name].arity
    propagates = name not in NON_PROPAGATING

    def builtin(call: Call, args: list[Any]) -> Any:
        if propagates:
            for a in args:
                if isinstance(a, ErrorValue):
                    return a
        if not arity.accepts(len(args)):
            return call.error(f"{name} takes {arity.phrase()}, got {len(args)}")
        try:
            return fn(call, list(args))
        except RecursionError:
            return call.error(f"{name}: the value is nested too deeply")

    builtin.__name__ = builtin.__qualname__ = f"builtin_{name}"
    builtin.__doc__ = OPCODES[name].semantics
    return builtin


BUILTINS: dict[str, Builtin] = {name: _wrap(name, fn) for name, fn in sorted(_IMPLS.items())}
PURE_BUILTIN_OPS = frozenset(BUILTINS)

__all__ = [
    "BUILTINS",
    "CANVAS_DEFAULTS",
    "MAX_INT_DIGITS",
    "NON_PROPAGATING",
    "PURE_BUILTIN_OPS",
    "RANGE_LIMIT",
    "WINDOW_DEFAULTS",
    "Builtin",
]
