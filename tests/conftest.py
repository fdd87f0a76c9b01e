"""Shared fixtures."""

from __future__ import annotations

import pytest
from helpers import shared_dir


@pytest.fixture
def lexis_md() -> str:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/LEXIS.md not found beside the repository (set LEXIS_SHARED)")
    return (shared / "LEXIS.md").read_text(encoding="utf-8")


@pytest.fixture
def diagnostics_md() -> str:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared/DIAGNOSTICS.md not found beside the repository (set LEXIS_SHARED)")
    return (shared / "DIAGNOSTICS.md").read_text(encoding="utf-8")
