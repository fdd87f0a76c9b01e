"""Formatting as text edits: whole documents and the nodes a range touches. Property tests:
the edits give exactly the formatter's output and never lose text."""

from __future__ import annotations

import json

from helpers import SECTION1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import TextEdit
from lexis_ls.lang.fixes import apply_edits
from lexis_ls.lang.format import format_text
from lexis_ls.lang.format_edits import document_edits, indentation, node_edits, nodes_touching


def test_document_edit_replaces_everything() -> None:
    one_line = json.dumps(json.loads(SECTION1))
    result = document_edits(one_line)
    assert result.reason is None
    assert result.edits == [TextEdit(0, len(one_line), SECTION1)]
    assert document_edits(SECTION1).edits == [] and document_edits(SECTION1).reason is None


def test_document_refusals() -> None:
    broken = document_edits(SECTION1.replace('"value": 5}', '"value": 5,}'))
    assert broken.edits == []
    assert broken.reason == (
        "not valid JSON: trailing comma before the end of the object at line 5 column 42"
    )
    duplicate = document_edits(SECTION1.replace('"value": 5}', '"value": 5, "value": 6}'))
    assert duplicate.edits == []
    assert duplicate.reason is not None and duplicate.reason.startswith('duplicate key "value"')


def test_one_node_minimal_edit() -> None:
    text = SECTION1.replace(
        '{"id": "sum", "op": "add", "inputs": ["a", "b"]}',
        '{"inputs":["a","b"],"op":"add","id":"sum"}',
    )
    start = text.index('{"inputs"')
    result = node_edits(analyze(text), start + 3, start + 3)
    assert result.reason is None
    assert result.edits == [
        TextEdit(start + 3, start + 41, 'd": "sum", "op": "add", "inputs": ["a", "b"]')
    ]
    assert apply_edits(text, result.edits) == SECTION1


def test_nodes_touched_by_a_range_and_only_them() -> None:
    messy = SECTION1.replace('"value": 5', '"value":5').replace('"value": 3', '"value" :  3')
    messy = messy.replace('["sum"]', '[ "sum" ]')
    analysis = analyze(messy)
    b = messy.index('"b", "op"')
    out = messy.index('"out"')
    edits = node_edits(analysis, b, out).edits  # from node `b` to node `out`
    assert len(edits) == 2  # `b` and `out`; `sum` is already canonical, `a` is outside
    fixed = apply_edits(messy, edits)
    assert fixed == SECTION1.replace('"value": 5', '"value":5')


def test_expanded_node_in_a_subgraph_keeps_its_indentation() -> None:
    long = "y" * 90
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [], "subgraphs": {"f": {"nodes": [\n'
        f'      {{"value": "{long}", "op": "const", "id": "k"}}\n'
        "]}}}\n"
    )
    at = text.index('{"value"')
    assert indentation(text, at) == 6
    edits = node_edits(analyze(text), at, at).edits
    assert apply_edits(text, edits).splitlines()[1:6] == [
        "      {",
        '        "id": "k",',
        '        "op": "const",',
        f'        "value": "{long}"',
        "      }",
    ]


def test_node_edits_refuse_invalid_json() -> None:
    text = SECTION1.replace('"value": 5}', '"value": 5')
    result = node_edits(analyze(text), 0, len(text))
    assert result.edits == [] and result.reason is not None
    assert result.reason.startswith("not valid JSON")


# --- properties ------------------------------------------------------------------------------

ids = st.sampled_from(["a", "b", "sum", "x1", "é", "😀"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=12,
)
nodes = st.fixed_dictionaries(
    {"id": ids, "op": st.sampled_from(["const", "add", "map", "print", "nope"])},
    optional={
        "inputs": st.lists(ids, max_size=4),
        "value": values,
        "doc": st.text(max_size=30),
        "zzz": st.integers(),
    },
).map(lambda d: dict(reversed(list(d.items()))))  # keys in a non-canonical order
programs = st.fixed_dictionaries(
    {
        "nodes": st.lists(nodes, max_size=6),
        "spec": st.just("lexis-0.1.0"),
        "capabilities": st.lists(st.sampled_from(["PURE_COMPUTE", "IO_STDOUT"]), max_size=2),
    },
    optional={
        "subgraphs": st.dictionaries(
            st.sampled_from(["f", "g"]),
            st.fixed_dictionaries({"nodes": st.lists(nodes, max_size=3)}),
            max_size=2,
        ),
        "name": st.text(max_size=10),
    },
)
layouts = st.sampled_from(
    [
        {"indent": None},
        {"indent": 0},
        {"indent": 1},
        {"indent": 4},
        {"indent": None, "separators": (",", ":")},
        {"indent": "\t", "separators": (" ,", " : ")},
    ]
)


def render(program: dict[str, object], layout: dict[str, object], crlf: bool) -> str:
    text = json.dumps(program, ensure_ascii=False, **layout)  # type: ignore[arg-type]
    return text.replace("\n", "\r\n") if crlf else text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(programs, layouts, st.booleans())
def test_document_edits_give_exactly_the_formatter_output(
    program: dict[str, object], layout: dict[str, object], crlf: bool
) -> None:
    text = render(program, layout, crlf)
    expected = format_text(text)
    result = document_edits(text)
    if expected.text is None:  # refused (a lone surrogate the text strategy produced)
        assert result.edits == [] and result.reason == expected.reason
        return
    assert result.reason is None
    assert apply_edits(text, result.edits) == expected.text
    assert len(result.edits) == (0 if expected.text == text else 1)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(programs, layouts, st.booleans(), st.integers(0, 10_000), st.integers(0, 10_000))
def test_node_edits_never_lose_text(
    program: dict[str, object], layout: dict[str, object], crlf: bool, a: int, b: int
) -> None:
    text = render(program, layout, crlf)
    expected = format_text(text)
    start, end = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    result = node_edits(analyze(text), start, end)
    if expected.text is None:
        assert result.edits == [] and result.reason is not None
        return
    assert result.reason is None
    edited = apply_edits(text, result.edits)  # raises on overlapping edits
    # The same JSON value, and the same canonical text: nothing was lost or changed.
    assert json.loads(edited) == json.loads(text)
    assert format_text(edited).text == expected.text
    # Every edit stays inside a node the range touches.
    analysis = analyze(text)
    spans = [
        (n.syntax.start, n.syntax.end)
        for g in analysis.program.graphs
        for n in nodes_touching(g, start, end)
    ]
    for e in result.edits:
        assert any(s <= e.start <= e.end <= t for s, t in spans)
    # Once every node is formatted, formatting them again changes nothing.
    everything = node_edits(analyze(text), 0, len(text)).edits
    assert node_edits(analyze(apply_edits(text, everything)), 0, len(text) * 2).edits == []
