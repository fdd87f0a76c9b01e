"""Semantic tokens: full, full/delta (against the previous result of the document) and range.

The classification is :func:`lexis_ls.lang.tokens.classify`; this module maps its kinds to the
legend below and encodes them as LSP's relative five-integer tuples, in the negotiated position
encoding.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types as lsp

from ...lang.opcodes import CATEGORIES
from ...lang.text import Encoding, LineIndex
from ...lang.tokens import Token, TokenKind, classify
from ..convert import from_range
from ..documents import Document
from ..server import LexisServer

# Standard token types and modifiers, then one custom modifier per opcode category
# (`arithmetic`, `string`, `io`, `network`, `higher_order`...), and `effect` for ops with
# observable effects.
TOKEN_TYPES: list[str] = [
    lsp.SemanticTokenTypes.Property.value,
    lsp.SemanticTokenTypes.Function.value,
    lsp.SemanticTokenTypes.Variable.value,
    lsp.SemanticTokenTypes.EnumMember.value,
    lsp.SemanticTokenTypes.Namespace.value,
    lsp.SemanticTokenTypes.Number.value,
]
TOKEN_MODIFIERS: list[str] = [
    lsp.SemanticTokenModifiers.Declaration.value,
    lsp.SemanticTokenModifiers.DefaultLibrary.value,
    "effect",
    *CATEGORIES,
]
LEGEND = lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_TYPE_OF: dict[TokenKind, int] = {
    "key": TOKEN_TYPES.index("property"),
    "op": TOKEN_TYPES.index("function"),
    "node_id": TOKEN_TYPES.index("variable"),
    "input": TOKEN_TYPES.index("variable"),
    "capability": TOKEN_TYPES.index("enumMember"),
    "subgraph": TOKEN_TYPES.index("namespace"),
    "reference": TOKEN_TYPES.index("namespace"),
    "port": TOKEN_TYPES.index("number"),
}
# Core modifier names -> legend names (`std` references are the default library).
_MODIFIER_NAME = {"std": "defaultLibrary"}
_BIT: dict[str, int] = {
    core: 1 << TOKEN_MODIFIERS.index(_MODIFIER_NAME.get(core, core))
    for core in ("declaration", "std", "effect", *CATEGORIES)
}

CACHE_KEY = "semantic_tokens"
_result_ids = itertools.count(1)


@dataclass(frozen=True)
class _Result:
    result_id: str
    analysis_id: int  # Document.result_id of the analysis the data was computed from
    data: list[int]


def _bits(modifiers: tuple[str, ...], cache: dict[tuple[str, ...], int]) -> int:
    bits = cache.get(modifiers)
    if bits is None:
        bits = 0
        for m in modifiers:
            bits |= _BIT.get(m, 0)
        cache[modifiers] = bits
    return bits


def _units(segment: str, enc: Encoding) -> int:
    if enc == "utf-32" or segment.isascii():
        return len(segment)
    if enc == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)


def encode(tokens: Sequence[Token], lines: LineIndex, enc: Encoding) -> list[int]:
    """LSP's relative encoding of sorted, non-overlapping tokens: (delta line, delta start,
    length, type, modifiers) per token, in ``enc`` units. A token is cut at its line's end."""
    text = lines.text
    starts = lines.line_starts
    last = len(starts) - 1
    data: list[int] = []
    bits_cache: dict[tuple[str, ...], int] = {}
    line = 0
    line_start = 0
    content_end = len(lines.line_text(0))
    plain = enc == "utf-32" or text[line_start:content_end].isascii()
    prev_line = 0
    prev_char = 0
    # On a line that is not ASCII, units are counted from the previous token on (tokens are
    # sorted), not from the line's start each time: one long line stays linear.
    at, at_units = 0, 0
    for t in tokens:
        if line < last and starts[line + 1] <= t.start:
            while line < last and starts[line + 1] <= t.start:
                line += 1
            line_start = starts[line]
            content_end = line_start + len(lines.line_text(line))
            plain = enc == "utf-32" or text[line_start:content_end].isascii()
            at, at_units = line_start, 0
        end = min(t.end, content_end)
        if end <= t.start:
            continue
        if plain:
            char = t.start - line_start
            length = end - t.start
        else:
            if at > t.start or at < line_start:
                at, at_units = line_start, 0
            char = at_units + _units(text[at : t.start], enc)
            at, at_units = t.start, char
            length = _units(text[t.start : end], enc)
        if line != prev_line:
            prev_char = 0
        data += (
            line - prev_line,
            char - prev_char,
            length,
            _TYPE_OF[t.kind],
            _bits(t.modifiers, bits_cache),
        )
        prev_line = line
        prev_char = char
    return data


def delta_edits(old: list[int], new: list[int]) -> list[lsp.SemanticTokensEdit]:
    """One edit turning ``old`` into ``new`` (none when equal), aligned to whole tokens."""
    if old == new:
        return []
    n = min(len(old), len(new))
    prefix = 0
    while prefix < n and old[prefix] == new[prefix]:
        prefix += 1
    prefix -= prefix % 5
    suffix = 0
    limit = n - prefix
    while suffix < limit and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    suffix -= suffix % 5
    return [
        lsp.SemanticTokensEdit(
            start=prefix,
            delete_count=len(old) - prefix - suffix,
            data=new[prefix : len(new) - suffix],
        )
    ]


def _full_data(ls: LexisServer, doc: Document) -> tuple[list[int], int]:
    analysis = ls.analysis(doc)
    cached = doc.extra.get(CACHE_KEY)
    if isinstance(cached, _Result) and cached.analysis_id == doc.result_id:
        return cached.data, doc.result_id
    return encode(classify(analysis.program), analysis.lines, ls.encoding), doc.result_id


def _remember(doc: Document, analysis_id: int, data: list[int]) -> _Result:
    cached = doc.extra.get(CACHE_KEY)
    if isinstance(cached, _Result) and cached.analysis_id == analysis_id and cached.data is data:
        return cached
    result = _Result(str(next(_result_ids)), analysis_id, data)
    doc.extra[CACHE_KEY] = result
    return result


def register(server: LexisServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def semantic_tokens_full(
        ls: LexisServer, params: lsp.SemanticTokensParams
    ) -> lsp.SemanticTokens | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        data, analysis_id = _full_data(ls, doc)
        result = _remember(doc, analysis_id, data)
        return lsp.SemanticTokens(data=data, result_id=result.result_id)

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, LEGEND)
    def semantic_tokens_delta(
        ls: LexisServer, params: lsp.SemanticTokensDeltaParams
    ) -> lsp.SemanticTokens | lsp.SemanticTokensDelta | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        previous = doc.extra.get(CACHE_KEY)
        data, analysis_id = _full_data(ls, doc)
        result = _remember(doc, analysis_id, data)
        if isinstance(previous, _Result) and previous.result_id == params.previous_result_id:
            return lsp.SemanticTokensDelta(
                edits=delta_edits(previous.data, data), result_id=result.result_id
            )
        return lsp.SemanticTokens(data=data, result_id=result.result_id)

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
    def semantic_tokens_range(
        ls: LexisServer, params: lsp.SemanticTokensRangeParams
    ) -> lsp.SemanticTokens | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        start, end = from_range(analysis.lines, params.range, ls.encoding)
        if end < start:
            start, end = end, start
        tokens = [
            t for t in classify(analysis.program, start, end) if t.end > start and t.start < end
        ]
        return lsp.SemanticTokens(data=encode(tokens, analysis.lines, ls.encoding))
