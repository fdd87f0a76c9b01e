"""Run control: the tracer the evaluator calls, and the state the DAP requests read.

The evaluator runs in a worker thread. Before and after every node it calls the tracer, which
decides whether to stop there (entry, breakpoint, step, pause, error value). To stop, the tracer
records a :class:`Stop`, sends the ``stopped`` event and blocks until a request resumes it; the
requests read the frames while the worker is blocked, so they see a still picture.

Stop points are "before a node" (breakpoints, steps, pause), "after a node" (a new error value)
and "returned from a call" (shown in the calling frame at the calling node, which is still
running: a ``map`` between two iterations, say). Stepping, from a stop in frame F at depth d:

- ``stepIn``: the next stop point of any kind, at any depth;
- ``next``: the next stop point at depth <= d (before a node of F or of a shallower frame, or
  when F or a shallower frame returns);
- ``stepOut``: the next node at depth < d, or the return of F (or of a shallower frame).

Limits (see :mod:`lexis_ls.run.limits`). The adapter process lives for one debug session, so
it puts itself under the run's limits at launch: RLIMIT_AS at the launch's ``memory`` (default
1 GiB; a MemoryError of the run ends the session with "run stopped …: memory limit of …
reached" on stderr, exit code 3), and RLIMIT_CPU the time limit + CPU_MARGIN past the CPU it has
used. Time spent paused (at a breakpoint, a step, an error value) is the user's, not the
program's: it counts neither against the time limit (the evaluator's deadline moves by the
pause) nor against the CPU limit (raised by the CPU the adapter used meanwhile, answering
requests). A watchdog thread ends the session (output event, ``exited`` 3, ``terminated``) and
the adapter KILL_GRACE seconds after the deadline when the run is neither paused nor finished:
a builtin that never returns to the evaluator. Work that holds the interpreter lock in C code
keeps the watchdog from running too; then RLIMIT_CPU ends the adapter (SIGXCPU), without the
events.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..lang.analysis import Analysis
from ..lang.model import Node, schedule
from ..lang.values import ErrorValue
from ..run import limits
from ..run.core import LimitReached
from ..run.evaluator import Evaluator, Frame, RunOptions, RunResult
from ..run.host import HostOptions
from .conditions import Condition, ConditionError, compile_condition, ids
from .render import chain_text

log = logging.getLogger(__name__)

TERMINATED = "terminated by the debugger"
EXIT_OK = 0
EXIT_STOPPED = 3  # as `lexis run`: a limit stopped the run (or the debugger terminated it)
EXIT_INTERNAL = 70


@dataclass
class Breakpoint:
    id: int
    line: int  # 0-based, as requested
    condition_text: str | None = None
    condition: Condition | None = None
    nodes: list[Node] = field(default_factory=list)
    verified: bool = False
    message: str | None = None
    node_line: int | None = None  # 0-based line of the first bound node's "id" value


@dataclass
class Stop:
    reason: str  # "entry" | "breakpoint" | "step" | "pause" | "exception"
    frame: Frame  # the innermost frame shown
    node: Node | None  # the node highlighted in that frame
    description: str
    text: str | None = None
    hit: list[int] = field(default_factory=list)
    error: ErrorValue | None = None
    returned_from: Frame | None = None  # for a stop after a call returned


def nodes_on_line(analysis: Analysis, line: int) -> list[Node]:
    """The nodes (of every graph) whose node object covers the 0-based ``line``."""
    lines = analysis.lines
    out: list[Node] = []
    for graph in analysis.program.graphs:
        for node in graph.nodes:
            first = lines.line_of(node.syntax.start)
            last = lines.line_of(max(node.syntax.start, node.syntax.end - 1))
            if first <= line <= last:
                out.append(node)
    return out


def bind_breakpoint(analysis: Analysis, bp: Breakpoint) -> None:
    """Binds ``bp`` to the nodes on its line and checks its condition against their graph."""
    bp.nodes = nodes_on_line(analysis, bp.line)
    if not bp.nodes:
        bp.verified = False
        bp.message = "no Lexis node is defined on this line"
        return
    bp.node_line = analysis.lines.line_of(bp.nodes[0].id_span().start)
    if bp.condition_text:
        try:
            bp.condition = compile_condition(bp.condition_text)
        except ConditionError as exc:
            bp.verified = False
            bp.message = f"invalid condition (at character {exc.offset + 1}): {exc.message}"
            return
        graph = bp.nodes[0].graph
        unknown = [i for i in ids(bp.condition.tree) if i not in graph.by_id]
        if unknown:
            bp.verified = False
            bp.message = f"invalid condition: {graph.label} has no node `{unknown[0]}`"
            return
    bp.verified = True
    bp.message = None


@dataclass
class LaunchConfig:
    program: Path
    analysis: Analysis
    params: dict[str, str]
    stdin: str
    timeout: float
    trust_ceiling: int | None
    fs_root: Path | None
    stop_on_entry: bool
    no_debug: bool
    memory: int = limits.DEFAULT_MEMORY  # bytes of address space of the adapter
    output_limit: int | None = None  # characters the program may print (None: the default)


class Session:
    """One debugged run: the tracer (worker thread side) and the control (request side)."""

    def __init__(
        self,
        config: LaunchConfig,
        send_event: Callable[[str, dict[str, Any] | None], None],
    ) -> None:
        self.config = config
        self.send_event = send_event
        self.cond = threading.Condition()
        self.breakpoints: dict[Node, list[Breakpoint]] = {}
        self.break_on_errors = False
        self.mode = "run"  # "run" | "in" | "over" | "out"
        self.step_depth = 0
        self.pause_requested = False
        self.terminate_requested = False
        self.stop: Stop | None = None
        self.generation = 0  # bumped on every resume: references from older stops are stale
        self.started = False
        self.finished = False
        self.ended = False  # exited/terminated were sent
        self.result: RunResult | None = None
        self._first = True
        self._done: dict[int, Node] = {}  # id(frame) -> last node completed in it
        self._reported: list[ErrorValue] = []  # error values already stopped on
        self._reported_ids: set[int] = set()
        self.thread: threading.Thread | None = None
        self.paused_since: float | None = None  # time.monotonic() of the current pause
        host = HostOptions(
            params=config.params,
            stdin=io.StringIO(config.stdin),
            program_dir=config.program.parent,
            fs_root=config.fs_root,
            timeout=config.timeout,
            echo=self._echo,
        )
        if config.output_limit is not None:
            host.max_output = config.output_limit
        self.evaluator = Evaluator(
            config.analysis,
            RunOptions(host=host, trust_ceiling=config.trust_ceiling, tracer=self),
        )

    # --- request side ---

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.thread = threading.Thread(target=self._work, name="lexis-run", daemon=True)
        self.thread.start()
        threading.Thread(target=self._watch, name="lexis-run-watchdog", daemon=True).start()

    def set_breakpoints(self, table: dict[Node, list[Breakpoint]]) -> None:
        self.breakpoints = table  # one assignment: the worker sees the old or the new table

    def resume(self, mode: str = "run") -> None:
        """Continue (``run``) or step (``in``/``over``/``out``) from the current stop."""
        with self.cond:
            stop = self.stop
            if stop is None:
                return
            self.mode = mode
            self.step_depth = stop.frame.depth
            self.stop = None
            self.generation += 1
            self.cond.notify_all()

    def pause(self) -> None:
        with self.cond:
            if self.stop is None:
                self.pause_requested = True

    def terminate(self, wait: float = 2.0) -> bool:
        """Stops the run; True when the worker has finished within ``wait`` seconds."""
        with self.cond:
            self.terminate_requested = True
            self.stop = None
            self.generation += 1
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join(wait)
            return not self.thread.is_alive()
        return True

    def end(self, exit_code: int) -> None:
        """Sends ``exited`` and ``terminated`` once."""
        with self.cond:
            if self.ended:
                return
            self.ended = True
        self.send_event("exited", {"exitCode": exit_code})
        self.send_event("terminated", None)

    # --- worker side ---

    def _echo(self, text: str) -> None:
        self.send_event("output", {"category": "stdout", "output": text})

    def _running(self) -> str | None:
        node = getattr(self.evaluator, "_main_node", None)
        return getattr(node, "id", None)

    def _work(self) -> None:
        code = EXIT_INTERNAL
        out_of_memory = False
        try:
            # The time limit counts from the start of the run, not from the launch request.
            host = self.evaluator.host
            host.started = time.monotonic()
            host.deadline = host.started + self.config.timeout
            if limits.supported():
                limits.apply_cpu(self.config.timeout + limits.CPU_MARGIN, adjustable=True)
            result = self.evaluator.run()
            self.result = result
            if result.status == "ok":
                code = EXIT_OK
            else:
                where = f" at node `{result.stopped_at}`" if result.stopped_at else ""
                if result.reason != TERMINATED:
                    self.send_event(
                        "output",
                        {"category": "stderr", "output": f"run stopped{where}: {result.reason}\n"},
                    )
                code = EXIT_STOPPED
        except MemoryError:
            out_of_memory = True  # told below, once the run's values are freed
        except Exception as exc:  # a bug in the interpreter must not hang the session
            log.exception("the run failed")
            self.send_event(
                "output", {"category": "stderr", "output": f"internal error in the run: {exc}\n"}
            )
        finally:
            with self.cond:
                self.finished = True
                self.stop = None
        if out_of_memory:
            node = self._running()
            where = f" at node `{node}`" if node else ""
            reason = limits.memory_reason(self.config.memory)
            self.send_event(
                "output", {"category": "stderr", "output": f"run stopped{where}: {reason}\n"}
            )
            code = EXIT_STOPPED
        self.end(code)

    def _watch(self) -> None:
        """Ends the session and the adapter when the run is past its deadline and neither
        paused nor able to stop itself (see the module's docstring)."""
        host = self.evaluator.host
        while True:
            time.sleep(0.05)
            with self.cond:
                if self.finished or self.ended or self.terminate_requested:
                    return
                if self.paused_since is not None:
                    continue
                late = time.monotonic() - host.deadline
            if late < limits.KILL_GRACE:
                continue
            node = self._running()
            where = f" at node `{node}`" if node else ""
            reason = limits.time_reason(self.config.timeout)
            log.warning("the run is %.1f s past its deadline: ending the adapter", late)
            self.send_event(
                "output", {"category": "stderr", "output": f"run stopped{where}: {reason}\n"}
            )
            self.end(EXIT_STOPPED)
            logging.shutdown()
            os._exit(EXIT_STOPPED)

    def _check_terminate(self, node: Node | None) -> None:
        if self.terminate_requested:
            raise LimitReached(TERMINATED, node.id if node is not None else None)

    def _halt(self, stop: Stop) -> None:
        """Records ``stop``, tells the client, and blocks until resumed or terminated."""
        with self.cond:
            if self.terminate_requested:
                self._check_terminate(stop.node)
            self.stop = stop
            self.pause_requested = False
            self.mode = "run"
            generation = self.generation
        body: dict[str, Any] = {
            "reason": stop.reason,
            "description": stop.description,
            "threadId": 1,
            "allThreadsStopped": True,
        }
        if stop.text:
            body["text"] = stop.text
        if stop.hit:
            body["hitBreakpointIds"] = stop.hit
        paused = time.monotonic()
        cpu = limits.cpu_used()
        with self.cond:
            self.paused_since = paused
        self.send_event("stopped", body)
        with self.cond:
            while self.generation == generation and not self.terminate_requested:
                self.cond.wait()
            # Time spent stopped counts neither against the run's time limit nor its CPU limit.
            self.evaluator.host.deadline += time.monotonic() - paused
            self.paused_since = None
        if limits.supported():
            limits.extend_cpu(limits.cpu_used() - cpu)
        self._check_terminate(stop.node)

    def _step_stops(self, depth: int, returning: bool) -> bool:
        mode = self.mode
        if mode == "in":
            return True
        if mode == "over":
            return depth <= self.step_depth
        if mode == "out":
            return depth <= self.step_depth if returning else depth < self.step_depth
        return False

    # --- the Tracer protocol ---

    def enter_frame(self, frame: Frame) -> None:
        self._check_terminate(None)

    def exit_frame(self, frame: Frame) -> None:
        last = self._done.pop(id(frame), None)
        if self.terminate_requested or self.config.no_debug or frame.parent is None:
            return
        order = schedule(frame.graph)[0]
        if order and last is not order[-1]:
            return  # left by an exception (a limit, or terminate)
        parent = frame.parent
        reason = None
        if self.pause_requested:
            reason = "pause"
        elif self._step_stops(frame.depth, returning=True):
            reason = "step"
        if reason is not None:
            self._halt(
                Stop(
                    reason,
                    parent,
                    parent.current,
                    f"Returned from {frame.name}",
                    returned_from=frame,
                )
            )

    def before_node(self, frame: Frame, node: Node) -> None:
        self._check_terminate(node)
        if self.config.no_debug:
            return
        reason = None
        description = ""
        text = None
        if self._first:
            self._first = False
            if self.config.stop_on_entry:
                reason, description = "entry", "Paused on entry"
        if reason is None and self.pause_requested:
            reason, description = "pause", "Paused"
        if reason is None and self._step_stops(frame.depth, returning=False):
            reason, description = "step", "Paused after a step"
        hit: list[int] = []
        for bp in self.breakpoints.get(node, ()):
            if bp.condition is not None:
                try:
                    holds = bp.condition.holds(frame.values)
                except Exception as exc:  # stop and say so rather than lose the breakpoint
                    holds = True
                    text = f"condition error: {exc}"
                if not holds:
                    continue
            hit.append(bp.id)
        if hit:
            reason, description = "breakpoint", "Paused on breakpoint"
        if reason is not None:
            self._halt(Stop(reason, frame, node, description, text, hit))

    def after_node(self, frame: Frame, node: Node, value: Any) -> None:
        self._done[id(frame)] = node
        self._check_terminate(node)
        if self.config.no_debug or not self.break_on_errors or not isinstance(value, ErrorValue):
            return
        values = frame.values
        if any(values.get(i) is value for i in node.valid_inputs):
            return  # passed on unchanged from an input
        if any(id(e) in self._reported_ids for e in value.chain()[1:]):
            return  # wraps an error already stopped on (a call, map, ... passing it out)
        self._reported.append(value)
        self._reported_ids.add(id(value))
        self._halt(
            Stop(
                "exception",
                frame,
                node,
                "Paused on an error value",
                chain_text(value),
                error=value,
            )
        )

    # --- what requests read ---

    def frames(self) -> list[Frame]:
        stop = self.stop
        out: list[Frame] = []
        f = stop.frame if stop is not None else None
        while f is not None:
            out.append(f)
            f = f.parent
        return out

    def current_node(self, frame: Frame) -> Node | None:
        stop = self.stop
        if stop is not None and frame is stop.frame:
            return stop.node
        return frame.current
