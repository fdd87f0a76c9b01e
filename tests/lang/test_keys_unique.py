"""The array fast path decodes node objects with the C scanner building dicts itself, which
cannot see a repeated key; ``syntax.keys_unique`` must then never vouch for an object that
has one (LX0007 would be lost), and the parse must report every repeated key as before."""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.syntax import keys_unique, parse

# keys and strings that collide, hold colons (literal or escaped) and other escapes
KEYS = st.sampled_from(["id", "op", "a:b", ":", "x", "k\\u003a", "\\u0069d", 'q\\"'])
STRINGS = st.sampled_from(["", "std:double", ":", "a\\u003ab", "\\\\:", "n1", "\\n"])


def _object(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    member = st.tuples(KEYS, children).map(lambda kv: f'"{kv[0]}": {kv[1]}')
    return st.lists(member, max_size=5).map(lambda ms: "{" + ", ".join(ms) + "}")


SCALARS = st.one_of(STRINGS.map(lambda s: f'"{s}"'), st.sampled_from(["1", "true", "null"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        _object(inner), st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
    ),
    max_leaves=12,
)


def _repeats_a_key(text: str) -> bool:
    found = False

    def pairs(ps: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal found
        d = dict(ps)
        found = found or len(d) != len(ps)
        return d

    json.loads(text, object_pairs_hook=pairs)
    return found


@settings(max_examples=600, deadline=None)
@given(_object(VALUES))
@example('{"id": "a", "id": "b"}')
@example('{"id": "n1", "v": "std:double", "id": "n2"}')
@example('{"v": "a\\u003ab", "k": 1, "k": 2}')
@example('{"a:b": 1, "a:b": 2, "c": ":"}')
@example('{"v": {"x": 1, "x": 2}}')
def test_never_vouches_for_a_repeated_key(text: str) -> None:
    value = json.loads(text)
    if keys_unique(value, text, 0, len(text)):
        assert not _repeats_a_key(text)


@settings(max_examples=300, deadline=None)
@given(_object(VALUES))
def test_every_repeated_key_in_a_node_is_reported(obj: str) -> None:
    text = '{"spec": "lexis/0.1", "nodes": [\n  ' + obj + "\n]}"
    assert bool(parse(text).duplicates) == _repeats_a_key(obj)


def test_a_repeated_key_beside_a_colon_in_a_string_is_reported() -> None:
    text = (
        '{"spec": "lexis/0.1", "nodes": [\n'
        '  {"id": "a", "op": "const", "value": 2},\n'
        '  {"id": "b", "op": "subgraph_call", "inputs": ["a"], "value": "std:double",'
        ' "value": "std:double"},\n'
        '  {"id": "c", "op": "print", "inputs": ["b"]}\n]}'
    )
    codes = [d.code for d in analyze(text).diagnostics]
    assert "LX0007" in codes
