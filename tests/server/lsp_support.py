"""Shared pieces of the end-to-end language-server tests (pytest-lsp).

Every server test runs under the client capability profiles pytest-lsp ships for VS Code 1.65
(push diagnostics, dynamic file-watcher registration), Neovim 0.11 (pull diagnostics, UTF-8
positions, no dynamic registration) and Neovim 0.7 (push, no workspace/configuration).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from helpers import SECTION1 as SECTION1  # re-exported: the server tests import it from here
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

PROFILES = ["visual-studio-code@1.65.2", "neovim@0.11.0", "neovim@0.7.0"]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lexis_ls"])


async def start(
    client: LanguageClient,
    profile: str,
    root: Path,
    settings: dict[str, Any] | None = None,
    init_options: Any = None,
) -> None:
    client.set_configuration(settings or {}, section="lexis")
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=root.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init_options,
        )
    )


def pulls(client: LanguageClient) -> bool:
    caps = client.capabilities
    return (
        caps is not None
        and caps.text_document is not None
        and caps.text_document.diagnostic is not None
    )


def open_doc(
    client: LanguageClient, path: Path, text: str, language_id: str = "lexis", version: int = 1
) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id=language_id, version=version, text=text
            )
        )
    )
    return uri


def change(
    client: LanguageClient,
    uri: str,
    version: int,
    start: tuple[int, int],
    end: tuple[int, int],
    text: str,
) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(start=lsp.Position(*start), end=lsp.Position(*end)), text=text
                )
            ],
        )
    )


async def diagnostics(
    client: LanguageClient, uri: str, version: int | None = None, timeout: float = 10
) -> list[lsp.Diagnostic]:
    """The diagnostics of a document as the client sees them: pulled, or pushed for `version`."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    deadline = asyncio.get_event_loop().time() + timeout
    while True:
        if uri in client.diagnostics and (
            version is None or getattr(client, "_versions", {}).get(uri, version) == version
        ):
            return list(client.diagnostics[uri])
        if asyncio.get_event_loop().time() > deadline:
            raise TimeoutError(f"no diagnostics for {uri} (version {version})")
        await asyncio.sleep(0.02)


def codes(diags: list[lsp.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diags]


def rng(d: lsp.Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def dump(obj: Any) -> str:
    return json.dumps(obj, default=str)
