"""The sandbox's file rules hold for the debug adapter as for `lexis run` (tests/security): a
FIFO in the root is refused at once (it would block a read forever), as an error value the
program prints, and the session ends normally."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from dap_support import DapClient

FIFO_PROGRAM = {
    "spec": "lexis-0.1.0",
    "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
    "nodes": [
        {"id": "f", "op": "const", "value": "pipe"},
        {"id": "r", "op": "read_file", "inputs": ["f"]},
        {"id": "p", "op": "print", "inputs": ["r"]},
    ],
}


def test_a_fifo_is_refused_in_a_debug_session(dap: DapClient, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    program = tmp_path / "fifo.lexis.json"
    program.write_text(json.dumps(FIFO_PROGRAM), encoding="utf-8")
    started = time.monotonic()
    dap.start(str(program), timeout=5)
    dap.finish(0)
    assert time.monotonic() - started < 5
    assert "FIFO" in dap.output()
