"""The completion list is encoded straight to JSON (`features/completion.py`): it must be what
cattrs makes of the lsprotocol `CompletionList` built from the same candidates, field for field,
in every position encoding, for every kind of candidate, in ASCII and non-ASCII text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.protocol import default_converter

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.complete import Candidate, completions
from lexis_ls.lang.text import Encoding, LineIndex
from lexis_ls.server.convert import dumps, locator, text_edit, to_range
from lexis_ls.server.features.completion import KINDS, completion_list_json

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.lexis.json"))
CONVERTER = default_converter()

# half-typed text, a non-ASCII id and string (UTF-16 and UTF-8 columns differ from code
# points), an astral character, a missing comma before the cursor (an additional edit)
EXTRA = [
    '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": [\n'
    '  {"id": "größe", "op": "const", "value": "😀 ü"},\n'
    '  {"id": "b", "op": "add", "inputs": ["größe" "g"]},\n'
    '  {"id": "c", "op": "ad',
    '{"spec": "lexis-0.1.0", "nodes": [{"id": "x", "op": "const", "value": 1}, {"id": "y", '
    '"op": "print", "inputs": [""]}, {',
]


def reference(
    items: list[Candidate], incomplete: bool, lines: LineIndex, enc: Encoding, markup: str
) -> object:
    """What the feature sent before: lsprotocol objects, unstructured by pygls's converter."""
    built = lsp.CompletionList(
        is_incomplete=incomplete,
        items=[
            lsp.CompletionItem(
                label=c.label,
                kind=KINDS[c.kind],
                detail=c.detail,
                documentation=lsp.MarkupContent(kind=lsp.MarkupKind(markup), value=c.documentation)
                if c.documentation
                else None,
                text_edit=lsp.TextEdit(
                    range=to_range(lines, c.start, c.end, enc), new_text=c.new_text
                ),
                insert_text_format=lsp.InsertTextFormat.Snippet
                if c.snippet
                else lsp.InsertTextFormat.PlainText,
                filter_text=c.filter_text,
                sort_text=c.sort_text,
                additional_text_edits=[text_edit(lines, e, enc) for e in c.extra] or None,
            )
            for c in items
        ],
    )
    return CONVERTER.unstructure(built)


def texts() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in EXAMPLES] + [
        (f"extra{k}", t) for k, t in enumerate(EXTRA)
    ]


def offsets_of(text: str) -> list[int]:
    """Where the comparison asks for completions (every kind of candidate is among them)."""
    return sorted({*range(0, len(text) + 1, 7), len(text)})


@pytest.mark.parametrize("name,text", texts(), ids=[n for n, _ in texts()])
def test_completion_json_is_the_lsprotocol_list(name: str, text: str) -> None:
    analysis = analyze(text)
    lines = analysis.lines
    offsets = offsets_of(text)
    kinds: set[str] = set()
    compared = 0
    for k, offset in enumerate(offsets):
        enc: Encoding = ("utf-16", "utf-8", "utf-32")[k % 3]
        markup = ("markdown", "plaintext")[k % 2]
        found = completions(analysis, offset, bool(k % 2))
        if not found.items:
            continue
        got = json.loads(
            dumps(completion_list_json(found.items, found.incomplete, locator(lines, enc), markup))
        )
        assert got == reference(found.items, found.incomplete, lines, enc, markup), (name, offset)
        kinds.update(c.kind for c in found.items)
        compared += 1
    assert compared > 0
    if name == "arithmetic.lexis.json":  # a program of every ordinary kind of place
        assert {"op", "id", "key"} <= kinds


def test_every_kind_and_the_extra_edits_are_compared() -> None:
    seen: set[str] = set()
    extra = 0
    for _, text in texts():
        analysis = analyze(text)
        for k, offset in enumerate(offsets_of(text)):
            for c in completions(analysis, offset, bool(k % 2)).items:
                seen.add(c.kind)
                extra += bool(c.extra)
    assert seen == set(KINDS), set(KINDS) - seen
    assert extra > 0
