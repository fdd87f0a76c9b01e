"""``model.valid_id``, which the id check (LX1006) uses for every node, accepts exactly the ids
``ID_PATTERN`` matches."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lexis_ls.lang.model import ID_PATTERN, valid_id

# the pattern's own characters, the ones next to them in ASCII, and a few beyond it
CHARS = st.sampled_from([*"aZz_09.-/:@`[{ \n\té", "\u212a", "\U0001d400", "\x00"])


@settings(max_examples=500, deadline=None)
@given(st.text(CHARS, max_size=6))
@example("")
@example("std:double")
@example("n0")
@example("_a.b-c")
@example("0a")
@example("a\n")
def test_valid_id_is_the_pattern(nid: str) -> None:
    assert valid_id(nid) == (ID_PATTERN.fullmatch(nid) is not None)
