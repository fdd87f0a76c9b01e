"""OS-enforced limits of a run: memory (address space), CPU time and a wall-clock deadline.

The interpreter checks its own limits (the deadline between nodes and inside long builtins, value
sizes), but a hostile program can still find work those checks do not see: a value with shared
structure expanded by ``to_str``, a comparison that runs in C for minutes. So every run also
executes under limits the operating system enforces, in a process that can be killed:

- ``lexis run`` forks a child for the run (:func:`run_forked`); the parent waits for it, kills
  it at the deadline and reports how it ended;
- the language server's ``lexis.run`` starts ``python -m lexis_ls.run.worker``, which applies
  the limits to itself before the run; the server kills it at the deadline;
- the debug adapter applies them to itself (it lives for one debug session) when the program
  starts (see :mod:`lexis_ls.dap.session`).

The limits: RLIMIT_AS (address space) at the memory limit — an allocation beyond it fails, which
Python raises as MemoryError and the run reports as "memory limit of … reached"; RLIMIT_CPU a
little above the time limit (SIGXCPU, then SIGKILL a second later), a backstop for a process
whose parent is gone; and the parent's wall-clock deadline. RLIMIT_AS counts virtual memory: the
interpreter itself needs about 40 MB of it, a run that uses the network about 200 MB (a thread
and the TLS libraries), so the default of 1 GiB leaves a normal program plenty.

Without ``fork`` and ``resource`` (Windows), runs are not OS-limited: :func:`supported` is False
and the callers run in-process as before, with the interpreter's own checks only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

from ..lang.sizes import (
    DEFAULT_MEMORY,
    MAX_MEMORY,
    MIN_MEMORY,
    format_size,
    parse_size,
    size_setting,
)
from .core import LimitReached

__all__ = [
    "DEFAULT_MEMORY",
    "MAX_MEMORY",
    "MIN_MEMORY",
    "format_size",
    "parse_size",
    "size_setting",
]

CPU_MARGIN = 1.0  # CPU seconds granted past the time limit (then SIGXCPU)
# The longest CPU limit or alarm set (about 68 years): a longer time limit (`timeout` 1e300
# is a positive finite number) is this, not a number the system calls cannot take.
MAX_LIMIT_SECONDS = 2**31 - 1
ALARM_GRACE = 0.1  # the run's own alarm fires this long after its deadline
KILL_GRACE = 0.3  # the parent kills the run's process this long after its deadline
EXIT_MEMORY = 86  # a forked run that hit the memory limit (its report is on the status pipe)
EXIT_INTERNAL = 70


def memory_reason(size: int) -> str:
    return f"memory limit of {format_size(size)} reached"


def time_reason(seconds: float) -> str:
    return f"time limit of {seconds:g} s reached"


# --- the limits, applied to the current process ------------------------------------------


def supported() -> bool:
    """Whether runs can be put under OS limits here (POSIX: resource and fork)."""
    return resource is not None and hasattr(os, "fork") and sys.platform != "win32"


def cpu_used() -> float:
    """CPU seconds (user + system) this process has used."""
    if resource is None:
        return time.process_time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    assert resource is not None
    _, cur_hard = resource.getrlimit(which)
    inf = resource.RLIM_INFINITY
    if cur_hard != inf:
        soft = min(soft, cur_hard)
    if hard is None:
        hard = cur_hard
    elif cur_hard != inf:
        hard = min(hard, cur_hard)
    resource.setrlimit(which, (soft, hard))


def apply_memory(size: int) -> bool:
    """Caps this process's address space at ``size`` bytes (hard limit too: it cannot be
    raised again). False when the system refuses (then RLIMIT_DATA is tried)."""
    if resource is None:
        return False
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            _lower(which, size, size)
            return True
        except (ValueError, OSError):
            continue
    return False


def apply_cpu(seconds: float, *, adjustable: bool = False) -> bool:
    """SIGXCPU after ``seconds`` more CPU seconds (and SIGKILL one second later, unless
    ``adjustable``: then the hard limit stays where it was so that :func:`extend_cpu` can
    raise the soft one)."""
    if resource is None:
        return False
    soft = min(math.ceil(cpu_used() + seconds), MAX_LIMIT_SECONDS)
    try:
        _lower(resource.RLIMIT_CPU, soft, None if adjustable else soft + 1)
        return True
    except (ValueError, OSError):
        return False


def extend_cpu(seconds: float) -> None:
    """Raises the soft CPU limit set by ``apply_cpu(adjustable=True)`` by ``seconds`` (the
    debug adapter: CPU used while the program is paused does not count)."""
    if resource is None or seconds <= 0:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY:
        return
    soft = min(math.ceil(soft + seconds), MAX_LIMIT_SECONDS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def apply(memory: int, timeout: float) -> None:
    """The memory limit and a CPU limit of ``timeout`` + CPU_MARGIN, on this process."""
    if supported():
        apply_memory(memory)
        apply_cpu(timeout + CPU_MARGIN)


def peak_rss() -> int:
    """This process's peak resident set size in bytes (0 when unknown)."""
    if resource is None:
        return 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


# --- the run's own alarm -----------------------------------------------------------------


class Alarm:
    """Raises LimitReached (the time limit) in the main thread ``seconds`` from now, for a
    node that runs on past the deadline in Python code the evaluator's checks do not reach
    (a second alarm a second later ends the process, whoever caught the first); work stuck in
    C code is the parent's (or RLIMIT_CPU's) to kill. ``node`` names the node
    running then. Use as a context manager; a no-op outside the main thread or without
    SIGALRM."""

    def __init__(self, seconds: float, timeout: float, node: Callable[[], str | None]) -> None:
        self.seconds = seconds
        self.timeout = timeout
        self.node = node
        self.armed = False
        self.previous: Any = None

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        # Whatever catches this exception, a second alarm ends the process (default action).
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        raise LimitReached(time_reason(self.timeout), self.node())

    def __enter__(self) -> Alarm:
        if hasattr(signal, "setitimer"):
            try:
                self.previous = signal.signal(signal.SIGALRM, self._fire)
            except ValueError:  # not the main thread
                return self
            signal.setitimer(signal.ITIMER_REAL, min(max(0.001, self.seconds), MAX_LIMIT_SECONDS))
            self.armed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous or signal.SIG_DFL)
            self.armed = False


# --- a run in a forked child -------------------------------------------------------------


@dataclass
class Outcome:
    """How a forked run ended."""

    kind: str  # "exited" | "memory" | "time" | "signal"
    code: int = 0  # the child's exit code ("exited")
    node: str | None = None  # the node running when a limit stopped it (if known)
    reason: str | None = None  # for "memory", "time" and "signal": what to tell the user
    peak_rss: int = 0  # bytes
    cpu: float = 0.0  # seconds
    wall: float = 0.0  # seconds


def report(fd: int, kind: str, node: str | None) -> None:
    """The child's message to its parent (one short JSON line on the status pipe)."""
    data = json.dumps({"limit": kind, "node": node}).encode("ascii", "replace")
    with contextlib.suppress(OSError):
        os.write(fd, data[:4000] + b"\n")


def _read_report(data: bytes) -> dict[str, Any]:
    for line in data.splitlines():
        with contextlib.suppress(ValueError):
            parsed = json.loads(line)
            if isinstance(parsed, dict):
                return parsed
    return {}


def death_detail(sig: int) -> str:
    """What ended a run that was killed by signal ``sig`` at a time limit, for its reason."""
    if sig == getattr(signal, "SIGXCPU", None) or sig == signal.SIGKILL:
        return " (CPU time)"
    return ""


def death_reason(returncode: int, stderr: str, timeout: float, memory: int) -> str | None:
    """Why a run's process that ended without a result ended (``returncode`` as subprocess
    gives it: -N for signal N), when a limit explains it."""
    if returncode < 0:
        sig = -returncode
        if sig in (getattr(signal, "SIGXCPU", None), signal.SIGALRM):
            return time_reason(timeout) + death_detail(sig)
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr or "out of memory" in stderr:
        return memory_reason(memory)
    return None


def _kill(pid: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)


def run_forked(
    child: Callable[[int], int],
    *,
    memory: int,
    timeout: float,
    new_group: bool = True,
    flush: Callable[[], None] | None = None,
) -> Outcome:
    """Runs ``child(status_fd)`` in a forked process under the memory limit and a CPU limit,
    kills it (its process group when ``new_group``) KILL_GRACE seconds after ``timeout``, and
    says how it ended. The child returns its exit code; a MemoryError that escapes it is
    reported as the memory limit. The child inherits stdin, stdout and stderr: what it prints
    appears as it runs. ``flush`` empties the parent's buffers before the fork (else both
    processes would write them)."""
    if flush is not None:
        flush()
    r, w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        code = EXIT_INTERNAL
        try:
            os.close(r)
            if new_group:
                os.setpgid(0, 0)
            apply(memory, timeout)
            code = child(w)
        except MemoryError:
            report(w, "memory", None)
            code = EXIT_MEMORY
        except KeyboardInterrupt:
            code = 130
        except Exception as exc:  # a bug: one line, as the parent would have said it
            with contextlib.suppress(Exception):
                print(f"lexis: internal error in the run: {exc!r}", file=sys.stderr)
        except BaseException:  # SystemExit and the like: the child ends here all the same
            pass
        finally:
            with contextlib.suppress(BaseException):
                if flush is not None:
                    flush()
            os._exit(code)
    os.close(w)
    if new_group:
        with contextlib.suppress(OSError):  # both sides set it: no race with the kill
            os.setpgid(pid, pid)
    deadline = started + timeout + KILL_GRACE
    data = b""
    killed = False
    status = 0
    rusage: Any = None
    try:
        eof = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                _kill(pid, new_group)
                killed = True
                break
            if not eof:
                ready, _, _ = select.select([r], [], [], min(left, 0.5))
                if ready:
                    chunk = os.read(r, 65536)
                    if chunk:
                        data += chunk[: 65536 - len(data)]
                    else:
                        eof = True
                continue
            done, status, rusage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        if killed or rusage is None:
            _, status, rusage = os.wait4(pid, 0)
    except BaseException:  # Ctrl-C in the parent: the run goes with it
        _kill(pid, new_group)
        with contextlib.suppress(ChildProcessError):
            os.wait4(pid, 0)
        raise
    finally:
        os.close(r)
    wall = time.monotonic() - started
    peak = rusage.ru_maxrss if sys.platform == "darwin" else rusage.ru_maxrss * 1024
    out = Outcome("exited", peak_rss=peak, cpu=rusage.ru_utime + rusage.ru_stime, wall=wall)
    said = _read_report(data)
    node = said.get("node") if isinstance(said.get("node"), str) else None
    if said.get("limit") == "memory":
        out.kind, out.node, out.reason = "memory", node, memory_reason(memory)
    elif killed:
        out.kind, out.reason = "time", time_reason(timeout)
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        xcpu = getattr(signal, "SIGXCPU", None)
        if sig in (xcpu, signal.SIGALRM) or (sig == signal.SIGKILL and out.cpu >= timeout):
            out.kind, out.reason = "time", time_reason(timeout) + death_detail(sig)
        elif peak >= memory * 0.9:
            out.kind, out.reason = "memory", memory_reason(memory)
        else:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            out.kind, out.reason = "signal", f"the run ended on signal {name}"
    else:
        out.code = os.WEXITSTATUS(status)
        if out.code == EXIT_MEMORY:
            out.kind, out.reason = "memory", memory_reason(memory)
    return out
