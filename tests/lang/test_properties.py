"""Property tests: analysis and fix-all never raise, whatever the text."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.fixes import fix_all
from lexis_ls.lang.opcodes import OPCODES

OPS = sorted(OPCODES)
ids = st.sampled_from(["a", "b", "c", "sum", "x1", "std:x", "", "9z", "a b"])
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=6,
)
nodes = st.fixed_dictionaries(
    {"id": ids, "op": st.sampled_from([*OPS, "ADD", "nope"])},
    optional={
        "inputs": st.lists(ids | st.just({"op": "const", "value": 1}), max_size=4),
        "value": values | st.sampled_from(["std:double", "std:add", "f", "{} {}"]),
        "doc": st.text(max_size=5),
        "input": st.just([]),
    },
)
programs = st.fixed_dictionaries(
    {
        "spec": st.sampled_from(["lexis-0.1.0", "lexis-9"]),
        "capabilities": st.lists(
            st.sampled_from(["PURE_COMPUTE", "IO_STDOUT", "NETWORK_OUT", "FS_READ", "BOGUS"]),
            max_size=4,
        ),
        "nodes": st.lists(nodes, max_size=8),
    },
    optional={
        "allowed_domains": st.lists(st.sampled_from(["example.com", "127.0.0.1"]), max_size=2),
        "subgraphs": st.dictionaries(
            st.sampled_from(["f", "g"]),
            st.fixed_dictionaries({"nodes": st.lists(nodes, max_size=4)}),
            max_size=2,
        ),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_analysis_never_raises_on_arbitrary_text(text: str) -> None:
    a = analyze(text)
    assert a.internal_errors == []
    for d in a.diagnostics:
        assert 0 <= d.start <= d.end <= len(text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=200))
def test_analysis_never_raises_on_random_bytes(data: bytes) -> None:
    a = analyze(data.decode("utf-8", "replace"))
    assert a.internal_errors == []


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(programs, st.integers(0, 400))
def test_programs_and_their_truncations(program: dict[str, object], cut: int) -> None:
    text = json.dumps(program, indent=1, ensure_ascii=False)
    for t in (text, text[:cut]):
        a = analyze(t)
        assert a.internal_errors == []
        for d in a.diagnostics:
            assert 0 <= d.start <= d.end <= len(t)
            for f in d.fixes:
                for e in f.edits:
                    assert 0 <= e.start <= e.end <= len(t)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(programs)
def test_fix_all_is_idempotent(program: dict[str, object]) -> None:
    text = json.dumps(program, indent=2, ensure_ascii=False)
    once = fix_all(text)
    assert once.analysis.internal_errors == []
    assert fix_all(once.text).text == once.text


def test_huge_and_deep_documents() -> None:
    deep = "[" * 100_000
    assert analyze(deep).diagnostics
    node = '{"id": "n%d", "op": "const", "value": "%s"},'
    body = "".join(node % (i, f"{i:08d}" + "x" * 200) for i in range(210_000))  # about 51 MB
    text = '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [' + body[:-1] + "]}"
    assert len(text) > 50_000_000
    a = analyze(text)
    assert a.internal_errors == []
    assert {d.code for d in a.diagnostics} == {"LX3001"}  # every const is unused, nothing else
    assert len(a.diagnostics) == 210_000


def test_a_value_cut_short_is_shown_in_a_message_without_an_internal_error() -> None:
    """A text truncated inside a node's value (found by the truncation property above): the
    value's unreadable part shows as `…` in the message that quotes it."""
    text = '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [{"id": "p", "op": "input_port", "value": {"":'
    analysis = analyze(text)
    assert analysis.internal_errors == []
    messages = {d.code: d.message for d in analysis.diagnostics}
    assert messages["LX1007"].endswith('must be a port number (an integer >= 0), not {"": "…"}')
    assert "LX0001" in messages
