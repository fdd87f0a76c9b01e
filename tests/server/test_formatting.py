"""Formatting end to end: the whole document as one edit, range formatting of whole nodes,
refusals (no edit, a warning that says why), positions in the negotiated encoding."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from lsp_support import SECTION1, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from lexis_ls.lang.format import format_text
from lexis_ls.lang.text import Encoding, LineIndex

OPTIONS = lsp.FormattingOptions(tab_size=4, insert_spaces=True)
MESSY_SUM = '{"inputs":["a","b"],"op":"add","id":"sum"}'
CANONICAL_SUM = '{"id": "sum", "op": "add", "inputs": ["a", "b"]}'


def encoding(client: LanguageClient) -> Encoding:
    return "utf-8" if client.profile == "neovim@0.11.0" else "utf-16"  # type: ignore[attr-defined]


def apply(text: str, edits: list[lsp.TextEdit], enc: Encoding) -> str:
    """The text after the edits, as an editor applies them (positions in ``enc``)."""
    lines = LineIndex(text)
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


def rng(e: lsp.TextEdit) -> tuple[int, int, int, int]:
    r = e.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def format_doc(client: LanguageClient, uri: str) -> list[lsp.TextEdit] | None:
    result = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), options=OPTIONS
        )
    )
    return None if result is None else list(result)


async def format_range(
    client: LanguageClient, uri: str, start: tuple[int, int], end: tuple[int, int]
) -> list[lsp.TextEdit] | None:
    result = await client.text_document_range_formatting_async(
        lsp.DocumentRangeFormattingParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(*start), end=lsp.Position(*end)),
            options=OPTIONS,
        )
    )
    return None if result is None else list(result)


async def warning(client: LanguageClient) -> str:
    for _ in range(100):
        if client.messages:
            message = client.messages[-1]
            assert message.type == lsp.MessageType.Warning
            return message.message
        await asyncio.sleep(0.02)
    raise AssertionError("no window/showMessage")


async def test_one_line_program_becomes_canonical(client: LanguageClient, tmp_path: Path) -> None:
    one_line = json.dumps(json.loads(SECTION1))
    assert "\n" not in one_line
    uri = open_doc(client, tmp_path / "one.lexis.json", one_line)
    edits = await format_doc(client, uri)
    assert edits is not None and len(edits) == 1
    assert rng(edits[0]) == (0, 0, 0, len(one_line))
    assert edits[0].new_text == SECTION1


async def test_canonical_text_needs_no_edit(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "ok.lexis.json", SECTION1)
    assert await format_doc(client, uri) == []
    assert client.messages == []


async def test_invalid_json_is_not_formatted(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "bad.lexis.json", SECTION1.replace('"value": 5}', "5}"))
    assert await format_doc(client, uri) is None
    reason = await warning(client)
    assert reason.startswith("Lexis: not formatted: not valid JSON: ")
    assert reason.endswith("at line 5 column 32")
    assert any(reason == m.message for m in client.log_messages)


async def test_duplicate_keys_are_not_formatted(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace('"value": 3}', '"value": 3, "value": 4}')
    uri = open_doc(client, tmp_path / "dup.lexis.json", text)
    assert await format_doc(client, uri) is None
    assert await warning(client) == (
        'Lexis: not formatted: duplicate key "value" at line 6 column 44: '
        "formatting would drop one of the values"
    )


async def test_non_ascii_positions(client: LanguageClient, tmp_path: Path) -> None:
    text = json.dumps(json.loads(SECTION1.replace('"value": 5', '"value": "😀é", "doc": "ü"')))
    text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)  # several lines, raw 😀
    uri = open_doc(client, tmp_path / "u.lexis.json", text)
    edits = await format_doc(client, uri)
    assert edits is not None and len(edits) == 1
    expected = format_text(text).text
    assert expected is not None and "😀é" in expected
    assert apply(text, edits, encoding(client)) == expected
    last = text.splitlines()[-1]
    assert rng(edits[0]) == (0, 0, len(text.splitlines()) - 1, len(last))


async def test_range_formats_one_node_minimally(client: LanguageClient, tmp_path: Path) -> None:
    text = SECTION1.replace(CANONICAL_SUM, MESSY_SUM)
    uri = open_doc(client, tmp_path / "r.lexis.json", text)
    edits = await format_range(client, uri, (6, 10), (6, 12))
    assert edits is not None
    assert [(rng(e), e.new_text) for e in edits] == [
        ((6, 7, 6, 45), 'd": "sum", "op": "add", "inputs": ["a", "b"]')
    ]
    assert apply(text, edits, encoding(client)) == SECTION1


async def test_range_touching_several_nodes(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        SECTION1.replace(CANONICAL_SUM, MESSY_SUM)
        .replace('"value": 5', '"value":5')
        .replace('"value": 3', '"value" : 3')
    )
    uri = open_doc(client, tmp_path / "s.lexis.json", text)
    # From the end of node `a` to the start of `sum`: `a`, `b` and `sum` are touched.
    edits = await format_range(client, uri, (4, 41), (6, 4))
    assert edits is not None and [e.range.start.line for e in edits] == [4, 5, 6]
    assert apply(text, edits, encoding(client)) == SECTION1
    # Between nodes, on no node: nothing.
    assert await format_range(client, uri, (3, 0), (3, 11)) == []


async def test_range_formatting_expands_a_long_node(client: LanguageClient, tmp_path: Path) -> None:
    long = "é" * 95
    text = SECTION1.replace('"value": 5}', f'"value": "{long}"}}')
    uri = open_doc(client, tmp_path / "long.lexis.json", text)
    edits = await format_range(client, uri, (4, 0), (4, 6))
    assert edits is not None and len(edits) == 1
    assert apply(text, edits, encoding(client)).splitlines()[4:9] == [
        "    {",
        '      "id": "a",',
        '      "op": "const",',
        f'      "value": "{long}"',
        "    },",
    ]


async def test_range_formatting_refuses_invalid_json(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = SECTION1.replace(CANONICAL_SUM, MESSY_SUM).replace('"value": 5}', '"value": 5,}')
    uri = open_doc(client, tmp_path / "rb.lexis.json", text)
    assert await format_range(client, uri, (6, 0), (7, 0)) is None
    assert (await warning(client)).startswith(
        "Lexis: not formatted: not valid JSON: trailing comma"
    )


async def test_other_json_documents_are_not_formatted(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "package.json", '{"name":"x"}', "json")
    assert await format_doc(client, uri) is None
    assert await format_range(client, uri, (0, 0), (0, 5)) is None
    assert client.messages == []
