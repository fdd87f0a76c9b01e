"""LX3001-LX3003: unused nodes, duplicate computations, unused subgraphs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ..diagnostics import Fix, Related, Scope, TextEdit, make
from ..hashing import SUBGRAPH_REF_OPS
from ..model import MISSING, Graph, Node
from ..repair.names import needed_ports, resolve_subgraph_ref
from ..syntax import JArray
from .base import OPCODES, Context, id_span, input_span, json_text, remove_element

_SINKS: Final = frozenset({"input_port", "output_port"})
_IMPURE_OPS: Final = frozenset(n for n, op in OPCODES.items() if op.effect or not op.deterministic)


def check_lint(ctx: Context) -> None:
    for graph in ctx.program.graphs:
        _unused_nodes(ctx, graph)
        _duplicates(ctx, graph)
    _unused_subgraphs(ctx)


def _unused_nodes(ctx: Context, graph: Graph) -> None:
    if ctx.graph_uncertain(graph):
        return  # an unreadable node may be the consumer
    consumers = graph.consumers
    for node in graph.nodes:
        if node.id not in consumers:  # (as _unused begins to tell, for most nodes at once)
            _unused(ctx, graph, node)


def report_unused(ctx: Context, graph: Graph, node: Node) -> None:
    """LX3001 on ``node`` when nothing uses it (as :func:`check_lint` would report it)."""
    if not ctx.graph_uncertain(graph):
        _unused(ctx, graph, node)


def _unused(ctx: Context, graph: Graph, node: Node) -> None:
    op = node.op
    if op is None or op not in OPCODES or op in _SINKS or node.skip or node.id is None:
        return
    if node.id in graph.consumers or id(node) in ctx.meant or ctx.node_impurity(node)[0]:
        return
    if graph.by_id.get(node.id) is not node:
        return  # a duplicate id (LX1004)
    span = id_span(ctx.text, node)
    ctx.add(
        make(
            "LX3001",
            span.start,
            span.end,
            f"the value of {node.label} (`{op}`) is never used",
            "nothing consumes this node and it has no effect: use it as an input, print it, or delete it",
        )
    )


def _value_key(node: Node, ctx: Context) -> tuple[str, Any]:
    """A tag and what identifies a value that is not a plain scalar (in ``node_key``)."""
    value = node.value
    if node.op in SUBGRAPH_REF_OPS:
        target = ctx.resolve(value)
        if target is None:
            return ("unresolved", repr(value))
        # Same content, same hash: `"std:double"`, its hash and a user copy are one subgraph.
        return ("subgraph", ctx.hasher.subgraph_hash(target) or id(target))
    if isinstance(value, (dict, list)):
        return ("json", json_text(value) if not isinstance(value, dict) else _canonical(value))
    return (type(value).__name__, value)


def _canonical(value: Any) -> str:
    import json

    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return repr(value)


@dataclass(eq=False)
class DuplicateState:
    """What the duplicate check computed for one graph (kept for incremental updates)."""

    key_of: dict[str, int]  # node id -> interned structural key
    interned: dict[Any, int]  # structural key -> its number (only ever grows)
    first_with: dict[int, Node]  # key -> the first node with it, in schedule order
    more: dict[int, list[Node]]  # key -> the later nodes with it, in schedule order


def keyed(node: Node, by_id: dict[str, Node]) -> bool:
    """The node takes part in the duplicate check (it may get a structural key)."""
    op = node.op
    nid = node.id
    return not (
        op is None or nid is None or node.skip or op not in OPCODES or by_id.get(nid) is not node
    )


def node_key(
    ctx: Context, node: Node, key_of: dict[str, int], interned: dict[Any, int]
) -> int | None:
    """The interned structural key of a keyed node, from the keys of its inputs; None when an
    input has none (or the value cannot be a key)."""
    # (the keys stay objects, as the maps hold them: an `int` variable would unbox each one
    # and box it again, allocating for every key above 256)
    inputs = node.inputs
    count = len(inputs)
    k0: Any = None
    k1: Any = None
    rest: tuple[Any, ...] = ()
    if count:
        i = inputs[0]
        k0 = key_of.get(i) if type(i) is str else None
        if k0 is None:
            return None
        if count > 1:
            i = inputs[1]
            k1 = key_of.get(i) if type(i) is str else None
            if k1 is None:
                return None
            if count > 2:
                more: list[Any] = []
                for j in range(2, count):
                    i = inputs[j]
                    k: Any = key_of.get(i) if type(i) is str else None
                    if k is None:
                        return None
                    more.append(k)
                rest = tuple(more)
    op = node.op
    if op in _IMPURE_OPS or op == "input_port":
        return interned.setdefault(("unique", node.id), len(interned))
    by_reference = op in SUBGRAPH_REF_OPS
    if by_reference or op == "apply" or op == "match":
        effect, nondeterministic = ctx.node_impurity(node)
        if effect or nondeterministic:
            return interned.setdefault(("unique", node.id), len(interned))
    # One flat tuple: (op, what the value is, the value, the input keys...). A scalar is told
    # by its type, any other value by a tag (a string, never a type), a missing value by None.
    # Its length tells the number of inputs, and the "unique" keys above have two items.
    value = node.value
    vtype = type(value)
    tag: Any
    what: Any
    if value is MISSING:
        tag = what = None
    elif (vtype is str or vtype is int or vtype is float or vtype is bool) and not by_reference:
        tag, what = vtype, value
    else:
        tag, what = _value_key(node, ctx)
    key: tuple[Any, ...]
    if count == 0:
        key = (op, tag, what)
    elif count == 1:
        key = (op, tag, what, k0)
    elif count == 2:
        key = (op, tag, what, k0, k1)
    else:
        key = (op, tag, what, k0, k1, *rest)
    try:
        return interned.setdefault(key, len(interned))
    except TypeError:
        return None


def _duplicates(ctx: Context, graph: Graph) -> None:
    """Nodes with the same content hash, found with structural keys equal exactly when the
    hashes are (op, canonical value or referenced subgraph, keys of the inputs), in one pass."""
    from ..model import schedule

    order, _stuck = schedule(graph)
    key_of: dict[str, int] = {}  # node id -> interned structural key
    interned: dict[Any, int] = {}
    first_with: dict[int, Node] = {}
    more: dict[int, list[Node]] = {}
    by_id = graph.by_id
    for node in order:
        if not keyed(node, by_id):
            continue
        key: Any = node_key(ctx, node, key_of, interned)  # (an object: see node_key)
        if key is None:
            continue
        key_of[node.id] = key  # type: ignore[index]
        earlier = first_with.get(key)
        if earlier is None:
            first_with[key] = node
            continue
        more.setdefault(key, []).append(node)
        if reportable(node):
            report_duplicate(ctx, graph, node, earlier)
    ctx.duplicates[graph] = DuplicateState(key_of, interned, first_with, more)


def reportable(node: Node) -> bool:
    """A later member of a key class is reported as a duplicate (LX3002): not a port (two
    ports with one number are LX1009's), nor a `const` (equal constants are not duplicated
    work). Both still have keys: the nodes computing from equal constants are duplicates."""
    return node.op != "output_port" and node.op != "const"


def report_duplicate(ctx: Context, graph: Graph, node: Node, earlier: Node) -> None:
    """LX3002 on ``node``, which computes the same as ``earlier``."""
    nid = node.id
    span = id_span(ctx.text, node)
    e_span = id_span(ctx.text, earlier)
    edits: list[TextEdit] = []
    for consumer in graph.consumers.get(nid, ()):  # type: ignore[arg-type]
        for idx, i in enumerate(consumer.inputs):
            if i == nid:
                s = input_span(ctx.text, consumer, idx)
                edits.append(TextEdit(s.start, s.end, json_text(earlier.id)))
    if graph.array is not None and isinstance(graph.array, JArray):
        edits.append(remove_element(graph.array, node.index))
    ctx.add(
        make(
            "LX3002",
            span.start,
            span.end,
            f"{node.label} computes the same value as {earlier.label} (same content hash)",
            "point the consumers at the earlier node and delete this one",
            related=[Related(e_span.start, e_span.end, f"{earlier.label} computes the same thing")],
            fixes=[Fix(f"Merge into `{earlier.id}`", tuple(edits), scope=Scope.PROGRAM)],
        )
    )


def _unused_subgraphs(ctx: Context) -> None:
    program = ctx.program
    if not program.subgraphs:
        return
    referenced: set[int] = set()
    local: dict[str, int] | None = None
    for node in program.all_nodes():
        if node.op in SUBGRAPH_REF_OPS and type(node.value) is str:
            target = ctx.hasher.resolve(node.value)
            if target is None:
                # A misspelt reference (LX1008) stands for the subgraph its fix names.
                if local is None:
                    local = {n: ctx.arity(g) for n, g in program.subgraphs.items()}
                found = resolve_subgraph_ref(
                    node.value, local, needed_ports(node.op, len(node.inputs))
                )
                target = program.subgraphs.get(found.best) if found.best is not None else None
            if target is not None and target is not node.graph:  # a self-reference is no use
                referenced.add(id(target))
    for name, graph in program.subgraphs.items():
        if id(graph) in referenced or graph.key is None:
            continue
        ctx.add(
            make(
                "LX3003",
                graph.key.start,
                graph.key.end,
                f"subgraph {json_text(name)} is never referenced",
                "reference it from `subgraph_call`, `subgraph_def`, `map`, ... or delete it",
            )
        )


__all__ = ["Fix", "check_lint"]
