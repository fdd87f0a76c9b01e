"""Fixtures for the language-server tests: a real server subprocess per test and profile."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsp_support import PROFILES, SERVER, start
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.server.early import MISMATCH


@pytest_lsp.fixture(config=SERVER, params=PROFILES)
async def client(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path: Path
) -> AsyncIterator[None]:
    versions: dict[str, int | None] = {}
    lsp_client._versions = versions  # type: ignore[attr-defined]

    # pytest-lsp keeps the last published diagnostics per URI; the tests also need their version.
    features = lsp_client.protocol.fm._features
    keep = features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
        versions[params.uri] = params.version
        keep(params)

    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    registrations: list[lsp.Registration] = []
    lsp_client.registrations = registrations  # type: ignore[attr-defined]

    def on_register(params: lsp.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    features[lsp.CLIENT_REGISTER_CAPABILITY] = on_register

    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    await start(lsp_client, request.param, tmp_path)
    yield
    await lsp_client.shutdown_session()
    # every session went through the early initialize answer: it must equal the server's own
    assert not [m for m in lsp_client.log_messages if MISMATCH in m.message]


@pytest.fixture
def raw() -> Iterator[Any]:
    """A client of a server process that writes bytes and reads framed messages
    (test_wire.Raw); the process is killed after the test if it still runs."""
    from test_wire import Raw

    client = Raw()
    yield client
    if client.proc.poll() is None:
        client.proc.kill()
        client.proc.wait()
