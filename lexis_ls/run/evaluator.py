"""The evaluator: Parse -> Validate -> Verify -> Schedule -> Execute -> Hash (LEXIS.md §3).

A program runs only when its analysis has no error-severity finding. Each graph runs in its
schedule (topological, ties in document order); before every node the sandbox checks the node's
capability against the granted set (the second layer behind the static LX2001 check) and the
wall-clock deadline. Errors are values: an op whose input is an error value returns it unchanged,
except the ops that do not propagate.

The run is steppable: an optional :class:`Tracer` is told when a frame (the main graph, or one
subgraph call) is entered and left, and before and after every node, with the node's value.
A debugger blocks in those callbacks to pause; a plain run passes no tracer and pays nothing.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..lang import stdlib
from ..lang.analysis import Analysis, Options, analyze
from ..lang.diagnostics import Diagnostic, Severity
from ..lang.hashing import Hasher
from ..lang.model import MISSING, Graph, Node, Program, _build_graph, schedule
from ..lang.opcodes import CAPABILITIES, OPCODES, ValueRule
from ..lang.syntax import parse
from ..lang.values import (
    MAX_VALUE_DEPTH,
    MAX_VALUE_SIZE,
    ErrorValue,
    measure,
    to_str_limited,
    truthy,
)
from .builtins import BUILTINS, NON_PROPAGATING
from .cache import MISS, CallCache, call_key
from .core import Func, LimitReached, SandboxRefusal
from .host import Host, HostOptions

MAX_EVAL_DEPTH = 3
MAX_CALL_DEPTH = 200
MAX_FUNC_NAME = 200  # characters of a composed function's name (longer: shown by its hash)
# A pure call is cached only when each argument's expanded size is at most this (hashing a
# bigger one costs more than it can save, and runs without checking the clock).
MAX_CACHED_ARG_SIZE = 100_000
_SMALL = (1, 0)  # the measure (expanded size, depth) of a number, boolean, null, FUNC or error
_MEASURED = frozenset({list, dict, str})
Measure = tuple[int, int]


def _part_of_first(value: Any, sizes: list[Measure]) -> Measure:
    """Elements (or elements of elements) of the first input, each at most once."""
    return sizes[0]


def _pairs_around_first(value: Any, sizes: list[Measure]) -> Measure:
    """A list of pairs holding the first input's elements (or a dict's keys and values)."""
    return sizes[0][0] + 2 * len(value), sizes[0][1] + 1


def _around_all(value: Any, sizes: list[Measure]) -> Measure:
    """A list or dict holding its inputs, or pairs of their elements, each at most once."""
    return (
        1 + len(value) + sum(s[0] for s in sizes),
        1 + max((s[1] for s in sizes), default=0),
    )


# Upper bounds of the measure of an op's list or dict result from its inputs' measures.
_BOUNDS: dict[str, Callable[[Any, list[Measure]], Measure]] = {
    **dict.fromkeys(
        (
            "reverse",
            "slice",
            "take",
            "drop",
            "sort",
            "unique",
            "flatten",
            "index",
            "get",
            "keys",
            "values",
            "delete_key",
            "filter",
        ),
        _part_of_first,
    ),
    **dict.fromkeys(("enumerate", "items"), _pairs_around_first),
    **dict.fromkeys(("sequence", "dict", "zip", "merge", "set"), _around_all),
}
# Ops that see error values on their inputs (the rest get the first error back unchanged).
RAW_INPUT_OPS = NON_PROPAGATING | {"print"}


@dataclass
class Frame:
    """One level of the call stack: the main graph or one subgraph call."""

    graph: Graph
    name: str  # "main", "std:double", "add3", "map #2 std:double", ...
    parent: Frame | None
    call_node: Node | None  # the node in the parent frame that made the call
    args: list[Any] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # node id -> value computed so far
    # node id -> (expanded size, depth) of its value; and of the arguments, when known
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    arg_sizes: list[tuple[int, int]] | None = None
    current: Node | None = None
    depth: int = field(init=False)  # 0 for the main graph (kept: walking up is O(depth))

    def __post_init__(self) -> None:
        self.depth = 0 if self.parent is None else self.parent.depth + 1


class Tracer(Protocol):
    def enter_frame(self, frame: Frame) -> None: ...
    def exit_frame(self, frame: Frame) -> None: ...
    def before_node(self, frame: Frame, node: Node) -> None: ...
    def after_node(self, frame: Frame, node: Node, value: Any) -> None: ...


@dataclass
class NodeRecord:
    id: str
    op: str
    value: Any
    duration_ms: float
    hash: str | None


@dataclass
class RunResult:
    status: str  # "ok" | "refused" | "stopped"
    output: str
    values: dict[str, Any]  # main-graph node id -> value
    records: list[NodeRecord]  # main-graph nodes in schedule order
    duration_ms: float
    program_hash: str | None
    findings: list[Diagnostic] = field(default_factory=list)  # why it was refused
    reason: str | None = None  # why it was refused or stopped
    stopped_at: str | None = None  # the node running when it stopped (perhaps in a subgraph)
    stopped_main: Node | None = None  # the main-graph node running when it stopped

    @property
    def errors(self) -> dict[str, ErrorValue]:
        return {k: v for k, v in self.values.items() if isinstance(v, ErrorValue)}


@dataclass
class RunOptions:
    host: HostOptions = field(default_factory=HostOptions)
    trust_ceiling: int | None = None
    verify: bool = True  # False only in tests that bypass the static checks
    cache: CallCache | None = None
    tracer: Tracer | None = None
    network: Any = None  # a factory (allowed_domains) -> NetworkClient; None: the real one
    display: bool | None = None  # None: use $DISPLAY
    gui_close_after_ms: int | None = None  # tests: close rendered windows after this long
    eval_depth: int = 0
    granted: frozenset[str] | None = None  # eval's capability ceiling for an inner program


class _NodeCall:
    """The Call a builtin receives."""

    __slots__ = ("deadline", "node_id", "value")

    def __init__(self, node_id: str, value: Any, deadline: float | None = None) -> None:
        self.node_id = node_id
        self.value = value
        self.deadline = deadline  # time.monotonic() when the run must stop (long builtins)

    def error(self, message: str, cause: ErrorValue | None = None) -> ErrorValue:
        return ErrorValue(message, self.node_id, cause)

    def tick(self) -> None:
        """Long work inside a node calls this now and then: past the deadline the run stops."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitReached(f"time limit reached during node `{self.node_id}`", self.node_id)


def _short(value: Any, limit: int = 60) -> str:
    """The start of ``to_str(value)`` for a message, at a cost of about ``limit``."""
    return to_str_limited(value, limit)[0][:limit]


class _RuntimeHasher(Hasher):
    """Resolves, besides the program's and the stdlib's subgraphs, FUNCs built at run time."""

    def __init__(self, program: Program, registry: dict[str, Func]) -> None:
        super().__init__(program)
        self.registry = registry

    def resolve(self, ref: Any) -> Graph | None:
        if isinstance(ref, str) and ref in self.registry:
            return self.registry[ref].graph
        return super().resolve(ref)


class Evaluator:
    def __init__(self, analysis: Analysis, options: RunOptions | None = None) -> None:
        self.analysis = analysis
        self.program = analysis.program
        self.options = options or RunOptions()
        self.host = Host(self.options.host, capture=self.options.eval_depth > 0)
        self.registry: dict[str, Func] = {}
        self.hasher = _RuntimeHasher(self.program, self.registry)
        self.cache = self.options.cache if self.options.cache is not None else CallCache()
        self.tracer = self.options.tracer
        self._purity: dict[int, bool] = {}
        self._network: Any = None
        self._main_node: Node | None = None  # the main-graph node being run
        # The last call's result and its measure (a strong reference: ids are never reused).
        self._hint: tuple[Any, tuple[int, int]] | None = None
        self._result_sizes: dict[str, tuple[int, int]] = {}  # call cache key -> measure
        self._const_sizes: dict[int, tuple[Node, tuple[int, int]]] = {}  # id(node) -> measure
        declared = self.program.declared_capabilities() & set(CAPABILITIES)
        if self.options.granted is not None:
            declared &= self.options.granted
        if self.options.trust_ceiling is not None:
            declared = {c for c in declared if CAPABILITIES[c].trust <= self.options.trust_ceiling}
        self.granted = frozenset(declared)

    # --- the pipeline ---

    def run(self) -> RunResult:
        # Values are freed by reference counting; the cyclic collector would only re-walk the
        # analysis and the values of the run again and again (as in `analyze`).
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> RunResult:
        started = time.perf_counter()
        refusal = self._refusal() if self.options.verify else None
        if refusal is not None:
            findings, why = refusal
            return RunResult("refused", "", {}, [], 0.0, None, findings, why)
        main = Frame(self.program.main, "main", None, None)
        records: list[NodeRecord] = []
        status = "ok"
        reason: str | None = None
        stopped_at: str | None = None
        stopped_main: Node | None = None
        try:
            self._run_graph(main, records)
        except (LimitReached, SandboxRefusal) as stop:
            status, reason, stopped_at = "stopped", stop.message, stop.node
            stopped_main = self._main_node
        except RecursionError:
            # Calls nested within MAX_CALL_DEPTH, with values nested deeply, can still exhaust
            # Python's stack: the run stops there, as at a limit.
            status, reason = "stopped", "the program nests calls or values too deeply to run"
            stopped_main = self._main_node
            stopped_at = stopped_main.id if stopped_main is not None else None
        duration = (time.perf_counter() - started) * 1000
        program_hash = self.analysis.hasher.program_hash()
        for rec in records:
            node = self.program.main.by_id.get(rec.id)
            rec.hash = self.analysis.hasher.node_hash(node) if node is not None else None
        return RunResult(
            status,
            self.host.text,
            dict(main.values),
            records,
            duration,
            program_hash,
            [],
            reason,
            stopped_at,
            stopped_main,
        )

    def _refusal(self) -> tuple[list[Diagnostic], str] | None:
        errors = [d for d in self.analysis.diagnostics if d.severity is Severity.ERROR]
        if errors:
            return errors, f"the program has {len(errors)} error{'s' if len(errors) != 1 else ''}"
        ceiling = self.options.trust_ceiling
        if ceiling is not None:
            used = {OPCODES[n.op].capability for n in self.program.all_nodes() if n.op in OPCODES}
            over = sorted(c for c in used if CAPABILITIES[c].trust > ceiling)
            if over:
                level = max(CAPABILITIES[c].trust for c in over)
                return [], (
                    f"the program needs trust level {level} ({', '.join(over)}) "
                    f"above the ceiling {ceiling}"
                )
        return None

    # --- graphs ---

    def _run_graph(self, frame: Frame, records: list[NodeRecord] | None = None) -> None:
        graph = frame.graph
        order, stuck = schedule(graph)
        if stuck:  # only reachable with verification bypassed
            raise LimitReached(f"{graph.label} has a cycle", stuck[0].id)
        tracer = self.tracer
        host = self.host
        values = frame.values
        if tracer is not None:
            tracer.enter_frame(frame)
        try:
            for node in order:
                nid = node.id or f"#{node.index}"
                if frame.parent is None:
                    self._main_node = node
                host.check_time(nid)
                frame.current = node
                if tracer is not None:
                    tracer.before_node(frame, node)
                t0 = time.perf_counter()
                args = [values.get(i) if type(i) is str else None for i in node.inputs]
                self._hint = None
                value = self._execute(frame, node, nid, args)
                t = type(value)
                if t is list or t is dict or t is str:
                    value, size = self._measured(frame, node, nid, args, value)
                else:
                    size = _SMALL
                if node.id is not None and node.id not in values:
                    values[node.id] = value
                    frame.sizes[node.id] = size
                if records is not None:
                    records.append(
                        NodeRecord(
                            nid, node.op or "?", value, (time.perf_counter() - t0) * 1000, None
                        )
                    )
                if tracer is not None:
                    tracer.after_node(frame, node, value)
        finally:
            frame.current = None
            if tracer is not None:
                tracer.exit_frame(frame)

    def _measured(
        self, frame: Frame, node: Node, nid: str, args: list[Any], value: Any
    ) -> tuple[Any, tuple[int, int]]:
        """``value`` and its measure (expanded size, depth), or an error value in its place
        when it is over a limit. Parts known already (the node's inputs, a call's result) are
        not walked again, so this costs what the node built, not the size of the value. The
        measures kept may be upper bounds (ops that pick parts of their first input, or build
        around their inputs, are bounded by their inputs' measures without a walk); a value
        whose bound is over a limit is measured exactly before it is refused."""
        host = self.host
        bound = _BOUNDS.get(node.op or "")
        if type(value) is str:
            size: tuple[int, int] = (len(value) or 1, 0)
        else:
            hint = self._hint
            if hint is not None and hint[0] is value:
                size = hint[1]
            elif bound is not None and node.inputs and not any(a is value for a in args):
                sizes = frame.sizes
                size = bound(
                    value, [sizes.get(i, _SMALL) if type(i) is str else _SMALL for i in node.inputs]
                )
            else:
                known: dict[int, tuple[int, int]] = {}
                sizes = frame.sizes
                for i, a in zip(node.inputs, args):
                    if (type(a) is list or type(a) is dict) and type(i) is str and i in sizes:
                        known[id(a)] = sizes[i]
                if node.op == "input_port" and frame.arg_sizes is not None:
                    for a, s in zip(frame.args, frame.arg_sizes):
                        known[id(a)] = s
                elif node.op == "const":
                    cached = self._const_sizes.get(id(node))
                    if cached is not None and cached[0] is node:
                        known[id(value)] = cached[1]
                size = measure(value, known, lambda: host.check_time(nid))
                if node.op == "const":
                    self._const_sizes[id(node)] = (node, size)
        if size[0] > MAX_VALUE_SIZE or size[1] > MAX_VALUE_DEPTH:
            size = measure(value, None, lambda: host.check_time(nid))  # exact, no bounds
        if size[0] > MAX_VALUE_SIZE:
            op = node.op or "?"
            return ErrorValue(
                f"{op}: the value is too large: {size[0]:,} elements and characters, shared parts "
                f"counted each time (the limit is {MAX_VALUE_SIZE:,})",
                nid,
            ), _SMALL
        if size[1] > MAX_VALUE_DEPTH:
            op = node.op or "?"
            return ErrorValue(
                f"{op}: the value is nested too deeply ({size[1]:,} levels; "
                f"the limit is {MAX_VALUE_DEPTH})",
                nid,
            ), _SMALL
        return value, size

    def _execute(self, frame: Frame, node: Node, nid: str, args: list[Any]) -> Any:
        op = node.op
        info = OPCODES.get(op or "")
        if info is None:
            raise SandboxRefusal(f"unknown opcode {op!r}", nid)
        if info.capability not in self.granted:
            raise SandboxRefusal(
                f"`{op}` needs {info.capability}, which this run does not grant", nid
            )
        if op not in RAW_INPUT_OPS:
            for a in args:
                if isinstance(a, ErrorValue):
                    return a
        value = node.value if node.value is not MISSING else None
        call = _NodeCall(nid, value, self.host.deadline)
        builtin = BUILTINS.get(op)  # type: ignore[arg-type]
        if builtin is not None:
            return builtin(call, args)
        method = getattr(self, f"op_{op}", None)
        if method is None:
            return call.error(f"`{op}` is not supported here")
        try:
            return method(frame, node, call, args)
        except RecursionError:  # as the builtins do: a value or a call chain too deep
            return call.error(f"{op}: the value or the calls are nested too deeply")

    # --- subgraph calls ---

    def func_for(self, ref: Any) -> Func | None:
        if isinstance(ref, str) and ref in self.registry:
            return self.registry[ref]
        graph = self.hasher.resolve(ref)
        if graph is None:
            return None
        h = self.hasher.subgraph_hash(graph)
        if h is None:
            return None
        name = ref if isinstance(ref, str) and len(ref) != 64 else graph.name
        func = self.registry.get(h)
        if func is None:
            func = Func(graph, h, name)
            self.registry[h] = func
        return func

    def _pure(self, graph: Graph) -> bool:
        """No effect and no randomness, through nested calls: calls may be cached."""
        memo = self._purity
        if id(graph) in memo:
            return memo[id(graph)]
        # Depth first without recursion (a chain of calls may be long); the graphs being
        # looked at count as pure meanwhile (recursion is refused statically).
        own, calls = self._own_purity(graph)
        memo[id(graph)] = own
        stack: list[tuple[Graph, list[Graph]]] = [(graph, calls)] if own else []
        while stack:
            g, pending = stack[-1]
            if not memo[id(g)]:
                stack.pop()
                continue
            if not pending:
                stack.pop()
                continue
            target = pending.pop()
            if id(target) in memo:
                if not memo[id(target)]:
                    for h, _ in stack:
                        memo[id(h)] = False
                continue
            own, calls = self._own_purity(target)
            memo[id(target)] = own
            if own:
                stack.append((target, calls))
            else:
                for h, _ in stack:
                    memo[id(h)] = False
        return memo[id(graph)]

    def _own_purity(self, graph: Graph) -> tuple[bool, list[Graph]]:
        """Whether ``graph``'s own nodes are pure, and the subgraphs it calls."""
        calls: list[Graph] = []
        for n in graph.nodes:
            info = OPCODES.get(n.op or "")
            if (
                info is None
                or info.effect
                or not info.deterministic
                or n.op in ("apply", "match", "eval")
            ):
                return False, []
            if info.value is ValueRule.SUBGRAPH_REF and n.op != "subgraph_def":
                target = self.hasher.resolve(n.value)
                if target is None:
                    return False, []
                calls.append(target)
        return True, calls

    def call_func(
        self,
        frame: Frame,
        call_node: Node,
        func: Func,
        args: list[Any],
        label: str,
        arg_sizes: list[tuple[int, int]] | None = None,
    ) -> Any:
        """Calls ``func`` with ``args``: output port 0, or a list of all outputs. The result's
        measure is left in ``self._hint``."""
        if frame.depth >= MAX_CALL_DEPTH:
            raise LimitReached(f"call depth {MAX_CALL_DEPTH} exceeded", call_node.id)
        if len(args) != func.arity:
            return ErrorValue(
                f"{func.name or func.hash[:12]} takes {func.arity} argument{'s' if func.arity != 1 else ''}, got {len(args)}",
                call_node.id,
            )
        host = self.host
        small = True  # every argument small enough to be hashed for the call cache
        if arg_sizes is None:
            arg_sizes = []
            for a in args:
                if type(a) in _MEASURED:
                    size = measure(a, None, lambda: host.check_time(call_node.id))
                    small = small and size[0] <= MAX_CACHED_ARG_SIZE
                    arg_sizes.append(size)
                else:
                    arg_sizes.append(_SMALL)
        else:
            small = all(s[0] <= MAX_CACHED_ARG_SIZE for s in arg_sizes)
        key = None
        if small and self.tracer is None and self._pure(func.graph):
            key = call_key(func.hash, args)
        if key is not None:
            cached = self.cache.get(key)
            if cached is not MISS:
                known = self._result_sizes.get(key)
                if known is None:
                    known = measure(cached, None, lambda: host.check_time(call_node.id))
                self._hint = (cached, known)
                return cached
        inner = Frame(func.graph, label, frame, call_node, list(args), arg_sizes=arg_sizes)
        self._run_graph(inner)
        outputs: list[tuple[int, Any, tuple[int, int]]] = []
        for n in func.graph.nodes:
            if n.op == "output_port" and type(n.value) is int and n.id is not None:
                outputs.append((n.value, inner.values.get(n.id), inner.sizes.get(n.id, _SMALL)))
        outputs.sort(key=lambda p: p[0])
        result: Any
        if len(outputs) == 1:
            result, size = outputs[0][1], outputs[0][2]
        else:
            result = [v for _, v, _ in outputs]
            size = (
                1 + sum(s[0] for _, _, s in outputs),
                1 + max((s[1] for _, _, s in outputs), default=0),
            )
        if isinstance(result, ErrorValue):
            # Keep the inner message, point at the calling node, chain to the inner origin.
            result = ErrorValue(result.message, call_node.id, result)
            size = _SMALL
        if key is not None:
            self.cache.put(key, result, size[0])
            self._result_sizes[key] = size
        self._hint = (result, size)
        return result

    def _input_sizes(self, frame: Frame, node: Node, start: int = 0) -> list[tuple[int, int]]:
        """The measures of ``node``'s inputs from ``start`` on (their values are in ``frame``)."""
        sizes = frame.sizes
        return [sizes.get(i, _SMALL) if type(i) is str else _SMALL for i in node.inputs[start:]]

    def _node_func(self, call: _NodeCall, node: Node) -> Func | ErrorValue:
        func = self.func_for(node.value)
        if func is None:
            return call.error(f"unknown subgraph reference {_short(node.value)!r}")
        return func

    def _name(self, func: Func) -> str:
        return func.name or f"<func {func.hash[:12]}>"

    # --- subgraph ops ---

    def op_input_port(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        port = node.value
        if type(port) is not int or not 0 <= port < len(frame.args):
            return call.error(f"no argument for input port {_short(port)}")
        return frame.args[port]

    def op_output_port(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return args[0] if args else call.error("`output_port` needs one input")

    def op_subgraph_def(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self._node_func(call, node)

    def op_subgraph_call(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        if isinstance(func, ErrorValue):
            return func
        return self.call_func(
            frame, node, func, args, self._name(func), self._input_sizes(frame, node)
        )

    def _sequence_arg(self, call: _NodeCall, value: Any, op: str) -> list[Any] | ErrorValue:
        if not isinstance(value, list):
            return call.error(f"`{op}` needs a list, not {_short(value)}")
        return value

    def op_map(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        seq = self._sequence_arg(call, args[0] if args else None, "map")
        if isinstance(func, ErrorValue) or isinstance(seq, ErrorValue):
            return func if isinstance(func, ErrorValue) else seq
        out = []
        total, depth = 1, 0  # the measure of `out`: results may share parts (one value each)
        exact = False  # measured exactly (not from upper bounds) from here on
        for k, item in enumerate(seq):
            r = self.call_func(frame, node, func, [item], f"map #{k} {self._name(func)}")
            if isinstance(r, ErrorValue):
                return ErrorValue(f"map: element {k}: {r.message}", call.node_id, r.cause or r)
            hint = self._hint
            if hint is not None and hint[0] is r and not exact:
                size = hint[1]
            else:
                size = measure(r, None, call.tick)
            total += size[0]
            depth = max(depth, size[1])
            out.append(r)
            if total > MAX_VALUE_SIZE and not exact:  # the hints may be upper bounds
                exact = True
                total, depth = measure(out, None, call.tick)
                depth -= 1
            if total > MAX_VALUE_SIZE:
                return call.error(
                    f"map: the result is too large: more than {MAX_VALUE_SIZE:,} elements and "
                    f"characters after {k + 1} of {len(seq)} elements"
                )
        self._hint = (out, (total, depth + 1))
        return out

    def op_filter(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        seq = self._sequence_arg(call, args[0] if args else None, "filter")
        if isinstance(func, ErrorValue) or isinstance(seq, ErrorValue):
            return func if isinstance(func, ErrorValue) else seq
        out = []
        for k, item in enumerate(seq):
            r = self.call_func(frame, node, func, [item], f"filter #{k} {self._name(func)}")
            if isinstance(r, ErrorValue):
                return ErrorValue(f"filter: element {k}: {r.message}", call.node_id, r.cause or r)
            if truthy(r):
                out.append(item)
        return out

    def op_reduce(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        seq = self._sequence_arg(call, args[0] if args else None, "reduce")
        if isinstance(func, ErrorValue) or isinstance(seq, ErrorValue):
            return func if isinstance(func, ErrorValue) else seq
        acc = args[1] if len(args) > 1 else None
        for k, item in enumerate(seq):
            acc = self.call_func(frame, node, func, [acc, item], f"reduce #{k} {self._name(func)}")
            if isinstance(acc, ErrorValue):
                return ErrorValue(
                    f"reduce: element {k}: {acc.message}", call.node_id, acc.cause or acc
                )
        return acc

    def _count(self, call: _NodeCall, value: Any, what: str) -> int | ErrorValue:
        if type(value) is not int or value < 0:
            return call.error(f"{what} must be a non-negative integer, not {_short(value, 40)}")
        return value

    def op_iterate(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        if isinstance(func, ErrorValue):
            return func
        steps = self._count(call, args[1] if len(args) > 1 else None, "`iterate`'s max_steps")
        if isinstance(steps, ErrorValue):
            return steps
        current = args[0] if args else None
        for k in range(steps):
            r = self.call_func(frame, node, func, [current], f"iterate #{k} {self._name(func)}")
            if isinstance(r, ErrorValue):
                return ErrorValue(f"iterate: step {k}: {r.message}", call.node_id, r.cause or r)
            if not isinstance(r, list) or len(r) != 2:
                return call.error(
                    f"iterate: step {k}: the step subgraph must return [new_value, should_stop], got {_short(r)}"
                )
            current = r[0]
            if truthy(r[1]):
                break
        return current

    def op_retry(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        func = self._node_func(call, node)
        if isinstance(func, ErrorValue):
            return func
        attempts = self._count(call, args[1] if len(args) > 1 else None, "`retry`'s max_attempts")
        if isinstance(attempts, ErrorValue):
            return attempts
        result: Any = call.error("retry: max_attempts is 0, nothing was tried")
        for k in range(attempts):
            result = self.call_func(
                frame, node, func, [args[0] if args else None], f"retry #{k} {self._name(func)}"
            )
            if not isinstance(result, ErrorValue):
                break
        return result

    def _build_func(self, nodes: list[dict[str, Any]]) -> Func | str:
        """A FUNC from node dicts, validated as a subgraph; or the reason it is invalid."""
        document = {
            "spec": "lexis-0.1.0",
            "capabilities": sorted(CAPABILITIES),
            "nodes": [{"id": "f", "op": "subgraph_def", "value": "built"}],
            "subgraphs": {"built": {"nodes": nodes}},
        }
        try:
            text = json.dumps(document, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            return f"the nodes are not JSON: {exc}"
        analysis = analyze(text)
        errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
        if errors:
            return f"{errors[0].code} {errors[0].message}"
        graph = analysis.program.subgraphs["built"]
        graph_hash = analysis.hasher.subgraph_hash(graph)
        if graph_hash is None:
            return "its hash is undefined"
        # Re-home the graph in the registry so later calls resolve its references at run time.
        func = self.registry.get(graph_hash) or Func(graph, graph_hash, None)
        self.registry[graph_hash] = func
        return func

    def op_compose(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        f, g = ([*args, None, None])[:2]
        if not isinstance(f, Func) or not isinstance(g, Func):
            return call.error("`compose` needs two FUNC inputs (from `subgraph_def` or `compose`)")
        if f.arity != 1 or g.arity != 1:
            return call.error(
                f"`compose` needs 1-input functions; they take {f.arity} and {g.arity}"
            )
        nodes = [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "f", "op": "subgraph_call", "inputs": ["x"], "value": f.hash},
            {"id": "g", "op": "subgraph_call", "inputs": ["f"], "value": g.hash},
            {"id": "out", "op": "output_port", "inputs": ["g"], "value": 0},
        ]
        text = json.dumps({"nodes": nodes})
        parsed = parse(text)
        member = parsed.root.get("nodes") if parsed.root is not None else None  # type: ignore[union-attr]
        graph = _build_graph(None, member.value if member is not None else None)
        h = self.hasher.subgraph_hash(graph)
        if h is None:
            return call.error("`compose` could not hash the composed function")
        name: str | None = f"{self._name(g)}∘{self._name(f)}"
        if name is not None and len(name) > MAX_FUNC_NAME:  # compose(h, h) doubles it each time
            name = None  # shown by its hash
        func = self.registry.get(h) or Func(graph, h, name)
        self.registry[h] = func
        return func

    def op_apply(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        if not args or not isinstance(args[0], Func):
            return call.error("`apply` needs a FUNC as its first input")
        func = args[0]
        return self.call_func(
            frame,
            node,
            func,
            list(args[1:]),
            f"apply {self._name(func)}",
            self._input_sizes(frame, node, 1),
        )

    def op_match(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        if not args:
            return call.error("`match` needs a value and guard/handler pairs")
        x = args[0]
        pairs = args[1:]
        if len(pairs) % 2:
            return call.error("`match` needs guard/handler pairs after the value")
        for k in range(0, len(pairs), 2):
            guard, handler = pairs[k], pairs[k + 1]
            if not isinstance(guard, Func) or not isinstance(handler, Func):
                return call.error(f"`match`: guard and handler {k // 2 + 1} must be FUNC values")
            verdict = self.call_func(
                frame, node, guard, [x], f"match guard {k // 2 + 1} {self._name(guard)}"
            )
            if isinstance(verdict, ErrorValue):
                return ErrorValue(
                    f"match: guard {k // 2 + 1}: {verdict.message}",
                    call.node_id,
                    verdict.cause or verdict,
                )
            if truthy(verdict):
                return self.call_func(
                    frame, node, handler, [x], f"match handler {k // 2 + 1} {self._name(handler)}"
                )
        return call.error(f"match: no guard accepted {_short(x)}")

    # --- utility, I/O ---

    def op_delay(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        seconds = node.value
        if (
            not isinstance(seconds, (int, float))
            or isinstance(seconds, bool)
            or not 0 <= seconds <= 60
        ):
            return call.error(f"`delay` takes 0 to 60 seconds, got {_short(seconds)}")
        self.host.sleep(float(seconds), call.node_id)
        return args[0] if args else None

    def op_print(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        value = args[0] if args else None
        host = self.host
        # Never more text than the output limit lets through: past it, `write` stops the run.
        room = max(0, host.options.max_output - host.output_size)
        text, whole = to_str_limited(value, room, call.tick)
        host.write(text + "\n" if whole else text, call.node_id)
        if not whole:  # pragma: no cover - `write` has stopped the run
            raise LimitReached(f"output limit of {host.options.max_output:,} characters reached")
        return value

    def op_param(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self.host.param(call)

    def op_read_stdin(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self.host.read_stdin(call)

    def op_read_file(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        path = args[0] if args else None
        bad = _unencodable_path(call, path)
        return bad if bad is not None else self.host.read_file(call, path)

    def op_write_file(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        path = args[0] if args else None
        bad = _unencodable_path(call, path)
        if bad is not None:
            return bad
        text, whole = to_str_limited(args[1] if len(args) > 1 else None, MAX_VALUE_SIZE, call.tick)
        if not whole:
            return call.error(
                f"write_file: the content would be longer than {MAX_VALUE_SIZE:,} characters"
            )
        return self.host.write_file(call, path, text)

    def _client(self) -> Any:
        if self._network is None:
            from .network import NetworkClient

            factory = self.options.network
            domains = self.program.allowed_domains
            self._network = factory(domains) if factory is not None else NetworkClient(domains)
        return self._network

    def _http(self, op: str, call: _NodeCall, args: list[Any]) -> Any:
        from . import network

        fn = getattr(network, op)
        timeout_left = self.host.remaining()
        if timeout_left <= 0:
            raise LimitReached("time limit reached before the request", call.node_id)
        client = self._client()
        client.default_timeout = min(
            network.DEFAULT_TIMEOUT, timeout_left
        )  # within the run's limit
        return fn(client, call, args)

    def op_http_get(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self._http("http_get", call, args)

    def op_http_post(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self._http("http_post", call, args)

    def op_http_request(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        return self._http("http_request", call, args)

    def op_gui_render(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        from .gui import render

        return render(
            call, args[0] if args else None, self.options.display, self.options.gui_close_after_ms
        )

    # --- meta-programming ---

    def op_build_subgraph(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        nodes, inputs, outputs = ([*args, None, None, None])[:3]
        if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
            return call.error("`build_subgraph` needs a list of node dicts")
        for what, n in (("input_count", inputs), ("output_count", outputs)):
            if type(n) is not int or n < 0:
                return call.error(f"`build_subgraph`'s {what} must be a non-negative integer")
        func = self._build_func(nodes)
        if isinstance(func, str):
            return call.error(f"build_subgraph: invalid subgraph: {func}")
        if func.arity != inputs:
            return call.error(
                f"build_subgraph: the nodes have {func.arity} input ports, not {inputs}"
            )
        out_ports = sum(1 for n in func.graph.nodes if n.op == "output_port")
        if out_ports != outputs:
            return call.error(
                f"build_subgraph: the nodes have {out_ports} output ports, not {outputs}"
            )
        return func

    def op_quote(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        f = args[0] if args else None
        if not isinstance(f, Func):
            return call.error("`quote` needs a FUNC input")
        return {"nodes": [dict(n.raw) for n in f.graph.nodes]}

    def op_reflect(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        nodes = [
            {"id": n.id, "op": n.op, "inputs": [i for i in n.inputs if isinstance(i, str)]}
            for n in self.program.main.nodes
        ]
        caps = [c for c, _ in self.program.capabilities if isinstance(c, str)]
        return {"nodes": nodes, "capabilities": caps}

    def op_eval(self, frame: Frame, node: Node, call: _NodeCall, args: list[Any]) -> Any:
        depth = self.options.eval_depth + 1
        if depth > MAX_EVAL_DEPTH:
            return call.error(f"eval: nesting deeper than {MAX_EVAL_DEPTH} levels")
        program = args[0] if args else None
        if not isinstance(program, dict):
            return call.error("`eval` needs a program dict")
        try:
            text = json.dumps(program, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return call.error(
                "eval: the program is not plain JSON (it holds functions or error values)"
            )
        inner = analyze(text, Options(trust_ceiling=self.options.trust_ceiling))
        errors = [d for d in inner.diagnostics if d.severity is Severity.ERROR]
        if errors:
            return call.error(f"eval: invalid program: {errors[0].code} {errors[0].message}")
        ceiling = frozenset(self.granted - {"META_EVAL"})
        needed = {OPCODES[n.op].capability for n in inner.program.all_nodes() if n.op in OPCODES}
        refused = sorted(needed - (ceiling & inner.program.declared_capabilities()))
        if refused:
            return call.error(
                f"eval: the inner program needs {', '.join(refused)}, beyond its ceiling "
                f"(what it declares, within this program's capabilities, without META_EVAL)"
            )
        inner_options = RunOptions(
            host=HostOptions(
                params=self.options.host.params,
                stdin=self.options.host.stdin,
                program_dir=self.options.host.program_dir,
                fs_root=self.host.fs_root,
                timeout=max(0.0, self.host.remaining()),
                max_output=max(0, self.options.host.max_output - self.host.output_size),
            ),
            trust_ceiling=self.options.trust_ceiling,
            cache=self.cache,
            network=self.options.network,
            display=self.options.display,
            gui_close_after_ms=self.options.gui_close_after_ms,
            eval_depth=depth,
            granted=ceiling,
        )
        result = Evaluator(inner, inner_options).run()
        if result.status != "ok":
            return call.error(f"eval: the inner program was stopped: {result.reason}")
        lines = result.output.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return {"output": lines, "values": result.values}


def _unencodable_path(call: _NodeCall, path: Any) -> ErrorValue | None:
    """An error value for a path string the file system cannot take (a lone surrogate, from a
    parameter or standard input, has no encoding)."""
    if isinstance(path, str):
        try:
            os.fsencode(path)
        except UnicodeEncodeError:
            return call.error(f"the file path {path!r} holds a lone surrogate: it names no file")
    return None


def run_text(text: str, options: RunOptions | None = None) -> RunResult:
    """Analyse and run a program text."""
    options = options or RunOptions()
    return Evaluator(analyze(text, Options(trust_ceiling=options.trust_ceiling)), options).run()


def std_func(name: str) -> Func:
    """A FUNC for a stdlib subgraph (tests, the debugger)."""
    from ..lang.hashing import std_graph

    graph = std_graph(name)
    h = Hasher(None).subgraph_hash(graph)
    assert h is not None
    return Func(graph, h, stdlib.STD_PREFIX + name)
