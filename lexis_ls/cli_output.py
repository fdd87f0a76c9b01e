"""The machine formats of ``lexis check``: json, concise, github, sarif, junit, and the
``--statistics`` table.

Each takes the checked files as :class:`FileReport` (the reported diagnostics, already filtered
by the selection) and returns the text to print. Lines and columns are 1-based code points
everywhere but ``json``, which keeps the LSP convention (0-based, ``--position-encoding``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from .lang.diagnostics import CODES, Diagnostic, Severity, explain_page, explain_path
from .lang.text import Encoding, LineIndex

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "lexis"


@dataclass
class FileReport:
    path: str  # as shown (the path as named, or --stdin-filename)
    lines: LineIndex
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class Span1:
    """A range as 1-based line and column numbers (code points), end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


def span1(lines: LineIndex, start: int, end: int) -> Span1:
    s = lines.position(start, "utf-32")
    e = lines.position(end, "utf-32")
    return Span1(s.line + 1, s.character + 1, e.line + 1, e.character + 1)


# --- json (the contract of --format json since the first release) ------------------------


def diagnostic_json(
    path: str, lines: LineIndex, d: Diagnostic, encoding: Encoding
) -> dict[str, Any]:
    def rng(start: int, end: int) -> dict[str, Any]:
        s = lines.position(start, encoding)
        e = lines.position(end, encoding)
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


def json_report(reports: Sequence[FileReport], encoding: Encoding) -> str:
    records = [
        diagnostic_json(r.path, r.lines, d, encoding) for r in reports for d in r.diagnostics
    ]
    return json.dumps({"diagnostics": records}, ensure_ascii=False, indent=2) + "\n"


# --- concise ------------------------------------------------------------------------------


def concise_line(path: str, lines: LineIndex, d: Diagnostic) -> str:
    s = span1(lines, d.start, d.end)
    fixable = " [*]" if any(f.safe for f in d.fixes) else ""
    return f"{path}:{s.line}:{s.column}: {d.code}{fixable} {d.severity.value}: {d.message}"


def concise_report(reports: Sequence[FileReport]) -> str:
    return "".join(concise_line(r.path, r.lines, d) + "\n" for r in reports for d in r.diagnostics)


# --- GitHub Actions workflow commands ----------------------------------------------------

_GITHUB_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "notice",
    Severity.HINT: "notice",
}


def github_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``, ...)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_report(reports: Sequence[FileReport]) -> str:
    out = []
    for r in reports:
        for d in r.diagnostics:
            s = span1(r.lines, d.start, d.end)
            props = ",".join(
                f"{k}={github_property(str(v))}"
                for k, v in (
                    ("file", r.path),
                    ("line", s.line),
                    ("col", s.column),
                    ("endLine", s.end_line),
                    ("endColumn", s.end_column),
                    ("title", d.code),
                )
            )
            message = d.message + "".join(f"\nhint: {h}" for h in d.hints)
            out.append(f"::{_GITHUB_LEVEL[d.severity]} {props}::{github_data(message)}\n")
    return "".join(out)


# --- SARIF 2.1.0 ---------------------------------------------------------------------------

_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}


def _artifact_uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(PurePosixPath(*p.parts).as_posix() if p.parts else path, safe="/")


def _region(lines: LineIndex, start: int, end: int) -> dict[str, int]:
    s = span1(lines, start, end)
    return {
        "startLine": s.line,
        "startColumn": s.column,
        "endLine": s.end_line,
        "endColumn": s.end_column,
    }


def _first_paragraph(page: str) -> str:
    for para in page.split("\n\n"):
        para = para.strip()
        if para and not para.startswith("#"):
            return " ".join(para.split())
    return ""


def sarif_rules() -> list[dict[str, Any]]:
    """One reportingDescriptor per diagnostic code of the registry, in code order."""
    rules = []
    for code, info in CODES.items():
        page = explain_page(code) or ""
        rule: dict[str, Any] = {
            "id": code,
            "name": _rule_name(info.title),
            "shortDescription": {"text": info.title},
            "helpUri": Path(explain_path(code)).as_uri(),
            "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
            "properties": {"tags": [_category(code)]},
        }
        summary = _first_paragraph(page)
        if summary:
            rule["fullDescription"] = {"text": summary}
        if page:
            rule["help"] = {"text": page, "markdown": page}
        rules.append(rule)
    return rules


def _rule_name(title: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _category(code: str) -> str:
    return {
        "0": "syntax",
        "1": "structure",
        "2": "capabilities",
        "3": "style",
        "4": "runtime",
    }.get(code[2:3], "lexis")


def sarif_report(
    reports: Sequence[FileReport],
    version: str,
    problems: Sequence[str] = (),
    successful: bool = True,
) -> str:
    rules = sarif_rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for r in reports:
        uri = _artifact_uri(r.path)
        for d in r.diagnostics:
            result: dict[str, Any] = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVEL[d.severity],
                "message": {"text": d.message + "".join(f"\nhint: {h}" for h in d.hints)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": _region(r.lines, d.start, d.end),
                        }
                    }
                ],
            }
            if d.related:
                result["relatedLocations"] = [
                    {
                        "id": i,
                        "message": {"text": rel.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": _region(r.lines, rel.start, rel.end),
                        },
                    }
                    for i, rel in enumerate(d.related)
                ]
            fixes = [
                {
                    "description": {"text": f.title},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": uri},
                            "replacements": [
                                {
                                    "deletedRegion": _region(r.lines, e.start, e.end),
                                    "insertedContent": {"text": e.new_text},
                                }
                                for e in f.edits
                            ],
                        }
                    ],
                    "properties": {"safe": f.safe},
                }
                for f in d.fixes
                if f.edits
            ]
            if fixes:
                result["fixes"] = fixes
            results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": successful}
    if problems:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": p}} for p in problems
        ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": version,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


# --- JUnit XML ---------------------------------------------------------------------------

# Characters XML 1.0 cannot hold at all, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    # (xml.sax.saxutils would do, but it imports urllib.request: 20 ms of every start-up)
    text = _XML_INVALID.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    escaped = _xml_text(text).replace('"', "&quot;")
    return '"' + escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


def junit_report(reports: Sequence[FileReport], problems: Sequence[tuple[str, str]] = ()) -> str:
    """One testcase per file: it fails when the file has an error; its other findings are
    listed too. ``problems`` are (path, reason) of files that could not be read: errors."""
    cases = []
    failures = 0
    for r in reports:
        errors = [d for d in r.diagnostics if d.severity is Severity.ERROR]
        body = "".join(concise_line(r.path, r.lines, d) + "\n" for d in r.diagnostics)
        head = f'    <testcase name={_xml_attr(r.path)} classname="lexis.check" file={_xml_attr(r.path)}'
        if errors:
            failures += 1
            n = len(errors)
            message = f"{n} error{'s' if n != 1 else ''}: " + ", ".join(
                sorted({d.code for d in errors})
            )
            cases.append(
                f"{head}>\n"
                f"      <failure message={_xml_attr(message)} type={_xml_attr(errors[0].code)}>"
                f"{_xml_text(body)}</failure>\n"
                "    </testcase>\n"
            )
        elif body:
            cases.append(
                f"{head}>\n      <system-out>{_xml_text(body)}</system-out>\n    </testcase>\n"
            )
        else:
            cases.append(f"{head}/>\n")
    for path, reason in problems:
        cases.append(
            f'    <testcase name={_xml_attr(path)} classname="lexis.check" file={_xml_attr(path)}>\n'
            f'      <error message={_xml_attr(reason)} type="unreadable"/>\n'
            "    </testcase>\n"
        )
    tests = len(reports) + len(problems)
    counts = f'tests="{tests}" failures="{failures}" errors="{len(problems)}" skipped="0"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="lexis" {counts}>\n'
        f'  <testsuite name="lexis check" {counts}>\n'
        + "".join(cases)
        + "  </testsuite>\n</testsuites>\n"
    )


# --- statistics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistic:
    code: str
    count: int
    fixable: bool
    title: str


def statistics(reports: Sequence[FileReport]) -> list[Statistic]:
    """Count per code, most frequent first (then by code), as ruff's ``--statistics``."""
    counts: Counter[str] = Counter()
    fixable: dict[str, bool] = {}
    for r in reports:
        for d in r.diagnostics:
            counts[d.code] += 1
            fixable[d.code] = fixable.get(d.code, False) or any(f.safe for f in d.fixes)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Statistic(code, n, fixable[code], CODES[code].title) for code, n in ordered]


def statistics_text(stats: Sequence[Statistic]) -> str:
    if not stats:
        return ""
    width = max(len(str(s.count)) for s in stats)
    return "".join(
        f"{s.count:>{width}}\t{s.code}\t{'[*]' if s.fixable else '[ ]'} {s.title}\n" for s in stats
    )


def statistics_json(stats: Sequence[Statistic]) -> str:
    data = [
        {"code": s.code, "name": s.title, "count": s.count, "fixable": s.fixable} for s in stats
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
