"""Diagnostics end to end: push for clients without pull support, pull for those with it
(never both), exact codes and ranges, code descriptions, fixes in data, versions, close."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_support import SECTION1, change, codes, diagnostics, open_doc, pulls, rng
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient


async def test_clean_program_has_no_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "ok.lexis.json", SECTION1)
    assert await diagnostics(client, uri, 1) == []


async def test_problem_is_reported_with_code_range_link_and_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = SECTION1.replace('"op": "print"', '"op": "PRINT"')
    uri = open_doc(client, tmp_path / "bad.lexis.json", text)
    found = await diagnostics(client, uri, 1)
    assert codes(found) == ["LX1001"]
    d = found[0]
    assert rng(d) == (7, 24, 7, 31)
    assert d.source == "lexis" and d.severity == lsp.DiagnosticSeverity.Error
    assert d.code_description is not None and d.code_description.href.startswith("file:")
    assert d.code_description.href.endswith("/LX1001.md")
    assert (
        d.data["fixes"][0]["title"] == "Replace with `print`" and d.data["fixes"][0]["safe"] is True
    )
    assert "did you mean `print`" in d.message


async def test_push_and_pull_are_never_both(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "p.lexis.json", SECTION1.replace('"b"]', '"nope"]'))
    found = await diagnostics(client, uri, 1)
    assert codes(found) == ["LX3001", "LX1003"]
    await asyncio.sleep(0.4)
    if pulls(client):
        assert uri not in client.diagnostics  # nothing was pushed to a pulling client
    else:
        assert codes(list(client.diagnostics[uri])) == ["LX3001", "LX1003"]


async def test_edits_update_diagnostics_for_the_new_version(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "e.lexis.json", SECTION1)
    assert await diagnostics(client, uri, 1) == []
    change(client, uri, 2, (6, 24), (6, 29), '"mul"')  # add -> mul: still fine
    change(client, uri, 3, (6, 24), (6, 29), '"mull"')
    found = await diagnostics(client, uri, 3)
    assert codes(found) == ["LX1001"] and rng(found[0]) == (6, 24, 6, 30)


async def test_unchanged_pull_report(client: LanguageClient, tmp_path: Path) -> None:
    if not pulls(client):
        return
    uri = open_doc(client, tmp_path / "u.lexis.json", SECTION1)
    first = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    second = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=first.result_id
        )
    )
    assert isinstance(second, lsp.RelatedUnchangedDocumentDiagnosticReport)
    assert second.result_id == first.result_id


async def test_closing_clears_pushed_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "c.lexis.json", SECTION1.replace('"const"', '"CONST"', 1))
    assert codes(await diagnostics(client, uri, 1)) == ["LX1001"]
    client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    if not pulls(client):
        for _ in range(100):
            if list(client.diagnostics.get(uri, [None])) == []:
                break
            await asyncio.sleep(0.02)
        assert list(client.diagnostics[uri]) == []


async def test_json_documents_are_served_only_when_lexis(
    client: LanguageClient, tmp_path: Path
) -> None:
    lexis_json = open_doc(
        client,
        tmp_path / "prog.json",
        SECTION1.replace('IO_STDOUT"]', 'IO_STDOUT", "FS_READ"]'),
        "json",
    )
    found = await diagnostics(client, lexis_json, 1)
    assert codes(found) == ["LX2002"]
    other = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    await asyncio.sleep(0.3)
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=other))
        )
        assert list(report.items) == []
    else:
        assert other not in client.diagnostics


async def test_an_empty_language_id_is_judged_by_name_and_content(
    client: LanguageClient, tmp_path: Path
) -> None:
    """Neovim without filetype detection and some generic clients send `languageId: ""`."""
    by_name = open_doc(
        client, tmp_path / "named.lexis.json", SECTION1.replace('["a", "b"]', '["b", "b"]'), ""
    )
    assert "LX3001" in codes(await diagnostics(client, by_name, 1))
    by_content = open_doc(
        client,
        tmp_path / "prog.json",
        SECTION1.replace('IO_STDOUT"]', 'IO_STDOUT", "FS_READ"]'),
        "",
    )
    assert codes(await diagnostics(client, by_content, 1)) == ["LX2002"]


async def test_utf16_and_utf8_positions(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"value": 5}', '"value": 5, "doc": "😀é"}, {"id": "x", "op": "nope"}')
    uri = open_doc(client, tmp_path / "enc.lexis.json", text)
    found = [d for d in await diagnostics(client, uri, 1) if d.code == "LX1001"]
    line = text.splitlines()[4]
    col = line.index('"nope"')
    emoji_units = {"neovim@0.11.0": 3 + 1}.get(client.profile, 1)  # type: ignore[attr-defined]
    # code points before the op string, plus the extra units of 😀 (and é in UTF-8)
    assert found[0].range.start.character == col + emoji_units
