"""The shape check's fast path (``_conforms``): a program it passes is one jsonschema finds no
error in, and a well-formed program is checked without importing jsonschema at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lexis_ls.lang.checks.structure import _conforms
from lexis_ls.lang.schema import node_shape, top_level_shape

ROOT = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=3)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
TOP_KEYS = [*top_level_shape()["properties"], "extra"]
NODE_KEYS = [*node_shape()["properties"], "extra"]


def near(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with mostly the schema's own keys and values of every type."""
    likely = st.one_of(
        values,
        st.lists(st.text(max_size=3), max_size=3),
        st.just([{"id": "a", "op": "const", "value": 1}]),
        st.just({"f": {"nodes": [{"id": "x", "op": "const"}]}}),
        st.just({"f": {"nodes": [], "doc": 1}}),
    )
    return st.dictionaries(st.sampled_from(keys), likely, max_size=len(keys))


@settings(max_examples=400, deadline=None)
@given(near(TOP_KEYS))
def test_the_fast_path_never_passes_what_jsonschema_rejects_top(value: dict[str, Any]) -> None:
    if _conforms(value, top_level_shape()):
        assert list(Draft202012Validator(top_level_shape()).iter_errors(value)) == []


@settings(max_examples=400, deadline=None)
@given(near(NODE_KEYS))
def test_the_fast_path_never_passes_what_jsonschema_rejects_node(value: dict[str, Any]) -> None:
    if _conforms(value, node_shape()):
        assert list(Draft202012Validator(node_shape()).iter_errors(value)) == []


def test_a_well_formed_program_is_checked_without_jsonschema() -> None:
    code = (
        "import sys\n"
        "from lexis_ls.lang.analysis import analyze\n"
        "for name in ('hello', 'subgraphs', 'fizzbuzz'):\n"
        "    a = analyze(open(f'examples/{name}.lexis.json', encoding='utf-8').read())\n"
        "    assert not a.has_errors, name\n"
        "print('jsonschema' in sys.modules)\n"
        "analyze('{\"nodes\": 1}')\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]  # loaded only for the broken program
