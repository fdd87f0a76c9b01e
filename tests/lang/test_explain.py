"""Every code has an explain page, and each page's example really triggers its code."""

from __future__ import annotations

import re

import pytest

from lexis_ls.lang.analysis import Options, analyze
from lexis_ls.lang.diagnostics import CODES, explain_page, explain_summary

RUNTIME_CODES = {"LX4001", "LX4002"}


def test_every_documented_code_is_registered(diagnostics_md: str) -> None:
    documented = re.findall(r"^\| (LX\d{4}) \| (\w)", diagnostics_md, re.M)
    severities = {"E": "error", "W": "warning", "I": "information", "H": "hint"}
    assert {c: severities[s] for c, s in documented} == {
        c: i.severity.value for c, i in CODES.items()
    }


@pytest.mark.parametrize("code", sorted(CODES))
def test_page_structure(code: str) -> None:
    page = explain_page(code)
    assert page is not None
    assert page.startswith(f"# {code}: ")
    for heading in ("## Why it matters", "## Example", "## How to fix"):
        assert heading in page
    assert "machine-applicable:" in page
    assert len(explain_summary(code)) > 20


@pytest.mark.parametrize("code", sorted(set(CODES) - RUNTIME_CODES))
def test_page_example_triggers_its_code(code: str) -> None:
    page = explain_page(code)
    assert page is not None
    blocks = re.findall(r"```json\n(.*?)```", page, re.S)
    assert blocks, f"{code}: no json example"
    options = Options(trust_ceiling=2) if code == "LX2008" else Options()
    found = {d.code for d in analyze(blocks[0], options).diagnostics}
    assert code in found, f"{code} example produced {sorted(found)}"


@pytest.mark.parametrize("code", sorted(RUNTIME_CODES))
def test_runtime_code_examples_are_statically_clean(code: str) -> None:
    """LX4xxx appear only after a run: their examples must pass the static checks."""
    page = explain_page(code)
    assert page is not None
    block = re.findall(r"```json\n(.*?)```", page, re.S)[0]
    errors = [d for d in analyze(block).diagnostics if d.severity.value == "error"]
    assert errors == []


def test_unknown_code_has_no_page() -> None:
    assert explain_page("LX9999") is None
