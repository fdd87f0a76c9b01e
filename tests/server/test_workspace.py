"""Workspace diagnostics, watched files, configuration."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_support import SECTION1, codes, diagnostics, open_doc, pulls
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient


# The token is the client's own (params.workDoneToken): valid without window/workDoneProgress/
# create, though pytest-lsp's checker only knows created tokens and warns.
@pytest.mark.filterwarnings("ignore:Unknown progress token")
async def test_workspace_diagnostics_cover_every_lexis_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "closed.lexis.json").write_text(SECTION1.replace('"PURE_COMPUTE", ', ""))
    (tmp_path / "other.json").write_text("{}")
    open_uri = open_doc(client, tmp_path / "open.lexis.json", SECTION1)
    report = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[], work_done_token="wd-1")
    )
    by_uri = {item.uri: item for item in report.items}
    closed_uri = (tmp_path / "sub" / "closed.lexis.json").as_uri()
    assert set(by_uri) == {open_uri, closed_uri}
    closed = by_uri[closed_uri]
    assert isinstance(closed, lsp.WorkspaceFullDocumentDiagnosticReport)
    assert codes(list(closed.items)) == ["LX2001"]
    assert by_uri[open_uri].version == 1
    # Unchanged files are reported as unchanged on the next pull.
    again = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(
            previous_result_ids=[
                lsp.PreviousResultId(uri=i.uri, value=i.result_id or "") for i in report.items
            ]
        )
    )
    assert all(isinstance(i, lsp.WorkspaceUnchangedDocumentDiagnosticReport) for i in again.items)
    assert client.progress_reports.get("wd-1")  # type: ignore[attr-defined]


async def test_workspace_diagnostics_read_files_as_the_cli_does(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A byte-order mark and CRLF line breaks are not errors (as for `lexis check`)."""
    text = SECTION1.replace('"PURE_COMPUTE", ', "").replace("\n", "\r\n")
    (tmp_path / "bom.lexis.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    report = await client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    (item,) = report.items
    assert isinstance(item, lsp.WorkspaceFullDocumentDiagnosticReport)
    assert codes(list(item.items)) == ["LX2001"]


async def test_watching_closed_files(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "watched.lexis.json"
    path.write_text(SECTION1)
    dynamic = client.profile == "visual-studio-code@1.65.2"  # type: ignore[attr-defined]
    # The server registers its watchers (or starts watchdog) once `initialized` is handled.
    regs: list[lsp.Registration] = []
    for _ in range(200):
        regs = [
            r
            for r in client.registrations  # type: ignore[attr-defined]
            if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
        ]
        if regs or not dynamic:
            break
        await asyncio.sleep(0.05)
    if dynamic:
        options = regs[0].register_options if regs else None
        assert (
            isinstance(options, dict) and options["watchers"][0]["globPattern"] == "**/*.lexis.json"
        )
    else:
        # watchdog: wait until the server has handled `initialized` (any answered request will do)
        await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="zzz"))
    path.write_text(SECTION1.replace('"op": "add"', '"op": "plus"'))
    if dynamic:
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                changes=[lsp.FileEvent(uri=path.as_uri(), type=lsp.FileChangeType.Changed)]
            )
        )
    if pulls(client):
        return  # pull clients ask for workspace diagnostics themselves (tested above)
    found = await diagnostics(client, path.as_uri(), None, timeout=10)
    assert codes(found) == ["LX1001"]


async def test_configuration_trust_ceiling_and_debounce(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "cfg.lexis.json", SECTION1)
    assert await diagnostics(client, uri, 1) == []
    client.set_configuration({"trustCeiling": 0, "diagnostics": {"debounceMs": 0}}, section="lexis")
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    if client.profile == "neovim@0.7.0":  # type: ignore[attr-defined]
        # this client has no workspace/configuration: settings come in the notification itself
        client.workspace_did_change_configuration(
            lsp.DidChangeConfigurationParams(settings={"lexis": {"trustCeiling": 0}})
        )
    for _ in range(100):
        await asyncio.sleep(0.05)
        found = await diagnostics(client, uri, 1)
        if codes(found) == ["LX2008"]:
            break
    assert codes(found) == ["LX2008"]
    assert "trust level 1" in found[0].message


async def test_server_survives_bad_requests(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "never-opened.lexis.json").as_uri()
    report = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert list(report.items) == []
    # still alive and answering
    ok = open_doc(client, tmp_path / "ok.lexis.json", SECTION1)
    assert await diagnostics(client, ok, 1) == []
