"""The hashes of a version are computed while the server is idle after its diagnostics (a
hover or the code lens after an edit then finds them known): a slice at a time, for the
current version only, and never for a closed document."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types as lsp

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.outline import describe
from lexis_ls.server import server as srv
from lexis_ls.server.features import hover
from lexis_ls.server.server import create_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_check import generate

URI = "file:///tmp/primed.lexis.json"
TEXT = generate(3000)


def opened(text: str = TEXT) -> tuple[srv.LexisServer, srv.Document]:
    ls = create_server()
    ls.protocol.client_capabilities = lsp.ClientCapabilities()  # as `initialize` sets them
    doc = ls.store.open(URI, "json", 1, text)
    assert doc is not None
    ls.analysis(doc)
    return ls, doc


async def idle(ls: srv.LexisServer, seconds: float = 5.0) -> None:
    """Until no priming is pending (or ``seconds`` pass)."""
    for _ in range(int(seconds / 0.01)):
        if not ls._priming:
            return
        await asyncio.sleep(0.01)


async def test_a_version_is_hashed_while_idle_as_a_hover_would_hash_it() -> None:
    ls, doc = opened()
    analysis = doc.current_analysis()
    assert analysis is not None
    ls.prime(doc)
    await idle(ls)
    assert list(analysis.hasher.priming()) == []  # nothing left to do
    index = doc.extra.get(hover._INDEX)  # the hover's index of findings, built while idle too
    assert index is not None and index[0] is analysis
    fresh = analyze(TEXT)
    last = TEXT.rindex('"id": "')
    at = last + len('"id": "')
    assert describe(analysis, at).markdown == describe(fresh, at).markdown  # type: ignore[union-attr]
    assert "program hash" in describe(analysis, at).markdown  # type: ignore[union-attr]


async def test_a_newer_version_ends_the_priming_of_the_older() -> None:
    ls, doc = opened()
    older = doc.current_analysis()
    assert older is not None
    ls.prime(doc)
    ls.store.change(URI, [((0, 0, 0, 0), " ")], "utf-16", 2)  # before its first slice
    await asyncio.sleep(srv.PRIME_DELAY + 0.2)
    assert not ls._priming
    assert list(older.hasher.priming())  # left: a newer version came


async def test_closing_the_document_ends_its_priming() -> None:
    ls, doc = opened()
    ls.prime(doc)
    assert ls._priming
    close = ls.protocol.fm.features[lsp.TEXT_DOCUMENT_DID_CLOSE]
    close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=URI)))
    assert not ls._priming
