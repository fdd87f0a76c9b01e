"""Structure queries of lexis_ls.lang.outline: descriptions, navigation, rename, symbols,
folds and selection spans, on code-point offsets."""

from __future__ import annotations

import pytest
from helpers import SECTION1 as PROGRAM

from lexis_ls.lang import stdlib
from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import Diagnostic, explain_summary, make
from lexis_ls.lang.fixes import apply_edits
from lexis_ls.lang.hashing import std_graph
from lexis_ls.lang.outline import (
    RenameError,
    compact_nodes,
    definition,
    describe,
    document_symbols,
    folds,
    inner_span,
    occurrences,
    rename_edits,
    rename_target,
    selection_spans,
    subgraph_signature,
    symbol_match,
)
from lexis_ls.lang.text import Span

WITH_SUBGRAPH = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "p", "op": "const", "value": [3, 4]},
    {"id": "q", "op": "const", "value": 1},
    {"id": "m", "op": "subgraph_call", "inputs": ["p", "q"], "value": "pair"}
  ],
  "subgraphs": {
    "pair": {"nodes": [
      {"id": "l", "op": "input_port", "value": 0},
      {"id": "r", "op": "input_port", "value": 1},
      {"id": "hi", "op": "output_port", "inputs": ["r"], "value": 1},
      {"id": "lo", "op": "output_port", "inputs": ["l"], "value": 0}
    ]}
  }
}
"""


def at(text: str, needle: str, nth: int = 0, into: int = 1) -> int:
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return offset + into


@pytest.mark.parametrize("name", list(stdlib.entries()))
def test_compact_nodes_is_the_notation_of_section_8(name: str) -> None:
    entry = stdlib.entries()[name]
    assert compact_nodes(std_graph(name)) == entry.definition


def test_signature_orders_ports_by_index() -> None:
    a = analyze(WITH_SUBGRAPH)
    assert subgraph_signature("pair", a.program.subgraphs["pair"]) == "pair(l, r) -> [lo, hi]"
    assert subgraph_signature("std:add", std_graph("add")) == "std:add(a, b) -> out"


def test_inner_span() -> None:
    assert inner_span('x "abc" y', 2, 7) == Span(3, 6)
    assert inner_span('"ab', 0, 3) == Span(1, 3)  # unterminated while typing
    assert inner_span('""', 0, 2) == Span(1, 1)
    assert inner_span('"', 0, 1) == Span(1, 1)


def test_describe_shows_the_last_run_value_of_main_graph_nodes() -> None:
    a = analyze(PROGRAM)
    d = describe(a, at(PROGRAM, '"sum"'), values={"sum": "8", "a": "5"})
    assert d is not None
    assert d.markdown.endswith(
        "- program hash: `" + str(a.program_hash()) + "`\n\n**value** (last run):\n\n```\n8\n```"
    )
    assert PROGRAM[d.start : d.end] == '"sum"'
    none = describe(a, at(PROGRAM, '"sum"'), values={})
    assert none is not None and "last run" not in none.markdown


def test_describe_appends_run_diagnostics_once_per_code() -> None:
    a = analyze(PROGRAM)
    start = at(PROGRAM, '"sum"', into=0)
    run: list[Diagnostic] = [
        make("LX4001", start, start + 5, "`sum` produced an error value", "hint"),
        make("LX4001", start, start + 5, "again", "hint"),
    ]
    d = describe(a, start + 2, diagnostics=run)
    assert d is not None
    assert d.markdown.count("**LX4001**") == 1
    assert d.markdown.endswith(explain_summary("LX4001"))


def test_describe_on_nothing() -> None:
    a = analyze(PROGRAM)
    assert describe(a, 0) is None
    assert describe(analyze(""), 0) is not None  # LX0001: the empty document
    broken = analyze("[1, 2")  # not an object: LX0002 covers the whole value
    d = describe(broken, 3)
    assert d is not None and (d.start, d.end) == (0, 5)
    assert d.markdown.startswith("**LX0002** — wrong JSON type") and "LX0001" not in d.markdown
    end = describe(broken, 5)  # both diagnostics cover the end; the range is the narrowest
    assert end is not None and (end.start, end.end) == (5, 5)
    assert "**LX0002**" in end.markdown and "**LX0001**" in end.markdown


def test_definition_and_occurrences() -> None:
    a = analyze(WITH_SUBGRAPH)
    target = definition(a, at(WITH_SUBGRAPH, '"pair"', 0, 2))
    assert target is not None
    assert WITH_SUBGRAPH[target.selection.start : target.selection.end] == "pair"
    assert WITH_SUBGRAPH[target.whole.start : target.whole.end].startswith('"pair": {"nodes"')
    assert WITH_SUBGRAPH[target.origin.start : target.origin.end] == "pair"
    occ = occurrences(a, at(WITH_SUBGRAPH, '"l"', 1))
    assert occ is not None
    assert [(WITH_SUBGRAPH[o.start : o.end], o.definition) for o in occ] == [
        ("l", True),
        ("l", False),
    ]
    assert occurrences(a, at(WITH_SUBGRAPH, '"const"')) is None


def test_rename_applies_cleanly() -> None:
    a = analyze(WITH_SUBGRAPH)
    edits = rename_edits(a, at(WITH_SUBGRAPH, '"pair"', 1, 2), "couple")
    renamed = apply_edits(WITH_SUBGRAPH, edits)
    assert renamed == WITH_SUBGRAPH.replace('"pair"', '"couple"')
    assert [d.code for d in analyze(renamed).diagnostics] == [d.code for d in a.diagnostics]
    edits = rename_edits(a, at(WITH_SUBGRAPH, '["p"', into=2), "point")
    assert apply_edits(WITH_SUBGRAPH, edits) == WITH_SUBGRAPH.replace('"p"', '"point"')


def test_rename_refusals() -> None:
    a = analyze(WITH_SUBGRAPH)
    with pytest.raises(RenameError, match="opcodes"):
        rename_target(a, at(WITH_SUBGRAPH, '"const"'))
    with pytest.raises(RenameError, match="already the id"):
        rename_edits(a, at(WITH_SUBGRAPH, '"p"'), "q")
    with pytest.raises(RenameError, match="not a valid node id"):
        rename_edits(a, at(WITH_SUBGRAPH, '"p"'), "a b")
    assert rename_edits(a, at(WITH_SUBGRAPH, '"p"'), "p") == []


def test_document_symbols_of_an_empty_or_broken_document() -> None:
    assert document_symbols(analyze("").program) == []
    assert [s.name for s in document_symbols(analyze('{"nodes": [{"id": "x"').program)] == ["x"]


@pytest.mark.parametrize(
    ("query", "name", "score"),
    [
        ("sum", "sum", 0),
        ("SU", "sum", 1),
        ("um", "sum", 2),
        ("sm", "sum", 3),
        ("ms", "sum", None),
        ("", "anything", 3),
        ("x", "", None),
    ],
)
def test_symbol_match(query: str, name: str, score: int | None) -> None:
    assert symbol_match(query, name) == score


def test_folds_and_selection_on_broken_text() -> None:
    text = '{\n  "nodes": [\n    {"id": "a", "op": "const"'
    a = analyze(text)
    assert [(f.start_line, f.end_line) for f in folds(a)] == [(0, 2), (1, 2)]  # unclosed
    spans = selection_spans(a, text.index('"a"') + 1)
    assert [text[s.start : s.end] for s in spans[:3]] == ["a", '"a"', '"id": "a"']
    assert spans[-1] == Span(0, len(text))
    assert selection_spans(analyze(""), 0) == [Span(0, 0)]


def test_run_value_fence_is_longer_than_any_backtick_run() -> None:
    a = analyze(PROGRAM)
    d = describe(a, at(PROGRAM, '"a"'), values={"a": "x ``` y"})
    assert d is not None and d.markdown.endswith("\n\n````\nx ``` y\n````")
