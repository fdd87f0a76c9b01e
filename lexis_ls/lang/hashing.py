"""Content hashes (LEXIS.md §5) and subgraph reference resolution.

``H(node)`` hashes the op, the value (a subgraph reference replaced by the referenced subgraph's
hash) and the hashes of the inputs, never the ids. A node whose hash is undefined (an input that
names no node, a cycle, an unresolvable or recursive subgraph reference, a value that is not
finite JSON) gets ``None``, and so does everything that depends on it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator, Iterator
from functools import cache
from typing import Any, Final

import blake3
from mypy_extensions import mypyc_attr

from . import stdlib
from .model import HASH_PATTERN, MISSING, Graph, Node, Program, _build_graph, schedule
from .opcodes import OPCODES, ValueRule
from .surrogates import has_lone_surrogate, text_has_lone_surrogate
from .syntax import INVALID, parse

_encode: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode

# Nodes hashed in one step of priming (about half a millisecond of work, compiled).
PRIME_SLICE: Final = 256
_UNSET: Final = object()
_NO_NODES: Final = '"nodes":[]'

SUBGRAPH_REF_OPS: Final = frozenset(
    n for n, op in OPCODES.items() if op.value is ValueRule.SUBGRAPH_REF
)


_encode_string: Final = json.encoder.encode_basestring


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
    if t is float:
        # as the JSON encoder writes a float (its repr); NaN and the infinities have no C(x)
        return repr(value) if math.isfinite(value) else None
    try:
        return str(_encode(value))
    except (ValueError, TypeError):
        return None


def canonical(value: Any) -> bytes:
    """``C(x)`` of LEXIS.md §5 (raises UnicodeEncodeError for a lone surrogate, ValueError for
    NaN or Infinity: such values have no ``C(x)``)."""
    return _encode(value).encode("utf-8")


def blake(value: Any) -> str:
    return blake3.blake3(canonical(value)).digest().hex()


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


@mypyc_attr(allow_interpreted_subclasses=True)  # the interpreter's resolves run-time FUNCs
class Hasher:
    """Hashes of one program's nodes and subgraphs, computed on demand and memoised. One
    thread at a time uses a hasher (each analysis's own, or each run's): its BLAKE3 state is
    reset and reused for every node."""

    def __init__(self, program: Program | None) -> None:
        self.program = program
        self._node: dict[int, str | None] = {}
        self._graph: dict[int, str | None] = {}
        # Graphs whose nodes are all hashed, and where the hashing of the others stopped
        # (:meth:`prime` hashes a graph a slice at a time): its schedule and the next index.
        self._hashed: set[int] = set()
        self._program: object = _UNSET
        self._cursor: dict[int, tuple[list[Node], int]] = {}
        self._in_progress: set[int] = set()
        self._user_by_hash: dict[str, Graph] | None = None
        # A lone surrogate anywhere in the program (LX0008): the program has no hash, nor has a
        # node holding one (in any of its keys or values, its id and doc included). Found on
        # the first hash asked for (an analysis that no feature hashes never scans the text).
        self._lone_found: bool | None = None
        self._state = blake3.blake3()  # reset for each node hashed (see :meth:`_compute`)

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
        self._hash_nodes(graph, one_slice=False)

    def _hash_nodes(self, graph: Graph, one_slice: bool) -> bool:
        """Hash ``graph``'s nodes in schedule order, carrying on where an earlier call stopped:
        all of them, or with ``one_slice`` the next PRIME_SLICE only. True once all are hashed.
        Nodes already hashed (kept from the analysis before an edit) are skipped."""
        key = id(graph)
        if key in self._hashed:
            return True
        memo = self._node
        cursor = self._cursor.get(key)
        if cursor is None:
            self._hash_references_first(graph)
            order, stuck = schedule(graph)
            for node in stuck:
                memo[id(node)] = None
            cursor = (order, 0)
        order, pos = cursor
        by_id = graph.by_id
        total = len(order)
        stop = min(pos + PRIME_SLICE, total) if one_slice else total
        for k in range(pos, stop):
            node = order[k]
            if id(node) not in memo:
                memo[id(node)] = self._compute(node, by_id, memo)
        if stop < total:
            self._cursor[key] = (order, stop)
            return False
        self._cursor.pop(key, None)
        self._hashed.add(key)
        return True

    def priming(self) -> Iterator[None]:
        """The steps that compute the hashes a hover or a code lens asks for (every node of
        the main graph, then the program's hash), each about a millisecond of work: the
        server runs them while idle. The steps hold the hasher, not the other way round, so
        steps dropped half done (a newer version came) leave no reference cycle behind."""
        if self._program is _UNSET:
            yield from self._program_steps()

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
        count = len(input_hashes)
        if count == 0:
            inputs = ""
        elif count == 1:
            inputs = f'"{input_hashes[0]}"'
        elif count == 2:
            inputs = f'"{input_hashes[0]}","{input_hashes[1]}"'
        else:
            inputs = '"' + '","'.join(input_hashes) + '"'
        op_text = f'"{op}"' if op in OPCODES else _encode(op)
        # (one string built at once: the text is mostly the input hashes, 64 characters each)
        text = f'{{"inputs":[{inputs}],"op":{op_text},"value":{encoded_value}}}'
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None  # a lone surrogate (LX0008): no UTF-8 encoding, so no hash
        # One BLAKE3 state reset for each node: making a new one costs more than hashing the
        # node's hundred or two bytes, and `digest().hex()` is C where `hexdigest` is not.
        state = self._state
        state.reset()
        state.update(data)
        return state.digest().hex()

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
        if self._program is _UNSET:
            for _ in self._program_steps():
                pass
        return self._program  # type: ignore[return-value]

    def _program_steps(self) -> Iterator[None]:
        """Compute the program's hash into ``_program``, yielding after each step of about a
        millisecond (:meth:`prime` runs the steps while the server is idle)."""
        self._program = yield from self._program_digest()

    def _program_digest(self) -> Generator[None, None, str | None]:
        """The steps of :meth:`_program_steps`, returning the hash (None: the program has none).

        ``C(x)`` of ``{allowed_domains, capabilities, nodes, spec}`` is fed to BLAKE3 in
        pieces: the text around an empty `nodes` list, and in its place the distinct node
        hashes in order, put into buckets by their first two hex digits and each bucket sorted
        in its turn (hex digits are JSON strings as they are)."""
        program = self.program
        if program is None or program.root is None or self._lone:
            return None
        main = program.main
        while not self._hash_nodes(main, one_slice=True):
            yield
        if not program.capabilities_ok:
            return None
        if program.spec is not MISSING and not isinstance(program.spec, str):
            return None  # a broken `spec` (not a string, or not even JSON): no hash
        try:
            text = _encode(
                {
                    "spec": program.spec if program.spec is not MISSING else None,
                    "capabilities": sorted(program.declared_capabilities()),
                    "allowed_domains": sorted(set(program.allowed_domains or [])),
                    "nodes": [],
                }
            )
            # the key is found by its quotes, which a string inside would escape
            at = text.index(_NO_NODES) + len(_NO_NODES) - 1
            head, tail = text[:at].encode("utf-8"), text[at:].encode("utf-8")
        except (UnicodeEncodeError, ValueError, TypeError):
            return None  # a lone surrogate (LX0008) or a value with no C(x): no hash
        memo = self._node
        nodes = main.nodes
        buckets: dict[str, set[str]] = {}
        step = 4 * PRIME_SLICE
        for first in range(0, len(nodes), step):
            for node in nodes[first : first + step]:
                h = memo.get(id(node))
                if h is None:
                    return None
                bucket = buckets.get(h[:2])
                if bucket is None:
                    buckets[h[:2]] = {h}
                else:
                    bucket.add(h)
            yield
        digest = blake3.blake3(head)
        separator = b""
        for k, key in enumerate(sorted(buckets)):
            digest.update(separator + ('"' + '","'.join(sorted(buckets[key])) + '"').encode())
            separator = b","
            if k % 16 == 15:
                yield
        digest.update(tail)
        return digest.hexdigest()
