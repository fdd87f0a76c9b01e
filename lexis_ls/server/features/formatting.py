"""Formatting: the whole document (one edit) and range formatting of whole nodes.

Formatting is refused, with no edit, when the text is not valid JSON or has a duplicate key; the
reason goes to the log and, as a warning, to the user.
"""

from __future__ import annotations

import contextlib

from lsprotocol import types as lsp

from ...lang.format_edits import FormatEdits, document_edits, node_edits
from ...lang.text import LineIndex
from ..convert import from_range, text_edit
from ..server import LexisServer


def _answer(ls: LexisServer, lines: LineIndex, result: FormatEdits) -> list[lsp.TextEdit] | None:
    if result.reason is not None:
        message = f"Lexis: not formatted: {result.reason}"
        ls.log(message)
        with contextlib.suppress(Exception):  # no client connection (the server object alone)
            ls.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
            )
        return None
    enc = ls.encoding
    return [text_edit(lines, edit, enc) for edit in result.edits]


def register(server: LexisServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(
        ls: LexisServer, params: lsp.DocumentFormattingParams
    ) -> list[lsp.TextEdit] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        return _answer(ls, analysis.lines, document_edits(doc.text))

    @server.feature(lsp.TEXT_DOCUMENT_RANGE_FORMATTING)
    def range_formatting(
        ls: LexisServer, params: lsp.DocumentRangeFormattingParams
    ) -> list[lsp.TextEdit] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        start, end = from_range(analysis.lines, params.range, ls.encoding)
        if end < start:
            start, end = end, start
        return _answer(ls, analysis.lines, node_edits(analysis, start, end))
