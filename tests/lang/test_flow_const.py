"""The flow check's constants carry the type `type_name` gives their value (``flow.const``
looks the common types up by exact type instead of calling it)."""

from __future__ import annotations

from typing import Any

import pytest

from lexis_ls.lang.checks.flow import const
from lexis_ls.lang.values import ErrorValue, type_name


class _Str(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        0,
        -3,
        2.5,
        float("inf"),
        True,
        False,
        "",
        "x",
        None,
        [],
        [1, "a"],
        {},
        {"k": 1},
        _Str("s"),
        ErrorValue("boom"),
        object(),
    ],
    ids=repr,
)
def test_a_constant_has_the_type_of_its_value(value: Any) -> None:
    abstract = const(value)
    assert abstract.known and abstract.value is value
    assert abstract.types == frozenset({type_name(value)})
