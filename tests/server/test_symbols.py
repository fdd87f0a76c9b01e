"""Document structure end to end: the outline (document symbols), workspace symbols across open
and closed files, folding ranges and selection ranges."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

Range4 = tuple[int, int, int, int]
K = lsp.SymbolKind

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "five", "op": "const", "value": 5},
    {"id": "ten", "op": "subgraph_call", "inputs": ["five"], "value": "twice"},
    {"id": "xs", "op": "const", "value": [
      1, 2, 3
    ]},
    {
      "id": "ys",
      "op": "map",
      "inputs": ["xs"],
      "value": "std:double"
    },
    {"id": "msg", "op": "format", "inputs": ["ten"], "value": "{}"},
    {"id": "show", "op": "print", "inputs": ["msg"]}
  ],
  "subgraphs": {
    "twice": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "r", "op": "add", "inputs": ["x", "x"]},
        {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0}
      ],
      "doc": "x -> x + x"
    }
  }
}
"""


def r4(r: lsp.Range) -> Range4:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def doc_id(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


def line_span(
    text: str, line: int, needle: str, into: int = 0, length: int | None = None
) -> Range4:
    col = text.splitlines()[line].index(needle) + into
    return (line, col, line, col + (len(needle) - into if length is None else length))


async def outline(client: LanguageClient, uri: str) -> list[lsp.DocumentSymbol]:
    result = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=doc_id(uri))
    )
    assert result is not None
    assert all(isinstance(s, lsp.DocumentSymbol) for s in result)  # hierarchical everywhere
    return list(result)  # type: ignore[arg-type]


def tree(symbols: list[lsp.DocumentSymbol] | None) -> list[tuple[object, ...]]:
    return [
        (s.name, s.detail, s.kind, *(tree(s.children) if s.children else [])) for s in symbols or []
    ]


async def test_document_symbols_tree(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "o.lexis.json", PROGRAM)
    symbols = await outline(client, uri)
    assert tree(symbols) == [
        ("five", "const", K.Constant),
        ("ten", "subgraph_call", K.Function),
        ("xs", "const", K.Constant),
        ("ys", "map", K.Function),
        ("msg", "format", K.String),
        ("show", "print", K.Event),
        (
            "twice",
            "(x) -> out",
            K.Module,
            ("x", "input_port", K.Interface),
            ("r", "add", K.Operator),
            ("out", "output_port", K.Interface),
        ),
    ]
    five, _, xs, ys, _, _, twice = symbols
    assert r4(five.range) == (4, 4, 4, 45)
    assert r4(five.selection_range) == (4, 12, 4, 16)
    assert r4(xs.range) == (6, 4, 8, 6)  # an expanded node
    assert r4(ys.range) == (9, 4, 14, 5)
    assert r4(ys.selection_range) == line_span(PROGRAM, 10, '"ys"', 1, 2)
    assert r4(twice.range) == (19, 4, 26, 5)  # key to closing brace
    assert r4(twice.selection_range) == (19, 5, 19, 10)
    assert twice.children is not None
    assert r4(twice.children[1].range) == (22, 8, 22, 54)
    assert r4(twice.children[1].selection_range) == (22, 16, 22, 17)


async def test_document_symbols_of_broken_programs(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('{"id": "b", "op": "const", "value": 3}', '{"op": "nope"}')
    text = text[: text.index('"sum"]}') + 3]  # and the last node is being typed
    uri = open_doc(client, tmp_path / "b.lexis.json", text)
    symbols = await outline(client, uri)
    assert tree(symbols) == [
        ("a", "const", K.Constant),
        ("node #2", "nope", K.Variable),
        ("sum", "add", K.Operator),
        ("out", "print", K.Event),
    ]
    assert r4(symbols[1].selection_range) == (5, 4, 5, 5)  # the opening brace
    other = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    result = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=doc_id(other))
    )
    assert result is None


async def workspace_symbols(
    client: LanguageClient, query: str
) -> list[tuple[str, str, Range4, str | None]]:
    result = await asyncio.wait_for(
        client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query=query)), 30
    )
    assert result is not None
    out = []
    for s in result:
        assert isinstance(s, lsp.SymbolInformation)
        out.append((s.name, Path(s.location.uri).name, r4(s.location.range), s.container_name))
    return out


async def test_workspace_symbols_in_open_and_closed_files(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "disk.lexis.json").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "notes.json").write_text('{"sum": 1}', encoding="utf-8")  # not Lexis
    uri = open_doc(client, tmp_path / "open.lexis.json", SECTION1)
    # The editor's text wins over the disk's: `sum` is `total` in the open document only.
    change(client, uri, 2, (6, 12), (6, 15), "total")
    change(client, uri, 3, (7, 45), (7, 48), "total")
    assert await workspace_symbols(client, "TOT") == [
        ("total", "open.lexis.json", (6, 12, 6, 17), None)
    ]
    assert await workspace_symbols(client, "sum") == []
    # exact, prefix, substring, subsequence; ties by name then file
    assert await workspace_symbols(client, "x") == [
        ("x", "disk.lexis.json", (21, 16, 21, 17), "twice"),
        ("xs", "disk.lexis.json", (6, 12, 6, 14), None),
    ]
    assert await workspace_symbols(client, "tw") == [
        ("twice", "disk.lexis.json", (19, 5, 19, 10), None),
    ]
    assert [s[0] for s in await workspace_symbols(client, "so")] == ["show"]  # s..o..w
    assert [s[:2] for s in await workspace_symbols(client, "ou")] == [
        ("out", "open.lexis.json"),
        ("out", "disk.lexis.json"),
    ]
    assert [s[:2] for s in await workspace_symbols(client, "tl")] == [("total", "open.lexis.json")]
    everything = await workspace_symbols(client, "")
    assert len(everything) == 4 + 10  # every node and subgraph of both files


async def test_workspace_symbols_follow_the_disk(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "later.lexis.json"
    path.write_text(SECTION1, encoding="utf-8")
    assert [s[0] for s in await workspace_symbols(client, "sum")] == ["sum"]
    path.write_text(SECTION1.replace('"sum"', '"added"'), encoding="utf-8")
    assert [s[0] for s in await workspace_symbols(client, "sum")] == []
    assert [s[0] for s in await workspace_symbols(client, "added")] == ["added"]


async def folding(client: LanguageClient, uri: str) -> list[tuple[int, int, str | None]]:
    result = await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(text_document=doc_id(uri))
    )
    assert result is not None
    return [(f.start_line, f.end_line, f.collapsed_text) for f in result]


async def test_folding_ranges(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "f.lexis.json", PROGRAM)
    collapsed = client.profile == "neovim@0.11.0"  # type: ignore[attr-defined]
    expected = [
        (0, 27, "{4 keys}"),  # the program
        (3, 16, "[6 nodes]"),  # the main graph's nodes
        (6, 8, "{xs = const}"),  # an expanded node (its long value starts on its line)
        (9, 13, "{ys = map(xs)}"),  # an expanded node
        (18, 26, "{1 subgraph}"),
        (19, 25, "{twice(x) -> out}"),
        (20, 23, "[3 nodes]"),
    ]
    assert await folding(client, uri) == [
        (s, e, text if collapsed else None) for s, e, text in expected
    ]
    flat = open_doc(client, tmp_path / "flat.lexis.json", SECTION1.replace("\n", " "))
    assert await folding(client, flat) == []


async def selection(
    client: LanguageClient, uri: str, positions: list[lsp.Position]
) -> list[list[Range4]]:
    result = await client.text_document_selection_range_async(
        lsp.SelectionRangeParams(text_document=doc_id(uri), positions=positions)
    )
    assert result is not None and len(result) == len(positions)
    chains = []
    for item in result:
        chain = []
        node: lsp.SelectionRange | None = item
        while node is not None:
            chain.append(r4(node.range))
            node = node.parent
        chains.append(chain)
    return chains


async def test_selection_ranges(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "s.lexis.json", SECTION1)
    on_input, on_op = await selection(
        client, uri, [lsp.Position(line=6, character=43), lsp.Position(line=7, character=25)]
    )
    tail = [(6, 4, 6, 52), (3, 11, 8, 3), (3, 2, 8, 3), (0, 0, 9, 1), (0, 0, 10, 0)]
    assert on_input == [
        (6, 43, 6, 44),  # the id
        (6, 42, 6, 45),  # the string
        (6, 41, 6, 51),  # the inputs array
        (6, 31, 6, 51),  # "inputs": [...]
        *tail,  # the node, the nodes array, "nodes": [...], the program, the document
    ]
    assert (
        on_op
        == [
            (7, 25, 7, 30),
            (7, 24, 7, 31),
            (7, 18, 7, 31),  # "op": "print"
            (7, 4, 7, 51),
            *tail[1:],
        ]
    )


async def test_selection_ranges_in_a_subgraph(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "s.lexis.json", PROGRAM)
    [chain] = await selection(client, uri, [lsp.Position(line=22, character=16)])
    assert chain == [
        (22, 16, 22, 17),
        (22, 15, 22, 18),
        (22, 9, 22, 18),  # "id": "r"
        (22, 8, 22, 54),  # the node
        (20, 15, 24, 7),  # its nodes array
        (20, 6, 24, 7),  # "nodes": [...]
        (19, 13, 26, 5),  # the subgraph
        (19, 4, 26, 5),  # "twice": {...}
        (18, 15, 27, 3),  # the subgraphs
        (18, 2, 27, 3),  # "subgraphs": {...}
        (0, 0, 28, 1),
        (0, 0, 29, 0),
    ]


async def test_selection_ranges_with_non_ascii(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('{"id": "sum"', '{"doc": "😀é", "id": "sum"')
    uri = open_doc(client, tmp_path / "e.lexis.json", text)
    extra = {"neovim@0.11.0": 3 + 1}.get(client.profile, 1)  # type: ignore[attr-defined]
    col = text.splitlines()[6].index('"sum"') + extra
    [chain] = await selection(client, uri, [lsp.Position(line=6, character=col + 2)])
    node_end = len(text.splitlines()[6]) - 1 + extra
    assert chain[:4] == [
        (6, col + 1, 6, col + 4),
        (6, col, 6, col + 5),
        (6, col - 6, 6, col + 5),  # "id": "sum"
        (6, 4, 6, node_end),
    ]
