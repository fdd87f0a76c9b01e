"""The subprocess side of a run from the editor: ``python -m lexis_ls.run.worker``.

The language server never runs a program in its own process: a runaway program or a crash of the
interpreter must not take the server down, and a run must be stoppable by killing a process. The
worker reads one JSON request on stdin, runs it with :class:`~lexis_ls.run.evaluator.Evaluator`
and writes one JSON response on stdout (and nothing else there: whatever the run itself might
write to ``sys.stdout`` goes to stderr).

Request::

    {"text": str,                      # the program text (the editor's current text)
     "program_dir": str,               # where relative file paths start
     "fs_root": str | null,            # file access is confined below it (null: program_dir)
     "params": {name: str},            # `param` values
     "stdin": str | null,              # the lines `read_stdin` reads (null: no stdin)
     "timeout": float,                 # seconds
     "memory": int | null,             # bytes of address space (null: limits.DEFAULT_MEMORY)
     "trust_ceiling": int | null}

Limits (see :mod:`lexis_ls.run.limits`): once the request is read, the worker writes one newline
on stdout — the run has started: the server's wall-clock deadline counts from there — and puts
itself under the memory limit (RLIMIT_AS) and a CPU limit a second past the timeout; the static
checks and the run happen under them, and the time limit counts from the newline. A run over
the memory limit is answered as stopped ("memory limit of … reached", at the main-graph node
that was running); one still busy ALARM_GRACE past its deadline is stopped by an alarm; one that
cannot be stopped (stuck in C code) is killed by the server. The response follows the newline
(JSON allows the whitespace).

Response (exit code 0)::

    {"status": "ok" | "refused" | "stopped",
     "output": str,                    # what the program printed
     "values": {id: str},              # every main-graph node's value as `to_str` text, in
                                       # schedule order, truncated to VALUE_LIMIT characters
     "errors": {id: ERROR},            # the nodes whose value is an error value
     "reason": str | null,             # why it was refused or stopped
     "stopped_at": str | null,         # the node running when it stopped (perhaps in a subgraph)
     "stopped_main": {"index": int, "id": str | null} | null,  # the main-graph node running then
     "duration_ms": float,
     "program_hash": str | null}

    ERROR = {"message": str, "node": str | null, "cause": ERROR | null}

A request that cannot be read gives ``{"error": message}`` and exit code 2; an internal error of
the interpreter gives ``{"error": message}`` and exit code 1 (its traceback goes to stderr,
never into the response).

:func:`decode_result` rebuilds, on the server side, the :class:`RunResult` fields that
:func:`~lexis_ls.run.diagnostics.runtime_diagnostics` needs, from the response and the server's
own analysis of the same text.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from ..lang.analysis import Options, analyze
from ..lang.model import Program
from ..lang.values import ErrorValue, to_str
from . import limits
from .core import head
from .evaluator import Evaluator, RunOptions, RunResult
from .host import HostOptions

VALUE_LIMIT = 2000  # characters of a value's text in the response
MAX_CHAIN = 100  # causes kept in an encoded error value


class RequestError(ValueError):
    """The request is not what the protocol says."""


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def value_text(value: Any, limit: int = VALUE_LIMIT) -> str:
    """``to_str`` of a value cut to ``limit`` characters, in time bounded by ``limit`` (not by
    the size of the value: a run may leave lists of millions of elements)."""
    try:
        return truncate(to_str(head(value, limit)), limit)
    except RecursionError:
        return "<a value nested too deeply to show>"


# --- error values ------------------------------------------------------------------------


def encode_error(error: ErrorValue) -> dict[str, Any]:
    """``{"message", "node", "cause"}``, nested along the cause chain (at most MAX_CHAIN)."""
    chain = error.chain()[:MAX_CHAIN]
    encoded: dict[str, Any] | None = None
    for e in reversed(chain):
        encoded = {"message": e.message, "node": e.node, "cause": encoded}
    assert encoded is not None
    return encoded


def decode_error(data: Any) -> ErrorValue | None:
    """The error value of :func:`encode_error`'s JSON (None when ``data`` is not one)."""
    links: list[tuple[str, str | None]] = []
    while isinstance(data, dict) and len(links) < MAX_CHAIN:
        message = data.get("message")
        node = data.get("node")
        if not isinstance(message, str) or not (node is None or isinstance(node, str)):
            break
        links.append((message, node))
        data = data.get("cause")
    error: ErrorValue | None = None
    for message, node in reversed(links):
        error = ErrorValue(message, node, error)
    return error


# --- results -----------------------------------------------------------------------------


def encode_result(result: RunResult) -> dict[str, Any]:
    stopped_main = None
    if result.stopped_main is not None:
        stopped_main = {"index": result.stopped_main.index, "id": result.stopped_main.id}
    return {
        "status": result.status,
        "output": result.output,
        "values": {nid: value_text(v) for nid, v in result.values.items()},
        "errors": {
            nid: encode_error(v) for nid, v in result.values.items() if isinstance(v, ErrorValue)
        },
        "reason": result.reason,
        "stopped_at": result.stopped_at,
        "stopped_main": stopped_main,
        "duration_ms": result.duration_ms,
        "program_hash": result.program_hash,
    }


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def decode_result(data: dict[str, Any], program: Program) -> RunResult:
    """A :class:`RunResult` from a response: values are their text, or an :class:`ErrorValue`
    for error values; ``stopped_main`` is the node of ``program`` (the server's analysis of the
    same text) at the same place. Tolerates a malformed response (fields are then left empty)."""
    status = data.get("status")
    if status not in ("ok", "refused", "stopped"):
        status = "stopped"
    raw_values = data.get("values")
    raw_errors = data.get("errors")
    errors = raw_errors if isinstance(raw_errors, dict) else {}
    values: dict[str, Any] = {}
    if isinstance(raw_values, dict):
        for nid, text in raw_values.items():
            error = decode_error(errors.get(nid)) if nid in errors else None
            values[nid] = error if error is not None else to_str(text)
    stopped_main = None
    where = data.get("stopped_main")
    if isinstance(where, dict):
        index = where.get("index")
        nodes = program.main.nodes
        if type(index) is int and 0 <= index < len(nodes) and nodes[index].id == where.get("id"):
            stopped_main = nodes[index]
    duration = data.get("duration_ms")
    output = data.get("output")
    return RunResult(
        status=status,
        output=output if isinstance(output, str) else "",
        values=values,
        records=[],
        duration_ms=float(duration) if isinstance(duration, (int, float)) else 0.0,
        program_hash=_str_or_none(data.get("program_hash")),
        reason=_str_or_none(data.get("reason")),
        stopped_at=_str_or_none(data.get("stopped_at")),
        stopped_main=stopped_main,
    )


# --- one run -----------------------------------------------------------------------------


def _field(request: dict[str, Any], name: str, kinds: tuple[type, ...], optional: bool) -> Any:
    value = request.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise RequestError(f"`{name}` must be {' or '.join(k.__name__ for k in kinds)}")
    return value


def host_options(request: Any) -> tuple[str, HostOptions, int | None]:
    """The program text, host options and trust ceiling a request asks for."""
    if not isinstance(request, dict):
        raise RequestError("the request must be a JSON object")
    text = _field(request, "text", (str,), False)
    program_dir = Path(_field(request, "program_dir", (str,), False))
    fs_root = _field(request, "fs_root", (str,), True)
    params = request.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise RequestError("`params` must map names to strings")
    stdin = _field(request, "stdin", (str,), True)
    timeout = _field(request, "timeout", (int, float), False)
    if not (timeout > 0 and math.isfinite(timeout)):
        raise RequestError("`timeout` must be a positive number of seconds")
    ceiling = _field(request, "trust_ceiling", (int,), True)
    output_limit = _field(request, "output_limit", (int,), True)
    if output_limit is not None and output_limit <= 0:
        raise RequestError("`output_limit` must be a positive number of characters")
    memory_limit(request)
    options = HostOptions(
        params=dict(params),
        stdin=io.StringIO(stdin) if stdin is not None else None,
        program_dir=program_dir,
        fs_root=Path(fs_root) if fs_root is not None else None,
        timeout=float(timeout),
    )
    if output_limit is not None:
        options.max_output = output_limit
    return text, options, ceiling


def memory_limit(request: dict[str, Any]) -> int:
    """The request's memory limit in bytes (``memory``, default limits.DEFAULT_MEMORY)."""
    memory = _field(request, "memory", (int,), True)
    if memory is None:
        return limits.DEFAULT_MEMORY
    if not limits.MIN_MEMORY <= memory <= limits.MAX_MEMORY:
        raise RequestError(
            f"`memory` must be {limits.MIN_MEMORY}..{limits.MAX_MEMORY} bytes, not {memory}"
        )
    return int(memory)


def _stopped(
    evaluator: Evaluator | None, reason: str, started: float, program_hash: str | None
) -> dict[str, Any]:
    """The response of a run stopped from outside the evaluator (the memory limit)."""
    node = getattr(evaluator, "_main_node", None) if evaluator is not None else None
    output = evaluator.host.text if evaluator is not None else ""
    return {
        "status": "stopped",
        "output": output,
        "values": {},
        "errors": {},
        "reason": reason,
        "stopped_at": node.id if node is not None else None,
        "stopped_main": {"index": node.index, "id": node.id} if node is not None else None,
        "duration_ms": (time.monotonic() - started) * 1000,
        "program_hash": program_hash,
    }


def execute(request: Any, started: float | None = None) -> dict[str, Any]:
    """Run the program of one request and return the response (raises RequestError). The
    time limit counts from ``started`` (time.monotonic(); default: now). Under OS limits (see
    :func:`main`) a MemoryError of the checks or the run is answered as a stopped run."""
    text, host, ceiling = host_options(request)
    memory = memory_limit(request)
    if started is None:
        started = time.monotonic()
    evaluator: Evaluator | None = None
    analysis = None

    def running() -> str | None:
        node = getattr(evaluator, "_main_node", None)
        return getattr(node, "id", None)

    result: RunResult | None = None
    try:
        analysis = analyze(text, Options(trust_ceiling=ceiling))
        evaluator = Evaluator(analysis, RunOptions(host=host, trust_ceiling=ceiling))
        evaluator.host.started = started
        evaluator.host.deadline = started + host.timeout
        grace = evaluator.host.deadline + limits.ALARM_GRACE - time.monotonic()
        with limits.Alarm(grace, host.timeout, running):
            result = evaluator.run()
    except MemoryError:
        pass  # answered below, once the traceback and the run's values are gone
    if result is None:
        program_hash = analysis.hasher.program_hash() if analysis is not None else None
        return _stopped(evaluator, limits.memory_reason(memory), started, program_hash)
    return encode_result(result)


def main() -> int:
    out = sys.stdout
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
        _, host, _ = host_options(request)  # validate before running
        memory = memory_limit(request)
    except (ValueError, RequestError) as exc:
        json.dump({"error": f"bad request: {exc}"}, out)
        out.flush()
        return 2
    started = time.monotonic()
    out.write("\n")  # the run starts: the server's deadline counts from here
    out.flush()
    limits.apply(memory, host.timeout)
    code = 0
    with contextlib.redirect_stdout(sys.stderr):  # the response is the only thing on stdout
        try:
            response = execute(request, started)
        except Exception as exc:
            traceback.print_exc()  # for the server's log, not for the user
            response = {"error": f"internal error: {type(exc).__name__}: {exc}"}
            code = 1
    try:
        text = json.dumps(response)  # ASCII: lone surrogates a program made survive the pipe
    except MemoryError:
        text = json.dumps(_stopped(None, limits.memory_reason(memory), started, None))
    out.write(text)
    out.flush()
    return code


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no waiting for threads a run may have left behind (GUI, network)
