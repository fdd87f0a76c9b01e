"""Run-time values and the call context every builtin receives.

Values are plain JSON-like Python values, :class:`~lexis_ls.lang.values.ErrorValue`, and
:class:`Func` (a FUNC: a subgraph that can be called). Builtins are functions
``(call: Call, args: list[Any]) -> Any`` that never raise for bad input: they return
``call.error("message")``. For ops that propagate errors the evaluator never calls the builtin
with an error value among ``args``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..lang.model import Graph
from ..lang.values import ErrorValue


class LimitReached(Exception):
    """A run limit (time, output, depth) was hit: the run stops (exit code 3)."""

    def __init__(self, message: str, node: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class SandboxRefusal(Exception):
    """The sandbox refused a node (capability not granted): the run stops."""

    def __init__(self, message: str, node: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(eq=False)
class Func:
    """A FUNC value: a subgraph (from the program, the stdlib, compose or build_subgraph)."""

    graph: Graph
    hash: str
    name: str | None = None  # "std:double", a subgraph key, or None for built ones

    @property
    def arity(self) -> int:
        return self.graph.arity()

    def __eq__(self, other: object) -> bool:  # same content hash, same function
        return isinstance(other, Func) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    def __repr__(self) -> str:
        return f"<func {self.hash[:12]}>"


def head(value: Any, limit: int) -> Any:
    """The start of ``value``: lists, dicts and strings cut once about ``limit`` characters of
    text have been seen (every element, bracket and character counts for at least one), at any
    depth. Its ``to_str`` (or JSON) text starts with the same ``limit`` characters as the whole
    value's, and costs O(limit) to make, however big or wide the value is. For previews that
    are clipped to ``limit`` characters anyway."""
    left = limit + 1

    def cut(v: Any) -> Any:
        nonlocal left
        if isinstance(v, str):
            v = v[: max(left, 0) + 1]
            left -= len(v) + 1
            return v
        if isinstance(v, list):
            left -= 1
            items = []
            for x in v:
                if left <= 0:
                    break
                items.append(cut(x))
            return items
        if isinstance(v, dict):
            left -= 1
            out: dict[Any, Any] = {}
            for k, x in v.items():
                if left <= 0:
                    break
                left -= len(k) if isinstance(k, str) else 1
                out[k] = cut(x)
            return out
        left -= 1
        return v

    return cut(value)


class Call(Protocol):
    """What a builtin knows about the node it runs for."""

    @property
    def node_id(self) -> str: ...

    @property
    def value(self) -> Any: ...  # the node's `value` (None when absent)

    def error(self, message: str, cause: ErrorValue | None = None) -> ErrorValue: ...


@dataclass
class SimpleCall:
    """A Call for tests and for builtins run outside the evaluator."""

    node_id: str = "n"
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def error(self, message: str, cause: ErrorValue | None = None) -> ErrorValue:
        return ErrorValue(message, self.node_id, cause)
