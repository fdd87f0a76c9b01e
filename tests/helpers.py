"""Paths shared by the tests (importable as `helpers`: pyproject puts tests/ on the path)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# LEXIS.md section 1's program (add two constants, print the sum), the tests' usual clean text
SECTION1 = (ROOT / "tests" / "fixtures" / "cli" / "section1.lexis.json").read_text(encoding="utf-8")


def shared_dir() -> Path | None:
    """The project's shared/ folder (LEXIS.md, DIAGNOSTICS.md): beside the clone in CI."""
    candidates = [
        os.environ.get("LEXIS_SHARED"),
        ROOT.parent / "shared",
        ROOT.parent.parent / "shared",
    ]
    for c in candidates:
        if c and (Path(c) / "LEXIS.md").is_file():
            return Path(c)
    return None
