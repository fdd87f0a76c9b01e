"""`workspace/executeCommand`: `lexis.run`, `lexis.hash`, `lexis.explain`, `lexis.formatAll`.

`lexis.run` runs the editor's current text of a document in a separate process
(``python -m lexis_ls.run.worker``, see :mod:`lexis_ls.run.worker` for the JSON it speaks), so a
runaway program or an interpreter crash never takes the server down. The worker runs under OS
limits (:mod:`lexis_ls.run.limits`): ``lexis.run.memory`` of address space and a CPU limit; it
stops itself at the run timeout (``lexis.run.timeout``), and the server kills its process group
limits.KILL_GRACE seconds later if it has not answered (the stop is reported as LX4002, "time
limit of … reached"), and at once when the request is cancelled (``$/cancelRequest``) or its
work-done progress is cancelled. The worker's pid is written to the client's log when it starts and when it
is killed. The run's findings (LX4001/LX4002) and values stay on the document until its next
edit.

Wrong arguments and unknown documents are answered with a JSON-RPC "invalid params" error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from ...lang.analysis import Analysis, analyze
from ...lang.diagnostics import TextEdit, explain_page
from ...lang.format import format_text
from ...lang.syntax import JString
from ...lang.values import ErrorValue, to_str
from ...run import limits
from ...run.diagnostics import runtime_diagnostics
from ...run.evaluator import RunResult
from ...run.files import WriteError, read_text_file, write_text_like
from ...run.worker import decode_result, truncate
from ..convert import workspace_edit
from ..documents import Document, RunState, is_lexis
from ..project import run_settings, trust_ceiling
from ..server import LexisServer

RUN = "lexis.run"
HASH = "lexis.hash"
EXPLAIN = "lexis.explain"
FORMAT_ALL = "lexis.formatAll"

RUN_GRACE = 10.0  # seconds the worker has to start (to write its newline) before a kill
KILL_WAIT = 5.0  # seconds to wait for a killed worker to be reaped
PROGRESS_CREATE_TIMEOUT = 5.0
SHORT_VALUE = 80  # characters of a value kept on the document (inlay hints)
MAX_CHAIN = 20  # causes listed per error in a run result


def _invalid(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message)


def _uri_argument(command: str, value: Any) -> str:
    """A document URI, given as a string or as a TextDocumentIdentifier-like `{"uri": ...}`."""
    if isinstance(value, dict) and isinstance(value.get("uri"), str):
        value = value["uri"]
    if not isinstance(value, str) or not value:
        raise _invalid(f"{command}: the first argument must be a document URI, not {value!r}")
    return value


def _open_document(ls: LexisServer, command: str, uri: str) -> Document:
    doc = ls.document(uri)
    if doc is None:
        raise _invalid(f"{command}: {uri} is not an open Lexis document")
    return doc


# --- lexis.run ---------------------------------------------------------------------------


@dataclass
class RunRequest:
    uri: str
    params: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None


def run_arguments(args: tuple[Any, ...]) -> RunRequest:
    """`[uri, {"params": {name: value}, "stdin": "..."}?]` (parameter values may be any
    scalar: they reach the program as their `to_str` text, as on the command line)."""
    usage = f'{RUN} takes [uri, {{"params": {{name: value}}, "stdin": "..."}}?]'
    if not 1 <= len(args) <= 2:
        raise _invalid(f"{usage}; got {len(args)} arguments")
    request = RunRequest(_uri_argument(RUN, args[0]))
    options = args[1] if len(args) == 2 else None
    if options is None:
        return request
    if not isinstance(options, dict):
        raise _invalid(f"{usage}; the second argument is {options!r}")
    unknown = sorted(set(options) - {"params", "stdin"})
    if unknown:
        raise _invalid(f"{usage}; unknown option {unknown[0]!r}")
    params = options.get("params")
    if params is not None:
        if not isinstance(params, dict):
            raise _invalid(f"{RUN}: `params` must be an object of names to values")
        for name, value in params.items():
            if isinstance(value, (list, dict)):
                raise _invalid(f"{RUN}: parameter {name!r} must be a string, number or boolean")
            request.params[name] = to_str(value)
    stdin = options.get("stdin")
    if stdin is not None and not isinstance(stdin, str):
        raise _invalid(f"{RUN}: `stdin` must be a string")
    request.stdin = stdin
    return request


def _folders(ls: LexisServer, uri: str) -> tuple[Path, Path]:
    """The program's folder and the file-system root a run is confined to: the workspace
    folder holding the document (the deepest, if nested), else the document's folder."""
    roots = [Path(os.path.realpath(r)) for r in ls.workspace_roots()]
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if path:
        program_dir = Path(os.path.realpath(Path(path).parent))
    else:  # an untitled document: its workspace, or the server's folder
        program_dir = roots[0] if roots else Path.cwd()
    holding = [r for r in roots if r == program_dir or r in program_dir.parents]
    fs_root = max(holding, key=lambda r: len(r.parts)) if holding else program_dir
    return program_dir, fs_root


def _program_name(analysis: Analysis, uri: str) -> str:
    member = analysis.program.member("name")
    if member is not None and isinstance(member.value, JString) and member.value.value.strip():
        return member.value.value.strip()
    return uri.rstrip("/").rsplit("/", 1)[-1] or uri


def _worker_env() -> dict[str, str]:
    """The server's environment, with this copy of lexis_ls first on the import path."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return env


class _Canceller:
    """Cancels the command's task once, from any thread, when the client cancels the request
    (`$/cancelRequest`) or its progress (`window/workDoneProgress/cancel`). pygls runs an async
    command as a task of its own behind the request's future, and cancelling the request
    cancels only that future: it is watched here."""

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.loop = asyncio.get_running_loop()
        self.source: str | None = None  # "request" or "progress", once cancelled

    def cancel(self, source: str) -> None:
        if self.source is None and self.task is not None and not self.task.done():
            self.source = source
            self.task.cancel()

    def watch(self, fut: Future[Any], source: str) -> None:
        def on_done(fut: Future[Any]) -> None:
            if fut.cancelled():
                self.loop.call_soon_threadsafe(self.cancel, source)

        fut.add_done_callback(on_done)

    def watch_request(self, ls: LexisServer) -> None:
        futures = getattr(ls.protocol, "_request_futures", None)
        msg_id = ls.protocol.msg_id
        if msg_id is None or not isinstance(futures, dict):
            return
        outer = futures.get(msg_id)
        if isinstance(outer, Future):
            self.watch(outer, "request")


async def _begin_progress(ls: LexisServer, title: str, canceller: _Canceller) -> str | None:
    if not ls.capability("window", "work_done_progress"):
        return None
    token = f"lexis-run-{uuid.uuid4().hex}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), PROGRESS_CREATE_TIMEOUT)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # refused, or no answer: run without progress
        ls.log(f"{RUN}: no progress ({exc or type(exc).__name__})")
        return None
    ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, cancellable=True))
    cancelled = ls.work_done_progress.tokens.get(token)
    if isinstance(cancelled, Future):
        canceller.watch(cancelled, "progress")
    return token


def _end_progress(ls: LexisServer, token: str | None, message: str) -> None:
    if token is None:
        return
    ls.work_done_progress.tokens.pop(token, None)
    with contextlib.suppress(Exception):
        ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    """Kills the worker's process group (it leads its own session) and reaps it."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(proc.wait()), KILL_WAIT)


async def _spawn(
    ls: LexisServer, request: dict[str, Any], cwd: Path, timeout: float, memory: int
) -> tuple[dict[str, Any] | None, str | None]:
    """Run the worker; its response, or None and why there is none. The worker has
    RUN_GRACE seconds to start (it writes a newline then), and then the run's ``timeout``
    plus limits.KILL_GRACE to answer before its process group is killed."""
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-P",  # the program's folder (its cwd) is not on sys.path: no module of it runs
            "-m",
            "lexis_ls.run.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(cwd) if cwd.is_dir() else None,
            env=_worker_env(),
            start_new_session=True,  # its own process group: killed with whatever it started
        )
    except OSError as exc:
        return None, f"the run could not start: {exc.strerror or exc}"
    pid = proc.pid
    ls.log(f"{RUN}: worker {pid} started")
    data = json.dumps(request).encode("ascii")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    stdout, stdin = proc.stdout, proc.stdin
    errors = asyncio.ensure_future(proc.stderr.read())
    try:
        try:
            stdin.write(data)
            await asyncio.wait_for(stdin.drain(), RUN_GRACE)
            stdin.close()
            first = await asyncio.wait_for(stdout.read(1), RUN_GRACE)
        except (TimeoutError, ConnectionError):
            await _kill(proc)
            ls.log(f"{RUN}: worker {pid} killed: not started after {RUN_GRACE:g} s")
            return None, f"the run did not start within {RUN_GRACE:g} s"
        try:  # the run has started (or the worker ended at once)
            rest = await asyncio.wait_for(stdout.read(), timeout + limits.KILL_GRACE)
            await asyncio.wait_for(proc.wait(), KILL_WAIT)
        except TimeoutError:
            await _kill(proc)
            ls.log(
                f"{RUN}: worker {pid} killed: still running {limits.KILL_GRACE:g} s past the time limit"
            )
            return None, limits.time_reason(timeout)
    except asyncio.CancelledError:
        await _kill(proc)
        ls.log(f"{RUN}: worker {pid} killed: the run was cancelled")
        raise
    finally:
        if not errors.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(errors), KILL_WAIT)
    err = errors.result() if errors.done() and not errors.cancelled() else b""
    errors.cancel()
    ls.log(f"{RUN}: worker {pid} exited with code {proc.returncode}")
    try:
        response = json.loads((first + rest).decode("utf-8", "replace"))
    except ValueError:
        response = None
    if isinstance(response, dict) and "error" not in response:
        return response, None
    err_text = err.decode("utf-8", "replace")
    returncode = proc.returncode if proc.returncode is not None else 0
    stopped = limits.death_reason(returncode, err_text, timeout, memory)
    if stopped is not None and not isinstance(response, dict):
        ls.log(f"{RUN}: worker {pid} stopped: {stopped}")
        return None, stopped
    detail = response.get("error") if isinstance(response, dict) else None
    if not isinstance(detail, str):
        lines = err_text.strip().splitlines()
        detail = lines[-1] if lines else f"exit code {proc.returncode}"
    ls.log(f"{RUN}: worker {pid} failed: {detail}\n{err_text[-4000:]}", lsp.MessageType.Error)
    last = detail.strip().splitlines()
    return None, f"the run failed: {last[-1] if last else detail}"


def run_response(result: RunResult) -> dict[str, Any]:
    """What `lexis.run` answers."""
    errors: list[dict[str, Any]] = []
    for nid, value in result.values.items():
        if isinstance(value, ErrorValue):
            errors.append(
                {
                    "node": nid,
                    "message": value.message,
                    "chain": [
                        {"node": e.node, "message": e.message}
                        for e in value.chain()[: MAX_CHAIN + 1]
                    ],
                }
            )
    return {
        "stdout": result.output,
        "values": {nid: to_str(v) for nid, v in result.values.items()},
        "errors": errors,
        "durationMs": round(result.duration_ms, 3),
        "programHash": result.program_hash,
        "status": result.status,
        "reason": result.reason,
    }


def _summary(result: RunResult) -> str:
    if result.status == "ok":
        errors = len(result.errors)
        tail = f", {errors} error value{'s' if errors != 1 else ''}" if errors else ""
        return f"finished in {result.duration_ms:.0f} ms{tail}"
    return f"{result.status}: {result.reason}"


def _after_run(ls: LexisServer, uri: str, text: str, version: int | None, state: RunState) -> None:
    """Keep the run's findings and values on the document, if it still has the text that ran,
    and have the client show them."""
    doc = ls.document(uri)
    if doc is None or doc.version != version or doc.text != text:
        return
    doc.run = state
    doc.result_id += 1  # pulled diagnostics changed without a new analysis
    if ls.pull_client:
        ls.refresh_diagnostics()
    else:
        ls.publish(doc)
    if ls.capability("workspace", "inlay_hint", "refresh_support"):
        ls.workspace_inlay_hint_refresh(None)


async def run_document(ls: LexisServer, doc: Document, request: RunRequest) -> dict[str, Any]:
    analysis = ls.analysis(doc)
    analysis.pinned = True  # used after the run: an edit meanwhile must not update it in place
    text, version = doc.text, doc.version
    program_dir, fs_root = _folders(ls, doc.uri)
    config = ls.project(doc.uri)
    limits = run_settings(ls.settings, config)
    timeout = limits.timeout
    worker_request = {
        "text": text,
        "program_dir": str(program_dir),
        "fs_root": str(limits.fs_root or fs_root),
        "params": request.params,
        "stdin": request.stdin,
        "timeout": timeout,
        "memory": limits.memory,
        "trust_ceiling": trust_ceiling(ls.settings, config),
        "output_limit": limits.output_limit,
    }
    canceller = _Canceller(asyncio.current_task())
    canceller.watch_request(ls)
    token: str | None = None
    started = time.perf_counter()
    try:
        token = await _begin_progress(ls, f"Running {_program_name(analysis, doc.uri)}", canceller)
        wire, failure = await _spawn(ls, worker_request, program_dir, timeout, limits.memory)
    except asyncio.CancelledError:
        _end_progress(ls, token, "cancelled")
        task = asyncio.current_task()
        if canceller.source != "progress" or task is None:
            raise  # the request is cancelled: pygls answers it
        # Only the progress was cancelled: the request still needs its answer.
        task.uncancel()
        return run_response(
            RunResult(
                "stopped",
                "",
                {},
                [],
                (time.perf_counter() - started) * 1000,
                analysis.program_hash(),
                reason="the run was cancelled",
            )
        )
    if wire is not None:
        result = decode_result(wire, analysis.program)
    else:
        elapsed = (time.perf_counter() - started) * 1000
        result = RunResult("stopped", "", {}, [], elapsed, analysis.program_hash(), reason=failure)
    _end_progress(ls, token, _summary(result))
    ls.log(f"{RUN}: {doc.uri}: {_summary(result)}")
    state = RunState(
        version=version,
        diagnostics=runtime_diagnostics(analysis, result),
        values={nid: truncate(to_str(v), SHORT_VALUE) for nid, v in result.values.items()},
    )
    _after_run(ls, doc.uri, text, version, state)
    return run_response(result)


# --- lexis.hash --------------------------------------------------------------------------


def hash_report(analysis: Analysis) -> dict[str, Any]:
    """The program hash, every main-graph node's hash and every subgraph's hash (null where
    undefined, as when the program has errors)."""
    hasher = analysis.hasher
    program = analysis.program
    return {
        # as `lexis hash` and the code lens: a program with errors has no program hash
        "program": None if analysis.has_errors else hasher.program_hash(),
        "nodes": hasher.graph_node_hashes(program.main),
        "subgraphs": {name: hasher.subgraph_hash(g) for name, g in program.subgraphs.items()},
    }


def _hash_analysis(ls: LexisServer, uri: str) -> Analysis:
    """The open document's analysis, or that of the Lexis file on disk."""
    doc = ls.document(uri)
    if doc is not None:
        return ls.analysis(doc)
    path = to_fs_path(uri) if uri.startswith("file:") else None
    text: str | None = None
    if path:
        try:
            text = read_text_file(path).text
        except (OSError, UnicodeDecodeError):
            text = None
    if text is None or not is_lexis(uri, None, text):
        raise _invalid(f"{HASH}: {uri} is neither an open Lexis document nor a Lexis file")
    return analyze(text, ls.options())


# --- lexis.formatAll ---------------------------------------------------------------------


def line_edit(old: str, new: str) -> TextEdit | None:
    """One edit turning ``old`` into ``new`` that spans whole lines and leaves the common
    leading and trailing lines alone (None when they are equal)."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    prefix = old.rfind("\n", 0, prefix) + 1  # back to a line start
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    while suffix > 0 and old[len(old) - suffix - 1] != "\n":  # forward to a line start
        suffix -= 1
    return TextEdit(prefix, len(old) - suffix, new[prefix : len(new) - suffix])


def _uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _open_paths(ls: LexisServer) -> dict[Path, Document]:
    out: dict[Path, Document] = {}
    for uri, doc in list(ls.store.docs.items()):
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            out[Path(os.path.realpath(path))] = doc
    return out


async def _format_open(ls: LexisServer, doc: Document) -> tuple[bool, str | None]:
    """Format an open document through the editor: (whether it changed, why it was refused)."""
    formatted = format_text(doc.text)
    if formatted.text is None:
        return False, formatted.reason or "cannot be formatted"
    edit = line_edit(doc.text, formatted.text)
    if edit is None:
        return False, None
    if not ls.capability("workspace", "apply_edit"):
        return False, "the editor cannot apply edits (workspace/applyEdit): left as it is"
    lines, enc = doc.lines, ls.encoding
    change = workspace_edit(doc.uri, lines, [edit], enc, doc.version, ls.document_changes)
    try:
        answer = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=change, label="Format Lexis files")
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return False, f"the editor did not apply the edit: {exc}"
    if answer is None or not answer.applied:
        why = answer.failure_reason if answer is not None else None
        return False, f"the editor did not apply the edit{': ' + why if why else ''}"
    return True, None


def _format_file(path: Path) -> tuple[bool, str | None]:
    """Format a file on disk: (whether it was rewritten, why it was refused)."""
    try:
        source = read_text_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        return False, f"cannot read the file: {getattr(exc, 'strerror', None) or exc}"
    formatted = format_text(source.text)
    if formatted.text is None:
        return False, formatted.reason or "cannot be formatted"
    # atomic, in the file's own style (its BOM and line breaks are kept)
    try:
        return write_text_like(path, formatted.text, source), None
    except WriteError as exc:
        return False, f"cannot write the file: {exc.reason}"


async def format_all(ls: LexisServer) -> dict[str, Any]:
    """Every Lexis file under the workspace folders in canonical layout: files on disk are
    rewritten, open documents are edited in the editor (their unsaved text is what counts).
    `formatted` lists what changed; files already in canonical layout are not listed."""
    formatted: list[str] = []
    refused: list[dict[str, str]] = []
    open_docs = _open_paths(ls)
    roots = [Path(os.path.realpath(r)) for r in ls.workspace_roots()]
    targets: list[tuple[Path, Document | None]] = []
    seen: set[Path] = set()
    for path in ls.workspace_files():
        real = Path(os.path.realpath(path))
        if real not in seen:
            seen.add(real)
            targets.append((path, open_docs.get(real)))
    for real, opened in sorted(open_docs.items(), key=lambda item: item[0]):
        # open under a workspace folder but not (yet) on disk
        if real not in seen and any(r == real or r in real.parents for r in roots):
            targets.append((real, opened))
    for path, doc in targets:
        if doc is not None:
            uri = doc.uri
            changed, why = await _format_open(ls, doc)
        else:
            uri = _uri_of(path)
            changed, why = _format_file(path)
        if why is not None:
            refused.append({"uri": uri, "reason": why})
        elif changed:
            formatted.append(uri)
    return {"formatted": formatted, "refused": refused}


# --- registration ------------------------------------------------------------------------


def register(server: LexisServer) -> None:
    @server.command(RUN)
    async def run(ls: LexisServer, *args: Any) -> dict[str, Any]:
        request = run_arguments(args)
        doc = _open_document(ls, RUN, request.uri)
        return await run_document(ls, doc, request)

    @server.command(HASH)
    def hash_(ls: LexisServer, *args: Any) -> dict[str, Any]:
        if len(args) != 1:
            raise _invalid(f"{HASH} takes [uri]; got {len(args)} arguments")
        return hash_report(_hash_analysis(ls, _uri_argument(HASH, args[0])))

    @server.command(EXPLAIN)
    def explain(ls: LexisServer, *args: Any) -> str:
        if len(args) != 1 or not isinstance(args[0], str):
            raise _invalid(f'{EXPLAIN} takes [code], such as ["LX1001"]')
        page = explain_page(args[0].strip())
        if page is None:
            raise _invalid(f"{EXPLAIN}: unknown diagnostic code {args[0]!r}")
        return page

    @server.command(FORMAT_ALL)
    async def format_all_(ls: LexisServer, *args: Any) -> dict[str, Any]:
        if args:
            raise _invalid(f"{FORMAT_ALL} takes no arguments; got {len(args)}")
        return await format_all(ls)
