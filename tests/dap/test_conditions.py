"""The expression language of conditional breakpoints and `evaluate`."""

from __future__ import annotations

import pytest

from lexis_ls.dap.conditions import ConditionError, compile_condition, evaluate, ids, parse
from lexis_ls.lang.values import ErrorValue

VALUES = {"sum": 12, "word": "lexis", "flag": False, "xs": [1, 2], "err": ErrorValue("boom", "e")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum > 10", True),
        ("sum <= 10", False),
        ("sum == 12.0", True),
        ('word == "lexis"', True),
        ('word != "lexis"', False),
        ('word < "m"', True),
        ('sum < "m"', False),  # a number and a string are not ordered
        ("xs == [1, 2]", True),
        ("flag == false and sum >= 12", True),
        ("not flag", True),
        ("flag or sum", True),
        ("(flag or sum == 1) and true", False),
        ("missing == null", True),  # not computed yet: null
        ("err", True),  # an error value is truthy
        ("flag == 0", False),  # false is not 0
        ("-1 < sum", True),
    ],
)
def test_conditions_evaluate_against_node_values(text: str, expected: bool) -> None:
    assert compile_condition(text).holds(VALUES) is expected


def test_evaluate_returns_operand_values() -> None:
    assert evaluate(parse("xs"), VALUES) == [1, 2]
    assert evaluate(parse('{"a": [1]}'), {}) == {"a": [1]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sum >", "ends too early"),
        ("sum = 1", "use `==`"),
        ("1 < sum < 3", "do not chain"),
        ("(sum > 1", "expected `)`"),
        ("sum $ 1", "unexpected character"),
        ('"open', "invalid JSON literal"),
        ("-Infinity < sum", "invalid JSON literal"),
        ("sum 1", "unexpected `1`"),
        ("", "ends too early"),
    ],
)
def test_bad_conditions_raise_a_condition_error(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse(text)
    assert message in info.value.message


def test_ids_lists_the_node_ids_read() -> None:
    assert ids(parse('a == 1 and not (b-c > d.e or "x" == f)')) == ["a", "b-c", "d.e", "f"]


@pytest.mark.parametrize(
    "text",
    ["(" * 2000 + "a" + ")" * 2000, "not " * 3000 + "a", " and ".join(["a"] * 3000)],
)
def test_huge_expressions_are_refused_not_a_recursion_error(text: str) -> None:
    """Found by the fuzzer: `evaluate` with 2,000 nested parentheses was an internal error."""
    with pytest.raises(ConditionError, match="too long"):
        parse(text)


def test_expressions_up_to_the_limit_still_work() -> None:
    text = "(" * 40 + "a > 1" + ")" * 40 + " and not not b"
    assert compile_condition(text).holds({"a": 2, "b": True})
