"""Navigation over node ids and subgraph names: go to definition, references, document
highlight, and rename (with prepareRename) of every occurrence."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from ...lang.outline import RenameError, definition, occurrences, rename_edits, rename_target
from ..convert import to_offset, to_range, workspace_edit
from ..documents import Document
from ..server import LexisServer


class RenameRefused(JsonRpcException):
    """The rename cannot be done; the message says why (the client shows it)."""

    CODE = lsp.LSPErrorCodes.RequestFailed.value


def _doc_offset(ls: LexisServer, uri: str, position: lsp.Position) -> tuple[Document, int] | None:
    doc = ls.document(uri)
    if doc is None:
        return None
    return doc, to_offset(ls.analysis(doc).lines, position, ls.encoding)


def register(server: LexisServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def goto_definition(
        ls: LexisServer, params: lsp.DefinitionParams
    ) -> list[lsp.Location] | list[lsp.LocationLink] | None:
        found = _doc_offset(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        doc, offset = found
        analysis = ls.analysis(doc)
        target = definition(analysis, offset)
        if target is None:
            return None
        lines, enc = analysis.lines, ls.encoding
        selection = to_range(lines, target.selection.start, target.selection.end, enc)
        if ls.capability("text_document", "definition", "link_support"):
            return [
                lsp.LocationLink(
                    target_uri=doc.uri,
                    target_range=to_range(lines, target.whole.start, target.whole.end, enc),
                    target_selection_range=selection,
                    origin_selection_range=to_range(
                        lines, target.origin.start, target.origin.end, enc
                    ),
                )
            ]
        return [lsp.Location(uri=doc.uri, range=selection)]

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: LexisServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        found = _doc_offset(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        doc, offset = found
        analysis = ls.analysis(doc)
        occ = occurrences(analysis, offset)
        if occ is None:
            return None
        include = params.context.include_declaration
        lines, enc = analysis.lines, ls.encoding
        return [
            lsp.Location(uri=doc.uri, range=to_range(lines, o.start, o.end, enc))
            for o in occ
            if include or not o.definition
        ]

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def highlight(
        ls: LexisServer, params: lsp.DocumentHighlightParams
    ) -> list[lsp.DocumentHighlight] | None:
        found = _doc_offset(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        doc, offset = found
        analysis = ls.analysis(doc)
        occ = occurrences(analysis, offset)
        if occ is None:
            return None
        lines, enc = analysis.lines, ls.encoding
        return [
            lsp.DocumentHighlight(
                range=to_range(lines, o.start, o.end, enc),
                kind=lsp.DocumentHighlightKind.Write
                if o.definition
                else lsp.DocumentHighlightKind.Read,
            )
            for o in occ
        ]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(
        ls: LexisServer, params: lsp.PrepareRenameParams
    ) -> lsp.PrepareRenamePlaceholder | None:
        found = _doc_offset(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        doc, offset = found
        analysis = ls.analysis(doc)
        try:
            target = rename_target(analysis, offset)
        except RenameError:
            return None
        return lsp.PrepareRenamePlaceholder(
            range=to_range(analysis.lines, target.span.start, target.span.end, ls.encoding),
            placeholder=target.name,
        )

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: LexisServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        found = _doc_offset(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        doc, offset = found
        analysis = ls.analysis(doc)
        try:
            edits = rename_edits(analysis, offset, params.new_name)
        except RenameError as exc:
            raise RenameRefused(str(exc)) from None
        enc = ls.encoding
        return workspace_edit(doc.uri, analysis.lines, edits, enc, doc.version, ls.document_changes)
