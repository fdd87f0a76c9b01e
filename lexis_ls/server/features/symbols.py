"""Document structure: the outline (document symbols), workspace symbols across every Lexis
file, folding ranges and selection ranges."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from ...lang.model import build_program
from ...lang.opcodes import EFFECT_OPS, OPCODES
from ...lang.outline import Symbol, document_symbols, folds, selection_spans, symbol_match
from ...lang.syntax import parse
from ...lang.text import Encoding, LineIndex
from ...run.files import read_text_file
from ..convert import to_offset, to_range
from ..server import LexisServer

K = lsp.SymbolKind
# Symbol kinds by opcode category; effects are events, whatever their category.
CATEGORY_KINDS: dict[str, lsp.SymbolKind] = {
    "literal": K.Constant,
    "arithmetic": K.Operator,
    "math": K.Operator,
    "comparison": K.Operator,
    "logic": K.Operator,
    "string": K.String,
    "collection": K.Array,
    "sequence": K.Array,
    "dict": K.Object,
    "control": K.Boolean,
    "type": K.TypeParameter,
    "utility": K.Method,
    "subgraph": K.Function,
    "higher_order": K.Function,
    "io": K.Event,
    "network": K.Event,
    "gui": K.Struct,
    "meta": K.Class,
}
OP_KINDS: dict[str, lsp.SymbolKind] = {
    "const": K.Constant,
    "param": K.Variable,
    "gui_state": K.Variable,
    "input_port": K.Interface,
    "output_port": K.Interface,
}
MAX_WORKSPACE_SYMBOLS = 500


def symbol_kind(symbol: Symbol) -> lsp.SymbolKind:
    if symbol.kind == "subgraph":
        return K.Module
    op = symbol.op or ""
    if op in OP_KINDS:
        return OP_KINDS[op]
    if op in EFFECT_OPS:
        return K.Event
    info = OPCODES.get(op)
    return CATEGORY_KINDS.get(info.category, K.Method) if info is not None else K.Variable


def _document_symbol(lines: LineIndex, s: Symbol, enc: Encoding) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=s.name,
        detail=s.detail or None,
        kind=symbol_kind(s),
        range=to_range(lines, s.span.start, s.span.end, enc),
        selection_range=to_range(lines, s.selection.start, s.selection.end, enc),
        children=[_document_symbol(lines, c, enc) for c in s.children] if s.children else None,
    )


def _flat(
    uri: str, lines: LineIndex, symbols: list[Symbol], enc: Encoding
) -> list[lsp.SymbolInformation]:
    out: list[lsp.SymbolInformation] = []
    for s in symbols:
        out.append(
            lsp.SymbolInformation(
                name=s.name,
                kind=symbol_kind(s),
                location=lsp.Location(
                    uri=uri, range=to_range(lines, s.selection.start, s.selection.end, enc)
                ),
                container_name=s.graph,
            )
        )
        for c in s.children:
            out.append(
                lsp.SymbolInformation(
                    name=c.name,
                    kind=symbol_kind(c),
                    location=lsp.Location(
                        uri=uri, range=to_range(lines, c.selection.start, c.selection.end, enc)
                    ),
                    container_name=s.name,
                )
            )
    return out


def register(server: LexisServer) -> None:
    # Outlines of the Lexis files on disk that are not open: path -> ((mtime_ns, size), symbols,
    # line index), re-read when the file changes.
    disk: dict[Path, tuple[tuple[int, int], list[Symbol], LineIndex]] = {}

    def file_symbols(path: Path) -> tuple[list[Symbol], LineIndex] | None:
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = disk.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1], cached[2]
            text = read_text_file(path).text
        except (OSError, UnicodeDecodeError):
            disk.pop(path, None)
            return None
        symbols = document_symbols(build_program(parse(text)))
        lines = LineIndex(text)
        disk[path] = (stamp, symbols, lines)
        return symbols, lines

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def outline(
        ls: LexisServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        symbols = document_symbols(analysis.program)
        enc = ls.encoding
        if ls.capability(
            "text_document", "document_symbol", "hierarchical_document_symbol_support"
        ):
            return [_document_symbol(analysis.lines, s, enc) for s in symbols]
        return _flat(doc.uri, analysis.lines, symbols, enc)

    @server.feature(lsp.WORKSPACE_SYMBOL)
    def workspace_symbols(
        ls: LexisServer, params: lsp.WorkspaceSymbolParams
    ) -> list[lsp.SymbolInformation]:
        enc = ls.encoding
        sources: dict[str, tuple[list[Symbol], LineIndex]] = {}
        for uri, doc in list(ls.store.docs.items()):  # the editor's text wins over the disk's
            analysis = ls.analysis(doc)
            sources[uri] = (document_symbols(analysis.program), analysis.lines)
        on_disk: set[Path] = set()
        for path in ls.workspace_files():
            on_disk.add(path)
            uri = from_fs_path(str(path)) or path.as_uri()
            if uri in sources:
                continue
            found = file_symbols(path)
            if found is not None:
                sources[uri] = found
        for gone in set(disk) - on_disk:
            del disk[gone]
        scored: list[tuple[int, str, str, lsp.SymbolInformation]] = []
        for uri, (symbols, lines) in sources.items():
            for info in _flat(uri, lines, symbols, enc):
                score = symbol_match(params.query, info.name)
                if score is not None:
                    scored.append((score, info.name.lower(), uri, info))
        scored.sort(key=lambda t: t[:3])
        return [t[3] for t in scored[:MAX_WORKSPACE_SYMBOLS]]

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding(ls: LexisServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        collapsed = bool(
            ls.capability("text_document", "folding_range", "folding_range", "collapsed_text")
        )
        limit = ls.capability("text_document", "folding_range", "range_limit")
        found = folds(ls.analysis(doc))
        if isinstance(limit, int) and limit >= 0:
            found = found[:limit]
        return [
            lsp.FoldingRange(
                start_line=f.start_line,
                end_line=f.end_line,
                collapsed_text=f.collapsed if collapsed else None,
            )
            for f in found
        ]

    @server.feature(lsp.TEXT_DOCUMENT_SELECTION_RANGE)
    def selection(
        ls: LexisServer, params: lsp.SelectionRangeParams
    ) -> list[lsp.SelectionRange] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        analysis = ls.analysis(doc)
        lines, enc = analysis.lines, ls.encoding
        out: list[lsp.SelectionRange] = []
        for position in params.positions:
            offset = to_offset(lines, position, enc)
            item = lsp.SelectionRange(range=lsp.Range(start=position, end=position))
            for k, span in enumerate(reversed(selection_spans(analysis, offset))):
                item = lsp.SelectionRange(
                    range=to_range(lines, span.start, span.end, enc),
                    parent=item if k else None,
                )
            out.append(item)
        return out
