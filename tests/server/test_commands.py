"""workspace/executeCommand end to end: `lexis.run` (a worker process, progress, run-time
diagnostics until the next edit, timeout, file confinement, cancellation), `lexis.hash`,
`lexis.explain` and `lexis.formatAll`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from lsp_support import SECTION1, SERVER, change, codes, diagnostics, open_doc, pulls, rng
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from lexis_ls.lang.diagnostics import explain_page
from lexis_ls.lang.format import format_text

HASH = "3ccd3d1fe8b17b530eceaa3441dc09065e1dbc83d2abd7e5aee143cea0fefca6"

DIVIDE = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 10},
    {"id": "d", "op": "param", "value": "divisor"},
    {"id": "n", "op": "to_num", "inputs": ["d"]},
    {"id": "q", "op": "div", "inputs": ["a", "n"]},
    {"id": "s", "op": "add", "inputs": ["q", "a"]},
    {"id": "out", "op": "print", "inputs": ["s"]}
  ]
}
"""

SUBGRAPH = """{
  "spec": "lexis-0.1.0",
  "capabilities": ["PURE_COMPUTE"],
  "nodes": [
    {"id": "five", "op": "const", "value": 5},
    {"id": "ten", "op": "subgraph_call", "inputs": ["five"], "value": "double"}
  ],
  "subgraphs": {
    "double": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "two", "op": "const", "value": 2},
        {"id": "r", "op": "mul", "inputs": ["x", "two"]},
        {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}
      ]
    }
  }
}
"""


def delay_program(seconds: float) -> str:
    return json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT"],
            "nodes": [
                {"id": "a", "op": "const", "value": 1},
                {"id": "wait", "op": "delay", "inputs": ["a"], "value": seconds},
                {"id": "out", "op": "print", "inputs": ["wait"]},
            ],
        },
        indent=2,
    )


def inlay_refreshes(client: LanguageClient) -> list[None]:
    """The workspace/inlayHint/refresh requests the client received (it answers them: an
    unanswered request fails the test)."""
    features = client.protocol.fm._features
    handler = features.get(lsp.WORKSPACE_INLAY_HINT_REFRESH)
    seen: list[None] | None = getattr(handler, "seen", None)
    if seen is not None:
        return seen
    received: list[None] = []

    def on_refresh(params: None) -> None:
        received.append(params)

    on_refresh.seen = received  # type: ignore[attr-defined]
    features[lsp.WORKSPACE_INLAY_HINT_REFRESH] = on_refresh
    return received


def span_of(text: str, needle: str) -> tuple[int, int, int, int]:
    """The range of the first `needle` in ASCII `text` (the same in every position encoding)."""
    at = text.index(needle)
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return (line, col, line, col + len(needle))


async def execute(client: LanguageClient, command: str, *args: Any) -> Any:
    inlay_refreshes(client)
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=list(args))
    )


async def invalid(client: LanguageClient, command: str, *args: Any) -> str:
    """The message of the "invalid params" error the command answers with."""
    with pytest.raises(JsonRpcException) as caught:
        await execute(client, command, *args)
    assert isinstance(caught.value, JsonRpcInvalidParams), caught.value
    return caught.value.message


async def settled(
    client: LanguageClient, uri: str, expected: list[str], timeout: float = 10
) -> list[lsp.Diagnostic]:
    """The document's diagnostics once their codes are `expected` (pulled or pushed)."""
    deadline = time.monotonic() + timeout
    while True:
        if pulls(client):
            found = await diagnostics(client, uri)
        else:
            found = list(client.diagnostics.get(uri, []))
        if codes(found) == expected or time.monotonic() > deadline:
            assert codes(found) == expected
            return found
        await asyncio.sleep(0.05)


def progress_of(client: LanguageClient, title: str) -> list[Any]:
    for reports in client.progress_reports.values():
        if (
            reports
            and isinstance(reports[0], lsp.WorkDoneProgressBegin)
            and (reports[0].title == title)
        ):
            return reports
    return []


async def ended(client: LanguageClient, title: str, timeout: float = 5) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        reports = progress_of(client, title)
        if (reports and isinstance(reports[-1], lsp.WorkDoneProgressEnd)) or (
            time.monotonic() > deadline
        ):
            return reports
        await asyncio.sleep(0.02)


def worker_pids(client: LanguageClient, what: str) -> list[int]:
    pattern = re.compile(rf"^lexis\.run: worker (\d+) {what}")
    return [int(m.group(1)) for msg in client.log_messages if (m := pattern.match(msg.message))]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- lexis.run ---------------------------------------------------------------------------


async def test_commands_are_advertised(tmp_path: Path) -> None:
    session = make_test_lsp_client()
    await session.start_io(*SERVER.server_command)
    try:
        result = await session.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("visual-studio-code@1.65.2"),
                root_uri=tmp_path.as_uri(),
            )
        )
        provider = result.capabilities.execute_command_provider
        assert provider is not None
        assert {"lexis.run", "lexis.hash", "lexis.explain", "lexis.formatAll"} <= set(
            provider.commands
        )
    finally:
        await session.shutdown_session()


async def test_run_returns_output_values_and_hash(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "s1.lexis.json", SECTION1)
    result = await execute(client, "lexis.run", uri)
    assert isinstance(result["durationMs"], float) and result["durationMs"] >= 0
    del result["durationMs"]
    assert result == {
        "stdout": "8\n",
        "values": {"a": "5", "b": "3", "sum": "8", "out": "8"},
        "errors": [],
        "programHash": HASH,
        "status": "ok",
        "reason": None,
    }
    reports = await ended(client, "Running s1.lexis.json")
    assert [type(r) for r in reports] == [lsp.WorkDoneProgressBegin, lsp.WorkDoneProgressEnd]
    assert reports[0].cancellable is True
    assert re.fullmatch(r"finished in \d+ ms", reports[-1].message)
    assert await diagnostics(client, uri, 1) == []


async def test_a_module_beside_the_program_is_not_imported_by_the_run(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The worker starts in the program's folder; a `lexis_ls` package there (a cloned,
    untrusted repository) must not stand in for the real one."""
    marker = tmp_path / "decoy-ran.txt"
    decoy = tmp_path / "lexis_ls"
    (decoy / "run").mkdir(parents=True)
    plant = f"open({str(marker)!r}, 'w').write('ran')\n"
    for name in ("__init__.py", "run/__init__.py", "run/worker.py"):
        (decoy / name).write_text(plant)
    uri = open_doc(client, tmp_path / "s1.lexis.json", SECTION1)
    result = await execute(client, "lexis.run", uri)
    assert result["status"] == "ok" and result["stdout"] == "8\n"
    assert not marker.exists()


async def test_run_uses_the_editor_text_not_the_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "edited.lexis.json", SECTION1)
    change(client, uri, 2, (4, 40), (4, 41), "40")  # a = 40, not saved
    result = await execute(client, "lexis.run", {"uri": uri})
    assert result["stdout"] == "43\n" and result["values"]["a"] == "40"


async def test_params_and_stdin_reach_the_program(client: LanguageClient, tmp_path: Path) -> None:
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "name": "greeter",
            "capabilities": ["PURE_COMPUTE", "IO_STDOUT", "IO_STDIN"],
            "nodes": [
                {"id": "who", "op": "param", "value": "name"},
                {"id": "times", "op": "param", "value": "n"},
                {"id": "line", "op": "read_stdin"},
                {
                    "id": "msg",
                    "op": "format",
                    "inputs": ["who", "line", "times"],
                    "value": "{} {} {}",
                },
                {"id": "out", "op": "print", "inputs": ["msg"]},
            ],
        },
        indent=2,
    )
    uri = open_doc(client, tmp_path / "greet.lexis.json", text)
    result = await execute(
        client, "lexis.run", uri, {"params": {"name": "Ada", "n": 3}, "stdin": "hi\nthere\n"}
    )
    assert (result["status"], result["stdout"]) == ("ok", "Ada hi 3\n")
    assert progress_of(client, "Running greeter")  # the program's name, when it has one


async def test_run_time_errors_are_diagnostics_until_the_next_edit(
    client: LanguageClient, tmp_path: Path
) -> None:
    refreshes = inlay_refreshes(client)
    uri = open_doc(client, tmp_path / "div.lexis.json", DIVIDE)
    assert await diagnostics(client, uri, 1) == []
    before = None
    if pulls(client):
        before = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
    result = await execute(client, "lexis.run", uri, {"params": {"divisor": "0"}})
    assert result["status"] == "ok"
    assert result["stdout"] == "Error: division by zero: 10 / 0 (at node q)\n"
    assert result["errors"] == [
        {
            "node": node,
            "message": "division by zero: 10 / 0",
            "chain": [{"node": "q", "message": "division by zero: 10 / 0"}],
        }
        for node in ("q", "s", "out")
    ]
    assert result["values"]["n"] == "0"
    found = await settled(client, uri, ["LX4001", "LX4001"])
    assert [rng(d) for d in found] == [(7, 11, 7, 14), (9, 11, 9, 16)]
    assert [rng(d) for d in found] == [span_of(DIVIDE, '"q"'), span_of(DIVIDE, '"out"')]
    assert found[0].severity == lsp.DiagnosticSeverity.Warning
    assert found[0].message.startswith("`q` produced an error value: division by zero: 10 / 0")
    assert found[1].message.startswith("`out` received from `q` an error value")
    if before is not None:  # a client that pulls with its last result id gets the new findings
        again = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                previous_result_id=before.result_id,
            )
        )
        assert isinstance(again, lsp.RelatedFullDocumentDiagnosticReport)
        assert codes(list(again.items)) == ["LX4001", "LX4001"]
    supports_refresh = client.profile == "neovim@0.11.0"  # type: ignore[attr-defined]
    for _ in range(100):
        if refreshes or not supports_refresh:
            break
        await asyncio.sleep(0.02)
    assert len(refreshes) == (1 if supports_refresh else 0)
    change(client, uri, 2, (4, 40), (4, 42), "12")
    assert await diagnostics(client, uri, 2) == []


async def test_a_slow_run_is_stopped_at_the_timeout(client: LanguageClient, tmp_path: Path) -> None:
    # the same settings if the server asks for them (it does after `initialized`, and the
    # answer may arrive after the notification)
    client.set_configuration({"run": {"timeout": 0.5}}, section="lexis")
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"lexis": {"run": {"timeout": 0.5}}})
    )
    uri = open_doc(client, tmp_path / "slow.lexis.json", delay_program(30))
    assert await diagnostics(client, uri, 1) == []
    started = time.monotonic()
    result = await execute(client, "lexis.run", uri)
    assert time.monotonic() - started < 20  # the delay is 30 s, the default timeout 10 s
    assert (result["status"], result["reason"]) == (
        "stopped",
        "time limit of 0.5 s reached during `delay`",
    )
    assert result["values"] == {"a": "1"} and result["stdout"] == ""
    found = await settled(client, uri, ["LX4002"])
    assert rng(found[0]) == span_of(delay_program(30), '"wait"')  # the id of `wait`
    assert found[0].message.startswith(
        "the run was stopped: time limit of 0.5 s reached during `delay`"
    )
    reports = await ended(client, "Running slow.lexis.json")
    assert reports[-1].message == "stopped: time limit of 0.5 s reached during `delay`"


async def test_file_access_is_confined_to_the_workspace(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "inside.txt").write_text("inside", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    text = json.dumps(
        {
            "spec": "lexis-0.1.0",
            "capabilities": ["PURE_COMPUTE", "FS_READ"],
            "nodes": [
                {"id": "p1", "op": "const", "value": "../inside.txt"},
                {"id": "r1", "op": "read_file", "inputs": ["p1"]},
                {"id": "p2", "op": "const", "value": "../../outside.txt"},
                {"id": "r2", "op": "read_file", "inputs": ["p2"]},
            ],
        },
        indent=2,
    )
    uri = open_doc(client, tmp_path / "sub" / "files.lexis.json", text)
    result = await execute(client, "lexis.run", uri)
    assert result["values"]["r1"] == "inside"  # the workspace folder is the root, not sub/
    message = (
        f"`../../outside.txt` is outside the allowed folder {os.path.realpath(tmp_path)} "
        "(file access is confined to it)"
    )
    assert result["errors"] == [
        {"node": "r2", "message": message, "chain": [{"node": "r2", "message": message}]}
    ]


async def test_a_refused_program_is_not_run(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "bad.lexis.json", SECTION1.replace('"add"', '"ADD"'))
    result = await execute(client, "lexis.run", uri)
    del result["durationMs"]
    assert result == {
        "stdout": "",
        "values": {},
        "errors": [],
        "programHash": None,
        "status": "refused",
        "reason": "the program has 1 error",
    }
    assert codes(await settled(client, uri, ["LX1001"])) == ["LX1001"]


async def test_cancelling_a_run_kills_its_worker(client: LanguageClient, tmp_path: Path) -> None:
    inlay_refreshes(client)
    uri = open_doc(client, tmp_path / "long.lexis.json", delay_program(30))
    request = asyncio.ensure_future(
        client.protocol.send_request_async(
            lsp.WORKSPACE_EXECUTE_COMMAND,
            lsp.ExecuteCommandParams(command="lexis.run", arguments=[uri]),
            msg_id="long-run",
        )
    )
    for _ in range(500):
        if worker_pids(client, "started"):
            break
        await asyncio.sleep(0.02)
    [pid] = worker_pids(client, "started")
    await asyncio.sleep(0.3)  # the worker is in its `delay` now
    assert alive(pid)
    started = time.monotonic()
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="long-run"))
    with pytest.raises(JsonRpcRequestCancelled):
        await request
    for _ in range(250):
        if not alive(pid) and worker_pids(client, "killed"):
            break
        await asyncio.sleep(0.02)
    assert not alive(pid)  # killed and reaped, well before the 10 s timeout
    assert time.monotonic() - started < 5
    assert worker_pids(client, "killed: the run was cancelled") == [pid]
    reports = await ended(client, "Running long.lexis.json")
    assert reports[-1].message == "cancelled"
    # the server is fine and runs the next program
    again = await execute(
        client, "lexis.run", open_doc(client, tmp_path / "s.lexis.json", SECTION1)
    )
    assert again["stdout"] == "8\n"


async def test_cancelling_the_progress_stops_the_run(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "long2.lexis.json", delay_program(30))
    assert await diagnostics(client, uri, 1) == []
    running = asyncio.ensure_future(execute(client, "lexis.run", uri))
    token = None
    for _ in range(500):
        pids = worker_pids(client, "started")
        token = next(
            (
                t
                for t, reports in client.progress_reports.items()
                if reports
                and isinstance(reports[0], lsp.WorkDoneProgressBegin)
                and reports[0].title == "Running long2.lexis.json"
            ),
            None,
        )
        if pids and token is not None:
            break
        await asyncio.sleep(0.02)
    assert token is not None
    [pid] = worker_pids(client, "started")
    started = time.monotonic()
    client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
    result = await running
    assert time.monotonic() - started < 5
    assert (result["status"], result["reason"], result["values"]) == (
        "stopped",
        "the run was cancelled",
        {},
    )
    for _ in range(250):
        if not alive(pid):
            break
        await asyncio.sleep(0.02)
    assert not alive(pid)
    assert worker_pids(client, "killed: the run was cancelled") == [pid]
    assert await diagnostics(client, uri, 1) == []  # a cancelled run leaves no finding


async def test_run_argument_errors(client: LanguageClient, tmp_path: Path) -> None:
    missing = (tmp_path / "nope.lexis.json").as_uri()
    assert await invalid(client, "lexis.run", missing) == (
        f"lexis.run: {missing} is not an open Lexis document"
    )
    assert "lexis.run takes [uri" in await invalid(client, "lexis.run")
    assert await invalid(client, "lexis.run", 3) == (
        "lexis.run: the first argument must be a document URI, not 3"
    )
    uri = open_doc(client, tmp_path / "s1.lexis.json", SECTION1)
    assert "unknown option 'argv'" in await invalid(client, "lexis.run", uri, {"argv": []})
    assert await invalid(client, "lexis.run", uri, {"stdin": 5}) == (
        "lexis.run: `stdin` must be a string"
    )
    assert await invalid(client, "lexis.run", uri, {"params": {"x": [1]}}) == (
        "lexis.run: parameter 'x' must be a string, number or boolean"
    )


# --- lexis.hash and lexis.explain --------------------------------------------------------


async def test_hash_of_an_open_document(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "s1.lexis.json", SECTION1)
    assert await execute(client, "lexis.hash", uri) == {
        "program": HASH,
        "nodes": {
            "a": "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f",
            "b": "f2bbecbbae3c4dfe08ada800fff7da6632e354972a000e31c1f4b7535057861a",
            "sum": "c77c9b135c81f25ce360b1f322e542b2fa84efbadf0afbf456b1f7838f17f1a5",
            "out": "078801c649fd8c79775bab4aa6b89e18c8d2efd3a8c44de8e77a435ba9962273",
        },
        "subgraphs": {},
    }


async def test_hash_with_subgraphs_of_a_file_on_disk(
    client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("elsewhere") / "sub.lexis.json"
    path.write_text(SUBGRAPH, encoding="utf-8")  # not open: read from disk
    assert await execute(client, "lexis.hash", path.as_uri()) == {
        "program": "c557d581143afb1d9df34cf0dc30db793a67c867bceeed9302cbe63a1ad72bb0",
        "nodes": {
            "five": "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f",
            "ten": "8d9acdc4b856e9962c50fb1926c4dc2a8859fcbfe63d4f01ab26db4ed8fb57aa",
        },
        "subgraphs": {"double": "3d8c23929a98e626a7736b5a654e508c7d10638e7c899cf14bde93a190a42e7e"},
    }


async def test_hash_is_null_where_undefined(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "bad.lexis.json", SECTION1.replace('"b"]', '"nope"]'))
    report = await execute(client, "lexis.hash", uri)
    assert report["program"] is None
    assert report["nodes"]["sum"] is None and report["nodes"]["out"] is None
    assert (
        report["nodes"]["a"] == "039c9761abd90242152ec03fef2dd94506a977e3fb937670f600c22fb595d62f"
    )


async def test_no_program_hash_for_a_program_with_errors(
    client: LanguageClient, tmp_path: Path
) -> None:
    # every node hash is defined, but `print` lacks its capability (LX2001): like `lexis hash`
    # and the code lens, the program has no hash
    text = SECTION1.replace('"PURE_COMPUTE", "IO_STDOUT"', '"PURE_COMPUTE"')
    report = await execute(client, "lexis.hash", open_doc(client, tmp_path / "c.lexis.json", text))
    assert report["program"] is None
    assert all(h is not None for h in report["nodes"].values())


async def test_hash_argument_errors(client: LanguageClient, tmp_path: Path) -> None:
    missing = (tmp_path / "nope.lexis.json").as_uri()
    assert await invalid(client, "lexis.hash", missing) == (
        f"lexis.hash: {missing} is neither an open Lexis document nor a Lexis file"
    )
    assert await invalid(client, "lexis.hash") == "lexis.hash takes [uri]; got 0 arguments"


async def test_explain(client: LanguageClient) -> None:
    page = await execute(client, "lexis.explain", "LX4001")
    assert page == explain_page("LX4001")
    assert page.startswith("# LX4001: node produced an error value\n")
    assert await execute(client, "lexis.explain", "lx1001") == explain_page("LX1001")
    assert await invalid(client, "lexis.explain", "LX9999") == (
        "lexis.explain: unknown diagnostic code 'LX9999'"
    )
    assert "lexis.explain takes [code]" in await invalid(client, "lexis.explain")


# --- lexis.formatAll ---------------------------------------------------------------------


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply LSP edits to ASCII text (every position encoding agrees on it)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: lsp.Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def record_apply_edits(
    client: LanguageClient, answer: lsp.ApplyWorkspaceEditResult
) -> list[lsp.ApplyWorkspaceEditParams]:
    """Have the client answer workspace/applyEdit with `answer`, recording every request."""
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    def on_apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return answer

    client.protocol.fm._features[lsp.WORKSPACE_APPLY_EDIT] = on_apply_edit
    return applied


def edits_of(edit: lsp.WorkspaceEdit, uri: str, version: int) -> list[lsp.TextEdit]:
    if edit.document_changes is not None:  # VS Code: versioned document changes
        [doc_change] = edit.document_changes
        assert isinstance(doc_change, lsp.TextDocumentEdit)
        assert (doc_change.text_document.uri, doc_change.text_document.version) == (uri, version)
        return list(doc_change.edits)  # type: ignore[arg-type]
    # Neovim does not announce documentChanges support: plain changes
    assert edit.changes is not None and list(edit.changes) == [uri]
    return list(edit.changes[uri])


async def test_format_all_edits_open_documents_in_the_editor(
    client: LanguageClient, tmp_path: Path
) -> None:
    applied = record_apply_edits(client, lsp.ApplyWorkspaceEditResult(applied=True))
    uri = open_doc(client, tmp_path / "d.lexis.json", SECTION1)
    change(client, uri, 2, (5, 15), (5, 15), "   ")  # unsaved: {"id": "b",    "op": ...
    canonical = open_doc(client, tmp_path / "ok.lexis.json", SECTION1)
    broken = SECTION1.replace('"value": 3},', '"value": 3')  # an unclosed node
    refused = open_doc(client, tmp_path / "broken.lexis.json", broken)
    result = await execute(client, "lexis.formatAll")
    reason = format_text(broken).reason
    assert reason is not None and reason.startswith("not valid JSON: ")
    assert result == {"formatted": [uri], "refused": [{"uri": refused, "reason": reason}]}
    assert canonical not in str(applied)
    assert (tmp_path / "d.lexis.json").read_text(encoding="utf-8") == SECTION1  # disk untouched
    [params] = applied
    assert params.label == "Format Lexis files"
    edits = edits_of(params.edit, uri, 2)
    assert len(edits) == 1
    assert (edits[0].range.start.line, edits[0].range.start.character) == (5, 0)
    assert (edits[0].range.end.line, edits[0].range.end.character) == (6, 0)
    assert edits[0].new_text == SECTION1.splitlines(keepends=True)[5]
    edited = SECTION1.replace('{"id": "b",', '{"id": "b",   ')
    assert apply(edited, edits) == SECTION1


async def test_format_all_writes_closed_files(client: LanguageClient, tmp_path: Path) -> None:
    applied = record_apply_edits(client, lsp.ApplyWorkspaceEditResult(applied=True))
    squashed = json.dumps(json.loads(SECTION1))  # one line: not the canonical layout
    (tmp_path / "a.lexis.json").write_text(squashed, encoding="utf-8")
    (tmp_path / "b.lexis.json").write_text(SECTION1, encoding="utf-8")  # already canonical
    broken = SECTION1.replace('"value": 3},', '"value": 3')  # an unclosed node
    (tmp_path / "c.lexis.json").write_text(broken, encoding="utf-8")
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "e.lexis.json").write_text(squashed, encoding="utf-8")
    (tmp_path / "notes.json").write_text('{"a":   1}', encoding="utf-8")  # not Lexis
    uri = open_doc(client, tmp_path / "d.lexis.json", squashed)
    result = await execute(client, "lexis.formatAll")
    assert result == {
        "formatted": [
            (tmp_path / "a.lexis.json").as_uri(),
            uri,
            (tmp_path / "deep" / "e.lexis.json").as_uri(),
        ],
        "refused": [
            {"uri": (tmp_path / "c.lexis.json").as_uri(), "reason": format_text(broken).reason}
        ],
    }
    assert (tmp_path / "a.lexis.json").read_text(encoding="utf-8") == SECTION1
    assert (tmp_path / "deep" / "e.lexis.json").read_text(encoding="utf-8") == SECTION1
    assert (tmp_path / "c.lexis.json").read_text(encoding="utf-8") == broken
    assert (tmp_path / "notes.json").read_text(encoding="utf-8") == '{"a":   1}'
    # the open document is edited in the editor, never on disk
    assert (tmp_path / "d.lexis.json").read_text(encoding="utf-8") == squashed
    [params] = applied
    assert apply(squashed, edits_of(params.edit, uri, 1)) == SECTION1


async def test_format_all_reports_an_edit_the_editor_refused(
    client: LanguageClient, tmp_path: Path
) -> None:
    record_apply_edits(
        client, lsp.ApplyWorkspaceEditResult(applied=False, failure_reason="document changed")
    )
    uri = open_doc(client, tmp_path / "d.lexis.json", json.dumps(json.loads(SECTION1)))
    assert await execute(client, "lexis.formatAll") == {
        "formatted": [],
        "refused": [{"uri": uri, "reason": "the editor did not apply the edit: document changed"}],
    }
    assert await invalid(client, "lexis.formatAll", "x") == (
        "lexis.formatAll takes no arguments; got 1"
    )
