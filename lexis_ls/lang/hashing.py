"""Content hashes (LEXIS.md §5) and subgraph reference resolution.

``H(node)`` hashes the op, the value (a subgraph reference replaced by the referenced subgraph's
hash) and the hashes of the inputs, never the ids. A node whose hash is undefined (an input that
names no node, a cycle, an unresolvable or recursive subgraph reference, a value that is not
finite JSON) gets ``None``, and so does everything that depends on it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import blake3

from . import stdlib
from .model import HASH_PATTERN, MISSING, Graph, Node, Program, _build_graph, schedule
from .opcodes import OPCODES, ValueRule
from .surrogates import has_lone_surrogate, text_has_lone_surrogate
from .syntax import INVALID, parse

_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode

SUBGRAPH_REF_OPS = frozenset(n for n, op in OPCODES.items() if op.value is ValueRule.SUBGRAPH_REF)


_encode_string = json.encoder.encode_basestring


def _encode_value(value: Any) -> str | None:
    """``C(value)`` as text, with fast paths for the common scalars; None if not finite JSON."""
    t = type(value)
    if value is None:
        return "null"
    if t is int:
        return str(value)
    if t is str:
        return str(_encode_string(value))
    if t is bool:
        return "true" if value else "false"
    try:
        return str(_encode(value))
    except (ValueError, TypeError):
        return None


def canonical(value: Any) -> bytes:
    """``C(x)`` of LEXIS.md §5 (raises UnicodeEncodeError for a lone surrogate, ValueError for
    NaN or Infinity: such values have no ``C(x)``)."""
    return _encode(value).encode("utf-8")


def blake(value: Any) -> str:
    return blake3.blake3(canonical(value)).hexdigest()


@cache
def std_graph(name: str) -> Graph:
    """The stdlib subgraph ``name`` (without prefix) as a model graph."""
    entry = stdlib.entries()[name]
    parsed = parse(entry.program_text())
    assert parsed.root is not None and not parsed.errors
    member = parsed.root.get("nodes")  # type: ignore[union-attr]
    graph = _build_graph(entry.ref, member.value if member else None)
    return graph


@cache
def std_hashes() -> dict[str, str]:
    """content hash -> std name (computed, not copied: the tests compare with LEXIS.md)."""
    out: dict[str, str] = {}
    for name in stdlib.entries():
        h = Hasher(None).subgraph_hash(std_graph(name))
        assert h is not None
        out[h] = name
    return out


class Hasher:
    """Hashes of one program's nodes and subgraphs, computed on demand and memoised."""

    def __init__(self, program: Program | None) -> None:
        self.program = program
        self._node: dict[int, str | None] = {}
        self._graph: dict[int, str | None] = {}
        self._in_progress: set[int] = set()
        self._user_by_hash: dict[str, Graph] | None = None
        # A lone surrogate anywhere in the program (LX0008): the program has no hash, nor has a
        # node holding one (in any of its keys or values, its id and doc included). Found on
        # the first hash asked for (an analysis that no feature hashes never scans the text).
        self._lone_found: bool | None = None

    @property
    def _lone(self) -> bool:
        if self._lone_found is None:
            program = self.program
            self._lone_found = program is not None and text_has_lone_surrogate(program.parse.text)
        return self._lone_found

    @_lone.setter
    def _lone(self, value: bool) -> None:
        self._lone_found = value

    # --- references ---

    def resolve(self, ref: Any) -> Graph | None:
        """The subgraph a reference names: a user subgraph, ``std:NAME`` or a 64-hex hash."""
        if type(ref) is not str:
            return None
        if self.program is not None and ref in self.program.subgraphs:
            return self.program.subgraphs[ref]
        if ref.startswith(stdlib.STD_PREFIX):
            name = ref[len(stdlib.STD_PREFIX) :]
            return std_graph(name) if name in stdlib.entries() else None
        if len(ref) == 64 and HASH_PATTERN.fullmatch(ref):
            std = std_hashes().get(ref)
            if std is not None:
                return std_graph(std)
            return self._user_hashes().get(ref)
        return None

    def _user_hashes(self) -> dict[str, Graph]:
        if self._user_by_hash is None:
            self._user_by_hash = {}
            if self.program is not None:
                for g in self.program.subgraphs.values():
                    h = self.subgraph_hash(g)
                    if h is not None:
                        self._user_by_hash.setdefault(h, g)
        return self._user_by_hash

    # --- hashes ---

    def node_hash(self, node: Node) -> str | None:
        key = id(node)
        if key not in self._node:
            self._hash_graph_nodes(node.graph)
        return self._node.get(key)

    def graph_node_hashes(self, graph: Graph) -> dict[str, str | None]:
        """id -> hash for every node of ``graph`` with a string id (first definition)."""
        self._hash_graph_nodes(graph)
        return {n.id: self._node.get(id(n)) for n in graph.nodes if n.id is not None}

    def _references(self, graph: Graph) -> list[Graph]:
        out = []
        for n in graph.nodes:
            if n.op in SUBGRAPH_REF_OPS:
                target = self.resolve(n.value)
                if target is not None:
                    out.append(target)
        return out

    def _hash_references_first(self, graph: Graph) -> None:
        """Hashes the subgraphs ``graph`` reaches, the deepest first: hashing ``graph`` then
        finds them done, and a long chain of calls does not exhaust Python's stack."""
        done = self._graph
        seen = {id(graph)}
        order: list[Graph] = []
        stack: list[tuple[Graph, list[Graph]]] = [(graph, self._references(graph))]
        while stack:
            g, pending = stack[-1]
            if pending:
                target = pending.pop()
                if id(target) not in seen and id(target) not in done:
                    seen.add(id(target))
                    stack.append((target, self._references(target)))
            else:
                stack.pop()
                if g is not graph:
                    order.append(g)
        for g in order:
            self.subgraph_hash(g)

    def _hash_graph_nodes(self, graph: Graph) -> None:
        self._hash_references_first(graph)
        order, stuck = schedule(graph)
        memo = self._node
        by_id = graph.by_id
        for node in stuck:
            memo[id(node)] = None
        for node in order:
            memo[id(node)] = self._compute(node, by_id, memo)

    def _compute(
        self, node: Node, by_id: dict[str, Node], memo: dict[int, str | None]
    ) -> str | None:
        op = node.op
        if op is None:
            return None
        if self._lone and has_lone_surrogate(node.raw):
            return None
        input_hashes = []
        for i in node.inputs:
            src = by_id.get(i) if type(i) is str else None
            if src is None:
                return None
            h = memo.get(id(src))
            if h is None:
                return None
            input_hashes.append(h)
        value = node.value
        if value is MISSING:
            value = None
        elif value is INVALID:
            return None
        if op in SUBGRAPH_REF_OPS:
            target = self.resolve(value)
            if target is None:
                return None
            value = self.subgraph_hash(target)
            if value is None:
                return None
        encoded_value = _encode_value(value)
        if encoded_value is None:
            return None
        inputs = '"' + '","'.join(input_hashes) + '"' if input_hashes else ""
        op_text = '"' + op + '"' if op in OPCODES else _encode(op)
        text = '{"inputs":[' + inputs + '],"op":' + op_text + ',"value":' + encoded_value + "}"
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None  # a lone surrogate (LX0008): no UTF-8 encoding, so no hash
        return blake3.blake3(data).hexdigest()

    def subgraph_hash(self, graph: Graph) -> str | None:
        key = id(graph)
        if key in self._graph:
            return self._graph[key]
        if key in self._in_progress or self._recursive(graph):
            self._graph[key] = None  # recursive subgraph: no finite hash
            return None
        self._in_progress.add(key)
        try:
            self._hash_graph_nodes(graph)
            ports: list[tuple[int, Node]] = []
            for n in graph.nodes:
                if n.op == "output_port":
                    if type(n.value) is not int:
                        self._graph[key] = None
                        return None
                    ports.append((n.value, n))
            ports.sort(key=lambda p: p[0])
            outputs = [self._node.get(id(n)) for _, n in ports]
            if not outputs or any(h is None for h in outputs):
                result = None
            else:
                result = blake({"subgraph": {"arity": graph.arity(), "outputs": outputs}})
        finally:
            self._in_progress.discard(key)
        self._graph[key] = result
        return result

    def _recursive(self, graph: Graph) -> bool:
        """``graph`` calls itself by name, directly or through other subgraphs. Such a subgraph
        has no hash whatever order the hashes are asked for in. (A hash reference cannot close
        a loop: it would have to contain itself.)"""
        if self.program is None or graph.name is None:
            return False
        subgraphs = self.program.subgraphs
        seen: set[str] = set()
        stack = [graph]
        while stack:
            g = stack.pop()
            for n in g.nodes:
                ref = n.value
                if n.op in SUBGRAPH_REF_OPS and type(ref) is str and ref in subgraphs:
                    if ref == graph.name:
                        return True
                    if ref not in seen:
                        seen.add(ref)
                        stack.append(subgraphs[ref])
        return False

    def program_hash(self) -> str | None:
        program = self.program
        if program is None or program.root is None or self._lone:
            return None
        node_hashes = [self.node_hash(n) for n in program.main.nodes]
        if any(h is None for h in node_hashes) or not program.capabilities_ok:
            return None
        if program.spec is not MISSING and not isinstance(program.spec, str):
            return None  # a broken `spec` (not a string, or not even JSON): no hash
        caps = program.declared_capabilities()
        try:
            return blake(
                {
                    "spec": program.spec if program.spec is not MISSING else None,
                    "capabilities": sorted(caps),
                    "allowed_domains": sorted(set(program.allowed_domains or [])),
                    "nodes": sorted(set(h for h in node_hashes if h is not None)),
                }
            )
        except (UnicodeEncodeError, ValueError, TypeError):
            return None  # a lone surrogate (LX0008) or a value with no C(x): no hash
