"""BLAKE3 content hashes: the test vectors of LEXIS.md §5 and every stdlib hash of §8."""

from __future__ import annotations

import gc
import json
import re
import sys
import weakref
from pathlib import Path

import blake3
import pytest
from helpers import SECTION1 as PROGRAM

from lexis_ls.lang import stdlib
from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.hashing import Hasher, blake, std_graph

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_check import generate

VECTORS = {
    "a": "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f",
    "b": "f2bbecbbae3c4dfe08ada800fff7da6632e354972a000e31c1f4b7535057861a",
    "sum": "c77c9b135c81f25ce360b1f322e542b2fa84efbadf0afbf456b1f7838f17f1a5",
    "out": "078801c649fd8c79775bab4aa6b89e18c8d2efd3a8c44de8e77a435ba9962273",
}
PROGRAM_HASH = "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6"


def hashes(text: str) -> tuple[dict[str, str | None], str | None]:
    a = analyze(text)
    return a.hasher.graph_node_hashes(a.program.main), a.hasher.program_hash()


def test_section_5_vectors() -> None:
    nodes, program = hashes(PROGRAM)
    assert nodes == VECTORS
    assert program == PROGRAM_HASH


def test_program_hash_ignores_ids_and_capability_order() -> None:
    renamed = (
        PROGRAM.replace('"a"', '"x1"')
        .replace('"sum"', '"total"')
        .replace('["PURE_COMPUTE", "IO_STDOUT"]', '["IO_STDOUT", "PURE_COMPUTE", "IO_STDOUT"]')
    )
    nodes, program = hashes(renamed)
    assert program == PROGRAM_HASH
    assert nodes["total"] == VECTORS["sum"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", "e4cd70d99f0524cfd544bc1edccb2b4ecd005122e8341af7820301cb8b747fb1"),
        ("1", "dd625f0b29cdd887341b1e126569d49deea81b8290bfed6fc2d7f3581fb8fe41"),
        ("1.0", "7cec2650289d4f4208afaac416842ce3c4c4977af34c1e5b9e10950ebdddf9d4"),
    ],
)
def test_const_vectors_keep_int_float_and_bool_distinct(value: str, expected: str) -> None:
    text = PROGRAM.replace('"value": 5', f'"value": {value}')
    nodes, _ = hashes(text)
    assert nodes["a"] == expected


def test_map_over_range_with_std_double() -> None:
    text = """{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [
      {"id": "one", "op": "const", "value": 1},
      {"id": "four", "op": "const", "value": 4},
      {"id": "r", "op": "range", "inputs": ["one", "four"]},
      {"id": "m", "op": "map", "inputs": ["r"], "value": "std:double"}]}"""
    nodes, _ = hashes(text)
    assert nodes["m"] == "94cb2e27a6300e49c7b395b1b062e28ab4a6049f187053aaa55a6f1ee918c5bf"
    # The same reference written as the hash gives the same node hash.
    by_hash = text.replace("std:double", stdlib.entries()["double"].expected_hash)
    assert hashes(by_hash)[0]["m"] == nodes["m"]


def test_every_stdlib_hash_matches_the_spec(lexis_md: str) -> None:
    table = dict(re.findall(r"^\| `std:(\w+)` \| .* \| `([0-9a-f]{64})` \|$", lexis_md, re.M))
    assert len(table) == 32
    computed = {name: Hasher(None).subgraph_hash(std_graph(name)) for name in stdlib.entries()}
    assert computed == table


def test_stdlib_definitions_are_transcribed_from_the_spec(lexis_md: str) -> None:
    table = dict(re.findall(r"^\| `std:(\w+)` \| (.*) \| `[0-9a-f]{64}` \|$", lexis_md, re.M))
    assert {n: e.definition for n, e in stdlib.entries().items()} == table


def test_undefined_hashes_propagate_instead_of_guessing() -> None:
    text = PROGRAM.replace('["a", "b"]', '["a", "nope"]')
    nodes, program = hashes(text)
    assert nodes["a"] == VECTORS["a"]
    assert nodes["sum"] is None and nodes["out"] is None
    assert program is None


def test_recursive_subgraphs_have_no_hash_and_do_not_hang() -> None:
    text = """{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [
      {"id": "x", "op": "const", "value": 1},
      {"id": "c", "op": "subgraph_call", "inputs": ["x"], "value": "f"}],
      "subgraphs": {
        "f": {"nodes": [{"id": "i", "op": "input_port", "value": 0},
                        {"id": "r", "op": "subgraph_call", "inputs": ["i"], "value": "g"},
                        {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}]},
        "g": {"nodes": [{"id": "i", "op": "input_port", "value": 0},
                        {"id": "r", "op": "subgraph_call", "inputs": ["i"], "value": "f"},
                        {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}]}}}"""
    a = analyze(text)
    assert a.hasher.subgraph_hash(a.program.subgraphs["f"]) is None
    assert "LX1011" in {d.code for d in a.diagnostics}


def test_a_broken_spec_has_no_program_hash_and_does_not_raise() -> None:
    text = (
        '{"spec": lexis-0.1.0", "capabilities": ["PURE_COMPUTE"],'
        ' "nodes": [{"id": "a", "op": "const", "value": 1}]}'
    )
    analysis = analyze(text)
    assert analysis.has_errors
    assert analysis.program_hash() is None


def test_a_raw_surrogate_code_point_in_the_text_is_lx0008_and_leaves_no_hash() -> None:
    """An editor can send the code point itself (not an escape): the check, the hashes and the
    refusal to run agree on it as on an escape."""
    from lexis_ls.lang.analysis import analyze

    text = '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [{"id": "a", "op": "const", "value": "x\ud800"}]}'
    analysis = analyze(text)
    found = [(d.code, d.start, d.end) for d in analysis.diagnostics if d.code.startswith("LX0")]
    start = text.index('"x\ud800"')
    assert found == [("LX0008", start, start + 4)]
    assert analysis.program_hash() is None


def test_hashes_primed_a_slice_at_a_time_equal_hashes_asked_for_at_once() -> None:
    """The server primes the hashes while idle, a step (about a millisecond) at a time: the
    node and program hashes are those computed in one go, a hash asked for midway finishes
    the rest, and steps dropped midway leave the analysis to be freed by reference counting
    (no cycle: the server drops them when a newer version comes)."""
    text = generate(3000)
    fresh = analyze(text)
    expected = fresh.hasher.graph_node_hashes(fresh.program.main)
    for ask_midway in (False, True):
        primed = analyze(text)
        steps = 0
        for _ in primed.hasher.priming():
            steps += 1
            if ask_midway and steps == 3:  # a hover asks for the last node's hash
                last = primed.program.main.nodes[-1]
                assert primed.hasher.node_hash(last) == expected[last.id]
        assert steps >= 3
        assert primed.hasher.graph_node_hashes(primed.program.main) == expected
        assert primed.program_hash() == fresh.program_hash() is not None
        assert list(primed.hasher.priming()) == []  # nothing left to do
    dropped = analyze(text)
    steps_left = dropped.hasher.priming()
    next(steps_left)
    next(steps_left)
    alive = weakref.ref(dropped.program.main)  # the hasher holds the program
    gc.disable()
    try:
        del dropped, steps_left
        assert alive() is None
    finally:
        gc.enable()
    # LEXIS.md §5's formula written out: C(x) of the whole, the distinct node hashes sorted
    program = fresh.program
    assert fresh.program_hash() == blake(
        {
            "spec": program.spec,
            "capabilities": sorted(program.declared_capabilities()),
            "allowed_domains": sorted(set(program.allowed_domains or [])),
            "nodes": sorted(set(expected.values())),
        }
    )


FLOATS = [0.1, 0.30000000000000004, -0.0, 1e16, 1.5e-323, 2.5, -1e300, 123456789.125, 1e22]


@pytest.mark.parametrize("value", FLOATS)
def test_a_float_value_hashes_as_the_spec_defines_it(value: float) -> None:
    """H(n) of LEXIS.md §5 computed with the spec's own `json.dumps`, for floats the fast path
    writes itself (their repr)."""
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": ['
        f'{{"id": "c", "op": "const", "value": {json.dumps(value)}}}]}}'
    )
    canonical = json.dumps(
        {"op": "const", "value": value, "inputs": []},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode()
    assert hashes(text)[0]["c"] == blake3.blake3(canonical).hexdigest()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_value_that_is_not_finite_json_has_no_hash(literal: str) -> None:
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": ['
        f'{{"id": "c", "op": "const", "value": {literal}}}]}}'
    )
    assert hashes(text)[0]["c"] is None
