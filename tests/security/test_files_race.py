"""Issue 14 item 3: file confinement holds while another process swaps a folder inside the root
for a symlink to the outside (``renameat2(RENAME_EXCHANGE)``, or plain renames where that call
is missing). Every read gives the inside bytes or an error value — never a byte from outside,
never an exception — and no write ever lands outside.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.values import ErrorValue
from lexis_ls.run.core import SimpleCall
from lexis_ls.run.evaluator import Evaluator, RunOptions
from lexis_ls.run.host import Host, HostOptions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlink swaps need POSIX")

SECRET = "OUTSIDE-SECRET"
INSIDE = "inside bytes"

# The swapping process: exchanges `dir` (a folder) and `swap` (a symlink to the outside
# folder) in a loop until its stdin closes; counts its swaps on stdout.
SWAPPER = r"""
import ctypes, os, sys, threading
root = sys.argv[1]
os.chdir(root)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
libc = ctypes.CDLL(None, use_errno=True)
exchange = getattr(libc, "renameat2", None)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
count = 0
if exchange is not None and exchange(AT_FDCWD, b"dir", AT_FDCWD, b"swap", RENAME_EXCHANGE) == 0:
    count += 1
    while not stop.is_set():
        if exchange(AT_FDCWD, b"dir", AT_FDCWD, b"swap", RENAME_EXCHANGE) == 0:
            count += 1
else:
    target = os.readlink("swap")
    while not stop.is_set():
        try:
            os.rename("dir", "held")
            os.symlink(target, "dir")
            os.unlink("dir")
            os.rename("held", "dir")
            count += 1
        except OSError:
            pass
print(count, "renameat2" if exchange is not None else "rename")
"""


@pytest.fixture
def swapped(tmp_path: Path) -> Iterator[tuple[Path, Path, list[str]]]:
    """(root, outside, report): a root whose `dir` keeps being swapped for a symlink out."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "dir").mkdir(parents=True)
    outside.mkdir()
    (root / "dir" / "data.txt").write_text(INSIDE)
    (outside / "data.txt").write_text(SECRET)
    (root / "swap").symlink_to(outside)
    proc = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    report: list[str] = []
    try:
        time.sleep(0.1)  # let it start swapping
        yield root, outside, report
    finally:
        out, _ = proc.communicate("", timeout=20)
        report.append(out)


def host_for(root: Path) -> Host:
    return Host(HostOptions(program_dir=root, timeout=60))


def test_reads_never_see_outside_bytes(swapped: tuple[Path, Path, list[str]]) -> None:
    root, _outside, _report = swapped
    host = host_for(root)
    call = SimpleCall("r")
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 4
    count = 0
    while time.monotonic() < deadline and count < 20000:
        for path in ("dir/data.txt", "dir/../dir/data.txt", "swap/data.txt"):
            value = host.read_file(call, path)
            if isinstance(value, ErrorValue):
                key = value.message.split(":")[0][:80]
                assert SECRET not in value.message
            else:
                assert value == INSIDE, value
                key = "inside"
            seen[key] = seen.get(key, 0) + 1
            count += 1
    assert seen.get("inside", 0) > 0, seen  # the folder was read while it was a folder
    refused = sum(n for k, n in seen.items() if k != "inside")
    assert refused > 0, seen  # and refused while it was a symlink out


def test_writes_never_land_outside(swapped: tuple[Path, Path, list[str]]) -> None:
    root, outside, _report = swapped
    host = host_for(root)
    call = SimpleCall("w")
    deadline = time.monotonic() + 3
    written = 0
    while time.monotonic() < deadline:
        for path in ("dir/out.txt", "dir/data.txt", "swap/out.txt"):
            value = host.write_file(call, path, "written")
            if isinstance(value, ErrorValue):
                assert "Traceback" not in value.message
            else:
                written += 1
    assert written > 0
    assert sorted(p.name for p in outside.iterdir()) == ["data.txt"]
    assert (outside / "data.txt").read_text() == SECRET
    assert not [p for p in root.rglob("*.tmp")], "a temporary file was left behind"


def test_whole_runs_under_the_race(swapped: tuple[Path, Path, list[str]]) -> None:
    root, outside, _report = swapped
    nodes: list[dict[str, Any]] = [{"id": "p", "op": "const", "value": "dir/data.txt"}]
    for i in range(200):
        nodes.append({"id": f"r{i}", "op": "read_file", "inputs": ["p"]})
        nodes.append({"id": f"w{i}", "op": "write_file", "inputs": ["p", f"r{i}"]})
    nodes.append({"id": "out", "op": "print", "inputs": ["p"]})
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ", "FS_WRITE"],
            "nodes": nodes,
        }
    )
    for _ in range(5):
        result = Evaluator(
            analyze(text), RunOptions(host=HostOptions(program_dir=root, timeout=30))
        ).run()
        assert result.status == "ok", result.reason
        for key, value in result.values.items():
            if isinstance(value, ErrorValue):
                assert SECRET not in value.message
            elif key.startswith("r"):
                assert value == INSIDE, (key, value)
    assert (outside / "data.txt").read_text() == SECRET
    assert sorted(p.name for p in outside.iterdir()) == ["data.txt"]
