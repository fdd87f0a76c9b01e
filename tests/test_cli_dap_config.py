"""The debug adapter reads the project configuration of the program it debugs (issue 17 item
3): trust ceiling and ``[run]`` settings from ``lexis.toml``, launch arguments winning, and the
file's problems in the debug console. Driven over real pipes with the DAP test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dap_support import DapClient


@pytest.fixture
def dap() -> Iterator[Any]:
    client = DapClient()
    try:
        yield client
    finally:
        client.close()


READER = {
    "spec": "lexis-0.1.0",
    "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
    "nodes": [
        {"id": "p", "op": "const", "value": "../data/note.txt"},
        {"id": "r", "op": "read_file", "inputs": ["p"]},
        {"id": "o", "op": "print", "inputs": ["r"]},
    ],
}


def _setup(tmp_path: Path, config: str) -> Path:
    program = tmp_path / "prog" / "p.lexis.json"
    program.parent.mkdir()
    program.write_text(json.dumps(READER), encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "note.txt").write_text("from data", encoding="utf-8")
    (tmp_path / "lexis.toml").write_text(config, encoding="utf-8")
    return program


def _launch(dap: Any, program: Path, **launch: Any) -> dict[str, Any]:
    dap.request("initialize", {"adapterID": "lexis", "clientID": "test"})
    dap.event("initialized")
    return dap.request_raw("launch", {"program": str(program), **launch})


def _run_to_end(dap: Any) -> str:
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    dap.finish()
    return str(dap.output())


def test_fs_root_comes_from_the_configuration(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, '[run]\nfs-root = "."\n')
    assert _launch(dap, program)["success"] is True
    assert _run_to_end(dap) == "from data\n"


def test_launch_fs_root_wins_over_the_configuration(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, '[run]\nfs-root = "."\n')
    assert _launch(dap, program, fsRoot=str(program.parent))["success"] is True
    assert "is outside the allowed folder" in _run_to_end(dap)


def test_trust_ceiling_comes_from_the_configuration(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, "trust-ceiling = 0\n")
    response = _launch(dap, program)
    assert response["success"] is False
    assert "cannot debug p.lexis.json" in response["message"]
    assert "trust" in response["message"]


def test_launch_trust_ceiling_wins(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, 'trust-ceiling = 0\n[run]\nfs-root = "."\n')
    assert _launch(dap, program, trustCeiling=3)["success"] is True
    assert _run_to_end(dap) == "from data\n"


def test_configuration_problems_are_shown_in_the_debug_console(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, 'colour = "red"\n[run]\nfs-root = "."\n')
    assert _launch(dap, program)["success"] is True
    body = dap.event("output", where=lambda b: b.get("category") == "stderr")
    assert body["output"].endswith(
        "lexis.toml:1:1: warning: unknown key `colour` (known keys: trust-ceiling, select, "
        "extend-select, ignore, include, exclude, per-file-ignores, run)\n"
    )
    assert _run_to_end(dap) == "from data\n"  # the valid settings still apply


def test_output_limit_comes_from_the_configuration(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, '[run]\nfs-root = "."\noutput-limit = 4\n')
    assert _launch(dap, program)["success"] is True
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    exited = dap.event("exited")["exitCode"]
    assert exited != 0  # the run was stopped
    assert "from data" not in dap.output()
    with dap.cond:
        said = "".join(
            (m.get("body") or {}).get("output", "")
            for m in dap.messages
            if m.get("event") == "output"
        )
    assert "output limit of 4 characters reached" in said


def test_the_configuration_fs_root_wins_over_the_editor_default(dap: Any, tmp_path: Path) -> None:
    """VS Code passes its workspace folder as `defaultFsRoot`: lexis.toml's `fs-root` wins."""
    program = _setup(tmp_path, '[run]\nfs-root = "."\n')
    assert _launch(dap, program, defaultFsRoot=str(program.parent))["success"] is True
    assert _run_to_end(dap) == "from data\n"


def test_the_editor_default_fs_root_applies_without_configuration(dap: Any, tmp_path: Path) -> None:
    program = _setup(tmp_path, "")
    assert _launch(dap, program, defaultFsRoot=str(tmp_path))["success"] is True
    assert _run_to_end(dap) == "from data\n"  # ../data is inside the default root
