"""Findings, their fixes and edits, spans, positions and flow's abstract values are frozen
values in both the compiled core and the plain sources (they have initialisers of their own, as
lexis_ls/lang/text.py explains at COMPILED): built by keyword or position with the defaults of their fields, equal and hashed by
value, never assignable, and copied with changes by dataclasses.replace."""

from __future__ import annotations

import dataclasses

import pytest

from lexis_ls.lang.checks.flow import Abs
from lexis_ls.lang.diagnostics import (
    Diagnostic,
    Evidence,
    Fix,
    Related,
    Scope,
    Severity,
    TextEdit,
    make,
)
from lexis_ls.lang.text import Position, Span

EDIT = TextEdit(3, 5, '"a"')
FIX = Fix("Merge into `a`", (EDIT,), scope=Scope.PROGRAM)
RELATED = Related(1, 2, "here")
FINDING = make("LX3002", 3, 5, "same", "hint", related=[RELATED], fixes=[FIX])
VALUES = [EDIT, FIX, RELATED, FINDING, Abs(frozenset({"int"}), True, 3), Span(2, 4), Position(1, 0)]


def test_fields_and_defaults() -> None:
    assert (EDIT.start, EDIT.end, EDIT.new_text) == (3, 5, '"a"')
    assert (FIX.safe, FIX.evidence, FIX.scope) == (False, Evidence.LIKELY, Scope.PROGRAM)
    assert (
        Diagnostic("LX3002", 3, 5, "same", ("hint",), (RELATED,), (FIX,), Severity.INFORMATION)
        == FINDING
    )
    assert Diagnostic("LX0001", 0, 1, "m").severity is Severity.ERROR
    assert Diagnostic("LX0001", 0, 1, "m").hints == ()
    assert Abs(frozenset()) == Abs(types=frozenset(), known=False, value=None, error=False)
    assert dataclasses.asdict(EDIT) == {"start": 3, "end": 5, "new_text": '"a"'}
    assert (Span(2, 4).start, Span(2, 4).end, 3 in Span(2, 4)) == (2, 4, True)
    assert Position(line=1, character=0) == Position(1, 0)


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_frozen_equal_hashable_replaceable(value: object) -> None:
    first = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, getattr(value, first))
    copy = dataclasses.replace(value)  # type: ignore[type-var]
    assert copy == value and copy is not value and hash(copy) == hash(value)
    assert len({value, copy}) == 1
