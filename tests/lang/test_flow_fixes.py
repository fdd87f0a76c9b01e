"""LX1015 (lexis_ls/lang/checks/flow.py): the severity follows where the error value goes, and
the fixes it carries (a numeric string made a number, `get` -> `index` on a list) do what they
say: fix-all applies the safe ones, and the result checks clean and prints the intended value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.diagnostics import Diagnostic, Evidence, Severity
from lexis_ls.lang.fixes import fix_all
from lexis_ls.run.evaluator import run_text

CASES = Path(__file__).resolve().parent.parent / "cases"


def case(name: str) -> str:
    return (CASES / f"{name}.lexis.json").read_text(encoding="utf-8")


def lx1015(text: str) -> list[Diagnostic]:
    return [d for d in analyze(text).diagnostics if d.code == "LX1015"]


def program(*nodes: dict[str, Any], **subgraphs: list[dict[str, Any]]) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
        "nodes": list(nodes),
    }
    if subgraphs:
        doc["subgraphs"] = {k: {"nodes": v} for k, v in subgraphs.items()}
    return json.dumps(doc, indent=2)


def c(nid: str, value: Any) -> dict[str, Any]:
    return {"id": nid, "op": "const", "value": value}


def n(nid: str, op: str, *inputs: str, **extra: Any) -> dict[str, Any]:
    return {"id": nid, "op": op, "inputs": list(inputs), **extra}


def clean_output(text: str) -> str:
    analysis = analyze(text)
    serious = [d for d in analysis.diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    assert serious == []
    result = run_text(text)
    assert result.status == "ok", result.reason
    return result.output


# --- severity --------------------------------------------------------------------------------


def test_error_reaching_print_is_an_error_with_the_print_as_related() -> None:
    text = program(c("a", 1), c("z", 0), n("q", "div", "a", "z"), n("out", "print", "q"))
    (d,) = lx1015(text)
    assert d.severity is Severity.ERROR
    assert "reaches `print` at node `out`" in d.message
    (related,) = d.related
    assert text[related.start : related.end] == '"print"'


@pytest.mark.parametrize(
    ("effect", "caps"),
    [
        ("write_file", ["FS_WRITE"]),
        ("http_post", ["NETWORK_OUT"]),
    ],
)
def test_other_effects_count(effect: str, caps: list[str]) -> None:
    doc = json.loads(
        program(
            c("a", 1), c("z", 0), n("q", "div", "a", "z"), c("p", "x"), n("w", effect, "p", "q")
        )
    )
    doc["capabilities"] += caps
    (d,) = lx1015(json.dumps(doc))
    assert d.severity is Severity.ERROR and f"`{effect}` at node `w`" in d.message


@pytest.mark.parametrize("catch", ["try_or", "is_error", "try_catch", "type_of"])
def test_error_caught_before_the_effect_is_a_warning(catch: str) -> None:
    inputs = ["q", "a"] if catch == "try_or" else ["q"]
    text = program(
        c("a", 1),
        c("z", 0),
        n("q", "div", "a", "z"),
        n("t", catch, *inputs),
        n("out", "print", "t"),
    )
    (d,) = lx1015(text)
    assert d.severity is Severity.WARNING and d.related == ()


def test_try_or_fallback_passes_an_error_when_the_first_input_is_one() -> None:
    text = program(
        c("a", 1),
        c("z", 0),
        n("q", "div", "a", "z"),
        n("r", "mod", "a", "z"),
        n("t", "try_or", "q", "r"),
        n("out", "print", "t"),
    )
    by_node = {text[d.start : d.end]: d.severity for d in lx1015(text)}
    assert by_node == {'"div"': Severity.WARNING, '"mod"': Severity.ERROR}


def test_error_reaching_an_output_port_is_an_error() -> None:
    text = program(
        c("a", 1),
        n("r", "subgraph_call", "a", value="f"),
        n("out", "print", "r"),
        f=[
            {"id": "x", "op": "input_port", "value": 0},
            c("z", 0),
            n("q", "div", "x", "z"),
            {"id": "o", "op": "output_port", "inputs": ["q"], "value": 0},
        ],
    )
    (d,) = lx1015(text)
    assert d.severity is Severity.ERROR and "output port 0 at node `o`" in d.message


# --- the numeric-string fix ------------------------------------------------------------------


def test_numeric_string_fix_makes_the_program_clean() -> None:
    result = fix_all(case("LX1015_numeric_string_fix"))
    assert [code for code, _ in result.applied] and {c for c, _ in result.applied} == {"LX1015"}
    assert '"value": 12.50' in result.text and '"value": 4}' in result.text
    assert clean_output(result.text) == "[50.0,true,14]\n"
    assert fix_all(result.text).text == result.text


@pytest.mark.parametrize(
    ("literal", "number", "printed"),
    [("7", "7", "8"), ("-2.5", "-2.5", "-1.5"), ("1e2", "1e2", "101.0"), ("0.10", "0.10", "1.1")],
)
def test_numeric_string_keeps_the_digits_as_written(
    literal: str, number: str, printed: str
) -> None:
    text = program(c("s", literal), c("one", 1), n("r", "add", "s", "one"), n("out", "print", "r"))
    (d,) = lx1015(text)
    (fix,) = d.fixes
    assert fix.safe and fix.rank is Evidence.CERTAIN
    assert [e.new_text for e in fix.edits] == [number]
    fixed = fix_all(text).text
    assert f'"value": {number}' in fixed
    assert clean_output(fixed) == printed + "\n"


@pytest.mark.parametrize(
    "literal", ["5 apples", " 5", "1,000", "05", "+5", "0x10", "1_000", "", "NaN"]
)
def test_no_fix_for_a_string_that_is_not_exactly_a_json_number(literal: str) -> None:
    text = program(c("s", literal), c("one", 1), n("r", "add", "s", "one"), n("out", "print", "r"))
    (d,) = lx1015(text)
    assert d.fixes == ()


@pytest.mark.parametrize(
    "other",
    [
        n("o", "concat", "s", "one"),
        n("o", "eq", "s", "one"),
        n("o", "format", "s", value="{}"),
        n("o", "to_num", "s"),
        n("o", "print", "s"),
        n("o", "gt", "s", "word"),  # a string compared with a string
    ],
    ids=lambda node: node["op"],
)
def test_no_fix_when_another_consumer_reads_the_string(other: dict[str, Any]) -> None:
    text = program(
        c("s", "5"),
        c("one", 1),
        c("word", "abc"),
        n("r", "add", "s", "one"),
        other,
        n("all", "sequence", "r", "o", "word"),
        n("out", "print", "all"),
    )
    (d,) = [d for d in lx1015(text) if text[d.start : d.end] == '"add"']
    assert d.fixes == ()


def test_concat_consumer_case_has_no_safe_fix() -> None:
    text = case("LX1015_numeric_string_concat_no_fix")
    assert fix_all(text).text == text


def test_numeric_string_fix_for_ordering_and_range() -> None:
    text = program(
        c("s", "3"),
        c("one", 1),
        n("g", "gt", "s", "one"),
        n("r", "range", "one", "s"),
        n("all", "sequence", "g", "r"),
        n("out", "print", "all"),
    )
    assert all(d.fixes and d.fixes[0].safe for d in lx1015(text))
    assert clean_output(fix_all(text).text) == "[true,[1,2]]\n"


# --- get -> index ----------------------------------------------------------------------------


def test_get_on_a_list_becomes_index() -> None:
    result = fix_all(case("LX1015_get_on_list"))
    assert '"op": "index"' in result.text
    assert clean_output(result.text) == "2\n"


def test_get_on_a_list_or_a_string_is_offered_not_applied() -> None:
    text = case("LX1015_get_on_list_or_text")
    (d,) = lx1015(text)
    (fix,) = d.fixes
    assert not fix.safe and fix.rank is Evidence.LIKELY
    assert fix_all(text).text == text


def test_get_with_a_string_key_on_a_list_has_no_fix() -> None:
    text = program(c("xs", [1, 2]), c("k", "a"), n("g", "get", "xs", "k"), n("out", "print", "g"))
    (d,) = lx1015(text)
    assert d.fixes == ()


def test_string_position_on_a_list_becomes_index_with_the_number() -> None:
    result = fix_all(case("LX1015_index_on_dict"))
    assert '"op": "get", "inputs": ["p", "k"]' in result.text
    assert '"op": "index", "inputs": ["xs", "i"]' in result.text
    assert '{"id": "i", "op": "const", "value": 0}' in result.text
    assert clean_output(result.text) == "[36,5]\n"


def test_string_position_read_as_text_elsewhere_gets_no_fix() -> None:
    text = program(
        c("xs", [5, 6]),
        c("i", "1"),
        n("g", "get", "xs", "i"),
        n("label", "concat", "i", "i"),
        n("all", "sequence", "g", "label"),
        n("out", "print", "all"),
    )
    (d,) = lx1015(text)
    assert d.fixes == ()


def test_index_on_a_dict_or_a_list_is_offered_not_applied() -> None:
    text = program(
        c("coin", 0.5),
        n("r", "random"),
        n("heads", "gt", "r", "coin"),
        c("d", {"a": 1}),
        c("num", 7),
        n("p", "select", "heads", "d", "num"),
        c("k", "a"),
        n("v", "index", "p", "k"),
        n("out", "print", "v"),
    )
    (d,) = lx1015(text)
    (fix,) = d.fixes
    assert not fix.safe and fix.rank is Evidence.LIKELY
    assert fix_all(text).text == text


# --- numbers at integer positions, reduce's initial value -----------------------------------


@pytest.mark.parametrize(
    ("op", "inputs", "literal", "printed"),
    [
        ("take", ["xs", "s"], "2", '["a","b"]'),
        ("drop", ["xs", "s"], "2", '["c"]'),
        ("slice", ["xs", "s"], "1", '["b","c"]'),
        ("index", ["xs", "s"], "-1", '"c"'),
        ("round", ["pi", "s"], "2", "3.14"),
    ],
)
def test_numeric_string_at_an_integer_position_is_made_a_number(
    op: str, inputs: list[str], literal: str, printed: str
) -> None:
    text = program(
        c("xs", ["a", "b", "c"]),
        c("pi", 3.14159),
        c("s", literal),
        n("r", op, *inputs),
        n("t", "to_str", "r"),
        n("out", "print", "t"),
    )
    (d,) = lx1015(text)
    (fix,) = d.fixes
    assert fix.safe and [e.new_text for e in fix.edits] == [literal]
    assert clean_output(fix_all(text).text) == printed.strip('"') + "\n"


@pytest.mark.parametrize("literal", ["2.0", "1e1", "2.5"])
def test_no_fix_when_an_integer_is_needed_and_the_string_is_not_one(literal: str) -> None:
    text = program(
        c("xs", [1, 2, 3]), c("s", literal), n("r", "take", "xs", "s"), n("out", "print", "r")
    )
    (d,) = lx1015(text)
    assert d.fixes == ()


def test_reduce_initial_value_made_a_number() -> None:
    result = fix_all(case("LX1015_reduce_init_string"))
    assert '{"id": "z", "op": "const", "value": 0}' in result.text
    assert '{"id": "one", "op": "const", "value": 1}' in result.text
    # `map` of std:double over strings has no fix: what was meant is not known.
    assert [d.code for d in analyze(result.text).diagnostics if d.code == "LX1015"] == ["LX1015"]


def test_reduce_over_an_empty_or_unknown_list_is_not_reported() -> None:
    text = program(
        c("none", []),
        c("z", "0"),
        n("a", "reduce", "none", "z", value="std:add"),
        c("coin", 0.5),
        n("r", "random"),
        n("heads", "gt", "r", "coin"),
        c("few", [1]),
        n("xs", "select", "heads", "few", "none"),
        n("b", "reduce", "xs", "z", value="std:add"),
        n("all", "sequence", "a", "b"),
        n("out", "print", "all"),
    )
    assert lx1015(text) == []


def test_reduce_fix_needs_the_accumulator_to_need_a_number() -> None:
    # std:concat reads strings: no error; a local subgraph that also prints the accumulator as
    # text gets no fix.
    text = program(
        c("xs", [1, 2]),
        c("z", "0"),
        n("r", "reduce", "xs", "z", value="f"),
        n("out", "print", "r"),
        f=[
            {"id": "acc", "op": "input_port", "value": 0},
            {"id": "x", "op": "input_port", "value": 1},
            n("s", "add", "acc", "x"),
            n("t", "concat", "acc", "x"),
            n("both", "sequence", "s", "t"),
            {"id": "o", "op": "output_port", "inputs": ["s"], "value": 0},
        ],
    )
    (d,) = [d for d in lx1015(text) if d.severity is Severity.ERROR]
    assert "step 0 fails" in d.message and d.fixes == ()


# --- JSON literals written as strings ---------------------------------------------------------


def test_json_list_and_dict_strings_become_values() -> None:
    result = fix_all(case("LX1015_json_string_literal"))
    assert '{"id": "xs", "op": "const", "value": [3, 1, 2]}' in result.text
    assert '{"id": "d", "op": "const", "value": {"a": 1, "b": 2}}' in result.text
    # `t` is read as text by `length` too: kept, and `unique` of it still fails.
    assert '"value": "[1, 2]"' in result.text


def test_json_list_string_fix_prints_the_intended_output() -> None:
    text = program(c("xs", "[3, 1, 2]"), n("s", "sort", "xs"), n("out", "print", "s"))
    (d,) = lx1015(text)
    (fix,) = d.fixes
    assert fix.safe
    assert clean_output(fix_all(text).text) == "[1,2,3]\n"


@pytest.mark.parametrize("literal", ["[1, 2,]", "[NaN]", '{"a": 1, "a": 2}', "[1] x", "3, 1, 2"])
def test_no_literal_fix_for_a_string_that_is_not_exactly_json(literal: str) -> None:
    text = program(c("xs", literal), n("s", "sort", "xs"), n("out", "print", "s"))
    (d,) = lx1015(text)
    assert d.fixes == ()


def test_dict_string_where_a_list_is_needed_gets_no_fix() -> None:
    text = program(c("xs", '{"a": 1}'), n("s", "sort", "xs"), n("out", "print", "s"))
    (d,) = lx1015(text)
    assert d.fixes == ()


# --- numbers with units or separators: the diagnostic only ----------------------------------


@pytest.mark.parametrize("literal", ["5kg", "1,000", "3.5 m", "$3", "1 000"])
def test_unit_or_separator_has_no_fix(literal: str) -> None:
    text = program(c("s", literal), c("one", 1), n("r", "mul", "s", "one"), n("out", "print", "r"))
    (d,) = lx1015(text)
    assert d.severity is Severity.ERROR and d.fixes == ()
    assert fix_all(text).text == text


def test_a_value_too_big_to_fold_is_not_folded() -> None:
    """A dozen `sequence` nodes each repeating the one before ten times describe 10^12 leaves in
    a few KB: the checks fold values only while they are small, so checking takes well under a
    second instead of growing without bound (issue 14's bomb, found hanging `lexis check` and the
    server)."""
    import json
    import time

    from lexis_ls.lang.analysis import analyze

    nodes = [{"id": "s0", "op": "const", "value": "xxxxxxxxxx"}]
    nodes += [{"id": f"s{i}", "op": "sequence", "inputs": [f"s{i - 1}"] * 10} for i in range(1, 13)]
    nodes += [
        {"id": "t", "op": "to_str", "inputs": ["s12"]},
        {"id": "p", "op": "print", "inputs": ["t"]},
    ]
    text = json.dumps(
        {"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": nodes}
    )
    started = time.process_time()
    analysis = analyze(text)
    assert time.process_time() - started < 30  # a hang guard: unbounded (out of memory) before
    assert not analysis.has_errors
