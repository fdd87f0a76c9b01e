"""Code lenses end to end: Run and the program hash at the top of a Lexis document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsp_support import SECTION1, SERVER, change, open_doc, start
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

PROGRAM_HASH = "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6"
TOP = lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0))


async def lenses(client: LanguageClient, uri: str) -> list[lsp.CodeLens]:
    result = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    return list(result)


def commands(found: list[lsp.CodeLens]) -> list[tuple[str, str, list[object]]]:
    out = []
    for lens in found:
        assert lens.range == TOP and lens.command is not None
        out.append((lens.command.title, lens.command.command, list(lens.command.arguments or [])))
    return out


async def test_run_and_hash_lenses(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "l.lexis.json", SECTION1)
    assert commands(await lenses(client, uri)) == [
        ("▶ Run", "lexis.run", [uri]),
        ("Program hash: 3ccd3d1f…", "lexis.hash", [uri]),
    ]


async def test_the_hash_lens_command_gives_the_full_hash(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "c.lexis.json", SECTION1)
    lens = (await lenses(client, uri))[1]
    assert lens.command is not None
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
    )
    assert result["program"] == PROGRAM_HASH


async def test_a_program_with_errors_keeps_run_but_has_no_hash(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "e.lexis.json", SECTION1)
    change(client, uri, 2, (6, 24), (6, 29), '"nope"')
    assert commands(await lenses(client, uri)) == [
        ("▶ Run", "lexis.run", [uri]),
        ("No program hash while the program has errors", "lexis.hash", [uri]),
    ]
    change(client, uri, 3, (6, 24), (6, 30), '"add"')  # fixed again
    assert commands(await lenses(client, uri))[1][0] == "Program hash: 3ccd3d1f…"


async def test_the_hash_follows_the_content(client: LanguageClient, tmp_path: Path) -> None:
    # Other ids and another capability order: the same program hash (LEXIS.md §5).
    text = (
        SECTION1.replace('"a"', '"x"')
        .replace('"sum"', '"total"')
        .replace('"PURE_COMPUTE", "IO_STDOUT"', '"IO_STDOUT", "PURE_COMPUTE"')
    )
    uri = open_doc(client, tmp_path / "same.lexis.json", text)
    assert commands(await lenses(client, uri))[1][0] == "Program hash: 3ccd3d1f…"
    change(client, uri, 2, (4, 40), (4, 41), "6")
    title = commands(await lenses(client, uri))[1][0]
    assert title.startswith("Program hash: ") and title != "Program hash: 3ccd3d1f…"


async def test_partially_typed_document(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "p.lexis.json", '{"spec": "lexis-0.1.0", "nodes": [{"id": ')
    assert commands(await lenses(client, uri)) == [
        ("▶ Run", "lexis.run", [uri]),
        ("No program hash while the program has errors", "lexis.hash", [uri]),
    ]


async def test_other_json_documents_have_no_lenses(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    result = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert result is None


@pytest_lsp.fixture(config=SERVER)
async def debugging_client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    """A client that can start debug sessions and says so (as the VS Code extension does)."""

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: lsp.RegistrationParams) -> None:  # the server's file watchers
        return None

    await start(
        lsp_client,
        "visual-studio-code@1.65.2",
        tmp_path,
        init_options={"debugCommand": "lexis.debugProgram"},
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_debug_lens_for_clients_that_name_their_debug_command(
    debugging_client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(debugging_client, tmp_path / "d.lexis.json", SECTION1)
    assert commands(await lenses(debugging_client, uri)) == [
        ("▶ Run", "lexis.run", [uri]),
        ("Debug", "lexis.debugProgram", [uri]),
        ("Program hash: 3ccd3d1f…", "lexis.hash", [uri]),
    ]
