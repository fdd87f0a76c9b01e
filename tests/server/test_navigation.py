"""Navigation end to end: go to definition, references, document highlight, prepareRename and
rename of node ids and subgraph names, with exact ranges and edits in every encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_support import SECTION1, open_doc
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from lexis_ls.lang.analysis import analyze

Range4 = tuple[int, int, int, int]

NAV_TEMPLATE = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "five", "op": "const", "value": 5},
    {"id": "ten", "op": "subgraph_call", "inputs": ["five"], "value": "twice"},
    {"id": "twenty", "op": "subgraph_call", "inputs": ["ten"], "value": "twice"},
    {"id": "forty", "op": "subgraph_call", "inputs": ["twenty"], "value": "HASH"},
    {"id": "xs", "op": "const", "value": [1, 2]},
    {"id": "ys", "op": "map", "inputs": ["xs"], "value": "std:double"},
    {"id": "zs", "op": "map", "inputs": ["ys"], "value": "std:double"},
    {"id": "show", "op": "print", "inputs": ["forty"]}
  ],
  "subgraphs": {
    "twice": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "r", "op": "add", "inputs": ["x", "x"]},
        {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0}
      ]
    }
  }
}
"""


def _twice_hash() -> str:
    analysis = analyze(NAV_TEMPLATE)
    h = analysis.hasher.subgraph_hash(analysis.program.subgraphs["twice"])
    assert h is not None
    return h


TWICE_HASH = _twice_hash()
NAV = NAV_TEMPLATE.replace("HASH", TWICE_HASH)


def offset_of(text: str, needle: str, nth: int = 0) -> int:
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return offset


def pos(text: str, offset: int) -> lsp.Position:
    """The position of ``offset`` (ASCII text: every encoding counts the same)."""
    line = text.count("\n", 0, offset)
    return lsp.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def at(text: str, needle: str, nth: int = 0, into: int = 1) -> lsp.Position:
    return pos(text, offset_of(text, needle, nth) + into)


def name(text: str, quoted: str, nth: int = 0) -> Range4:
    """The range of the content of the ``nth`` occurrence of the string token ``quoted``."""
    start = pos(text, offset_of(text, quoted, nth) + 1)
    return (start.line, start.character, start.line, start.character + len(quoted) - 2)


def r4(r: lsp.Range) -> Range4:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def doc_id(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


async def goto(client: LanguageClient, uri: str, position: lsp.Position) -> list[Range4] | None:
    """The target selection ranges of go to definition (Location or LocationLink)."""
    result = await client.text_document_definition_async(
        lsp.DefinitionParams(text_document=doc_id(uri), position=position)
    )
    if result is None:
        return None
    assert isinstance(result, list)
    out = []
    for item in result:
        if isinstance(item, lsp.LocationLink):
            assert item.target_uri == uri
            out.append(r4(item.target_selection_range))
        else:
            assert isinstance(item, lsp.Location) and item.uri == uri
            out.append(r4(item.range))
    return out


async def refs(
    client: LanguageClient, uri: str, position: lsp.Position, declaration: bool = True
) -> list[Range4] | None:
    result = await client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc_id(uri),
            position=position,
            context=lsp.ReferenceContext(include_declaration=declaration),
        )
    )
    if result is None:
        return None
    assert all(loc.uri == uri for loc in result)
    return [r4(loc.range) for loc in result]


async def highlights(
    client: LanguageClient, uri: str, position: lsp.Position
) -> list[tuple[Range4, lsp.DocumentHighlightKind | None]] | None:
    result = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(text_document=doc_id(uri), position=position)
    )
    return None if result is None else [(r4(h.range), h.kind) for h in result]


async def prepare(
    client: LanguageClient, uri: str, position: lsp.Position
) -> tuple[Range4, str] | None:
    result = await client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(text_document=doc_id(uri), position=position)
    )
    if result is None:
        return None
    assert isinstance(result, lsp.PrepareRenamePlaceholder)
    return r4(result.range), result.placeholder


async def rename(
    client: LanguageClient, uri: str, position: lsp.Position, new_name: str
) -> list[tuple[Range4, str]]:
    """The edits of a rename, checked to be for ``uri`` (and its version, when the client takes
    documentChanges), in document order."""
    result = await client.text_document_rename_async(
        lsp.RenameParams(text_document=doc_id(uri), position=position, new_name=new_name)
    )
    assert result is not None
    caps = client.capabilities
    takes_changes = bool(
        caps
        and caps.workspace
        and caps.workspace.workspace_edit
        and caps.workspace.workspace_edit.document_changes
    )
    if takes_changes:
        assert result.changes is None and result.document_changes is not None
        [change] = result.document_changes
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.uri == uri and change.text_document.version == 1
        edits = list(change.edits)
    else:
        assert result.document_changes is None and result.changes is not None
        assert list(result.changes) == [uri]
        edits = list(result.changes[uri])
    return [(r4(e.range), e.new_text) for e in edits]


async def refused(client: LanguageClient, uri: str, position: lsp.Position, new: str) -> str:
    with pytest.raises(JsonRpcException) as info:
        await client.text_document_rename_async(
            lsp.RenameParams(text_document=doc_id(uri), position=position, new_name=new)
        )
    return str(info.value.message)


# --- definition --------------------------------------------------------------------------------


async def test_definition_of_an_input(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "d.lexis.json", SECTION1)
    assert await goto(client, uri, lsp.Position(line=6, character=43)) == [(4, 12, 4, 13)]
    assert await goto(client, uri, lsp.Position(line=6, character=49)) == [(5, 12, 5, 13)]
    assert await goto(client, uri, lsp.Position(line=7, character=46)) == [(6, 12, 6, 15)]
    # on the definition itself: the definition
    assert await goto(client, uri, lsp.Position(line=6, character=13)) == [(6, 12, 6, 15)]


async def test_definition_link_spans_the_node(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "l.lexis.json", SECTION1)
    result = await client.text_document_definition_async(
        lsp.DefinitionParams(text_document=doc_id(uri), position=lsp.Position(line=7, character=46))
    )
    assert isinstance(result, list) and len(result) == 1
    link = result[0]
    assert isinstance(link, lsp.LocationLink)  # every profile announces linkSupport
    assert r4(link.target_range) == (6, 4, 6, 52)  # the node object
    assert r4(link.target_selection_range) == (6, 12, 6, 15)
    assert link.origin_selection_range is not None
    assert r4(link.origin_selection_range) == (7, 45, 7, 48)


async def test_definition_of_subgraph_references(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "s.lexis.json", NAV)
    key = name(NAV, '"twice"', 2)
    assert await goto(client, uri, at(NAV, '"twice"', 0, 2)) == [key]
    assert await goto(client, uri, at(NAV, '"twice"', 1, 2)) == [key]
    assert await goto(client, uri, at(NAV, TWICE_HASH, 0, 30)) == [key]  # by content hash
    assert await goto(client, uri, at(NAV, '"twice"', 2, 2)) == [key]  # the key itself
    # inside the subgraph, ids are local to it
    assert await goto(client, uri, at(NAV, '["x"', 0, 2)) == [name(NAV, '"x"', 0)]
    assert await goto(client, uri, at(NAV, '["r"]', 0, 2)) == [name(NAV, '"r"', 0)]


async def test_no_definition(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "n.lexis.json", NAV.replace('["ten"]', '["tenn"]'))
    text = NAV.replace('["ten"]', '["tenn"]')
    assert await goto(client, uri, at(text, '"std:double"', 0, 3)) is None  # no file to go to
    assert await goto(client, uri, at(text, '"tenn"', 0, 2)) is None  # names no node
    assert await goto(client, uri, at(text, '"const"', 0, 2)) is None  # an op
    assert await goto(client, uri, at(text, '"IO_STDOUT"', 0, 2)) is None
    assert await goto(client, uri, lsp.Position(line=0, character=0)) is None
    other = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    assert await goto(client, other, lsp.Position(line=0, character=3)) is None


# --- references and highlights ----------------------------------------------------------------


async def test_references_of_a_node_id(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "r.lexis.json", SECTION1)
    on_use = lsp.Position(line=6, character=43)
    on_def = lsp.Position(line=4, character=12)
    assert await refs(client, uri, on_use) == [(4, 12, 4, 13), (6, 43, 6, 44)]
    assert await refs(client, uri, on_def) == [(4, 12, 4, 13), (6, 43, 6, 44)]
    assert await refs(client, uri, on_def, declaration=False) == [(6, 43, 6, 44)]
    assert await refs(client, uri, lsp.Position(line=7, character=14)) == [(7, 12, 7, 15)]
    assert await refs(client, uri, lsp.Position(line=7, character=27)) is None  # an op


async def test_references_are_local_to_their_graph(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "g.lexis.json", NAV)
    x_def = at(NAV, '"x"', 0, 1)
    assert await refs(client, uri, x_def) == [
        name(NAV, '"x"', 0),
        name(NAV, '"x"', 1),
        name(NAV, '"x"', 2),
    ]
    assert await refs(client, uri, x_def, declaration=False) == [
        name(NAV, '"x"', 1),
        name(NAV, '"x"', 2),
    ]


async def test_references_of_a_subgraph(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "sg.lexis.json", NAV)
    hash_ref = name(NAV, f'"{TWICE_HASH}"')
    uses = [name(NAV, '"twice"', 0), name(NAV, '"twice"', 1), hash_ref]
    key = name(NAV, '"twice"', 2)
    for where in (at(NAV, '"twice"', 0, 3), at(NAV, '"twice"', 2, 3), at(NAV, TWICE_HASH)):
        assert await refs(client, uri, where) == [*uses, key]
        assert await refs(client, uri, where, declaration=False) == uses
    std = [name(NAV, '"std:double"', 0), name(NAV, '"std:double"', 1)]
    assert await refs(client, uri, at(NAV, '"std:double"', 1, 4)) == std


async def test_highlights(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "h.lexis.json", SECTION1)
    read, write = lsp.DocumentHighlightKind.Read, lsp.DocumentHighlightKind.Write
    assert await highlights(client, uri, lsp.Position(line=7, character=46)) == [
        ((6, 12, 6, 15), write),
        ((7, 45, 7, 48), read),
    ]
    nav = open_doc(client, tmp_path / "nav.lexis.json", NAV)
    assert await highlights(client, nav, at(NAV, '"twice"', 2, 2)) == [
        (name(NAV, '"twice"', 0), read),
        (name(NAV, '"twice"', 1), read),
        (name(NAV, f'"{TWICE_HASH}"'), read),
        (name(NAV, '"twice"', 2), write),
    ]
    assert await highlights(client, uri, lsp.Position(line=2, character=22)) is None


# --- rename -------------------------------------------------------------------------------------


async def test_prepare_rename(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "p.lexis.json", NAV)
    assert await prepare(client, uri, at(NAV, '"ten"', 0, 2)) == (name(NAV, '"ten"'), "ten")
    assert await prepare(client, uri, at(NAV, '["ten"]', 0, 2)) == (
        name(NAV, '"ten"', 1),
        "ten",
    )
    assert await prepare(client, uri, at(NAV, '"twice"', 1, 1)) == (
        name(NAV, '"twice"', 1),
        "twice",
    )
    assert await prepare(client, uri, at(NAV, '"twice"', 2, 6)) == (
        name(NAV, '"twice"', 2),
        "twice",
    )


async def test_prepare_rename_refuses_what_is_not_a_name(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = NAV.replace('["twenty"]', '["twentyy"]')
    uri = open_doc(client, tmp_path / "p.lexis.json", text)
    for where in (
        at(text, '"subgraph_call"', 0, 3),  # an op
        at(text, '"IO_STDOUT"', 0, 3),  # a capability
        at(text, '"inputs"', 0, 3),  # a node key
        at(text, '"capabilities"', 0, 3),  # a top-level key
        at(text, '"std:double"', 0, 3),  # a standard library name
        at(text, TWICE_HASH, 0, 3),  # a content hash
        at(text, "5}", 0, 0),  # a value
        at(text, '"twentyy"', 0, 3),  # an input that names no node
        lsp.Position(line=3, character=0),  # whitespace
    ):
        assert await prepare(client, uri, where) is None, where


async def test_rename_node_id_everywhere(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "rn.lexis.json", SECTION1)
    expected = [((4, 12, 4, 13), "first"), ((6, 43, 6, 44), "first")]
    assert await rename(client, uri, lsp.Position(line=4, character=12), "first") == expected
    assert await rename(client, uri, lsp.Position(line=6, character=44), "first") == expected
    assert await rename(client, uri, lsp.Position(line=6, character=14), "total.v2") == [
        ((6, 12, 6, 15), "total.v2"),
        ((7, 45, 7, 48), "total.v2"),
    ]
    assert await rename(client, uri, lsp.Position(line=4, character=12), "a") == []


async def test_rename_in_a_subgraph_stays_in_it(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "rs.lexis.json", NAV)
    assert await rename(client, uri, at(NAV, '"x"', 1, 1), "arg") == [
        (name(NAV, '"x"', 0), "arg"),
        (name(NAV, '"x"', 1), "arg"),
        (name(NAV, '"x"', 2), "arg"),
    ]
    # "out" of the subgraph is free to become "five", an id of the main graph only
    assert await rename(client, uri, at(NAV, '"out"', 0, 1), "five") == [
        (name(NAV, '"out"'), "five")
    ]


async def test_rename_subgraph_renames_its_key_and_name_references(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "rk.lexis.json", NAV)
    want = [
        (name(NAV, '"twice"', 0), "double_it"),
        (name(NAV, '"twice"', 1), "double_it"),
        (name(NAV, '"twice"', 2), "double_it"),
    ]  # the hash reference names content, not the key: it stays
    assert await rename(client, uri, at(NAV, '"twice"', 2, 1), "double_it") == want
    assert await rename(client, uri, at(NAV, '"twice"', 0, 1), "double_it") == want
    assert await rename(client, uri, at(NAV, '"twice"', 1, 1), 'say "hi"') == [
        (r, 'say \\"hi\\"') for r, _ in want
    ]


async def test_rename_refuses_bad_and_clashing_names(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = NAV.replace('"subgraphs": {', '"subgraphs": {\n    "other": {"nodes": []},')
    uri = open_doc(client, tmp_path / "bad.lexis.json", text)
    ten = at(text, '"ten"', 0, 1)
    assert await refused(client, uri, ten, "9lives") == (
        "`9lives` is not a valid node id: ids match ^[A-Za-z_][A-Za-z0-9_.-]*$"
    )
    assert "not a valid node id" in await refused(client, uri, ten, "std:x")
    assert "not a valid node id" in await refused(client, uri, ten, "")
    assert await refused(client, uri, ten, "five") == (
        "`five` is already the id of a node in the main graph"
    )
    assert await refused(client, uri, at(text, '"r"', 0, 1), "x") == (
        "`x` is already the id of a node in subgraph `twice`"
    )
    key = at(text, '"twice"', 2, 1)
    assert await refused(client, uri, key, "other") == "there is already a subgraph named `other`"
    assert "standard library" in await refused(client, uri, key, "std:twice")
    assert "content hash" in await refused(client, uri, key, "a" * 64)
    assert "cannot be empty" in await refused(client, uri, key, "")
    assert "opcodes" in await refused(client, uri, at(text, '"const"', 0, 2), "k")
    assert "standard library" in await refused(client, uri, at(text, '"std:double"'), "d")
    # a refusal is the user's answer, not a server fault: no "internal error" with a traceback
    assert not [m for m in client.log_messages if "internal error" in m.message]


async def test_rename_second_definition_of_a_duplicate_id(
    client: LanguageClient, tmp_path: Path
) -> None:
    # LX1004: inputs name the first `a`, the second is named by nothing
    text = SECTION1.replace('"id": "b"', '"id": "a"').replace('["a", "b"]', '["a", "a"]')
    uri = open_doc(client, tmp_path / "dup.lexis.json", text)
    assert await rename(client, uri, lsp.Position(line=5, character=12), "b") == [
        ((5, 12, 5, 13), "b")
    ]
    assert await rename(client, uri, lsp.Position(line=4, character=12), "first") == [
        ((4, 12, 4, 13), "first"),
        ((6, 43, 6, 44), "first"),
        ((6, 48, 6, 49), "first"),
    ]


async def test_rename_with_non_ascii_on_the_line(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('{"id": "sum"', '{"doc": "😀é", "id": "sum"')
    uri = open_doc(client, tmp_path / "enc.lexis.json", text)
    col = text.splitlines()[6].index('"sum"') + 1
    extra = {"neovim@0.11.0": 3 + 1}.get(client.profile, 1)  # type: ignore[attr-defined]
    start = col + extra
    assert await prepare(client, uri, lsp.Position(line=6, character=start + 1)) == (
        (6, start, 6, start + 3),
        "sum",
    )
    assert await rename(client, uri, lsp.Position(line=7, character=46), "s") == [
        ((6, start, 6, start + 3), "s"),
        ((7, 45, 7, 48), "s"),
    ]
    assert await refs(client, uri, lsp.Position(line=6, character=start)) == [
        (6, start, 6, start + 3),
        (7, 45, 7, 48),
    ]


async def test_works_while_typing(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1[: SECTION1.index('"sum"]}') + 5]  # the last node is being typed
    uri = open_doc(client, tmp_path / "typing.lexis.json", text)
    assert await goto(client, uri, lsp.Position(line=7, character=46)) == [(6, 12, 6, 15)]
    assert await rename(client, uri, lsp.Position(line=6, character=13), "total") == [
        ((6, 12, 6, 15), "total"),
        ((7, 45, 7, 48), "total"),
    ]
    half = SECTION1[: SECTION1.index('"sum"]}') + 3]  # inside an unterminated string
    uri2 = open_doc(client, tmp_path / "half.lexis.json", half)
    assert await goto(client, uri2, lsp.Position(line=7, character=46)) is None  # "su"
