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
    """``value`` with every list and dict cut to its first ``limit`` items and every string to
    ``limit + 1`` characters, at any depth: its ``to_str`` (or JSON) text starts with the same
    ``limit`` characters as the whole value's, and costs O(limit) to make, however big the value
    is. For previews that are clipped to ``limit`` characters anyway."""
    if isinstance(value, str):
        return value if len(value) <= limit + 1 else value[: limit + 1]
    if isinstance(value, list):
        return [head(v, limit) for v in value[: limit + 1]]
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if len(out) > limit:
                break
            out[k] = head(v, limit)
        return out
    return value


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
