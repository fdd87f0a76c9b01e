"""The DAP server: reads requests, answers them, and forwards the run's events.

Requests are handled one at a time on the thread that reads the input; the program runs in a
worker thread (see :mod:`.session`), so ``pause`` and ``terminate`` are answered while it runs.
Every failure becomes an error response; a frame that is not JSON is logged and skipped.
"""

from __future__ import annotations

import logging
import math
import os
import stat
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ..lang import stdlib
from ..lang.analysis import Analysis, Options, analyze
from ..lang.diagnostics import Severity
from ..lang.model import ID_PATTERN, Graph, Node
from ..lang.project import ProjectConfig, config_for, problem_lines
from ..lang.text import LineIndex
from ..lang.values import ErrorValue, to_str
from ..run import limits
from ..run.evaluator import Frame
from ..run.host import DEFAULT_TIMEOUT
from .conditions import ConditionError, compile_condition, evaluate
from .protocol import Malformed, Writer, read_message
from .render import cause_chain, children, error_text, expandable, short, type_of
from .session import (
    EXIT_STOPPED,
    Breakpoint,
    LaunchConfig,
    Session,
    bind_breakpoint,
)

log = logging.getLogger(__name__)

THREAD_ID = 1
ERROR_FILTER = "errorValues"
MAX_LISTED_DIAGNOSTICS = 5

CAPABILITIES: dict[str, Any] = {
    "supportsConfigurationDoneRequest": True,
    "supportsEvaluateForHovers": True,
    "supportsConditionalBreakpoints": True,
    "supportsTerminateRequest": True,
    "supportsExceptionInfoRequest": True,
    # Stepping back would need the run's states kept (or a deterministic re-run up to a
    # point); effects (print, files, network) make re-running unfaithful: not offered.
    "supportsStepBack": False,
    "supportsHitConditionalBreakpoints": False,
    "supportsLogPoints": False,
    "supportsSetVariable": False,
    "exceptionBreakpointFilters": [
        {
            "filter": ERROR_FILTER,
            "label": "Error values",
            "description": "Stop when a node produces a new error value",
            "default": False,
        }
    ],
}


class DapError(Exception):
    """Answered as an error response with this message."""


Provider = Callable[[], Sequence[tuple[str, Any, str | None]]]


MAX_PROGRAM_BYTES = 64 * 1024 * 1024


def _norm(path: str | Path) -> str:
    return os.path.normcase(os.path.realpath(str(path)))


def check_path(raw: str, what: str) -> str:
    """``raw`` when the file system can take it as a path; a NUL character or a lone surrogate
    (which the file system encoding cannot hold) is refused with a :class:`DapError`."""
    if "\x00" in raw:
        raise DapError(f"{what}: a path may not contain NUL characters")
    try:
        os.fsencode(raw)
    except UnicodeEncodeError:
        raise DapError(f"{what}: the path {raw!r} cannot be encoded for the file system") from None
    return raw


def read_program(path: Path) -> str:
    """The text of a program file (a regular file of UTF-8 text, at most MAX_PROGRAM_BYTES);
    a :class:`DapError` saying why otherwise."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):  # a device or a pipe could block or never end
            raise DapError(f"cannot read program {path}: it is not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_PROGRAM_BYTES + 1)
    except FileNotFoundError:
        raise DapError(f"cannot read program {path}: no such file") from None
    except IsADirectoryError:
        raise DapError(f"cannot read program {path}: it is a directory") from None
    except OSError as exc:
        raise DapError(f"cannot read program {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a path the OS refuses outright
        raise DapError(f"cannot read program {path}: {exc}") from None
    if len(data) > MAX_PROGRAM_BYTES:
        raise DapError(f"cannot read program {path}: it is larger than {MAX_PROGRAM_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DapError(f"cannot read program {path}: it is not UTF-8 text") from None


class DapServer:
    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self.reader = reader
        self.out = Writer(writer)
        self.lines1 = True
        self.columns1 = True
        self.initialized = False
        self.configured = False
        self.session: Session | None = None
        self.break_on_errors = False
        self.next_bp_id = 0
        self.source_bps: dict[str, list[Breakpoint]] = {}
        self.running = True
        self._after: list[Callable[[], None]] = []
        # References handed out for one stop: frames, variable containers, std sources.
        self._ref_generation = -1
        self._frames: dict[int, Frame] = {}
        self._vars: dict[int, Provider] = {}
        self._next_ref = 0
        self._std_refs: dict[str, int] = {}
        self._std_texts: dict[int, tuple[str, str]] = {}  # ref -> (name, text)
        self._std_lines: dict[str, LineIndex] = {}

    # --- the loop ---

    def serve(self) -> None:
        while self.running:
            try:
                message = read_message(self.reader)
            except (OSError, ValueError) as exc:
                log.info("input closed: %s", exc)
                message = None
            if message is None:
                break
            if isinstance(message, Malformed):
                log.warning("ignored a malformed message: %s", message.reason)
                continue
            self.handle(message)
        self._shutdown()

    def _shutdown(self) -> None:
        session = self.session
        if session is not None and session.started and not session.ended:
            session.terminate()
            session.end(EXIT_STOPPED)

    def handle(self, message: dict[str, Any]) -> None:
        if message.get("type") != "request" or not isinstance(message.get("command"), str):
            if message.get("type") == "request":
                self.out.error(message, "a request needs a `command` string")
            else:
                log.warning("ignored a message that is not a request: %.200s", message)
            return
        command = message["command"]
        handler = getattr(self, "req_" + command, None)
        args = message.get("arguments")
        if args is None:
            args = {}
        self._after = []
        try:
            if handler is None:
                raise DapError(f"unknown request `{command}`")
            if not isinstance(args, dict):
                if command != "disconnect":  # a disconnect always ends the session
                    raise DapError(f"`{command}`: the arguments must be an object")
                args = {}
            body = handler(args)
        except DapError as exc:
            self.out.error(message, str(exc))
            return
        except Exception as exc:
            log.error("request %s failed:\n%s", command, traceback.format_exc())
            self.out.error(message, f"internal error in `{command}`: {exc}", 2)
            return
        self.out.response(message, body)
        for action in self._after:
            action()

    def after_response(self, action: Callable[[], None]) -> None:
        self._after.append(action)

    def event(self, name: str, body: dict[str, Any] | None) -> None:
        self.out.event(name, body)

    # --- positions ---

    def _line_out(self, line0: int) -> int:
        return line0 + (1 if self.lines1 else 0)

    def _col_out(self, col0: int) -> int:
        return col0 + (1 if self.columns1 else 0)

    def _line_in(self, line: Any) -> int:
        if type(line) is not int:
            raise DapError("a breakpoint needs an integer `line`")
        return line - (1 if self.lines1 else 0)

    # --- session state helpers ---

    def _session(self) -> Session:
        if self.session is None:
            raise DapError("no program is being debugged: send `launch` first")
        return self.session

    def _stopped(self) -> Session:
        session = self._session()
        if session.finished:
            raise DapError("the program has finished")
        if session.stop is None:
            raise DapError("the program is running, not stopped")
        self._sync_refs(session)
        return session

    def _sync_refs(self, session: Session) -> None:
        if self._ref_generation != session.generation:
            self._ref_generation = session.generation
            self._frames.clear()
            self._vars.clear()

    def _ref(self) -> int:
        self._next_ref += 1
        return self._next_ref

    # --- lifecycle ---

    def req_initialize(self, args: dict[str, Any]) -> dict[str, Any]:
        self.lines1 = args.get("linesStartAt1", True) is not False
        self.columns1 = args.get("columnsStartAt1", True) is not False
        path_format = args.get("pathFormat", "path")
        if path_format not in ("path", None):
            raise DapError(f"only the `path` path format is supported, not {path_format!r}")
        if not self.initialized:
            self.initialized = True
            self.after_response(lambda: self.event("initialized", None))
        return dict(CAPABILITIES)

    def req_launch(self, args: dict[str, Any]) -> None:
        if self.session is not None:
            raise DapError("a program has already been launched in this session")
        config = self._launch_config(args)
        session = Session(config, self.event)
        refusal = session.evaluator._refusal()
        if refusal is not None:
            raise DapError(f"cannot debug {config.program.name}: {refusal[1]}")
        session.break_on_errors = self.break_on_errors
        self.session = session
        self._rebind_all()
        if self.configured:
            self.after_response(session.start)

    def _launch_config(self, args: dict[str, Any]) -> LaunchConfig:
        raw = args.get("program")
        if not isinstance(raw, str) or not raw.strip():
            raise DapError("launch: `program` (the path of a .lexis.json file) is required")
        path = Path(check_path(raw, "launch: `program`")).expanduser()
        if not path.is_absolute():
            cwd = args.get("cwd")
            if isinstance(cwd, str) and cwd:
                path = Path(check_path(cwd, "launch: `cwd`")) / path
            else:
                path = Path.cwd() / path
        text = read_program(path)
        params_arg = args.get("params", {})
        if params_arg is None:
            params_arg = {}
        if not isinstance(params_arg, dict):
            raise DapError('launch: `params` must be an object such as {"name": "value"}')
        params = {str(k): v if isinstance(v, str) else to_str(v) for k, v in params_arg.items()}
        stdin = args.get("stdin", "")
        if stdin is None:
            stdin = ""
        if isinstance(stdin, list) and all(isinstance(s, str) for s in stdin):
            stdin = "".join(s + "\n" for s in stdin)
        if not isinstance(stdin, str):
            raise DapError("launch: `stdin` must be a string (or a list of lines)")
        # The project configuration (lexis.toml / [tool.lexis], found upward from the
        # program) gives what the launch arguments leave out.
        project = self._project_config(path)
        timeout = args.get("timeout")
        if timeout is None:
            timeout = project.run_timeout or DEFAULT_TIMEOUT
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise DapError("launch: `timeout` must be a positive number of seconds")
        ceiling = args.get("trustCeiling")
        if ceiling is not None and (type(ceiling) is not int or not 0 <= ceiling <= 3):
            raise DapError("launch: `trustCeiling` must be 0, 1, 2 or 3")
        if ceiling is None:
            ceiling = project.trust_ceiling
        fs_root_arg = args.get("fsRoot")
        fs_root = None
        if fs_root_arg is not None:
            if not isinstance(fs_root_arg, str) or not fs_root_arg:
                raise DapError("launch: `fsRoot` must be a folder path")
            fs_root = Path(check_path(fs_root_arg, "launch: `fsRoot`")).expanduser().resolve()
        elif project.fs_root is not None:
            fs_root = project.fs_root.resolve()
        elif isinstance(args.get("defaultFsRoot"), str) and args["defaultFsRoot"]:
            # the editor's default (its workspace folder), when neither says otherwise
            fs_root = Path(check_path(args["defaultFsRoot"], "launch: `defaultFsRoot`")).resolve()
        memory_arg = args.get("memory")
        if memory_arg is None:
            memory: int | None = project.run_memory or limits.DEFAULT_MEMORY
        else:
            memory = limits.size_setting(memory_arg)
        if memory is None:
            raise DapError(
                'launch: `memory` must be a size such as "512M" or "2G" (or a number of '
                f"MiB), from {limits.format_size(limits.MIN_MEMORY)} "
                f"to {limits.format_size(limits.MAX_MEMORY)}"
            )
        if limits.supported():
            # This process lives for this one session: the checks of the program and its run
            # happen under the memory limit (see .session).
            limits.apply_memory(memory)
        try:
            analysis = analyze(text, Options(trust_ceiling=ceiling))
        except MemoryError:
            analysis = None
        if analysis is None:  # told once the traceback has let the memory go
            reason = limits.memory_reason(memory)
            raise DapError(f"cannot debug {path.name}: {reason} while checking the program")
        errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise DapError(self._diagnostics_message(path, analysis, errors))
        return LaunchConfig(
            program=path.resolve(),
            analysis=analysis,
            params=params,
            stdin=stdin,
            timeout=float(timeout),
            trust_ceiling=ceiling,
            fs_root=fs_root,
            stop_on_entry=args.get("stopOnEntry") is True,
            no_debug=args.get("noDebug") is True,
            memory=memory,
            output_limit=project.output_limit,
        )

    def _project_config(self, program: Path) -> ProjectConfig:
        """The configuration that applies to ``program``; its problems are shown in the debug
        console (``path:line:col: warning|error: message``), and the valid settings apply."""
        config = config_for(program)
        for line in problem_lines(config):
            self.event("output", {"category": "stderr", "output": line + "\n"})
        return config

    def _diagnostics_message(self, path: Path, analysis: Analysis, errors: list[Any]) -> str:
        shown = errors[:MAX_LISTED_DIAGNOSTICS]
        where = [f"{d.code} at line {analysis.lines.line_of(d.start) + 1}" for d in shown]
        more = f", and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        plural = "s" if len(errors) != 1 else ""
        head = f"cannot debug {path.name}: {len(errors)} error{plural} ({', '.join(where)}{more})"
        details = []
        for d in shown:
            pos = analysis.lines.position(d.start)
            details.append(f"{path.name}:{pos.line + 1}:{pos.character + 1}: {d.code} {d.message}")
        return "\n".join([head, *details])

    def req_configurationDone(self, args: dict[str, Any]) -> None:
        self.configured = True
        session = self.session
        if session is not None:
            self.after_response(session.start)

    def req_disconnect(self, args: dict[str, Any]) -> None:
        session = self.session
        if session is not None and session.started and not session.ended:
            session.terminate()
            session.end(EXIT_STOPPED)
        self.running = False

    def req_terminate(self, args: dict[str, Any]) -> None:
        session = self._session()
        if not session.started:
            session.end(EXIT_STOPPED)
            return

        def stop() -> None:
            if not session.terminate():
                session.end(EXIT_STOPPED)  # stuck in a long builtin: end the session anyway

        self.after_response(stop)

    # --- breakpoints ---

    def req_setBreakpoints(self, args: dict[str, Any]) -> dict[str, Any]:
        source = args.get("source")
        if not isinstance(source, dict):
            raise DapError("setBreakpoints needs a `source`")
        requested = args.get("breakpoints")
        if requested is None:
            lines = args.get("lines") or []
            if not isinstance(lines, list):
                raise DapError("setBreakpoints: `lines` must be a list")
            requested = [{"line": line} for line in lines]
        if not isinstance(requested, list) or not all(isinstance(b, dict) for b in requested):
            raise DapError("setBreakpoints: `breakpoints` must be a list of objects")
        path = source.get("path")
        bps: list[Breakpoint] = []
        for item in requested:
            self.next_bp_id += 1
            condition = item.get("condition")
            bps.append(
                Breakpoint(
                    self.next_bp_id,
                    self._line_in(item.get("line")),
                    condition if isinstance(condition, str) and condition.strip() else None,
                )
            )
        if not isinstance(path, str) or not path:
            for bp in bps:
                bp.message = "breakpoints can only be set in program files"
            return {"breakpoints": [self._bp_json(bp, source) for bp in bps]}
        key = _norm(check_path(path, "setBreakpoints: `source.path`"))
        self.source_bps[key] = bps
        analysis, problem = self._analysis_for(key, path)
        for bp in bps:
            if analysis is None:
                bp.verified = False
                bp.message = problem
            else:
                bind_breakpoint(analysis, bp)
        self._install()
        return {"breakpoints": [self._bp_json(bp, source) for bp in bps]}

    def _analysis_for(self, key: str, path: str) -> tuple[Analysis | None, str]:
        session = self.session
        if session is not None:
            if key == _norm(session.config.program):
                return session.config.analysis, ""
            return None, "this file is not the program being debugged"
        try:
            text = read_program(Path(path))
        except DapError as exc:
            return None, str(exc)
        return analyze(text), ""

    def _rebind_all(self) -> None:
        """At launch: binds the breakpoints set so far to the launched program's analysis."""
        session = self._session()
        changed: list[dict[str, Any]] = []
        for key, bps in self.source_bps.items():
            for bp in bps:
                before = (bp.verified, bp.message, bp.node_line)
                if key == _norm(session.config.program):
                    bind_breakpoint(session.config.analysis, bp)
                else:
                    bp.verified = False
                    bp.message = "this file is not the program being debugged"
                if (bp.verified, bp.message, bp.node_line) != before:
                    changed.append(self._bp_json(bp, {"path": key}))
        self._install()
        if changed:  # tell the client once the launch response is out

            def tell() -> None:
                for b in changed:
                    self.event("breakpoint", {"reason": "changed", "breakpoint": b})

            self.after_response(tell)

    def _install(self) -> None:
        session = self.session
        if session is None:
            return
        table: dict[Node, list[Breakpoint]] = {}
        for bps in self.source_bps.values():
            for bp in bps:
                if bp.verified:
                    for node in bp.nodes:
                        table.setdefault(node, []).append(bp)
        session.set_breakpoints(table)

    def _bp_json(self, bp: Breakpoint, source: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": bp.id, "verified": bp.verified}
        line = bp.node_line if bp.verified and bp.node_line is not None else bp.line
        out["line"] = self._line_out(line)
        if bp.message:
            out["message"] = bp.message
        if isinstance(source.get("path"), str):
            out["source"] = {"name": Path(source["path"]).name, "path": source["path"]}
        return out

    def req_setExceptionBreakpoints(self, args: dict[str, Any]) -> dict[str, Any]:
        filters = args.get("filters") or []
        options = args.get("filterOptions") or []
        if not isinstance(filters, list) or not isinstance(options, list):
            raise DapError("setExceptionBreakpoints: `filters` must be a list")
        names = [f for f in filters if isinstance(f, str)]
        names += [
            o["filterId"]
            for o in options
            if isinstance(o, dict) and isinstance(o.get("filterId"), str)
        ]
        self.break_on_errors = ERROR_FILTER in names
        if self.session is not None:
            self.session.break_on_errors = self.break_on_errors
        results = []
        for name in names:
            ok = name == ERROR_FILTER
            entry: dict[str, Any] = {"verified": ok}
            if not ok:
                entry["message"] = f"unknown exception filter {name!r}"
            results.append(entry)
        return {"breakpoints": results}

    # --- run control ---

    def req_threads(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"threads": [{"id": THREAD_ID, "name": "main"}]}

    def _resume(self, mode: str) -> None:
        session = self._stopped()
        self.after_response(lambda: session.resume(mode))

    def req_continue(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resume("run")
        return {"allThreadsContinued": True}

    def req_next(self, args: dict[str, Any]) -> None:
        self._resume("over")

    def req_stepIn(self, args: dict[str, Any]) -> None:
        self._resume("in")

    def req_stepOut(self, args: dict[str, Any]) -> None:
        self._resume("out")

    def req_pause(self, args: dict[str, Any]) -> None:
        session = self._session()
        if session.finished:
            raise DapError("the program has finished")
        session.pause()

    # --- stack, scopes, variables ---

    def _graph_source(self, session: Session, graph: Graph) -> tuple[dict[str, Any] | None, Any]:
        program = session.config.analysis.program
        if graph is program.main or program.subgraphs.get(graph.name or "") is graph:
            path = session.config.program
            return {"name": path.name, "path": str(path)}, session.config.analysis.lines
        name = graph.name or ""
        entry = stdlib.lookup(name)
        if entry is not None:
            ref = self._std_refs.get(name)
            if ref is None:
                ref = self._ref()
                self._std_refs[name] = ref
                self._std_texts[ref] = (name, entry.program_text())
                self._std_lines[name] = LineIndex(entry.program_text())
            source = {
                "name": name,
                "sourceReference": ref,
                "presentationHint": "deemphasize",
                "origin": "Lexis standard library",
            }
            return source, self._std_lines[name]
        return None, None

    def req_stackTrace(self, args: dict[str, Any]) -> dict[str, Any]:
        session = self._stopped()
        frames = session.frames()
        start = args.get("startFrame")
        levels = args.get("levels")
        for name, n in (("startFrame", start), ("levels", levels)):
            if n is not None and (type(n) is not int or n < 0):
                raise DapError(f"stackTrace: `{name}` must be a non-negative integer")
        start = start or 0
        levels = levels or len(frames)
        out = []
        for k, frame in enumerate(frames):
            ref = self._ref()
            self._frames[ref] = frame
            if k < start or k >= start + levels:
                continue
            node = session.current_node(frame)
            source, lines = self._graph_source(session, frame.graph)
            entry: dict[str, Any] = {"id": ref, "name": frame.name, "line": 0, "column": 0}
            if source is not None and node is not None and lines is not None:
                span = node.id_span()
                a, b = lines.position(span.start), lines.position(span.end)
                entry.update(
                    source=source,
                    line=self._line_out(a.line),
                    column=self._col_out(a.character),
                    endLine=self._line_out(b.line),
                    endColumn=self._col_out(b.character),
                )
            elif source is not None:
                entry["source"] = source
            if source is None or source.get("sourceReference"):
                entry["presentationHint"] = "subtle"
            out.append(entry)
        return {"stackFrames": out, "totalFrames": len(frames)}

    def _frame(self, session: Session, frame_id: Any) -> Frame:
        if frame_id is None:
            frames = session.frames()
            if not frames:
                raise DapError("no frame")
            return frames[0]
        frame = self._frames.get(frame_id) if type(frame_id) is int else None
        if frame is None:
            raise DapError(f"no frame {frame_id} (frame ids last until the program resumes)")
        return frame

    def _container(self, name: str, hint: str | None, provider: Provider) -> dict[str, Any]:
        ref = self._ref()
        self._vars[ref] = provider
        scope: dict[str, Any] = {
            "name": name,
            "variablesReference": ref,
            "namedVariables": len(provider()),
            "expensive": False,
        }
        if hint is not None:
            scope["presentationHint"] = hint
        return scope

    def req_scopes(self, args: dict[str, Any]) -> dict[str, Any]:
        session = self._stopped()
        frame = self._frame(session, args.get("frameId"))
        node = session.current_node(frame)
        stop = session.stop
        values = frame.values
        scopes = []
        if stop is not None and frame is stop.frame and stop.returned_from is not None:
            inner = stop.returned_from
            outs = [
                (n.id, inner.values.get(n.id), None)
                for n in inner.graph.output_ports()
                if n.id is not None
            ]
            scopes.append(
                self._container(f"Returned from {inner.name}", "returnValue", lambda: outs)
            )
        if node is not None and node.valid_inputs:
            inputs = [(i, values.get(i), i) for i in node.valid_inputs]
            label = f"Inputs of {node.id}" if node.id else "Inputs"
            scopes.append(self._container(label, "arguments", lambda: inputs))
        scopes.append(
            self._container("Node values", "locals", lambda: [(k, v, k) for k, v in values.items()])
        )
        if frame.parent is not None:
            call_args = [(f"input_port {k}", v, None) for k, v in enumerate(frame.args)]
            scopes.append(self._container("Arguments", "arguments", lambda: call_args))
        params = [(k, v, None) for k, v in session.config.params.items()]
        scopes.append(self._container("Params", None, lambda: params))
        return {"scopes": scopes}

    def _variable(self, name: str, value: Any, evaluate_name: str | None) -> dict[str, Any]:
        var: dict[str, Any] = {
            "name": name,
            "value": short(value),
            "type": type_of(value),
            "variablesReference": 0,
        }
        if evaluate_name is not None:
            var["evaluateName"] = evaluate_name
        if expandable(value):
            parts = children(value)
            ref = self._ref()
            self._vars[ref] = lambda: [(n, v, None) for n, v in parts]
            var["variablesReference"] = ref
            if isinstance(value, list):
                var["indexedVariables"] = len(value)
            else:
                var["namedVariables"] = len(parts)
        return var

    def req_variables(self, args: dict[str, Any]) -> dict[str, Any]:
        self._stopped()
        ref = args.get("variablesReference")
        provider = self._vars.get(ref) if type(ref) is int else None
        if provider is None:
            raise DapError(f"no variables reference {ref} (they last until the program resumes)")
        items = list(provider())
        wanted = args.get("filter")
        if wanted == "indexed":
            items = [item for item in items if item[0].startswith("[")]
        elif wanted == "named":
            items = [item for item in items if not item[0].startswith("[")]
        start = args.get("start") or 0
        count = args.get("count") or 0
        if type(start) is int and start > 0:
            items = items[start:]
        if type(count) is int and count > 0:
            items = items[:count]
        return {"variables": [self._variable(n, v, e) for n, v, e in items]}

    # --- evaluate, exceptions, sources ---

    def req_evaluate(self, args: dict[str, Any]) -> dict[str, Any]:
        expression = args.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise DapError("evaluate needs an `expression`")
        session = self._stopped()
        frame = self._frame(session, args.get("frameId"))
        text = expression.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"' and ID_PATTERN.fullmatch(text[1:-1]):
            text = text[1:-1]  # an id hovered with its quotes
        if ID_PATTERN.fullmatch(text) and text not in ("true", "false", "null"):
            value = self._lookup(frame, text)
            return self._result(value)
        try:
            condition = compile_condition(text)
        except ConditionError as exc:
            raise DapError(f"cannot evaluate `{text}`: {exc.message}") from None
        return self._result(evaluate(condition.tree, frame.values))

    def _lookup(self, frame: Frame, name: str) -> Any:
        f: Frame | None = frame
        while f is not None:
            if name in f.values:
                return f.values[name]
            if name in f.graph.by_id:
                raise DapError(f"`{name}` has not been computed yet in {f.name}")
            f = f.parent
        raise DapError(f"no node `{name}` in this frame")

    def _result(self, value: Any) -> dict[str, Any]:
        var = self._variable("", value, None)
        body: dict[str, Any] = {
            "result": var["value"],
            "type": var["type"],
            "variablesReference": var["variablesReference"],
        }
        for key in ("indexedVariables", "namedVariables"):
            if key in var:
                body[key] = var[key]
        return body

    def req_exceptionInfo(self, args: dict[str, Any]) -> dict[str, Any]:
        session = self._stopped()
        stop = session.stop
        error = stop.error if stop is not None else None
        if error is None:
            raise DapError("the program is not stopped on an error value")
        return {
            "exceptionId": "ErrorValue",
            "description": error_text(error),
            "breakMode": "always",
            "details": _details(error),
        }

    def req_source(self, args: dict[str, Any]) -> dict[str, Any]:
        ref = args.get("sourceReference")
        if isinstance(args.get("source"), dict):
            ref = args["source"].get("sourceReference", ref)
        found = self._std_texts.get(ref) if type(ref) is int else None
        if found is None:
            raise DapError(f"no source {ref}")
        return {"content": found[1], "mimeType": "application/json"}


def _details(error: ErrorValue, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message": error.message,
        "typeName": "ERROR",
        "stackTrace": "\n".join(cause_chain(error)),
    }
    if error.node:
        out["evaluateName"] = error.node
    if error.cause is not None and depth < 50:
        out["innerException"] = [_details(error.cause, depth + 1)]
    return out
