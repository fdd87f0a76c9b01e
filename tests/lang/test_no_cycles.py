"""An analysis holds no reference cycles: reference counting frees it when its version is
replaced. The language server relies on this when it freezes each analysis out of the cyclic
collector's sight (lexis_ls/server/memory.py); a cycle would be memory lost per edit."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from lexis_ls.lang.analysis import analyze

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [p for p in sorted((ROOT / "examples").glob("*.lexis.json"))] + [
    p for p in sorted((ROOT / "tests" / "cases").rglob("*.lexis.json"))
]


def cyclic_garbage_of(text: str) -> int:
    # A first analysis builds what is built once per process (the shape validator, caches),
    # whose construction may leave cyclic garbage of its own: not what is measured here.
    analyze(text).program_hash()
    gc.collect()
    gc.disable()
    try:
        analysis = analyze(text)
        analysis.diagnostics  # noqa: B018
        analysis.program_hash()
        for node in analysis.program.main.nodes:
            node.syntax.members  # noqa: B018 - materialise the lazily parsed nodes too
        del analysis
        return gc.collect()
    finally:
        gc.enable()


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_dropping_an_analysis_leaves_no_cyclic_garbage(path: Path) -> None:
    assert cyclic_garbage_of(path.read_text(encoding="utf-8")) == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": "const", "value": 1}, {"id": ',
        '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "id": "b", "op": "nope"}]}',
        '[1, 2, {"a": [}',
    ],
)
def test_broken_text_leaves_no_cyclic_garbage(text: str) -> None:
    assert cyclic_garbage_of(text) == 0
