"""Completion end to end: ops (with the inputs snippet only for clients that take snippets),
ids without cycles, capabilities, subgraph references, keys, a whole new node; exact text edits
in every position encoding, on half-typed, currently invalid JSON too."""

from __future__ import annotations

import json
from pathlib import Path

from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.opcodes import OPCODES
from lexis_ls.lang.text import Encoding, LineIndex


def encoding(client: LanguageClient) -> Encoding:
    """The encoding the server negotiates: the client's first choice, else UTF-16."""
    general = client.capabilities.general if client.capabilities else None
    kinds = general.position_encodings if general is not None else None
    first = str(getattr(kinds[0], "value", kinds[0])) if kinds else "utf-16"
    return "utf-8" if first == "utf-8" else "utf-32" if first == "utf-32" else "utf-16"


def snippets(client: LanguageClient) -> bool:
    caps = client.capabilities
    td = caps.text_document if caps else None
    item = td.completion.completion_item if td and td.completion else None
    return bool(item and item.snippet_support)


def split(marked: str) -> tuple[str, int]:
    offset = marked.index("|")
    return marked[:offset] + marked[offset + 1 :], offset


def position(client: LanguageClient, text: str, offset: int) -> lsp.Position:
    p = LineIndex(text).position(offset, encoding(client))
    return lsp.Position(line=p.line, character=p.character)


def span(client: LanguageClient, text: str, start: int, end: int) -> lsp.Range:
    return lsp.Range(start=position(client, text, start), end=position(client, text, end))


async def complete(
    client: LanguageClient, tmp_path: Path, marked: str, name: str = "c.lexis.json"
) -> tuple[str, lsp.CompletionList]:
    text, offset = split(marked)
    uri = open_doc(client, tmp_path / name, text)
    return text, await request(client, uri, text, offset)


async def request(client: LanguageClient, uri: str, text: str, offset: int) -> lsp.CompletionList:
    result = await client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=position(client, text, offset),
        )
    )
    assert isinstance(result, lsp.CompletionList)
    return result


def edit_of(item: lsp.CompletionItem) -> lsp.TextEdit:
    assert isinstance(item.text_edit, lsp.TextEdit)
    return item.text_edit


def accept(client: LanguageClient, text: str, item: lsp.CompletionItem) -> str:
    """The text after accepting ``item`` (its edit and additional edits)."""
    lines = LineIndex(text)
    enc = encoding(client)
    edits = [edit_of(item), *(item.additional_text_edits or [])]
    spans = [
        (
            lines.offset(e.range.start.line, e.range.start.character, enc),
            lines.offset(e.range.end.line, e.range.end.character, enc),
            e.new_text,
        )
        for e in edits
    ]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def labels(result: lsp.CompletionList) -> list[str]:
    return [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]


def program(*nodes: str, caps: str = '"PURE_COMPUTE", "IO_STDOUT"', extra: str = "") -> str:
    body = ",\n".join(f"    {n}" for n in nodes)
    return (
        '{\n  "spec": "lexis-0.1.0",\n'
        f'  "capabilities": [{caps}],\n'
        f'  "nodes": [\n{body}\n  ]{extra}\n}}\n'
    )


A = '{"id": "a", "op": "const", "value": 5}'
SUBGRAPHS = """,
  "subgraphs": {
    "pair": {"nodes": [
      {"id": "p", "op": "input_port", "value": 0},
      {"id": "q", "op": "input_port", "value": 1},
      {"id": "s", "op": "sequence", "inputs": ["p", "q"]},
      {"id": "o", "op": "output_port", "inputs": ["s"], "value": 0}
    ]},
    "twice": {"doc": "x -> 2 * x", "nodes": [
      {"id": "x", "op": "input_port", "value": 0},
      {"id": "k", "op": "const", "value": 2},
      {"id": "r", "op": "mul", "inputs": ["x", "k"]},
      {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}
    ]}
  }"""


async def test_op_completion_puts_add_first_with_its_range_and_documentation(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = SECTION1.replace('"op": "add"', '"op": "ad|"')
    text, result = await complete(client, tmp_path, marked)
    first = sorted(result.items, key=lambda i: i.sort_text or "")[0]
    assert first.label == "add" and first.kind == lsp.CompletionItemKind.Function
    assert first.detail == "tier 1 · arithmetic · 2 inputs · PURE_COMPUTE"
    assert isinstance(first.documentation, lsp.MarkupContent)
    assert first.documentation.kind == lsp.MarkupKind.Markdown
    assert first.documentation.value == OPCODES["add"].documentation()
    assert edit_of(first).range == lsp.Range(
        start=lsp.Position(line=6, character=24), end=lsp.Position(line=6, character=28)
    )
    assert edit_of(first).new_text == '"add"' and first.filter_text == '"add"'
    assert first.insert_text_format == lsp.InsertTextFormat.PlainText
    assert json.loads(accept(client, text, first)) == json.loads(SECTION1)
    plain = [i.label for i in result.items if i.kind == lsp.CompletionItemKind.Function]
    assert sorted(plain) == sorted(OPCODES)
    assert not result.is_incomplete


async def test_op_completion_with_the_closing_quote_missing_at_the_end_of_the_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = '{\n  "spec": "lexis-0.1.0",\n  "capabilities": [],\n  "nodes": [\n    {"id": "x", "op": "ad|'
    text, result = await complete(client, tmp_path, marked)
    add = next(i for i in result.items if i.label == "add")
    assert edit_of(add).range == lsp.Range(
        start=lsp.Position(line=4, character=22), end=lsp.Position(line=4, character=25)
    )
    assert accept(client, text, add).endswith('{"id": "x", "op": "add"')


async def test_new_node_typed_into_an_open_document(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "typed.lexis.json", SECTION1)
    line = '    {"id": "n", "op": "'
    change(client, uri, 2, (6, 0), (6, 0), line + "\n")
    text = SECTION1.replace('    {"id": "sum"', line + '\n    {"id": "sum"')
    result = await request(client, uri, text, text.index(line) + len(line))
    ops = [i for i in result.items if i.kind == lsp.CompletionItemKind.Function]
    assert ops[0].label == "const" and len(ops) == len(OPCODES)
    assert edit_of(ops[0]).range == lsp.Range(
        start=lsp.Position(line=6, character=22), end=lsp.Position(line=6, character=23)
    )


async def test_snippet_variant_only_for_clients_with_snippets(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = program(A, '{"id": "r", "op": "repl|"}')
    text, result = await complete(client, tmp_path, marked)
    snippet_items = [
        i for i in result.items if i.insert_text_format == lsp.InsertTextFormat.Snippet
    ]
    if not snippets(client):  # Neovim 0.7
        assert snippet_items == []
        return
    variant = next(i for i in snippet_items if i.label == "replace(s, old, new)")
    assert variant.kind == lsp.CompletionItemKind.Snippet
    assert edit_of(variant).new_text == '"replace", "inputs": ["${1}", "${2}", "${3}"]'
    start = text.index('"repl"')
    assert edit_of(variant).range == span(client, text, start, start + 6)
    assert labels(result)[:2] == ["replace", "replace(s, old, new)"]
    # once the node has inputs, the variant is not offered
    marked = program(A, '{"id": "r", "op": "repl|", "inputs": ["a"]}')
    _, result = await complete(client, tmp_path, marked, "d.lexis.json")
    assert not [i for i in result.items if i.insert_text_format == lsp.InsertTextFormat.Snippet]


async def test_ids_exclude_the_node_itself_and_its_dependents(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = program(
        '{"id": "a", "op": "not", "inputs": ["|"]}',
        '{"id": "b", "op": "not", "inputs": ["a"]}',
        '{"id": "c", "op": "not", "inputs": ["b"]}',
        '{"id": "d", "op": "const", "value": true, "doc": "a flag"}',
    )
    text, result = await complete(client, tmp_path, marked)
    assert labels(result) == ["d"]
    d = result.items[0]
    assert d.kind == lsp.CompletionItemKind.Variable and d.detail == "const"
    assert isinstance(d.documentation, lsp.MarkupContent)
    assert d.documentation.value == "`d` = `const`\n\nvalue: `true`\n\na flag"
    assert json.loads(accept(client, text, d))["nodes"][0]["inputs"] == ["d"]


async def test_ids_after_a_comma_in_a_half_typed_array(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = SECTION1.replace('["a", "b"]}', '["a", |').replace('    {"id": "out"', "")
    text, result = await complete(client, tmp_path, marked)
    assert labels(result) == ["b", "a"]  # nearest first
    b = next(i for i in result.items if i.label == "b")
    offset = split(marked)[1]
    assert edit_of(b).range == span(client, text, offset, offset)
    assert edit_of(b).new_text == '"b"'


async def test_capabilities_exclude_listed_ones(client: LanguageClient, tmp_path: Path) -> None:
    marked = program(A, caps='"PURE_COMPUTE", "IO|", "NETWORK_OUT"')
    text, result = await complete(client, tmp_path, marked)
    assert labels(result) == [
        "IO_STDOUT",
        "IO_STDIN",
        "FS_READ",
        "FS_WRITE",
        "GUI_RENDER",
        "META_EVAL",
    ]
    first = sorted(result.items, key=lambda i: i.sort_text or "")[0]
    assert first.detail == "trust level 1" and first.kind == lsp.CompletionItemKind.EnumMember
    start = text.index('"IO"')
    assert edit_of(first).range == span(client, text, start, start + 4)
    assert json.loads(accept(client, text, first))["capabilities"] == [
        "PURE_COMPUTE",
        "IO_STDOUT",
        "NETWORK_OUT",
    ]


async def test_references_list_std_and_user_subgraphs_by_arity(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = program(A, '{"id": "m", "op": "map", "inputs": ["a"], "value": "|"}', extra=SUBGRAPHS)
    text, result = await complete(client, tmp_path, marked)
    names = labels(result)
    assert len(names) == 2 + 32
    assert names[0] == "twice"  # the program's own 1-port subgraph, then std's 1-port ones
    assert names.index("std:not_op") < names.index("pair") < names.index("std:add")
    twice = next(i for i in result.items if i.label == "twice")
    assert twice.detail == "twice(x) -> o · 1 input port"  # the names hover shows
    assert twice.kind == lsp.CompletionItemKind.Module
    assert json.loads(accept(client, text, twice))["nodes"][1]["value"] == "twice"
    marked = program(
        A, '{"id": "m", "op": "reduce", "inputs": ["a", "a"], "value": "|"}', extra=SUBGRAPHS
    )
    _, result = await complete(client, tmp_path, marked, "r.lexis.json")
    assert labels(result)[:2] == ["pair", "std:add"]
    pair = next(i for i in result.items if i.label == "pair")
    assert pair.detail == "pair(p, q) -> o · 2 input ports"


async def test_keys_exclude_the_present_ones(client: LanguageClient, tmp_path: Path) -> None:
    marked = program(A, '{"id": "s", "op": "not", "in|": ["a"]}')
    text, result = await complete(client, tmp_path, marked)
    assert labels(result) == ["inputs", "value", "doc"]
    inputs = next(i for i in result.items if i.label == "inputs")
    assert inputs.kind == lsp.CompletionItemKind.Property
    assert edit_of(inputs).new_text == '"inputs"'  # the colon is there already
    start = text.index('"in"')
    assert edit_of(inputs).range == span(client, text, start, start + 4)
    marked = program(A).replace('"spec": "lexis-0.1.0",', '"spec": "lexis-0.1.0",\n  "|"')
    text, result = await complete(client, tmp_path, marked, "k.lexis.json")
    assert labels(result) == ["name", "description", "allowed_domains", "subgraphs"]
    name = next(i for i in result.items if i.label == "name")
    if snippets(client):
        assert edit_of(name).new_text == '"name": "$1",'
        assert name.insert_text_format == lsp.InsertTextFormat.Snippet
    else:
        assert edit_of(name).new_text == '"name": '


async def test_whole_node_snippet_between_nodes(client: LanguageClient, tmp_path: Path) -> None:
    marked = SECTION1.replace('"value": 3},', '"value": 3},\n    |')
    text, result = await complete(client, tmp_path, marked)
    assert labels(result) == ["node"]
    node = result.items[0]
    offset = split(marked)[1]
    assert edit_of(node).range == span(client, text, offset, offset)
    if snippets(client):
        assert edit_of(node).new_text == '{"id": "${1:id}", "op": "${2:op}", "inputs": [$3]},'
        assert node.insert_text_format == lsp.InsertTextFormat.Snippet
    else:
        assert edit_of(node).new_text == '{"id": "", "op": "", "inputs": []},'
    # after the last node: the missing comma is added after it
    marked = SECTION1.replace('["sum"]}', '["sum"]}\n    |')
    text, result = await complete(client, tmp_path, marked, "e.lexis.json")
    node = result.items[0]
    end = text.index('["sum"]}') + 8
    assert list(node.additional_text_edits or []) == [
        lsp.TextEdit(range=span(client, text, end, end), new_text=",")
    ]


async def test_positions_count_in_the_negotiated_encoding(
    client: LanguageClient, tmp_path: Path
) -> None:
    marked = program(A, '{"id": "n", "doc": "😀 é", "op": "mu|"}')
    text, result = await complete(client, tmp_path, marked)
    mul = next(i for i in result.items if i.label == "mul")
    line = text.splitlines()[5]
    col = line.index('"mu"')
    extra = {"utf-8": 3 + 1, "utf-16": 1, "utf-32": 0}[encoding(client)]  # 😀 and é
    assert edit_of(mul).range == lsp.Range(
        start=lsp.Position(line=5, character=col + extra),
        end=lsp.Position(line=5, character=col + extra + 4),
    )
    assert '"op": "mul"}' in accept(client, text, mul)


async def test_nothing_outside_lexis_or_where_nothing_fits(
    client: LanguageClient, tmp_path: Path
) -> None:
    _, result = await complete(client, tmp_path, SECTION1.replace('"value": 5', '"value": 5|'))
    assert list(result.items) == []
    uri = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    found = await client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=0, character=10),
        )
    )
    assert found is None
    # a position past the end of the document is clamped, not an error
    uri = open_doc(client, tmp_path / "end.lexis.json", SECTION1)
    found = await client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=99, character=99),
        )
    )
    assert isinstance(found, lsp.CompletionList) and list(found.items) == []
