"""OS-enforced limits of `lexis run` (lexis_ls/run/limits.py): the run is a forked child under
RLIMIT_AS and RLIMIT_CPU, killed at the wall-clock deadline; a memory or time stop is reported
as "run stopped …: memory limit / time limit of … reached" with exit code 3, never a traceback.

The programs here are also used by test_limits_server.py and test_limits_dap.py. Every test runs
its bomb under a small memory cap, so a regression cannot swap the machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES

from lexis_ls.run import limits

pytestmark = pytest.mark.skipif(not limits.supported(), reason="no fork/setrlimit here")

SMALL = "300M"
SMALL_TEXT = "memory limit of 300 MiB reached"


def program(nodes: list[dict[str, Any]], caps: tuple[str, ...] = ()) -> str:
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", *caps],
            "nodes": nodes,
        },
        indent=1,
    )


def memory_hog() -> str:
    """Prints "before", then keeps about 600 MB of strings: every value is under the value
    size limit (a 16M-character string of a non-BMP character takes 64 MB), but together they
    are far above 300M. Its parameter `x` is the character to repeat (a parameter, so the
    static checks do not fold the strings)."""
    nodes: list[dict[str, Any]] = [
        {"id": "a", "op": "const", "value": "before"},
        {"id": "p", "op": "print", "inputs": ["a"]},
        {"id": "c0", "op": "param", "value": "x"},
    ]
    for i in range(1, 25):
        nodes.append({"id": f"c{i}", "op": "concat", "inputs": [f"c{i - 1}", f"c{i - 1}"]})
    for i in range(1, 9):
        nodes.append({"id": f"k{i}", "op": "const", "value": str(i)})
        nodes.append({"id": f"e{i}", "op": "concat", "inputs": ["c24", f"k{i}"]})
    nodes.append({"id": "all", "op": "sequence", "inputs": [f"e{i}" for i in range(1, 9)]})
    nodes.append({"id": "n", "op": "length", "inputs": ["all"]})
    nodes.append({"id": "q", "op": "print", "inputs": ["n"]})
    return program(nodes)


HOG_PARAM = "\U0001f600"


def sequence_bomb(tail: str, base: str = "const", levels: int = 12) -> str:
    """The issue's bomb: a dozen `sequence` nodes that each repeat the previous one ten times
    (10^12 leaves, a few KB of program), then `tail` of the last one, printed. With a `const`
    base the static checks see the value too; with `param` (`x`) only the run does."""
    first: dict[str, Any] = (
        {"id": "s0", "op": "const", "value": "xxxxxxxxxx"}
        if base == "const"
        else {"id": "s0", "op": "param", "value": "x"}
    )
    nodes = [first]
    for i in range(1, levels + 1):
        nodes.append({"id": f"s{i}", "op": "sequence", "inputs": [f"s{i - 1}"] * 10})
    nodes.append({"id": "t", "op": tail, "inputs": [f"s{levels}"]})
    nodes.append({"id": "p", "op": "print", "inputs": ["t"]})
    return program(nodes)


def delay_program(seconds: float) -> str:
    return program(
        [
            {"id": "a", "op": "const", "value": "before"},
            {"id": "p", "op": "print", "inputs": ["a"]},
            {"id": "w", "op": "delay", "inputs": ["p"], "value": seconds},
            {"id": "q", "op": "print", "inputs": ["w"]},
        ]
    )


def lexis(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", *args],
        input="",
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    return proc, elapsed


def test_a_timeout_longer_than_the_system_can_count_runs_the_program() -> None:
    # the alarm and the CPU limit are set to the longest the system takes (an OverflowError
    # in the child was an internal error before)
    root = Path(__file__).resolve().parents[2]
    proc, _ = lexis("run", "--timeout", "1e300", str(root / "examples" / "hello.lexis.json"))
    assert proc.returncode == 0 and proc.stdout == "Hello, Lexis!\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- end to end --------------------------------------------------------------------------


def test_a_memory_hog_stops_at_the_memory_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "hog.lexis.json", memory_hog())
    proc, elapsed = lexis(
        "run", path, "--param", f"x={HOG_PARAM}", "--memory", SMALL, "--timeout", "10"
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "before\n"  # what it printed before the stop is kept
    assert "run stopped at node `" in proc.stderr and SMALL_TEXT in proc.stderr
    assert elapsed < 11


def test_a_run_stopped_by_the_memory_limit_still_writes_its_viz_page(tmp_path: Path) -> None:
    """The run's process is killed before it can write the page: the parent writes the graph
    with the reason the run stopped, and no values."""
    path = write(tmp_path, "hog.lexis.json", memory_hog())
    page = tmp_path / "trace.html"
    proc, _ = lexis("run", path, "--param", f"x={HOG_PARAM}", "--memory", SMALL, "--viz", str(page))
    assert proc.returncode == 3, proc.stderr
    html = page.read_text(encoding="utf-8")
    data = json.loads(html.split('id="lexis-graph-data">', 1)[1].split("</script>", 1)[0])
    assert {n["id"] for n in data["nodes"]} >= {"a", "p", "c24", "all", "q"}
    assert data["trace"]["status"] == "stopped"
    assert SMALL_TEXT in data["trace"]["reason"]
    assert data["trace"]["values"] == {}


def test_the_default_memory_limit_lets_the_same_program_run(tmp_path: Path) -> None:
    path = write(tmp_path, "hog.lexis.json", memory_hog())
    proc, _ = lexis("run", path, "--param", f"x={HOG_PARAM}", "--timeout", "20")
    # ~600 MB fits under 1 GiB: the run ends normally (the `sequence` of all of them is over
    # the value size limit: an error value, printed)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("before\n")


@pytest.mark.parametrize("tail", ["to_str", "unique", "eq", "type_of"])
@pytest.mark.parametrize("base", ["const", "param"])
def test_the_issue_bombs_end_within_the_time_limit(tmp_path: Path, tail: str, base: str) -> None:
    text = sequence_bomb(tail, base)
    if tail == "eq":  # eq needs two inputs: the bomb against a copy of itself
        data = json.loads(text)
        data["nodes"][-2]["inputs"] = ["s12", "s11"]
        text = json.dumps(data)
    path = write(tmp_path, "bomb.lexis.json", text)
    params = ["--param", "x=xxxxxxxxxx"] if base == "param" else []  # unknown names: exit 2
    proc, elapsed = lexis("run", path, *params, "--memory", SMALL, "--timeout", "2")
    # stopped by a limit (exit 3), or turned into an error value by the interpreter (exit 0)
    assert proc.returncode in (0, 3), proc.stderr
    if proc.returncode == 3:
        assert "time limit of 2 s reached" in proc.stderr or SMALL_TEXT in proc.stderr
    assert elapsed < 3.0 + 0.5  # time limit + 1 s, and the interpreter's start-up (~0.5 s)


def test_the_const_bomb_is_neither_folded_nor_built(tmp_path: Path) -> None:
    # With a `const` base the static checks see the value too: they fold values only while
    # small (lang/checks/flow.py), and the run makes the too-big value an error value, which
    # `print` writes; before, the checks folded `to_str` of it until killed at the deadline.
    path = write(tmp_path, "bomb.lexis.json", sequence_bomb("to_str", "const"))
    proc, elapsed = lexis("run", path, "--memory", SMALL, "--timeout", "2")
    assert proc.returncode == 0, proc.stderr
    assert "the value is too large" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert elapsed < 2.0 + 0.5


def test_output_is_streamed_while_the_run_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path, "slow.lexis.json", delay_program(30))
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lexis_ls.cli", "run", path, "--timeout", "3"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "before\n"
        assert proc.poll() is None  # printed while the run is still in its `delay`
        assert time.monotonic() - started < 2.5
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 3
    assert "run stopped at node `w`: time limit of 3 s reached" in err


def test_normal_examples_run_under_a_small_limit() -> None:
    for name in ("hello", "fizzbuzz", "map_filter_reduce", "subgraphs", "meta_eval"):
        proc, _ = lexis("run", str(EXAMPLES / f"{name}.lexis.json"), "--memory", "128M")
        assert proc.returncode == 0, (name, proc.stderr)
        expected = EXAMPLES / "expected" / f"{name}.stdout"
        if expected.exists():
            assert proc.stdout == expected.read_text(), name


def test_debug_tells_the_run_process_peak_memory() -> None:
    proc, _ = lexis("run", str(EXAMPLES / "hello.lexis.json"), "--debug")
    assert proc.returncode == 0
    assert "[run] peak RSS " in proc.stderr


@pytest.mark.parametrize("size", ["lots", "1X", "10M", "2T", "-1G", ""])
def test_bad_memory_sizes_are_usage_errors(size: str) -> None:
    proc, _ = lexis("run", str(EXAMPLES / "hello.lexis.json"), "--memory", size)
    assert proc.returncode == 2
    assert "--memory" in proc.stderr


# --- the pieces --------------------------------------------------------------------------


def test_parse_size() -> None:
    assert limits.parse_size("512M") == 512 << 20
    assert limits.parse_size("2G") == 2 << 30
    assert limits.parse_size("1.5GiB") == 3 << 29
    assert limits.parse_size(" 300mb ") == 300 << 20
    assert limits.parse_size("256") == 256 << 20  # a bare number is MiB
    for bad in ("", "G", "1 2G", "1e9", "10M", "2T"):
        with pytest.raises(ValueError):
            limits.parse_size(bad)
    assert limits.format_size(limits.DEFAULT_MEMORY) == "1 GiB"
    assert limits.format_size(300 << 20) == "300 MiB"
    assert limits.size_setting(512) == 512 << 20
    assert limits.size_setting("2G") == 2 << 30
    assert limits.size_setting(True) is None and limits.size_setting("junk") is None


def _stuck_in_c(status_fd: int) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT})
    time.sleep(60)  # interrupted by nothing the child handles
    return 0


def test_a_child_stuck_where_no_check_reaches_is_killed() -> None:
    outcome = limits.run_forked(_stuck_in_c, memory=256 << 20, timeout=1.0)
    assert outcome.kind == "time" and outcome.reason == "time limit of 1 s reached"
    assert outcome.wall < 1.0 + 1.0


def _allocate(status_fd: int) -> int:
    blocks = [bytearray(50 << 20) for _ in range(40)]  # 2 GB
    return len(blocks)


def test_a_child_over_the_memory_limit_is_reported() -> None:
    outcome = limits.run_forked(_allocate, memory=256 << 20, timeout=10.0)
    assert outcome.kind == "memory" and outcome.reason == "memory limit of 256 MiB reached"
    # a forked child starts with the parent's resident pages (a long pytest run holds a few
    # hundred MB): the limit bounds what the child adds to them
    assert outcome.peak_rss < (256 << 20) + limits.peak_rss()


def _spin(status_fd: int) -> int:
    limits.apply_cpu(0.5)
    return sum(range(10**12))  # in C: no signal handler runs, SIGXCPU ends it


def test_the_cpu_limit_ends_a_child_whose_parent_would_wait_longer() -> None:
    outcome = limits.run_forked(_spin, memory=256 << 20, timeout=30.0)
    assert outcome.kind == "time" and outcome.reason is not None
    assert "CPU time" in outcome.reason
    assert outcome.wall < 5


def test_a_child_ends_with_its_exit_code() -> None:
    assert limits.run_forked(lambda fd: 5, memory=256 << 20, timeout=5.0).code == 5
    assert os.getpid() > 0  # and the parent is still here
