"""Comparison of two analyses in everything observable (for the incremental tests)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lexis_ls.lang.analysis import Analysis
from lexis_ls.lang.checks.flow import same_value
from lexis_ls.lang.model import Graph, Node, dependents, reads_earlier_only
from lexis_ls.lang.syntax import JArray, JNode, JObject


def _tree(node: JNode | None) -> Any:
    """A syntax tree as plain data: kinds, spans and values (materialises lazy objects)."""
    if node is None:
        return None
    if isinstance(node, JObject):
        return (
            "object",
            node.start,
            node.end,
            [(m.key.start, m.key.end, m.key.value, _tree(m.value)) for m in node.members],
        )
    if isinstance(node, JArray):
        return ("array", node.start, node.end, [_tree(i) for i in node.items])
    return (type(node).__name__, node.start, node.end, repr(node.value))


def _node(n: Node) -> Any:
    return (
        n.index,
        n.id,
        n.op,
        n.inputs,
        repr(n.value),
        repr(n.raw),
        n.shape_ok,
        n.broken,
        n.skip,
        n.syntax.start,
        n.syntax.end,
        n.op_span(),
        n.id_span(),
        n.value_span("value"),
        n.value_span("doc"),
        [n.input_span(i) for i in range(len(n.inputs))],
    )


def _graph(a: Analysis, g: Graph) -> Any:
    return (
        g.name,
        [_node(n) for n in g.nodes],
        {k: v.index for k, v in g.by_id.items()},
        {k: [n.index for n in v] for k, v in g.consumers.items()},
        # (kept on the graph across versions: an edit that restructures it must drop them)
        {k: sorted(dependents(g, k)) for k in g.by_id},
        reads_earlier_only(g),
        (g.key.start, g.key.end) if g.key else None,
        (g.syntax.start, g.syntax.end) if g.syntax else None,
        (g.array.start, g.array.end, len(g.array.items)) if g.array else None,
        [a.hasher.node_hash(n) for n in g.nodes],
        a.hasher.subgraph_hash(g) if g.name is not None else None,
    )


def _outcome(compute: Any) -> Any:
    """A value, or the exception computing it raised (both analyses must agree on either)."""
    try:
        return compute()
    except Exception as exc:  # e.g. program_hash() of a program whose spec did not parse
        return ("raised", type(exc).__name__, str(exc))


def observable(a: Analysis) -> dict[str, Any]:
    """Everything a front end can read from an analysis, as comparable plain data."""
    p = a.program
    return {
        "text": a.text,
        "diagnostics": [(asdict(d), d.unnecessary) for d in a.diagnostics],
        "program_hash": _outcome(a.program_hash),
        "graphs": [_graph(a, g) for g in p.graphs],
        "tree": _tree(a.parsed.root),
        "errors": [(e.start, e.end, e.message) for e in a.parsed.errors],
        "duplicates": [(d.first.start, d.second.start) for d in a.parsed.duplicates],
        "spec": repr(p.spec),
        "capabilities": [(repr(v), s.start, s.end) for v, s in p.capabilities],
        "capabilities_ok": p.capabilities_ok,
        "allowed_domains": p.allowed_domains,
        "lines": a.lines.line_starts,
        "internal_errors": a.internal_errors,
    }


def assert_same_analysis(got: Analysis, expected: Analysis) -> None:
    g, e = observable(got), observable(expected)
    for key in e:
        assert g[key] == e[key], f"{key} differs ({got.incremental=}, {got.fallback=})"
    assert same_value(
        [n.value for n in got.program.all_nodes()], [n.value for n in expected.program.all_nodes()]
    )
