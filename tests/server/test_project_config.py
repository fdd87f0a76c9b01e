"""The project configuration in the language server (issue 17 item 3): `lexis.toml` found
upward from the document sets the trust ceiling and which codes are shown; its mistakes are
diagnostics on the configuration file itself; a change to it (watched files) applies at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_support import codes, diagnostics, open_doc, pulls
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 1},
    {"id": "unused", "op": "const", "value": 2},
    {"id": "out", "op": "print", "inputs": ["a"]}
  ]
}
"""


async def published(client: LanguageClient, uri: str, timeout: float = 10) -> list[lsp.Diagnostic]:
    """The diagnostics last published for a file that is not open (the configuration file)."""
    deadline = asyncio.get_event_loop().time() + timeout
    while uri not in client.diagnostics:
        if asyncio.get_event_loop().time() > deadline:
            raise TimeoutError(f"nothing published for {uri}")
        await asyncio.sleep(0.02)
    return list(client.diagnostics[uri])


async def settled(client: LanguageClient, uri: str, want: list[str]) -> list[str]:
    """The document's codes once they equal ``want`` (or after 10 s, whatever they are)."""
    got: list[str] = []
    for _ in range(200):
        if not pulls(client):
            client.diagnostics.pop(uri, None)
        got = sorted(codes(await diagnostics(client, uri)))
        if got == want:
            break
        await asyncio.sleep(0.05)
    return got


def changed(client: LanguageClient, path: Path) -> None:
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=path.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )


async def test_ceiling_and_ignore_from_lexis_toml(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "lexis.toml").write_text('trust-ceiling = 0\nignore = ["LX3001"]\n')
    sub = tmp_path / "src"
    sub.mkdir()
    uri = open_doc(client, sub / "p.lexis.json", PROGRAM)
    assert codes(await diagnostics(client, uri, 1)) == ["LX2008"]


async def test_a_mistake_is_shown_on_the_file_and_a_fix_applies_at_once(
    client: LanguageClient, tmp_path: Path
) -> None:
    config = tmp_path / "lexis.toml"
    config.write_text("trust_ceiling = 0\n")
    uri = open_doc(client, tmp_path / "p.lexis.json", PROGRAM)
    assert codes(await diagnostics(client, uri, 1)) == ["LX3001"]  # the key is not known
    problems = await published(client, config.as_uri())
    assert [(d.message, d.severity) for d in problems] == [
        (
            "unknown key `trust_ceiling`; did you mean `trust-ceiling`?",
            lsp.DiagnosticSeverity.Warning,
        )
    ]
    r = problems[0].range
    assert (r.start.line, r.start.character, r.end.line, r.end.character) == (0, 0, 0, 13)

    config.write_text('trust-ceiling = 0\n[per-file-ignores]\n"p.lexis.json" = ["LX3001"]\n')
    changed(client, config)
    assert await settled(client, uri, ["LX2008"]) == ["LX2008"]
    for _ in range(200):  # the file's problem is withdrawn
        if list(client.diagnostics.get(config.as_uri(), [None])) == []:
            break
        await asyncio.sleep(0.05)
    assert list(client.diagnostics.get(config.as_uri(), [None])) == []

    config.unlink()  # no configuration any more: the defaults
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Deleted)]
        )
    )
    assert await settled(client, uri, ["LX3001"]) == ["LX3001"]


async def test_the_editor_setting_wins(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "lexis.toml").write_text("trust-ceiling = 0\n")
    client.set_configuration({"trustCeiling": 3}, section="lexis")
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"lexis": {"trustCeiling": 3}})
    )
    uri = open_doc(client, tmp_path / "p.lexis.json", PROGRAM)
    assert await settled(client, uri, ["LX3001"]) == ["LX3001"]
