"""CI's short run of the fuzzer (tests/fuzz, `make fuzz` for the long one): a fixed seed and a
fixed budget of about 75 seconds; it fails when anything is found, and the reproductions are in
tests/fuzz/findings/."""

from __future__ import annotations

import os

from .findings import FINDINGS_DIR
from .run import is_finding, run_all

CI_BUDGET = float(os.environ.get("FUZZ_CI_BUDGET") or 75)
CI_SEED = 13


def test_fuzz_ci_zero_findings() -> None:
    if FINDINGS_DIR.is_dir():
        for path in FINDINGS_DIR.glob("*.json"):
            path.unlink()
    totals = run_all(CI_BUDGET, CI_SEED)
    found = {k: v for k, v in totals.items() if is_finding(k) and v}
    files = sorted(p.name for p in FINDINGS_DIR.glob("*.json")) if FINDINGS_DIR.is_dir() else []
    assert not found, f"fuzz findings {found}; reproductions in {FINDINGS_DIR}: {files}"
