"""LX1015: constant-value flow analysis.

Each node gets an abstract value: a known constant, a set of possible types, "certainly an error
value", or unknown. Walking each graph in schedule order, a node whose inputs make an error value
certain (a division by a constant 0, ``sqrt`` of a negative constant, ``add`` of a string, an
index past the end of a constant list, ...) is an *origin*, reported once; the nodes downstream
of it, which merely propagate that error, are not (no cascades).

Severity (DIAGNOSTICS.md, LX1015): an error when the error value certainly reaches an effect
(``print``, ``write_file``, a network op, ``gui_render``) or an ``output_port`` of a subgraph,
along a path on which every node passes the error value on unchanged (every op that propagates
errors, ``comment``, the chosen branch of a ``select`` whose condition is constant, the
fallback of a ``try_or`` whose first input is certainly an error); a warning otherwise.

Fixes: a numeric string constant becomes a number when every consumer of it needs a number
(safe); ``get`` with a constant integer key on a list becomes ``index`` (safe when the input is
certainly a list, offered otherwise).

Where an error value goes is computed for every node that certainly holds one, in reverse
schedule order (the first sink of a node is the nearest of its consumers' that the error passes
on to): linear in the size of the graph whatever the number of origins. :class:`FlowState`
keeps it, so that an edit (``lexis_ls/lang/incremental.py``) updates it upstream of the nodes
whose value changed and reports again only the origins whose findings may change.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from .. import stdlib
from ..diagnostics import Evidence, Fix, Related, Severity, TextEdit, make
from ..hashing import std_graph
from ..model import MISSING, Graph, Node, schedule
from ..text import COMPILED
from ..values import is_number, lexis_equal, parse_number, to_str, truthy, type_name
from .base import NON_PROPAGATING_OPS, OPCODES, Context, json_text, op_span

NUM: Final = "NUM"
STR: Final = "STR"
BOOL: Final = "BOOL"
NULL: Final = "NULL"
SEQ: Final = "SEQ"
DICT: Final = "DICT"
FUNC: Final = "FUNC"
ALL: Final = frozenset({NUM, STR, BOOL, NULL, SEQ, DICT, FUNC})

_RESULT_TYPES: Final[dict[str, frozenset[str]]] = {}
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

_NUMERIC: Final = frozenset(
    {"add", "sub", "mul", "div", "mod", "power", "floor", "ceil", "round", "sqrt"}
)
_ORDERING: Final = frozenset({"gt", "lt", "gte", "lte"})
# Ops whose inputs have type rules (`_typed`): a certain type error is found even when not
# every input is a known constant.
_TYPED: Final = frozenset(
    [
        "take",
        "drop",
        "slice",
        "reverse",
        "zip",
        "flatten",
        "unique",
        "enumerate",
        "merge",
        "set",
        "delete_key",
        "contains",
        "dict",
        "map",
        "filter",
        "reduce",
        "iterate",
        "retry",
    ]
)

# Ops with a rule below that can find an error or follow a value even with unknown inputs;
# any other op with not-all-constant inputs just gets its result type.
_EVALUATED: Final = (
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
    | _TYPED
)
_MAX_FOLD_LEN: Final = 10_000
# Values are folded only while small: a few KB of program can describe a value of 10^12 leaves
# (each `sequence` repeating the one before), whose text would never fit in memory. The size
# counts every element and every 64 characters of a string, shared parts as often as they occur.
_MAX_FOLD_SIZE: Final = 100_000


def _small(vals: list[Any]) -> bool:
    """The expanded size of ``vals`` is within :data:`_MAX_FOLD_SIZE` (walked iteratively, so a
    deep value costs no recursion; stops as soon as the budget is spent)."""
    budget = _MAX_FOLD_SIZE
    stack: list[Any] = list(vals)
    while stack:
        v = stack.pop()
        budget -= 1
        if isinstance(v, str):
            budget -= len(v) >> 6
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            budget -= len(v)
            stack.extend(v.values())
        if budget < 0:
            return False
    return True


_set: Final = object.__setattr__


@dataclass(frozen=True, slots=True, init=False)
class Abs:
    """An abstract value: ``known`` (with ``value``), a type set, or ``error``."""

    types: frozenset[str]
    known: bool = False
    value: Any = None
    error: bool = False

    def __init__(
        self, types: frozenset[str], known: bool = False, value: Any = None, error: bool = False
    ) -> None:
        # (as lexis_ls/lang/text.py explains at COMPILED)
        if COMPILED:
            self.types = types  # type: ignore[misc]
            self.known = known  # type: ignore[misc]
            self.value = value  # type: ignore[misc]
            self.error = error  # type: ignore[misc]
        else:
            _set(self, "types", types)
            _set(self, "known", known)
            _set(self, "value", value)
            _set(self, "error", error)


UNKNOWN: Final = Abs(ALL)
ERROR: Final = Abs(frozenset(), error=True)


_SINGLE: Final = {t: frozenset({t}) for t in ALL | {"ERROR"}}
_RESULT_ABS: Final = {op: Abs(types) for op, types in _RESULT_TYPES.items()}


# type_name of a value of exactly these types (looked up without calling it: the flow check
# makes a constant of nearly every value it folds)
_SINGLE_OF_TYPE: Final[dict[type, frozenset[str]]] = {
    int: _SINGLE["NUM"],
    float: _SINGLE["NUM"],
    bool: _SINGLE["BOOL"],
    str: _SINGLE["STR"],
    type(None): _SINGLE["NULL"],
    list: _SINGLE["SEQ"],
    dict: _SINGLE["DICT"],
}


def const(v: Any) -> Abs:
    types = _SINGLE_OF_TYPE.get(type(v))
    return Abs(types if types is not None else _SINGLE[type_name(v)], True, v)


class _Certain(Exception):
    """Raised by a rule when the node will certainly produce an error value."""


# Where an error value that reaches it does harm (DIAGNOSTICS.md, LX1015): effects, and the
# results of a subgraph.
EFFECT_SINKS: Final = frozenset(
    {"print", "write_file", "http_get", "http_post", "http_request", "gui_render"}
)
_SINKS: Final = EFFECT_SINKS | {"output_port"}

# Input positions at which an op needs a number whatever its other inputs are (a string there
# is certainly an error): op -> positions (None: every position).
_NEEDS_NUMBER: Final[dict[str, tuple[int, ...] | None]] = {
    **dict.fromkeys(["add", "sub", "mul", "div", "mod", "power", "range"], None),
    **dict.fromkeys(["floor", "ceil", "sqrt"], (0,)),
    "round": (0, 1),
    "index": (1,),
    "take": (1,),
    "drop": (1,),
    "slice": (1, 2),
    "iterate": (1,),
    "retry": (1,),
}
# Of those, the positions that need an integer (a float there is an error too).
_NEEDS_INT: Final[dict[str, tuple[int, ...] | None]] = {
    "range": None,
    "round": (1,),
    "index": (1,),
    "take": (1,),
    "drop": (1,),
    "slice": (1, 2),
    "iterate": (1,),
    "retry": (1,),
}
# Input positions that need a list (a string is an error there too) or a dict.
_NEEDS_LIST: Final[dict[str, tuple[int, ...]]] = {
    **dict.fromkeys(["sort", "take", "drop", "flatten", "unique", "enumerate"], (0,)),
    **dict.fromkeys(["map", "filter", "reduce"], (0,)),
    "zip": (0, 1),
}
_NEEDS_DICT: Final[dict[str, tuple[int, ...]]] = {
    **dict.fromkeys(["get", "keys", "values", "items", "set", "delete_key"], (0,)),
    "merge": (0, 1),
}
# A JSON integer, exactly.
_JSON_INT: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")
# Numbers written with a unit or with thousands separators ("5kg", "1,000", "$3"): no fix (what
# was meant is not certain), but the message says what the string looks like.
_UNIT_NUMBER: Final = re.compile(r"\s*[$€£]?\s*-?[0-9][0-9.]*\s*[A-Za-z%°µ]+[A-Za-z0-9/²³]*\s*")
_SEPARATED_NUMBER: Final = re.compile(r"\s*-?[0-9]{1,3}(?:[,_' ][0-9]{3})+(?:\.[0-9]+)?\s*")
# A JSON number, exactly (what the numeric-string fix writes back without its quotes).
_JSON_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


@dataclass(eq=False)
class FlowState:
    """What the flow check computed for one graph (kept for incremental updates)."""

    values: dict[str, Abs] = field(default_factory=dict)  # node id -> abstract value
    origins: dict[str, str] = field(default_factory=dict)  # node id -> why its error is certain
    # node id -> the first sink (schedule order) its error value certainly reaches, or None;
    # for every evaluated node whose value is certainly an error.
    sinks: dict[str, Node | None] = field(default_factory=dict)
    # Resolves a subgraph reference (a local name or ``std:NAME``) so that ``map``, ``filter``
    # and ``reduce`` over constant lists can apply it to their constant arguments; None inside
    # such an application (no nesting).
    resolve: Callable[[Any], Graph | None] | None = None
    # The local subgraphs whose contents some value of this graph was computed from (an edit in
    # one of them must evaluate this graph again).
    reads: set[str] = field(default_factory=set)


def check_flow(ctx: Context) -> None:
    for graph in ctx.program.graphs:
        state = FlowState()
        state.resolve = _Resolver(ctx.program.subgraphs, state.reads)
        _flow_graph(graph, state)
        ctx.flow[graph] = state
        if state.origins:
            position = positions(graph)
            order, _ = schedule(graph)
            by_id = graph.by_id
            consumers = graph.consumers
            for node in reversed(order):
                if carries_error(node, state, by_id):
                    state.sinks[node.id] = first_sink(graph, state, node, position, consumers)  # type: ignore[index]
            for node in sorted((by_id[nid] for nid in state.origins), key=position_key(position)):
                report_origin(ctx, graph, state, node)


class _Resolver:
    """Resolves local subgraph names (noting them in ``reads``) and ``std:`` references. A
    class rather than a closure over the context: the flow state is kept with the analysis, and
    must not hold it (no reference cycles: tests/lang/test_no_cycles.py)."""

    __slots__ = ("reads", "subgraphs")

    def __init__(self, subgraphs: dict[str, Graph], reads: set[str]) -> None:
        self.subgraphs = subgraphs
        self.reads = reads

    def __call__(self, ref: Any) -> Graph | None:
        if type(ref) is not str:
            return None
        local = self.subgraphs.get(ref)
        if local is not None:
            self.reads.add(ref)
            return local
        if ref.startswith(stdlib.STD_PREFIX):
            name = ref[len(stdlib.STD_PREFIX) :]
            return std_graph(name) if name in stdlib.entries() else None
        return None


def _flow_graph(graph: Graph, state: FlowState) -> FlowState:
    """The abstract value of every scheduled node of ``graph``, and the origins of errors."""
    order, _ = schedule(graph)
    by_id = graph.by_id
    for node in order:
        flow_node(node, state, by_id)
    return state


def positions(graph: Graph) -> dict[int, int] | None:
    """Schedule positions by ``id(node)``; None when the schedule is document order (then a
    node's position is its ``index``). Stuck nodes (cycles) have no position."""
    order, stuck = schedule(graph)
    if not stuck and order == graph.nodes:
        return None
    return {id(n): k for k, n in enumerate(order)}


def position_key(position: dict[int, int] | None) -> Callable[[Node], int]:
    if position is None:
        return _index_of
    return lambda n: position[id(n)]


def _index_of(node: Node) -> int:
    return node.index


def flow_node(node: Node, state: FlowState, by_id: dict[str, Node]) -> None:
    """Evaluates one node from the abstract values of its inputs in ``state``: sets its own
    value there, and records it as an origin when an error value is certain (it is reported
    by :func:`report_origin` once the values downstream are known)."""
    op = node.op
    nid = node.id
    if nid is None or by_id.get(nid) is not node:
        return  # nobody can refer to it, and findings on it are the id checks' business
    values = state.values
    origins = state.origins
    if origins and nid in origins:  # (evaluated again: incremental updates)
        del origins[nid]
    if op is None or node.skip or op not in OPCODES:
        values[nid] = UNKNOWN
        return
    args = [values.get(i, UNKNOWN) if type(i) is str else UNKNOWN for i in node.inputs]
    error = known = False
    if args:
        known = True
        for a in args:
            if a.error:
                error = True
            if not a.known:
                known = False
    if error and op not in NON_PROPAGATING_OPS and op != "select":
        values[nid] = ERROR
        return
    if op not in _EVALUATED and not known:
        values[nid] = _RESULT_ABS.get(op, UNKNOWN)  # nothing to learn: just its type
        return
    try:
        values[nid] = _evaluate(node, op, args, state)
    except _Certain as why:
        values[nid] = ERROR
        state.origins[nid] = str(why)
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError):
        values[nid] = UNKNOWN


def report_origin(ctx: Context, graph: Graph, state: FlowState, node: Node) -> None:
    """LX1015 on ``node``, an origin of ``state``: its severity from where the error value
    goes (``state.sinks``, computed first), and its fixes."""
    nid = node.id
    op = node.op
    assert nid is not None and op is not None
    sink = state.sinks.get(nid)
    fixes = _fixes(ctx, graph, state, node)
    span = op_span(ctx.text, node)
    message = f"{node.label} (`{op}`) will always produce an error value: {state.origins[nid]}"
    if sink is None:
        ctx.add(
            make(
                "LX1015",
                span.start,
                span.end,
                message,
                "the error value flows to every node that uses this one; fix the inputs or catch it with `try_or`",
                fixes=fixes,
                severity=Severity.WARNING,
            )
        )
        return
    where = _sink_phrase(sink)
    s_span = op_span(ctx.text, sink)
    ctx.add(
        make(
            "LX1015",
            span.start,
            span.end,
            f"{message}, and the error value reaches {where}",
            f"every node on the way passes the error value on unchanged, so {where} gets it on every run: "
            "fix the inputs, or catch the error with `try_or` before it gets there",
            related=[
                Related(
                    s_span.start, s_span.end, f"the error value of {node.label} reaches {where}"
                )
            ],
            fixes=fixes,
            severity=Severity.ERROR,
        )
    )


def _sink_phrase(sink: Node) -> str:
    if sink.op == "output_port":
        return f"the output port {json_text(sink.value)} at node {sink.label}"
    return f"`{sink.op}` at node {sink.label}"


def _passes(consumer: Node, k: int, values: dict[str, Abs], by_id: dict[str, Node]) -> bool:
    """The error value arriving at input ``k`` of ``consumer`` certainly comes out of it
    unchanged (or, for a sink, certainly arrives there)."""
    cid = consumer.id
    if cid is None or by_id.get(cid) is not consumer:
        return False
    result = values.get(cid)
    if result is None or not result.error:
        return False
    op = consumer.op
    if op == "select":
        if k == 0:
            return True
        cond = consumer.inputs[0]
        c = values.get(cond) if type(cond) is str else None
        return c is not None and c.known and k == (1 if truthy(c.value) else 2)
    if op == "try_or":
        return k == 1  # the fallback, when the first input is certainly an error
    return op not in NON_PROPAGATING_OPS or op == "comment"


def carries_error(node: Node, state: FlowState, by_id: dict[str, Node]) -> bool:
    """``node`` is evaluated and its value is certainly an error value."""
    nid = node.id
    if nid is None:
        return False
    value = state.values.get(nid)  # looked at first: few values are errors
    return value is not None and value.error and by_id.get(nid) is node


def first_sink(
    graph: Graph,
    state: FlowState,
    node: Node,
    position: dict[int, int] | None,
    consumers: dict[str, list[Node]] | None = None,
) -> Node | None:
    """The first sink, in schedule order, that the error value of ``node`` certainly reaches,
    from the sinks of its consumers (already in ``state.sinks``); None when it reaches none.
    ``consumers``: the graph's, when the caller has them at hand (a graph's attributes are
    looked up by name: it is not a compiled class)."""
    nid = node.id
    if consumers is None:
        consumers = graph.consumers
    users = consumers.get(nid) if nid is not None else None
    if users is None:
        return None
    values = state.values
    by_id = graph.by_id
    sinks = state.sinks
    best: Node | None = None
    best_pos = -1
    for c in users:
        op = c.op
        if op == "select" or op == "try_or":  # whether it passes depends on the input
            if not any(i == nid and _passes(c, k, values, by_id) for k, i in enumerate(c.inputs)):
                continue
        elif not _passes(c, 0, values, by_id):  # any input of c (c consumes nid) passes alike
            continue
        if op in _SINKS:
            if op == "output_port" and graph.name is None:
                continue  # a port outside a subgraph is LX1009's
            found: Node | None = c
        else:
            found = sinks.get(c.id)  # type: ignore[arg-type]
        if found is None:
            continue
        q = found.index if position is None else position.get(id(found))
        if q is not None and (best is None or q < best_pos):
            best, best_pos = found, q
    return best


def _fixes(ctx: Context, graph: Graph, state: FlowState, node: Node) -> list[Fix]:
    op = node.op
    fixes: list[Fix] = []
    if ctx.graph_uncertain(graph):
        return fixes  # who consumes what is not known: no fix that relies on it
    if op in _NEEDS_NUMBER or op in _ORDERING or op == "reduce":
        fix = _number_fix(graph, state, node)
        if fix is not None:
            fixes.append(fix)
    if op in _NEEDS_LIST or op in _NEEDS_DICT:
        fix = _literal_fix(graph, state, node)
        if fix is not None:
            fixes.append(fix)
    if op in ("get", "index") and len(node.inputs) == 2 and node.value_span("op") is not None:
        fix = _get_index_fix(graph, state, node)
        if fix is not None:
            fixes.append(fix)
    return fixes


def _input_abs(node: Node, k: int, values: dict[str, Abs]) -> Abs | None:
    i = node.inputs[k]
    return values.get(i) if type(i) is str else None


def _get_index_fix(graph: Graph, state: FlowState, node: Node) -> Fix | None:
    """``get`` on a list with an integer key (or a string holding one) -> ``index``; ``index``
    on a dict with a constant string key -> ``get``."""
    values = state.values
    seq = _input_abs(node, 0, values)
    key = _input_abs(node, 1, values)
    if seq is None or key is None or graph.by_id.get(node.inputs[0]) is None:
        return None
    span = node.op_span()
    if node.op == "index":
        if DICT in seq.types and key.known and type(key.value) is str:
            return Fix(
                f"Use `get` (read the dict at key {json_text(key.value)})",
                (TextEdit(span.start, span.end, '"get"'),),
                safe=seq.types == _SINGLE[DICT],
            )
        return None
    if SEQ not in seq.types or not key.known:
        return None
    op_edit = TextEdit(span.start, span.end, '"index"')
    if type(key.value) is int:
        return Fix(
            f"Use `index` (read the list at position {key.value})",
            (op_edit,),
            safe=seq.types == _SINGLE[SEQ],
        )
    # A string position: `index` with it made a number, when every other reader of the
    # constant needs an integer there too.
    text = key.value
    kid = node.inputs[1]
    src = graph.by_id.get(kid)
    if (
        type(text) is not str
        or _JSON_INT.fullmatch(text) is None
        or src is None
        or src.op != "const"
        or src.skip
    ):
        return None
    value_span = src.value_span("value")
    if value_span is None:
        return None
    for consumer in graph.consumers.get(kid, ()):
        for m, j in enumerate(consumer.inputs):
            if j != kid or (consumer is node and m == 1):
                continue
            if not _needs_number(consumer, m, values, state.resolve) or not _needs_int(consumer, m):
                return None
    return Fix(
        f"Use `index` and make `{kid}` the number {text} (read the list at position {text})",
        (op_edit, TextEdit(value_span.start, value_span.end, text)),
        safe=seq.types == _SINGLE[SEQ],
    )


def _needs_number(
    consumer: Node,
    k: int,
    values: dict[str, Abs],
    resolve: Callable[[Any], Graph | None] | None = None,
) -> bool:
    """A string at input ``k`` of ``consumer`` is certainly an error, a number is not."""
    op = consumer.op
    if op in _NEEDS_NUMBER:
        wanted = _NEEDS_NUMBER[op]
        return wanted is None or k in wanted
    if op in _ORDERING and len(consumer.inputs) == 2:
        other = consumer.inputs[1 - k]
        o = values.get(other) if type(other) is str else None
        return o is not None and o.types == _SINGLE[NUM]  # a string compares with a string
    if op == "reduce" and k == 1 and resolve is not None:
        # The initial value is the accumulator of the first step: a number when the subgraph
        # hands its accumulator port only to inputs that need numbers.
        sub = resolve(consumer.value)
        ports = _ports(sub) if sub is not None else None
        if ports is None or len(ports[0]) != 2:
            return False
        port = ports[0][0].id
        readers = sub.consumers.get(port or "", ()) if sub is not None else ()
        if not readers:
            return False
        return all(
            _needs_number(r, m, {}) for r in readers for m, j in enumerate(r.inputs) if j == port
        )
    return False


def _needs_int(consumer: Node, k: int) -> bool:
    """Input ``k`` of ``consumer`` needs an integer (a float there is an error too)."""
    op = consumer.op
    if op not in _NEEDS_INT:
        return False
    wanted = _NEEDS_INT[op]
    return wanted is None or k in wanted


def _number_fix(graph: Graph, state: FlowState, node: Node) -> Fix | None:
    """Makes the numeric string constants among the inputs of ``node`` numbers, when every
    consumer of each of them needs a number there (an integer, where one needs an integer)."""
    values = state.values
    resolve = state.resolve
    by_id = graph.by_id
    edits: list[TextEdit] = []
    names: list[str] = []
    done: set[int] = set()
    for k, i in enumerate(node.inputs):
        if type(i) is not str or not _needs_number(node, k, values, resolve):
            continue
        src = by_id.get(i)
        if src is None or id(src) in done or src.op != "const" or src.skip:
            continue
        done.add(id(src))
        text = src.value
        if type(text) is not str or _JSON_NUMBER.fullmatch(text) is None:
            continue
        if not math.isfinite(float(text)):
            continue
        span = src.value_span("value")
        if span is None:
            continue
        ok = True
        integer = _JSON_INT.fullmatch(text) is not None
        for consumer in graph.consumers.get(i, ()):
            for m, j in enumerate(consumer.inputs):
                if j == i and (
                    not _needs_number(consumer, m, values, resolve)
                    or (not integer and _needs_int(consumer, m))
                ):
                    ok = False
        if ok:
            edits.append(TextEdit(span.start, span.end, text))
            names.append(f"`{i}`")
            number = text
    if not edits:
        return None
    title = (
        f"Make {names[0]} the number {number}"
        if len(names) == 1
        else f"Make {', '.join(names)} numbers"
    )
    return Fix(title, tuple(edits), safe=True)


# Ops that read a string as text in a way a list would change visibly (printed, formatted,
# concatenated, compared): a JSON-looking string they read may be meant as text.
_TEXT_READERS: Final = frozenset(
    {
        "print",
        "concat",
        "format",
        "to_str",
        "upper",
        "lower",
        "trim",
        "split",
        "replace",
        "starts_with",
        "ends_with",
        "eq",
        "write_file",
        "to_num",
    }
)


def _literal_fix(graph: Graph, state: FlowState, node: Node) -> Fix | None:
    """A string constant that is exactly a JSON list (dict) literal, where every consumer of it
    needs a list (dict): that list (dict)."""
    op = node.op or ""
    by_id = graph.by_id
    for k, i in enumerate(node.inputs):
        if type(i) is not str:
            continue
        if k in _NEEDS_LIST.get(op, ()):
            wanted: type = list
        elif k in _NEEDS_DICT.get(op, ()):
            wanted = dict
        else:
            continue
        src = by_id.get(i)
        if src is None or src.op != "const" or src.skip or type(src.value) is not str:
            continue
        text: str = src.value
        if not isinstance(_json_literal(text), wanted):
            continue
        span = src.value_span("value")
        if span is None:
            continue
        table = _NEEDS_LIST if wanted is list else _NEEDS_DICT
        uses = [
            (c.op or "", m)
            for c in graph.consumers.get(i, ())
            for m, j in enumerate(c.inputs)
            if j == i
        ]
        every = all(m in table.get(op_name, ()) for op_name, m in uses)
        # Other consumers that read any value (`length`, `index`, ...) but would read the
        # string as text: the list is still evidently meant, but offered, not applied.
        if not every and any(op_name in _TEXT_READERS for op_name, _ in uses):
            continue
        kind = "list" if wanted is list else "dict"
        return Fix(
            f"Make `{i}` the {kind} {text if len(text) <= 40 else text[:37] + '...'}",
            (TextEdit(span.start, span.end, text),),
            safe=every,
            evidence=Evidence.LIKELY,
        )
    return None


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
    if x is y and type(x) is not float:  # a NaN is not equal to itself
        return True
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


def _evaluate(node: Node, op: str, args: list[Abs], state: FlowState) -> Abs:
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
    if known and not _small(vals):
        known = False  # too big to fold: its type is all that is known

    if op in _NUMERIC:
        for k, a in enumerate(args):
            if NUM not in a.types:
                raise _Certain(
                    f"`{op}` needs numbers, but input {k + 1} is {_describe(a)}{_looks_like(a)}"
                )
        if op == "round" and n == 2:
            _need_int(op, args[1], "ndigits")
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
        return _NUM_ABS

    if op in _ORDERING and n == 2:
        a, b = args
        if not ((NUM in a.types and NUM in b.types) or (STR in a.types and STR in b.types)):
            raise _Certain(
                f"`{op}` compares numbers with numbers or strings with strings, not {_describe(a)} with {_describe(b)}"
            )
        if known:
            x, y = vals
            return const({"gt": x > y, "lt": x < y, "gte": x >= y, "lte": x <= y}[op])
        return _BOOL_ABS

    if op == "length" and n == 1:
        a = args[0]
        if not a.types & {STR, SEQ, DICT}:
            raise _Certain(f"`length` of {_describe(a)} (only strings, lists and dicts have one)")
        return const(len(vals[0])) if known else _NUM_ABS

    if op == "to_num" and n == 1:
        a = args[0]
        if not a.types & {STR, NUM, BOOL}:
            raise _Certain(f"`to_num` of {_describe(a)}")
        if known and isinstance(vals[0], str):
            parsed = parse_number(vals[0])
            if parsed is None:
                raise _Certain(f"{json_text(vals[0])} is not a number")
            return const(parsed)
        return _NUM_ABS

    if op == "index" and n == 2:
        seq, i = args
        if not seq.types & {SEQ, STR}:
            hint = "; `get` reads a dict by key" if DICT in seq.types else ""
            raise _Certain(f"`index` into {_describe(seq)} (only lists and strings){hint}")
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
        if STR not in args[1].types:
            raise _Certain(f"dict keys are strings, but the key is {_describe(args[1])}")
        if known and isinstance(vals[0], dict) and vals[1] not in vals[0]:
            raise _Certain(f"the key {json_text(vals[1])} is not in the dict")
        return const(vals[0][vals[1]]) if known else UNKNOWN

    if op in ("keys", "values", "items") and n == 1 and DICT not in args[0].types:
        raise _Certain(f"`{op}` of {_describe(args[0])} (only dicts)")

    if op == "range" and n in (2, 3):
        for k, a in enumerate(args):
            if NUM not in a.types or (a.known and type(a.value) is not int):
                raise _Certain(
                    f"`range` needs integers, but input {k + 1} is {_describe(a)}{_looks_like(a)}"
                )
        if known:
            start, stop = vals[0], vals[1]
            step = vals[2] if n == 3 else (1 if stop >= start else -1)
            if step == 0:
                raise _Certain("the step is 0")
            count = max(0, math.ceil((stop - start) / step))
            if count > _MAX_FOLD_LEN:
                raise _Certain(f"it would have {count} elements; the limit is 10,000")
            return const(list(range(start, stop, step)))
        return _SEQ_ABS

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
        return _SEQ_ABS

    if op in _TYPED and OPCODES[op].arity.accepts(n):
        return _typed(node, op, args, vals, known, state)

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


_MAX_APPLY: Final = 50  # elements a constant `map`/`filter`/`reduce` is followed through
_SEQ_ABS: Final = Abs(_SINGLE[SEQ])
_NUM_ABS: Final = Abs(_SINGLE[NUM])
_BOOL_ABS: Final = Abs(_SINGLE[BOOL])
_DICT_ABS: Final = Abs(_SINGLE[DICT])


def _need_int(op: str, a: Abs, what: str) -> None:
    if NUM not in a.types or (a.known and type(a.value) is not int):
        raise _Certain(f"`{op}`: the {what} must be an integer, not {_describe(a)}{_looks_like(a)}")


def _need(op: str, a: Abs, types: frozenset[str], what: str) -> None:
    if not a.types & types:
        raise _Certain(f"`{op}` needs {what}, not {_describe(a)}{_looks_like(a)}")


_LIST: Final = frozenset({SEQ})
_LIST_STR: Final = frozenset({SEQ, STR})
_DICTS: Final = frozenset({DICT})
_STRS: Final = frozenset({STR})


def _looks_like(a: Abs) -> str:
    """A hint naming what a constant string that is not the right type looks like."""
    if not (a.known and type(a.value) is str):
        return ""
    text: str = a.value
    if _JSON_NUMBER.fullmatch(text):
        return " (a number written as a string)"
    if _SEPARATED_NUMBER.fullmatch(text):
        return " (a number with thousands separators, or a decimal comma?)"
    if _UNIT_NUMBER.fullmatch(text):
        return " (a number with a unit?)"
    if text[:1] in "[{":
        literal = _json_literal(text)
        if isinstance(literal, list):
            return " (a list written as a JSON string)"
        if isinstance(literal, dict):
            return " (a dict written as a JSON string)"
    return ""


# Module-level rather than nested: compiled (lang/native.py), a nested function and its
# environment refer to each other, and each call would leave cyclic garbage.
def _strict_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(items)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _json_literal(text: str) -> Any:
    """The list or dict that ``text`` is exactly, as strict JSON (no NaN, no duplicate keys);
    None otherwise."""
    if not text or text[0] not in "[{" or text[-1] not in "]}":
        return None
    try:
        value = json.loads(text, object_pairs_hook=_strict_pairs, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (list, dict)) else None


def _typed(
    node: Node, op: str, args: list[Abs], vals: list[Any], known: bool, state: FlowState
) -> Abs:
    """The ops that need inputs of given types (lexis_ls/run/builtins.py, evaluator.py)."""
    if op in ("take", "drop"):
        _need(op, args[0], _LIST, "a list")
        _need_int(op, args[1], "count")
        if known:
            m = max(0, vals[1])
            return const(vals[0][:m] if op == "take" else vals[0][m:])
        return _SEQ_ABS
    if op == "slice":
        _need(op, args[0], _LIST_STR, "a list or a string")
        for a, what in zip(args[1:], ("start", "end")):
            _need_int(op, a, what)
        if known:
            return const(vals[0][vals[1] : vals[2] if len(vals) == 3 else None])
        return Abs(args[0].types & _LIST_STR)
    if op == "reverse":
        _need(op, args[0], _LIST_STR, "a list or a string")
        return const(vals[0][::-1]) if known else Abs(args[0].types & _LIST_STR)
    if op in ("zip", "flatten", "unique", "enumerate"):
        for a in args:
            _need(op, a, _LIST, "a list" if len(args) == 1 else "two lists")
        return _SEQ_ABS
    if op == "merge":
        for a in args:
            _need(op, a, _DICTS, "two dicts")
        if known:
            return const({**vals[0], **vals[1]})
        return _DICT_ABS
    if op in ("set", "delete_key"):
        _need(op, args[0], _DICTS, "a dict")
        if STR not in args[1].types:
            raise _Certain(f"dict keys are strings, but the key is {_describe(args[1])}")
        return _DICT_ABS
    if op == "contains":
        _need(op, args[0], frozenset({STR, SEQ, DICT}), "a string, list or dict to search")
        return Abs(_SINGLE[BOOL])
    if op == "dict":
        for k in range(0, len(args), 2):
            if STR not in args[k].types:
                raise _Certain(
                    f"dict keys are strings, but key {k // 2 + 1} is {_describe(args[k])}"
                )
        if known or not args:
            return const(dict(zip(vals[::2], vals[1::2])))
        return _DICT_ABS
    if op in ("iterate", "retry"):
        what = "max_steps" if op == "iterate" else "max_attempts"
        _need_int(op, args[1], what)
        if args[1].known and args[1].value < 0:
            raise _Certain(f"`{op}`: the {what} must not be negative, not {args[1].value}")
        return UNKNOWN
    # map, filter, reduce
    seq = args[0]
    _need(op, seq, _LIST, "a list")
    if seq.known and state.resolve is not None:
        _apply_constant(node, op, args, state)
    return _SEQ_ABS if op != "reduce" else UNKNOWN


def _apply_constant(node: Node, op: str, args: list[Abs], state: FlowState) -> None:
    """Follows ``map``/``filter``/``reduce`` over a constant list through its subgraph (one
    level: the subgraph's own calls are not followed); raises :class:`_Certain` when a step
    certainly yields an error value (the whole node then does)."""
    assert state.resolve is not None
    ref = node.value
    sub = state.resolve(ref)
    if sub is None:
        return
    ports = _ports(sub)
    if ports is None:
        return
    inputs, output = ports
    arity = 2 if op == "reduce" else 1
    if len(inputs) != arity:
        return
    if _apply(sub, inputs, output, [UNKNOWN] * arity)[0].error:
        return  # the subgraph fails whatever its arguments: reported there
    items: list[Any] = args[0].value
    acc = args[1] if op == "reduce" else UNKNOWN
    for k, item in enumerate(items[:_MAX_APPLY]):
        bound = [acc, const(item)] if op == "reduce" else [const(item)]
        result, why = _apply(sub, inputs, output, bound)
        if why is not None:
            step = "step" if op == "reduce" else "element"
            raise _Certain(f"`{op}` with {json_text(ref)}: {step} {k} fails: {why}")
        if op == "reduce":
            acc = result
            if not acc.known and acc.types == ALL:
                return  # nothing more to learn


def _ports(sub: Graph) -> tuple[list[Node], Node] | None:
    """The input ports of ``sub`` in port order and its only output port (port 0)."""
    inputs: dict[int, Node] = {}
    output: Node | None = None
    for n in sub.nodes:
        if n.skip or n.id is None or sub.by_id.get(n.id) is not n:
            if n.op in ("input_port", "output_port"):
                return None
            continue
        if n.op == "input_port":
            if type(n.value) is not int or n.value in inputs:
                return None
            inputs[n.value] = n
        elif n.op == "output_port":
            if output is not None or n.value != 0 or type(n.value) is not int:
                return None
            output = n
    if output is None or sorted(inputs) != list(range(len(inputs))):
        return None
    return [inputs[k] for k in range(len(inputs))], output


def _apply(
    sub: Graph, inputs: list[Node], output: Node, bound: list[Abs]
) -> tuple[Abs, str | None]:
    """The abstract result of calling ``sub`` with ``bound``, and why it is certainly an error
    value (None when it is not certain)."""
    state = FlowState()
    values = state.values
    by_id = sub.by_id
    ports = {id(p): a for p, a in zip(inputs, bound)}
    order, stuck = schedule(sub)
    if stuck:
        return UNKNOWN, None
    for n in order:
        a = ports.get(id(n))
        if a is not None:
            values[n.id] = a  # type: ignore[index]
        else:
            flow_node(n, state, by_id)
    result = values.get(output.id, UNKNOWN)  # type: ignore[arg-type]
    if not result.error:
        return result, None
    # The origin the error value at the output comes from.
    n = output
    seen: set[int] = set()
    while n.id not in state.origins and id(n) not in seen:
        seen.add(id(n))
        nxt = None
        for i in n.inputs:
            src = by_id.get(i) if type(i) is str else None
            if src is not None and values.get(i, UNKNOWN).error:
                nxt = src
                break
        if nxt is None:
            break
        n = nxt
    why = state.origins.get(n.id)  # type: ignore[arg-type]
    if why is None:
        # An error value bound to a port: the argument itself (already reported).
        return result, None
    return result, f"{why} (at node {n.label} of the subgraph)"


def _fold_numeric(op: str, vals: list[Any]) -> Abs:
    if any(isinstance(v, int) and abs(v) > 10**100 for v in vals):
        return _NUM_ABS
    a = vals[0]
    b = vals[1] if len(vals) > 1 else None
    if op == "add":
        return const(a + b)
    if op == "sub":
        return const(a - b)
    if op == "mul":
        if isinstance(a, int) and isinstance(b, int) and abs(a) * abs(b) > 10**100:
            return _NUM_ABS
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
    return _NUM_ABS


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
