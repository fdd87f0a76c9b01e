"""Incremental re-analysis (lexis_ls/lang/incremental.py): after any single edit, reanalyze()
equals a fresh analyze() of the new text in everything observable, and the fast paths are
really taken for value edits."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from incremental_support import assert_same_analysis

from lexis_ls.lang.analysis import Analysis, analyze
from lexis_ls.lang.incremental import reanalyze
from lexis_ls.server.documents import Document, covering_edit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_check import generate  # noqa: E402

FILES = sorted(
    [*(ROOT / "examples").glob("*.lexis.json"), *(ROOT / "tests" / "cases").glob("*.lexis.json")]
)
FILE_TEXTS = [p.read_text(encoding="utf-8") for p in FILES]

VALUES = [
    "0",
    "1",
    "-1",
    "2.5",
    "1.0",
    "-0.0",
    "1e3",
    "100000000000000000000000000000",
    "true",
    "null",
    '""',
    '"x"',
    '"5"',
    '"2.5"',
    "false",
    '"n = {}"',
    '"{} {}"',
    '"{"',
    '"std:double"',
    '"std:nope"',
    '"https://example.com/a"',
    '"http://example.com/a"',
    '"https://127.0.0.1/"',
    '"https://evil.org/"',
    '{"allow_http": true}',
    '{"timeout": -1}',
    '{"type": "label", "text": "hi"}',
    "[1, 2, 3]",
    "[]",
    '{"a": 1}',
    '"caf\\u00e9"',
    '"\\ud83d\\ude00"',
]
FRAGMENTS = [
    '"',
    ",",
    "{",
    "}",
    "[",
    "]",
    ":",
    " ",
    "\n",
    "\r\n",
    "5",
    "é",
    "😀",
    '"a"',
    "nul",
    "-",
]

# --- programs ------------------------------------------------------------------------------

_OPS: dict[str, int] = {  # op -> number of inputs
    "const": 0,
    "add": 2,
    "sub": 2,
    "div": 2,
    "mul": 2,
    "format": 1,
    "upper": 1,
    "print": 1,
    "length": 1,
    "to_num": 1,
    "index": 2,
    "eq": 2,
    "concat": 2,
    "sequence": 2,
    "select": 3,
    "assert": 2,
    "http_get": 1,
    "param": 0,
    "subgraph_call": 1,
    "try_or": 2,
    "is_error": 1,
    "comment": 1,
    "gt": 2,
    "get": 2,
    "range": 2,
}
_SMALL_VALUES = [
    0,
    1,
    2,
    -1,
    2.5,
    True,
    False,
    "a",
    "5",
    "2.5",
    "{}",
    "https://example.com/",
    "http://10.0.0.1/",
    [1, 2],
]


@st.composite
def generated_programs(draw: st.DrawFn) -> str:
    """Valid-shaped programs with few distinct values (duplicates, flow, URLs, templates)."""

    def graph_nodes(prefix: str, count: int, ports: bool) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        if ports:
            nodes.append({"id": f"{prefix}in", "op": "input_port", "value": 0})
        for i in range(count):
            ids = [n["id"] for n in nodes]
            op = draw(st.sampled_from(sorted(_OPS)))
            arity = _OPS[op]
            if arity > len(ids):
                op, arity = "const", 0
            node: dict[str, Any] = {"id": f"{prefix}{i}", "op": op}
            if arity:
                node["inputs"] = [draw(st.sampled_from(ids)) for _ in range(arity)]
            if op in ("const", "format", "assert", "param", "http_get"):
                node["value"] = draw(st.sampled_from(_SMALL_VALUES))
            if op == "subgraph_call":
                node["value"] = draw(st.sampled_from(["f", "std:double"]))
            if op == "param":
                node["value"] = "name"
            if draw(st.booleans()) and draw(st.booleans()):
                node["doc"] = "d"
            nodes.append(node)
        if ports:
            nodes.append(
                {"id": f"{prefix}out", "op": "output_port", "inputs": [nodes[-1]["id"]], "value": 0}
            )
        return nodes

    program: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT"],
        "allowed_domains": draw(st.sampled_from([[], ["example.com"]])),
        "nodes": graph_nodes("n", draw(st.integers(1, 12)), False),
    }
    if draw(st.booleans()):
        program["subgraphs"] = {"f": {"nodes": graph_nodes("s", draw(st.integers(1, 5)), True)}}
    one_per_line = draw(st.booleans())
    if one_per_line:
        return json.dumps(program, indent=2)
    return json.dumps(program)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(FILE_TEXTS),
        generated_programs(),
        st.integers(0, 5).map(lambda seed: generate(40, seed=seed)),
    )


# --- edits ---------------------------------------------------------------------------------


@st.composite
def an_edit(draw: st.DrawFn, analysis: Analysis) -> tuple[int, int, str]:
    text = analysis.text
    nodes = analysis.program.all_nodes()
    spans = [s for n in nodes if (s := n.value_span("value")) is not None]
    kind = draw(st.sampled_from(["value", "value", "copy", "char", "delete", "space"]))
    if kind in ("value", "copy") and spans:
        span = draw(st.sampled_from(spans))
        if kind == "copy":  # the value of another node: duplicates appear and vanish
            other = draw(st.sampled_from(spans))
            fragment = text[other.start : other.end]
        else:
            fragment = draw(st.sampled_from(VALUES))
        if draw(st.integers(0, 4)) == 0:  # part of the value only
            start = draw(st.integers(span.start, span.end))
            end = draw(st.integers(start, span.end))
            return start, end, fragment[: draw(st.integers(0, len(fragment)))]
        return span.start, span.end, fragment
    if kind == "space":
        at = draw(st.integers(0, len(text)))
        return at, at, draw(st.sampled_from([" ", "\n", "  \n  ", "\t"]))
    start = draw(st.integers(0, len(text)))
    end = min(len(text), start + draw(st.sampled_from([0, 1, 2, 5])))
    if kind == "delete":
        return start, end, ""
    return start, end, draw(st.sampled_from(FRAGMENTS))


def _check(old: Analysis, edit: tuple[int, int, str]) -> Analysis:
    start, end, fragment = edit
    new_text = old.text[:start] + fragment + old.text[end:]
    got = reanalyze(old, start, end, fragment)
    if currently_in_test_context():
        event(f"path: {got.incremental or 'full'}")
    assert got.fallback is None or not got.fallback.startswith("internal error"), got.fallback
    assert_same_analysis(got, analyze(new_text))
    return got


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_reanalyze_equals_a_fresh_analysis(data: st.DataObject) -> None:
    analysis = analyze(data.draw(texts(), label="text"))
    if data.draw(st.booleans(), label="line index first"):
        analysis.lines  # noqa: B018 - a computed line index must be spliced, not dropped
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        edit = data.draw(an_edit(analysis), label="edit")
        analysis = _check(analysis, edit)


def test_editing_a_text_that_stays_broken_equals_a_fresh_analysis() -> None:
    """Found by the property test above: in a text already broken (an unterminated string),
    the window parsed again read as array elements what the full parse reads inside an
    object, and reported another error with a missing-comma fix."""
    text = (
        '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n'
        '  "nodes": [\n    {"id": "greeting", "op": "const", "value": "hello},\n'
        '    {"id": "out", "op": "print", "inputs": ["greeting"]}\n  ]\n}\n'
    )
    analysis = analyze(text)
    for edit in ((136, 144, '{"allow_http": true}'), (198, 199, "")):
        analysis = _check(analysis, edit)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_break_then_fix(data: st.DataObject) -> None:
    """An edit that breaks the syntax and the one that repairs it."""
    analysis = analyze(data.draw(texts().filter(bool), label="text"))
    text = analysis.text
    at = data.draw(st.integers(0, len(text) - 1), label="at")
    removed = text[at]
    broken = _check(analysis, (at, at + 1, ""))
    fixed = _check(broken, (at, at, removed))
    assert fixed.text == text


def test_random_edit_walk() -> None:
    """A seeded walk of many edits over every example and case (broad and reproducible)."""
    rng = random.Random(20240611)
    pool = [*FILE_TEXTS, *(generate(60, seed=s) for s in range(3))]
    paths: set[str | None] = set()
    for _ in range(150):
        analysis = analyze(rng.choice(pool))
        for _ in range(4):
            text = analysis.text
            spans = [s for n in analysis.program.all_nodes() if (s := n.value_span("value"))]
            if spans and rng.random() < 0.6:
                span = rng.choice(spans)
                other = rng.choice(spans)
                fragment = (
                    text[other.start : other.end] if rng.random() < 0.2 else rng.choice(VALUES)
                )
                edit = (span.start, span.end, fragment)
            else:
                start = rng.randrange(len(text) + 1)
                end = min(len(text), start + rng.choice([0, 0, 1, 2]))
                edit = (start, end, rng.choice(FRAGMENTS) if rng.random() < 0.8 else "")
            analysis = _check(analysis, edit)
            paths.add(analysis.incremental)
    assert {"value", "no-op", None} <= paths


# --- the fast paths are taken ---------------------------------------------------------------

PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT"],
  "allowed_domains": ["example.com"],
  "nodes": [
    {"id": "a", "op": "const", "value": 4},
    {"id": "b", "op": "const", "value": 2},
    {"id": "q", "op": "div", "inputs": ["a", "b"]},
    {"id": "r", "op": "div", "inputs": ["b", "b"]},
    {"id": "url", "op": "const", "value": "https://example.com/x"},
    {"id": "get", "op": "http_get", "inputs": ["url"], "value": {"timeout": 5}},
    {"id": "show", "op": "format", "inputs": ["q"], "value": "q = {}"},
    {"id": "out", "op": "print", "inputs": ["show"]},
    {"id": "p2", "op": "print", "inputs": ["get"]},
    {"id": "p3", "op": "print", "inputs": ["r"]}
  ]
}
"""


def _edit_value(analysis: Analysis, nid: str, new: str) -> Analysis:
    node = analysis.program.main.by_id[nid]
    span = node.value_span("value")
    assert span is not None
    return _check(analysis, (span.start, span.end, new))


@pytest.mark.parametrize(
    ("nid", "new", "codes"),
    [
        ("b", "0", {"LX1015"}),  # division by zero: flow downstream
        ("b", "3", set()),
        ("a", "2", {"LX3002"}),  # `q` then computes what `r` does (equal consts are no finding)
        ("url", '"http://example.com/"', {"LX2006"}),
        ("get", '{"allow_http": true}', set()),
        ("url", '"https://evil.org/"', {"LX2005"}),
        ("show", '"{} {}"', {"LX1013"}),
        ("get", '{"allow_http": 1}', {"LX1007"}),
    ],
)
def test_value_edits_take_the_fast_path(nid: str, new: str, codes: set[str]) -> None:
    after = _edit_value(analyze(PROGRAM), nid, new)
    assert after.incremental == "value", after.fallback
    assert codes <= {d.code for d in after.diagnostics}


def test_a_chain_of_value_edits_stays_incremental() -> None:
    analysis = analyze(PROGRAM)
    for nid, new in [("b", "0"), ("a", "2"), ("b", "2"), ("url", '"https://evil.org/"')]:
        analysis = _edit_value(analysis, nid, new)
        assert analysis.incremental == "value", analysis.fallback


REACH_PROGRAM = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 4},
    {"id": "z", "op": "const", "value": 0},
    {"id": "q", "op": "div", "inputs": ["a", "z"]},
    {"id": "c", "op": "const", "value": false},
    {"id": "pick", "op": "select", "inputs": ["c", "q", "a"]},
    {"id": "s", "op": "const", "value": "5"},
    {"id": "t", "op": "add", "inputs": ["s", "a"]},
    {"id": "w", "op": "const", "value": 1},
    {"id": "g", "op": "gt", "inputs": ["s", "w"]},
    {"id": "all", "op": "sequence", "inputs": ["pick", "t", "g"]},
    {"id": "out", "op": "print", "inputs": ["all"]}
  ]
}
"""


def _lx1015(analysis: Analysis, nid: str) -> Any:
    span = analysis.program.main.by_id[nid].op_span()
    found = [d for d in analysis.diagnostics if d.code == "LX1015" and d.start == span.start]
    return found[0] if found else None


def test_value_edits_update_what_lx1015_reads_downstream() -> None:
    """The severity of an LX1015 and its fixes read nodes that are not downstream of it (the
    condition of a `select` it flows into, the other consumers of a constant its fix edits):
    an edit there reports it again, on the fast path."""
    analysis = analyze(REACH_PROGRAM)
    assert _lx1015(analysis, "q").severity.value == "warning"
    assert _lx1015(analysis, "t").fixes[0].safe
    analysis = _edit_value(analysis, "c", "true")  # the branch of `q` is now chosen
    assert analysis.incremental == "value", analysis.fallback
    assert _lx1015(analysis, "q").severity.value == "error"
    analysis = _edit_value(analysis, "w", '"x"')  # `g` compares strings: "5" must stay one
    assert analysis.incremental == "value", analysis.fallback
    assert _lx1015(analysis, "t").fixes == ()
    analysis = _edit_value(analysis, "w", "2")
    analysis = _edit_value(analysis, "c", "false")
    assert analysis.incremental == "value", analysis.fallback
    assert _lx1015(analysis, "q").severity.value == "warning"
    assert _lx1015(analysis, "t").fixes[0].safe


def test_a_value_edit_changes_the_hashes_downstream_of_the_node_only() -> None:
    """The hashes known before a value edit are kept for the nodes that do not compute from
    the edited one (a hover after the edit hashes only what changed): every hash equals a
    fresh analysis's, and exactly the edited node and those downstream of it change."""
    analysis = analyze(REACH_PROGRAM)
    analysis.program_hash()  # every hash known before the first edit
    downstream = {
        "a": {"a", "q", "pick", "t", "all", "out"},
        "w": {"w", "g", "all", "out"},
        "s": {"s", "t", "g", "all", "out"},
    }
    for nid, new in [("a", "5"), ("w", "3"), ("s", '"6"')]:
        main = analysis.program.main
        before = {n.id: analysis.hasher.node_hash(n) for n in main.nodes}
        analysis = _edit_value(analysis, nid, new)
        assert analysis.incremental == "value", analysis.fallback
        assert_same_analysis(analysis, analyze(analysis.text))
        after = {n.id: analysis.hasher.node_hash(n) for n in analysis.program.main.nodes}
        assert {k for k in after if after[k] != before[k]} == downstream[nid]


def test_other_fast_paths() -> None:
    analysis = analyze(PROGRAM)
    at = PROGRAM.index('"value": 4') + len('"value":')
    analysis = _check(analysis, (at, at, "   "))
    assert analysis.incremental == "cosmetic"
    at = analysis.text.index('\n    {"id": "b"')
    analysis = _check(analysis, (at + 1, at + 1, "  "))
    assert analysis.incremental == "whitespace"
    analysis = _check(analysis, (at, at + 1, "\n"))
    assert analysis.incremental == "no-op"


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ('"id": "b"', '"id": "a"', "invalid or taken"),  # (a new id: the rename path)
        ('"value": 2', '"value": 2, "value": 3', "no longer one valid JSON object"),
        ('"capabilities"', '"capabilitie"', "not inside a `nodes` array"),
    ],
)
def test_structural_edits_fall_back(old: str, new: str, why: str) -> None:
    start = PROGRAM.index(old)
    after = _check(analyze(PROGRAM), (start, start + len(old), new))
    assert after.incremental is None
    assert after.fallback is not None and why in after.fallback


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ('"inputs": ["a", "b"]', '"inputs": ["b", "a"]', "replaced"),  # inputs edited
        ('"value": 2', '"value": 2, "doc": "x"', "replaced"),  # a key added
        ('"value": 2', '"value": 2}', "syntax"),  # a stray brace: a syntax error
    ],
)
def test_a_node_edited_beyond_its_value_is_parsed_again(old: str, new: str, path: str) -> None:
    start = PROGRAM.index(old)
    after = _check(analyze(PROGRAM), (start, start + len(old), new))
    assert after.incremental == path, after.fallback


def test_value_edit_at_scale_is_incremental() -> None:
    text = generate(2000)
    analysis = analyze(text)
    nodes = [n for n in analysis.program.main.nodes if n.op == "const"]
    node = nodes[len(nodes) // 2]
    span = node.value_span("value")
    assert span is not None
    after = _check(analysis, (span.start, span.end, "0"))
    assert after.incremental == "value", after.fallback


# --- the document store -------------------------------------------------------------------


def test_document_reanalyzes_after_one_edit() -> None:
    doc = Document("file:///p.lexis.json", "lexis", 1, PROGRAM)
    first = doc.analysis()
    assert first.incremental is None
    at = PROGRAM.index('"value": 2') + len('"value": ')
    doc.update(PROGRAM[:at] + "0" + PROGRAM[at + 1 :], 2)
    second = doc.analysis()
    assert second.incremental == "value"
    assert "LX1015" in {d.code for d in second.diagnostics}
    assert doc.analysis() is second  # once per version


def test_document_covers_several_changes_with_one_edit() -> None:
    doc = Document("file:///p.lexis.json", "lexis", 1, PROGRAM)
    doc.analysis()
    at = PROGRAM.index('"value": 2') + len('"value": ')
    # typed 3 characters between two analyses (debounced diagnostics): 2 -> 20 -> 201 -> 2017
    for version, typed in enumerate(("20", "201", "2017"), 2):
        doc.update(PROGRAM[:at] + typed + PROGRAM[at + 1 :], version)
    analysis = doc.analysis()
    assert analysis.incremental == "value", analysis.fallback
    assert_same_analysis(analysis, analyze(doc.text))
    # a structural change falls back to a full analysis, still equal to a fresh one
    doc.update(doc.text.replace('"op": "const"', '"op": "constant"', 1), 5)
    analysis = doc.analysis()
    assert analysis.incremental is None
    assert_same_analysis(analysis, analyze(doc.text))


@pytest.mark.parametrize(
    ("old", "new", "edit"),
    [
        ("abc", "abc", (3, 3, "")),
        ("abc", "abXc", (2, 2, "X")),
        ("abc", "ac", (1, 2, "")),
        ("aaaa", "aaaaa", (4, 4, "a")),  # repeated characters: the edit is at the end
        ("", "x", (0, 0, "x")),
        ("x" * 200_000 + "1" + "y" * 100_000, "x" * 200_000 + "22" + "y" * 100_000, None),
    ],
)
def test_covering_edit(old: str, new: str, edit: tuple[int, int, str] | None) -> None:
    found = covering_edit(old, new)
    start, end, fragment = found
    assert old[:start] + fragment + old[end:] == new
    if edit is not None:
        assert found == edit
    else:
        assert found == (200_000, 200_001, "22")


def test_a_value_edit_that_makes_a_repeated_node_the_same_as_the_first() -> None:
    """Found by hypothesis: LX1004 offers "Delete the repeated `a`" only when both nodes are the
    same, so an edit of either one's value is analysed afresh."""
    from lexis_ls.lang.incremental import reanalyze

    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": [
                {"id": "a", "op": "const", "value": 5},
                {"id": "a", "op": "const", "value": 6},
                {"id": "out", "op": "print", "inputs": ["a"]},
            ],
        }
    )
    at = text.index("5")
    new_text = text[:at] + "6" + text[at + 1 :]
    got = reanalyze(analyze(text), at, at + 1, "6", None)
    assert_same_analysis(got, analyze(new_text))
    assert any(f.title.startswith("Delete the repeated") for d in got.diagnostics for f in d.fixes)
