"""Every example program passes `lexis check` with no error and no warning, and is formatted."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import EXAMPLES

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.format import format_text

PROGRAMS = sorted(EXAMPLES.glob("*.lexis.json"))


def test_there_are_enough_examples() -> None:
    assert len(PROGRAMS) >= 15
    assert (EXAMPLES / "hello.lexis.json").is_file()


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_example_is_clean(path: Path) -> None:
    analysis = analyze(path.read_text(encoding="utf-8"))
    serious = [
        (d.code, analysis.position(d.start).line + 1, d.message)
        for d in analysis.diagnostics
        if d.severity.value in ("error", "warning")
    ]
    assert serious == []
    assert analysis.internal_errors == []
    assert analysis.program_hash() is not None


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_example_is_in_canonical_layout(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_text(text).text == text


def test_examples_cover_every_tier() -> None:
    tiers = set()
    from lexis_ls.lang.opcodes import OPCODES

    for path in PROGRAMS:
        for node in analyze(path.read_text(encoding="utf-8")).program.all_nodes():
            if node.op in OPCODES:
                tiers.add(OPCODES[node.op].tier)
    assert tiers == {1, 2, 3, 4, 5}
