"""The host side of a run: parameters, standard input, output, files, limits.

Everything a program can touch outside pure computation goes through a :class:`Host`, so the
sandbox rules live in one place: file paths resolve against the program's directory and may not
leave the file-system root — followed component by component from a descriptor of the root
(``openat`` with ``O_NOFOLLOW``), symlinks resolved here by text and kept below the root, so a
folder swapped for a symlink during the run cannot lead outside; only regular files are read
or written (FIFOs, devices and sockets are refused), at most :data:`MAX_FILE_SIZE` bytes;
output is capped, and the wall clock is checked against one deadline.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..lang.values import ErrorValue, to_str
from .core import Call, LimitReached
from .files import WriteError, write_atomic_at

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_OUTPUT = 1_000_000  # characters a run may print
MAX_VALUE_SIZE = 20_000_000  # characters or elements in one value
MAX_FILE_SIZE = MAX_VALUE_SIZE  # bytes read_file reads or write_file writes


@dataclass
class HostOptions:
    params: dict[str, str] = field(default_factory=dict)
    stdin: IO[str] | None = None
    program_dir: Path = field(default_factory=Path.cwd)
    fs_root: Path | None = None  # default: program_dir
    timeout: float = DEFAULT_TIMEOUT
    max_output: int = DEFAULT_MAX_OUTPUT
    echo: Callable[[str], None] | None = None  # receives printed text as it is produced


class Host:
    def __init__(self, options: HostOptions, *, capture: bool = False) -> None:
        self.options = options
        self.started = time.monotonic()
        self.deadline = self.started + options.timeout
        self.output: list[str] = []
        self.output_size = 0
        self.capture = capture  # eval's inner programs: output kept, not echoed
        root = options.fs_root if options.fs_root is not None else options.program_dir
        self.fs_root = _real(root)
        self.program_dir = _real(options.program_dir)

    # --- limits ---

    def check_time(self, node: str | None) -> None:
        if time.monotonic() > self.deadline:
            raise LimitReached(f"time limit of {self.options.timeout:g} s reached", node)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check_size(self, value: Any, node: str | None) -> None:
        if isinstance(value, (str, list)) and len(value) > MAX_VALUE_SIZE:
            raise LimitReached(
                f"a value of {len(value):,} elements exceeds the limit of {MAX_VALUE_SIZE:,}", node
            )

    def sleep(self, seconds: float, node: str | None) -> None:
        remaining = self.remaining()
        if seconds > remaining:
            time.sleep(max(0.0, remaining))
            raise LimitReached(
                f"time limit of {self.options.timeout:g} s reached during `delay`", node
            )
        time.sleep(seconds)

    # --- output ---

    def write(self, text: str, node: str | None) -> None:
        self.output_size += len(text)
        if self.output_size > self.options.max_output:
            raise LimitReached(
                f"output limit of {self.options.max_output:,} characters reached", node
            )
        self.output.append(text)
        if not self.capture and self.options.echo is not None:
            self.options.echo(text)

    def print_value(self, call: Call, value: Any) -> Any:
        self.write(to_str(value) + "\n", call.node_id)
        return value

    @property
    def text(self) -> str:
        return "".join(self.output)

    # --- inputs ---

    def param(self, call: Call) -> Any:
        name = call.value
        if not isinstance(name, str):
            return call.error("`param` needs a parameter name in its value")
        if name not in self.options.params:
            return call.error(f"missing parameter `{name}` (pass it with --param {name}=VALUE)")
        return self.options.params[name]

    def read_stdin(self, call: Call) -> Any:
        stream = self.options.stdin
        if stream is None:
            return call.error("no standard input is available")
        line = stream.readline()
        if line == "":
            return call.error("end of input: standard input has no more lines")
        return line[:-1] if line.endswith("\n") else line

    # --- files ---

    def resolve_path(self, call: Call, raw: Any) -> list[str] | ErrorValue:
        """The components of ``raw`` below the file-system root, or an error value.

        Only words: ``raw`` is joined to the program's folder and normalised by name (``..``
        steps back by name, as ``os.path.normpath`` does); a path that leaves the root by name
        is refused here. Nothing on disk is looked at: :func:`_walk` follows the components
        from a descriptor of the root, so what is on disk cannot be swapped under the check.
        """
        if not isinstance(raw, str) or raw == "":
            return call.error(f"a file path must be a non-empty string, not {to_str(raw)[:60]!r}")
        if "\x00" in raw:
            return call.error("a file path may not contain NUL characters")
        try:
            raw.encode("utf-8")
        except UnicodeError:
            return call.error("a file path must be valid Unicode text (it has a lone surrogate)")
        root = str(self.fs_root)
        full = os.path.normpath(os.path.join(str(self.program_dir), raw))
        inside = _below(root, full)
        if inside is None:
            return call.error(_outside_message(raw, self.fs_root))
        return inside

    def read_file(self, call: Call, raw: Any) -> Any:
        parts = self.resolve_path(call, raw)
        if isinstance(parts, ErrorValue):
            return parts
        try:
            data = _walk(str(self.fs_root), parts, _read_regular)
        except _Refused as refused:
            return call.error(refused.message.format(raw=raw, root=self.fs_root))
        except FileNotFoundError:
            return call.error(f"file `{raw}` does not exist")
        except IsADirectoryError:
            return call.error(f"`{raw}` is a directory, not a file")
        except NotADirectoryError:
            return call.error(f"`{raw}` is not a file: a part of its path is not a folder")
        except OSError as exc:
            return call.error(f"cannot read `{raw}`: {_reason(exc)}")
        if len(data) > MAX_FILE_SIZE:
            return call.error(f"file `{raw}` is larger than {MAX_FILE_SIZE:,} bytes")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return call.error(
                f"file `{raw}` is not UTF-8 text (invalid byte at offset {exc.start})"
            )

    def write_file(self, call: Call, raw: Any, content: Any) -> Any:
        parts = self.resolve_path(call, raw)
        if isinstance(parts, ErrorValue):
            return parts
        text = to_str(content)
        try:
            payload = text.encode("utf-8")
        except UnicodeError:
            return call.error(f"cannot write `{raw}`: the content has a lone surrogate")
        if len(payload) > MAX_FILE_SIZE:
            return call.error(
                f"cannot write `{raw}`: {len(payload):,} bytes is more than the limit of "
                f"{MAX_FILE_SIZE:,}"
            )

        def replace(dir_fd: int, name: str) -> _Link | None:
            try:
                st: os.stat_result | None = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            if st is not None and stat.S_ISLNK(st.st_mode):
                return _Link(_link_target(name, dir_fd))
            if st is not None and not stat.S_ISDIR(st.st_mode) and not stat.S_ISREG(st.st_mode):
                raise _Refused(_not_regular(st.st_mode))
            write_atomic_at(dir_fd, name, payload, shown=raw, existing=st)  # never half written
            return None

        try:
            _walk(str(self.fs_root), parts, replace)
        except _Refused as refused:
            return call.error(refused.message.format(raw=raw, root=self.fs_root))
        except (IsADirectoryError, WriteError) as exc:
            if exc.errno == errno.EISDIR:
                return call.error(f"cannot write `{raw}`: it is a directory")
            return call.error(f"cannot write `{raw}`: {_reason(exc)}")
        except FileNotFoundError:
            return call.error(f"cannot write `{raw}`: its folder does not exist")
        except NotADirectoryError:
            return call.error(f"cannot write `{raw}`: a part of its path is not a folder")
        except OSError as exc:
            return call.error(f"cannot write `{raw}`: {_reason(exc)}")
        return raw


# --- race-free file access ---------------------------------------------------------------
#
# A path is followed one component at a time from a descriptor of the root, each folder opened
# with O_NOFOLLOW | O_DIRECTORY relative to the one before (openat), never by its full path:
# a folder swapped for a symlink while a run works (rename, renameat2 RENAME_EXCHANGE) is seen
# as a symlink and resolved here, by text, against the root. Symlinks are followed only this
# way: a relative target continues from the folder holding the link (its `..` steps back along
# the folders actually walked, never above the root), an absolute one must name a place below
# the root and continues from the root; at most MAX_SYMLINKS per path. The last component is
# opened with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block the open) and must be a regular
# file (fstat on the open descriptor: no check-then-open). Writes go through write_atomic_at
# relative to the folder's descriptor. Every OSError becomes an error value.

MAX_SYMLINKS = 40
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_READ_FLAGS = (
    os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | _CLOEXEC
)
# errors of an O_NOFOLLOW open on a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD), ENOTDIR
# (Linux with O_DIRECTORY)
_LINK_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK, errno.ENOTDIR})


class _Refused(Exception):
    """The path cannot be used; ``message`` may use ``{raw}`` and ``{root}``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Link:
    """The last component was a symlink with this target: follow it and try again."""

    target: str


_OUTSIDE = "`{raw}` is outside the allowed folder {root} (file access is confined to it)"


def _outside_message(raw: str, root: Path) -> str:
    return _OUTSIDE.format(raw=raw, root=root)


def _real(path: Path) -> Path:
    """The configured folder with its symlinks resolved (once, at the start of the run); its
    absolute form when that fails (realpath can raise when a link changes under it)."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def _below(root: str, path: str) -> list[str] | None:
    """The components of the normalised absolute ``path`` below ``root``; None if outside."""
    if path == root:
        return []
    prefix = root if root.endswith(os.sep) else root + os.sep
    if not path.startswith(prefix):
        return None
    return [part for part in path[len(prefix) :].split(os.sep) if part]


def _reason(exc: OSError) -> str:
    if isinstance(exc, WriteError):
        return exc.reason
    return exc.strerror or str(exc) or type(exc).__name__


def _not_regular(mode: int) -> str:
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a character device"
        if stat.S_ISCHR(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a directory"
        if stat.S_ISDIR(mode)
        else "not a regular file"
    )
    return "`{raw}` is " + kind + "; only regular files can be read or written"


def _link_target(name: str, dir_fd: int) -> str:
    """The target of the symlink ``name``; raises NotADirectoryError when it is not one (any
    more: it was swapped back), an OSError when it cannot be read."""
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # not a symlink
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", name) from exc
        raise


def _walk(root: str, parts: list[str], final: Callable[[int, str], Any]) -> Any:
    """Follow ``parts`` from the root, folder by folder, and return ``final(dir_fd, name)``
    for the last component (``final`` returns a :class:`_Link` for a symlink to follow)."""
    try:
        stack = [os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)]
    except OSError as exc:
        raise _Refused(
            "cannot use `{raw}`: the allowed folder {root} cannot be opened: " + _reason(exc)
        ) from exc
    pending = list(reversed(parts))  # components still to walk, the next one last
    links = 0

    def follow(target: str) -> None:
        nonlocal links
        links += 1
        if links > MAX_SYMLINKS:
            raise OSError(errno.ELOOP, "Too many levels of symbolic links")
        if target == "" or "\x00" in target:
            raise _Refused("`{raw}` leads to an empty or invalid symbolic link")
        if os.path.isabs(target):
            inside = _below(root, os.path.normpath(target))
            if inside is None:
                raise _Refused(_OUTSIDE)
            while len(stack) > 1:
                os.close(stack.pop())
            pending.extend(reversed(inside))
        else:
            pending.extend(reversed([p for p in target.split(os.sep) if p]))

    try:
        while True:
            if not pending:
                raise IsADirectoryError(errno.EISDIR, "Is a directory")  # a folder, not a file
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                if len(stack) == 1:
                    raise _Refused(_OUTSIDE)  # above the root, through a symlink's target
                os.close(stack.pop())
                continue
            if pending:  # a folder on the way
                try:
                    stack.append(os.open(name, _DIR_FLAGS, dir_fd=stack[-1]))
                except OSError as exc:
                    if exc.errno not in _LINK_ERRNOS:
                        raise
                    follow(_link_target(name, stack[-1]))
                continue
            outcome = final(stack[-1], name)
            if isinstance(outcome, _Link):
                follow(outcome.target)
                continue
            return outcome
    finally:
        for fd in stack:
            os.close(fd)


def _read_regular(dir_fd: int, name: str) -> bytes | _Link:
    """The bytes of the regular file ``name`` (at most MAX_FILE_SIZE + 1 of them), a
    :class:`_Link` for a symlink, or :class:`_Refused` for anything else."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(st.st_mode):
        return _Link(_link_target(name, dir_fd))
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise _Refused(_not_regular(st.st_mode))  # never opened: opening a device can act
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _LINK_ERRNOS:  # swapped for a symlink since the stat
            return _Link(_link_target(name, dir_fd))
        raise
    try:
        opened = os.fstat(fd)  # what was opened, whatever the name names by now
        if stat.S_ISDIR(opened.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        if not stat.S_ISREG(opened.st_mode):
            raise _Refused(_not_regular(opened.st_mode))
        if opened.st_size > MAX_FILE_SIZE:
            raise _Refused(f"file `{{raw}}` is larger than {MAX_FILE_SIZE:,} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_SIZE:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_SIZE + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
