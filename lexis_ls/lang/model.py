"""The program model: graphs, nodes, ids, consumers and resolved subgraph references.

Built from the syntax tree in one pass over the nodes. Node values come from the parser's
already-decoded dicts, so building the model does not materialise any syntax below the node
level; spans inside a node (an input string, the op) are looked up only when asked for.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Final

from mypy_extensions import mypyc_attr

from .syntax import INVALID, JArray, JMember, JNode, JObject, JString, ParseResult
from .text import Span

ID_PATTERN: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# The pattern's two character classes, for valid_id: by ASCII code (and 128 for any other
# character), 1 for the characters in the class.
_ID_START: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
_ID_REST: Final = _ID_START + "0123456789.-"
_ID_START_CODES: Final = bytes(int(chr(c) in _ID_START) for c in range(129))
_ID_REST_CODES: Final = bytes(int(chr(c) in _ID_REST) for c in range(129))
HASH_PATTERN: Final = re.compile(r"[0-9a-f]{64}")
SPEC_VERSION: Final = "lexis-0.1.0"
# a key that is absent (as opposed to INVALID: present but unparsable)
MISSING: Final[Any] = object()

PROGRAM_KEYS: Final = (
    "spec",
    "name",
    "description",
    "capabilities",
    "allowed_domains",
    "nodes",
    "subgraphs",
)
NODE_KEYS: Final = ("id", "op", "inputs", "value", "doc")
SUBGRAPH_KEYS: Final = ("nodes", "doc")


class Node:
    """One node object of a graph, with its decoded fields."""

    __slots__ = (
        "_graph",
        "broken",
        "id",
        "index",
        "inputs",
        "op",
        "raw",
        "shape_ok",
        "skip",
        "syntax",
        "value",
    )

    def __init__(
        self,
        graph: Graph,
        index: int,
        syntax: JObject,
        raw: dict[str, Any],
        nid: str | None = None,
        op: str | None = None,
        inputs: list[Any] | None = None,
        value: Any = MISSING,
        shape_ok: bool = False,
        broken: bool = False,
    ) -> None:
        # The graph owns its nodes; a strong reference back would make every analysis cyclic
        # garbage that only the (slow, pausing) cycle collector frees.
        self._graph = weakref.ref(graph)
        self.index = index  # position in the graph's "nodes" array
        self.syntax = syntax
        self.raw = raw  # the node object as written
        self.id = nid  # None unless a string
        self.op = op  # None unless a string
        self.inputs: list[Any] = inputs if inputs is not None else []
        self.value = value  # MISSING when absent
        # Keys, id, op, inputs and doc have the right types: no shape check needed.
        self.shape_ok = shape_ok
        # The node's text holds a syntax error: what it means is a guess, so the checks
        # report nothing more about it (the syntax error says it all).
        self.broken = broken
        # Set by a check that found a problem making further checks on the node meaningless
        # (unknown op, bad shape, wrong arity): one problem gives one diagnostic.
        self.skip = broken

    def __repr__(self) -> str:
        return f"Node({self.id!r}, {self.op!r})"

    @property
    def graph(self) -> Graph:
        graph = self._graph()
        assert graph is not None, "a node outlived its graph"
        return graph

    @property
    def valid_inputs(self) -> list[str]:
        """The inputs that are strings (others are reported by the shape checks)."""
        return [i for i in self.inputs if type(i) is str]

    def member(self, key: str) -> JMember | None:
        return self.syntax.get(key)

    def key_span(self, key: str) -> Span | None:
        m = self.syntax.get(key)
        return Span(m.key.start, m.key.end) if m else None

    def value_span(self, key: str) -> Span | None:
        m = self.syntax.get(key)
        if m is None or m.value is None:
            return None
        return Span(m.value.start, m.value.end)

    def id_span(self) -> Span:
        return self.value_span("id") or self.open_span()

    def op_span(self) -> Span:
        return self.value_span("op") or self.id_span()

    def open_span(self) -> Span:
        return Span(self.syntax.start, self.syntax.start + 1)

    def input_syntax(self, index: int) -> JNode | None:
        m = self.syntax.get("inputs")
        if m is None or not isinstance(m.value, JArray) or index >= len(m.value.items):
            return None
        return m.value.items[index]

    def input_span(self, index: int) -> Span:
        item = self.input_syntax(index)
        return Span(item.start, item.end) if item is not None else self.op_span()

    @property
    def label(self) -> str:
        return f"`{self.id}`" if self.id is not None else f"node #{self.index + 1}"


# Nodes refer to their graph weakly: compiled (native.py), the class must stay a Python class.
@mypyc_attr(native_class=False)
@dataclass(eq=False)
class Graph:
    """The main graph (``name`` None) or one subgraph."""

    name: str | None
    nodes: list[Node]
    array: JArray | None  # the "nodes" array
    key: JString | None = None  # the subgraph's key in "subgraphs"
    syntax: JObject | None = None  # the subgraph object
    by_id: dict[str, Node] = field(default_factory=dict)  # first definition of each id
    consumers: dict[str, list[Node]] = field(default_factory=dict)
    _schedule: tuple[list[Node], list[Node]] | None = None
    # dependents() of the ids asked for (a completion asks for the node at its cursor on every
    # version; a value edit keeps the graph, and with it these)
    _dependents: dict[str, set[str]] = field(default_factory=dict)
    _in_order: bool | None = None  # reads_earlier_only()

    def restructured(self, order: list[Node]) -> None:
        """Record that an incremental edit changed this graph's ids or edges in place:
        ``order`` is its schedule now, and what was derived from the old edges is dropped."""
        self._schedule = (order, [])
        self._dependents = {}
        self._in_order = None

    @property
    def is_subgraph(self) -> bool:
        return self.name is not None

    @property
    def label(self) -> str:
        return "the main graph" if self.name is None else f"subgraph `{self.name}`"

    def input_ports(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "input_port"]

    def output_ports(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "output_port"]

    def arity(self) -> int:
        return len(self.input_ports())


@dataclass(eq=False)
class Program:
    parse: ParseResult
    root: JObject | None
    main: Graph
    subgraphs: dict[str, Graph]
    spec: Any = MISSING
    capabilities: list[tuple[Any, JNode]] = field(default_factory=list)
    capabilities_ok: bool = False  # "capabilities" is present and an array
    allowed_domains: list[str] | None = None
    allowed_domains_member: JMember | None = None

    @property
    def graphs(self) -> list[Graph]:
        return [self.main, *self.subgraphs.values()]

    def all_nodes(self) -> list[Node]:
        out = list(self.main.nodes)
        for g in self.subgraphs.values():
            out.extend(g.nodes)
        return out

    def member(self, key: str) -> JMember | None:
        return self.root.get(key) if self.root is not None else None

    def declared_capabilities(self) -> set[str]:
        return {c for c, _ in self.capabilities if isinstance(c, str)}


def _aliased(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` read as if each unknown key that plays a known key's role (``type`` for ``op``,
    ``args`` for ``inputs``, ``input`` for ``inputs``; ``repair/keys.py``) were that key: LX0005
    reports the key, and nothing else follows from its name."""
    from .repair.keys import node_key_roles

    out = dict(raw)
    roles = node_key_roles(raw)
    taken = [r.role for r in roles.values()]
    for key, r in roles.items():
        if r.role not in raw and taken.count(r.role) == 1:
            out[r.role] = raw[key]
    return out


def valid_id(nid: str) -> bool:
    """``ID_PATTERN.fullmatch(nid)``, character by character against a table of the ASCII
    codes: compiled, no regex engine and no hashing (the id check asks for every node)."""
    if not nid or not _ID_START_CODES[min(ord(nid[0]), 128)]:
        return False
    rest = _ID_REST_CODES
    return all(rest[min(ord(nid[i]), 128)] for i in range(1, len(nid)))


def node_fields(raw: dict[str, Any]) -> tuple[str | None, str | None, list[Any], Any, bool]:
    """(id, op, inputs, value, shape_ok) of a node object as written (see :class:`Node`)."""
    # One pass over the members, comparing each key with the five a node may have: compiled,
    # that is cheaper than a lookup per key (the keys are new strings for every node).
    nid: Any = None
    op: Any = None
    inputs: Any = MISSING
    value: Any = MISSING
    doc: Any = None
    keys_ok = True
    for key, v in raw.items():
        if key == "id":
            nid = v
        elif key == "op":
            op = v
        elif key == "inputs":
            inputs = v
        elif key == "value":
            value = v
        elif key == "doc":
            doc = v
        else:
            keys_ok = False
            break
    if not keys_ok:
        fields = _aliased(raw)
        nid = fields.get("id")
        op = fields.get("op")
        inputs = fields.get("inputs", MISSING)
        value = fields.get("value", MISSING)
        doc = raw.get("doc")
    if type(nid) is not str:
        nid = None
    if type(op) is not str:
        op = None
    shape_ok = keys_ok and nid is not None and op is not None
    if type(inputs) is not list:
        shape_ok = shape_ok and inputs is MISSING
        inputs = []
    elif shape_ok:
        for i in inputs:
            if type(i) is not str:
                shape_ok = False
                break
    if doc is not None and type(doc) is not str:
        shape_ok = False
    return nid, op, inputs, value, shape_ok


def _build_graph(name: str | None, array: JNode | None, errors: list[int] | None = None) -> Graph:
    from bisect import bisect_left

    graph = Graph(name, [], array if isinstance(array, JArray) else None)
    if not isinstance(array, JArray):
        return graph
    by_id = graph.by_id
    consumers: dict[str, list[Node]] = {}
    nodes = graph.nodes
    for index, item in enumerate(array.items):
        if type(item) is not JObject:
            continue
        raw = item.value
        nid, op, inputs, value, shape_ok = node_fields(raw)
        broken = False
        if errors and not item.lazy:  # only objects the fast path refused can hold an error
            k = bisect_left(errors, item.start)
            broken = k < len(errors) and errors[k] <= item.end
        node = Node(graph, index, item, raw, nid, op, inputs, value, shape_ok, broken)
        if nid is not None:
            by_id.setdefault(nid, node)  # the first node with the id
        for i in inputs:
            if type(i) is str:
                users = consumers.get(i)
                if users is None:
                    consumers[i] = [node]
                else:
                    users.append(node)
        nodes.append(node)
    graph.consumers = consumers
    return graph


def build_program(parsed: ParseResult) -> Program:
    root = parsed.root if isinstance(parsed.root, JObject) else None
    if root is None:
        return Program(parsed, None, Graph(None, [], None), {})
    nodes_member = root.get("nodes")
    errors = sorted(e.start for e in parsed.errors)
    main = _build_graph(None, nodes_member.value if nodes_member else None, errors)
    subgraphs: dict[str, Graph] = {}
    sg_member = root.get("subgraphs")
    if sg_member is not None and isinstance(sg_member.value, JObject):
        for m in sg_member.value.members:
            if m.key.value in subgraphs:
                continue  # duplicate key: LX0007 reports it; the first definition wins here
            body = m.value
            array = None
            if isinstance(body, JObject):
                nm = body.get("nodes")
                array = nm.value if nm is not None else None
            g = _build_graph(m.key.value, array, errors)
            g.key = m.key
            g.syntax = body if isinstance(body, JObject) else None
            subgraphs[m.key.value] = g
    program = Program(parsed, root, main, subgraphs)
    spec = root.get("spec")
    if spec is not None and spec.value is not None:
        program.spec = spec.value.value
    caps = root.get("capabilities")
    if caps is not None and isinstance(caps.value, JArray):
        program.capabilities_ok = True
        program.capabilities = [(item.value, item) for item in caps.value.items]
    domains = root.get("allowed_domains")
    program.allowed_domains_member = domains
    if domains is not None and isinstance(domains.value, JArray):
        program.allowed_domains = [d for d in domains.value.value if isinstance(d, str)]
    return program


def value_is_invalid(value: Any) -> bool:
    return value is INVALID


# How many nodes' dependents a graph keeps (one per cursor position completion was asked at).
_DEPENDENTS_KEPT: Final = 8


def dependents(graph: Graph, node_id: str) -> set[str]:
    """The ids of every node that uses ``node_id``, directly or through others (completion
    leaves them out: offering one would close a cycle). Kept on the graph until an edit
    restructures it (:meth:`Graph.restructured`); callers must not change the set."""
    kept = graph._dependents
    found = kept.get(node_id)
    if found is None:
        if len(kept) >= _DEPENDENTS_KEPT:
            kept.clear()
        found = kept[node_id] = _dependents(graph, node_id)
    return found


def reads_earlier_only(graph: Graph) -> bool:
    """Whether every node of ``graph`` has an id of its own and reads only nodes before it:
    then no node depends on a node after it (document order is the schedule)."""
    if graph._in_order is None:
        nodes = graph.nodes
        order, stuck = schedule(graph)
        graph._in_order = (
            len(graph.by_id) == len(nodes)
            and not stuck
            and len(order) == len(nodes)
            and all(a is b for a, b in zip(order, nodes))
        )
    return graph._in_order


def _dependents(graph: Graph, node_id: str) -> set[str]:
    seen: set[str] = set()
    todo = [node_id]
    consumers = graph.consumers
    while todo:
        current = todo.pop()
        for consumer in consumers.get(current, ()):
            cid = consumer.id
            if cid is not None and cid not in seen:
                seen.add(cid)
                todo.append(cid)
    return seen


def schedule(graph: Graph) -> tuple[list[Node], list[Node]]:
    """Topological order of ``graph`` with ties in document order (LEXIS.md §3).

    Returns ``(order, stuck)``: ``stuck`` holds the nodes on or behind a cycle. Inputs that name
    no node are ignored here (the reference checks report them). Computed once per graph.
    """
    if graph._schedule is None:
        graph._schedule = _schedule(graph)
    return graph._schedule


def _schedule(graph: Graph) -> tuple[list[Node], list[Node]]:
    import heapq

    by_id = graph.by_id
    nodes = graph.nodes
    # Fast path: when every input names an earlier node, document order is the schedule (the
    # smallest ready node is always the next one in the document).
    in_order = True
    for node in nodes:
        index = node.index
        for i in node.inputs:
            if type(i) is str:
                src = by_id.get(i)
                if src is not None and src.index >= index:
                    in_order = False
                    break
        if not in_order:
            break
    if in_order:
        return list(nodes), []
    pending: dict[int, int] = {}
    dependents: dict[int, list[int]] = {}
    ready: list[int] = []
    position = {id(n): pos for pos, n in enumerate(nodes)}
    for pos, node in enumerate(nodes):
        count = 0
        for i in node.inputs:
            if type(i) is str:
                src = by_id.get(i)
                if src is not None:
                    count += 1
                    dependents.setdefault(position[id(src)], []).append(pos)
        pending[pos] = count
        if count == 0:
            ready.append(pos)
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        pos = heapq.heappop(ready)
        order.append(nodes[pos])
        for dep in dependents.get(pos, ()):
            pending[dep] -= 1
            if pending[dep] == 0:
                heapq.heappush(ready, dep)
    if len(order) == len(nodes):
        return order, []
    done = {id(n) for n in order}
    return order, [n for n in nodes if id(n) not in done]
