"""What each meaningful token of a Lexis document is: the classification behind semantic
highlighting (and the TextMate grammar, which wants the same vocabulary).

:func:`classify` walks the syntax tree once, in document order, and returns plain
:class:`Token` values over code-point offsets. Only the Lexis structure is classified; JSON
punctuation, ordinary strings and numbers are left to the editor's JSON colouring.

====================  =========================================================================
kind                  what
====================  =========================================================================
``key``               a key of the program, of a subgraph object or of a node object
``op``                a known opcode; its modifiers hold the op's category (``arithmetic``...)
                      and ``effect`` for ops with observable effects (``print``, I/O...)
``node_id``           a node's ``id`` (modifier ``declaration``)
``input``             a node id used in ``inputs``
``capability``        a known capability name in ``capabilities``
``subgraph``          a subgraph's key in ``subgraphs`` (modifier ``declaration``)
``reference``         a subgraph reference in a node's ``value`` (modifier ``std`` for ``std:``)
``port``              the port number of an ``input_port``/``output_port`` node
====================  =========================================================================

Tokens cover the whole JSON token, quotes included; they never overlap and never span lines
(JSON strings cannot, and the tolerant parser ends a broken one at its line's end).
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from .model import Program
from .opcodes import CAPABILITIES, EFFECT_OPS, OPCODES, ValueRule
from .stdlib import STD_PREFIX
from .syntax import JArray, JMember, JNode, JObject, JScalar, JString

__all__ = ["KINDS", "MODIFIERS", "Token", "TokenKind", "classify"]

TokenKind = Literal["key", "op", "node_id", "input", "capability", "subgraph", "reference", "port"]
KINDS: tuple[TokenKind, ...] = (
    "key",
    "op",
    "node_id",
    "input",
    "capability",
    "subgraph",
    "reference",
    "port",
)
# Modifiers besides the op categories (opcodes.CATEGORIES).
MODIFIERS: tuple[str, ...] = ("declaration", "std", "effect")

PORT_OPS = frozenset({"input_port", "output_port"})
_DECLARATION = ("declaration",)
_STD = ("std",)
_NONE: tuple[str, ...] = ()
_OP_MODIFIERS: dict[str, tuple[str, ...]] = {
    name: (op.category, "effect") if name in EFFECT_OPS else (op.category,)
    for name, op in OPCODES.items()
}
_REF_OPS = frozenset(name for name, op in OPCODES.items() if op.value is ValueRule.SUBGRAPH_REF)
_end_of = attrgetter("end")


@dataclass(slots=True)
class Token:
    start: int
    end: int
    kind: TokenKind
    modifiers: tuple[str, ...] = ()


class _Walk:
    __slots__ = ("end", "out", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.out: list[Token] = []

    def touches(self, node: JNode) -> bool:
        return node.start <= self.end and node.end >= self.start

    def add(self, node: JNode, kind: TokenKind, modifiers: tuple[str, ...] = _NONE) -> None:
        if node.start <= self.end and node.end >= self.start and node.end > node.start:
            self.out.append(Token(node.start, node.end, kind, modifiers))

    def program(self, root: JObject) -> None:
        for m in root.members:
            self.add(m.key, "key")
            value = m.value
            if value is None or not self.touches(value):
                continue
            key = m.key.value
            if key == "nodes" and isinstance(value, JArray):
                self.nodes(value)
            elif key == "capabilities" and isinstance(value, JArray):
                for item in value.items:
                    if isinstance(item, JString) and item.value in CAPABILITIES:
                        self.add(item, "capability")
            elif key == "subgraphs" and isinstance(value, JObject):
                for sm in value.members:
                    self.add(sm.key, "subgraph", _DECLARATION)
                    body = sm.value
                    if isinstance(body, JObject) and self.touches(body):
                        for bm in body.members:
                            self.add(bm.key, "key")
                            if (
                                bm.key.value == "nodes"
                                and isinstance(bm.value, JArray)
                                and self.touches(bm.value)
                            ):
                                self.nodes(bm.value)

    def nodes(self, array: JArray) -> None:
        items = array.items
        # Items are in document order and do not overlap: skip those before the window.
        k = bisect_left(items, self.start, key=_end_of)
        end = self.end
        for item in items[k:]:
            if item.start > end:
                break
            if isinstance(item, JObject):
                self.node(item)

    def node(self, obj: JObject) -> None:
        members = obj.members
        out = self.out
        if obj.start < self.start or obj.end > self.end:
            # Partly outside the window: the checked path.
            mark = len(out)
            self._node(members, out)
            lo, hi = self.start, self.end
            out[mark:] = [t for t in out[mark:] if t.start <= hi and t.end >= lo]
        else:
            self._node(members, out)

    @staticmethod
    def _node(members: list[JMember], out: list[Token]) -> None:
        op: str | None = None
        for m in members:
            if m.key.value == "op" and type(m.value) is JString:
                op = m.value.value  # the last one wins, as in the model
        for m in members:
            k = m.key
            out.append(Token(k.start, k.end, "key", _NONE))
            value = m.value
            if value is None:
                continue
            key = k.value
            if key == "id":
                if type(value) is JString:
                    out.append(Token(value.start, value.end, "node_id", _DECLARATION))
            elif key == "op":
                if type(value) is JString:
                    modifiers = _OP_MODIFIERS.get(value.value)
                    if modifiers is not None:
                        out.append(Token(value.start, value.end, "op", modifiers))
            elif key == "inputs":
                if type(value) is JArray:
                    for item in value.items:
                        if type(item) is JString:
                            out.append(Token(item.start, item.end, "input", _NONE))
            elif key == "value" and op is not None:
                if op in _REF_OPS:
                    if type(value) is JString:
                        std = value.value.startswith(STD_PREFIX)
                        out.append(
                            Token(value.start, value.end, "reference", _STD if std else _NONE)
                        )
                elif op in PORT_OPS and type(value) is JScalar and type(value.value) is int:
                    out.append(Token(value.start, value.end, "port", _NONE))


def classify(program: Program, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``program`` that touch ``[start, end]`` (the whole document by default),
    sorted by position."""
    root = program.root
    if root is None:
        return []
    walk = _Walk(start, len(program.parse.text) if end is None else end)
    # Node members are materialised here (many small objects that all live on): as in
    # `analyze`, the cyclic collector would walk the whole tree again and again meanwhile.
    enabled = gc.isenabled()
    gc.disable()
    try:
        walk.program(root)
    finally:
        if enabled:
            gc.enable()
    return walk.out
