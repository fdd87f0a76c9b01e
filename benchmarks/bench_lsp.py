"""lexis-ls against vscode-json-language-server on the same generated programs.

For 100, 1k, 10k and 50k nodes (one node per line) it starts each server as an editor would,
opens the document and measures:

- initialize: spawning the server until its `initialize` answer;
- first open: `didOpen` until the document's diagnostics are available;
- edit: a one-node edit (`didChange` changing one constant) until the new diagnostics arrive,
  median of 15 (pull diagnostics when the server offers them, else time to `publishDiagnostics`);
- completion and hover p95 (20 each) on an opcode in the middle of the document;
- RSS of the server process at the end.

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

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

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
    def __init__(
        self, name: str, command: list[str], init_options: Any = None, settings: Any = None
    ) -> None:
        self.name = name
        self.command = command
        self.init_options = init_options
        self.settings = settings
        self.client = LanguageClient("bench", "1")
        self.published: dict[str, tuple[int | None, float]] = {}
        self.pull = False

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = (params.version, time.perf_counter())

        @self.client.feature(lsp.WORKSPACE_CONFIGURATION)
        def on_configuration(params: lsp.ConfigurationParams) -> list[Any]:
            return [self._section(item.section) for item in params.items]

        @self.client.feature("vscode/content")
        def on_content(params: Any) -> str:
            uri = params[0] if isinstance(params, list) else params
            return Path(str(uri).removeprefix("file://")).read_text()

        @self.client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: Any) -> None:
            return None

        @self.client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress(params: Any) -> None:
            return None

        @self.client.feature(lsp.WORKSPACE_DIAGNOSTIC_REFRESH)
        def on_refresh(params: Any) -> None:
            return None

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: Any) -> None:
            return None

    def _section(self, section: str | None) -> Any:
        if not self.settings or section is None:
            return self.settings
        return self.settings.get(section)

    async def start(self, root: Path) -> float:
        started = time.perf_counter()
        await self.client.start_io(*self.command)
        caps = lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                diagnostic=lsp.DiagnosticClientCapabilities(),
                publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
                synchronization=lsp.TextDocumentSyncClientCapabilities(),
                completion=lsp.CompletionClientCapabilities(
                    completion_item=lsp.ClientCompletionItemOptions(snippet_support=True)
                ),
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            ),
            workspace=lsp.WorkspaceClientCapabilities(configuration=True),
        )
        result = await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=caps,
                root_uri=root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="bench")],
                initialization_options=self.init_options,
            )
        )
        elapsed = time.perf_counter() - started
        self.pull = result.capabilities.diagnostic_provider is not None
        self.client.initialized(lsp.InitializedParams())
        if self.settings is not None:
            self.client.workspace_did_change_configuration(
                lsp.DidChangeConfigurationParams(settings=self.settings)
            )
        return elapsed

    async def diagnostics_after(
        self, uri: str, version: int, since: float, timeout: float = 120
    ) -> float:
        """Seconds from ``since`` until the diagnostics of ``version`` are available."""
        if self.pull:
            await self.client.text_document_diagnostic_async(
                lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
            )
            return time.perf_counter() - since
        deadline = since + timeout
        while time.perf_counter() < deadline:
            got = self.published.get(uri)
            if got is not None and (got[0] is None or got[0] >= version) and got[1] >= since:
                return got[1] - since
            await asyncio.sleep(0.001)
        raise TimeoutError(f"{self.name}: no diagnostics for version {version}")

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        except Exception:
            pass
        await self.client.stop()


async def measure(
    session: Session, root: Path, n: int, edits: int, probes: int
) -> dict[str, float]:
    text, line = generate(n)
    path = root / f"bench{n}.lexis.json"
    path.write_text(text)
    uri = path.as_uri()
    out: dict[str, float] = {"initialize": await session.start(root)}
    await asyncio.sleep(0.2)
    since = time.perf_counter()
    session.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="json", version=1, text=text)
        )
    )
    out["open"] = await session.diagnostics_after(uri, 1, since)
    line_text = text.splitlines()[line]
    col = line_text.index('"value": ') + len('"value": ')
    old = line_text[col:].rstrip("},")
    times = []
    for k in range(edits):
        value = str(10_000 + k)
        version = k + 2
        since = time.perf_counter()
        session.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(
                            start=lsp.Position(line, col), end=lsp.Position(line, col + len(old))
                        ),
                        text=value,
                    )
                ],
            )
        )
        times.append(await session.diagnostics_after(uri, version, since))
        old = value
    out["edit"] = statistics.median(times)
    op_line = line + 1
    op_col = text.splitlines()[op_line].index('"op": "') + 8
    pos = lsp.Position(op_line, op_col)
    ident = lsp.TextDocumentIdentifier(uri=uri)
    for name, call in (
        (
            "completion",
            lambda: session.client.text_document_completion_async(
                lsp.CompletionParams(text_document=ident, position=pos)
            ),
        ),
        (
            "hover",
            lambda: session.client.text_document_hover_async(
                lsp.HoverParams(text_document=ident, position=pos)
            ),
        ),
    ):
        samples = []
        for _ in range(probes):
            t0 = time.perf_counter()
            await call()
            samples.append(time.perf_counter() - t0)
        samples.sort()
        out[name] = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    pid = session.client._server.pid if session.client._server else 0  # type: ignore[attr-defined]
    out["rss_mb"] = rss_kb(pid) / 1024
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
                for key in ("initialize", "open", "edit", "completion", "hover")
            )
            + f" | rss {a['rss_mb']:.0f}/{b['rss_mb']:.0f} MB",
            flush=True,
        )
    print("\n(lexis-ls/vscode-json-language-server; ratio < 1 means lexis-ls is faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description="lexis-ls vs vscode-json-language-server")
    parser.add_argument("--sizes", default="100,1000,10000,50000")
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--probes", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main_async([int(s) for s in args.sizes.split(",")], args.edits, args.probes))


if __name__ == "__main__":
    main()
