"""Hundreds of random incremental edits with interleaved requests: afterwards the diagnostics the
client has equal a fresh analysis of the final text, and the server is still answering."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from lsp_support import SECTION1, diagnostics, open_doc, pulls
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.text import LineIndex
from lexis_ls.server.convert import diagnostic

FRAGMENTS = [
    '"',
    ",",
    "{",
    "}",
    "[",
    "]",
    ":",
    " ",
    "\n",
    '"add"',
    '"a"',
    "5",
    '"id": "z"',
    "é",
    "😀",
    '"op"',
    "nul",
]


def encoding(client: LanguageClient) -> str:
    return "utf-8" if client.profile == "neovim@0.11.0" else "utf-16"  # type: ignore[attr-defined]


async def test_edit_storm(client: LanguageClient, tmp_path: Path) -> None:
    rng = random.Random(1234)
    text = SECTION1
    uri = open_doc(client, tmp_path / "storm.lexis.json", text)
    enc = encoding(client)
    version = 1
    for step in range(300):
        lines = LineIndex(text)
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5]))
        new = rng.choice(FRAGMENTS) if rng.random() < 0.8 else ""
        s, e = lines.position(start, enc), lines.position(end, enc)  # type: ignore[arg-type]
        version += 1
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(
                            start=lsp.Position(s.line, s.character),
                            end=lsp.Position(e.line, e.character),
                        ),
                        text=new,
                    )
                ],
            )
        )
        text = text[:start] + new + text[end:]
        if step % 25 == 0 and pulls(client):
            report = await client.text_document_diagnostic_async(
                lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
            )
            assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        elif step % 25 == 0:
            await asyncio.sleep(0)
    expected_analysis = analyze(text)
    expected = [
        diagnostic(uri, expected_analysis.lines, d, enc) for d in expected_analysis.diagnostics
    ]  # type: ignore[arg-type]
    found = await diagnostics(client, uri, version)

    def key(d: lsp.Diagnostic) -> tuple[object, ...]:
        r = d.range
        return (d.code, r.start.line, r.start.character, r.end.line, r.end.character, d.message)

    assert [key(d) for d in found] == [key(d) for d in expected]
