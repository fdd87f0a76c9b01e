"""Keystroke latency: lexis-ls against vscode-json-language-server, side by side in one run.

Both servers get the same generated programs of 1k, 10k and 50k nodes, one node per line
(random arithmetic over the previous 20 nodes, constants, `select`, `std:double` calls,
`to_str` and one `print` at the end: about 2,900 findings at 10k, nearly all LX3001 hints and
LX3002 information). The JSON server validates them against a shape-only JSON Schema (the
program object, its `nodes` array and each node's keys and types), so it does the comparable
job of reading the whole document on every version.

For each size and each client kind (a *pull* client that asks `textDocument/diagnostic`, and a
*push-only* client that waits for `publishDiagnostics`; lexis-ls gets `lexis.diagnostics.
debounceMs = 0` through configuration) it starts both servers, opens the document in both and
measures, interleaving the two servers step by step:

- start-up: spawning the server until it answers a request after `initialized` (lexis-ls
  answers `initialize` itself before it has loaded pygls and its features);
- didOpen -> first diagnostics: the median of the first open, once the server has started and
  settled (1 s idle), and of fourteen more (four with `--quick`), each after the document was
  closed (a fresh analysis each time, in a server that has been working; the two servers take
  turns, open by open); the first alone is also reported;
- every edit kind, keystroke -> the diagnostics of the new version: a one-character value edit
  sent as a ranged change (`value`) and as the whole new text (`value-full`), a node id renamed
  by one character and back (`rename`), a node's closing brace deleted and restored (`brace`),
  a node appended after the last one and removed (`append`), and a 200-node block pasted in the
  middle and deleted (`paste`);
- completion, hover and definition on an input id, and code actions on an unused node's line
  (p95 of many requests on one version);
- completion and hover on that input id after each of 15 one-character edits upstream of it
  (5 with `--quick`), right after the edit's diagnostics, and hover 300 ms after them (VS
  Code's hover delay): the first request on a new version, which may find work left to do;
- the peak RSS (VmHWM) of each server process.

The JSON server's push-only mode waits a fixed 500 ms before it validates (not configurable;
`vscode-json-languageservice`'s `validationDelayMs`): its push times are reported with that
wait subtracted, so that both columns are the work done.

The client is a bare JSON-RPC client over the servers' stdio (no lsprotocol types): a time is
when the answer's bytes arrived. The JSON server (`vscode-langservers-extracted`, pinned in
benchmarks/package.json) is installed with `npm ci` into ~/.cache/lexis-ls/json-server the first
time. Run: `make bench-lsp` (`.venv/bin/python benchmarks/bench_lsp.py [--sizes 1000,10000]
[--quick]`). It prints the table of ratios and writes it, with the machine's description, to
benchmarks/RESULTS.md (`--no-write` to skip).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lexis-ls" / "json-server"
JSON_SERVER = CACHE / "node_modules" / ".bin" / "vscode-json-language-server"
RESULTS = HERE / "RESULTS.md"
JSON_PUSH_DELAY = 0.5  # vscode-json-languageservice's fixed validationDelayMs for push clients

# The JSON server's schema: the shape of a program, nothing Lexis-specific beyond key names.
SHAPE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["spec", "nodes"],
    "properties": {
        "spec": {"type": "string"},
        "capabilities": {"type": "array", "items": {"type": "string"}},
        "nodes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "op"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "op": {"type": "string"},
                    "inputs": {"type": "array", "items": {"type": "string"}},
                    "value": {},
                    "doc": {"type": "string"},
                },
            },
        },
    },
}

EDIT_KINDS = ("value", "value-full", "rename", "brace", "append", "paste")
# VS Code's `editor.hover.delay` default: a hover is asked for once the pointer has rested
# this long (the time from the last keystroke to a hover is at least that in practice).
HOVER_DELAY = 0.3


# --- the programs ----------------------------------------------------------------------------


def node_line(node: dict[str, Any]) -> str:
    return "    " + json.dumps(node)


def random_node(rng: random.Random, nid: str, earlier: list[str]) -> dict[str, Any]:
    """A node over (some of) the ``earlier`` ids (the last 20 at most are picked from)."""
    pool = earlier[-20:]
    r = rng.random()
    if len(pool) < 3 or r < 0.2:
        return {"id": nid, "op": "const", "value": rng.randint(0, 50)}
    if r < 0.7:
        a, b = rng.choice(pool), rng.choice(pool)
        return {"id": nid, "op": rng.choice(["add", "sub", "mul"]), "inputs": [a, b]}
    if r < 0.8:
        return {"id": nid, "op": "select", "inputs": [rng.choice(pool) for _ in range(3)]}
    if r < 0.9:
        return {
            "id": nid,
            "op": "subgraph_call",
            "inputs": [rng.choice(pool)],
            "value": "std:double",
        }
    return {"id": nid, "op": "to_str", "inputs": [rng.choice(pool)]}


HEAD = (
    '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n  "nodes": [\n'
)
FIRST_NODE_LINE = 4  # 0-based line of the first node


def generate(n: int, seed: int = 16) -> str:
    """A program of ``n`` nodes, one per line; node ``k`` is on line ``FIRST_NODE_LINE + k``."""
    rng = random.Random(seed)
    ids: list[str] = []
    lines = []
    for i in range(n - 1):
        nid = f"n{i}"
        lines.append(node_line(random_node(rng, nid, ids)))
        ids.append(nid)
    lines.append(node_line({"id": "out", "op": "print", "inputs": [ids[-1]]}))
    return HEAD + ",\n".join(lines) + "\n  ]\n}\n"


def block(count: int, around: list[str], seed: int) -> str:
    """``count`` node lines (ids p0...) to paste after a node line, each ending with a comma."""
    rng = random.Random(seed)
    ids = list(around)
    out = []
    for k in range(count):
        nid = f"p{k}"
        out.append(node_line(random_node(rng, nid, ids)) + ",\n")
        ids.append(nid)
    return "".join(out)


# --- the client ------------------------------------------------------------------------------


def peak_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Text:
    """The client's copy of a document."""

    uri: str
    text: str
    version: int = 1

    def position(self, offset: int) -> dict[str, int]:
        line = self.text.count("\n", 0, offset)
        start = self.text.rfind("\n", 0, offset) + 1
        return {"line": line, "character": offset - start}  # ASCII: UTF-16 = code points

    def replace(self, start: int, end: int, new: str, full: bool = False) -> dict[str, Any]:
        """Apply an edit; the `didChange` params that describe it."""
        if full:
            change: dict[str, Any] = {"text": self.text[:start] + new + self.text[end:]}
        else:
            rng = {"start": self.position(start), "end": self.position(end)}
            change = {"range": rng, "text": new}
        self.text = self.text[:start] + new + self.text[end:]
        self.version += 1
        return {
            "textDocument": {"uri": self.uri, "version": self.version},
            "contentChanges": [change],
        }


class Session:
    """One server process and a bare JSON-RPC client talking to it."""

    def __init__(
        self,
        name: str,
        command: list[str],
        pull: bool,
        init_options: Any = None,
        settings: Any = None,
        push_delay: float = 0.0,
    ) -> None:
        self.name = name
        self.command = command
        self.client_pulls = pull
        self.init_options = init_options
        self.settings = settings
        self.push_delay = push_delay
        self.published: dict[str, tuple[int | None, float, list[Any]]] = {}
        self.pull = False
        self.pid = 0
        self.capabilities: dict[str, Any] = {}
        self.last_diagnostics: list[Any] = []
        self._process: asyncio.subprocess.Process | None = None
        self._pending: dict[int, asyncio.Future[tuple[float, Any]]] = {}
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None
        self._published_event = asyncio.Event()

    # --- the wire ---

    def send(self, message: dict[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self._process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: Any) -> tuple[float, Any]:
        """Seconds until the answer arrived, and its result."""
        started = time.perf_counter()
        arrived, result = await self.call(method, params)
        return arrived - started, result

    async def call(self, method: str, params: Any) -> tuple[float, Any]:
        """When (``time.perf_counter``) the answer's bytes arrived, and its result (the time
        it then takes this client to decode it is not the server's)."""
        self._next_id += 1
        future: asyncio.Future[tuple[float, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        self.send({"id": self._next_id, "method": method, "params": params})
        arrived, message = await asyncio.wait_for(future, 300)
        if "error" in message:
            raise RuntimeError(f"{self.name}: {method} failed: {message['error']}")
        return arrived, message.get("result")

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        out = self._process.stdout
        while True:
            length = None
            while True:
                line = await out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                continue
            body = await out.readexactly(length)
            arrived = time.perf_counter()
            message = json.loads(body)
            if "method" not in message:
                future = self._pending.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result((arrived, message))
            elif "id" in message:
                self.send({"id": message["id"], "result": self._answer(message)})
            elif message["method"] == "textDocument/publishDiagnostics":
                params = message["params"]
                self.published[params["uri"]] = (
                    params.get("version"),
                    arrived,
                    params["diagnostics"],
                )
                self._published_event.set()

    def _answer(self, message: dict[str, Any]) -> Any:
        method, params = message["method"], message.get("params")
        if method == "workspace/configuration":
            assert isinstance(params, dict)
            return [self._section(item.get("section")) for item in params["items"]]
        if method == "vscode/content":
            uri = params[0] if isinstance(params, list) else params
            return Path(str(uri).removeprefix("file://")).read_text()
        return None  # registrations, progress tokens, refreshes

    def _section(self, section: str | None) -> Any:
        if not self.settings or section is None:
            return self.settings
        node: Any = self.settings
        for part in section.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    # --- the session ---

    async def start(self, root: Path) -> float:
        """Starts the server; the seconds from spawning it until it answers a request after
        `initialized` (lexis-ls answers `initialize` before it has loaded everything)."""
        started = time.perf_counter()
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=1 << 26,
        )
        self.pid = self._process.pid
        self._reader = asyncio.create_task(self._read())
        text_caps: dict[str, Any] = {
            "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
            "synchronization": {"dynamicRegistration": False},
            "completion": {"completionItem": {"snippetSupport": True}},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "definition": {},
            "codeAction": {
                "codeActionLiteralSupport": {
                    "codeActionKind": {"valueSet": ["quickfix", "refactor", "source"]}
                }
            },
        }
        if self.client_pulls:
            text_caps["diagnostic"] = {"dynamicRegistration": False}
        _, result = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "capabilities": {
                    "textDocument": text_caps,
                    "workspace": {"configuration": True},
                },
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}],
                "initializationOptions": self.init_options,
            },
        )
        self.capabilities = result["capabilities"]
        self.pull = self.client_pulls and self.capabilities.get("diagnosticProvider") is not None
        self.notify("initialized", {})
        if self.settings is not None:
            self.notify("workspace/didChangeConfiguration", {"settings": self.settings})
        await self.ping()
        ready = time.perf_counter() - started
        await asyncio.sleep(1.0)  # configuration, registrations and warm-ups settle
        return ready

    async def ping(self) -> None:
        """A request no server knows: answered (with an error) once the server reads requests."""
        self._next_id += 1
        future: asyncio.Future[tuple[float, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        self.send({"id": self._next_id, "method": "bench/ping", "params": {}})
        await asyncio.wait_for(future, 300)

    async def diagnostics_after(self, doc: Text, since: float, timeout: float = 300) -> float:
        """Seconds from ``since`` until the diagnostics of ``doc``'s version are available
        (for the push-only JSON server, less its fixed validation delay)."""
        if self.pull:
            arrived, result = await self.call(
                "textDocument/diagnostic", {"textDocument": {"uri": doc.uri}}
            )
            elapsed = arrived - since
            self.last_diagnostics = result.get("items", []) if isinstance(result, dict) else []
            return elapsed
        deadline = since + timeout
        while time.perf_counter() < deadline:
            got = self.published.get(doc.uri)
            if got is not None and got[1] >= since and (got[0] is None or got[0] >= doc.version):
                self.last_diagnostics = got[2]
                return got[1] - since - self.push_delay
            self._published_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published_event.wait(), 1)
        raise TimeoutError(f"{self.name}: no diagnostics for version {doc.version}")

    async def open(self, doc: Text) -> float:
        since = time.perf_counter()
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": doc.uri,
                    "languageId": "json",
                    "version": doc.version,
                    "text": doc.text,
                }
            },
        )
        return await self.diagnostics_after(doc, since)

    async def close(self, doc: Text) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
        await self.ping()
        await asyncio.sleep(0.3)  # the (empty) diagnostics a server publishes on closing

    async def change(self, doc: Text, params: dict[str, Any]) -> float:
        since = time.perf_counter()
        self.notify("textDocument/didChange", params)
        return await self.diagnostics_after(doc, since)

    async def stop(self) -> int:
        """Ends the server; its peak RSS in KiB."""
        assert self._process is not None
        peak = peak_rss_kb(self.pid)
        try:
            await asyncio.wait_for(self.request("shutdown", None), 10)
            self.notify("exit", None)
            await asyncio.wait_for(self._process.wait(), 5)
        except Exception:
            self._process.kill()
            await self._process.wait()
        if self._reader is not None:
            self._reader.cancel()
        return peak


# --- the edits -------------------------------------------------------------------------------

Step = Callable[[Text], tuple[int, int, str]]  # the edit to make now, from the current text


def line_span(text: str, line: int) -> tuple[int, int]:
    """Start and end offset (before the line break) of ``line``."""
    start = 0
    for _ in range(line):
        start = text.index("\n", start) + 1
    return start, text.index("\n", start)


def line_of_node(text: str, nid: str) -> tuple[int, int]:
    at = text.index(f'{{"id": "{nid}", ')
    return at, text.index("\n", at)


def consumed_node(text: str, middle: int, op: str | None = None) -> str:
    """An id near node ``middle`` that other nodes read (and, with ``op``, of that op)."""
    for k in range(middle, middle + 2000):
        nid = f"n{k}"
        start, end = line_of_node(text, nid)
        if (op is None or f'"op": "{op}"' in text[start:end]) and f'"{nid}"]' in text[
            end : end + 4000
        ]:
            return nid
    raise ValueError("no consumed node near the middle")


def value_edit(nid: str, doc: Text) -> tuple[int, int, str]:
    """The last digit of the constant ``nid`` counted up: one character, the same length."""
    start = line_of_node(doc.text, nid)[0]
    stop = doc.text.index("}", doc.text.index('"value": ', start))
    digit = doc.text[stop - 1]
    return stop - 1, stop, str((int(digit) + 1) % 10)


def steps(kind: str, text: str, n: int, rep: int) -> list[tuple[str, Step, bool]]:
    """The steps of one repetition of ``kind``: (label, edit, full-text sync)."""
    middle = n // 2 + 7 * rep
    if kind in ("value", "value-full"):
        value = partial(value_edit, consumed_node(text, middle, "const"))
        return [(kind, value, kind == "value-full")]  # the label is the kind
    if kind == "rename":
        nid = consumed_node(text, middle)

        def rename(doc: Text, nid: str = nid) -> tuple[int, int, str]:
            at = doc.text.index(f'{{"id": "{nid}", ') + len('{"id": "') + len(nid)
            return at, at, "x"

        def back(doc: Text, nid: str = nid) -> tuple[int, int, str]:
            at = doc.text.index(f'{{"id": "{nid}x", ') + len('{"id": "') + len(nid)
            return at, at + 1, ""

        return [("rename", rename, False), ("rename back", back, False)]
    if kind == "brace":
        nid = f"n{middle}"

        def delete(doc: Text, nid: str = nid) -> tuple[int, int, str]:
            _, end = line_of_node(doc.text, nid)
            return end - 2, end - 1, ""  # the line ends with "},"

        def restore(doc: Text, nid: str = nid) -> tuple[int, int, str]:
            _, end = line_of_node(doc.text, nid)
            return end - 1, end - 1, "}"

        return [("brace deleted", delete, False), ("brace restored", restore, False)]
    if kind == "append":
        new = (
            f',\n    {{"id": "extra{rep}", "op": "add", "inputs": ["n{n - 2}", "n{n - 3 - rep}"]}}'
        )

        def append(doc: Text) -> tuple[int, int, str]:
            at = doc.text.rindex("}\n  ]")
            return at + 1, at + 1, new

        def remove(doc: Text) -> tuple[int, int, str]:
            at = doc.text.rindex(new)
            return at, at + len(new), ""

        return [("node appended", append, False), ("appended node removed", remove, False)]
    if kind == "paste":
        around = [f"n{k}" for k in range(middle - 20, middle + 1)]
        pasted = block(200, around, seed=rep)

        def paste(doc: Text, nid: str = f"n{middle}") -> tuple[int, int, str]:
            _, end = line_of_node(doc.text, nid)
            return end + 1, end + 1, pasted

        def cut(doc: Text, nid: str = f"n{middle}") -> tuple[int, int, str]:
            _, end = line_of_node(doc.text, nid)
            return end + 1, end + 1 + len(pasted), ""

        return [("200 nodes pasted", paste, False), ("200 nodes deleted", cut, False)]
    raise ValueError(kind)


# --- one size, one client kind ---------------------------------------------------------------


@dataclass
class Measures:
    ready: list[float] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    edits: dict[str, list[float]] = field(default_factory=dict)
    probes: dict[str, list[float]] = field(default_factory=dict)
    rss_kb: int = 0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def make_sessions(pull: bool, schema_uri: str) -> list[Session]:
    lexis = Session(
        "lexis-ls",
        [sys.executable, "-m", "lexis_ls"],
        pull,
        settings={"lexis": {"diagnostics": {"debounceMs": 0}}},
    )
    json_settings = {
        "json": {
            "validate": {"enable": True},
            "schemas": [{"fileMatch": ["*.lexis.json"], "url": schema_uri}],
        }
    }
    vsjson = Session(
        "vscode-json",
        [str(JSON_SERVER), "--stdio"],
        pull,
        init_options={"handledSchemaProtocols": ["file"], "provideFormatter": True},
        settings=json_settings,
        push_delay=0.0 if pull else JSON_PUSH_DELAY,
    )
    return [lexis, vsjson]


async def measure(
    n: int, pull: bool, reps: int, probes: int, reopens: int, after_edits: int
) -> dict[str, Measures]:
    text = generate(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        schema = root / "shape.schema.json"
        schema.write_text(json.dumps(SHAPE_SCHEMA))
        path = root / f"bench{n}.lexis.json"
        path.write_text(text)
        sessions = make_sessions(pull, schema.as_uri())
        results = {s.name: Measures() for s in sessions}
        docs = {s.name: Text(path.as_uri(), text) for s in sessions}
        for s in sessions:
            results[s.name].ready.append(await s.start(root))
        for s in sessions:
            results[s.name].open.append(await s.open(docs[s.name]))
        for _ in range(reopens):  # closed and opened again, a fresh analysis each time
            for s in sessions:
                await s.close(docs[s.name])
                docs[s.name] = Text(docs[s.name].uri, text)
                results[s.name].open.append(await s.open(docs[s.name]))
        for kind in EDIT_KINDS:
            for rep in range(reps):
                for label, step, full in steps(kind, text, n, rep):
                    for s in sessions:  # interleaved: the same step on each server in turn
                        doc = docs[s.name]
                        start, end, new = step(doc)
                        elapsed = await s.change(doc, doc.replace(start, end, new, full))
                        results[s.name].edits.setdefault(label, []).append(elapsed)
        for s in sessions:
            await probe(s, docs[s.name], n, probes, results[s.name])
        await probe_after_edits(sessions, docs, n, after_edits, results)
        for s in sessions:
            results[s.name].rss_kb = await s.stop()
        return results


def probe_point(doc: Text, n: int) -> tuple[int, dict[str, Any]]:
    """The start of the line of an `add` node in the middle, and the position params of its
    first input id."""
    line_start = line_of_node(doc.text, consumed_node(doc.text, n // 2 + 3, "add"))[0]
    at = doc.text.index('"inputs": ["', line_start) + len('"inputs": ["') + 1
    return line_start, {"textDocument": {"uri": doc.uri}, "position": doc.position(at)}


async def probe(s: Session, doc: Text, n: int, count: int, out: Measures) -> None:
    """Completion, hover and definition on an input id, code actions on an unused node."""
    line_start, where = probe_point(doc, n)
    unused = next(
        (
            d
            for d in s.last_diagnostics
            if d.get("code") == "LX3001" and d["range"]["start"]["line"] > n // 2
        ),
        None,
    )
    action_range = (
        unused["range"]
        if unused is not None
        else {"start": doc.position(line_start), "end": doc.position(line_start)}
    )
    action = {
        "textDocument": {"uri": doc.uri},
        "range": action_range,
        "context": {"diagnostics": [unused] if unused is not None else []},
    }
    requests = {
        "completion": ("textDocument/completion", where, "completionProvider"),
        "hover": ("textDocument/hover", where, "hoverProvider"),
        "definition": ("textDocument/definition", where, "definitionProvider"),
        "code action": ("textDocument/codeAction", action, "codeActionProvider"),
    }
    for name, (method, params, capability) in requests.items():
        if not s.capabilities.get(capability):
            continue
        out.probes[name] = [(await s.request(method, params))[0] for _ in range(count)]


AFTER_EDIT = (  # (row, request, seconds between the edit's diagnostics and the request)
    ("completion after an edit", "textDocument/completion", 0.0),
    ("hover after an edit", "textDocument/hover", 0.0),
    ("hover 300 ms after an edit", "textDocument/hover", HOVER_DELAY),
)


async def probe_after_edits(
    sessions: list[Session], docs: dict[str, Text], n: int, count: int, results: dict[str, Measures]
) -> None:
    """Each request of AFTER_EDIT on the probe point's input id, ``count`` times, each time
    after a one-character edit of a constant upstream of it (in the first quarter of the
    program) and its diagnostics: what a user sees who types, then completes or hovers. The
    servers take turns, edit by edit."""
    text = next(iter(docs.values())).text
    for rep in range(count):
        upstream = consumed_node(text, n // 4 + 11 * rep, "const")
        for name, method, pause in AFTER_EDIT:
            for s in sessions:
                doc = docs[s.name]
                start, end, new = value_edit(upstream, doc)
                await s.change(doc, doc.replace(start, end, new, False))
                if pause:
                    await asyncio.sleep(pause)
                elapsed = (await s.request(method, probe_point(doc, n)[1]))[0]
                results[s.name].probes.setdefault(name, []).append(elapsed)


# --- the report ------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b > 0 else "—"


def rows_of(result: dict[str, Measures]) -> list[tuple[str, float, float | None]]:
    """(measure, lexis-ls seconds, JSON server seconds or None) of one size and client."""
    a, b = result["lexis-ls"], result["vscode-json"]
    out: list[tuple[str, float, float | None]] = [
        ("start-up (spawn → serving)", statistics.median(a.ready), statistics.median(b.ready)),
        ("didOpen → diagnostics", statistics.median(a.open), statistics.median(b.open)),
        ("first didOpen → diagnostics", a.open[0], b.open[0]),
    ]
    for label, samples in a.edits.items():
        out.append(
            (f"edit: {label}", statistics.median(samples), statistics.median(b.edits[label]))
        )
    for name in ("completion", "hover", "definition", "code action", *(r[0] for r in AFTER_EDIT)):
        if name in a.probes:
            other = b.probes.get(name)
            out.append((f"{name} p95", p95(a.probes[name]), p95(other) if other else None))
    return out


def ratio_table(all_results: dict[tuple[int, str], dict[str, Measures]]) -> str:
    """Measures down, sizes and clients across: lexis-ls time / JSON server time."""
    columns = list(all_results)
    measures: list[str] = []
    cells: dict[tuple[str, tuple[int, str]], str] = {}
    for column, result in all_results.items():
        for name, x, y in rows_of(result):
            if name not in measures:
                measures.append(name)
            cells[(name, column)] = ratio(x, y) if y is not None else f"{ms(x)} ms"
        a, b = result["lexis-ls"], result["vscode-json"]
        cells[("peak RSS", column)] = ratio(a.rss_kb, b.rss_kb)
    measures.append("peak RSS")
    head = "| measure | " + " | ".join(f"{n // 1000}k {mode}" for n, mode in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for name in measures:
        lines.append(f"| {name} | " + " | ".join(cells.get((name, c), "—") for c in columns) + " |")
    return "\n".join(lines)


def table(all_results: dict[tuple[int, str], dict[str, Measures]]) -> str:
    """Every measure in milliseconds, both servers."""
    lines = [
        "| nodes | client | measure | lexis-ls ms | JSON server ms | ratio |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for (n, mode), result in all_results.items():
        first = f"| {n:,} | {mode} "
        for name, x, y in rows_of(result):
            y_text = ms(y) if y is not None else "n/a"
            r = ratio(x, y) if y is not None else "—"
            lines.append(f"{first}| {name} | {ms(x)} | {y_text} | {r} |")
        a, b = result["lexis-ls"], result["vscode-json"]
        lines.append(
            f"{first}| peak RSS MB | {a.rss_kb / 1024:.0f} | {b.rss_kb / 1024:.0f} | "
            f"{ratio(a.rss_kb, b.rss_kb)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; Node {node}; lexis-ls analysis core: {core()}"
    )


def core() -> str:
    """Whether the server's analysis core runs compiled (lexis_ls/lang/native.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "lexis_ls.build_native", "--status"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return done.stdout.strip() or done.stderr.strip()


def ensure_json_server() -> None:
    """`npm ci` of benchmarks/package.json (vscode-langservers-extracted) into the cache."""
    if JSON_SERVER.exists():
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, CACHE / name)
    print(f"installing vscode-json-language-server into {CACHE} ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CACHE, check=True)


async def main_async(sizes: list[int], modes: list[str], quick: bool, write: bool) -> None:
    ensure_json_server()
    print(f"lexis-ls analysis core: {core()}", flush=True)
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    all_results: dict[tuple[int, str], dict[str, Measures]] = {}
    for n in sizes:
        reps = (2 if n >= 50_000 else 3) if quick else (5 if n >= 50_000 else 9)
        probes = 20 if quick else (60 if n >= 50_000 else 100)
        for mode in modes:
            t0 = time.perf_counter()
            after_edits = 5 if quick else 15
            result = await measure(n, mode == "pull", reps, probes, 4 if quick else 14, after_edits)
            all_results[(n, mode)] = result
            print(f"{n} nodes, {mode}: {time.perf_counter() - t0:.0f} s", flush=True)
    load_after = os.getloadavg()
    ratios = ratio_table(all_results)
    report = table(all_results)
    print()
    print(ratios)
    print("\n(ratio = lexis-ls / JSON server; below 1× lexis-ls is faster)\n")
    print(report)
    if not write:
        return
    loaded = max(load_before[0], load_after[0]) > 1.0
    note = (
        f"The machine was loaded while it ran (1-minute load average {load_before[0]:.1f} "
        f"before, {load_after[0]:.1f} after, on {os.cpu_count()} cores: other jobs were "
        "running), so absolute times are noisy; both servers were measured interleaved, step "
        "by step, so the ratios are the meaningful part."
        if loaded
        else f"1-minute load average {load_before[0]:.1f} before, {load_after[0]:.1f} after."
    )
    RESULTS.write_text(
        "# lexis-ls against vscode-json-language-server\n\n"
        f"Written by `make bench-lsp` (benchmarks/bench_lsp.py) on {started:%Y-%m-%d %H:%M} UTC."
        f"\n\nMachine: {machine()}.\n\n{note}\n\n"
        "Medians of each edit step over its repetitions (an edit and its undo are separate "
        "rows); didOpen: the median of fifteen opens (the first after start-up, and fourteen "
        "more each after closing the document), and the first alone; p95 of the requests (the ones "
        "after an edit: the first request on each new version); JSON "
        "server: vscode-langservers-extracted 4.10.0 with a "
        "shape-only JSON Schema; its push-only times are given less its fixed "
        f"{JSON_PUSH_DELAY * 1000:.0f} ms validation delay. lexis-ls push-only runs with "
        "`lexis.diagnostics.debounceMs` 0. A ratio below 1× means lexis-ls is faster (or "
        "smaller); where the JSON server has no such request (definition), the ratio table "
        "gives lexis-ls's own p95.\n\n## Ratios (lexis-ls / JSON server)\n\n"
        + ratios
        + "\n\n## Times\n\n"
        + report
        + "\n"
    )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description="lexis-ls vs vscode-json-language-server")
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--modes", default="pull,push")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(
        main_async(
            [int(s) for s in args.sizes.split(",")],
            args.modes.split(","),
            args.quick,
            not args.no_write,
        )
    )


if __name__ == "__main__":
    main()
