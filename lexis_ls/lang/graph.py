"""The program as a graph for viewers: GraphData (plain JSON-ready data, no LSP types).

``graph_data(analysis)`` turns one analysis into the structure the graph page draws (see the
contract in the notes: nodes with their opcode category, compound subgraph nodes, input and call
edges, diagnostics on the node whose range holds them); ``trace_data(trace)`` turns the data
``lexis run --trace-json`` writes into ``GraphData["trace"]`` (schedule order, display values,
error values with their cause chains). Categories and capabilities come from the opcode registry;
the one colour table of the categories is :data:`CATEGORY_COLORS`.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any

from .analysis import Analysis
from .diagnostics import Diagnostic
from .model import Graph, Node
from .opcodes import CATEGORIES, OPCODES, ValueRule

__all__ = [
    "CATEGORY_COLORS",
    "GRAPH_VERSION",
    "categories",
    "display_value",
    "graph_data",
    "trace_data",
    "values_trace",
]

GRAPH_VERSION = 1
VALUE_TEXT_LIMIT = 4000  # characters of a value shown on the page; longer ones end in "…"
OUTPUT_LIMIT = 100_000  # characters of the run's standard output kept in the trace
UNKNOWN_CATEGORY = "unknown"

# Fill colour of each opcode category (mid tones: readable with dark text, on light and dark
# backgrounds). Every category of the registry has one (tests/lang/test_graph.py checks it).
CATEGORY_COLORS: dict[str, str] = {
    "literal": "#9ecae1",
    "arithmetic": "#f4a582",
    "math": "#fdd0a2",
    "comparison": "#c2a5cf",
    "logic": "#b8a2e0",
    "string": "#a6d96a",
    "collection": "#80cdc1",
    "control": "#f6c85f",
    "dict": "#8dd3c7",
    "sequence": "#bebada",
    "type": "#d9d9d9",
    "utility": "#c7c7a3",
    "subgraph": "#fb9a99",
    "higher_order": "#f78fb3",
    "io": "#ffd92f",
    "network": "#ff9f43",
    "gui": "#74add1",
    "meta": "#e7a9ff",
    UNKNOWN_CATEGORY: "#eeeeee",
}

_SUBGRAPH_REF_OPS = frozenset(
    op.name for op in OPCODES.values() if op.value is ValueRule.SUBGRAPH_REF
)


def categories() -> list[dict[str, str]]:
    """The legend: every opcode category of the registry, then "unknown" (unknown ops)."""
    names = [*CATEGORIES, UNKNOWN_CATEGORY]
    return [
        {"name": n, "label": n.replace("_", " ").capitalize(), "color": CATEGORY_COLORS[n]}
        for n in names
    ]


def _range(analysis: Analysis, start: int, end: int) -> dict[str, Any]:
    a = analysis.position(start)
    b = analysis.position(end)
    return {
        "start": {"line": a.line, "character": a.character},
        "end": {"line": b.line, "character": b.character},
    }


def _diag(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "severity": d.severity.value, "message": d.message}


def _unique(base: str, taken: set[str]) -> str:
    key = base
    n = 2
    while key in taken:
        key = f"{base}#{n}"
        n += 1
    taken.add(key)
    return key


def graph_data(
    analysis: Analysis,
    file: str,
    diagnostics: Iterable[Diagnostic] | None = None,
) -> dict[str, Any]:
    """GraphData of one analysed document. ``diagnostics`` defaults to the analysis's own
    (a front end may add others, such as a run's findings); ``trace`` is None."""
    program = analysis.program
    hasher = analysis.hasher
    taken: set[str] = set()
    sg_keys: dict[int, str] = {}  # id(Graph) -> compound key
    subgraphs: list[dict[str, Any]] = []
    for name, g in program.subgraphs.items():
        key = _unique(f"sg:{name}", taken)
        sg_keys[id(g)] = key
        if g.syntax is not None and g.key is not None:
            start, end = g.key.start, g.syntax.end
        elif g.key is not None:
            start, end = g.key.start, g.key.end
        else:
            start = end = 0
        subgraphs.append(
            {
                "key": key,
                "name": name,
                "range": _range(analysis, start, end),
                "hash": hasher.subgraph_hash(g),
                "diagnostics": [],
                "_span": (start, end),
            }
        )

    nodes: list[dict[str, Any]] = []
    spans: list[tuple[int, int, dict[str, Any]]] = []
    edges: list[dict[str, str]] = []
    for graph in program.graphs:
        parent = sg_keys.get(id(graph)) if graph.is_subgraph else None
        prefix = f"{graph.name}/" if graph.is_subgraph else ""
        key_of: dict[int, str] = {}
        for node in graph.nodes:
            base = f"{prefix}{node.id}" if node.id is not None else f"{prefix}#{node.index + 1}"
            key_of[id(node)] = _unique(base, taken)
        for node in graph.nodes:
            entry = _node_entry(analysis, node, key_of[id(node)], parent, sg_keys)
            nodes.append(entry)
            spans.append((node.syntax.start, node.syntax.end, entry))
            for i in node.valid_inputs:
                src = graph.by_id.get(i)
                if src is not None:
                    edges.append(
                        {"source": key_of[id(src)], "target": entry["key"], "kind": "input"}
                    )
            call_key = entry.pop("_callKey")
            if call_key is not None:
                edges.append({"source": entry["key"], "target": call_key, "kind": "call"})

    program_level: list[dict[str, Any]] = []
    spans.sort(key=lambda s: s[0])
    starts = [s[0] for s in spans]
    for d in analysis.diagnostics if diagnostics is None else diagnostics:
        k = bisect_right(starts, d.start) - 1
        if k >= 0 and spans[k][1] >= d.end and d.start < spans[k][1]:
            spans[k][2]["diagnostics"].append(_diag(d))
            continue
        for sg in subgraphs:
            s, e = sg["_span"]
            if s <= d.start and d.end <= e:
                sg["diagnostics"].append(_diag(d))
                break
        else:
            program_level.append(_diag(d))
    for sg in subgraphs:
        del sg["_span"]
    return {
        "version": GRAPH_VERSION,
        "file": file,
        "programHash": None if analysis.has_errors else analysis.program_hash(),
        "nodes": nodes,
        "subgraphs": subgraphs,
        "edges": edges,
        "diagnostics": program_level,
        "categories": categories(),
        "trace": None,
    }


def _node_entry(
    analysis: Analysis, node: Node, key: str, parent: str | None, sg_keys: Mapping[int, str]
) -> dict[str, Any]:
    op = OPCODES.get(node.op) if node.op is not None else None
    calls: str | None = None
    call_key: str | None = None
    if node.op in _SUBGRAPH_REF_OPS and isinstance(node.value, str):
        calls = node.value
        target: Graph | None = analysis.hasher.resolve(node.value)
        if target is not None:
            call_key = sg_keys.get(id(target))
            if call_key is not None:
                calls = target.name
    id_span = node.value_span("id")
    return {
        "id": node.id if node.id is not None else f"#{node.index + 1}",
        "key": key,
        "op": node.op if node.op is not None else "?",
        "category": op.category if op is not None else UNKNOWN_CATEGORY,
        "parent": parent,
        "inputs": [i if isinstance(i, str) else json.dumps(i) for i in node.inputs],
        "range": _range(analysis, node.syntax.start, node.syntax.end),
        "idRange": _range(analysis, id_span.start, id_span.end) if id_span else None,
        "hash": analysis.hasher.node_hash(node),
        "capability": op.capability if op is not None and op.capability != "PURE_COMPUTE" else None,
        "calls": calls,
        "diagnostics": [],
        "_callKey": call_key,
    }


# --- run traces --------------------------------------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= VALUE_TEXT_LIMIT else text[: VALUE_TEXT_LIMIT - 1] + "…"


def _is_error(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"error", "node", "cause"}


def display_value(value: Any) -> str:
    """A --trace-json value as the page shows it: JSON text, error values and FUNCs tagged."""
    if _is_error(value):
        where = f" (at node `{value['node']}`)" if value.get("node") else ""
        return _clip(f"error: {value['error']}{where}")
    if isinstance(value, dict) and set(value) == {"func"}:
        h = value["func"]
        return f"<func {h[:12]}>" if isinstance(h, str) else "<func>"
    try:
        return _clip(json.dumps(value, ensure_ascii=False, default=str))
    except (TypeError, ValueError, RecursionError):
        return _clip(str(value))


def _error(value: Any) -> dict[str, Any] | None:
    if not _is_error(value):
        return None
    causes: list[str] = []
    cause = value.get("cause")
    while _is_error(cause) and len(causes) < 100:
        where = f"`{cause['node']}`: " if cause.get("node") else ""
        causes.append(f"{where}{cause['error']}")
        cause = cause.get("cause")
    return {"message": str(value["error"]), "node": value.get("node"), "causes": causes}


def trace_data(
    trace: Mapping[str, Any], data: Mapping[str, Any] | None = None, output: str | None = None
) -> dict[str, Any]:
    """``GraphData["trace"]`` from the data ``lexis run --trace-json`` writes.

    The trace's nodes are the main graph's, in schedule order; with ``data`` (the GraphData it
    goes into) each id maps to its node's key (the first main-graph node with that id), and ids
    that have no node are left out."""
    keys: dict[str, str] | None = None
    if data is not None:
        keys = {}
        for n in data["nodes"]:
            if n["parent"] is None:
                keys.setdefault(n["id"], n["key"])
    order: list[str] = []
    values: dict[str, Any] = {}
    has_error = False
    for rec in trace.get("nodes", []):
        nid = rec.get("id")
        if not isinstance(nid, str):
            continue
        key = nid if keys is None else keys.get(nid)
        if key is None or key in values:
            continue
        value = rec.get("value")
        err = _error(value)
        has_error = has_error or err is not None
        order.append(key)
        duration = rec.get("duration_ms")
        values[key] = {
            "value": display_value(value),
            "error": err,
            "durationMs": duration if isinstance(duration, (int, float)) else None,
            "hash": rec.get("hash"),
        }
    status = trace.get("status")
    if status == "ok" and has_error:
        status = "error"
    elif status not in ("ok", "stopped"):
        status = "stopped" if status is not None else "ok"
    text = output or ""
    if len(text) > OUTPUT_LIMIT:
        text = text[:OUTPUT_LIMIT] + "\n… (output cut)"
    return {
        "order": order,
        "values": values,
        "status": status,
        "reason": trace.get("reason"),
        "durationMs": trace.get("duration_ms"),
        "output": text,
    }


def values_trace(
    analysis: Analysis,
    data: Mapping[str, Any],
    texts: Mapping[str, str],
    status: str = "ok",
) -> dict[str, Any]:
    """``GraphData["trace"]`` from a run's values as short display texts by main-graph node id
    (what the server keeps of its last run), in the main graph's schedule order; no durations."""
    from .model import schedule

    keys: dict[str, str] = {}
    hashes: dict[str, Any] = {}
    for n in data["nodes"]:
        if n["parent"] is None and n["id"] not in keys:
            keys[n["id"]] = n["key"]
            hashes[n["key"]] = n["hash"]
    order: list[str] = []
    values: dict[str, Any] = {}
    order_nodes, _ = schedule(analysis.program.main)
    for node in order_nodes:
        if node.id is None or node.id not in texts or node.id not in keys:
            continue
        key = keys[node.id]
        if key in values:
            continue
        text = texts[node.id]
        order.append(key)
        values[key] = {
            "value": _clip(text),
            # to_str of an error value; the server keeps no cause chain
            "error": {"message": text[len("Error: ") :], "node": None, "causes": []}
            if text.startswith("Error: ")
            else None,
            "durationMs": None,
            "hash": hashes.get(key),
        }
    return {
        "order": order,
        "values": values,
        "status": status if status in ("ok", "error", "stopped") else "ok",
        "reason": None,
        "durationMs": None,
        "output": "",
    }
