"""Every code has an explain page, and each page's example really triggers its code."""

from __future__ import annotations

import re

import pytest

from lexis_ls.lang.analysis import Options, analyze
from lexis_ls.lang.diagnostics import CODES, explain_page, explain_summary
from lexis_ls.lang.repair.policy import POLICY_TEXT

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


@pytest.mark.parametrize("code", sorted(CODES))
def test_pages_with_machine_applicable_fixes_quote_the_fix_safety_policy(code: str) -> None:
    """The policy lives in one place (lang/repair/policy.py); every page whose fixes a tool may
    apply quotes it word for word, so `lexis explain` and the editor's link say the same."""
    page = explain_page(code)
    assert page is not None
    if "machine-applicable: yes" not in page:
        return
    assert "## Fix safety" in page
    quoted = " ".join(
        line[2:] for line in page.split("## Fix safety", 1)[1].splitlines() if line.startswith("> ")
    )
    assert quoted == " ".join(POLICY_TEXT.split())


def test_the_policy_text_is_the_one_diagnostics_md_states(diagnostics_md: str) -> None:
    """Each rule of the quoted policy is a rule of DIAGNOSTICS.md's "Fix safety" section."""
    section = " ".join(diagnostics_md.split("**Fix safety.**", 1)[1].split())
    for rule in (
        "A placeholder never makes a program clean",
        "A fix that drops a reference to a value",
        "for names of four letters or fewer a one-letter substitution is no evidence",
        "No whole-program fix",
    ):
        assert rule in section
        assert rule in " ".join(POLICY_TEXT.split())
