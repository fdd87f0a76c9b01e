"""Completion: opcodes (with a snippet that also writes the inputs), node ids in `inputs`
(never one that would close a cycle), capabilities, subgraph references, keys, and a whole new
node. The context and the candidates come from ``lang/complete.py``; this module only converts.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from ...lang.complete import CandidateKind, completions
from ..convert import text_edit, to_offset, to_range
from ..server import LexisServer

TRIGGER_CHARACTERS = ['"', ":", ",", "[", " "]

KINDS: dict[CandidateKind, lsp.CompletionItemKind] = {
    "op": lsp.CompletionItemKind.Function,
    "op_snippet": lsp.CompletionItemKind.Snippet,
    "id": lsp.CompletionItemKind.Variable,
    "capability": lsp.CompletionItemKind.EnumMember,
    "reference": lsp.CompletionItemKind.Module,
    "key": lsp.CompletionItemKind.Property,
    "node": lsp.CompletionItemKind.Snippet,
    "value": lsp.CompletionItemKind.Value,
}


def _markup_kind(ls: LexisServer) -> lsp.MarkupKind:
    formats = ls.capability(
        "text_document", "completion", "completion_item", "documentation_format"
    )
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown


def register(server: LexisServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=False),
    )
    def completion(ls: LexisServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        enc = ls.encoding
        lines = analysis.lines
        offset = to_offset(lines, params.position, enc)
        snippets = bool(
            ls.capability("text_document", "completion", "completion_item", "snippet_support")
        )
        run = doc.run if doc.run is not None and doc.run.version == doc.version else None
        found = completions(analysis, offset, snippets, run.values if run is not None else None)
        markup = _markup_kind(ls)
        ranges: dict[tuple[int, int], lsp.Range] = {}  # most candidates replace the same range

        def edit_range(start: int, end: int) -> lsp.Range:
            found = ranges.get((start, end))
            if found is None:
                found = ranges[start, end] = to_range(lines, start, end, enc)
            return found

        items = [
            lsp.CompletionItem(
                label=c.label,
                kind=KINDS[c.kind],
                detail=c.detail,
                documentation=lsp.MarkupContent(kind=markup, value=c.documentation)
                if c.documentation
                else None,
                text_edit=lsp.TextEdit(range=edit_range(c.start, c.end), new_text=c.new_text),
                insert_text_format=lsp.InsertTextFormat.Snippet
                if c.snippet
                else lsp.InsertTextFormat.PlainText,
                filter_text=c.filter_text,
                sort_text=c.sort_text,
                additional_text_edits=[text_edit(lines, e, enc) for e in c.extra] or None,
            )
            for c in found.items
        ]
        return lsp.CompletionList(is_incomplete=found.incomplete, items=items)
