""" "Did you mean" suggestions (lexis_ls/lang/suggest.py): the one-call rapidfuzz version gives
exactly what comparing the name with each candidate in turn gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lexis_ls.lang.suggest import distance, suggestions


def one_by_one(name: str, candidates: list[str], most: int = 3) -> list[str]:
    """The definition: each candidate compared in turn."""
    lowered = name.lower()
    pool = [c for c in candidates if c != name]
    for c in pool:
        if c.lower() == lowered:
            return [c]
    limit = max(1, min(3, len(name) // 3))
    scored = []
    for c in pool:
        if len(name) < 3 and (not c or not lowered or c[0].lower() != lowered[0]):
            continue
        d = distance(lowered, c.lower(), limit)
        if d <= limit:
            scored.append((d, c))
    scored.sort()
    out = [c for _, c in scored]
    if len(lowered) >= 3:
        for c in pool:
            cl = c.lower()
            if c not in out and (
                cl.endswith(":" + lowered) or (lowered in cl and len(cl) - len(lowered) <= 4)
            ):
                out.append(c)
    return out[:most]


NAMES = st.text(alphabet="abcABC:_1İıßẞ", max_size=8)


@settings(max_examples=2000, deadline=None)
@given(NAMES, st.lists(NAMES, max_size=15))
def test_same_as_one_by_one(name: str, candidates: list[str]) -> None:
    assert suggestions(name, candidates) == one_by_one(name, candidates)


def test_examples() -> None:
    ids = [f"n{i}" for i in range(5000)]
    assert suggestions("n4999x", ids) == ["n4999", "n1999", "n2999"]  # distance 1, then 2
    assert suggestions("Total", ["total", "totals"]) == ["total"]
    assert suggestions("double", ["std:double", "std:square"]) == ["std:double"]
    assert suggestions("ab", ["xb", "ac"]) == ["ac"]  # a short name keeps its first letter
