"""Paths shared by the tests (importable as `helpers`: pyproject puts tests/ on the path)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) made unwritable even for root: ``chattr +i`` as root (root
    ignores permission bits), the write bits removed otherwise. Skips when neither works."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("running as root without chattr: nothing here can refuse root a write")
        proc = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {proc.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
    else:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)


def leftovers(folder: Path) -> list[str]:
    """The temporary files an atomic write left behind in ``folder`` (none, if it cleaned up)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def lexis_cli(
    *args: str, stdin: str = "", cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``lexis ARGS`` in a subprocess (text in and out); never a traceback on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc
