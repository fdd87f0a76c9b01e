"""Inlay hints: each node's short content hash after its id, and, once the current version has
run, each main-graph node's computed value: after a node written on one line, beside the id (after
its hash) of a node written over several lines, where the eye looks for the node, not after its
closing brace."""

from __future__ import annotations

from lsprotocol import types as lsp

from ...lang.analysis import Analysis
from ...lang.format_edits import nodes_touching
from ...lang.model import Node
from ..convert import from_range, position
from ..documents import Document
from ..server import LexisServer

SHORT_HASH = 8
VALUE_WIDTH = 40


def value_label(text: str) -> str:
    """``= TEXT``, cut to VALUE_WIDTH characters with an ellipsis."""
    label = f"= {' '.join(text.split())}" if "\n" in text or "\r" in text else f"= {text}"
    if len(label) > VALUE_WIDTH:
        label = label[: VALUE_WIDTH - 1] + "…"
    return label


def value_offset(analysis: Analysis, node: Node) -> int:
    """Where a node's value hint goes: the end of a one-line node, else the end of its id."""
    syntax = node.syntax
    lines = analysis.lines
    if lines.line_of(syntax.start) == lines.line_of(max(syntax.start, syntax.end - 1)):
        return syntax.end
    id_member = node.member("id")
    if id_member is None or id_member.value is None:
        return syntax.end
    return id_member.value.end


def _current_values(ls: LexisServer, doc: Document) -> dict[str, str] | None:
    run = doc.run
    if not ls.settings.inlay_values or run is None or run.version != doc.version:
        return None
    return run.values


def hints(
    ls: LexisServer, doc: Document, analysis: Analysis, start: int, end: int
) -> list[lsp.InlayHint]:
    lines = analysis.lines
    enc = ls.encoding
    show_hashes = ls.settings.inlay_hashes
    values = _current_values(ls, doc)
    out: list[tuple[int, lsp.InlayHint]] = []
    for graph in analysis.program.graphs:
        in_main = graph.name is None
        for node in nodes_touching(graph, start, end):
            if show_hashes:
                id_member = node.member("id")
                digest = analysis.hasher.node_hash(node)
                if id_member is not None and id_member.value is not None and digest:
                    at = id_member.value.end
                    if start <= at <= end:
                        out.append(
                            (
                                at,
                                lsp.InlayHint(
                                    position=position(lines, at, enc),
                                    label=f"#{digest[:SHORT_HASH]}",
                                    padding_left=True,
                                    tooltip=f"BLAKE3 content hash: {digest}",
                                ),
                            )
                        )
            if values is not None and in_main and node.id is not None and node.id in values:
                at = value_offset(analysis, node)
                if start <= at <= end:
                    text = values[node.id]
                    label = value_label(text)
                    out.append(
                        (
                            at,
                            lsp.InlayHint(
                                position=position(lines, at, enc),
                                label=label,
                                padding_left=True,
                                tooltip=f"{node.id} = {text}" if label.endswith("…") else None,
                            ),
                        )
                    )
    out.sort(key=lambda pair: pair[0])
    return [hint for _, hint in out]


def register(server: LexisServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    def inlay_hints(ls: LexisServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        start, end = from_range(analysis.lines, params.range, ls.encoding)
        if end < start:
            start, end = end, start
        return hints(ls, doc, analysis, start, end)
