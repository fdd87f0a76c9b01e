"""Completion: opcodes (with a snippet that also writes the inputs), node ids in `inputs`
(never one that would close a cycle), capabilities, subgraph references, keys, and a whole new
node. The context and the candidates come from ``lang/complete.py``; this module only converts.

The list is encoded here, straight to JSON (orjson), as cattrs would encode the lsprotocol
`CompletionList` (members that are None left out): a completion is asked for on nearly every
keystroke, and building and unstructuring a hundred lsprotocol items took most of its time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types as lsp

from ...lang.complete import Candidate, CandidateKind, completions
from ..convert import dumps, locator, range_json, to_offset
from ..server import LexisServer
from ..wire import Encoded

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
_KIND_NUMBERS: dict[str, int] = {name: int(kind.value) for name, kind in KINDS.items()}
_SNIPPET = int(lsp.InsertTextFormat.Snippet.value)
_PLAIN = int(lsp.InsertTextFormat.PlainText.value)


def _markup_kind(ls: LexisServer) -> lsp.MarkupKind:
    formats = ls.capability(
        "text_document", "completion", "completion_item", "documentation_format"
    )
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown


def completion_list_json(
    items: Sequence[Candidate],
    incomplete: bool,
    at: Callable[[int], tuple[int, int]],
    markup: str,
) -> dict[str, Any]:
    """The wire form of a `CompletionList` of ``items``; positions by a :func:`locator`."""
    ranges: dict[tuple[int, int], dict[str, Any]] = {}  # most replace the same range

    def edit_range(start: int, end: int) -> dict[str, Any]:
        found = ranges.get((start, end))
        if found is None:
            found = ranges[start, end] = range_json(at, start, end)
        return found

    out: list[dict[str, Any]] = []
    for c in items:
        item: dict[str, Any] = {"label": c.label, "kind": _KIND_NUMBERS[c.kind], "detail": c.detail}
        if c.documentation:
            item["documentation"] = {"kind": markup, "value": c.documentation}
        item["sortText"] = c.sort_text
        item["filterText"] = c.filter_text
        item["insertTextFormat"] = _SNIPPET if c.snippet else _PLAIN
        item["textEdit"] = {"range": edit_range(c.start, c.end), "newText": c.new_text}
        if c.extra:
            item["additionalTextEdits"] = [
                {"range": range_json(at, e.start, e.end), "newText": e.new_text} for e in c.extra
            ]
        out.append(item)
    return {"isIncomplete": incomplete, "items": out}


def register(server: LexisServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=False),
    )
    def completion(ls: LexisServer, params: lsp.CompletionParams) -> Encoded | None:
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
        wire = completion_list_json(
            found.items, found.incomplete, locator(lines, enc), _markup_kind(ls).value
        )
        return Encoded(dumps(wire))
