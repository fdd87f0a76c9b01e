"""The ``lexis`` command line: check, fix, fmt, hash, explain, stdlib, run, viz, schema.

Exit codes: 0 success; 1 findings (an error-severity diagnostic, a file that would change, a
program that cannot be hashed, a refused run); 2 usage errors and files that cannot be read or
written; 3 a run stopped by a limit. Plain ``lexis`` prints the help on stderr and exits 2, as
ruff does. Never a traceback for bad input: every failure is one clear line on stderr. Files
are rewritten atomically (lexis_ls/run/files.py), keeping their BOM and line endings. A reader
that goes away (``lexis check | head``) changes no exit status and prints no traceback.

Every command that takes files takes ``-`` for standard input (``--stdin-filename`` names it in
reports and is where the configuration is looked up from). Folders are walked as ruff walks
them (lexis_ls/discovery.py); each file uses the project configuration found upward from it
(``lexis.toml`` or ``[tool.lexis]`` in ``pyproject.toml``, lexis_ls/lang/project.py), and the
command line wins over it.

Start-up cost matters (editors and pre-commit run ``lexis`` once per save): only argparse is
imported before a command runs; the language core (and jsonschema with it) is imported by the
commands that need it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from .__main__ import VersionAction

if TYPE_CHECKING:
    from .cli_output import FileReport
    from .discovery import Configs
    from .lang.analysis import Analysis, Options
    from .lang.diagnostics import Diagnostic
    from .lang.fixes import FixAllResult
    from .lang.project import ProjectConfig, Selection
    from .lang.text import LineIndex
    from .run.files import TextFile

LEXIS_SUFFIX = ".lexis.json"
FRAME_WIDTH = 160  # longest source line shown whole in a code frame
STDIN = "-"
OUTPUT_FORMATS = ("text", "concise", "json", "github", "sarif", "junit")


class UsageError(Exception):
    pass


# --- colour ------------------------------------------------------------------------------


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


_SEVERITY_COLOUR = {"error": "31", "warning": "33", "information": "34", "hint": "36"}


def _use_colour(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


# --- text rendering ----------------------------------------------------------------------


def _char_width(c: str) -> int:
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


# What a terminal would take for a line break or a control (a frame shows one line, as LSP
# counts lines): shown as a visible picture of the same width, one code point for one.
_PICTURES = {cp: chr(0x2400 + cp) for cp in range(0x20) if cp != 0x09}
_PICTURES.update({0x7F: "\u2421", 0x85: "\u2424", 0x2028: "\u2424", 0x2029: "\u2424"})


def _visible(line: str) -> str:
    return line.translate(_PICTURES)


def _caret_prefix(line: str) -> str:
    """Spaces (tabs kept) that line up with ``line`` when printed."""
    return "".join(c if c == "\t" else " " * _char_width(c) for c in line)


def render_diagnostic(path: str, lines: LineIndex, d: Diagnostic, style: Style) -> str:
    start = lines.position(d.start, "utf-32")
    end = lines.position(d.end, "utf-32")
    colour = _SEVERITY_COLOUR[d.severity.value]
    head = f"{style(path, '1')}:{start.line + 1}:{start.character + 1}: {style(d.code, '1', colour)} {d.message}"
    out = [head]
    text = _visible(lines.line_text(start.line))
    gutter = str(start.line + 1)
    pad = " " * len(gutter)
    end_char = end.character if end.line == start.line else len(text)
    first, last = start.character, max(end_char, start.character + 1)
    more = end.line != start.line
    # A long line (a minified program) shows a window around the range, not the whole line.
    if len(text) > FRAME_WIDTH:
        cut = max(0, first - FRAME_WIDTH // 3)
        if last - first > FRAME_WIDTH // 2:
            last, more = first + FRAME_WIDTH // 2, True
        lead = "..." if cut else ""
        text = lead + text[cut : cut + FRAME_WIDTH]
        first, last = first - cut + len(lead), last - cut + len(lead)
    out.append(f"{pad} {style('|', '34')}")
    out.append(f"{style(gutter, '34')} {style('|', '34')} {text}")
    carets = "^" * max(1, _width(text[first:last])) + ("..." if more else "")
    label = d.severity.value
    out.append(
        f"{pad} {style('|', '34')} {_caret_prefix(text[:first])}{style(carets + ' ' + label, colour)}"
    )
    for hint in d.hints:
        out.append(f"{pad} {style('=', '34')} hint: {hint}")
    for rel in d.related[:10]:
        p = lines.position(rel.start, "utf-32")
        out.append(
            f"{pad} {style('=', '34')} note: {path}:{p.line + 1}:{p.character + 1}: {rel.message}"
        )
    if len(d.related) > 10:
        out.append(f"{pad} {style('=', '34')} note: ... and {len(d.related) - 10} more")
    fixes = [f.title + (" (safe: `lexis fix` applies it)" if f.safe else "") for f in d.fixes]
    for f in fixes:
        out.append(f"{pad} {style('=', '34')} fix: {f}")
    return "\n".join(out)


# --- sources: files and standard input ------------------------------------------------------


@dataclass
class Source:
    """One program to work on: a file, or standard input."""

    shown: str  # the name in reports
    path: Path | None  # None: standard input
    anchor: Path  # where its configuration is looked up from
    file: TextFile

    @property
    def text(self) -> str:
        return self.file.text


def _decode_problem(name: str, exc: UnicodeDecodeError) -> str:
    return (
        f"{name}: not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    )


def _read(path: Path) -> tuple[TextFile | None, str | None]:
    """The file's text with its BOM and line-ending style, or the one-line reason it cannot be
    read."""
    from .run.files import read_text_file

    try:
        return read_text_file(path), None
    except UnicodeDecodeError as exc:
        return None, _decode_problem(str(path), exc)
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror or exc}"


def _read_stdin(shown: str) -> tuple[TextFile | None, str | None]:
    from .run.files import decode_text

    stream = sys.stdin
    if stream is None:
        return None, f"{shown}: there is no standard input"
    buffer = getattr(stream, "buffer", None)
    try:
        data = buffer.read() if buffer is not None else stream.read().encode("utf-8")
    except OSError as exc:
        return None, f"{shown}: cannot read standard input: {exc.strerror or exc}"
    try:
        return decode_text(data), None
    except UnicodeDecodeError as exc:
        return None, _decode_problem(shown, exc)


def _stdin_anchor(stdin_filename: str | None) -> Path:
    return Path(stdin_filename) if stdin_filename else Path.cwd() / STDIN


def _config_reporter() -> Configs:
    """Configurations found upward from each file; a configuration file's problems are
    printed once, on stderr, as ``path:line:col: warning|error: message``."""
    from .discovery import Configs, problem_lines

    def report(config: ProjectConfig) -> None:
        for line in problem_lines(config):
            print(line, file=sys.stderr)

    return Configs(report)


class _Files:
    """The programs named by PATH arguments (``-``: standard input), found as
    lexis_ls/discovery.py says; what cannot be read is reported on stderr and makes the exit
    status 2. A folder holding no Lexis file gets a warning (exit status unchanged, as ruff)."""

    def __init__(
        self, paths: Sequence[str], stdin_filename: str | None, configs: Configs | None = None
    ) -> None:
        from .discovery import discover

        self.configs = configs if configs is not None else _config_reporter()
        self.status = 0
        self.problems: list[tuple[str, str]] = []  # (path, reason): for the report formats
        self.stdin = STDIN in paths
        self.stdin_name = stdin_filename or STDIN
        found = discover([p for p in paths if p != STDIN], self.configs)
        self.files = found.files
        for problem in found.problems:
            self.fail(problem, problem.split(": ", 1)[0])
        for folder in found.empty:
            print(f"lexis: warning: no Lexis files found in {folder}", file=sys.stderr)

    def fail(self, message: str, path: str | None = None) -> None:
        print(f"lexis: {message}", file=sys.stderr)
        self.problems.append((path or message.split(": ", 1)[0], message))
        self.status = 2

    def config(self, source: Source) -> ProjectConfig:
        return self.configs.for_path(source.anchor)

    def sources(self) -> Iterator[Source]:
        """Each readable program (standard input first), with its BOM and line-ending style."""
        if self.stdin:
            file, problem = _read_stdin(self.stdin_name)
            if file is None:
                self.fail(problem or f"{self.stdin_name}: cannot read", self.stdin_name)
            else:
                anchor = _stdin_anchor(self.stdin_name if self.stdin_name != STDIN else None)
                yield Source(self.stdin_name, None, anchor, file)
        for path in self.files:
            file, problem = _read(path)
            if file is None:
                self.fail(problem or f"{path}: cannot read", str(path))
                continue
            yield Source(str(path), path, path, file)

    def write(self, source: Source, new_text: str) -> bool:
        """Rewrite the file atomically, keeping its BOM and line endings (standard input: the
        text goes to stdout). A failure is one line on stderr (exit status 2; the file is left
        as it was) and False."""
        from .run.files import WriteError, write_text_like

        if source.path is None:
            _emit_bytes(source.file.encode(new_text))
            return True
        try:
            write_text_like(source.path, new_text, source.file)
        except WriteError as exc:
            self.fail(f"{source.path}: cannot write: {exc.reason}", str(source.path))
            return False
        return True


def _emit_bytes(data: bytes) -> None:
    """Raw bytes on stdout (a program keeps its exact encoding, whatever the locale)."""
    stream: Any = sys.stdout
    if isinstance(stream, _PipeSafe):
        stream.write_bytes(data)
        return
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8"))
    else:
        buffer.write(data)
        buffer.flush()


def _one_source(args: argparse.Namespace) -> tuple[Source | None, int]:
    """The one program of hash/run/viz (``-``: standard input), or None and exit status 2."""
    raw = args.file
    if raw == STDIN:
        shown = args.stdin_filename or STDIN
        file, problem = _read_stdin(shown)
        anchor = _stdin_anchor(args.stdin_filename)
        path = None
    else:
        path = Path(raw)
        if path.is_dir():
            print(f"lexis: {raw}: is a directory (give one program file)", file=sys.stderr)
            return None, 2
        file, problem = _read(path)
        shown, anchor = raw, path
    if file is None:
        print(f"lexis: {problem}", file=sys.stderr)
        return None, 2
    return Source(shown, path, anchor, file), 0


# --- selection: --select / --ignore / --extend-select ---------------------------------------


@dataclass
class Rules:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)

    def apply(self, selection: Selection) -> Selection:
        return selection.with_rules(self.select, self.extend_select, self.ignore)


def _codes_option(values: Sequence[str] | None, option: str) -> list[str] | None:
    """Codes and prefixes given to ``option`` (repeatable, comma-separated); an unknown one is a
    usage error naming the closest known codes."""
    if values is None:
        return None
    from .lang.diagnostics import CODES
    from .lang.suggest import did_you_mean, suggestions

    out = []
    for value in values:
        for item in value.split(","):
            code = item.strip().upper()
            if not code:
                continue
            if code != "ALL" and not any(known.startswith(code) for known in CODES):
                options = suggestions(code, CODES)
                extra = f"; {did_you_mean(options)}" if options else ""
                raise UsageError(
                    f"{option}: {item.strip()!r} is not a Lexis diagnostic code or code prefix"
                    f" (codes are LX0001-LX4002, prefixes such as LX1 or LX20; ALL for every"
                    f" code){extra}"
                )
            out.append(code)
    return out


def _rules(args: argparse.Namespace) -> Rules:
    return Rules(
        select=_codes_option(getattr(args, "select", None), "--select"),
        extend_select=_codes_option(getattr(args, "extend_select", None), "--extend-select") or [],
        ignore=_codes_option(getattr(args, "ignore", None), "--ignore") or [],
    )


def _options(args: argparse.Namespace, config: ProjectConfig) -> Options:
    from .lang.analysis import Options

    ceiling = getattr(args, "trust_ceiling", None)
    return Options(trust_ceiling=config.trust_ceiling if ceiling is None else ceiling)


def _reported(diagnostics: Sequence[Diagnostic], selection: Selection) -> list[Diagnostic]:
    """The diagnostics the selection keeps (errors are always kept)."""

    return [d for d in diagnostics if selection.shows(d.code, d.severity)]


# --- check ---------------------------------------------------------------------------------


@dataclass
class Checked:
    report: FileReport
    errors: bool  # an error-severity diagnostic


def _check_source(args: argparse.Namespace, files: _Files, source: Source, rules: Rules) -> Checked:
    from .cli_output import FileReport
    from .lang.analysis import analyze
    from .lang.diagnostics import Severity

    config = files.config(source)
    analysis = analyze(source.text, _options(args, config))
    for err in analysis.internal_errors:
        print(f"lexis: {source.shown}: {err}", file=sys.stderr)
    selection = rules.apply(config.selection(source.anchor))
    shown = _reported(analysis.diagnostics, selection)
    report = FileReport(source.shown, analysis.lines, shown)
    return Checked(report, any(d.severity is Severity.ERROR for d in shown))


def _print_check(args: argparse.Namespace, results: Sequence[Checked], files: _Files) -> None:
    from . import cli_output as out

    reports = [c.report for c in results]
    fmt = args.format
    if args.statistics:
        stats = out.statistics(reports)
        if fmt == "json":
            sys.stdout.write(out.statistics_json(stats))
        else:
            sys.stdout.write(out.statistics_text(stats))
            if not args.quiet and reports:
                print(_summary(reports, len(results)))
        return
    if fmt == "json":
        sys.stdout.write(out.json_report(reports, args.position_encoding))
    elif fmt == "github":
        sys.stdout.write(out.github_report(reports))
    elif fmt == "sarif":
        from .__main__ import version

        problems = [reason for _, reason in files.problems]
        sys.stdout.write(out.sarif_report(reports, version(), problems, not problems))
    elif fmt == "junit":
        sys.stdout.write(out.junit_report(reports, files.problems))
    elif fmt == "concise":
        sys.stdout.write(out.concise_report(reports))
        if not args.quiet and reports:
            print(_summary(reports, len(results)))
    else:
        style = Style(_use_colour(args.color, sys.stdout))
        for r in reports:
            for d in r.diagnostics:
                print(render_diagnostic(r.path, r.lines, d, style))
                print()
        if not args.quiet and reports:
            print(_summary(reports, len(results)))


def _summary(reports: Sequence[FileReport], files: int) -> str:
    counts: dict[str, int] = {}
    for r in reports:
        for d in r.diagnostics:
            counts[d.severity.value] = counts.get(d.severity.value, 0) + 1
    parts = []
    for sev, word in (
        ("error", "error"),
        ("warning", "warning"),
        ("information", "info"),
        ("hint", "hint"),
    ):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 and word != 'info' else ''}")
    checked = f"{files} file{'s' if files != 1 else ''}"
    return f"Found {', '.join(parts)} in {checked}." if parts else f"All checks passed ({checked})."


def _check_status(args: argparse.Namespace, results: Sequence[Checked], files: _Files) -> int:
    if files.status:
        return files.status
    return 0 if args.exit_zero else (1 if any(c.errors for c in results) else 0)


def cmd_check(args: argparse.Namespace) -> int:
    rules = _rules(args)
    if args.watch:
        from .watch import watch

        if STDIN in args.paths:
            raise UsageError("--watch cannot watch standard input (`-`)")
        return watch(args, rules)
    files = _Files(args.paths, args.stdin_filename)
    results = [_check_source(args, files, s, rules) for s in files.sources()]
    _print_check(args, results, files)
    return _check_status(args, results, files)


# --- fix -----------------------------------------------------------------------------------


def _unified(name: str, old: str, new: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )


def fix_selected(text: str, options: Options, selection: Selection) -> FixAllResult:
    """The safe fixes of the selected codes, applied in rounds to a fixed point."""
    from .lang.fixes import fix_all

    return fix_all(text, options, keep=lambda d: selection.shows(d.code, d.severity))


def _remaining_summary(verb: str, fixed: int, remaining: dict[str, int]) -> str:
    total = sum(remaining.values())
    head = f"{verb} {fixed} finding{'s' if fixed != 1 else ''}"
    if not total:
        return f"{head} (none remaining)."
    codes = ", ".join(
        f"{code} ×{n}" if n > 1 else code
        for code, n in sorted(remaining.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return f"{head} ({total} remaining: {codes})."


def cmd_fix(args: argparse.Namespace) -> int:
    from .cli_output import concise_line
    from .lang.diagnostics import Severity

    rules = _rules(args)
    files = _Files(args.paths, args.stdin_filename)
    remaining_errors = False
    total = 0
    remaining: dict[str, int] = {}
    for source in files.sources():
        config = files.config(source)
        selection = rules.apply(config.selection(source.anchor))
        text = source.text
        result = fix_selected(text, _options(args, config), selection)
        left = _reported(result.analysis.diagnostics, selection)
        remaining_errors = remaining_errors or any(d.severity is Severity.ERROR for d in left)
        changed = result.text != text
        if args.diff:
            total += len(result.applied)
            if changed:
                sys.stdout.write(_unified(source.shown, text, source.file.restyle(result.text)))
        else:
            # `fix -`: the program, fixed or not, goes to stdout
            written = (changed or source.path is None) and files.write(source, result.text)
            if changed and not written:
                continue  # left as it was: its findings are not "remaining", all are still there
            total += len(result.applied)
            for code, title in result.applied:
                print(f"{source.shown}: fixed {code}: {title}", file=sys.stderr)
        for d in left:
            remaining[d.code] = remaining.get(d.code, 0) + 1
            print(concise_line(source.shown, result.analysis.lines, d), file=sys.stderr)
    verb = "Would fix" if args.diff else "Fixed"
    print(_remaining_summary(verb, total, remaining), file=sys.stderr)
    return files.status or (1 if remaining_errors and not args.exit_zero else 0)


# --- fmt -----------------------------------------------------------------------------------


def cmd_fmt(args: argparse.Namespace) -> int:
    from .lang.format import format_text

    files = _Files(args.paths, args.stdin_filename)
    changed = 0
    for source in files.sources():
        result = format_text(source.text)
        if result.text is None:
            files.fail(f"cannot format {source.shown}: {result.reason}", source.shown)
            if source.path is None and not args.check:
                _emit_bytes(source.file.encode(source.text))  # a pipe gets its input back
            continue
        same = source.file.restyle(result.text) == source.text  # CRLF and a BOM are kept
        if not same:
            changed += 1
        if args.check:
            if not same:
                print(f"Would reformat: {source.shown}")
        elif source.path is None:
            files.write(source, result.text)
        elif not same and files.write(source, result.text):
            print(f"Reformatted: {source.shown}", file=sys.stderr)
    return files.status or (1 if args.check and changed else 0)


# --- hash ----------------------------------------------------------------------------------


def cmd_hash(args: argparse.Namespace) -> int:
    import json

    from .lang.analysis import analyze
    from .lang.diagnostics import Severity

    source, status = _one_source(args)
    if source is None:
        return status
    name = source.shown
    analysis = analyze(source.text)
    hasher = analysis.hasher
    program = analysis.program
    if program.root is None:
        print(f"lexis: {name}: not a Lexis program (run `lexis check {name}`)", file=sys.stderr)
        return 1
    nodes = hasher.graph_node_hashes(program.main)
    subgraphs: dict[str, tuple[str | None, dict[str, str | None]]] = {
        sg: (hasher.subgraph_hash(g), hasher.graph_node_hashes(g))
        for sg, g in program.subgraphs.items()
    }
    program_hash = hasher.program_hash()
    if args.format == "json":
        json.dump(
            {
                "program": program_hash,
                "nodes": nodes,
                "subgraphs": {n: {"hash": h, "nodes": ns} for n, (h, ns) in subgraphs.items()},
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        print(f"program  {program_hash or '(undefined: the program has errors)'}")
        width = max([len(k) for k in nodes] + [4])
        for nid, h in nodes.items():
            print(f"  {nid:<{width}}  {h or '(undefined)'}")
        for sg, (sg_hash, sg_nodes) in subgraphs.items():
            print(f"subgraph {sg}  {sg_hash or '(undefined)'}")
            for nid, h in sg_nodes.items():
                print(f"  {nid:<{width}}  {h or '(undefined)'}")
    if program_hash is None:
        errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
        why = f"; {errors[0].code}: {errors[0].message}" if errors else ""
        print(f"lexis: {name}: the program hash is undefined{why}", file=sys.stderr)
        return 1
    return 0


# --- explain -------------------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace) -> int:
    from .lang.diagnostics import CODES, explain_page
    from .lang.suggest import did_you_mean, suggestions

    code = args.code.upper()
    if not code.startswith("LX") and code.isdigit():
        code = f"LX{code.zfill(4)}"
    page = explain_page(code)
    if page is None:
        options = suggestions(code, CODES)
        extra = f"; {did_you_mean(options)}" if options else ""
        print(f"lexis: unknown diagnostic code {args.code!r}{extra}", file=sys.stderr)
        return 2
    sys.stdout.write(page if page.endswith("\n") else page + "\n")
    return 0


def cmd_stdlib(args: argparse.Namespace) -> int:
    from .lang import stdlib
    from .lang.hashing import Hasher, std_graph
    from .lang.suggest import did_you_mean, suggestions

    entries = stdlib.entries()
    if args.name:
        name = args.name.removeprefix(stdlib.STD_PREFIX)
        entry = entries.get(name)
        if entry is None:
            options = suggestions(name, entries)
            extra = f"; {did_you_mean(['std:' + o for o in options])}" if options else ""
            print(f"lexis: no standard library subgraph {args.name!r}{extra}", file=sys.stderr)
            return 2
        h = Hasher(None).subgraph_hash(std_graph(name))
        print(f"{entry.signature()}  [{entry.kind}]  {h}")
        sys.stdout.write(entry.program_text())
        return 0
    for entry in entries.values():
        h = Hasher(None).subgraph_hash(std_graph(entry.name))
        print(f"{entry.ref:<18} {entry.kind:<9} {entry.arity} in  {h}")
    return 0


def _jsonable(value: Any) -> Any:
    """A run value as JSON for --trace-json: error values and FUNCs become tagged objects."""
    from .lang.values import ErrorValue

    if isinstance(value, ErrorValue):
        return {
            "error": value.message,
            "node": value.node,
            "cause": _jsonable(value.cause) if value.cause else None,
        }
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"func": getattr(value, "hash", None)}


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param takes NAME=VALUE, got {pair!r}")
        params[name] = value
    return params


def declared_params(analysis: Analysis) -> set[str]:
    """The names of the program's ``param`` nodes (in every graph)."""
    return {
        node.value
        for graph in analysis.program.graphs
        for node in graph.nodes
        if node.op == "param" and isinstance(node.value, str)
    }


def _unknown_param_message(name: str, analysis: Analysis, params: dict[str, str]) -> str | None:
    """Why ``--param`` names a parameter the program does not declare, or None."""
    from .lang.suggest import did_you_mean, suggestions

    declared = declared_params(analysis)
    unknown = [p for p in params if p not in declared]
    if not unknown:
        return None
    p = unknown[0]
    if not declared:
        return f"{name}: --param {p}: the program declares no parameters (no `param` node)"
    options = suggestions(p, declared)
    extra = f"; {did_you_mean(options)}" if options else ""
    names = ", ".join(sorted(declared))
    return (
        f"{name}: --param {p}: the program has no parameter `{p}`{extra} (its parameters: {names})"
    )


@dataclass
class RunLimits:
    timeout: float
    memory: int
    fs_root: Path
    output_limit: int


def _run_limits(args: argparse.Namespace, config: ProjectConfig, program_dir: Path) -> RunLimits:
    """Command line, then the configuration file, then the defaults; a bad value or a missing
    folder is a UsageError (before anything runs)."""
    import math

    from .run import limits
    from .run.host import DEFAULT_MAX_OUTPUT, DEFAULT_TIMEOUT

    if args.timeout is not None:
        if not (args.timeout > 0 and math.isfinite(args.timeout)):
            raise UsageError("--timeout must be a positive number of seconds")
        timeout = float(args.timeout)
    else:
        timeout = config.run_timeout or DEFAULT_TIMEOUT
    if args.memory is not None:
        try:
            memory = limits.parse_size(args.memory)
        except ValueError as exc:
            raise UsageError(f"--memory: {exc}") from None
    else:
        memory = config.run_memory or limits.DEFAULT_MEMORY
    if args.fs_root is not None:
        root = Path(args.fs_root).expanduser()
        if not root.exists():
            raise UsageError(f"--fs-root: no such folder: {args.fs_root}")
        if not root.is_dir():
            raise UsageError(f"--fs-root: not a folder: {args.fs_root}")
        fs_root = root.resolve()
    else:
        fs_root = config.fs_root.resolve() if config.fs_root is not None else program_dir
    if args.output_limit is not None:
        if args.output_limit <= 0:
            raise UsageError("--output-limit must be a positive number of characters")
        output_limit = args.output_limit
    else:
        output_limit = config.output_limit or DEFAULT_MAX_OUTPUT
    return RunLimits(timeout, memory, fs_root, output_limit)


def _check_outputs(args: argparse.Namespace) -> None:
    """--trace-json and --viz paths that cannot be written: a UsageError before the run (a
    run's effects are not repeated for a typo)."""
    from .viz import output_problem

    for option, out in (("--trace-json", args.trace_json), ("--viz", args.viz)):
        if out is None:
            continue
        problem = output_problem(out)
        if problem is not None:
            raise UsageError(f"{out}: cannot write: {problem} ({option})")


def cmd_run(args: argparse.Namespace) -> int:
    import io

    from .lang.analysis import Options, analyze
    from .run import limits
    from .run.cache import CallCache, default_cache_dir
    from .run.evaluator import Evaluator, RunOptions, RunResult
    from .run.host import HostOptions

    params = _parse_params(args.param)
    _check_outputs(args)
    source, status = _one_source(args)
    if source is None:
        return status
    configs = _config_reporter()
    config = configs.for_path(source.anchor)
    if source.path is not None:
        program_dir = source.path.resolve().parent
    else:
        program_dir = source.anchor.resolve().parent
    run_limits = _run_limits(args, config, program_dir)
    timeout, memory = run_limits.timeout, run_limits.memory
    ceiling = args.trust_ceiling if args.trust_ceiling is not None else config.trust_ceiling
    path = Path(source.shown)
    text = source.text

    def echo(chunk: str) -> None:
        sys.stdout.write(chunk)
        sys.stdout.flush()

    options = RunOptions(
        host=HostOptions(
            params=params,
            # A program read from standard input gets an empty one (it was the program).
            stdin=io.StringIO("") if source.path is None else sys.stdin,
            program_dir=program_dir,
            fs_root=run_limits.fs_root,
            timeout=timeout,
            max_output=run_limits.output_limit,
            echo=echo,
        ),
        trust_ceiling=ceiling,
        cache=CallCache(default_cache_dir() if args.cache else None),
    )

    def run(status_fd: int | None) -> int:
        """The check and the run (in the forked child when OS limits are supported: the
        static analysis is under the limits too, and the time limit counts from here)."""
        started = time.monotonic()
        analysis = analyze(text, Options(trust_ceiling=ceiling))
        if analysis.program.root is not None:
            unknown = _unknown_param_message(source.shown, analysis, params)
            if unknown is not None:
                print(f"lexis: {unknown}", file=sys.stderr)
                return 2
        evaluator = Evaluator(analysis, options)
        evaluator.host.started = started
        evaluator.host.deadline = started + timeout

        def running() -> str | None:
            node = getattr(evaluator, "_main_node", None)
            return getattr(node, "id", None)

        result: RunResult | None = None
        try:
            grace = evaluator.host.deadline + limits.ALARM_GRACE - time.monotonic()
            with limits.Alarm(grace, timeout, running):
                result = evaluator.run()
        except MemoryError:
            pass  # reported below, once the run's values are freed with the traceback
        if result is None:
            if status_fd is not None:
                limits.report(status_fd, "memory", running())
                return limits.EXIT_MEMORY
            result = RunResult(
                "stopped", "", {}, [], 0.0, None, reason=limits.memory_reason(memory)
            )
            result.stopped_at = running()
        return _run_finished(args, path, analysis, result)

    if not limits.supported():  # no fork or setrlimit (Windows): the interpreter's checks only
        return run(None)

    def flush() -> None:
        sys.stdout.flush()
        sys.stderr.flush()

    terminal = any(os.isatty(fd) for fd in (0, 1, 2))
    outcome = limits.run_forked(
        run, memory=memory, timeout=timeout, new_group=not terminal, flush=flush
    )
    if args.debug:
        print(
            f"[run] peak RSS {outcome.peak_rss / (1 << 20):.1f} MiB, "
            f"CPU {outcome.cpu:.2f} s, wall {outcome.wall:.2f} s",
            file=sys.stderr,
        )
    if outcome.kind == "exited":
        return outcome.code
    where = f" at node `{outcome.node}`" if outcome.node else ""
    print(f"lexis: {path}: run stopped{where}: {outcome.reason}", file=sys.stderr)
    viz = getattr(args, "viz", None)
    if viz:  # the run's process was killed before it could write the page: the graph, no values
        from .viz import write_run_page

        stopped = {
            "program": str(path),
            "status": "stopped",
            "reason": f"run stopped{where}: {outcome.reason}",
            "duration_ms": round(outcome.wall * 1000, 3),
            "nodes": [],
        }
        analysis = analyze(text, Options(trust_ceiling=ceiling))
        if write_run_page(viz, path, analysis, stopped) != 0:
            return 2
    return 3


def trace_json(path: Path, result: Any) -> dict[str, Any]:
    """What ``--trace-json`` writes (and ``--viz`` shows): every main-graph node's value,
    duration and hash, in schedule order."""
    return {
        "program": str(path),
        "program_hash": result.program_hash,
        "status": result.status,
        "reason": result.reason,
        "duration_ms": round(result.duration_ms, 3),
        "nodes": [
            {
                "id": r.id,
                "op": r.op,
                "value": _jsonable(r.value),
                "duration_ms": round(r.duration_ms, 3),
                "hash": r.hash,
            }
            for r in result.records
        ],
    }


def _run_finished(args: argparse.Namespace, path: Path, analysis: Analysis, result: Any) -> int:
    """Reports a finished run (refused, stopped or done); its exit code."""
    import json

    from .lang.values import to_str
    from .run.files import WriteError, write_atomic

    viz = getattr(args, "viz", None)
    if result.status == "refused":
        style = Style(_use_colour("auto", sys.stderr))
        for d in result.findings:
            print(render_diagnostic(str(path), analysis.lines, d, style), file=sys.stderr)
            print(file=sys.stderr)
        print(f"lexis: {path}: not run: {result.reason}", file=sys.stderr)
        if viz:  # the page shows the findings on their nodes
            from .viz import write_run_page

            write_run_page(viz, path, analysis, None)
        return 1
    if args.debug:
        for rec in result.records:
            print(f"[debug] {rec.id} = {rec.op} -> {to_str(rec.value)}", file=sys.stderr)
    trace = trace_json(path, result) if args.trace_json or viz else None
    if args.trace_json:
        try:
            write_atomic(args.trace_json, json.dumps(trace, ensure_ascii=False, indent=2) + "\n")
        except WriteError as exc:
            print(f"lexis: {args.trace_json}: cannot write: {exc.reason}", file=sys.stderr)
            return 2
    if viz:
        from .viz import write_run_page

        if write_run_page(viz, path, analysis, trace, result.output) != 0:
            return 2
    if result.status == "stopped":
        where = f" at node `{result.stopped_at}`" if result.stopped_at else ""
        print(f"lexis: {path}: run stopped{where}: {result.reason}", file=sys.stderr)
        return 3
    return 0


# --- viz and schema ------------------------------------------------------------------------


def cmd_viz(args: argparse.Namespace) -> int:
    if args.file != STDIN:
        from .viz import viz_command

        ceiling = args.trust_ceiling
        if ceiling is None:
            ceiling = _config_reporter().for_path(Path(args.file)).trust_ceiling
        return viz_command(args.file, args.output, ceiling)
    return _viz_stdin(args)


def _viz_stdin(args: argparse.Namespace) -> int:
    """``lexis viz -``: the page of the program read from standard input."""
    import tempfile
    import webbrowser

    from .lang.analysis import Options, analyze
    from .lang.graph import graph_data
    from .run.files import WriteError, write_atomic
    from .viz import output_problem, page_html

    if args.output is not None:
        problem = output_problem(args.output)
        if problem is not None:
            print(f"lexis: {args.output}: cannot write: {problem}", file=sys.stderr)
            return 2
    source, status = _one_source(args)
    if source is None:
        return status
    ceiling = args.trust_ceiling
    if ceiling is None:
        ceiling = _config_reporter().for_path(source.anchor).trust_ceiling
    analysis = analyze(source.text, Options(trust_ceiling=ceiling))
    page = page_html(graph_data(analysis, source.shown))
    if args.output is None:
        stem = Path(source.shown).name.removesuffix(".json").removesuffix(".lexis") or "program"
        fd, out = tempfile.mkstemp(prefix=f"{stem}-", suffix=".html")
        os.close(fd)
    else:
        out = args.output
    try:
        write_atomic(out, page)
    except WriteError as exc:
        print(f"lexis: {out}: cannot write: {exc.reason}", file=sys.stderr)
        return 2
    if args.output is None:
        print(out)
        if not webbrowser.open(Path(out).resolve().as_uri()):
            print("lexis: no browser could be started; open the file above", file=sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .lang.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


# --- parser ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's default exit code is 2 as well
        self.print_usage(sys.stderr)
        print(f"lexis: {message}", file=sys.stderr)
        raise SystemExit(2)


_FORMATTER = argparse.RawDescriptionHelpFormatter

MAIN_EPILOG = """\
Every command that takes files takes - for standard input (--stdin-filename NAME names it).
Settings come from the command line, then from the project configuration found upward from
each file (lexis.toml, .lexis.toml, or [tool.lexis] in pyproject.toml), then the defaults.
`lexis COMMAND --help` describes a command and its exit status.

exit status:
  0  success
  1  findings (an error in a program, a file that would change, a refused run)
  2  usage errors, and files that cannot be read or written
  3  a run stopped by a limit (time, memory, output)
"""

CHECK_EPILOG = """\
Folders are searched for *.lexis.json files (the configuration's `include`), skipping what
.gitignore ignores, hidden folders, virtual environments, node_modules and the
configuration's `exclude`; a file named on the command line is always checked. A folder with
no Lexis file gets a warning (exit status 0, as ruff).

--select, --extend-select and --ignore take codes (LX3001) or prefixes (LX3, LX) or ALL, and
may be repeated or comma-separated; the longest matching prefix wins. Errors are always
reported (a program with an error cannot run).

output formats:
  text     code frames and hints (the default)
  concise  one line per finding: PATH:LINE:COL: CODE SEVERITY: MESSAGE ([*]: a safe fix)
  json     {"diagnostics": [...]} with 0-based LSP ranges (see --position-encoding)
  github   GitHub Actions workflow commands (::error file=...,line=...::message)
  sarif    SARIF 2.1.0 (GitHub code scanning)
  junit    JUnit XML, one testcase per file

exit status:
  0  no error-severity finding (or --exit-zero); warnings and hints do not fail
  1  at least one error-severity finding
  2  a usage error (an unknown code in --select/--ignore), or a file that cannot be read
"""

FIX_EPILOG = """\
Applies the safe fixes of the selected codes, over and over until none is left, then lists
the findings that remain (PATH:LINE:COL: CODE SEVERITY: MESSAGE) and a summary, on stderr.
`lexis fix -` reads a program on stdin and writes the fixed program on stdout.

exit status:
  0  no error left (or --exit-zero)
  1  an error remains that no safe fix repairs
  2  a usage error, or a file that cannot be read or written
"""

FMT_EPILOG = """\
Rewrites programs in the canonical layout (LEXIS.md section 7), keeping a BOM and CRLF line
endings. `lexis fmt -` reads a program on stdin and writes the formatted program on stdout.

exit status:
  0  formatted (or, with --check, nothing would change)
  1  with --check: a file would be reformatted
  2  a usage error, a file that cannot be read or written, or text that is not valid JSON
"""

HASH_EPILOG = """\
exit status:
  0  the hashes are printed
  1  the program hash is undefined (the program has errors) or it is not a program
  2  a usage error, or a file that cannot be read
"""

EXPLAIN_EPILOG = """\
exit status:
  0  the page is printed
  2  an unknown code
"""

STDLIB_EPILOG = """\
exit status:
  0  the list (or the subgraph) is printed
  2  no standard library subgraph of that name
"""

RUN_EPILOG = """\
Limits (command line, else [run] in lexis.toml, else the default):
  --timeout      run.timeout       10 s of wall-clock time
  --memory       run.memory        1G of address space (and CPU time = timeout + 1 s)
  --output-limit run.output-limit  1000000 characters printed; past it the run stops
  --fs-root      run.fs-root       file access confined to this folder (default: the
                                   program's folder; the folder must exist)
  --trust-ceiling trust-ceiling    highest capability trust level a program may need

A program read from standard input (`lexis run -`) gets an empty standard input; its folder is
that of --stdin-filename, or the current folder. --param names must be the names of the
program's `param` nodes.

exit status:
  0  the program ran (error values in it do not change this)
  1  the program was not run: it has errors, or needs more trust than the ceiling
  2  a usage error (an unknown --param name, a missing --fs-root folder, an unwritable
     --trace-json or --viz path), or a file that cannot be read
  3  the run was stopped by a limit (time, memory, output)
"""

VIZ_EPILOG = """\
exit status:
  0  the page is written (a program with errors still gets its page, showing them)
  2  a usage error, or a file that cannot be read or written
"""

SCHEMA_EPILOG = """\
exit status:
  0  the schema is printed
"""


def _add_trust_ceiling(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust-ceiling",
        type=int,
        choices=range(4),
        metavar="0-3",
        help="highest capability trust level a program may need (LX2008 above it; "
        "default: `trust-ceiling` in the configuration, else none)",
    )


def _add_stdin_filename(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the name of the program read from standard input (`-`), used in reports and "
        "as the place the configuration is looked up from",
    )


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="report only these codes or prefixes (replaces the configuration's `select`)",
    )
    p.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="report these codes or prefixes too",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="do not report these codes or prefixes (errors are always reported)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lexis",
        description="Lexis language tools: check, fix, format, hash, explain and run Lexis "
        "programs.",
        epilog=MAIN_EPILOG,
        formatter_class=_FORMATTER,
    )
    parser.add_argument(
        "--version", action=VersionAction, nargs=0, help="print `lexis VERSION` and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "check",
        help="check programs (files, folders of *.lexis.json, - for stdin)",
        description="Report the diagnostics of Lexis programs.",
        epilog=CHECK_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders, or - for stdin")
    p.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=OUTPUT_FORMATS,
        default="text",
        metavar="FORMAT",
        help="how findings are printed: "
        + ", ".join(OUTPUT_FORMATS)
        + " (default text; see below)",
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format (default auto: on a terminal, unless NO_COLOR is set)",
    )
    p.add_argument(
        "--position-encoding",
        choices=("utf-16", "utf-8", "utf-32"),
        default="utf-16",
        help="unit of `character` in --output-format json (default utf-16, as LSP)",
    )
    _add_selection(p)
    p.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings of each code instead of the findings",
    )
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when a program has errors (2 still means a usage or file problem)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="check again whenever a file changes (only the changed files are re-checked); "
        "Ctrl+C stops, exit status 0",
    )
    _add_stdin_filename(p)
    _add_trust_ceiling(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "fix",
        help="apply the safe fixes in place (- : stdin to stdout)",
        description="Apply the safe fixes of Lexis programs in place.",
        epilog=FIX_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders, or - for stdin")
    p.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    _add_selection(p)
    p.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when errors remain after fixing"
    )
    _add_stdin_filename(p)
    _add_trust_ceiling(p)
    p.set_defaults(func=cmd_fix)

    p = sub.add_parser(
        "fmt",
        help="format programs in the canonical layout (- : stdin to stdout)",
        description="Format Lexis programs in the canonical layout.",
        epilog=FMT_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders, or - for stdin")
    p.add_argument(
        "--check", action="store_true", help="report files that would change, write nothing"
    )
    _add_stdin_filename(p)
    p.set_defaults(func=cmd_fmt)

    p = sub.add_parser(
        "hash",
        help="the program's and every node's BLAKE3 content hash",
        description="Print the content hashes of a program, its nodes and its subgraphs.",
        epilog=HASH_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("file", metavar="FILE", help="the program, or - for stdin")
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    _add_stdin_filename(p)
    p.set_defaults(func=cmd_hash)

    p = sub.add_parser(
        "explain",
        help="explain a diagnostic code",
        description="Print the explanation of a diagnostic code.",
        epilog=EXPLAIN_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("code", metavar="CODE", help="a code such as LX1002 (or 1002)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser(
        "stdlib",
        help="list the standard library, or show one subgraph",
        description="List the standard library subgraphs with their hashes, or print one.",
        epilog=STDLIB_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a subgraph name such as std:double")
    p.set_defaults(func=cmd_stdlib)

    p = sub.add_parser(
        "run",
        help="run a program",
        description="Check a program and run it under the sandbox's limits.",
        epilog=RUN_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("file", metavar="FILE", help="the program, or - for stdin")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a run-time parameter (repeatable); NAME must be a `param` node's name",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="wall-clock limit in seconds (default: run.timeout, else 10)",
    )
    p.add_argument(
        "--memory",
        metavar="SIZE",
        help="address-space limit of the run's process, e.g. 512M or 2G "
        "(default: run.memory, else 1G)",
    )
    p.add_argument(
        "--output-limit",
        type=int,
        metavar="N",
        help="characters the program may print (default: run.output-limit, else 1000000)",
    )
    p.add_argument(
        "--fs-root",
        metavar="DIR",
        help="confine file access to DIR, which must exist "
        "(default: run.fs-root, else the program's folder)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="every node's id, op and value, and the run's peak memory and time, on stderr",
    )
    p.add_argument(
        "--trace-json",
        metavar="OUT",
        help="write every node's value, duration and hash (checked writable before the run)",
    )
    p.add_argument(
        "--cache", action="store_true", help="keep pure subgraph results on disk between runs"
    )
    p.add_argument(
        "--viz",
        metavar="OUT.html",
        help="write the run's graph page (values, playback) to OUT (checked before the run)",
    )
    _add_stdin_filename(p)
    _add_trust_ceiling(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "viz",
        help="the program's graph as one self-contained HTML page (opened in the browser)",
        description="Write the program's graph as one self-contained HTML page.",
        epilog=VIZ_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.add_argument("file", metavar="FILE", help="the program, or - for stdin")
    p.add_argument(
        "--output", "-o", metavar="OUT.html", help="write the page here instead of opening it"
    )
    _add_stdin_filename(p)
    _add_trust_ceiling(p)
    p.set_defaults(func=cmd_viz)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of Lexis programs",
        description="Print the JSON Schema (draft 2020-12) of Lexis programs.",
        epilog=SCHEMA_EPILOG,
        formatter_class=_FORMATTER,
    )
    p.set_defaults(func=cmd_schema)
    return parser


_NEEDS_PATHS = ("check", "fix", "fmt")


class _PipeSafe:
    """stdout (or stderr) that survives its reader going away (``lexis check | head -1``).

    The first broken pipe points the file descriptor at the null device, as the Python docs
    advise for SIGPIPE, and the command carries on writing nowhere, so that its exit status is
    still the one its findings call for (not 0, not 120, and no traceback)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._to_devnull()
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Raw bytes, after the text written so far."""
        self.flush()
        buffer = getattr(self.stream, "buffer", None)
        if self.broken:
            return
        try:
            if buffer is None:
                self.stream.write(data.decode("utf-8"))
            else:
                buffer.write(data)
                buffer.flush()
        except BrokenPipeError:
            self._to_devnull()

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._to_devnull()

    def _to_devnull(self) -> None:
        self.broken = True
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)  # what is still buffered goes there at exit, without an error
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, ...
        return getattr(self.stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a terminal that cannot show a character gets an escape
            reconfigure(errors="backslashreplace")
    real = sys.stdout, sys.stderr
    guards = [_PipeSafe(s) for s in real if s is not None]  # None: no stream (pythonw)
    if real[0] is not None:
        sys.stdout = cast(TextIO, guards[0])
    if real[1] is not None:
        sys.stderr = cast(TextIO, guards[-1])
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:  # plain `lexis`: the help, on stderr, exit 2 (as ruff)
            parser.print_help(sys.stderr)
            return 2
        if args.command in _NEEDS_PATHS and not args.paths:
            if args.stdin_filename is None:
                print(
                    f"usage: lexis {args.command} [options] PATH [PATH ...]\n"
                    f"lexis: {args.command}: give files or folders to work on "
                    "(or - to read a program from standard input)",
                    file=sys.stderr,
                )
                return 2
            args.paths = [STDIN]
        try:
            return int(args.func(args))
        except UsageError as exc:
            print(f"lexis: {exc}", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        return 130
    finally:
        for guard in guards:
            guard.flush()
        sys.stdout, sys.stderr = real


if __name__ == "__main__":
    raise SystemExit(main())
