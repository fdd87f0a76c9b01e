"""Signature help end to end: the op's signature inside `inputs`, the active parameter moving
with the commas (not those inside strings or nested values), variadic tails, subgraph ports."""

from __future__ import annotations

from pathlib import Path

from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.text import Encoding, LineIndex


def encoding(client: LanguageClient) -> Encoding:
    """The encoding the server negotiates: the client's first choice, else UTF-16."""
    general = client.capabilities.general if client.capabilities else None
    kinds = general.position_encodings if general is not None else None
    first = str(getattr(kinds[0], "value", kinds[0])) if kinds else "utf-16"
    return "utf-8" if first == "utf-8" else "utf-32" if first == "utf-32" else "utf-16"


async def help_at(
    client: LanguageClient, uri: str, text: str, offset: int
) -> lsp.SignatureHelp | None:
    p = LineIndex(text).position(offset, encoding(client))
    return await client.text_document_signature_help_async(
        lsp.SignatureHelpParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=p.line, character=p.character),
        )
    )


async def signature(
    client: LanguageClient, tmp_path: Path, marked: str, name: str = "s.lexis.json"
) -> lsp.SignatureHelp | None:
    offset = marked.index("|")
    text = marked[:offset] + marked[offset + 1 :]
    uri = open_doc(client, tmp_path / name, text)
    return await help_at(client, uri, text, offset)


def shown(found: lsp.SignatureHelp | None) -> tuple[str, list[str], int | None]:
    """The label, the parameters as the client highlights them, and the active one."""
    assert found is not None and len(found.signatures) == 1
    info = found.signatures[0]
    assert info.active_parameter == found.active_parameter
    names = []
    for p in info.parameters or []:
        assert isinstance(p.label, tuple)  # every profile supports label offsets
        names.append(info.label[p.label[0] : p.label[1]])
    return info.label, names, found.active_parameter


REPLACE = '    {"id": "r", "op": "replace", "inputs": [%s]}'


def with_node(node: str) -> str:
    return SECTION1.replace('    {"id": "out"', node + ',\n    {"id": "out"')


async def test_active_parameter_moves_with_the_comma_count(
    client: LanguageClient, tmp_path: Path
) -> None:
    assert shown(await signature(client, tmp_path, with_node(REPLACE % "|"))) == (
        "replace(s, old, new)",
        ["s", "old", "new"],
        0,
    )
    found = await signature(client, tmp_path, with_node(REPLACE % '"a", "b|"'), "2.lexis.json")
    assert shown(found)[2] == 1
    found = await signature(client, tmp_path, with_node(REPLACE % '"a", "b", |'), "3.lexis.json")
    assert shown(found)[2] == 2
    info = found.signatures[0] if found else None
    assert info is not None and isinstance(info.documentation, lsp.MarkupContent)
    assert info.documentation.value.startswith("Replace(s, old, new): every occurrence.")


async def test_commas_inside_strings_and_nested_values_do_not_count(
    client: LanguageClient, tmp_path: Path
) -> None:
    found = await signature(
        client, tmp_path, with_node(REPLACE % '"x, y", ["a", "b"], |'), "n.lexis.json"
    )
    assert shown(found)[2] == 2
    found = await signature(client, tmp_path, with_node(REPLACE % '"a", ["b", |]'), "m.lexis.json")
    assert shown(found)[2] == 1
    fmt = '    {"id": "f", "op": "format", "value": "{}, {}, {}", "inputs": ["a", |]}'
    assert shown(await signature(client, tmp_path, with_node(fmt), "f.lexis.json")) == (
        "format(args...)",
        ["args..."],
        0,  # the variadic tail stays active
    )


async def test_signature_follows_typing(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "t.lexis.json", SECTION1)
    line = '    {"id": "s2", "op": "split", "inputs": ["a", '
    change(client, uri, 2, (6, 0), (6, 0), line + "\n")
    text = SECTION1.replace('    {"id": "sum"', line + '\n    {"id": "sum"')
    found = await help_at(client, uri, text, text.index(line) + len(line))
    assert shown(found) == ("split(s, delim)", ["s", "delim"], 1)


async def test_subgraph_call_shows_the_subgraph_ports(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = SECTION1.replace(
        '"nodes": [',
        '"nodes": [\n    {"id": "c", "op": "subgraph_call", "inputs": ["a", |], "value": "pair"},',
    ).replace(
        "  ]\n}",
        '  ],\n  "subgraphs": {"pair": {"nodes": [\n'
        '    {"id": "x", "op": "input_port", "value": 0},\n'
        '    {"id": "y", "op": "input_port", "value": 1},\n'
        '    {"id": "o", "op": "output_port", "inputs": ["x"], "value": 0}\n'
        "  ]}}\n}",
    )
    found = await signature(client, tmp_path, marked)
    assert shown(found) == ("pair(x, y)", ["x", "y"], 1)  # the ports' ids, as hover names them


async def test_no_signature_outside_inputs(client: LanguageClient, tmp_path: Path) -> None:
    marked = SECTION1.replace('"value": 5', '"value": 5|')
    assert await signature(client, tmp_path, marked) is None
    uri = open_doc(client, tmp_path / "package.json", '{"inputs": [1, 2]}', "json")
    found = await client.text_document_signature_help_async(
        lsp.SignatureHelpParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=0, character=14),
        )
    )
    assert found is None
