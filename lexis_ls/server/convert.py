"""Conversions between the core's plain data (code-point offsets, diagnostics, text edits) and
lsprotocol types, in the position encoding negotiated with the client."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from lsprotocol import types as lsp

from ..lang.diagnostics import CODES, Diagnostic, Fix, Severity, TextEdit, explain_path
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


@cache
def explain_uri(code: str) -> str:
    """The `file:` URL of a code's explain page (one per code, computed once)."""
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
    """What a diagnostic's `data` says of one of its fixes: its title and whether fix-all
    applies it. The edits come with the code action (they hold offsets that every edit above
    them moves, and building them for thousands of hints on every keystroke is wasted work)."""
    return {"title": fix.title, "safe": fix.safe}


def _message(d: Diagnostic) -> str:
    if not d.hints:
        return d.message
    return d.message + "\n" + "\n".join(f"hint: {h}" for h in d.hints)


def diagnostic(uri: str, lines: LineIndex, d: Diagnostic, enc: Encoding) -> lsp.Diagnostic:
    tags = [lsp.DiagnosticTag.Unnecessary] if d.unnecessary else None
    related = [
        lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri, range=to_range(lines, r.start, r.end, enc)),
            message=r.message,
        )
        for r in d.related
    ] or None
    return lsp.Diagnostic(
        range=to_range(lines, d.start, d.end, enc),
        message=_message(d),
        severity=SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href=explain_uri(d.code)),
        source="lexis",
        tags=tags,
        related_information=related,
        data={"fixes": [fix_data(f) for f in d.fixes]} if d.fixes else None,
    )


# --- the wire form of diagnostics -------------------------------------------------------------


def dumps(value: Any) -> bytes:
    """JSON bytes of ``value`` by orjson; a text with a lone surrogate (LX0008 quotes one),
    which orjson refuses, is encoded as `json.dumps` does (an escape, ASCII only)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value).encode()


_SEVERITY_NUMBER = {s: int(v.value) for s, v in SEVERITY.items()}
_Key = tuple[Any, ...]


def _range_json(sl: int, sc: int, el: int, ec: int) -> dict[str, Any]:
    return {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}


def range_json(at: Callable[[int], tuple[int, int]], start: int, end: int) -> dict[str, Any]:
    """The wire form (JSON) of the range [start, end), positions by a :func:`locator`."""
    sl, sc = at(start)
    el, ec = at(end)
    return _range_json(sl, sc, el, ec)


class DiagnosticWire:
    """The encoded (JSON) form of one document's diagnostics, finding by finding.

    Each finding's wire form is built and encoded (orjson) once, and reused for as long as
    the finding and its line/character range stay the same: a keystroke re-encodes only the
    findings it changed or moved to other positions. The forms of the last encoding are
    kept; the others are dropped, so the cache never holds more than one version's findings.
    """

    __slots__ = ("_forms", "_location", "_uri")

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._forms: dict[_Key, bytes] = {}
        self._location = b'{"location":{"uri":' + dumps(uri) + b',"range":'

    def encode(
        self, lines: LineIndex, found: Sequence[Diagnostic], enc: Encoding, total: int
    ) -> bytes:
        """The JSON array of ``found`` (and a note when ``total`` is more than was shown)."""
        old = self._forms
        forms: dict[_Key, bytes] = {}
        at = locator(lines, enc)
        parts: list[bytes] = []
        for d in found:
            s = at(d.start)
            e = at(d.end)
            related: tuple[Any, ...] = ()
            if d.related:
                related = tuple((r.message, at(r.start), at(r.end)) for r in d.related)
            fixes = tuple((f.title, f.safe) for f in d.fixes) if d.fixes else ()
            # the severity by identity: its members are singletons, and an Enum's hash is a
            # Python call
            key = (d.code, d.message, d.hints, id(d.severity), s, e, related, fixes)
            form = old.get(key) if old else None
            if form is None:
                form = self._encode_one(d, s, e, related, fixes)
            forms[key] = form
            parts.append(form)
        if total > len(found):
            parts.append(dumps(_note(len(found), total)))
        self._forms = forms
        return b"[" + b",".join(parts) + b"]"

    def _encode_one(
        self,
        d: Diagnostic,
        s: tuple[int, int],
        e: tuple[int, int],
        related: tuple[Any, ...],
        fixes: tuple[tuple[str, bool], ...],
    ) -> bytes:
        """The bytes orjson gives for the finding's wire form (see :meth:`_encode_dict`),
        put together from pieces: the ranges by formatting, the texts by orjson, and what
        depends on the code alone once per code."""
        try:
            dump = orjson.dumps
            parts = [
                b'{"range":',
                _RANGE % (s[0], s[1], e[0], e[1]),
                b',"message":',
                dump(_message(d)),
                _code_part(d.code, d.severity),
            ]
            if related:
                uri = self._location
                parts.append(b',"relatedInformation":[')
                parts.append(
                    b",".join(
                        uri
                        + _RANGE % (rs[0], rs[1], re_[0], re_[1])
                        + b'},"message":'
                        + dump(message)
                        + b"}"
                        for message, rs, re_ in related
                    )
                )
                parts.append(b"]")
            if fixes:
                parts.append(b',"data":{"fixes":[')
                parts.append(
                    b",".join(
                        b'{"title":' + dump(t) + (b',"safe":true}' if safe else b',"safe":false}')
                        for t, safe in fixes
                    )
                )
                parts.append(b"]}")
            parts.append(b"}")
            return b"".join(parts)
        except TypeError:  # a lone surrogate, which orjson refuses: as `dumps` encodes it
            return self._encode_dict(d, s, e, related, fixes)

    def _encode_dict(
        self,
        d: Diagnostic,
        s: tuple[int, int],
        e: tuple[int, int],
        related: tuple[Any, ...],
        fixes: tuple[tuple[str, bool], ...],
    ) -> bytes:
        out: dict[str, Any] = {
            "range": _range_json(s[0], s[1], e[0], e[1]),
            "message": _message(d),
            "severity": _SEVERITY_NUMBER[d.severity],
            "code": d.code,
            "codeDescription": {"href": explain_uri(d.code)},
            "source": "lexis",
        }
        if d.unnecessary:
            out["tags"] = [int(lsp.DiagnosticTag.Unnecessary.value)]
        if related:
            out["relatedInformation"] = [
                {
                    "location": {
                        "uri": self._uri,
                        "range": _range_json(rs[0], rs[1], re_[0], re_[1]),
                    },
                    "message": message,
                }
                for message, rs, re_ in related
            ]
        if fixes:
            out["data"] = {"fixes": [{"title": t, "safe": safe} for t, safe in fixes]}
        return dumps(out)


_RANGE = b'{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}}'
_CODE_PARTS: dict[tuple[str, int], bytes] = {}


def _code_part(code: str, severity: Severity) -> bytes:
    """The members of a finding's wire form that its code and severity decide, encoded."""
    key = (code, id(severity))
    part = _CODE_PARTS.get(key)
    if part is None:
        part = (
            b',"severity":'
            + orjson.dumps(_SEVERITY_NUMBER[severity])
            + b',"code":'
            + orjson.dumps(code)
            + b',"codeDescription":{"href":'
            + orjson.dumps(explain_uri(code))
            + b'},"source":"lexis"'
        )
        if CODES[code].unnecessary:
            part += b',"tags":' + orjson.dumps([int(lsp.DiagnosticTag.Unnecessary.value)])
        _CODE_PARTS[key] = part
    return part


def locator(lines: LineIndex, enc: Encoding) -> Callable[[int], tuple[int, int]]:
    """(line, character) of an offset, as ``lines.position`` gives them. In an ASCII text
    (``str.isascii`` is a flag CPython keeps) a character is a code point in every encoding:
    a binary search, without the line's text sliced and measured."""
    text = lines.text
    if not text.isascii():
        position = lines.position

        def located(offset: int) -> tuple[int, int]:
            p = position(offset, enc)
            return p.line, p.character

        return located
    starts = lines.line_starts
    size = len(text)

    def ascii_located(offset: int) -> tuple[int, int]:
        if offset < 0:
            offset = 0
        elif offset > size:
            offset = size
        line = bisect_right(starts, offset) - 1
        return line, offset - starts[line]

    return ascii_located


def _note(shown: int, total: int) -> dict[str, Any]:
    """The diagnostic that says only the first ``shown`` of ``total`` problems are listed."""
    return {
        "range": _range_json(0, 0, 0, 0),
        "message": f"lexis-ls shows {shown} of the {total} problems of this document (errors "
        "first); `lexis check` lists them all",
        "severity": int(lsp.DiagnosticSeverity.Information.value),
        "source": "lexis",
    }
