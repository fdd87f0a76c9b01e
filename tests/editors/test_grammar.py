"""Runs the VS Code extension's TextMate grammar tests (`npm test` in vscode-extension/):
`vscode-tmgrammar-test` unit cases with `^^^` assertions, and `vscode-tmgrammar-snap` snapshots
of every example program. Installs the extension's npm dependencies first when they are missing
(`npm ci`: needs the npm registry once)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "vscode-extension"
TIMEOUT = 600


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    env = dict(os.environ, npm_config_fund="false", npm_config_audit="false", CI="1")
    return subprocess.run(
        [npm, *args],
        cwd=EXTENSION,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def node_modules() -> Path:
    modules = EXTENSION / "node_modules"
    if not (modules / ".bin" / "vscode-tmgrammar-test").exists():
        result = _npm("ci", "--no-audit", "--no-fund")
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    return modules


def test_grammar_unit_and_snapshot_tests(node_modules: Path) -> None:
    result = _npm("test")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"npm test failed:\n{output}"
    assert "failed" not in output.replace("0 failed", "")
    units = sorted((EXTENSION / "test" / "grammar" / "unit").glob("*.lexis.json"))
    assert units, "no grammar unit tests"
    for unit in units:
        assert unit.name in output, f"{unit.name} did not run"


def test_every_example_has_a_committed_snapshot() -> None:
    examples = sorted((EXTENSION.parent / "examples").glob("*.lexis.json"))
    snap_dir = EXTENSION / "test" / "grammar" / "snap"
    missing = [e.name for e in examples if not (snap_dir / f"{e.name}.snap").exists()]
    assert not missing, f"no snapshot for {missing}: run `npm run test:grammar:update`"
