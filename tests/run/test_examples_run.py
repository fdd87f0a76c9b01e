"""Every example that needs no network and no display runs with exactly its expected output,
both in-process and through `lexis run`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLES

from lexis_ls.lang.analysis import analyze
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import HostOptions


def runnable() -> list[Path]:
    out = []
    for path in sorted(EXAMPLES.glob("*.lexis.json")):
        name = path.name.removesuffix(".lexis.json")
        config = json.loads((EXAMPLES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
        if not config.get("skip"):
            out.append(path)
    return out


def config_for(path: Path) -> tuple[dict[str, str], str, str]:
    name = path.name.removesuffix(".lexis.json")
    config = json.loads((EXAMPLES / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    expected = (EXAMPLES / "expected" / f"{name}.stdout").read_text(encoding="utf-8")
    return config.get("params") or {}, config.get("stdin") or "", expected


def test_most_examples_run() -> None:
    assert len(runnable()) >= 15


@pytest.mark.parametrize("path", runnable(), ids=lambda p: p.name)
def test_example_output_in_process(path: Path) -> None:
    params, stdin, expected = config_for(path)
    options = RunOptions(
        host=HostOptions(
            params=params, stdin=io.StringIO(stdin), program_dir=path.parent, timeout=30
        )
    )
    result = Evaluator(analyze(path.read_text(encoding="utf-8")), options).run()
    assert result.status == "ok", result.reason
    assert result.output == expected


@pytest.mark.parametrize("path", runnable(), ids=lambda p: p.name)
def test_example_output_through_the_cli(path: Path) -> None:
    params, stdin, expected = config_for(path)
    argv = [sys.executable, "-m", "lexis_ls.cli", "run", str(path)]
    for k, v in params.items():
        argv += ["--param", f"{k}={v}"]
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert "Traceback" not in proc.stderr
