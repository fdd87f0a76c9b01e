"""The committed page bundle (lexis_ls/viz/static/graph.js + graph.css, inlined by `lexis viz`)
is exactly what a fresh production build of vscode-extension/webview/ gives (esbuild's output
is deterministic): nobody changed the page's source without rebuilding it, or the reverse."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"
STATIC = ROOT / "lexis_ls" / "viz" / "static"


def test_committed_bundle_equals_a_fresh_build(tmp_path: Path) -> None:
    if not (EXTENSION / "node_modules" / "esbuild").is_dir():
        pytest.skip("vscode-extension/node_modules is not installed (npm ci there to check)")
    node = shutil.which("node")
    assert node is not None, "node_modules is installed but node is not on PATH"
    proc = subprocess.run(
        [node, "esbuild.js", "--production", "--page", f"--outdir={tmp_path}"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("graph.js", "graph.css"):
        fresh = (tmp_path / name).read_bytes()
        committed = (STATIC / name).read_bytes()
        assert fresh == committed, (
            f"lexis_ls/viz/static/{name} differs from a fresh build of vscode-extension/webview/: "
            "run `cd vscode-extension && node esbuild.js --production --page` and commit it"
        )
