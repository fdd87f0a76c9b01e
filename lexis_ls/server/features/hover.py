"""Hover: what the token under the cursor is (a node with its hashes and last run value, an op,
a capability, a subgraph), followed by the explain summary of each diagnostic there."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from lsprotocol import types as lsp

from ...lang.analysis import Analysis, diagnostic_order
from ...lang.diagnostics import Diagnostic
from ...lang.outline import describe
from ..convert import to_offset, to_range
from ..documents import Document
from ..server import LexisServer


def _markup_kind(ls: LexisServer) -> lsp.MarkupKind:
    formats = ls.capability("text_document", "hover", "content_format")
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown


_INDEX = "hover.diagnostics"
_LONG = 2000  # findings longer than this are few (a whole array, a subgraph): kept apart


def _index(doc: Document, analysis: Analysis) -> tuple[Any, ...]:
    """The index of the analysis's findings by start, built once per analysis (a document of
    50,000 nodes has thousands: a hover must not scan them all; the server builds it while
    idle after the diagnostics, see ``LexisServer.prime``)."""
    cached = doc.extra.get(_INDEX)
    if cached is None or cached[0] is not analysis:
        short = [d for d in analysis.diagnostics if d.end - d.start <= _LONG]
        long = [d for d in analysis.diagnostics if d.end - d.start > _LONG]
        cached = doc.extra[_INDEX] = (analysis, short, [d.start for d in short], long)
    return cached


def _covering(doc: Document, analysis: Analysis, offset: int) -> list[Diagnostic]:
    """The analysis's findings whose range covers ``offset``."""
    _, short, starts, long = _index(doc, analysis)
    first = bisect_left(starts, offset - _LONG)
    last = bisect_right(starts, offset)
    found = [d for d in short[first:last] if d.end >= offset]
    found += [d for d in long if d.start <= offset <= d.end]
    return sorted(found, key=diagnostic_order) if long else found


def register(server: LexisServer) -> None:
    server.idle_work.append(_index)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: LexisServer, params: lsp.HoverParams) -> lsp.Hover | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        enc = ls.encoding
        lines = analysis.lines
        offset = to_offset(lines, params.position, enc)
        run = doc.run if doc.run is not None and doc.run.version == doc.version else None
        covering = _covering(doc, analysis, offset)
        if run is not None:
            covering += [d for d in run.diagnostics if d.start <= offset <= d.end]
        found = describe(
            analysis,
            offset,
            values=run.values if run is not None else None,
            diagnostics=covering,
        )
        if found is None:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=_markup_kind(ls), value=found.markdown),
            range=to_range(lines, found.start, found.end, enc),
        )
