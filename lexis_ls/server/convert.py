"""Conversions between the core's plain data (code-point offsets, diagnostics, text edits) and
lsprotocol types, in the position encoding negotiated with the client."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from ..lang.diagnostics import Diagnostic, Fix, Severity, TextEdit, explain_path
from ..lang.text import Encoding, LineIndex

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFORMATION: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}

ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}


def encoding_of(kind: Any) -> Encoding:
    return ENCODINGS.get(str(getattr(kind, "value", kind) or "utf-16"), "utf-16")


def position(lines: LineIndex, offset: int, enc: Encoding) -> lsp.Position:
    p = lines.position(offset, enc)
    return lsp.Position(line=p.line, character=p.character)


def to_range(lines: LineIndex, start: int, end: int, enc: Encoding) -> lsp.Range:
    return lsp.Range(start=position(lines, start, enc), end=position(lines, end, enc))


def to_offset(lines: LineIndex, pos: lsp.Position, enc: Encoding) -> int:
    return lines.offset(pos.line, pos.character, enc)


def from_range(lines: LineIndex, rng: lsp.Range, enc: Encoding) -> tuple[int, int]:
    return to_offset(lines, rng.start, enc), to_offset(lines, rng.end, enc)


def explain_uri(code: str) -> str:
    return Path(explain_path(code)).as_uri()


def text_edit(lines: LineIndex, edit: TextEdit, enc: Encoding) -> lsp.TextEdit:
    return lsp.TextEdit(range=to_range(lines, edit.start, edit.end, enc), new_text=edit.new_text)


def workspace_edit(
    uri: str,
    lines: LineIndex,
    edits: Sequence[TextEdit],
    enc: Encoding,
    version: int | None = None,
    document_changes: bool = True,
) -> lsp.WorkspaceEdit:
    """Edits of one document, as `documentChanges` (versioned) for clients that announce
    `workspace.workspaceEdit.documentChanges`, else as the plain `changes` map."""
    converted = [text_edit(lines, e, enc) for e in sorted(edits, key=lambda e: (e.start, e.end))]
    if not document_changes:
        return lsp.WorkspaceEdit(changes={uri: converted})
    listed: list[lsp.TextEdit | lsp.AnnotatedTextEdit | lsp.SnippetTextEdit] = list(converted)
    return lsp.WorkspaceEdit(
        document_changes=[
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=listed,
            )
        ]
    )


def fix_data(fix: Fix) -> dict[str, Any]:
    return {
        "title": fix.title,
        "safe": fix.safe,
        "edits": [{"start": e.start, "end": e.end, "newText": e.new_text} for e in fix.edits],
    }


def diagnostic(uri: str, lines: LineIndex, d: Diagnostic, enc: Encoding) -> lsp.Diagnostic:
    tags = [lsp.DiagnosticTag.Unnecessary] if d.unnecessary else None
    related = [
        lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri, range=to_range(lines, r.start, r.end, enc)),
            message=r.message,
        )
        for r in d.related
    ] or None
    message = d.message
    if d.hints:
        message += "\n" + "\n".join(f"hint: {h}" for h in d.hints)
    return lsp.Diagnostic(
        range=to_range(lines, d.start, d.end, enc),
        message=message,
        severity=SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href=explain_uri(d.code)),
        source="lexis",
        tags=tags,
        related_information=related,
        data={"fixes": [fix_data(f) for f in d.fixes]} if d.fixes else None,
    )
