"""Signature help inside a node's `inputs`: the op's signature (or, for `subgraph_call`, the
called subgraph's ports) with the input under the cursor active."""

from __future__ import annotations

from lsprotocol import types as lsp

from ...lang.complete import signature_help
from ...lang.text import LineIndex
from ..convert import to_offset
from ..server import LexisServer

TRIGGER_CHARACTERS = ["[", ","]


def _markup_kind(ls: LexisServer) -> lsp.MarkupKind:
    formats = ls.capability(
        "text_document", "signature_help", "signature_information", "documentation_format"
    )
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown


def register(server: LexisServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_SIGNATURE_HELP,
        lsp.SignatureHelpOptions(trigger_characters=TRIGGER_CHARACTERS),
    )
    def signature(ls: LexisServer, params: lsp.SignatureHelpParams) -> lsp.SignatureHelp | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        enc = ls.encoding
        found = signature_help(analysis, to_offset(analysis.lines, params.position, enc))
        if found is None:
            return None
        offsets = ls.capability(
            "text_document",
            "signature_help",
            "signature_information",
            "parameter_information",
            "label_offset_support",
        )
        label = LineIndex(found.label)
        parameters: list[lsp.ParameterInformation] = []
        for (start, end), text in zip(found.parameters, found.parameter_docs):
            name: str | tuple[int, int] = found.label[start:end]
            if offsets:
                name = (
                    label.position(start, enc).character,
                    label.position(end, enc).character,
                )
            parameters.append(lsp.ParameterInformation(label=name, documentation=text or None))
        markup = _markup_kind(ls)
        info = lsp.SignatureInformation(
            label=found.label,
            documentation=lsp.MarkupContent(kind=markup, value=found.documentation),
            parameters=parameters,
            active_parameter=found.active,
        )
        return lsp.SignatureHelp(
            signatures=[info], active_signature=0, active_parameter=found.active
        )
