"""Semantic tokens end to end: full, delta against the previous result, range; positions and
lengths in the negotiated encoding."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lsp_support import SECTION1, change, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.text import LineIndex
from lexis_ls.lang.tokens import Token
from lexis_ls.server.features.tokens import LEGEND, delta_edits, encode

TYPES = ("property", "variable", "enumMember", "number")

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["IO_STDOUT"],
  "nodes": [
    {"doc": "😀", "id": "n", "op": "const", "value": 2},
    {"id": "d", "op": "map", "inputs": ["n"], "value": "std:double"},
    {"id": "pé", "op": "print", "inputs": ["d"]}
  ],
  "subgraphs": {"inc": {"nodes": [{"id": "x", "op": "input_port", "value": 0}]}}
}
"""

Decoded = tuple[int, int, int, str, frozenset[str]]


def decode(data: list[int]) -> list[Decoded]:
    """(line, start, length, type, modifiers) of each token, in absolute positions."""
    assert len(data) % 5 == 0
    out: list[Decoded] = []
    line = col = 0
    for k in range(0, len(data), 5):
        dl, dc, length, kind, bits = data[k : k + 5]
        line += dl
        col = col + dc if dl == 0 else dc
        mods = frozenset(m for i, m in enumerate(LEGEND.token_modifiers) if bits & (1 << i))
        out.append((line, col, length, LEGEND.token_types[kind], mods))
    return out


def utf8(client: LanguageClient) -> bool:
    return client.profile == "neovim@0.11.0"  # type: ignore[attr-defined]


def apply(data: list[int], edits: list[lsp.SemanticTokensEdit]) -> list[int]:
    out = list(data)
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        out[e.start : e.start + e.delete_count] = e.data or []
    return out


async def full(client: LanguageClient, uri: str) -> lsp.SemanticTokens:
    result = await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(result, lsp.SemanticTokens)
    return result


NONE: frozenset[str] = frozenset()
DECL = frozenset({"declaration"})


async def test_full_tokens_exact(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "t.lexis.json", PROGRAM)
    tokens = decode(list((await full(client, uri)).data))
    emoji = 3 if utf8(client) else 1  # extra units of 😀 before the tokens of line 4
    e_acute = 1 if utf8(client) else 0  # extra units of é
    assert tokens == [
        (1, 2, 6, "property", NONE),
        (2, 2, 14, "property", NONE),
        (2, 19, 11, "enumMember", NONE),  # a capability
        (3, 2, 7, "property", NONE),
        (4, 5, 5, "property", NONE),
        (4, 17 + emoji, 4, "property", NONE),
        (4, 23 + emoji, 3, "variable", DECL),  # the id `n`: a declaration
        (4, 28 + emoji, 4, "property", NONE),
        (4, 34 + emoji, 7, "function", frozenset({"literal"})),  # const
        (4, 43 + emoji, 7, "property", NONE),
        (5, 5, 4, "property", NONE),
        (5, 11, 3, "variable", DECL),
        (5, 16, 4, "property", NONE),
        (5, 22, 5, "function", frozenset({"higher_order"})),  # map
        (5, 29, 8, "property", NONE),
        (5, 40, 3, "variable", NONE),  # the input `n`: a use
        (5, 46, 7, "property", NONE),
        (5, 55, 12, "namespace", frozenset({"defaultLibrary"})),  # std:double
        (6, 5, 4, "property", NONE),
        (6, 11, 4 + e_acute, "variable", DECL),  # "pé"
        (6, 17 + e_acute, 4, "property", NONE),
        (6, 23 + e_acute, 7, "function", frozenset({"literal", "effect"})),  # print
        (6, 32 + e_acute, 8, "property", NONE),
        (6, 43 + e_acute, 3, "variable", NONE),
        (8, 2, 11, "property", NONE),
        (8, 16, 5, "namespace", DECL),  # the subgraph `inc`
        (8, 24, 7, "property", NONE),
        (8, 35, 4, "property", NONE),
        (8, 41, 3, "variable", DECL),
        (8, 46, 4, "property", NONE),
        (8, 52, 12, "function", frozenset({"subgraph"})),  # input_port
        (8, 66, 7, "property", NONE),
        (8, 75, 1, "number", NONE),  # the port number
    ]


def test_legend_declares_every_category() -> None:
    assert LEGEND.token_types == [
        "property",
        "function",
        "variable",
        "enumMember",
        "namespace",
        "number",
    ]
    assert LEGEND.token_modifiers[:3] == ["declaration", "defaultLibrary", "effect"]
    for category in ("arithmetic", "string", "io", "network", "higher_order", "meta", "gui"):
        assert category in LEGEND.token_modifiers
    assert len(LEGEND.token_modifiers) <= 32


async def test_delta_applies_to_the_previous_data(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "d.lexis.json", SECTION1)
    first = await full(client, uri)
    assert first.result_id
    # `sum` becomes `mul`, and a new input is typed into `out`.
    change(client, uri, 2, (6, 24), (6, 29), '"mul"')
    change(client, uri, 3, (7, 49), (7, 49), ', "b"')
    delta = await client.text_document_semantic_tokens_full_delta_async(
        lsp.SemanticTokensDeltaParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            previous_result_id=first.result_id,
        )
    )
    assert isinstance(delta, lsp.SemanticTokensDelta)
    assert delta.result_id and delta.result_id != first.result_id
    assert len(delta.edits) == 1 and delta.edits[0].start > 0  # the unchanged head is kept
    patched = apply(list(first.data), list(delta.edits))
    fresh = await full(client, uri)
    assert patched == list(fresh.data)
    assert (6, 24, 5, "function", frozenset({"arithmetic"})) in decode(patched)
    assert (7, 51, 3, "variable", NONE) in decode(patched)  # the new input "b"

    # Nothing changed since: an empty delta against the newest result.
    again = await client.text_document_semantic_tokens_full_delta_async(
        lsp.SemanticTokensDeltaParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=fresh.result_id
        )
    )
    assert isinstance(again, lsp.SemanticTokensDelta) and list(again.edits) == []


async def test_delta_with_an_unknown_previous_result_is_full(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "u.lexis.json", SECTION1)
    result = await client.text_document_semantic_tokens_full_delta_async(
        lsp.SemanticTokensDeltaParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id="nope"
        )
    )
    assert isinstance(result, lsp.SemanticTokens)
    assert list(result.data) == list((await full(client, uri)).data)


async def test_range_tokens(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "r.lexis.json", SECTION1)
    result = await client.text_document_semantic_tokens_range_async(
        lsp.SemanticTokensRangeParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(6, 0), end=lsp.Position(7, 0)),
        )
    )
    assert isinstance(result, lsp.SemanticTokens)
    assert decode(list(result.data)) == [
        (6, 5, 4, "property", NONE),
        (6, 11, 5, "variable", DECL),
        (6, 18, 4, "property", NONE),
        (6, 24, 5, "function", frozenset({"arithmetic"})),
        (6, 31, 8, "property", NONE),
        (6, 42, 3, "variable", NONE),
        (6, 47, 3, "variable", NONE),
    ]


async def test_partially_typed_document(client: LanguageClient, tmp_path: Path) -> None:
    text = '{\n  "spec": "lexis-0.1.0",\n  "nodes": [\n    {"id": "a", "op": "sqrt", "inputs": ["b'
    uri = open_doc(client, tmp_path / "p.lexis.json", text)
    assert decode(list((await full(client, uri)).data)) == [
        (1, 2, 6, "property", NONE),
        (2, 2, 7, "property", NONE),
        (3, 5, 4, "property", NONE),
        (3, 11, 3, "variable", DECL),
        (3, 16, 4, "property", NONE),
        (3, 22, 6, "function", frozenset({"math"})),
        (3, 30, 8, "property", NONE),
        (3, 41, 2, "variable", NONE),  # `"b` so far
    ]


async def test_other_json_documents_have_no_tokens(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    result = await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert result is None


# --- the encoding itself (no client needed) ---------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 3), max_size=40).map(lambda xs: xs[: len(xs) - len(xs) % 5]),
    st.lists(st.integers(0, 3), max_size=40).map(lambda xs: xs[: len(xs) - len(xs) % 5]),
)
def test_delta_edits_turn_old_data_into_new(old: list[int], new: list[int]) -> None:
    edits = delta_edits(old, new)
    assert apply(old, edits) == new
    assert len(edits) == (0 if old == new else 1)
    for e in edits:
        assert e.start % 5 == 0 and e.delete_count % 5 == 0 and len(e.data or []) % 5 == 0


def test_encode_in_every_encoding_with_crlf_and_cut_tokens() -> None:
    text = 'x😀"ab"\r\n"é"  "cd\n"q"'
    lines = LineIndex(text)
    tokens = [
        Token(2, 6, "key"),  # "ab" after 😀
        Token(8, 11, "input"),  # "é" on the next line (after \r\n)
        Token(13, 17, "capability"),  # `"cd` and the line break: cut at the line's end
        Token(17, 20, "port"),
    ]
    prop, var, enum, num = (LEGEND.token_types.index(t) for t in TYPES)
    assert encode(tokens, lines, "utf-16") == [
        *(0, 3, 4, prop, 0),
        *(1, 0, 3, var, 0),
        *(0, 5, 3, enum, 0),
        *(1, 0, 3, num, 0),
    ]
    assert encode(tokens, lines, "utf-8")[:10] == [0, 5, 4, prop, 0, 1, 0, 4, var, 0]
    assert encode(tokens, lines, "utf-8")[11] == 6  # after "é" (3 bytes) and two spaces
    assert encode(tokens, lines, "utf-32")[:5] == [0, 2, 4, prop, 0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", " ", "é", "😀", '"', "\n", "\r\n", "\r"]), max_size=60),
    st.lists(st.integers(0, 60), max_size=30),
)
def test_encode_counts_units_as_from_the_line_start(pieces: list[str], cuts: list[int]) -> None:
    """Each token's start in units equals the units of its line up to it, on lines with wide
    characters too (units are counted on from the previous token: a fuzzed 541 KB one-line
    document took minutes when each token counted from its line's start)."""
    text = "".join(pieces)
    lines = LineIndex(text)
    bounds = sorted({min(c, len(text)) for c in cuts})
    tokens = [Token(a, b, "key") for a, b in pairwise(bounds) if a < b]
    shown = []  # the tokens encode() keeps: those starting before their line's end
    for t in tokens:
        line = lines.line_of(t.start)
        if t.start < lines.line_starts[line] + len(lines.line_text(line)):
            shown.append(t)
    for enc in ("utf-16", "utf-8", "utf-32"):
        data = encode(tokens, lines, enc)
        got = []
        line = char = 0
        for k in range(0, len(data), 5):
            char = data[k + 1] if data[k] else char + data[k + 1]
            line += data[k]
            got.append((line, char))
        expected = [lines.position(t.start, enc) for t in shown]
        assert got == [(p.line, p.character) for p in expected]


async def test_ten_thousand_nodes(client: LanguageClient, tmp_path: Path) -> None:
    nodes = ['    {"id": "n0", "op": "const", "value": 1}']
    nodes += [
        f'    {{"id": "n{i}", "op": "add", "inputs": ["n{i - 1}", "n0"]}}' for i in range(1, 10_000)
    ]
    text = (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE"],\n  "nodes": [\n'
        + ",\n".join(nodes)
        + "\n  ]\n}\n"
    )
    uri = open_doc(client, tmp_path / "big.lexis.json", text)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await full(client, uri)
    elapsed = loop.time() - started
    # spec, capabilities and its one entry, nodes; 5 for n0; 7 for every other node
    assert len(result.data) == 5 * (4 + 5 + 7 * 9_999)
    assert decode(list(result.data))[-1] == (
        10_003,
        53,
        4,
        "variable",
        NONE,
    )  # the input "n0" of n9999
    assert elapsed < 5, f"{elapsed:.2f} s"
