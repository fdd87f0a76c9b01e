"""lexis-ls against vscode-json-language-server on the same generated programs.

For 100, 1k, 10k and 50k nodes (one node per line) it starts each server as an editor would,
opens the document and measures:

- initialize: spawning the server until its `initialize` answer;
- first open: `didOpen` (sent right after `initialized`) until the document's diagnostics are
  available; ready = initialize + first open, from spawning to the first diagnostics;
- edit: a one-node edit (`didChange` changing one constant) until the new diagnostics arrive,
  median of 15 (pull diagnostics when the server offers them, else time to `publishDiagnostics`);
- completion and hover p95 (100 each) on an opcode in the middle of the document;
- RSS of the server process at the end.

The client is a minimal JSON-RPC client over the server's stdio (no lsprotocol types), so a
time is when the answer's bytes arrived, whatever its size, the same for both servers.

The JSON server is given the Lexis JSON Schema through `json.schemas` with validation on, so it
does the comparable job. Run: `.venv/bin/python benchmarks/bench_lsp.py [--sizes 100,1000]`
(it runs `npm install` in benchmarks/ first when the JSON server is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JSON_SERVER = HERE / "node_modules" / ".bin" / "vscode-json-language-server"
SCHEMA = ROOT / "schema" / "lexis.schema.json"
OPS = ["add", "sub", "mul"]


def generate(n: int) -> tuple[str, int]:
    """A valid program of ``n`` nodes, one per line; returns it and the line of a middle const."""
    lines = []
    for i in range(n - 1):
        if i < 2 or i % 3 == 0:
            node: dict[str, Any] = {"id": f"n{i}", "op": "const", "value": i}
        else:
            node = {"id": f"n{i}", "op": OPS[i % 3], "inputs": [f"n{i - 1}", f"n{i - 2}"]}
        lines.append("    " + json.dumps(node))
    lines.append(f'    {{"id": "out", "op": "print", "inputs": ["n{n - 2}"]}}')
    head = '{\n  "spec": "lexis-0.1.0",\n  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],\n  "nodes": [\n'
    text = head + ",\n".join(lines) + "\n  ]\n}\n"
    middle = 4 + ((n // 2) // 3) * 3  # line of a const node near the middle (0-based)
    return text, middle


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Session:
    """One server process and a bare JSON-RPC client talking to it."""

    def __init__(
        self, name: str, command: list[str], init_options: Any = None, settings: Any = None
    ) -> None:
        self.name = name
        self.command = command
        self.init_options = init_options
        self.settings = settings
        self.published: dict[str, tuple[int | None, float]] = {}
        self.pull = False
        self.pid = 0
        self._process: asyncio.subprocess.Process | None = None
        self._pending: dict[int, asyncio.Future[tuple[float, Any]]] = {}
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None

    # --- the wire ---

    def send(self, message: dict[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self._process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: Any) -> tuple[float, Any]:
        """Seconds until the answer arrived, and its result."""
        self._next_id += 1
        future: asyncio.Future[tuple[float, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        started = time.perf_counter()
        self.send({"id": self._next_id, "method": method, "params": params})
        arrived, message = await future
        if "error" in message:
            raise RuntimeError(f"{self.name}: {method} failed: {message['error']}")
        return arrived - started, message.get("result")

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
                self.published[params["uri"]] = (params.get("version"), arrived)

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
        return self.settings.get(section)

    # --- the session ---

    async def start(self, root: Path) -> float:
        started = time.perf_counter()
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.pid = self._process.pid
        self._reader = asyncio.create_task(self._read())
        caps = {
            "textDocument": {
                "diagnostic": {},
                "publishDiagnostics": {"versionSupport": True},
                "synchronization": {},
                "completion": {"completionItem": {"snippetSupport": True}},
                "hover": {"contentFormat": ["markdown"]},
            },
            "workspace": {"configuration": True},
        }
        _, result = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "capabilities": caps,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}],
                "initializationOptions": self.init_options,
            },
        )
        elapsed = time.perf_counter() - started
        self.pull = result["capabilities"].get("diagnosticProvider") is not None
        self.notify("initialized", {})
        if self.settings is not None:
            self.notify("workspace/didChangeConfiguration", {"settings": self.settings})
        return elapsed

    async def diagnostics_after(
        self, uri: str, version: int, since: float, timeout: float = 120
    ) -> float:
        """Seconds from ``since`` until the diagnostics of ``version`` are available."""
        if self.pull:
            await self.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
            return time.perf_counter() - since
        deadline = since + timeout
        while time.perf_counter() < deadline:
            got = self.published.get(uri)
            if got is not None and (got[0] is None or got[0] >= version) and got[1] >= since:
                return got[1] - since
            await asyncio.sleep(0.001)
        raise TimeoutError(f"{self.name}: no diagnostics for version {version}")

    async def stop(self) -> None:
        assert self._process is not None
        try:
            await asyncio.wait_for(self.request("shutdown", None), 10)
            self.notify("exit", None)
            await asyncio.wait_for(self._process.wait(), 5)
        except Exception:
            self._process.kill()
            await self._process.wait()
        if self._reader is not None:
            self._reader.cancel()


async def measure(
    session: Session, root: Path, n: int, edits: int, probes: int
) -> dict[str, float]:
    text, line = generate(n)
    path = root / f"bench{n}.lexis.json"
    path.write_text(text)
    uri = path.as_uri()
    out: dict[str, float] = {"initialize": await session.start(root)}
    since = time.perf_counter()
    session.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}},
    )
    out["open"] = await session.diagnostics_after(uri, 1, since)
    out["ready"] = out["initialize"] + out["open"]
    line_text = text.splitlines()[line]
    col = line_text.index('"value": ') + len('"value": ')
    old = line_text[col:].rstrip("},")
    times = []
    for k in range(edits):
        value = str(10_000 + k)
        version = k + 2
        since = time.perf_counter()
        session.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": col},
                            "end": {"line": line, "character": col + len(old)},
                        },
                        "text": value,
                    }
                ],
            },
        )
        times.append(await session.diagnostics_after(uri, version, since))
        old = value
    out["edit"] = statistics.median(times)
    op_line = line + 1
    op_col = text.splitlines()[op_line].index('"op": "') + 8
    where = {"textDocument": {"uri": uri}, "position": {"line": op_line, "character": op_col}}
    for name, method in (
        ("completion", "textDocument/completion"),
        ("hover", "textDocument/hover"),
    ):
        samples = [(await session.request(method, where))[0] for _ in range(probes)]
        samples.sort()
        out[name] = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    out["rss_mb"] = rss_kb(session.pid) / 1024
    await session.stop()
    return out


def sessions() -> list[Session]:
    lexis = Session(
        "lexis-ls",
        [sys.executable, "-m", "lexis_ls"],
        settings={"lexis": {"diagnostics": {"debounceMs": 0}}},
    )
    json_settings = {
        "json": {
            "validate": {"enable": True},
            "schemas": [{"fileMatch": ["*.lexis.json"], "url": SCHEMA.as_uri()}],
        }
    }
    vsjson = Session(
        "vscode-json",
        [str(JSON_SERVER), "--stdio"],
        init_options={"handledSchemaProtocols": ["file"], "provideFormatter": True},
        settings=json_settings,
    )
    return [lexis, vsjson]


def ensure_json_server() -> None:
    if not JSON_SERVER.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=HERE, check=True)


async def main_async(sizes: list[int], edits: int, probes: int) -> None:
    ensure_json_server()
    rows = []
    for n in sizes:
        result: dict[str, dict[str, float]] = {}
        for session in sessions():
            with tempfile.TemporaryDirectory() as tmp:
                result[session.name] = await measure(session, Path(tmp), n, edits, probes)
        rows.append((n, result))
        a, b = result["lexis-ls"], result["vscode-json"]
        print(
            f"{n:>6} nodes | "
            + " | ".join(
                f"{key} {a[key] * 1000:.1f}/{b[key] * 1000:.1f} ms ({a[key] / b[key]:.2f}x)"
                for key in ("initialize", "open", "ready", "edit", "completion", "hover")
            )
            + f" | rss {a['rss_mb']:.0f}/{b['rss_mb']:.0f} MB",
            flush=True,
        )
    print("\n(lexis-ls/vscode-json-language-server; ratio < 1 means lexis-ls is faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description="lexis-ls vs vscode-json-language-server")
    parser.add_argument("--sizes", default="100,1000,10000,50000")
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--probes", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main_async([int(s) for s in args.sizes.split(",")], args.edits, args.probes))


if __name__ == "__main__":
    main()
