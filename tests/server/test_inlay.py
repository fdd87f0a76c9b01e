"""Inlay hints end to end: short content hashes after node ids, computed values after nodes
once the current version has run, only within the requested range, settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

HASH_A = "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f"
HASH_B = "f2bbecbbae3c4dfe08ada800fff7da6632e354972a000e31c1f4b7535057861a"
HASH_SUM = "c77c9b135c81f25ce360b1f322e542b2fa84efbadf0afbf456b1f7838f17f1a5"
HASH_OUT = "078801c649fd8c79775bab4aa6b89e18c8d2efd3a8c44de8e77a435ba9962273"

Shown = tuple[int, int, str]


async def hints(
    client: LanguageClient,
    uri: str,
    start: tuple[int, int] = (0, 0),
    end: tuple[int, int] = (99, 0),
) -> list[lsp.InlayHint]:
    result = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(*start), end=lsp.Position(*end)),
        )
    )
    return list(result or [])


def shown(found: list[lsp.InlayHint]) -> list[Shown]:
    out: list[Shown] = []
    for h in found:
        assert isinstance(h.label, str)
        out.append((h.position.line, h.position.character, h.label))
    return out


def accept_refreshes(client: LanguageClient) -> None:
    """Answer `workspace/inlayHint/refresh` (sent after a run to clients that support it)."""

    def on_refresh(params: None) -> None:
        return None

    client.protocol.fm._features[lsp.WORKSPACE_INLAY_HINT_REFRESH] = on_refresh


async def run(client: LanguageClient, uri: str) -> None:
    accept_refreshes(client)
    await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="lexis.run", arguments=[uri])
    )


async def configure(client: LanguageClient, **inlay: bool) -> None:
    client.set_configuration({"inlayHints": inlay}, section="lexis")
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"lexis": {"inlayHints": inlay}})
    )
    await asyncio.sleep(0.2)


async def test_hashes_after_every_node_id(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "h.lexis.json", SECTION1)
    found = await hints(client, uri)
    assert shown(found) == [
        (4, 14, "#039c9761"),
        (5, 14, "#f2bbecbb"),
        (6, 16, "#c77c9b13"),
        (7, 16, "#078801c6"),
    ]
    assert [h.tooltip for h in found] == [
        f"BLAKE3 content hash: {h}" for h in (HASH_A, HASH_B, HASH_SUM, HASH_OUT)
    ]
    assert all(h.padding_left for h in found)


async def test_only_hints_in_the_requested_range(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "r.lexis.json", SECTION1)
    assert shown(await hints(client, uri, (5, 0), (6, 60))) == [
        (5, 14, "#f2bbecbb"),
        (6, 16, "#c77c9b13"),
    ]
    assert shown(await hints(client, uri, (6, 17), (6, 60))) == []  # after `sum`'s id
    assert shown(await hints(client, uri, (0, 0), (3, 20))) == []


async def test_subgraph_nodes_and_non_ascii(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace(
        '{"id": "a", "op": "const", "value": 5}',
        '{"doc": "😀é", "id": "a", "op": "const", "value": 5}',
    ).replace(
        "  ]\n}",
        '  ],\n  "subgraphs": {"f": {"nodes": [{"id": "x", "op": "input_port", "value": 0}, '
        '{"id": "o", "op": "output_port", "inputs": ["x"], "value": 0}]}}\n}',
    )
    uri = open_doc(client, tmp_path / "s.lexis.json", text)
    # extra units before `a`'s id: 😀 (UTF-16: 2, UTF-8: 4) and é (UTF-8: 2)
    extra = 4 if client.profile == "neovim@0.11.0" else 1  # type: ignore[attr-defined]
    found = shown(await hints(client, uri))
    x = text.splitlines()[9].index('"x"') + 3
    o = text.splitlines()[9].index('"o"') + 3
    assert found[0] == (4, 27 + extra, "#039c9761")  # the same content, the same hash
    assert [(line, col) for line, col, _ in found[4:]] == [(9, x), (9, o)]
    assert all(label.startswith("#") and len(label) == 9 for _, _, label in found[4:])


async def test_no_hash_where_there_is_none(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"inputs": ["a", "b"]', '"inputs": ["a", "nope"]')
    uri = open_doc(client, tmp_path / "n.lexis.json", text)
    # `sum` reads an unknown node: neither it nor `out` (which reads it) has a hash.
    assert shown(await hints(client, uri)) == [(4, 14, "#039c9761"), (5, 14, "#f2bbecbb")]


async def test_values_after_a_run_of_the_current_version(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "v.lexis.json", SECTION1)
    assert all(label.startswith("#") for _, _, label in shown(await hints(client, uri)))
    await run(client, uri)
    assert shown(await hints(client, uri)) == [
        (4, 14, "#039c9761"),
        (4, 42, "= 5"),
        (5, 14, "#f2bbecbb"),
        (5, 42, "= 3"),
        (6, 16, "#c77c9b13"),
        (6, 52, "= 8"),
        (7, 16, "#078801c6"),
        (7, 51, "= 8"),
    ]
    # An edit makes the values stale: they go.
    change(client, uri, 2, (4, 40), (4, 41), "6")
    await asyncio.sleep(0.1)
    found = shown(await hints(client, uri))
    assert [label for _, _, label in found if label.startswith("=")] == []
    assert found[:2] == [(4, 14, "#89d175af"), (5, 14, "#f2bbecbb")]  # `a` is now const 6


async def test_value_of_a_multi_line_node_is_beside_its_id(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A node written over several lines gets its value after its id (and hash), on the id's
    line, not after its closing brace; one-line nodes keep it at their end."""
    text = SECTION1.replace(
        '{"id": "sum", "op": "add", "inputs": ["a", "b"]}',
        '{\n      "id": "sum",\n      "op": "add",\n      "inputs": ["a", "b"]\n    }',
    )
    uri = open_doc(client, tmp_path / "m.lexis.json", text)
    await run(client, uri)
    lines = text.splitlines()
    sum_line = next(i for i, line in enumerate(lines) if '"id": "sum"' in line)
    id_end = lines[sum_line].index('"sum"') + len('"sum"')
    found = shown(await hints(client, uri))
    assert (sum_line, id_end, "#c77c9b13") in found
    assert (sum_line, id_end, "= 8") in found
    # the hash first, then the value, at the same place
    at = [label for line, col, label in found if (line, col) == (sum_line, id_end)]
    assert at == ["#c77c9b13", "= 8"]
    # nothing after the closing brace of `sum`
    brace = sum_line + 3
    assert lines[brace].strip() == "},"
    assert [h for h in found if h[0] == brace] == []
    # a one-line node keeps its value at its end
    assert (4, 42, "= 5") in found


async def test_long_values_are_cut(client: LanguageClient, tmp_path: Path) -> None:
    long = "x" * 70
    text = SECTION1.replace('"value": 5', f'"value": "{long}"').replace(
        '"op": "add"', '"op": "concat"'
    )
    uri = open_doc(client, tmp_path / "l.lexis.json", text)
    await run(client, uri)
    found = await hints(client, uri, (4, 0), (5, 0))
    values = [h for h in found if isinstance(h.label, str) and h.label.startswith("=")]
    assert len(values) == 1
    assert values[0].label == "= " + "x" * 37 + "…"
    assert values[0].tooltip is not None and long in str(values[0].tooltip)


async def test_settings_turn_hints_off(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "o.lexis.json", SECTION1)
    await run(client, uri)
    await configure(client, hashes=False)
    assert [label for _, _, label in shown(await hints(client, uri))] == [
        "= 5",
        "= 3",
        "= 8",
        "= 8",
    ]
    await configure(client, hashes=False, values=False)
    assert await hints(client, uri) == []
    await configure(client, hashes=True, values=False)
    assert len(await hints(client, uri)) == 4


async def test_other_json_documents_have_no_hints(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    result = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(1, 0)),
        )
    )
    assert result is None
