#!/usr/bin/env python3
"""Puts lexis-ls and its dependencies into ``bundled/libs`` for one VS Code platform target.

    python3 scripts/bundle-libs.py --target linux-x64 [--python 3.11,3.12,3.13]

The VSIX then carries the server, as Microsoft's Python tool extensions (Black, Pylint, isort:
vscode-python-tools-extension-template) carry their tools: the extension runs the user's
Python 3.11+ with ``PYTHONPATH=<extension>/bundled/libs/cp3XX`` when no interpreter it finds
has lexis-ls already. Several of the dependencies are compiled (blake3, orjson, rapidfuzz,
rpds-py), so there is one folder per Python version, each a complete ``pip install --target``
of wheels for that version and the target's platform. ``bundled/libs/manifest.json`` lists
the folders; the extension picks the one that matches the interpreter.

lexis-ls itself is built from this checkout as a wheel (``pip wheel --no-deps``), so the VSIX
always holds the server of the same commit. Only wheels are used (``--only-binary=:all:``): a
dependency without a wheel for the target fails the build instead of compiling for the wrong
platform. Needs pip and the package index (or a pip configuration pointing at a mirror).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
ROOT = EXTENSION.parent
OUT = EXTENSION / "bundled" / "libs"

# VS Code's platform targets (vsce --target) -> pip platform tags.
PLATFORMS = {
    "linux-x64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "linux-arm64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
    "alpine-x64": ["musllinux_1_1_x86_64", "musllinux_1_2_x86_64"],
    "alpine-arm64": ["musllinux_1_1_aarch64", "musllinux_1_2_aarch64"],
    "darwin-x64": ["macosx_10_12_x86_64", "macosx_10_15_x86_64", "macosx_11_0_x86_64"],
    "darwin-arm64": ["macosx_11_0_arm64"],
    "win32-x64": ["win_amd64"],
    "win32-arm64": ["win_arm64"],
}
DEFAULT_PYTHONS = "3.11,3.12,3.13"


def run(cmd: list[str]) -> None:
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, choices=sorted(PLATFORMS))
    parser.add_argument(
        "--python", default=DEFAULT_PYTHONS, help=f"Python versions (default {DEFAULT_PYTHONS})"
    )
    args = parser.parse_args(argv)
    versions = [v.strip() for v in args.python.split(",") if v.strip()]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp, str(ROOT)])
        wheels = sorted(Path(tmp).glob("lexis_ls-*.whl"))
        if len(wheels) != 1:
            print(f"bundle-libs: expected one lexis_ls wheel, found {wheels}", file=sys.stderr)
            return 1
        folders = {}
        for version in versions:
            tag = "cp" + version.replace(".", "")
            dest = OUT / tag
            cmd = [*pip, "install", "--quiet", "--no-compile", "--target", str(dest)]
            cmd += ["--only-binary=:all:", "--implementation", "cp", "--python-version", version]
            for platform in PLATFORMS[args.target]:
                cmd += ["--platform", platform]
            run([*cmd, str(wheels[0])])
            # Console scripts carry this machine's interpreter path; the extension runs
            # `python -m lexis_ls` instead.
            shutil.rmtree(dest / "bin", ignore_errors=True)
            for cache in dest.rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)
            folders[version] = tag
    version = wheels[0].name.split("-")[1]
    manifest = {"target": args.target, "lexisLs": version, "python": folders}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"bundle-libs: {args.target}: lexis-ls {version} for Python {', '.join(versions)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
