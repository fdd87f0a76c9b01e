"""What is at an offset, and where a name is used: the queries behind hover, go to definition,
references, rename, completion, signature help and semantic tokens.

Pure functions over an :class:`~lexis_ls.lang.analysis.Analysis`; offsets are code points.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .analysis import Analysis
from .model import Graph, Node
from .opcodes import OPCODES, ValueRule
from .syntax import JArray, JMember, JNode, JObject, JString

SiteKind = Literal[
    "op",  # the op string of a node
    "id",  # a node's id (a definition)
    "input",  # an id inside a node's inputs (a use)
    "reference",  # a subgraph reference in a node's value
    "value",  # any other node value
    "node_key",  # a key of a node object
    "capability",  # an entry of `capabilities`
    "domain",  # an entry of `allowed_domains`
    "subgraph",  # a subgraph's key in `subgraphs` (a definition)
    "program_key",  # a top-level key
    "node",  # inside a node object, on no token
    "none",
]


@dataclass(frozen=True)
class Site:
    kind: SiteKind
    start: int = 0
    end: int = 0
    text: str = ""  # the string's value (ids, ops, references, keys)
    graph: Graph | None = None
    node: Node | None = None
    index: int | None = None  # the position within `inputs` for "input"
    member: JMember | None = None  # the node member the offset is in


def _inside(node: JNode | None, offset: int) -> bool:
    return node is not None and node.start <= offset <= node.end


T = TypeVar("T")

# Indexes built once per analysis (completion's ids by position), by ``id(analysis)``; the
# weak reference both checks that the entry belongs to that very analysis (an id is reused once
# its object is gone) and drops the entry with the analysis.
_MEMO: dict[int, tuple[weakref.ref[Analysis], dict[Any, Any]]] = {}


def per_analysis(analysis: Analysis, key: Any, build: Callable[[], T]) -> T:
    """``build()``, computed once per ``analysis`` and ``key`` (plain data computed once per
    document version, like the analysis itself). An analysis that an incremental re-analysis
    has consumed (its tree and model were updated in place) is not trusted: built afresh."""
    if analysis.consumed:
        _MEMO.pop(id(analysis), None)
        return build()
    ident = id(analysis)
    entry = _MEMO.get(ident)
    if entry is None or entry[0]() is not analysis:

        def drop(ref: weakref.ref[Analysis], ident: int = ident) -> None:
            current = _MEMO.get(ident)
            if current is not None and current[0] is ref:
                del _MEMO[ident]

        entry = _MEMO[ident] = (weakref.ref(analysis, drop), {})
    store = entry[1]
    if key in store:
        return store[key]  # type: ignore[no-any-return]
    value = store[key] = build()
    return value


def _node_start(node: Node) -> int:
    return node.syntax.start


def node_at(graph: Graph, offset: int) -> Node | None:
    """The node of ``graph`` whose object contains ``offset``: a binary search over the nodes
    (they are in text order), without a list of every node's start."""
    nodes = graph.nodes
    if not nodes:
        return None
    k = bisect_right(nodes, offset, key=_node_start) - 1
    if k >= 0 and nodes[k].syntax.start <= offset <= nodes[k].syntax.end:
        return nodes[k]
    return None


def graph_at(analysis: Analysis, offset: int) -> Graph | None:
    """The graph whose `nodes` array contains ``offset``."""
    for graph in analysis.program.graphs:
        if graph.array is not None and graph.array.start <= offset <= graph.array.end:
            return graph
    return None


def _string_site(kind: SiteKind, s: JString, **kw: object) -> Site:
    return Site(kind, s.start, s.end, s.value, **kw)  # type: ignore[arg-type]


def locate(analysis: Analysis, offset: int) -> Site:
    program = analysis.program
    root = program.root
    if root is None:
        return Site("none")
    graph = graph_at(analysis, offset)
    if graph is not None:
        node = node_at(graph, offset)
        if node is None:
            return Site("none", graph=graph)
        return _in_node(graph, node, offset)
    for m in root.members:
        if _inside(m.key, offset):
            return _string_site("program_key", m.key, member=m)
        if not _inside(m.value, offset):
            continue
        key = m.key.value
        if key in ("capabilities", "allowed_domains") and isinstance(m.value, JArray):
            for item in m.value.items:
                if isinstance(item, JString) and _inside(item, offset):
                    return _string_site("capability" if key == "capabilities" else "domain", item)
        if key == "subgraphs" and isinstance(m.value, JObject):
            for sm in m.value.members:
                if _inside(sm.key, offset):
                    return _string_site(
                        "subgraph", sm.key, graph=program.subgraphs.get(sm.key.value)
                    )
    return Site("none")


def _in_node(graph: Graph, node: Node, offset: int) -> Site:
    for m in node.syntax.members:
        if _inside(m.key, offset):
            return _string_site("node_key", m.key, graph=graph, node=node, member=m)
        value = m.value
        if not _inside(value, offset):
            continue
        key = m.key.value
        if key == "id" and isinstance(value, JString):
            return _string_site("id", value, graph=graph, node=node, member=m)
        if key == "op" and isinstance(value, JString):
            return _string_site("op", value, graph=graph, node=node, member=m)
        if key == "inputs" and isinstance(value, JArray):
            for k, item in enumerate(value.items):
                if isinstance(item, JString) and _inside(item, offset):
                    return _string_site("input", item, graph=graph, node=node, index=k, member=m)
            return Site("node", value.start, value.end, graph=graph, node=node, member=m)
        if key == "value":
            op = OPCODES.get(node.op or "")
            if op is not None and op.value is ValueRule.SUBGRAPH_REF and isinstance(value, JString):
                return _string_site("reference", value, graph=graph, node=node, member=m)
            assert value is not None
            return Site("value", value.start, value.end, graph=graph, node=node, member=m)
        assert value is not None
        return Site("node", value.start, value.end, graph=graph, node=node, member=m)
    return Site("node", node.syntax.start, node.syntax.end, graph=graph, node=node)


@dataclass(frozen=True)
class Occurrence:
    start: int
    end: int
    definition: bool


def id_occurrences(graph: Graph, name: str) -> list[Occurrence]:
    """The definition(s) of node id ``name`` in ``graph`` and every input that names it."""
    out: list[Occurrence] = []
    for node in graph.nodes:
        if node.id == name:
            s = node.id_span()
            out.append(Occurrence(s.start, s.end, True))
    seen: set[int] = set()
    for consumer in graph.consumers.get(name, ()):
        # a node is listed once per input that names `name`: its inputs are read once
        if id(consumer) in seen:
            continue
        seen.add(id(consumer))
        for k, i in enumerate(consumer.inputs):
            if i == name:
                s = consumer.input_span(k)
                out.append(Occurrence(s.start, s.end, False))
    out.sort(key=lambda o: o.start)
    return out


def subgraph_occurrences(analysis: Analysis, name: str) -> list[Occurrence]:
    """The key of subgraph ``name`` and every reference to it by name (hash references name
    content, not the key, so they are not renamed with it)."""
    program = analysis.program
    out: list[Occurrence] = []
    graph = program.subgraphs.get(name)
    if graph is not None and graph.key is not None:
        out.append(Occurrence(graph.key.start, graph.key.end, True))
    for node in program.all_nodes():
        info = OPCODES.get(node.op or "")
        if node.value == name and info is not None and info.value is ValueRule.SUBGRAPH_REF:
            s = node.value_span("value")
            if s is not None:
                out.append(Occurrence(s.start, s.end, False))
    out.sort(key=lambda o: o.start)
    return out
