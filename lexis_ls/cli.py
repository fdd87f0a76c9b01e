"""The ``lexis`` command line: check, fix, fmt, hash, explain, stdlib, run, viz, schema.

Exit codes: 0 success; 1 findings (an error-severity diagnostic, a file that would change, a
program that cannot be hashed); 2 usage errors and files that cannot be read or written. Never a
traceback for bad input: every failure is one clear line on stderr. Files are rewritten
atomically (lexis_ls/run/files.py), keeping their BOM and line endings. A reader that goes away
(``lexis check | head``) changes no exit status and prints no traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from .lang import stdlib
from .lang.analysis import Analysis, Options, analyze
from .lang.diagnostics import CODES, Diagnostic, Severity, explain_page
from .lang.fixes import fix_all
from .lang.hashing import Hasher, std_graph
from .lang.schema import schema_text
from .lang.suggest import did_you_mean, suggestions
from .lang.text import Encoding
from .run.files import TextFile, WriteError, read_text_file, write_atomic, write_text_like

LEXIS_SUFFIX = ".lexis.json"
FRAME_WIDTH = 160  # longest source line shown whole in a code frame


class UsageError(Exception):
    pass


# --- files -------------------------------------------------------------------------------


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable or missing paths


def collect(paths: Sequence[str]) -> Inputs:
    """Files named directly, and ``*.lexis.json`` files below directories, sorted."""
    out = Inputs()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob(f"*{LEXIS_SUFFIX}")
                if f.is_file() and "node_modules" not in f.parts
            )
            out.files.extend(found)
        elif p.exists():
            out.files.append(p)
        else:
            out.problems.append(f"{raw}: no such file or directory")
    return out


def read_text(path: Path) -> str:
    """The file's text (UTF-8, a BOM dropped); raises OSError or UnicodeDecodeError."""
    return read_text_file(path).text


def _read(path: Path) -> tuple[TextFile | None, str | None]:
    """The file's text with its BOM and line-ending style, or the one-line reason it cannot be
    read."""
    try:
        return read_text_file(path), None
    except UnicodeDecodeError as exc:
        return (
            None,
            f"{path}: not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
        )
    except OSError as exc:
        return None, f"{path}: cannot read: {exc.strerror or exc}"


# --- colour ------------------------------------------------------------------------------


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


_SEVERITY_COLOUR = {
    Severity.ERROR: "31",
    Severity.WARNING: "33",
    Severity.INFORMATION: "34",
    Severity.HINT: "36",
}


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


def render_diagnostic(path: str, analysis: Analysis, d: Diagnostic, style: Style) -> str:
    lines = analysis.lines
    start = lines.position(d.start, "utf-32")
    end = lines.position(d.end, "utf-32")
    colour = _SEVERITY_COLOUR[d.severity]
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


def diagnostic_json(
    path: str, analysis: Analysis, d: Diagnostic, encoding: Encoding
) -> dict[str, Any]:
    def rng(start: int, end: int) -> dict[str, Any]:
        s = analysis.lines.position(start, encoding)
        e = analysis.lines.position(end, encoding)
        return {
            "start": {"line": s.line, "character": s.character},
            "end": {"line": e.line, "character": e.character},
        }

    return {
        "file": path,
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "range": rng(d.start, d.end),
        "related": [{"message": r.message, "range": rng(r.start, r.end)} for r in d.related],
        "fixes": [
            {
                "title": f.title,
                "safe": f.safe,
                "edits": [{"range": rng(e.start, e.end), "newText": e.new_text} for e in f.edits],
            }
            for f in d.fixes
        ],
    }


def _summary(counts: dict[Severity, int], files: int) -> str:
    parts = []
    for sev, word in (
        (Severity.ERROR, "error"),
        (Severity.WARNING, "warning"),
        (Severity.INFORMATION, "info"),
        (Severity.HINT, "hint"),
    ):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 and word != 'info' else ''}")
    checked = f"{files} file{'s' if files != 1 else ''}"
    return f"Found {', '.join(parts)} in {checked}." if parts else f"All checks passed ({checked})."


# --- commands ----------------------------------------------------------------------------


def _options(args: argparse.Namespace) -> Options:
    return Options(trust_ceiling=getattr(args, "trust_ceiling", None))


class _Files:
    """The readable files named by PATH arguments; what cannot be read is reported on stderr
    and makes the exit status 2."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.inputs = collect(paths)
        self.status = 0
        for p in self.inputs.problems:
            self.fail(p)

    def fail(self, message: str) -> None:
        print(f"lexis: {message}", file=sys.stderr)
        self.status = 2

    def __iter__(self) -> Iterator[tuple[Path, str]]:
        for path, source in self.sources():
            yield path, source.text

    def sources(self) -> Iterator[tuple[Path, TextFile]]:
        """Each readable file with its BOM and line-ending style (for a rewrite)."""
        for path in self.inputs.files:
            source, problem = _read(path)
            if source is None:
                self.fail(problem or f"{path}: cannot read")
                continue
            yield path, source

    def write(self, path: Path, new_text: str, source: TextFile) -> bool:
        """Rewrite ``path`` atomically, keeping its BOM and line endings. A failure is one line
        on stderr (exit status 2; the file is left as it was) and False."""
        try:
            write_text_like(path, new_text, source)
        except WriteError as exc:
            self.fail(f"{path}: cannot write: {exc.reason}")
            return False
        return True


def cmd_check(args: argparse.Namespace) -> int:
    files = _Files(args.paths)
    style = Style(_use_colour(args.color, sys.stdout))
    counts: dict[Severity, int] = {}
    records: list[dict[str, Any]] = []
    any_error = False
    checked = 0
    for path, text in files:
        checked += 1
        analysis = analyze(text, _options(args))
        for err in analysis.internal_errors:
            print(f"lexis: {path}: {err}", file=sys.stderr)
        for d in analysis.diagnostics:
            counts[d.severity] = counts.get(d.severity, 0) + 1
            any_error = any_error or d.severity is Severity.ERROR
            if args.format == "json":
                records.append(diagnostic_json(str(path), analysis, d, args.position_encoding))
            else:
                print(render_diagnostic(str(path), analysis, d, style))
                print()
    if args.format == "json":
        json.dump({"diagnostics": records}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif not args.quiet and checked:
        print(_summary(counts, checked))
    return files.status or (1 if any_error else 0)


def _unified(path: Path, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


def cmd_fix(args: argparse.Namespace) -> int:
    files = _Files(args.paths)
    remaining_errors = False
    total = 0
    for path, source in files.sources():
        text = source.text
        result = fix_all(text, _options(args))
        remaining_errors = remaining_errors or result.analysis.has_errors
        if result.text == text:
            continue
        if args.diff:
            total += len(result.applied)
            sys.stdout.write(_unified(path, text, source.restyle(result.text)))
        elif files.write(path, result.text, source):
            total += len(result.applied)
            for code, title in result.applied:
                print(f"{path}: fixed {code}: {title}", file=sys.stderr)
    verb = "Would apply" if args.diff else "Applied"
    print(f"{verb} {total} fix{'es' if total != 1 else ''}.", file=sys.stderr)
    return files.status or (1 if remaining_errors else 0)


def cmd_fmt(args: argparse.Namespace) -> int:
    from .lang.format import format_text

    files = _Files(args.paths)
    changed = 0
    for path, source in files.sources():
        result = format_text(source.text)
        if result.text is None:
            files.fail(f"cannot format {path}: {result.reason}")
            continue
        if source.restyle(result.text) == source.text:  # CRLF and a BOM are kept, not changes
            continue
        changed += 1
        if args.check:
            print(f"Would reformat: {path}")
        elif files.write(path, result.text, source):
            print(f"Reformatted: {path}", file=sys.stderr)
    return files.status or (1 if args.check and changed else 0)


def cmd_hash(args: argparse.Namespace) -> int:
    path = Path(args.file)
    source, problem = _read(path)
    if source is None:
        print(f"lexis: {problem}", file=sys.stderr)
        return 2
    text = source.text
    analysis = analyze(text)
    hasher = analysis.hasher
    program = analysis.program
    if program.root is None:
        print(f"lexis: {path}: not a Lexis program (run `lexis check {path}`)", file=sys.stderr)
        return 1
    nodes = hasher.graph_node_hashes(program.main)
    subgraphs: dict[str, tuple[str | None, dict[str, str | None]]] = {
        name: (hasher.subgraph_hash(g), hasher.graph_node_hashes(g))
        for name, g in program.subgraphs.items()
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
        for name, (sg_hash, sg_nodes) in subgraphs.items():
            print(f"subgraph {name}  {sg_hash or '(undefined)'}")
            for nid, h in sg_nodes.items():
                print(f"  {nid:<{width}}  {h or '(undefined)'}")
    if program_hash is None:
        errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
        why = f"; {errors[0].code}: {errors[0].message}" if errors else ""
        print(f"lexis: {path}: the program hash is undefined{why}", file=sys.stderr)
        return 1
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
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


def cmd_run(args: argparse.Namespace) -> int:
    from .run import limits
    from .run.cache import CallCache, default_cache_dir
    from .run.evaluator import Evaluator, RunOptions, RunResult
    from .run.host import HostOptions

    path = Path(args.file)
    source, problem = _read(path)
    if source is None:
        print(f"lexis: {problem}", file=sys.stderr)
        return 2
    text = source.text
    try:
        params = _parse_params(args.param)
    except UsageError as exc:
        print(f"lexis: {exc}", file=sys.stderr)
        return 2
    if not (args.timeout > 0 and args.timeout < float("inf")):
        print("lexis: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    try:
        memory = limits.DEFAULT_MEMORY if args.memory is None else limits.parse_size(args.memory)
    except ValueError as exc:
        print(f"lexis: --memory: {exc}", file=sys.stderr)
        return 2
    if args.viz is not None:
        from .viz import output_problem

        problem = output_problem(args.viz)
        if problem is not None:  # before the run: a run's effects are not repeated for a typo
            print(f"lexis: {args.viz}: cannot write: {problem}", file=sys.stderr)
            return 2
    program_dir = path.resolve().parent
    fs_root = Path(args.fs_root).resolve() if args.fs_root else program_dir

    def echo(chunk: str) -> None:
        sys.stdout.write(chunk)
        sys.stdout.flush()

    options = RunOptions(
        host=HostOptions(
            params=params,
            stdin=sys.stdin,
            program_dir=program_dir,
            fs_root=fs_root,
            timeout=args.timeout,
            echo=echo,
        ),
        trust_ceiling=args.trust_ceiling,
        cache=CallCache(default_cache_dir() if args.cache else None),
    )

    def run(status_fd: int | None) -> int:
        """The check and the run (in the forked child when OS limits are supported: the
        static analysis is under the limits too, and the time limit counts from here)."""
        started = time.monotonic()
        analysis = analyze(text, Options(trust_ceiling=args.trust_ceiling))
        evaluator = Evaluator(analysis, options)
        evaluator.host.started = started
        evaluator.host.deadline = started + args.timeout

        def running() -> str | None:
            node = getattr(evaluator, "_main_node", None)
            return getattr(node, "id", None)

        result: RunResult | None = None
        try:
            grace = evaluator.host.deadline + limits.ALARM_GRACE - time.monotonic()
            with limits.Alarm(grace, args.timeout, running):
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
        run, memory=memory, timeout=args.timeout, new_group=not terminal, flush=flush
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


def cmd_viz(args: argparse.Namespace) -> int:
    from .viz import viz_command

    return viz_command(args.file, args.output, args.trust_ceiling)


def _run_finished(args: argparse.Namespace, path: Path, analysis: Analysis, result: Any) -> int:
    """Reports a finished run (refused, stopped or done); its exit code."""
    from .lang.values import to_str

    viz = getattr(args, "viz", None)
    if result.status == "refused":
        style = Style(_use_colour("auto", sys.stderr))
        for d in result.findings:
            print(render_diagnostic(str(path), analysis, d, style), file=sys.stderr)
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


def cmd_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text())
    return 0


# --- parser ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's default exit code is 2 as well
        self.print_usage(sys.stderr)
        print(f"lexis: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lexis", description="Lexis language tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("check", help="check programs (files, or directories of *.lexis.json)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument(
        "--position-encoding",
        choices=("utf-16", "utf-8", "utf-32"),
        default="utf-16",
        help="unit of `character` in --format json (default utf-16, as LSP)",
    )
    p.add_argument("--trust-ceiling", type=int, choices=range(4), metavar="0-3")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("fix", help="apply the safe fixes in place")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    p.add_argument("--trust-ceiling", type=int, choices=range(4), metavar="0-3")
    p.set_defaults(func=cmd_fix)

    p = sub.add_parser("fmt", help="format programs in the canonical layout")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--check", action="store_true", help="report files that would change, write nothing"
    )
    p.set_defaults(func=cmd_fmt)

    p = sub.add_parser("hash", help="the program's and every node's BLAKE3 content hash")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_hash)

    p = sub.add_parser("explain", help="explain a diagnostic code")
    p.add_argument("code", metavar="CODE")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("stdlib", help="list the standard library, or show one subgraph")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.set_defaults(func=cmd_stdlib)

    p = sub.add_parser("run", help="run a program")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a run-time parameter"
    )
    p.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="wall-clock limit (default 10 s)"
    )
    p.add_argument(
        "--memory",
        metavar="SIZE",
        help="address-space limit of the run's process, e.g. 512M or 2G (default 1G)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="every node's id, op and value, and the run's peak memory and time, on stderr",
    )
    p.add_argument(
        "--trace-json", metavar="OUT", help="write every node's value, duration and hash"
    )
    p.add_argument(
        "--cache", action="store_true", help="keep pure subgraph results on disk between runs"
    )
    p.add_argument(
        "--fs-root",
        metavar="DIR",
        help="confine file access to DIR (default: the program's folder)",
    )
    p.add_argument(
        "--viz", metavar="OUT.html", help="write the run's graph page (values, playback) to OUT"
    )
    p.add_argument("--trust-ceiling", type=int, choices=range(4), metavar="0-3")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "viz", help="the program's graph as one self-contained HTML page (opened in the browser)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--output", "-o", metavar="OUT.html", help="write the page here instead of opening it"
    )
    p.add_argument("--trust-ceiling", type=int, choices=range(4), metavar="0-3")
    p.set_defaults(func=cmd_viz)

    p = sub.add_parser("schema", help="print the JSON Schema of Lexis programs")
    p.set_defaults(func=cmd_schema)
    return parser


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
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    finally:
        for guard in guards:
            guard.flush()
        sys.stdout, sys.stderr = real


if __name__ == "__main__":
    raise SystemExit(main())
