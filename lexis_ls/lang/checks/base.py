"""What every check shares: the context, and text-edit builders for fixes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Final

from .. import opcodes
from ..diagnostics import Diagnostic, TextEdit
from ..hashing import Hasher
from ..model import NODE_KEYS, Graph, Node, Program
from ..opcodes import ValueRule
from ..syntax import INVALID, JArray, JNode
from ..text import Span, starts_at

# The registry as statics of the compiled core (lexis_ls/lang/native.py): a name imported
# from a module that is not compiled is looked up in the importing module's globals at every
# use, and the checks ask for every node.
OPCODES: Final = opcodes.OPCODES
NON_PROPAGATING_OPS: Final = opcodes.NON_PROPAGATING_OPS
# op -> (has an effect, is nondeterministic, names a subgraph it calls in its value); the
# registry's `effect` and `deterministic` are properties, run by the interpreter.
_IMPURITY: Final = {
    name: (
        op.effect,
        not op.deterministic,
        op.value is ValueRule.SUBGRAPH_REF and name != "subgraph_def",
    )
    for name, op in OPCODES.items()
}


@dataclass
class Options:
    trust_ceiling: int | None = None  # LX2008 is reported only when a ceiling is configured


@dataclass
class Context:
    program: Program
    text: str
    hasher: Hasher
    options: Options
    out: list[Diagnostic] = field(default_factory=list)

    # What the flow and duplicate checks computed per graph, kept with the analysis so that
    # an edit can update it (lexis_ls/lang/incremental.py) instead of recomputing it.
    flow: dict[Graph, Any] = field(default_factory=dict)
    duplicates: dict[Graph, Any] = field(default_factory=dict)

    # Nodes a dangling reference evidently meant (LX1003): not reported as unused (LX3001).
    meant: set[int] = field(default_factory=set)
    # Per-graph results a check computes once and reads for several findings.
    memo: dict[tuple[str, int], Any] = field(default_factory=dict)

    _impure_graphs: dict[int, tuple[bool, bool]] = field(default_factory=dict)
    _refs: dict[str, Graph | None] = field(default_factory=dict)
    _arity: dict[int, int] = field(default_factory=dict)

    def resolve(self, ref: Any) -> Graph | None:
        """The subgraph a reference names (memoised: programs repeat their references); None
        for a value that is not a string, as :meth:`Hasher.resolve` gives."""
        if type(ref) is not str:
            return None
        if ref not in self._refs:
            self._refs[ref] = self.hasher.resolve(ref)
        return self._refs[ref]

    def arity(self, graph: Graph) -> int:
        key = id(graph)
        if key not in self._arity:
            self._arity[key] = graph.arity()
        return self._arity[key]

    # --- effects through subgraph references ---

    def graph_impurity(self, graph: Graph) -> tuple[bool, bool]:
        """(has an effect, is nondeterministic) for calling ``graph``, through nested calls."""
        key = id(graph)
        if key in self._impure_graphs:
            return self._impure_graphs[key]
        self._impure_graphs[key] = (False, False)  # provisional: a recursive call adds nothing
        effect = nondet = False
        for node in graph.nodes:
            e, n = self.node_impurity(node)
            effect, nondet = effect or e, nondet or n
        self._impure_graphs[key] = (effect, nondet)
        return effect, nondet

    def node_impurity(self, node: Node) -> tuple[bool, bool]:
        """(has an effect, is nondeterministic) for one node, subgraphs it calls included."""
        facts = _IMPURITY.get(node.op) if node.op is not None else None
        if facts is None:
            return False, False
        effect, nondet, by_reference = facts
        if by_reference:
            target = self.resolve(node.value)
            if target is not None:
                e, n = self.graph_impurity(target)
                effect, nondet = effect or e, nondet or n
        elif node.op in ("apply", "match"):
            # Calls whatever FUNC arrives: impure when any subgraph of the program is.
            for g in self.program.subgraphs.values():
                e, n = self.graph_impurity(g)
                effect, nondet = effect or e, nondet or n
        return effect, nondet

    def graph_uncertain(self, graph: Graph, *, ops: bool = False) -> bool:
        """Some node of ``graph`` could not be read (a syntax error in it, not an object, no
        nodes array), so who consumes what is unknown and "unused" findings would guess. With
        ``ops``, a node whose op is unknown also counts (its capability is unknown)."""
        # Memoised: the answer depends only on the model, which the checks do not change, and
        # the flow check asks once per origin of an error value (quadratic otherwise).
        key = ("uncertain-ops" if ops else "uncertain", id(graph))
        known = self.memo.get(key)
        if known is None:
            known = self.memo[key] = self._graph_uncertain(graph, ops)
        return bool(known)

    def _graph_uncertain(self, graph: Graph, ops: bool) -> bool:
        if graph.array is None:
            return graph.syntax is not None or (
                graph.name is None and self.program.root is not None
            )
        if len(graph.nodes) != len(graph.array.items):
            return True
        return any(n.broken or (ops and n.op not in OPCODES) for n in graph.nodes)

    def add(self, diagnostic: Diagnostic) -> None:
        self.out.append(diagnostic)

    def fresh_id(self, graph: Graph, base: str, taken: set[str] | None = None) -> str:
        used = taken if taken is not None else set()
        n = 2
        candidate = base
        while candidate in graph.by_id or candidate in used:
            candidate = f"{base}_{n}"
            n += 1
        return candidate


# The start of a node object whose first member is its id, as written (JSON whitespace only).
_ID_FIRST: Final = re.compile(r'\{[ \t\n\r]*"id"[ \t\n\r]*:[ \t\n\r]*("(?:[^"\\]|\\.)*")')


def id_span(text: str, node: Node) -> Span:
    """``node.id_span()``, without parsing the node's members again when the id is its first
    member: a lazy object (decoded in one call by the C scanner, so valid JSON without
    repeated keys) re-parses all its members to give any of their spans, and the lint checks
    ask for thousands of ids."""
    syntax = node.syntax
    if syntax.lazy:
        start = syntax.start
        if starts_at(text, '{"id": "', start):
            # the canonical layout: the id string ends at the next quote, unless it has escapes
            end = text.find('"', start + 8)
            if end > 0 and end + 1 < syntax.end and text.find("\\", start + 8, end) < 0:
                return Span(start + 7, end + 1)
        m = _ID_FIRST.match(text, start)
        if m is not None and m.end() < syntax.end:
            return Span(m.start(1), m.end(1))
    return node.id_span()


# The start of a node object whose members begin with its id, op and inputs, in this order
# (the canonical layout), up to the inputs' opening bracket; and one string element of them.
_WS: Final = r"[ \t\n\r]*"
_STRING: Final = r'"(?:[^"\\]|\\.)*"'
_ID_OP_INPUTS: Final = re.compile(
    rf'\{{{_WS}"id"{_WS}:{_WS}{_STRING}{_WS},{_WS}"op"{_WS}:{_WS}{_STRING}{_WS},'
    rf'{_WS}"inputs"{_WS}:{_WS}\['
)
_ELEMENT: Final = re.compile(rf"{_WS}({_STRING}){_WS}([,\]])")


def input_span(text: str, node: Node, index: int) -> Span:
    """``node.input_span(index)``, without parsing the node's members again when they begin
    with its id, op and inputs and the inputs up to ``index`` are strings (see
    :func:`id_span`): the merge fixes of duplicates ask for the inputs of thousands."""
    syntax = node.syntax
    if syntax.lazy:
        span = _canonical_input_span(text, syntax.start, syntax.end, index)
        if span is not None:
            return span
        m = _ID_OP_INPUTS.match(text, syntax.start)
        if m is not None:
            pos = m.end()
            for k in range(index + 1):
                e = _ELEMENT.match(text, pos)
                if e is None or e.end() > syntax.end:
                    break
                if k == index:
                    return Span(e.start(1), e.end(1))
                if e.group(2) == "]":
                    break
                pos = e.end()
    return node.input_span(index)


def op_span(text: str, node: Node) -> Span:
    """``node.op_span()``, without parsing the node's members again when they begin with its
    id and op in the canonical layout (see :func:`id_span`) and the op has no escapes."""
    syntax = node.syntax
    if syntax.lazy:
        opened = _canonical_op_start(text, syntax.start)
        if opened >= 0:
            close = text.find('"', opened + 1)
            if 0 < close < syntax.end and text.find("\\", opened, close) < 0:
                return Span(opened, close + 1)
    return node.op_span()


def _canonical_op_start(text: str, start: int) -> int:
    """Where the op string of the lazy object at ``start`` opens, when the object begins
    ``{"id": "…", "op": "`` (see :func:`_canonical_input_span` for why the id ends at the
    first quote); -1 otherwise."""
    if not starts_at(text, '{"id": "', start):
        return -1
    quote = text.find('"', start + 8)  # the id's closing quote
    if quote < 0 or not starts_at(text, '", "op": "', quote):
        return -1
    return quote + 9


def _canonical_input_span(text: str, start: int, end: int, index: int) -> Span | None:
    """:func:`input_span` by string searches alone, for a node written in the canonical layout
    (``{"id": "a", "op": "add", "inputs": ["b", "c"]``) with no escapes in these strings; None
    otherwise (the patterns decide)."""
    # The object is valid JSON (lazy): the first quote after the id's opening one closes the
    # id when `, "op": "` follows it (were it an escaped one, the id would close at the quote
    # after `, ` and be followed by `op`: not JSON). So for the op, and each element followed
    # by `, "`; the element asked for is followed by nothing checked: it must have no escapes.
    opened = _canonical_op_start(text, start)
    if opened < 0:
        return None
    quote = text.find('"', opened + 1)  # the op's closing quote
    if quote < 0 or not starts_at(text, '", "inputs": [', quote):
        return None
    pos = quote + 14  # the first element's opening quote
    for k in range(index + 1):
        if not starts_at(text, '"', pos):
            return None
        close = text.find('"', pos + 1)
        if close < 0 or close >= end or text.find("\\", pos, close) >= 0:
            return None
        if k == index:
            return Span(pos, close + 1)
        if not starts_at(text, ', "', close + 1):
            return None
        pos = close + 3
    return None


def json_text(value: Any) -> str:
    """``value`` as JSON text; a part the parser could not read (a truncated text) shows as
    ``…``."""
    if type(value) is str:  # what the encoder does with a string, without its Python method
        return str(_encode_string(value))
    return _JSON_TEXT.encode(value)


def _unreadable(value: Any) -> str:
    if value is INVALID:
        return "…"
    raise TypeError(f"{type(value).__name__} is not JSON")


# What `json.dumps(value, ensure_ascii=False, default=_unreadable)` would build on every call
# (an encoder keeps no state between calls); the checks ask for thousands of texts.
_JSON_TEXT: Final = json.JSONEncoder(ensure_ascii=False, default=_unreadable)
_encode_string: Final = json.encoder.encode_basestring


def node_text(node: dict[str, Any]) -> str:
    """One node on one line, keys in canonical order (LEXIS.md §7)."""
    keys = [k for k in NODE_KEYS if k in node] + [k for k in node if k not in NODE_KEYS]
    return "{" + ", ".join(f"{json_text(k)}: {json_text(node[k])}" for k in keys) + "}"


def line_indent(text: str, offset: int) -> str | None:
    """The indentation before ``offset`` when only whitespace precedes it on its line."""
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    return prefix if prefix.strip() == "" else None


def insert_before_element(text: str, element: JNode, new_text: str) -> TextEdit:
    """Insert ``new_text`` as a new array element just before ``element``."""
    indent = line_indent(text, element.start)
    sep = ",\n" + indent if indent is not None else ", "
    return TextEdit(element.start, element.start, new_text + sep)


def insert_const(text: str, before: Node, nid: str, value: Any) -> TextEdit:
    """Insert the node `{"id": nid, "op": "const", "value": value}` just before node ``before``
    (a literal, a text or a value made a node of its own)."""
    return insert_before_element(
        text, before.syntax, node_text({"id": nid, "op": "const", "value": value})
    )


def append_to_array(array: JArray, new_text: str, text: str | None = None) -> TextEdit:
    """Append an element to ``array``, following its layout: ``["A", "B"]`` -> ``["A", "B",
    "C"]``; an array with one element per line gets the new one on a line of its own, at the
    same indentation (pass the document ``text`` to have the layout followed)."""
    if array.items:
        last = array.items[-1]
        indent = line_indent(text, last.start) if text is not None else None
        if indent is not None:
            return TextEdit(last.end, last.end, ",\n" + indent + new_text)
        return TextEdit(last.end, last.end, ", " + new_text)
    return TextEdit(array.start + 1, array.start + 1, new_text)


def remove_element(array: JArray, index: int) -> TextEdit:
    """Remove element ``index`` of ``array`` together with one separating comma."""
    items = array.items
    item = items[index]
    if index + 1 < len(items):
        return TextEdit(item.start, items[index + 1].start, "")
    if index > 0:
        return TextEdit(items[index - 1].end, item.end, "")
    return TextEdit(item.start, item.end, "")


def replace(node: JNode, new_text: str) -> TextEdit:
    return TextEdit(node.start, node.end, new_text)
