"""Project configuration: ``lexis.toml``, or ``[tool.lexis]`` in ``pyproject.toml``.

Found upward from the checked file, as ruff finds its configuration: in each folder from the
file's own up to the root, a ``lexis.toml`` (or ``.lexis.toml``) wins, else a ``pyproject.toml``
that has a ``[tool.lexis]`` table; the first folder that has one ends the search. Relative
paths in the file are relative to the folder it is in.

The keys (``lexis.toml`` shown; in ``pyproject.toml`` the same keys sit under ``[tool.lexis]``)::

    trust-ceiling = 1                 # highest capability trust level a program may need (0-3)
    select = ["LX"]                   # codes or code prefixes to report ("ALL" = every code)
    extend-select = []                # added to select
    ignore = ["LX3002"]               # codes or prefixes not to report
    include = ["*.lexis.json"]        # which files a folder walk checks
    exclude = ["generated/"]          # files and folders a folder walk skips (gitignore style)

    [per-file-ignores]
    "tests/**/*.lexis.json" = ["LX3001"]

    [run]
    timeout = 10                      # seconds (0 < t <= 600)
    memory = "1G"                     # address-space limit of a run
    fs-root = "data"                  # the folder file access is confined to
    output-limit = 1000000            # characters of program output kept

As in ruff, the most specific rule wins: ``select = ["LX3"]`` with ``ignore = ["LX3001"]``
reports every LX3 code but LX3001. Error codes cannot be ignored: a program with an error does
not run, so hiding the error would make the tools disagree with themselves; naming one in
``ignore`` gets a warning on the configuration file.

Mistakes in the file never stop the tools: each one is a :class:`Problem` with the range of the
offending key or value in the file's text, and the setting keeps its default.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from .diagnostics import CODES, Severity
from .sizes import size_setting

__all__ = [
    "CONFIG_NAMES",
    "DEFAULT_INCLUDE",
    "DEFAULT_OUTPUT_LIMIT",
    "Problem",
    "ProjectConfig",
    "Selection",
    "find_config",
    "load_config",
    "parse_config",
    "problem_lines",
]

CONFIG_NAMES = ("lexis.toml", ".lexis.toml")
PYPROJECT = "pyproject.toml"
DEFAULT_INCLUDE = ("*.lexis.json",)
DEFAULT_OUTPUT_LIMIT = 1_000_000
MAX_TIMEOUT = 600.0

_TOP_KEYS = (
    "trust-ceiling",
    "select",
    "extend-select",
    "ignore",
    "include",
    "exclude",
    "per-file-ignores",
    "run",
)
_RUN_KEYS = ("timeout", "memory", "fs-root", "output-limit")


@dataclass(frozen=True)
class Problem:
    """A mistake in the configuration file: ``text[start:end]`` is what it is about."""

    message: str
    start: int
    end: int
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Selection:
    """Which codes are reported: ruff's rule, the longest matching prefix wins, ignore on a tie."""

    select: tuple[str, ...] = ("",)  # "" is every code ("ALL")
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        info = CODES.get(code)
        if info is not None and info.severity is Severity.ERROR:
            return True
        return self.matches(code)

    def shows(self, code: str, severity: Severity) -> bool:
        """Whether a finding is reported: every error (a program with one does not run), and
        the other findings whose code the rules select."""
        return severity is Severity.ERROR or self.matches(code)

    def matches(self, code: str) -> bool:
        """The prefix rule alone (a code whose severity depends on the case, such as LX1015,
        can be ignored where it is reported as a warning)."""
        best_on = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_off = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_on > best_off

    def with_rules(
        self,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
    ) -> Selection:
        """This selection with command-line rules on top (they replace ``select``, add to
        ``extend-select`` and ``ignore``), as ruff's ``--select`` does."""
        base = self.select if select is None else tuple(_prefix(c) for c in select)
        return Selection(
            select=base + tuple(_prefix(c) for c in extend_select),
            ignore=self.ignore + tuple(_prefix(c) for c in ignore),
        )


@dataclass
class ProjectConfig:
    path: Path | None = None  # the file the settings come from; None: defaults
    trust_ceiling: int | None = None
    select: tuple[str, ...] = ("",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    run_timeout: float | None = None
    run_memory: int | None = None  # bytes
    fs_root: Path | None = None
    output_limit: int | None = None
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # the file's text, for positions of the problems

    @property
    def root(self) -> Path | None:
        return None if self.path is None else self.path.parent

    def selection(self, file: Path | None = None) -> Selection:
        """The codes reported for ``file``: select/ignore plus its per-file ignores."""
        ignore = self.ignore
        if file is not None and self.per_file_ignores:
            rel = self._relative(file)
            for pattern, codes in self.per_file_ignores:
                if rel is not None and glob_match(pattern, rel):
                    ignore = ignore + codes
        return Selection(select=self.select, ignore=ignore)

    def excluded(self, path: Path) -> bool:
        rel = self._relative(path)
        return rel is not None and any(glob_match(p, rel) for p in self.exclude)

    def _relative(self, file: Path) -> str | None:
        root = self.root
        if root is None:
            return PurePosixPath(file.as_posix()).as_posix()
        try:
            return file.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return None


def _prefix(code: str) -> str:
    code = code.strip().upper()
    return "" if code == "ALL" else code


# --- discovery ---------------------------------------------------------------------------


def find_config(start: Path) -> Path | None:
    """The configuration file that applies to ``start`` (a file or a folder), or None."""
    try:
        here = start.resolve()
    except OSError:
        return None
    folder = here if here.is_dir() else here.parent
    return _find_in(folder)


@lru_cache(maxsize=256)
def _find_in(folder: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    pyproject = folder / PYPROJECT
    if pyproject.is_file() and _has_tool_lexis(pyproject):
        return pyproject
    parent = folder.parent
    return None if parent == folder else _find_in(parent)


def _has_tool_lexis(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "tool" not in text or "lexis" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A broken pyproject.toml that mentions [tool.lexis]: report it rather than skip it.
        return re.search(r"^\s*\[\s*tool\s*\.\s*lexis\s*[.\]]", text, re.M) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and "lexis" in tool


def clear_cache() -> None:
    """Forget which folders have a configuration file (after one is created or deleted)."""
    _find_in.cache_clear()


def load_config(path: Path) -> ProjectConfig:
    """The settings in ``path``; a file that cannot be read is one problem, never an exception."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return ProjectConfig(
            path=path, problems=[Problem(f"cannot read {path.name}: {exc.strerror}", 0, 0)]
        )
    text = raw.decode("utf-8", errors="replace")
    return parse_config(text, path)


def config_for(file: Path) -> ProjectConfig:
    """The configuration that applies to ``file`` (defaults when there is none)."""
    found = find_config(file)
    return ProjectConfig() if found is None else load_config(found)


def problem_lines(config: ProjectConfig) -> list[str]:
    """Each problem of a configuration file as ``path:line:col: warning|error: message``
    (1-based line and column, the path relative to the current folder when it is below it)."""
    if config.path is None:
        return []
    try:
        shown = os.path.relpath(config.path)
        if shown.startswith(".."):
            shown = str(config.path)
    except ValueError:
        shown = str(config.path)
    text = config.text
    out = []
    for p in config.problems:
        start = max(0, min(p.start, len(text)))
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        word = "error" if p.severity.value == "error" else "warning"
        out.append(f"{shown}:{line}:{column}: {word}: {p.message}")
    return out


# --- parsing ------------------------------------------------------------------------------


def parse_config(text: str, path: Path) -> ProjectConfig:
    config = ProjectConfig(path=path, text=text)
    locate = _Locator(text, pyproject=path.name == PYPROJECT)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        start, end = locate.error(str(exc))
        config.problems.append(Problem(f"invalid TOML: {_toml_message(exc)}", start, end))
        return config
    if path.name == PYPROJECT:
        tool = data.get("tool")
        table = tool.get("lexis") if isinstance(tool, dict) else None
        if table is None:
            return config
        if not isinstance(table, dict):
            config.problems.append(_bad(locate, (), "`tool.lexis` must be a table"))
            return config
        data = table
    _Reader(config, locate).read(data)
    return config


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    return re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)\s*$", "", str(exc))


def _bad(locate: _Locator, keys: tuple[str, ...], message: str, value: bool = True) -> Problem:
    start, end = locate.key(keys, value=value)
    return Problem(message, start, end)


class _Reader:
    def __init__(self, config: ProjectConfig, locate: _Locator) -> None:
        self.config = config
        self.locate = locate

    def problem(
        self,
        keys: tuple[str, ...],
        message: str,
        value: bool = True,
        severity: Severity = Severity.ERROR,
    ) -> None:
        start, end = self.locate.key(keys, value=value)
        self.config.problems.append(Problem(message, start, end, severity))

    def unknown(self, keys: tuple[str, ...], known: Sequence[str]) -> None:
        name = keys[-1]
        close = get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else f" (known keys: {', '.join(known)})"
        where = "" if len(keys) == 1 else f" in `[{'.'.join(keys[:-1])}]`"
        self.problem(keys, f"unknown key `{name}`{where}{hint}", False, Severity.WARNING)

    def read(self, data: dict[str, Any]) -> None:
        c = self.config
        rules: dict[str, tuple[str, ...]] = {}
        for key, value in data.items():
            keys = (key,)
            if key not in _TOP_KEYS:
                self.unknown(keys, _TOP_KEYS)
            elif key == "trust-ceiling":
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
                    c.trust_ceiling = value
                else:
                    self.problem(
                        keys, f"`trust-ceiling` must be an integer 0-3, not {_show(value)}"
                    )
            elif key in ("select", "extend-select", "ignore"):
                codes = self.codes(keys, value)
                if codes is not None:
                    rules[key] = codes
            elif key in ("include", "exclude"):
                globs = self.strings(keys, value, "glob patterns")
                if globs is not None:
                    setattr(c, key, tuple(globs))
            elif key == "per-file-ignores":
                self.per_file(value)
            elif key == "run":
                self.run(value)
        # `select` replaces the default (every code); `extend-select` adds to it
        c.select = rules.get("select", ("",)) + rules.get("extend-select", ())
        c.ignore = rules.get("ignore", ())

    def strings(self, keys: tuple[str, ...], value: Any, what: str) -> list[str] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(keys, f"`{keys[-1]}` must be a list of {what} (strings)")
            return None
        return list(value)

    def codes(self, keys: tuple[str, ...], value: Any) -> tuple[str, ...] | None:
        items = self.strings(keys, value, "diagnostic codes such as `LX3001` or prefixes `LX3`")
        if items is None:
            return None
        out = []
        for item in items:
            if not _known_prefix(item):
                close = get_close_matches(item.strip().upper(), list(CODES), n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                self.problem(keys, f"`{item}` is not a Lexis diagnostic code or code prefix{hint}")
                continue
            code = _prefix(item)
            if keys[-1] == "ignore" and code in CODES and CODES[code].severity is Severity.ERROR:
                self.problem(
                    keys,
                    f"{code} is an error and cannot be ignored: a program with an error does "
                    "not run",
                    severity=Severity.WARNING,
                )
            out.append(code)
        return tuple(out)

    def per_file(self, value: Any) -> None:
        keys = ("per-file-ignores",)
        if not isinstance(value, dict):
            self.problem(keys, "`per-file-ignores` must be a table of glob = [codes]")
            return
        rules = []
        for pattern, codes in value.items():
            got = self.codes((*keys, pattern), codes)
            if got is not None:
                rules.append((pattern, got))
        self.config.per_file_ignores = tuple(rules)

    def run(self, value: Any) -> None:
        c = self.config
        if not isinstance(value, dict):
            self.problem(("run",), "`run` must be a table")
            return
        for key, item in value.items():
            keys = ("run", key)
            if key not in _RUN_KEYS:
                self.unknown(keys, _RUN_KEYS)
            elif key == "timeout":
                ok = isinstance(item, (int, float)) and not isinstance(item, bool)
                if ok and 0 < item <= MAX_TIMEOUT:
                    c.run_timeout = float(item)
                else:
                    self.problem(
                        keys,
                        f"`timeout` must be a number of seconds in (0, 600], not {_show(item)}",
                    )
            elif key == "memory":
                size = size_setting(item)
                if size is None:
                    self.problem(
                        keys, f'`memory` must be a size such as "512M" or "2G", not {_show(item)}'
                    )
                else:
                    c.run_memory = size
            elif key == "fs-root":
                if not isinstance(item, str) or not item.strip():
                    self.problem(keys, f"`fs-root` must be a folder path, not {_show(item)}")
                    continue
                root = Path(item).expanduser()
                if not root.is_absolute() and c.path is not None:
                    root = c.path.parent / root
                if not root.is_dir():
                    self.problem(keys, f"`fs-root`: no such folder: {root}")
                else:
                    c.fs_root = root
            elif key == "output-limit":
                if isinstance(item, int) and not isinstance(item, bool) and item > 0:
                    c.output_limit = item
                else:
                    self.problem(
                        keys, f"`output-limit` must be a positive integer, not {_show(item)}"
                    )


def _known_prefix(item: str) -> bool:
    code = _prefix(item)
    return code == "" or any(known.startswith(code) for known in CODES)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a table" if isinstance(value, dict) else "a list"
    return str(value)


# --- positions in the file ----------------------------------------------------------------


class _Locator:
    """Where a key (or its value) is in the TOML text: a line scan that follows table headers.

    tomllib gives no positions; this finds ``key =`` (bare or quoted, or as the last part of
    a dotted key) under the right table. When it cannot, the range is the table's header, and
    failing that the start of the file."""

    def __init__(self, text: str, pyproject: bool) -> None:
        self.text = text
        self.prefix: tuple[str, ...] = ("tool", "lexis") if pyproject else ()

    def error(self, message: str) -> tuple[int, int]:
        m = re.search(r"at line (\d+), column (\d+)", message)
        if not m:
            return len(self.text), len(self.text)
        line, column = int(m.group(1)) - 1, int(m.group(2)) - 1
        start = self._line_start(line) + column
        start = min(start, len(self.text))
        end = self.text.find("\n", start)
        return start, len(self.text) if end < 0 else end

    def _line_start(self, line: int) -> int:
        offset = 0
        for _ in range(line):
            nl = self.text.find("\n", offset)
            if nl < 0:
                return len(self.text)
            offset = nl + 1
        return offset

    def key(self, keys: tuple[str, ...], value: bool = True) -> tuple[int, int]:
        full = self.prefix + keys
        table: tuple[str, ...] = ()
        header_at: tuple[int, int] | None = None
        offset = 0
        for line in self.text.splitlines(keepends=True):
            stripped = line.strip()
            header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if header and stripped.startswith("["):
                table = _split_key(header.group(1))
                if header_at is None and table and table in (full[:-1], full):
                    start = offset + line.index("[")
                    header_at = (start, offset + len(line.rstrip("\r\n")))
                offset += len(line)
                continue
            m = re.match(
                r"(\s*)((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=\s*",
                line,
            )
            if m:
                path = table + _split_key(m.group(2))
                if path == full:
                    if not value:
                        start = offset + m.start(2)
                        return start, offset + m.end(2)
                    end = offset + len(line.rstrip("\r\n"))
                    return offset + m.end(), end
            offset += len(line)
        if header_at is not None:
            return header_at
        return 0, 0


def _split_key(raw: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", raw)
    return tuple(a or b or c for a, b, c in parts)


# --- globs ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip()
    anchored = "/" in pat.rstrip("/")
    directory = pat.endswith("/")
    pat = pat.strip("/")
    out = []
    i = 0
    while i < len(pat):
        ch = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            close = pat.find("]", i + 1)
            if close < 0:
                out.append(re.escape(ch))
            else:
                body = pat[i + 1 : close].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = close
        else:
            out.append(re.escape(ch))
        i += 1
    body = "".join(out)
    lead = "" if anchored else "(?:.*/)?"
    # A folder pattern (or any pattern) also matches everything below what it names.
    tail = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{lead}{body}{tail}$")


def glob_match(pattern: str, relative: str) -> bool:
    """gitignore-style matching of a relative POSIX path: a pattern without a slash matches
    a name at any depth, ``**`` any number of folders, a trailing slash a folder's contents."""
    return _glob_regex(pattern).match(relative) is not None


def any_match(patterns: Iterable[str], relative: str) -> bool:
    return any(glob_match(p, relative) for p in patterns)
