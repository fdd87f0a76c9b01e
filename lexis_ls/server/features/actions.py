"""Code actions: quick fixes for diagnostics, fix-all (`source.fixAll.lexis`), and the extract /
inline subgraph refactors.

The language work is done by the core (``lang.fixes``, ``lang.refactor``); this module turns a
request into core offsets, and core edits into LSP edits. Clients that can resolve the `edit`
property get actions without edits, with ``data`` naming what to compute; ``codeAction/resolve``
computes it, for the document version the action was made for only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams

from ...lang.analysis import Analysis
from ...lang.diagnostics import Diagnostic, TextEdit
from ...lang.fixes import FixAllResult, fix_all
from ...lang.refactor import Refactor, diff_edits, extract_subgraph, inline_call
from ...lang.repair import policy
from ...lang.text import LineIndex
from ..convert import diagnostic, from_range, workspace_edit
from ..documents import Document
from ..server import MAX_DIAGNOSTICS, LexisServer

QUICKFIX = lsp.CodeActionKind.QuickFix.value
EXTRACT = lsp.CodeActionKind.RefactorExtract.value
INLINE = lsp.CodeActionKind.RefactorInline.value
FIX_ALL = "source.fixAll.lexis"
KINDS: list[lsp.CodeActionKind | str] = [
    lsp.CodeActionKind.QuickFix,
    lsp.CodeActionKind.RefactorExtract,
    lsp.CodeActionKind.RefactorInline,
    FIX_ALL,
]
_FIX_ALL_CACHE = "actions.fix_all"
_REFACTOR_CACHE = "actions.refactors"
_INDEX_CACHE = "actions.fixable"


def _kind_text(kind: lsp.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, lsp.CodeActionKind) else str(kind)


def wanted(kind: str, only: Sequence[lsp.CodeActionKind | str] | None) -> bool:
    """Whether ``only`` (hierarchical kinds: `source` covers `source.fixAll.lexis`) asks for
    ``kind``; no ``only`` asks for everything."""
    if not only:
        return True
    for o in only:
        text = _kind_text(o)
        if text == "" or kind == text or kind.startswith(text + "."):
            return True
    return False


def _lazy(ls: LexisServer) -> bool:
    """The client resolves the `edit` of a code action later (and keeps `data` for it)."""
    props = ls.capability("text_document", "code_action", "resolve_support", "properties")
    return (
        ls.capability("text_document", "code_action", "code_action_literal_support") is not None
        and bool(ls.capability("text_document", "code_action", "data_support"))
        and props is not None
        and "edit" in props
    )


def _edit(
    ls: LexisServer, doc: Document, lines: LineIndex, edits: Sequence[TextEdit]
) -> lsp.WorkspaceEdit:
    return workspace_edit(doc.uri, lines, edits, ls.encoding, doc.version, ls.document_changes)


# --- quick fixes ------------------------------------------------------------------------


def _fixable(
    ls: LexisServer, doc: Document, analysis: Analysis, params: lsp.CodeActionParams
) -> list[tuple[Diagnostic, lsp.Diagnostic]]:
    """The core diagnostics with fixes that the request is about, each with the LSP diagnostic
    the client knows it by."""
    enc = ls.encoding
    lines = analysis.lines
    pairs: list[tuple[Diagnostic, lsp.Diagnostic]] = []
    seen: set[int] = set()
    sent = params.context.diagnostics
    if sent:
        # matched by offsets: converting every diagnostic's range would cost a conversion per
        # problem of the document, not per problem the client names
        index = _fixable_index(doc, analysis)
        for client_diag in sent:
            if client_diag.source not in (None, "lexis") or client_diag.code is None:
                continue
            start, end = from_range(lines, client_diag.range, enc)
            found = index.get((str(client_diag.code), start, end))
            if found is not None and id(found) not in seen:
                seen.add(id(found))
                pairs.append((found, client_diag))
        return pairs
    start, end = from_range(lines, params.range, enc)
    for d in analysis.diagnostics:
        if d.fixes and d.start <= end and start <= d.end:
            pairs.append((d, diagnostic(doc.uri, lines, d, enc)))
            if len(pairs) == MAX_DIAGNOSTICS:
                break  # as many as the client can be shown
    return pairs


def _fixable_index(doc: Document, analysis: Analysis) -> dict[tuple[str, int, int], Diagnostic]:
    """The findings with fixes by (code, start, end), built once per analysis (editors ask for
    code actions at every cursor move; a large document has thousands of findings)."""
    cached = doc.extra.get(_INDEX_CACHE)
    if cached is not None and cached[0] is analysis:
        found: dict[tuple[str, int, int], Diagnostic] = cached[1]
        return found
    index: dict[tuple[str, int, int], Diagnostic] = {}
    safe = False
    for d in analysis.diagnostics:
        if d.fixes:
            index.setdefault((d.code, d.start, d.end), d)
            safe = safe or any(f.safe for f in d.fixes)
    doc.extra[_INDEX_CACHE] = (analysis, index, safe)
    return index


def _quick_fixes(
    ls: LexisServer, doc: Document, analysis: Analysis, params: lsp.CodeActionParams, lazy: bool
) -> list[lsp.CodeAction]:
    actions: list[lsp.CodeAction] = []
    for d, client_diag in _fixable(ls, doc, analysis, params):
        for index, fix in enumerate(d.fixes):
            # The core orders every diagnostic's fixes by evidence (lang/repair/policy.py).
            preferred = index == 0 and policy.preferred(fix)
            action = lsp.CodeAction(
                title=fix.title,
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[client_diag],
                is_preferred=True if preferred else None,
            )
            if lazy:
                action.data = {
                    "uri": doc.uri,
                    "version": doc.version,
                    "code": d.code,
                    "start": d.start,
                    "end": d.end,
                    "index": index,
                }
            else:
                action.edit = _edit(ls, doc, analysis.lines, fix.edits)
            actions.append(action)
    return actions


def _quick_fix_edits(analysis: Analysis, data: dict[str, Any]) -> Sequence[TextEdit] | None:
    code, start, end, index = (
        data.get("code"),
        data.get("start"),
        data.get("end"),
        data.get("index"),
    )
    if not isinstance(index, int):
        return None
    for d in analysis.diagnostics:
        if d.code == code and d.start == start and d.end == end and 0 <= index < len(d.fixes):
            return d.fixes[index].edits
    return None


# --- fix-all ----------------------------------------------------------------------------


def _fix_all(doc: Document, analysis: Analysis) -> FixAllResult:
    """Fix-all of the current analysis, computed once."""
    cached = doc.extra.get(_FIX_ALL_CACHE)
    if cached is not None and cached[0] is analysis:
        result: FixAllResult = cached[1]
        return result
    result = fix_all(analysis.text, analysis.options, analysis)
    doc.extra[_FIX_ALL_CACHE] = (analysis, result)
    return result


def _fix_all_action(
    ls: LexisServer,
    doc: Document,
    analysis: Analysis,
    only: Sequence[lsp.CodeActionKind | str] | None,
    lazy: bool,
) -> lsp.CodeAction | None:
    requested = bool(only) and wanted(FIX_ALL, only)
    _fixable_index(doc, analysis)
    if not requested and not doc.extra[_INDEX_CACHE][2]:  # no safe fix
        return None
    result = _fix_all(doc, analysis)
    if result.text == analysis.text:
        return None
    count = len(result.applied)
    action = lsp.CodeAction(
        title=f"Fix all safe problems ({count} fix{'es' if count != 1 else ''})",
        kind=FIX_ALL,
    )
    if lazy:
        action.data = {"uri": doc.uri, "version": doc.version, "action": "fixAll"}
    else:
        action.edit = _edit(ls, doc, analysis.lines, diff_edits(analysis.text, result.text))
    return action


# --- refactors --------------------------------------------------------------------------


def _refactor_action(
    ls: LexisServer,
    doc: Document,
    analysis: Analysis,
    refactor: Refactor | None,
    data: dict[str, Any],
    lazy: bool,
) -> lsp.CodeAction | None:
    if refactor is None:
        return None
    kind = lsp.CodeActionKind.RefactorExtract
    if refactor.kind == "inline":
        kind = lsp.CodeActionKind.RefactorInline
    if refactor.disabled is not None:
        if not ls.capability("text_document", "code_action", "disabled_support"):
            return None
        return lsp.CodeAction(
            title=refactor.title,
            kind=kind,
            disabled=lsp.CodeActionDisabled(reason=refactor.disabled),
        )
    action = lsp.CodeAction(title=refactor.title, kind=kind)
    if lazy:
        action.data = {"uri": doc.uri, "version": doc.version, **data}
    else:
        action.edit = _edit(ls, doc, analysis.lines, refactor.edits)
    return action


def _refactor(doc: Document, analysis: Analysis, data: dict[str, Any]) -> Refactor | None:
    """The refactor ``data`` names, remembered for the current text (editors ask again and again
    while the cursor moves, and resolve asks once more)."""
    key = (data.get("action"), data.get("start"), data.get("end"))
    cache = doc.extra.get(_REFACTOR_CACHE)
    if cache is None or cache[0] is not analysis:
        cache = (analysis, {})
        doc.extra[_REFACTOR_CACHE] = cache
    memo: dict[tuple[Any, ...], Refactor | None] = cache[1]
    if key not in memo:
        if len(memo) >= 16:
            memo.clear()
        memo[key] = _compute_refactor(analysis, data)
    return memo[key]


def _compute_refactor(analysis: Analysis, data: dict[str, Any]) -> Refactor | None:
    what = data.get("action")
    start, end = data.get("start"), data.get("end")
    if not isinstance(start, int):
        return None
    if what == "extract" and isinstance(end, int):
        return extract_subgraph(analysis, start, end)
    if what == "inline":
        return inline_call(analysis, start)
    return None


# --- handlers ---------------------------------------------------------------------------


def code_actions(ls: LexisServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    analysis = ls.analysis(doc)
    only = params.context.only
    lazy = _lazy(ls)
    actions: list[lsp.CodeAction] = []
    if wanted(QUICKFIX, only):
        actions.extend(_quick_fixes(ls, doc, analysis, params, lazy))
    start, end = from_range(analysis.lines, params.range, ls.encoding)
    if wanted(EXTRACT, only) and start < end:
        data = {"action": "extract", "start": start, "end": end}
        action = _refactor_action(ls, doc, analysis, _refactor(doc, analysis, data), data, lazy)
        if action is not None:
            actions.append(action)
    if wanted(INLINE, only):
        data = {"action": "inline", "start": start}
        action = _refactor_action(ls, doc, analysis, _refactor(doc, analysis, data), data, lazy)
        if action is not None:
            actions.append(action)
    if wanted(FIX_ALL, only):
        action = _fix_all_action(ls, doc, analysis, only, lazy)
        if action is not None:
            actions.append(action)
    return actions


def resolve(ls: LexisServer, action: lsp.CodeAction) -> lsp.CodeAction:
    data = action.data
    if action.edit is not None or not isinstance(data, dict):
        return action
    uri = data.get("uri")
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams(
            f"codeAction/resolve: “{action.title}” was not made by this server (no uri in its data)"
        )
    doc = ls.document(uri)
    if doc is None:
        raise JsonRpcContentModified(
            f"cannot resolve “{action.title}”: {uri} is no longer open; ask for code actions again"
        )
    if doc.version != data.get("version"):
        raise JsonRpcContentModified(
            f"cannot resolve “{action.title}”: the document changed (version "
            f"{data.get('version')}, now {doc.version}); ask for code actions again"
        )
    analysis = ls.analysis(doc)
    edits: Sequence[TextEdit] | None
    what = data.get("action")
    if what == "fixAll":
        edits = diff_edits(analysis.text, _fix_all(doc, analysis).text)
    elif what in ("extract", "inline"):
        refactor = _refactor(doc, analysis, data)
        edits = refactor.edits if refactor is not None and refactor.disabled is None else None
    else:
        edits = _quick_fix_edits(analysis, data)
    if edits is not None:
        action.edit = _edit(ls, doc, analysis.lines, edits)
    return action


def register(server: LexisServer) -> None:
    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
    )
    def code_action(ls: LexisServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        try:
            return code_actions(ls, params)
        except Exception as exc:  # never fail the editor's request: log it, offer nothing
            ls.report_server_error(exc, code_action)
            return None

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: LexisServer, params: lsp.CodeAction) -> lsp.CodeAction:
        try:
            return resolve(ls, params)
        except (JsonRpcContentModified, JsonRpcInvalidParams):
            raise
        except Exception as exc:
            ls.report_server_error(exc, code_action_resolve)
            return params
