"""Hover end to end: node ids with their full BLAKE3 hashes, ops, capabilities, subgraphs and
references to them, explain summaries of diagnostics, exact token ranges in every encoding."""

from __future__ import annotations

from pathlib import Path

from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import explain_summary
from lexis_ls.lang.hashing import Hasher, std_graph
from lexis_ls.lang.opcodes import OPCODES, ops_needing

A_HASH = "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f"
PROGRAM_HASH = "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6"
STD_DOUBLE = "3d8c23929a98e626a7736b5a654e508c7d10638e7c899cf14bde93a190a42e7e"

SUBGRAPHS = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "five", "op": "const", "value": 5},
    {"id": "ten", "op": "subgraph_call", "inputs": ["five"], "value": "twice"},
    {"id": "xs", "op": "const", "value": [1, 2]},
    {"id": "ys", "op": "map", "inputs": ["xs"], "value": "std:double"},
    {"id": "show", "op": "print", "inputs": ["ten"]}
  ],
  "subgraphs": {
    "twice": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "two", "op": "const", "value": 2},
        {"id": "r", "op": "mul", "inputs": ["x", "two"]},
        {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0}
      ],
      "doc": "x -> 2 * x"
    }
  }
}
"""


def at(text: str, needle: str, nth: int = 0, into: int = 1) -> lsp.Position:
    """The position ``into`` code points after the start of the ``nth`` ``needle`` (ASCII
    lines only: then every encoding counts the same)."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    offset += into
    line = text.count("\n", 0, offset)
    return lsp.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def span(text: str, needle: str, nth: int = 0) -> tuple[int, int, int, int]:
    start = at(text, needle, nth, 0)
    return (start.line, start.character, start.line, start.character + len(needle))


async def hover(client: LanguageClient, uri: str, position: lsp.Position) -> lsp.Hover | None:
    return await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=position)
    )


def content(h: lsp.Hover | None) -> str:
    assert h is not None
    assert isinstance(h.contents, lsp.MarkupContent)
    assert h.contents.kind == lsp.MarkupKind.Markdown
    return h.contents.value


def hrange(h: lsp.Hover | None) -> tuple[int, int, int, int]:
    assert h is not None and h.range is not None
    r = h.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def test_node_definition_shows_op_edges_capability_and_full_hashes(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "h.lexis.json", SECTION1)
    h = await hover(client, uri, at(SECTION1, '"a"'))
    text = content(h)
    analysis = analyze(SECTION1)
    expected = analysis.hasher.node_hash(analysis.program.main.by_id["a"])
    assert expected == A_HASH  # LEXIS.md §5 vector
    assert analysis.program_hash() == PROGRAM_HASH
    assert text == (
        "**`a`** — node of the main graph\n\n"
        "- op: `const`\n"
        "- inputs: none\n"
        "- consumers: `sum`\n"
        "- capability: `PURE_COMPUTE` (trust level 0)\n"
        f"- hash: `{A_HASH}`\n"
        f"- program hash: `{PROGRAM_HASH}`"
    )
    assert hrange(h) == span(SECTION1, '"a"')


async def test_input_use_describes_the_node_it_names(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "h.lexis.json", SECTION1)
    h = await hover(client, uri, at(SECTION1, '["sum"]', into=3))
    text = content(h)
    analysis = analyze(SECTION1)
    sum_hash = analysis.hasher.node_hash(analysis.program.main.by_id["sum"])
    assert sum_hash == "c77c9b135c81f25ce360b1f322e542b2fa84efbadf0afbf456b1f7838f17f1a5"
    assert text.startswith("**`sum`** — node of the main graph\n\n- op: `add`\n")
    assert "- inputs: `a`, `b`\n- consumers: `out`\n" in text
    assert f"- hash: `{sum_hash}`\n" in text
    assert text.endswith(f"- program hash: `{PROGRAM_HASH}`")
    line = SECTION1.splitlines()[7]
    col = line.index('["sum"]') + 1
    assert hrange(h) == (7, col, 7, col + 5)


async def test_node_doc_is_shown(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"value": 3}', '"value": 3, "doc": "the *second* operand"}')
    uri = open_doc(client, tmp_path / "d.lexis.json", text)
    shown = content(await hover(client, uri, at(text, '"b"')))
    assert shown.endswith(f"- program hash: `{PROGRAM_HASH}`\n\nthe *second* operand")


async def test_op_hover_is_the_registry_documentation(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "op.lexis.json", SECTION1)
    h = await hover(client, uri, at(SECTION1, '"add"', into=2))
    assert content(h) == OPCODES["add"].documentation()
    assert "**add(a, b)** — Tier 1: core language, arithmetic" in content(h)
    assert hrange(h) == span(SECTION1, '"add"')
    p = await hover(client, uri, at(SECTION1, '"print"'))
    assert "- capability: `IO_STDOUT` (trust level 1)" in content(p)


async def test_capability_hover(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "cap.lexis.json", SECTION1)
    h = await hover(client, uri, at(SECTION1, '"IO_STDOUT"', into=4))
    assert content(h) == (
        "**`IO_STDOUT`** — capability, trust level 1\n\n"
        "Write to standard output (print).\n\n"
        "- ops that need it: `print`\n"
        "- used in this program by: `out`"
    )
    assert hrange(h) == span(SECTION1, '"IO_STDOUT"')
    pure = content(await hover(client, uri, at(SECTION1, '"PURE_COMPUTE"')))
    assert "capability, trust level 0" in pure
    ops = ops_needing("PURE_COMPUTE")
    assert f"every op without another capability ({len(ops)} ops): `const`, " in pure
    assert "`print`" not in pure.split("- used")[0]
    assert "- used in this program by: `a`, `b`, `sum`" in pure


async def test_subgraph_reference_and_key(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "sg.lexis.json", SUBGRAPHS)
    analysis = analyze(SUBGRAPHS)
    sg_hash = analysis.hasher.subgraph_hash(analysis.program.subgraphs["twice"])
    assert sg_hash is not None and len(sg_hash) == 64
    want = (
        "**`twice(x) -> out`** — subgraph (1 input port, 1 output port)\n\n"
        "x -> 2 * x\n\n"
        "- nodes: `x=input_port[0]; two=const[2]; r=mul(x,two); out=output_port(r)[0]`\n"
        f"- hash: `{sg_hash}`\n"
        "- referenced by: `ten`"
    )
    ref = await hover(client, uri, at(SUBGRAPHS, '"twice"'))
    assert content(ref) == want
    assert hrange(ref) == span(SUBGRAPHS, '"twice"')
    key = await hover(client, uri, at(SUBGRAPHS, '"twice"', nth=1))
    assert content(key) == want
    assert hrange(key) == span(SUBGRAPHS, '"twice"', nth=1)


async def test_std_reference_by_name_and_by_hash(client: LanguageClient, tmp_path: Path) -> None:
    assert Hasher(None).subgraph_hash(std_graph("double")) == STD_DOUBLE
    uri = open_doc(client, tmp_path / "std.lexis.json", SUBGRAPHS)
    want_tail = (
        "- nodes: `x=input_port[0]; k=const[2]; r=mul(x,k); out=output_port(r)[0]`\n"
        f"- hash: `{STD_DOUBLE}`"
    )
    h = await hover(client, uri, at(SUBGRAPHS, '"std:double"', into=5))
    assert content(h) == (
        "**`std:double(x) -> out`** — standard library transform (1 input port, 1 output port)"
        "\n\n" + want_tail
    )
    assert hrange(h) == span(SUBGRAPHS, '"std:double"')
    by_hash = SUBGRAPHS.replace('"std:double"', f'"{STD_DOUBLE}"')
    uri2 = open_doc(client, tmp_path / "hash.lexis.json", by_hash)
    h2 = await hover(client, uri2, at(by_hash, STD_DOUBLE, into=10))
    assert content(h2) == (
        "**`std:double(x) -> out`** — standard library transform (1 input port, 1 output port)"
        f"\n\n- `{STD_DOUBLE[:12]}…` is the content hash of `std:double`\n" + want_tail
    )


async def test_diagnostic_summaries_are_appended(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('["sum"]', '["totl"]')
    uri = open_doc(client, tmp_path / "diag.lexis.json", text)
    h = await hover(client, uri, at(text, '"totl"', into=2))
    assert content(h) == (
        "`totl` names no node in the main graph\n\n---\n\n"
        f"**LX1003** — input refers to an unknown node id: {explain_summary('LX1003')}"
    )
    assert hrange(h) == span(text, '"totl"')
    # `sum` is now unused (LX3001 on its id): the node's description, then the summary.
    s = content(await hover(client, uri, at(text, '"sum"')))
    assert s.startswith("**`sum`** — node of the main graph\n")
    assert s.endswith(f"---\n\n**LX3001** — unused node: {explain_summary('LX3001')}")
    assert "- program hash: undefined until every node of the main graph is valid" in s


async def test_unknown_op_shows_only_the_diagnostic(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"op": "print"', '"op": "PRINT"')
    uri = open_doc(client, tmp_path / "op.lexis.json", text)
    h = await hover(client, uri, at(text, '"PRINT"'))
    assert content(h) == (f"**LX1001** — unknown opcode: {explain_summary('LX1001')}")
    assert hrange(h) == span(text, '"PRINT"')


async def test_nothing_to_say(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "n.lexis.json", SECTION1)
    assert await hover(client, uri, lsp.Position(line=4, character=0)) is None  # whitespace
    assert await hover(client, uri, at(SECTION1, '"const"', into=0)) is not None
    assert await hover(client, uri, at(SECTION1, "5}", into=0)) is None  # a const's value
    other = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    assert await hover(client, other, lsp.Position(line=0, character=3)) is None
    # positions past the end of the document do not fail
    assert await hover(client, uri, lsp.Position(line=99, character=99)) is None


async def test_partially_typed_document(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1[: SECTION1.index('"sum"]}') + 5]  # the last node is being typed
    uri = open_doc(client, tmp_path / "typing.lexis.json", text)
    h = await hover(client, uri, at(text, '"sum"', nth=1, into=2))
    shown = content(h)
    assert shown.startswith("**`sum`** — node of the main graph\n")
    assert "- consumers: `out`" in shown
    assert "**LX0001**" not in shown  # the syntax error is at the end, not here
    assert hrange(h) == span(text, '"sum"', nth=1)


async def test_ranges_in_the_negotiated_encoding(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"value": 5}', '"value": 5, "doc": "😀é"}, {"id": "x", "op": "ceil"}')
    uri = open_doc(client, tmp_path / "enc.lexis.json", text)
    line = text.splitlines()[4]
    col = line.index('"ceil"')
    extra = {"neovim@0.11.0": 3 + 1}.get(client.profile, 1)  # type: ignore[attr-defined]
    h = await hover(client, uri, lsp.Position(line=4, character=col + extra + 2))
    assert content(h) == OPCODES["ceil"].documentation() + (
        f"\n\n---\n\n**LX1002** — wrong number of inputs: {explain_summary('LX1002')}"
    )
    assert hrange(h) == (4, col + extra, 4, col + extra + 6)
    a = content(await hover(client, uri, at(text, '"a"')))
    assert a.endswith("\n\n😀é")


async def test_value_of_the_last_run_until_the_next_edit(
    client: LanguageClient, tmp_path: Path
) -> None:
    # The server asks the client to refresh inlay hints after a run: answer it.
    client.protocol.fm._features[lsp.WORKSPACE_INLAY_HINT_REFRESH] = lambda params: None
    uri = open_doc(client, tmp_path / "run.lexis.json", SECTION1)
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="lexis.run", arguments=[uri])
    )
    assert result["values"]["sum"] == "8"
    shown = content(await hover(client, uri, at(SECTION1, '"sum"')))
    assert shown.endswith(
        f"- program hash: `{PROGRAM_HASH}`\n\n**value** (last run):\n\n```\n8\n```"
    )
    change(client, uri, 2, (4, 40), (4, 41), "40")  # a = 40: the run's values are stale
    shown = content(await hover(client, uri, at(SECTION1, '"sum"')))
    assert "last run" not in shown and "- op: `add`" in shown
