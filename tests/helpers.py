"""Paths shared by the tests (importable as `helpers`: pyproject puts tests/ on the path)."""

from __future__ import annotations

import os
import subprocess
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


def apt_install(*packages: str) -> str:
    """Installs Debian packages; the output of the last apt-get, for error messages."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = ""
    for attempt in ("install", "update", "install"):
        args = ["apt-get", "update"] if attempt == "update" else ["apt-get", "install", "-y"]
        if attempt == "install":
            args += ["--no-install-recommends", *packages]
        try:
            proc = subprocess.run(
                args, env=env, capture_output=True, text=True, timeout=900, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(args)}: {exc}"
        log = f"$ {' '.join(args)}\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        if attempt == "install" and proc.returncode == 0:
            break
    return log
