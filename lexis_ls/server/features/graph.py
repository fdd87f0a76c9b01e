"""The custom request ``lexis/graph``: the document's program as GraphData (``lang/graph.py``)
for the graph panel, with its diagnostics (the checks' and the last run's) on their nodes and,
when the current version has been run (``Lexis: Run Program``), the run's values as the trace.

Params ``{"textDocument": {"uri": ...}}``; the answer is null for a document the server does
not hold (not open, or not a Lexis document)."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ...lang.graph import graph_data, values_trace
from ..documents import Document
from ..server import LexisServer

GRAPH_METHOD = "lexis/graph"


def _uri(params: Any) -> str:
    doc = params.get("textDocument") if isinstance(params, dict) else None
    if doc is None:
        doc = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
    uri = doc.get("uri") if isinstance(doc, dict) else getattr(doc, "uri", None)
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams(
            message=f'{GRAPH_METHOD} takes {{"textDocument": {{"uri": string}}}}'
        )
    return uri


def graph(ls: LexisServer, doc: Document) -> dict[str, Any]:
    analysis = ls.analysis(doc)
    run = doc.run if doc.run is not None and doc.run.version == doc.version else None
    found = list(analysis.diagnostics)
    if run is not None:
        found = sorted([*found, *run.diagnostics], key=lambda d: (d.start, d.end))
    data = graph_data(analysis, doc.uri, found)
    if run is not None:
        codes = {d.code for d in run.diagnostics}
        status = "stopped" if "LX4002" in codes else "error" if "LX4001" in codes else "ok"
        data["trace"] = values_trace(analysis, data, run.values, status)
    return data


def register(server: LexisServer) -> None:
    @server.feature(GRAPH_METHOD)
    def lexis_graph(ls: LexisServer, params: Any) -> dict[str, Any] | None:
        doc = ls.document(_uri(params))
        if doc is None:
            return None
        return graph(ls, doc)


__all__ = ["GRAPH_METHOD", "graph"]
