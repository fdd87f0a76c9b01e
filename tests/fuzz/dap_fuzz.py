"""Random debug sessions against the real debug adapter (``python -m lexis_ls.dap``) over pipes.

Each session starts a fresh adapter and sends it a random mix of requests: well-formed ones built
from what earlier answers gave (frame ids, variable references, sources), the same commands with
arguments of the wrong type or missing, unknown commands, requests before ``initialize`` and
after ``disconnect``, launches of broken programs (bad JSON, not UTF-8, lone surrogate escapes,
U+2028 in strings, deep calls, long runs), breakpoints at random lines, stepping, ``evaluate``
with random expressions, pipelined pause/continue storms, and malformed frames (a non-numeric,
short or long ``Content-Length``, invalid JSON, invalid UTF-8).

What is checked:

- every request gets exactly one response within :data:`REQUEST_TIMEOUT` (``hangs``), with
  ``success`` a boolean, the request's ``command``, and a non-empty ``message`` when it failed;
- no response says "internal error" (``internal_errors``: an exception the adapter caught);
- the adapter never prints a Python traceback on stderr (``tracebacks``), never dies before
  ``disconnect``, exits 0 after it, and every frame it writes is well formed (``crashes``);
- after a malformed frame the adapter answers again (a probe request, resent a few times since
  the damaged framing may swallow one).

``run(budget, seed)`` returns the counts; each distinct finding is written once (its shortest
reproduction) to ``tests/fuzz/findings/`` as ``{class}-dap-{n}.json``, with the frames sent
(``$DIR`` standing for the folder of the programs, whose texts are included). Replay one with
``python -m tests.fuzz.dap_fuzz --replay FILE``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FINDINGS_DIR = Path(__file__).resolve().parent / "findings"
PART = "dap"
REQUEST_TIMEOUT = 10.0
EXIT_TIMEOUT = 10.0
CLASSES = ("hangs", "crashes", "internal_errors", "tracebacks")

COMMANDS = [
    "initialize",
    "launch",
    "attach",
    "setBreakpoints",
    "setExceptionBreakpoints",
    "setFunctionBreakpoints",
    "configurationDone",
    "threads",
    "stackTrace",
    "scopes",
    "variables",
    "evaluate",
    "continue",
    "next",
    "stepIn",
    "stepOut",
    "stepBack",
    "pause",
    "exceptionInfo",
    "source",
    "terminate",
    "restart",
    "loadedSources",
    "setVariable",
    "completions",
]
STRANGE_COMMANDS = ["", "flyToTheMoon", "req_launch", "__init__", "Launch", "\ud800", "x" * 300]


# --- programs ---------------------------------------------------------------------------------


def _program(
    nodes: list[dict[str, Any]], subgraphs: dict[str, Any] | None = None, **top: Any
) -> str:
    doc: dict[str, Any] = {
        "spec": "lexis-0.1.0",
        "capabilities": top.pop("capabilities", ["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN"]),
        "nodes": nodes,
    }
    if subgraphs:
        doc["subgraphs"] = subgraphs
    doc.update(top)
    lines = ["{", '  "spec": "lexis-0.1.0",']
    lines.append(f'  "capabilities": {json.dumps(doc["capabilities"])},')
    for key, value in top.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "nodes": [')
    lines.append(",\n".join("    " + json.dumps(n) for n in nodes))
    lines.append("  ]" + ("," if subgraphs else ""))
    if subgraphs:
        parts = []
        for name, sg in subgraphs.items():
            inner = ",\n".join("        " + json.dumps(n) for n in sg["nodes"])
            parts.append(f'    {json.dumps(name)}: {{\n      "nodes": [\n{inner}\n      ]\n    }}')
        lines.append('  "subgraphs": {\n' + ",\n".join(parts) + "\n  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _double() -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "x", "op": "input_port", "value": 0},
            {"id": "two", "op": "const", "value": 2},
            {"id": "r", "op": "mul", "inputs": ["x", "two"]},
            {"id": "out", "op": "output_port", "inputs": ["r"], "value": 0},
        ]
    }


def _chain(depth: int) -> dict[str, Any]:
    subgraphs: dict[str, Any] = {"s0": _double()}
    for k in range(1, depth):
        subgraphs[f"s{k}"] = {
            "nodes": [
                {"id": "x", "op": "input_port", "value": 0},
                {"id": "c", "op": "subgraph_call", "inputs": ["x"], "value": f"s{k - 1}"},
                {"id": "out", "op": "output_port", "inputs": ["c"], "value": 0},
            ]
        }
    return subgraphs


def programs() -> dict[str, str | bytes]:
    """File name -> content (text, or bytes for files that are not UTF-8)."""
    out: dict[str, str | bytes] = {}
    fixtures = ROOT / "tests" / "dap" / "fixtures"
    if fixtures.is_dir():
        for path in sorted(fixtures.glob("*.lexis.json")):
            out[path.name] = path.read_text(encoding="utf-8")
    out["slow.lexis.json"] = _program(
        [
            {"id": "start", "op": "const", "value": 0},
            {"id": "stop", "op": "const", "value": 400},
            {"id": "xs", "op": "range", "inputs": ["start", "stop"]},
            {"id": "ys", "op": "map", "inputs": ["xs"], "value": "tick"},
            {"id": "show", "op": "print", "inputs": ["ys"]},
        ],
        {
            "tick": {
                "nodes": [
                    {"id": "x", "op": "input_port", "value": 0},
                    {"id": "d", "op": "delay", "inputs": ["x"], "value": 0.005},
                    {"id": "out", "op": "output_port", "inputs": ["d"], "value": 0},
                ]
            }
        },
    )
    out["surrogate.lexis.json"] = _program(
        [
            {"id": "s", "op": "const", "value": "a\ud800b"},
            {"id": "p", "op": "print", "inputs": ["s"]},
        ]
    )
    out["surrogate_doc.lexis.json"] = _program(
        [
            {"id": "s", "op": "const", "value": 1, "doc": "\udfff"},
            {"id": "p", "op": "print", "inputs": ["s"]},
        ]
    )
    out["surrogate_key.lexis.json"] = _program(
        [
            {"id": "s", "op": "const", "value": {"\udc00": 1}},
            {"id": "p", "op": "print", "inputs": ["s"]},
        ]
    )
    out["pair.lexis.json"] = _program(
        [
            {"id": "s", "op": "const", "value": "\U0001f600"},
            {"id": "p", "op": "print", "inputs": ["s"]},
        ]
    )
    out["linebreaks.lexis.json"] = (
        _program(
            [
                {"id": "s", "op": "const", "value": "a\u2028b\u0085c\u000bd\u000ce\u001cf\u2029g"},
                {"id": "n", "op": "length", "inputs": ["s"]},
                {"id": "p", "op": "print", "inputs": ["n"]},
            ]
        )
        .replace("\\u2028", "\u2028")
        .replace("\\u0085", "\u0085")
        .replace("\\u2029", "\u2029")
    )
    calls = str(out.get("calls.lexis.json", ""))
    out["crlf.lexis.json"] = calls.replace("\n", "\r\n")
    out["cr.lexis.json"] = calls.replace("\n", "\r")
    out["io.lexis.json"] = _program(
        [
            {"id": "a", "op": "param", "value": "a"},
            {"id": "pa", "op": "print", "inputs": ["a"]},
            {"id": "l", "op": "read_stdin"},
            {"id": "pl", "op": "print", "inputs": ["l"]},
            {"id": "u", "op": "upper", "inputs": ["l"]},
            {"id": "e", "op": "const", "value": ""},
            {"id": "ch", "op": "split", "inputs": ["l", "e"]},
            {"id": "pc", "op": "print", "inputs": ["ch"]},
            {"id": "pu", "op": "print", "inputs": ["u"]},
        ]
    )
    out["deep.lexis.json"] = _program(
        [
            {"id": "one", "op": "const", "value": 1},
            {"id": "r", "op": "subgraph_call", "inputs": ["one"], "value": "s239"},
            {"id": "p", "op": "print", "inputs": ["r"]},
        ],
        _chain(240),
    )
    out["big.lexis.json"] = _program(
        [
            {"id": "s", "op": "const", "value": "x" * 1000},
            {"id": "a", "op": "concat", "inputs": ["s", "s", "s", "s", "s", "s", "s", "s"]},
            {"id": "b", "op": "concat", "inputs": ["a", "a", "a", "a", "a", "a", "a", "a"]},
            {"id": "c", "op": "concat", "inputs": ["b", "b", "b", "b", "b", "b", "b", "b"]},
            {"id": "zero", "op": "const", "value": 0},
            {"id": "n", "op": "const", "value": 10000},
            {"id": "xs", "op": "range", "inputs": ["zero", "n"]},
            {"id": "d", "op": "enumerate", "inputs": ["xs"]},
            {"id": "p", "op": "print", "inputs": ["c"]},
        ]
    )
    out["cycle.lexis.json"] = _program(
        [
            {"id": "a", "op": "add", "inputs": ["b", "b"]},
            {"id": "b", "op": "add", "inputs": ["a", "a"]},
        ]
    )
    out["broken.lexis.json"] = '{"spec": "lexis-0.1.0", "nodes": [{"id": "a", "op": '
    out["empty.lexis.json"] = ""
    out["notutf8.lexis.json"] = b'{"spec": "lexis-\xff\xfe", "nodes": []}'
    out["array.lexis.json"] = "[1, 2, 3]\n"
    out["bom.lexis.json"] = "\ufeff" + calls
    return out


# --- random values ----------------------------------------------------------------------------

STRINGS = ["", "x", "a b", "\ud800", "\udfff", "\u2028", "\x00", "😀", "main", "1", "-1", "x" * 500]


def rvalue(rng: random.Random, depth: int = 0) -> Any:
    k = rng.randrange(10 if depth < 3 else 7)
    if k == 0:
        return None
    if k == 1:
        return rng.random() < 0.5
    if k == 2:
        return rng.choice([0, 1, -1, 2, 3, 7, 2**31, -(2**63), 10**30, rng.randrange(-100, 1000)])
    if k == 3:
        return rng.choice([0.5, -0.0, 1e308, 1.0, 3.25])
    if k in (4, 5, 6):
        return rng.choice(STRINGS)
    if k in (7, 8):
        return [rvalue(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(STRINGS): rvalue(rng, depth + 1) for _ in range(rng.randrange(4))}


EXPRESSIONS = [
    "x",
    "five",
    "once",
    "ys",
    "total",
    '"five"',
    "five > 3",
    "not done and five == 5",
    "(a",
    "a ==",
    "1 + 2",
    "a = 1",
    "[1, 2] == [1, 2]",
    '{"k": 1}',
    "NaN",
    "Infinity > 1",
    "1e999 > 1",
    "x.y-z",
    "true",
    "null",
    "$",
    "'single'",
    "\ud800",
    '"\\ud800" == x',
    "(" * 2000 + "1" + ")" * 2000,
    "not " * 3000 + "true",
    "a and " * 2000 + "b",
    "[" * 5000 + "]" * 5000,
    "9" * 5000,
    "",
    "  ",
]


# --- the adapter process ----------------------------------------------------------------------


class Adapter:
    """One adapter process: frames out, parsed messages in, stderr collected."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lexis_ls.dap"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.cond = threading.Condition()
        self.messages: list[dict[str, Any]] = []
        self.bad_frames: list[str] = []
        self.stderr: list[str] = []
        self.closed = False
        self.broken_pipe = False
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    text = line.decode("ascii", "replace").strip()
                    if not text:
                        break
                    name, _, value = text.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    self.bad_frames.append("a frame without Content-Length")
                    continue
                body = out.read(length)
                try:
                    message = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as exc:
                    self.bad_frames.append(f"a frame that is not UTF-8 JSON: {exc}")
                    continue
                with self.cond:
                    self.messages.append(message)
                    self.cond.notify_all()
        except (OSError, ValueError) as exc:
            self.bad_frames.append(f"unreadable output: {exc}")
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        for line in err:
            self.stderr.append(line.decode("utf-8", "replace"))

    def write(self, data: bytes) -> bool:
        if self.broken_pipe:
            return False
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            self.broken_pipe = True
            return False

    def responses_to(self, seq: int) -> list[dict[str, Any]]:
        with self.cond:
            return [
                m
                for m in self.messages
                if m.get("type") == "response" and m.get("request_seq") == seq
            ]

    def wait_response(self, seq: int, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if m.get("type") == "response" and m.get("request_seq") == seq:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def events(self, name: str) -> list[dict[str, Any]]:
        with self.cond:
            return [m for m in self.messages if m.get("type") == "event" and m.get("event") == name]

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def traceback(self) -> str | None:
        text = "".join(self.stderr)
        return text if "Traceback (most recent call last)" in text else None


def frame(message: Any) -> bytes:
    data = json.dumps(message).encode()  # ASCII: lone surrogates travel as escapes
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


# --- one session ------------------------------------------------------------------------------


class Finding(Exception):
    def __init__(self, cls: str, signature: str, detail: str) -> None:
        super().__init__(signature)
        self.cls = cls
        self.signature = signature
        self.detail = detail


def _signature(text: str) -> str:
    text = re.sub(r"/[^\s`'\"]*", "PATH", text)
    return re.sub(r"\d+", "N", text)[:160]


class Step:
    """One thing sent: a request (expects one response) or a raw frame (expects none)."""

    def __init__(
        self, data: bytes, command: Any = None, seq: int | None = None, raw: bool = False
    ) -> None:
        self.data = data
        self.command = command
        self.seq = seq
        self.raw = raw

    def record(self, folder: str) -> dict[str, Any]:
        try:
            text = self.data.decode("utf-8")
            return {"frame": text.replace(folder, "$DIR")}
        except UnicodeDecodeError:
            return {"frame_base64": base64.b64encode(self.data).decode("ascii")}


class Session:
    """A random conversation with one adapter."""

    def __init__(
        self, rng: random.Random, folder: Path, names: list[str], counts: dict[str, int]
    ) -> None:
        self.rng = rng
        self.folder = folder
        self.names = names
        self.counts = counts
        self.adapter = Adapter()
        self.seq = 0
        self.sent: list[Step] = []
        self.frame_ids: list[int] = []
        self.var_refs: list[int] = []
        self.source_refs: list[int] = []
        self.launched = False
        self.disconnected = False
        self.program = str(folder / "calls.lexis.json")

    # --- sending ---

    def send_request(
        self, command: Any, arguments: Any = None, extra: dict[str, Any] | None = None
    ) -> Step:
        self.seq += 1
        message: dict[str, Any] = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        if extra:
            message.update(extra)
        step = Step(frame(message), command, self.seq)
        self.sent.append(step)
        self.counts["requests"] += 1
        self.adapter.write(step.data)
        return step

    def send_raw(self, data: bytes) -> None:
        self.sent.append(Step(data, raw=True))
        self.counts["malformed_frames"] += 1
        self.adapter.write(data)

    def expect(self, step: Step, timeout: float = REQUEST_TIMEOUT) -> dict[str, Any] | None:
        """The response to ``step``, checked; raises Finding for a hang or a bad answer."""
        assert step.seq is not None
        response = self.adapter.wait_response(step.seq, timeout)
        if response is None:
            if self.disconnected:
                return None
            if self.adapter.closed or self.adapter.proc.poll() is not None:
                raise Finding("crashes", f"adapter died during {step.command!r}", self._stderr())
            raise Finding("hangs", f"no response to {_cmd(step.command)}", f"waited {timeout} s")
        self.check_response(step, response)
        self.absorb(step.command, response)
        return response

    def check_response(self, step: Step, response: dict[str, Any]) -> None:
        cmd = _cmd(step.command)
        if not isinstance(response.get("success"), bool):
            raise Finding(
                "crashes", f"{cmd}: response without a boolean success", json.dumps(response)[:500]
            )
        if isinstance(step.command, str) and response.get("command") != step.command:
            raise Finding(
                "crashes", f"{cmd}: response names another command", json.dumps(response)[:500]
            )
        if response["success"] is False:
            message = response.get("message")
            if not isinstance(message, str) or not message.strip():
                raise Finding(
                    "crashes",
                    f"{cmd}: error response without a message",
                    json.dumps(response)[:500],
                )
            if "internal error" in message:
                raise Finding(
                    "internal_errors", f"{cmd}: {_signature(message)}", json.dumps(response)[:2000]
                )

    def absorb(self, command: Any, response: dict[str, Any]) -> None:
        body = response.get("body") or {}
        if not isinstance(body, dict) or not response.get("success"):
            return
        if command == "launch":
            self.launched = True
        for f in body.get("stackFrames") or []:
            if isinstance(f, dict) and type(f.get("id")) is int:
                self.frame_ids.append(f["id"])
                src = f.get("source") or {}
                if type(src.get("sourceReference")) is int and src["sourceReference"]:
                    self.source_refs.append(src["sourceReference"])
        for key in ("scopes", "variables"):
            for v in body.get(key) or []:
                if (
                    isinstance(v, dict)
                    and type(v.get("variablesReference")) is int
                    and v["variablesReference"]
                ):
                    self.var_refs.append(v["variablesReference"])
        if type(body.get("variablesReference")) is int and body["variablesReference"]:
            self.var_refs.append(body["variablesReference"])
        del self.frame_ids[:-20], self.var_refs[:-50]

    def _stderr(self) -> str:
        return "".join(self.adapter.stderr)[-4000:]

    def check_alive(self) -> None:
        if self.adapter.bad_frames:
            raise Finding(
                "crashes", f"malformed output frame: {self.adapter.bad_frames[0][:80]}", ""
            )
        tb = self.adapter.traceback()
        if tb is not None:
            raise Finding("tracebacks", _tb_signature(tb), tb[-4000:])
        if not self.disconnected and self.adapter.proc.poll() is not None:
            raise Finding(
                "crashes",
                f"adapter exited ({self.adapter.proc.returncode}) before disconnect",
                self._stderr(),
            )

    # --- random requests ---

    def path(self) -> str:
        r = self.rng.random()
        if r < 0.75:
            return str(self.folder / self.rng.choice(self.names))
        return self.rng.choice(
            [
                str(self.folder),
                str(self.folder / "missing.lexis.json"),
                "relative.lexis.json",
                "calls.lexis.json",
                "/dev/null",
                "",
                "~",
                "/proc/self/mem",
                "a\x00b",
                "\ud800.lexis.json",
                "/" + "x" * 5000,
            ]
        )

    def args_for(self, command: str) -> Any:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(
                [
                    None,
                    [],
                    "x",
                    1,
                    rvalue(rng),
                    {"threadId": "1"},
                    {rng.choice(STRINGS): rvalue(rng)},
                ]
            )
        if command == "initialize":
            return {
                "adapterID": "lexis",
                "linesStartAt1": rng.choice([True, False, None, "no"]),
                "columnsStartAt1": rng.choice([True, False, 0]),
                "pathFormat": rng.choice(["path", "path", "uri", None, 3]),
            }
        if command == "launch":
            args: dict[str, Any] = {"program": self.path()}
            if rng.random() < 0.3:
                args["cwd"] = rng.choice([str(self.folder), "", 3, "/nonexistent", "a\x00"])
                if rng.random() < 0.5:
                    args["program"] = rng.choice(self.names)
            for key, choices in (
                (
                    "params",
                    [
                        {"a": "1"},
                        {"a": "\ud800x"},
                        {"a": 5},
                        {"a": [1, "\udc80"]},
                        {"divisor": "0"},
                        [],
                        "a=1",
                        None,
                    ],
                ),
                ("stdin", ["line\n", "\ud800\n", ["a", "b"], ["a", 1], 7, None, "x" * 10000]),
                ("stopOnEntry", [True, False, "yes", 1]),
                ("timeout", [5, 0.5, 30, 0, -1, "10", 1e308, float("inf"), True]),
                ("trustCeiling", [0, 1, 3, 7, -1, "3", None, True]),
                ("fsRoot", [str(self.folder), "", 3, "/", "a\x00"]),
                ("noDebug", [True, False, "true"]),
            ):
                if rng.random() < 0.35:
                    args[key] = rng.choice(choices)
            if "timeout" not in args:
                args["timeout"] = 5
            if isinstance(args.get("timeout"), float) and args["timeout"] == float("inf"):
                args["timeout"] = 1e308  # JSON has no Infinity
            return args
        if command == "setBreakpoints":
            source: Any = {"path": rng.choice([self.program, self.path()])}
            if rng.random() < 0.1:
                source = rng.choice(
                    [{}, {"path": 3}, {"sourceReference": 1}, "x", {"name": "std:double"}]
                )
            lines = [
                rng.choice([rng.randrange(-3, 60), 0, 10**12, -(2**70), "3", None, 2.5, True])
                for _ in range(rng.randrange(6))
            ]
            bps: Any = [
                {
                    "line": line,
                    **({"condition": rng.choice(EXPRESSIONS)} if rng.random() < 0.3 else {}),
                }
                for line in lines
            ]
            if rng.random() < 0.1:
                bps = rng.choice([[1, 2], "x", {"line": 1}, [None]])
            if rng.random() < 0.1:
                return {"source": source, "lines": rng.choice([lines, "3", [None]])}
            return {"source": source, "breakpoints": bps}
        if command == "setExceptionBreakpoints":
            return rng.choice(
                [
                    {"filters": ["errorValues"]},
                    {"filters": []},
                    {"filters": ["nope", 3]},
                    {"filters": "errorValues"},
                    {"filterOptions": [{"filterId": "errorValues"}, 3, {"filterId": 1}]},
                ]
            )
        if command in ("stackTrace",):
            return {
                "threadId": rng.choice([1, 2, "1"]),
                "startFrame": rng.choice([None, 0, 1, 5, -1, "a", 2.5, 10**20]),
                "levels": rng.choice([None, 0, 1, 20, -3, "x", 1.5, 10**20]),
            }
        if command == "scopes":
            return {"frameId": self._ref(self.frame_ids)}
        if command == "variables":
            return {
                "variablesReference": self._ref(self.var_refs),
                "filter": rng.choice([None, "indexed", "named", 3]),
                "start": rng.choice([None, 0, 1, -1, "2", 10**20]),
                "count": rng.choice([None, 0, 2, -5, [1], 10**20]),
            }
        if command == "evaluate":
            args = {
                "expression": rng.choice(EXPRESSIONS),
                "context": rng.choice(["hover", "watch", "repl", 3]),
            }
            if rng.random() < 0.7:
                args["frameId"] = self._ref(self.frame_ids)
            return args
        if command == "source":
            ref = self._ref(self.source_refs)
            return rng.choice(
                [{"sourceReference": ref}, {"source": {"sourceReference": ref}}, {"source": "x"}]
            )
        if command in (
            "continue",
            "next",
            "stepIn",
            "stepOut",
            "pause",
            "exceptionInfo",
            "threads",
        ):
            return {"threadId": rng.choice([1, 1, 1, 2, None, "x"])}
        if command == "disconnect":
            return {"terminateDebuggee": rng.choice([True, False, None])}
        return rvalue(rng) if rng.random() < 0.5 else {}

    def _ref(self, pool: list[int]) -> Any:
        if pool and self.rng.random() < 0.75:
            return self.rng.choice(pool)
        return self.rng.choice([0, 1, -1, 10**30, "1", None, 1.0, [1], self.rng.randrange(1, 200)])

    def request(self, command: Any, arguments: Any = None) -> dict[str, Any] | None:
        step = self.send_request(command, arguments)
        return self.expect(step)

    def random_request(self) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.04:
            command: Any = rng.choice(STRANGE_COMMANDS)
        elif r < 0.06:
            command = rng.choice([None, 3, [], {"a": 1}, True])
        else:
            command = rng.choice(COMMANDS)
        args = self.args_for(command) if isinstance(command, str) else rvalue(rng)
        extra: dict[str, Any] | None = None
        if rng.random() < 0.03:
            extra = {"seq": rng.choice(["x", None, -1, 1.5])}
        if extra is not None:
            # A request whose seq is not ours: its answer cannot be matched; only check liveness.
            self.seq += 1
            message = {"type": "request", "command": command, "arguments": args, **extra}
            self.sent.append(Step(frame(message), command, None))
            self.adapter.write(frame(message))
            self.counts["requests"] += 1
            self.probe()
            return
        if args is None and rng.random() < 0.5:
            step = self.send_request(command)
        else:
            step = self.send_request(command, args)
        self.expect(step)

    def not_a_request(self) -> None:
        rng = self.rng
        message = rng.choice(
            [
                {"seq": 10**9 + 1, "type": "event", "event": "stopped"},
                {
                    "seq": 2,
                    "type": "response",
                    "request_seq": 1,
                    "success": True,
                    "command": "runInTerminal",
                },
                {"seq": 10**9 + 3},
                {"type": "request"},
                {"seq": 10**9 + 4, "type": "request", "command": None},
            ]
        )
        self.sent.append(Step(frame(message), raw=True))
        self.adapter.write(frame(message))
        self.probe()

    def malformed(self) -> None:
        rng = self.rng
        good = json.dumps({"seq": 999999, "type": "request", "command": "threads"}).encode()
        data = rng.choice(
            [
                b"Content-Length: abc\r\n\r\n" + good,
                b"Content-Length: -5\r\n\r\n" + good,
                b"Content-Length: 5\r\n\r\n" + good,
                b"Content-Length: %d\r\n\r\n" % (len(good) + 7) + good,
                b"Content-Length: 12\r\n\r\n{not json!!}",
                b"Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc",
                b"Content-Length: 2\r\n\r\n[]",
                b"Content-Length: 4\r\n\r\nnull",
                b"Content-Type: application/json\r\n\r\n" + good,
                b"garbage without a header\r\n\r\n",
                b"Content-Length: 99999999999999999999999\r\n\r\n",
                b"Content-Length: 1e3\r\n\r\n" + good,
                b"\r\n\r\n\r\n",
                b"Content-Length: \xff\r\n\r\n" + good,
                b"Content-Length: 0\r\n\r\n",
                b"content-length:%d\n\n" % len(good) + good,
                b"Content-Length: %d\r\n\r\n" % len(b'{"a": "\\ud800"}') + b'{"a": "\\ud800"}',
                b"Content-Length: 20\r\n\r\n" + b'{"x": ' * 4,
            ]
        )
        if data.startswith(b"Content-Length: 99999999999999999999999"):
            data = b"Content-Length: 99999999999999999999999\r\n\r\n"  # a length beyond any limit
        self.send_raw(data)
        self.probe()

    def probe(self) -> None:
        """The adapter must answer again (the first probes may be eaten by damaged framing)."""
        for attempt in range(6):
            if attempt:
                self.send_raw(b"\r\n\r\n" + b"}" * 0)
            step = self.send_request("threads", {})
            response = self.adapter.wait_response(
                step.seq or 0, 3.0 if attempt < 5 else REQUEST_TIMEOUT
            )
            if response is not None:
                self.check_response(step, response)
                return
            if self.adapter.closed or self.adapter.proc.poll() is not None:
                raise Finding("crashes", "adapter died after a malformed frame", self._stderr())
            step.seq = None  # may have been swallowed: not expected any more
        raise Finding("hangs", "adapter stopped answering after a malformed frame", "")

    def storm(self) -> None:
        rng = self.rng
        steps = []
        for _ in range(rng.randrange(5, 40)):
            command = rng.choice(
                [
                    "pause",
                    "continue",
                    "next",
                    "stepIn",
                    "stepOut",
                    "stackTrace",
                    "threads",
                    "pause",
                    "evaluate",
                    "variables",
                ]
            )
            steps.append(self.send_request(command, self.args_for(command)))
        for step in steps:
            self.expect(step)

    def launch_sequence(self) -> None:
        rng = self.rng
        self.program = str(self.folder / rng.choice(self.names))
        if rng.random() < 0.85:
            self.request("initialize", {"adapterID": "lexis", "linesStartAt1": rng.random() < 0.9})
        if rng.random() < 0.5:
            self.request("setBreakpoints", self.args_for("setBreakpoints"))
        args = (
            self.args_for("launch")
            if rng.random() < 0.3
            else {"program": self.program, "timeout": 5}
        )
        if isinstance(args, dict) and rng.random() < 0.5:
            args["stopOnEntry"] = True
        self.request("launch", args)
        if rng.random() < 0.5:
            self.request("setExceptionBreakpoints", {"filters": ["errorValues"]})
        if rng.random() < 0.9:
            self.request("configurationDone", {})

    def play(self, actions: int) -> None:
        rng = self.rng
        if rng.random() < 0.8:
            self.launch_sequence()
        for _ in range(actions):
            self.check_alive()
            r = rng.random()
            if r < 0.06:
                self.malformed()
            elif r < 0.08:
                self.not_a_request()
            elif r < 0.12:
                self.storm()
            elif r < 0.14 and not self.launched:
                self.launch_sequence()
            else:
                self.random_request()
            if rng.random() < 0.1:
                time.sleep(rng.choice([0.01, 0.05, 0.2]))
        self.finish()

    def finish(self) -> None:
        self.check_alive()
        step = self.send_request("disconnect", self.args_for("disconnect"))
        self.expect(step)
        self.disconnected = True
        if self.rng.random() < 0.3:  # after disconnect: no answer is due, but no crash either
            self.send_request("threads", {})
        code = self.adapter.wait_exit(EXIT_TIMEOUT)
        if code is None:
            raise Finding("hangs", "adapter did not exit after disconnect", "")
        self.check_alive()
        if code != 0:
            raise Finding("crashes", f"adapter exited with {code} after disconnect", self._stderr())
        self.check_counts()

    def check_counts(self) -> None:
        for step in self.sent:
            if step.seq is None or step.raw:
                continue
            n = len(self.adapter.responses_to(step.seq))
            if n > 1:
                raise Finding("crashes", f"{n} responses to {_cmd(step.command)}", "")


def _cmd(command: Any) -> str:
    return command if isinstance(command, str) and len(command) < 40 else repr(command)[:40]


def _tb_signature(text: str) -> str:
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', text)
    ours = [f for f in frames if "lexis_ls" in f[0]]
    where = f"{Path(ours[-1][0]).name}:{ours[-1][1]}" if ours else "?"
    last = [
        line
        for line in text.strip().splitlines()
        if re.match(r"^\w[\w.]*(Error|Exception)\b", line)
    ]
    return f"traceback {where} {last[-1].split(':')[0] if last else ''}".strip()


# --- findings ---------------------------------------------------------------------------------


class Recorder:
    def __init__(self, out_dir: Path = FINDINGS_DIR) -> None:
        self.out_dir = out_dir
        self.paths: dict[tuple[str, str], Path] = {}
        self.sizes: dict[tuple[str, str], int] = {}

    def add(self, finding: Finding, repro: dict[str, Any]) -> None:
        key = (finding.cls, finding.signature)
        size = len(json.dumps(repro))
        if key in self.paths and size >= self.sizes[key]:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if key not in self.paths:
            n = 1 + sum(1 for k in self.paths if k[0] == finding.cls)
            self.paths[key] = self.out_dir / f"{finding.cls}-{PART}-{n}.json"
            print(f"  [{PART}] new {finding.cls}: {finding.signature}", file=sys.stderr, flush=True)
        self.sizes[key] = size
        record = {
            "class": finding.cls,
            "part": PART,
            "signature": finding.signature,
            "detail": finding.detail,
            **repro,
        }
        self.paths[key].write_text(
            json.dumps(record, indent=1, ensure_ascii=True) + "\n", encoding="utf-8"
        )


def _files_used(steps: list[Step], files: dict[str, str | bytes]) -> dict[str, str]:
    blob = b"".join(s.data for s in steps)
    out = {}
    for name, content in files.items():
        if name.encode() in blob:
            out[name] = (
                content
                if isinstance(content, str)
                else "base64:" + base64.b64encode(content).decode()
            )
    return out


def replay_frames(frames: list[bytes], timeout: float = REQUEST_TIMEOUT) -> tuple[str | None, str]:
    """Sends ``frames`` to a fresh adapter; the class of what went wrong (or None), and why."""
    adapter = Adapter()
    try:
        seqs: list[tuple[int, str]] = []
        for data in frames:
            adapter.write(data)
            try:
                message = json.loads(data.split(b"\r\n\r\n", 1)[1])
            except (ValueError, IndexError):
                continue
            if (
                isinstance(message, dict)
                and type(message.get("seq")) is int
                and message.get("type") == "request"
            ):
                seqs.append((message["seq"], str(message.get("command"))))
            time.sleep(0.02)
        disconnected = any(c == "disconnect" for _, c in seqs)
        for seq, command in seqs:
            response = adapter.wait_response(seq, timeout)
            if response is None and not disconnected:
                return "hangs", f"no response to {command}"
            if response is not None and "internal error" in str(response.get("message")):
                return "internal_errors", str(response.get("message"))
        time.sleep(0.3)
        tb = adapter.traceback()
        if tb:
            return "tracebacks", tb
        if adapter.proc.poll() not in (None, 0):
            return "crashes", f"exit {adapter.proc.returncode}"
        return None, ""
    finally:
        adapter.kill()


def _minimize(finding: Finding, steps: list[Step], files: dict[str, str | bytes]) -> list[Step]:
    """A shorter list of steps that still gives the same class of finding (a few cheap tries)."""
    if finding.cls not in ("internal_errors", "tracebacks") or len(steps) <= 2:
        return steps
    last = steps[-1]
    launches = [s for s in steps if s.command in ("initialize", "launch", "configurationDone")]
    for candidate in ([last], [*launches[:3], last]):
        if len(candidate) >= len(steps):
            continue
        got, _ = replay_frames([s.data for s in candidate], timeout=5.0)
        if got == finding.cls:
            return candidate
    return steps


# --- the driver -------------------------------------------------------------------------------


def run(budget: float, seed: int) -> dict[str, int]:
    """Random sessions for about ``budget`` seconds; counts by kind."""
    rng = random.Random(seed)
    deadline = time.monotonic() + budget
    counts: dict[str, int] = {"sessions": 0, "requests": 0, "malformed_frames": 0}
    for cls in CLASSES:
        counts[cls] = 0
    recorder = Recorder()
    folder = Path(tempfile.mkdtemp(prefix="lexis-dap-fuzz-"))
    files = programs()
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(
                content, encoding="utf-8", errors="surrogatepass", newline=""
            )
    names = sorted(files)
    try:
        while time.monotonic() < deadline:
            counts["sessions"] += 1
            session = Session(rng, folder, names, counts)
            try:
                session.play(rng.randrange(3, 40))
            except Finding as finding:
                counts[finding.cls] += 1
                steps = _minimize(finding, session.sent, files)
                recorder.add(
                    finding,
                    {
                        "seed": seed,
                        "session": counts["sessions"],
                        "files": _files_used(steps, files),
                        "frames": [s.record(str(folder)) for s in steps],
                        "stderr": "".join(session.adapter.stderr)[-3000:],
                    },
                )
            finally:
                session.adapter.kill()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return counts


def replay(path: Path) -> int:
    record = json.loads(path.read_text(encoding="utf-8"))
    folder = Path(tempfile.mkdtemp(prefix="lexis-dap-replay-"))
    try:
        for name, content in record.get("files", {}).items():
            if content.startswith("base64:"):
                (folder / name).write_bytes(base64.b64decode(content[7:]))
            else:
                (folder / name).write_text(
                    content, encoding="utf-8", errors="surrogatepass", newline=""
                )
        frames = []
        for f in record["frames"]:
            if "frame" in f:
                frames.append(
                    f["frame"].replace("$DIR", str(folder)).encode("utf-8", "surrogatepass")
                )
            else:
                frames.append(base64.b64decode(f["frame_base64"]))
        got, why = replay_frames(frames)
        print(f"{path.name}: {got or 'no finding'} {why[-2000:]}")
        return 1 if got else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(
    argv: list[str] | None = None, runner: Callable[[float, int], dict[str, int]] = run
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds to run (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", type=Path, help="replay one finding file instead")
    args = parser.parse_args(argv)
    if args.replay is not None:
        return replay(args.replay)
    counts = runner(args.budget, args.seed)
    print(json.dumps(counts, indent=1))
    return 1 if any(counts.get(c) for c in CLASSES) else 0


if __name__ == "__main__":
    raise SystemExit(main())
