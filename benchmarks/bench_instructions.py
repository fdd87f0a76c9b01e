"""Instructions per full analysis, counted by callgrind: a measure of the analysis's work that
does not move with this machine's slow phases (wall-clock times here swing up to twice).

Runs the analysis of a generated program (`bench_lsp.generate`, the documents of the keystroke
benchmark) under `valgrind --tool=callgrind` once with one analysis and once with three, and
prints half the difference: the instructions of one analysis, with the whole process's warm-up
taken out. With the compiled core, it also prints each phase's instructions (the compiled entry
points the analysis calls: parse, model, each check, the fix policy).

Needs valgrind (`apt-get install valgrind`); about a minute at 10k nodes. Not part of CI.

Run: `make bench-instructions` or `.venv/bin/python benchmarks/bench_instructions.py [--size 10000]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What each run executes: `count` analyses of the generated program, after the imports.
_PROGRAM = """
import gc, sys
sys.path[:0] = [{root!r}, {bench!r}]
from bench_lsp import generate
from lexis_ls.lang.analysis import analyze
text = generate({size})
for _ in range({count}):
    analysis = analyze(text)
    del analysis
    gc.collect()
"""

# `callgrind_annotate --inclusive=yes` lines: "1,234,567 (12.34%)  file:function [object]"
_LINE = re.compile(r"\s*([\d,]+) \([^)]*\)\s+(\S+)")


def run(size: int, count: int, out: Path) -> int:
    """The instructions callgrind counted for the whole process."""
    program = _PROGRAM.format(
        root=str(ROOT), bench=str(ROOT / "benchmarks"), size=size, count=count
    )
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-c",
            program,
        ],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def phases(out: Path) -> dict[str, int]:
    """Inclusive instructions of the compiled entry points (``CPyPy_module___function``)."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, int] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        name = m.group(2).split(":")[-1].split("'")[0]
        if name.startswith("CPyPy_"):
            found[name] = found.get(name, 0) + int(m.group(1).replace(",", ""))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="nodes (default 10000)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        print("bench_instructions: needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    from lexis_ls.lang import native

    print(f"analysis core: {native.status()}; program: {args.size:,} nodes")
    with tempfile.TemporaryDirectory() as tmp:
        one, three = Path(tmp) / "one.out", Path(tmp) / "three.out"
        total = (run(args.size, 3, three) - run(args.size, 1, one)) // 2
        print(f"one full analysis (and freeing it): {total / 1e6:,.1f}M instructions")
        before, after = phases(one), phases(three)
    rows = {k: (after.get(k, 0) - before.get(k, 0)) // 2 for k in after}
    rows = {k: v for k, v in rows.items() if v >= 100_000}
    if rows:
        print("\nphase (compiled entry point)              M instructions")
        for name, count in sorted(rows.items(), key=lambda kv: -kv[1]):
            label = name.removeprefix("CPyPy_").replace("___", ".")
            print(f"{label:<42} {count / 1e6:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
