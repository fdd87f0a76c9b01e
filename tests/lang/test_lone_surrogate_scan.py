"""The program hash and the lone-surrogate scan behind it (LX0008): the scan is skipped for a
text that cannot hold one, and done lazily, but the hashes say the same."""

from __future__ import annotations

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.incremental import reanalyze
from lexis_ls.lang.surrogates import text_has_lone_surrogate


def program(value: str) -> str:
    return (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE"], "nodes": [\n'
        f'  {{"id": "a", "op": "const", "value": {value}}},\n'
        '  {"id": "b", "op": "const", "value": 1}\n]}'
    )


@pytest.mark.parametrize(
    ("value", "lone"),
    [
        ('"plain"', False),
        ('"caf\\u00e9"', False),  # an escape, not a surrogate
        ('"café"', False),  # non-ASCII, not a surrogate
        ('"\\ud83d\\ude00"', False),  # a surrogate pair: one code point
        ('"\\uD800"', True),
        ('"x\\udfff"', True),
        ('"x\ud800"', True),  # the code point itself, as an editor may send it
    ],
)
def test_program_hash_exists_exactly_without_a_lone_surrogate(value: str, lone: bool) -> None:
    text = program(value)
    assert text_has_lone_surrogate(text) is lone
    analysis = analyze(text)
    assert (analysis.program_hash() is None) is lone
    assert ("LX0008" in {d.code for d in analysis.diagnostics}) is lone
    # a value edit elsewhere keeps the finding (the incremental path carries it over)
    at = text.rindex('"value": 1') + len('"value": ')
    edited = reanalyze(analysis, at, at + 1, "2")
    assert edited.incremental is not None
    assert (edited.program_hash() is None) is lone
    assert (analyze(edited.text).program_hash() is None) is lone
