"""The host side of a run: parameters, standard input, output, files, limits.

Everything a program can touch outside pure computation goes through a :class:`Host`, so the
sandbox rules live in one place: file paths resolve against the program's directory and may not
leave the file-system root (``..``, absolute paths and symlinks are all resolved first), output is
capped, and the wall clock is checked against one deadline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..lang.values import ErrorValue, to_str
from .core import Call, LimitReached
from .files import write_atomic

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_OUTPUT = 1_000_000  # characters a run may print
MAX_VALUE_SIZE = 20_000_000  # characters or elements in one value


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
        self.fs_root = Path(os.path.realpath(root))
        self.program_dir = Path(os.path.realpath(options.program_dir))

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

    def resolve_path(self, call: Call, raw: Any) -> Path | ErrorValue:
        if not isinstance(raw, str) or raw == "":
            return call.error(f"a file path must be a non-empty string, not {to_str(raw)[:60]!r}")
        if "\x00" in raw:
            return call.error("a file path may not contain NUL characters")
        candidate = Path(raw)
        if not candidate.is_absolute():
            candidate = self.program_dir / candidate
        real = Path(os.path.realpath(candidate))  # resolves `..` and every symlink
        if real != self.fs_root and self.fs_root not in real.parents:
            return call.error(
                f"`{raw}` is outside the allowed folder {self.fs_root} (file access is confined to it)"
            )
        return real

    def read_file(self, call: Call, raw: Any) -> Any:
        path = self.resolve_path(call, raw)
        if isinstance(path, ErrorValue):
            return path
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_VALUE_SIZE + 1)
        except FileNotFoundError:
            return call.error(f"file `{raw}` does not exist")
        except IsADirectoryError:
            return call.error(f"`{raw}` is a directory, not a file")
        except OSError as exc:
            return call.error(f"cannot read `{raw}`: {exc.strerror or exc}")
        if len(data) > MAX_VALUE_SIZE:
            return call.error(f"file `{raw}` is larger than {MAX_VALUE_SIZE:,} bytes")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return call.error(
                f"file `{raw}` is not UTF-8 text (invalid byte at offset {exc.start})"
            )

    def write_file(self, call: Call, raw: Any, content: Any) -> Any:
        path = self.resolve_path(call, raw)
        if isinstance(path, ErrorValue):
            return path
        try:
            write_atomic(path, to_str(content))  # never a half-written file
        except OSError as exc:
            return call.error(f"cannot write `{raw}`: {exc.strerror or exc}")
        return raw
