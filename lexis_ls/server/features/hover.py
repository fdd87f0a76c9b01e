"""Hover: what the token under the cursor is (a node with its hashes and last run value, an op,
a capability, a subgraph), followed by the explain summary of each diagnostic there."""

from __future__ import annotations

from lsprotocol import types as lsp

from ...lang.outline import describe
from ..convert import to_offset, to_range
from ..server import LexisServer


def _markup_kind(ls: LexisServer) -> lsp.MarkupKind:
    formats = ls.capability("text_document", "hover", "content_format")
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown


def register(server: LexisServer) -> None:
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
        found = describe(
            analysis,
            offset,
            values=run.values if run is not None else None,
            diagnostics=list(analysis.diagnostics) + (run.diagnostics if run is not None else []),
        )
        if found is None:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=_markup_kind(ls), value=found.markdown),
            range=to_range(lines, found.start, found.end, enc),
        )
