"""`lexis run` end to end: output, parameters, stdin, exit codes 0/1/2/3, --debug, --trace-json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers import EXAMPLES, lexis_cli


def lexis(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return lexis_cli(*args, stdin=stdin, cwd=cwd, timeout=60)


def test_hello() -> None:
    proc = lexis("run", str(EXAMPLES / "hello.lexis.json"))
    assert proc.returncode == 0
    assert proc.stdout == (EXAMPLES / "expected" / "hello.stdout").read_text()


def test_params_and_stdin() -> None:
    proc = lexis(
        "run", str(EXAMPLES / "params.lexis.json"), "--param", "name=Ada", "--param", "count=3"
    )
    assert (
        proc.returncode == 0
        and proc.stdout == (EXAMPLES / "expected" / "params.stdout").read_text()
    )
    proc = lexis("run", str(EXAMPLES / "stdin.lexis.json"), stdin="Ada\n41\n")
    assert proc.stdout == (EXAMPLES / "expected" / "stdin.stdout").read_text()


def test_refused_program_exits_1_with_findings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.lexis.json"
    bad.write_text(
        '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [{"id": "a", "op": "const", "value": 1}]}'
    )
    proc = lexis("run", str(bad))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "LX2001" in proc.stderr and "not run" in proc.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert lexis("run", str(tmp_path / "missing.lexis.json")).returncode == 2
    assert lexis("run", str(EXAMPLES / "hello.lexis.json"), "--param", "novalue").returncode == 2
    assert lexis("run", str(EXAMPLES / "hello.lexis.json"), "--timeout", "0").returncode == 2


def test_limit_exits_3(tmp_path: Path) -> None:
    slow = tmp_path / "slow.lexis.json"
    slow.write_text(
        json.dumps(
            {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
                "nodes": [
                    {"id": "a", "op": "const", "value": "before"},
                    {"id": "p", "op": "print", "inputs": ["a"]},
                    {"id": "w", "op": "delay", "inputs": ["p"], "value": 30},
                    {"id": "q", "op": "print", "inputs": ["w"]},
                ],
            }
        )
    )
    proc = lexis("run", str(slow), "--timeout", "0.3")
    assert proc.returncode == 3
    assert proc.stdout == "before\n"
    assert "run stopped at node `w`: time limit of 0.3 s reached" in proc.stderr


def test_error_values_still_exit_0() -> None:
    proc = lexis("run", str(EXAMPLES / "errors.lexis.json"), "--param", "divisor=0")
    assert proc.returncode == 0


def test_debug_and_trace_json(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    proc = lexis("run", str(EXAMPLES / "hello.lexis.json"), "--debug", "--trace-json", str(trace))
    assert proc.returncode == 0
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[debug]")]
    data = json.loads(trace.read_text())
    assert len(lines) == len(data["nodes"]) > 0
    first = data["nodes"][0]
    assert lines[0] == f"[debug] {first['id']} = {first['op']} -> {first['value']}"
    assert set(first) == {"id", "op", "value", "duration_ms", "hash"}
    assert all(len(n["hash"]) == 64 for n in data["nodes"])
    assert data["status"] == "ok" and len(data["program_hash"]) == 64


def test_files_are_confined_to_the_fs_root(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    prog_dir = tmp_path / "prog"
    prog_dir.mkdir()
    prog = prog_dir / "read.lexis.json"
    prog.write_text(
        json.dumps(
            {
                "spec": "lexis-0.1.0",
                "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
                "nodes": [
                    {"id": "f", "op": "const", "value": "../secret.txt"},
                    {"id": "r", "op": "read_file", "inputs": ["f"]},
                    {"id": "p", "op": "print", "inputs": ["r"]},
                ],
            }
        )
    )
    proc = lexis("run", str(prog))
    assert "outside the allowed folder" in proc.stdout and "secret\n" not in proc.stdout
    proc = lexis("run", str(prog), "--fs-root", str(tmp_path))
    assert proc.stdout == "secret\n"
