"""Run-time values as debugger text: short one-line renderings and expandable children."""

from __future__ import annotations

import json
from typing import Any

from ..lang.values import ErrorValue, _json_compatible, type_name
from ..run.core import head

MAX_TEXT = 300


def _func_text(value: Any) -> str:
    name = getattr(value, "name", None)
    h = str(getattr(value, "hash", "?"))[:12]
    return f"<func {name} {h}>" if name else f"<func {h}>"


def error_text(error: ErrorValue) -> str:
    where = f" (at node {error.node})" if error.node else ""
    return f"Error: {error.message}{where}"


def cause_chain(error: ErrorValue) -> list[str]:
    """The error and its causes, outermost first, one line each."""
    return [error_text(e) for e in error.chain()]


def chain_text(error: ErrorValue) -> str:
    lines = cause_chain(error)
    return "\n".join([lines[0], *(f"  caused by {line}" for line in lines[1:])])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short(value: Any, limit: int = MAX_TEXT) -> str:
    """One line: strings quoted as JSON, lists and dicts as compact JSON (clipped). Only the
    head of a big value is rendered (the text is clipped anyway)."""
    try:
        return _short(head(value, limit), limit)
    except RecursionError:
        return "<a value nested too deeply to show>"


def _short(value: Any, limit: int) -> str:
    if isinstance(value, ErrorValue):
        return _clip(error_text(value), limit)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return _clip(str(value), limit)
    if type(value) is float:
        return repr(value)
    if isinstance(value, str):
        return _clip(json.dumps(value, ensure_ascii=False), limit)
    if isinstance(value, (list, dict)):
        try:
            text = json.dumps(_json_compatible(value), ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = repr(value)
        return _clip(text, limit)
    return _func_text(value)


def expandable(value: Any) -> bool:
    return isinstance(value, ErrorValue) or (isinstance(value, (list, dict)) and len(value) > 0)


def children(value: Any) -> list[tuple[str, Any]]:
    """The parts of a list (``[0]``...), a dict (its keys) or an error value."""
    if isinstance(value, ErrorValue):
        out: list[tuple[str, Any]] = [("message", value.message), ("node", value.node)]
        if value.cause is not None:
            out.append(("cause", value.cause))
        return out
    if isinstance(value, list):
        return [(f"[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    return []


def type_of(value: Any) -> str:
    return type_name(value)
