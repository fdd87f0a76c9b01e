"""OS-enforced limits of the language server's `lexis.run` (a worker process under RLIMIT_AS and
RLIMIT_CPU, its process group killed KILL_GRACE after the time limit): a memory or time stop is
a stopped run with LX4002 ("memory limit / time limit of … reached"), never "internal error:
Traceback…", and the server carries on.

The documents opened here use a `param` base for their bombs: the server analyses every open
document in its own process, and a constant bomb would be folded by those checks (that is the
static checks' business, not the run's).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from test_limits_cli import HOG_PARAM, SMALL_TEXT, delay_program, memory_hog, sequence_bomb

from lexis_ls.run import limits
from lexis_ls.server.config import Settings

pytestmark = pytest.mark.skipif(not limits.supported(), reason="no fork/setrlimit here")

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lexis_ls"])
PROFILE = "visual-studio-code@1.65.2"  # pushed diagnostics


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    features = lsp_client.protocol.fm._features

    def answer(params: Any) -> None:
        return None

    for method in (
        lsp.CLIENT_REGISTER_CAPABILITY,
        lsp.WORKSPACE_INLAY_HINT_REFRESH,
        lsp.WORKSPACE_DIAGNOSTIC_REFRESH,
        lsp.WORKSPACE_CODE_LENS_REFRESH,
        lsp.WORKSPACE_SEMANTIC_TOKENS_REFRESH,
    ):
        features[method] = answer
    lsp_client.set_configuration({}, section="lexis")
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities(PROFILE),
            root_uri=tmp_path.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=tmp_path.as_uri(), name=tmp_path.name)],
        )
    )
    yield
    await lsp_client.shutdown_session()


def configure(client: LanguageClient, run: dict[str, Any]) -> None:
    client.set_configuration({"run": run}, section="lexis")
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"lexis": {"run": run}})
    )


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="lexis", version=1, text=text)
        )
    )
    return uri


async def run(client: LanguageClient, uri: str, params: dict[str, str] | None = None) -> Any:
    args: list[Any] = [uri, {"params": params or {}}]
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="lexis.run", arguments=args)
    )


async def lx4002(client: LanguageClient, uri: str, timeout: float = 10) -> lsp.Diagnostic:
    deadline = time.monotonic() + timeout
    while True:
        found = [d for d in client.diagnostics.get(uri, []) if d.code == "LX4002"]
        if found:
            return found[0]
        assert time.monotonic() < deadline, client.diagnostics.get(uri)
        await asyncio.sleep(0.05)


def worker_pids(client: LanguageClient, what: str) -> list[int]:
    pattern = re.compile(rf"^lexis\.run: worker (\d+) {what}")
    return [int(m.group(1)) for msg in client.log_messages if (m := pattern.match(msg.message))]


async def settle(client: LanguageClient) -> None:
    # the configuration change reaches the server before the next request
    await asyncio.sleep(0.3)


async def test_a_memory_hog_is_stopped_at_the_memory_limit(
    client: LanguageClient, tmp_path: Path
) -> None:
    configure(client, {"timeout": 10, "memory": "300M"})
    await settle(client)
    text = memory_hog()
    uri = open_doc(client, tmp_path / "hog.lexis.json", text)
    started = time.monotonic()
    result = await run(client, uri, {"x": HOG_PARAM})
    assert time.monotonic() - started < 11
    assert result["status"] == "stopped", result
    assert result["reason"] == SMALL_TEXT
    assert result["stdout"] == "before\n"  # what it printed before the stop
    found = await lx4002(client, uri)
    assert found.message.startswith(f"the run was stopped: {SMALL_TEXT}")
    # at the node that was running (one of the `concat`s), not at the document start
    line = text.splitlines()[found.range.start.line]
    assert '"op": "concat"' in line or '"id": "e' in line or '"id": "c' in line, line
    # the server is fine and runs the next program
    configure(client, {"timeout": 10})
    await settle(client)
    again = await run(client, open_doc(client, tmp_path / "slow.lexis.json", delay_program(0)))
    assert again["status"] == "ok" and again["stdout"] == "before\nbefore\n"


async def test_a_worker_that_does_not_answer_is_killed_at_the_time_limit(
    client: LanguageClient, tmp_path: Path
) -> None:
    configure(client, {"timeout": 3})
    await settle(client)
    uri = open_doc(client, tmp_path / "slow.lexis.json", delay_program(30))
    request = asyncio.ensure_future(run(client, uri))
    for _ in range(500):
        if worker_pids(client, "started"):
            break
        await asyncio.sleep(0.02)
    [pid] = worker_pids(client, "started")
    started = time.monotonic()
    await asyncio.sleep(1.5)  # its start-up is over: the run is in its `delay`
    os.kill(pid, signal.SIGSTOP)  # stuck where nothing inside it can stop it
    result = await request
    assert time.monotonic() - started < 3 + 1 + 0.5  # + the worker's start-up
    assert (result["status"], result["reason"]) == ("stopped", "time limit of 3 s reached")
    assert worker_pids(client, "killed: still running") == [pid]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    found = await lx4002(client, uri)
    assert found.message.startswith("the run was stopped: time limit of 3 s reached")


@pytest.mark.parametrize("tail", ["to_str", "eq"])
async def test_the_issue_bombs_end_within_the_time_limit(
    client: LanguageClient, tmp_path: Path, tail: str
) -> None:
    configure(client, {"timeout": 2, "memory": "300M"})
    await settle(client)
    text = sequence_bomb(tail, "param")
    if tail == "eq":
        data = json.loads(text)
        data["nodes"][-2]["inputs"] = ["s12", "s11"]
        text = json.dumps(data, indent=1)
    uri = open_doc(client, tmp_path / "bomb.lexis.json", text)
    started = time.monotonic()
    result = await run(client, uri, {"x": "xxxxxxxxxx"})
    assert time.monotonic() - started < 3.0 + 0.5  # + the worker's start-up
    assert "internal error" not in json.dumps(result) and "Traceback" not in json.dumps(result)
    if result["status"] == "stopped":
        assert result["reason"].startswith(("time limit of 2 s reached", SMALL_TEXT))


# --- the worker and the setting ----------------------------------------------------------


def worker(request: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.run.worker"],
        input=json.dumps(request).encode(),
        capture_output=True,
        timeout=60,
    )
    out = proc.stdout.decode()
    return proc.returncode, out, json.loads(out)


def test_the_worker_answers_a_memory_stop_at_the_running_node(tmp_path: Path) -> None:
    request = {
        "text": memory_hog(),
        "program_dir": str(tmp_path),
        "params": {"x": HOG_PARAM},
        "timeout": 10,
        "memory": 300 << 20,
    }
    code, out, response = worker(request)
    assert code == 0 and out.startswith("\n")  # the newline: the run has started
    assert response["status"] == "stopped" and response["reason"] == SMALL_TEXT
    assert response["output"] == "before\n"
    assert response["stopped_main"]["id"] == response["stopped_at"]
    assert response["stopped_at"].startswith(("c", "e"))
    assert len(response["program_hash"]) == 64


def test_the_worker_refuses_a_bad_memory_limit(tmp_path: Path) -> None:
    request = {"text": "{}", "program_dir": str(tmp_path), "timeout": 1, "memory": 5}
    code, _, response = worker(request)
    assert code == 2 and "`memory`" in response["error"]


def test_the_memory_setting() -> None:
    from lexis_ls.lang.project import ProjectConfig
    from lexis_ls.server.project import run_settings

    def memory(raw: object) -> int:  # the limit a run gets (no project configuration)
        return run_settings(Settings.from_json(raw), ProjectConfig()).memory

    assert memory({}) == limits.DEFAULT_MEMORY
    assert memory({"run": {"memory": "512M"}}) == 512 << 20
    assert memory({"run": {"memory": 2048}}) == 2 << 30  # MiB
    for bad in ("lots", 1, True, None, "2T"):
        assert memory({"run": {"memory": bad}}) == limits.DEFAULT_MEMORY
    # unset in the editor: the project configuration's; set: the editor's
    assert run_settings(Settings(), ProjectConfig(run_memory=300 << 20)).memory == 300 << 20
    assert run_settings(Settings(run_memory=400 << 20), ProjectConfig(run_memory=1)).memory == (
        400 << 20
    )


def test_the_worker_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    """The server's run command (its worker) follows the sandbox's file rules: a FIFO in the
    root is an error value, not a read that blocks until the time limit."""
    os.mkfifo(tmp_path / "pipe")
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "FS_READ"],
            "nodes": [
                {"id": "f", "op": "const", "value": "pipe"},
                {"id": "r", "op": "read_file", "inputs": ["f"]},
                {"id": "p", "op": "print", "inputs": ["r"]},
            ],
        }
    )
    started = time.monotonic()
    code, _, response = worker({"text": text, "program_dir": str(tmp_path), "timeout": 5})
    assert code == 0 and response["status"] == "ok"
    assert "FIFO" in response["output"]
    assert time.monotonic() - started < 5
