"""The span fast paths of the checks (``checks/base.py``): ``id_span``, ``op_span`` and
``input_span`` read a node object's id, op and input strings from the text without parsing its members again.
They give exactly the spans the syntax tree gives, on every node of the examples, the test
cases and a generated program, and on node objects written every which way."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lexis_ls.lang.checks.base import id_span, input_span, op_span
from lexis_ls.lang.model import build_program
from lexis_ls.lang.syntax import parse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_check import generate  # noqa: E402

FILES = sorted(
    [*(ROOT / "examples").glob("*.lexis.json"), *(ROOT / "tests" / "cases").glob("*.lexis.json")]
)


def assert_fast_spans_match(text: str) -> int:
    """Compares the fast and the tree's spans on every node; how many were lazy objects."""
    # The model alone: the checks read the members of the nodes they report on, which makes
    # those objects no longer lazy (and the fast paths would not be taken on them).
    program = build_program(parse(text))
    lazy = 0
    for graph in program.graphs:
        for node in graph.nodes:
            lazy += node.syntax.lazy
            count = len(node.inputs) if isinstance(node.inputs, list) else 0
            fast = [id_span(text, node), op_span(text, node)]
            fast += [input_span(text, node, k) for k in range(count + 1)]
            slow = [node.id_span(), node.op_span()]
            slow += [node.input_span(k) for k in range(count + 1)]
            assert fast == slow, (node.label, text[node.syntax.start : node.syntax.end])
    return lazy


def test_every_node_of_the_corpora_and_a_generated_program() -> None:
    lazy = sum(assert_fast_spans_match(p.read_text(encoding="utf-8")) for p in FILES)
    lazy += assert_fast_spans_match(generate(500))
    assert lazy > 500  # the fast paths were taken


SPACE = st.sampled_from(["", " ", "\n    ", "\t", " \r\n "])
ID_TEXT = st.text(alphabet='ab"\\/é\n', max_size=4)
ELEMENT = st.one_of(ID_TEXT, st.integers(), st.none(), st.lists(ID_TEXT, max_size=1))


@settings(max_examples=300, deadline=None)
@given(
    st.permutations(["id", "op", "inputs", "value"]),
    st.lists(ELEMENT, max_size=3),
    ID_TEXT,
    st.one_of(ID_TEXT, st.just({"inputs": ["a"]}), st.just('"inputs": ["a"]')),
    st.lists(SPACE, min_size=13, max_size=13),
)
def test_node_objects_written_every_which_way(
    keys: list[str], inputs: list[object], nid: str, value: object, spaces: list[str]
) -> None:
    fields = {"id": nid, "op": "add", "inputs": inputs, "value": value}
    pad = iter(spaces)
    members = [
        f"{next(pad)}{json.dumps(k)}{next(pad)}:{next(pad)}{json.dumps(fields[k])}" for k in keys
    ]
    node = "{" + ",".join(members) + next(pad) + "}"
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [\n'
        f'  {{"id": "a", "op": "const", "value": 1}},\n  {node}\n]}}'
    )
    assert_fast_spans_match(text)


@settings(max_examples=300, deadline=None)
@given(ID_TEXT, ID_TEXT, st.lists(ELEMENT, max_size=3), st.booleans())
def test_node_objects_in_the_canonical_layout(
    nid: str, op: str, inputs: list[object], with_value: bool
) -> None:
    """The layout the formatter writes (where the string-search paths apply), with escapes,
    quotes and non-strings in the id, the op and the inputs."""
    node = (
        f'{{"id": {json.dumps(nid, ensure_ascii=False)}, "op": {json.dumps(op, ensure_ascii=False)}, '
        f'"inputs": {json.dumps(inputs, ensure_ascii=False)}'
        + (', "value": 1}' if with_value else "}")
    )
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [\n'
        f'  {{"id": "a", "op": "const", "value": 1}},\n  {node}\n]}}'
    )
    assert_fast_spans_match(text)
