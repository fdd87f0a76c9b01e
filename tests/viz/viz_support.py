"""Shared by the tests of `lexis viz` / `lexis run --viz` and of the page in Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from helpers import lexis_cli

DATA_RE = re.compile(
    r'<script type="application/json" id="lexis-graph-data">(.*?)</script>', re.DOTALL
)
CSP_RE = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def lexis(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return lexis_cli(*args, stdin=stdin, cwd=cwd, timeout=120)


def page_data(page: str) -> dict[str, Any]:
    """The GraphData embedded in a page."""
    found = DATA_RE.findall(page)
    assert len(found) == 1, "exactly one embedded GraphData element"
    data: dict[str, Any] = json.loads(found[0])
    return data


def page_csp(page: str) -> str:
    m = CSP_RE.search(page)
    assert m is not None, "the page has a Content-Security-Policy meta tag"
    return html.unescape(m.group(1))
