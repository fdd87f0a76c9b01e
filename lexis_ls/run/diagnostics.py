"""Run-time findings: LX4001 (a node produced an error value) and LX4002 (the run was stopped).

They are ordinary diagnostics over the program text, so every front end shows them like the
static ones; the language server keeps them until the next edit.
"""

from __future__ import annotations

from ..lang.analysis import Analysis
from ..lang.diagnostics import Diagnostic, Related, make
from ..lang.values import ErrorValue
from .evaluator import RunResult

MAX_CHAIN = 5


def _chain_text(error: ErrorValue) -> str:
    chain = error.chain()
    parts = [f"{e.message} (at {e.node})" for e in chain[1 : 1 + MAX_CHAIN]]
    more = " ..." if len(chain) > 1 + MAX_CHAIN else ""
    return f"; caused by: {' <- '.join(parts)}{more}" if parts else ""


def runtime_diagnostics(analysis: Analysis, result: RunResult) -> list[Diagnostic]:
    """LX4001 on every node where an error value was born, and on every sink (a node nothing
    consumes, such as a `print`) where a propagated error surfaced, pointing at its origin;
    LX4002 at the node running when the run was stopped (or the document start)."""
    out: list[Diagnostic] = []
    graph = analysis.program.main
    for nid, value in result.values.items():
        if not isinstance(value, ErrorValue):
            continue
        node = graph.by_id.get(nid)
        if node is None:
            continue
        origin = graph.by_id.get(value.node) if value.node is not None else None
        born_here = value.node == nid
        if not born_here and nid in graph.consumers:
            continue  # an intermediate carrier: the origin and the sink say it all
        span = node.id_span()
        related = []
        if origin is not None and origin is not node:
            o = origin.id_span()
            related.append(
                Related(o.start, o.end, f"the error value was produced by `{origin.id}`")
            )
        where = "produced" if born_here else f"received from `{value.node}`"
        out.append(
            make(
                "LX4001",
                span.start,
                span.end,
                f"`{nid}` {where} an error value: {value.message}{_chain_text(value)}",
                "catch it with `try_or` or `try_catch`, or fix the inputs that cause it",
                related=related,
            )
        )
    if result.status == "stopped":
        if result.stopped_main is not None:
            span = result.stopped_main.id_span()
            start, end = span.start, span.end
        else:
            start, end = 0, min(1, len(analysis.text))
        out.append(
            make(
                "LX4002",
                start,
                end,
                f"the run was stopped: {result.reason}",
                "raise the limit (lexis.run.timeout / --timeout, lexis.run.memory / --memory), "
                "or make the program do less",
            )
        )
    return out
