"""LX1015: constant-value flow analysis.

Each node gets an abstract value: a known constant, a set of possible types, "certainly an error
value", or unknown. Walking each graph in schedule order, a node whose inputs make an error value
certain (a division by a constant 0, ``sqrt`` of a negative constant, ``add`` of a string, an
index past the end of a constant list, ...) is reported once; the nodes downstream of it, which
merely propagate that error, are not (no cascades).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Severity, make
from ..model import MISSING, Graph, Node, schedule
from ..opcodes import NON_PROPAGATING_OPS, OPCODES
from ..values import is_number, lexis_equal, parse_number, to_str, truthy, type_name
from .base import Context, json_text

NUM, STR, BOOL, NULL, SEQ, DICT, FUNC = "NUM", "STR", "BOOL", "NULL", "SEQ", "DICT", "FUNC"
ALL = frozenset({NUM, STR, BOOL, NULL, SEQ, DICT, FUNC})

_RESULT_TYPES: dict[str, frozenset[str]] = {}
for _types, _ops in (
    ({STR}, "to_str concat format upper lower trim replace type_of read_file read_stdin param"),
    ({NUM}, "length floor ceil round sqrt add sub mul div mod power random to_num"),
    ({BOOL}, "gt lt eq gte lte not and or starts_with ends_with contains is_error has_key"),
    (
        {SEQ},
        "sequence range split keys values items sort zip flatten unique take drop enumerate map filter",
    ),
    (
        {DICT},
        "dict set delete_key merge try_catch gui_window gui_widget gui_canvas gui_draw emit_node "
        "reflect quote http_request eval",
    ),
    ({FUNC}, "subgraph_def compose build_subgraph"),
):
    for _op in _ops.split():
        _RESULT_TYPES[_op] = frozenset(_types)

_NUMERIC = frozenset({"add", "sub", "mul", "div", "mod", "power", "floor", "ceil", "round", "sqrt"})
_ORDERING = frozenset({"gt", "lt", "gte", "lte"})
# Ops with a rule below that can find an error or follow a value even with unknown inputs;
# any other op with not-all-constant inputs just gets its result type.
_EVALUATED = (
    _NUMERIC
    | _ORDERING
    | {
        "const",
        "length",
        "to_num",
        "index",
        "get",
        "keys",
        "values",
        "items",
        "range",
        "sort",
        "assert",
        "select",
        "print",
        "comment",
        "delay",
        "try_or",
    }
)
_MAX_FOLD_LEN = 10_000


@dataclass(frozen=True, slots=True)
class Abs:
    """An abstract value: ``known`` (with ``value``), a type set, or ``error``."""

    types: frozenset[str]
    known: bool = False
    value: Any = None
    error: bool = False


UNKNOWN = Abs(ALL)
ERROR = Abs(frozenset(), error=True)


_SINGLE = {t: frozenset({t}) for t in ALL | {"ERROR"}}
_RESULT_ABS = {op: Abs(types) for op, types in _RESULT_TYPES.items()}


def const(v: Any) -> Abs:
    return Abs(_SINGLE[type_name(v)], True, v)


class _Certain(Exception):
    """Raised by a rule when the node will certainly produce an error value."""


def check_flow(ctx: Context) -> None:
    for graph in ctx.program.graphs:
        ctx.flow[graph] = _flow_graph(ctx, graph)


def _flow_graph(ctx: Context, graph: Graph) -> dict[str, Abs]:
    """The abstract value of every scheduled node of ``graph`` (kept for incremental updates:
    see ``lexis_ls/lang/incremental.py``)."""
    order, _ = schedule(graph)
    state: dict[str, Abs] = {}  # node id -> abstract value (ids resolve to their first node)
    by_id = graph.by_id
    for node in order:
        flow_node(ctx, node, state, by_id)
    return state


def flow_node(ctx: Context, node: Node, state: dict[str, Abs], by_id: dict[str, Node]) -> None:
    """Evaluates one node from the abstract values of its inputs in ``state``: sets its own
    value there and reports LX1015 when an error value is certain."""
    op = node.op
    nid = node.id
    if nid is None or by_id.get(nid) is not node:
        return  # nobody can refer to it, and findings on it are the id checks' business
    if op is None or node.skip or op not in OPCODES:
        state[nid] = UNKNOWN
        return
    args = [state.get(i, UNKNOWN) if type(i) is str else UNKNOWN for i in node.inputs]
    error = known = False
    if args:
        known = True
        for a in args:
            if a.error:
                error = True
            if not a.known:
                known = False
    if error and op not in NON_PROPAGATING_OPS and op != "select":
        state[nid] = ERROR
        return
    if op not in _EVALUATED and not known:
        state[nid] = _RESULT_ABS.get(op, UNKNOWN)  # nothing to learn: just its type
        return
    try:
        state[nid] = _evaluate(node, op, args)
    except _Certain as why:
        state[nid] = ERROR
        span = node.op_span()
        ctx.add(
            make(
                "LX1015",
                span.start,
                span.end,
                f"{node.label} (`{op}`) will always produce an error value: {why}",
                "the error value flows to every node that uses this one; fix the inputs or catch it with `try_or`",
                severity=Severity.WARNING,
            )
        )
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError):
        state[nid] = UNKNOWN


def same_abs(a: Abs, b: Abs) -> bool:
    """``a`` and ``b`` behave identically for every consumer and in every message (stricter
    than ``==``, for which ``1 == 1.0 == True`` and ``0.0 == -0.0``)."""
    if a is b:
        return True
    if a.types != b.types or a.known != b.known or a.error != b.error:
        return False
    if not a.known:
        return True
    try:
        return same_value(a.value, b.value)
    except RecursionError:
        return False


def same_value(x: Any, y: Any) -> bool:
    t = type(x)
    if t is not type(y):
        return False
    if t is float:
        return repr(x) == repr(y)
    if t is list:
        return len(x) == len(y) and all(same_value(a, b) for a, b in zip(x, y))
    if t is dict:
        return list(x) == list(y) and all(same_value(x[k], y[k]) for k in x)
    return bool(x == y)


def _describe(a: Abs) -> str:
    if a.known:
        v = a.value
        text = json_text(v)
        if len(text) > 40:
            text = text[:37] + "..."
        kind = {
            NUM: "the number",
            STR: "the string",
            BOOL: "the boolean",
            NULL: "",
            SEQ: "the list",
            DICT: "the dict",
        }.get(type_name(v), "")
        return f"{kind} {text}".strip()
    names = sorted(a.types)
    return "a " + "/".join(n.lower() for n in names) + " value"


def _evaluate(node: Node, op: str, args: list[Abs]) -> Abs:
    value = node.value
    if op == "const":
        return const(value) if value is not MISSING else UNKNOWN
    n = len(args)
    known = n > 0
    for a in args:
        if not a.known:
            known = False
            break
    vals = [a.value for a in args]

    if op in _NUMERIC:
        for k, a in enumerate(args):
            if NUM not in a.types:
                raise _Certain(f"`{op}` needs numbers, but input {k + 1} is {_describe(a)}")
        if op in ("div", "mod") and n == 2 and args[1].known and args[1].value == 0:
            raise _Certain(
                ("division" if op == "div" else "modulo")
                + " by zero (the divisor is the constant 0)"
            )
        if op == "sqrt" and known and vals[0] < 0:
            raise _Certain(f"the square root of the negative constant {json_text(vals[0])}")
        if op == "power" and known and n == 2 and vals[0] < 0 and not float(vals[1]).is_integer():
            raise _Certain(f"{json_text(vals[0])} ** {json_text(vals[1])} is a complex number")
        if known:
            return _fold_numeric(op, vals)
        return Abs(frozenset({NUM}))

    if op in _ORDERING and n == 2:
        a, b = args
        if not ((NUM in a.types and NUM in b.types) or (STR in a.types and STR in b.types)):
            raise _Certain(
                f"`{op}` compares numbers with numbers or strings with strings, not {_describe(a)} with {_describe(b)}"
            )
        if known:
            x, y = vals
            return const({"gt": x > y, "lt": x < y, "gte": x >= y, "lte": x <= y}[op])
        return Abs(frozenset({BOOL}))

    if op == "length" and n == 1:
        a = args[0]
        if not a.types & {STR, SEQ, DICT}:
            raise _Certain(f"`length` of {_describe(a)} (only strings, lists and dicts have one)")
        return const(len(vals[0])) if known else Abs(frozenset({NUM}))

    if op == "to_num" and n == 1:
        a = args[0]
        if not a.types & {STR, NUM, BOOL}:
            raise _Certain(f"`to_num` of {_describe(a)}")
        if known and isinstance(vals[0], str):
            parsed = parse_number(vals[0])
            if parsed is None:
                raise _Certain(f"{json_text(vals[0])} is not a number")
            return const(parsed)
        return Abs(frozenset({NUM}))

    if op == "index" and n == 2:
        seq, i = args
        if not seq.types & {SEQ, STR}:
            raise _Certain(f"`index` into {_describe(seq)} (only lists and strings)")
        if NUM not in i.types or (i.known and type(i.value) is not int):
            raise _Certain(f"the index must be an integer, not {_describe(i)}")
        if known:
            size = len(vals[0])
            if not -size <= vals[1] < size:
                raise _Certain(f"index {vals[1]} is out of range for a length of {size}")
            return const(vals[0][vals[1]])
        return UNKNOWN

    if op == "get" and n == 2:
        dct = args[0]
        if DICT not in dct.types:
            raise _Certain(f"`get` from {_describe(dct)} (only dicts)")
        if known and isinstance(vals[0], dict) and vals[1] not in vals[0]:
            raise _Certain(f"the key {json_text(vals[1])} is not in the dict")
        return const(vals[0][vals[1]]) if known else UNKNOWN

    if op in ("keys", "values", "items") and n == 1 and DICT not in args[0].types:
        raise _Certain(f"`{op}` of {_describe(args[0])} (only dicts)")

    if op == "range" and n in (2, 3):
        for k, a in enumerate(args):
            if NUM not in a.types or (a.known and type(a.value) is not int):
                raise _Certain(f"`range` needs integers, but input {k + 1} is {_describe(a)}")
        if known:
            start, stop = vals[0], vals[1]
            step = vals[2] if n == 3 else (1 if stop >= start else -1)
            if step == 0:
                raise _Certain("the step is 0")
            count = max(0, math.ceil((stop - start) / step))
            if count > _MAX_FOLD_LEN:
                raise _Certain(f"it would have {count} elements; the limit is 10,000")
            return const(list(range(start, stop, step)))
        return Abs(frozenset({SEQ}))

    if op == "sort" and n == 1:
        a = args[0]
        if SEQ not in a.types:
            raise _Certain(f"`sort` of {_describe(a)} (only lists)")
        if known:
            kinds = {type_name(v) for v in vals[0]}
            if len(kinds) > 1 or kinds - {NUM, STR}:
                raise _Certain(
                    "the list mixes "
                    + ", ".join(sorted(kinds))
                    + " values; sort needs all numbers or all strings"
                )
            return const(sorted(vals[0]))
        return Abs(frozenset({SEQ}))

    if op == "assert" and n == 2 and args[0].known and not truthy(vals[0]):
        message = value if isinstance(value, str) else "assertion failed"
        raise _Certain(f"its condition is the falsy constant {json_text(vals[0])} ({message})")

    if op == "select" and n == 3:
        cond = args[0]
        if cond.error:
            return ERROR
        if cond.known:
            return args[1] if truthy(cond.value) else args[2]
        if args[1].error or args[2].error:
            return UNKNOWN
        return (
            Abs(args[1].types | args[2].types) if not (args[1].known and args[2].known) else UNKNOWN
        )

    if op in ("print", "comment", "delay") and n >= 1:
        return args[0]
    if op == "try_or" and n == 2:
        if args[0].error:
            return args[1]
        if args[0].known:
            return args[0]
        return UNKNOWN

    if known or n == 0:
        folded = _fold_other(op, vals, value)
        if folded is not None:
            return folded
    types = _RESULT_TYPES.get(op)
    return Abs(types) if types is not None else UNKNOWN


def _fold_numeric(op: str, vals: list[Any]) -> Abs:
    if any(isinstance(v, int) and abs(v) > 10**100 for v in vals):
        return Abs(frozenset({NUM}))
    a = vals[0]
    b = vals[1] if len(vals) > 1 else None
    if op == "add":
        return const(a + b)
    if op == "sub":
        return const(a - b)
    if op == "mul":
        if isinstance(a, int) and isinstance(b, int) and abs(a) * abs(b) > 10**100:
            return Abs(frozenset({NUM}))
        return const(a * b)
    if op == "div":
        if type(a) is int and type(b) is int and a % b == 0:
            return const(a // b)
        return const(a / b)
    if op == "mod":
        return const(a % b)
    if op == "floor":
        return const(math.floor(a))
    if op == "ceil":
        return const(math.ceil(a))
    if op == "sqrt":
        return const(math.sqrt(a))
    return Abs(frozenset({NUM}))


def _fold_other(op: str, vals: list[Any], value: Any) -> Abs | None:
    if op == "sequence":
        return const(list(vals))
    if op == "to_str":
        return const(to_str(vals[0]))
    if op == "concat":
        return const("".join(to_str(v) for v in vals))
    if op == "eq" and len(vals) == 2:
        return const(lexis_equal(vals[0], vals[1]))
    if op == "not" and len(vals) == 1:
        return const(not truthy(vals[0]))
    if op == "type_of" and len(vals) == 1:
        return const(type_name(vals[0]))
    if op == "dict" and len(vals) % 2 == 0 and all(isinstance(k, str) for k in vals[::2]):
        return const(dict(zip(vals[::2], vals[1::2])))
    if op in ("upper", "lower", "trim") and len(vals) == 1 and isinstance(vals[0], str):
        s: str = vals[0]
        return const(s.upper() if op == "upper" else s.lower() if op == "lower" else s.strip())
    return None


__all__ = ["check_flow", "is_number"]
