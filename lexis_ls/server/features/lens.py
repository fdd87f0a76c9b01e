"""Code lenses at the top of a Lexis document: run it, debug it, and its program hash.

The commands (`lexis.run`, `lexis.hash`) are implemented in ``features/commands.py``; a lens
only names them, with the document's URI as their one argument. Debugging is the client's
(it starts a debug session with the `lexis` adapter), so the "Debug" lens is shown only to a
client that names its command in `initializationOptions`: ``{"debugCommand": "..."}``.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from ...lang.analysis import Analysis
from ..server import LexisServer

RUN_COMMAND = "lexis.run"
HASH_COMMAND = "lexis.hash"
SHORT_HASH = 8
NO_HASH = "No program hash while the program has errors"


def hash_title(analysis: Analysis) -> str:
    digest = None if analysis.has_errors else analysis.program_hash()
    if digest is None:  # a program without errors always has one (LEXIS.md section 5)
        return NO_HASH
    return f"Program hash: {digest[:SHORT_HASH]}…"


def lenses(uri: str, analysis: Analysis, debug_command: str | None = None) -> list[lsp.CodeLens]:
    top = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    found = [
        # Shown even when the program has errors: running it reports them.
        lsp.CodeLens(
            range=top, command=lsp.Command(title="▶ Run", command=RUN_COMMAND, arguments=[uri])
        )
    ]
    if debug_command is not None:
        found.append(
            lsp.CodeLens(
                range=top,
                command=lsp.Command(title="Debug", command=debug_command, arguments=[uri]),
            )
        )
    found.append(
        lsp.CodeLens(
            range=top,
            command=lsp.Command(title=hash_title(analysis), command=HASH_COMMAND, arguments=[uri]),
        )
    )
    return found


def register(server: LexisServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: LexisServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        return lenses(doc.uri, ls.analysis(doc), ls.client_option("debugCommand"))
