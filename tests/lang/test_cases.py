"""Data-driven tests of every static diagnostic code (LX0001-LX3003, DIAGNOSTICS.md).

Each case is a pair of files in ``tests/cases/``:

* ``<name>.lexis.json`` — a Lexis program (usually small, in canonical layout);
* ``<name>.expected`` — EVERY finding the analysis must produce, one per line::

      LX1002 7:42-7:57 ~ `add` takes 2 inputs, got 3
      LX1015 8:23-8:28 error ~ division by zero

  ``CODE LINE:COL-LINE:COL`` with 1-based lines and columns, columns counted in code points and
  the end exclusive; for the codes whose severity depends on the case (:data:`CASE_SEVERITY`,
  such as LX1015: error when the error value reaches an effect, else warning) then the
  severity, which these lines must state; optionally followed by `` ~ text`` (more than one
  allowed, each introduced by `` ~ ``): substrings that must all occur in the message. Blank
  lines and lines starting with ``#`` are ignored, except a first line
  ``# options: key=value, ...`` that sets analysis :class:`Options` (``trust_ceiling=2``). A
  sidecar without findings means "no findings at all".

The comparison is exact: the sorted list of (code, range[, severity]) of the analysis must equal
the expected one, and the given substrings must occur in the messages. A failure prints both
lists in sidecar format, and the messages the analysis produced.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from lexis_ls.lang.analysis import Analysis, Options, analyze
from lexis_ls.lang.diagnostics import CODES

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
CASE_SUFFIX = ".lexis.json"
EXPECTED_SUFFIX = ".expected"
STATIC_CODES = sorted(c for c in CODES if not c.startswith("LX4"))

# Severity and the Unnecessary tag of every static code, as DIAGNOSTICS.md's table gives them.
_E, _W, _I, _H = "error", "warning", "information", "hint"
SEVERITY: dict[str, str] = {
    **dict.fromkeys(["LX0001", "LX0002", "LX0003", "LX0004", "LX0006", "LX0007", "LX0008"], _E),
    "LX0005": _W,
    **{f"LX10{n:02d}": _E for n in range(1, 15)},
    **dict.fromkeys(["LX2001", "LX2003", "LX2005", "LX2006", "LX2007"], _E),
    **dict.fromkeys(["LX2002", "LX2004", "LX2008", "LX2009"], _W),
    "LX3001": _H,
    "LX3002": _I,
    "LX3003": _W,
}
# Codes whose severity depends on the case (DIAGNOSTICS.md "E/W"): each expected finding states
# its severity, which must be one of these.
CASE_SEVERITY: dict[str, frozenset[str]] = {"LX1015": frozenset({_E, _W})}
UNNECESSARY = frozenset({"LX2002", "LX2009", "LX3001", "LX3003"})
# Codes whose diagnostics must point at another place (DIAGNOSTICS.md: "relatedInformation").
NEEDS_RELATED = frozenset({"LX1004", "LX1005", "LX3002"})

_LINE = re.compile(
    r"(?P<code>LX\d{4}) (?P<sl>\d+):(?P<sc>\d+)-(?P<el>\d+):(?P<ec>\d+)"
    r"(?: (?P<severity>error|warning|information|hint)(?= ~ |$))?(?P<rest>.*)"
)
_OPTIONS = re.compile(r"#\s*options:\s*(?P<items>.*)")


@dataclass(frozen=True, order=True)
class Finding:
    """One finding: code and 1-based, code-point range; ``messages`` only on actual findings."""

    start: tuple[int, int]
    end: tuple[int, int]
    code: str
    substrings: tuple[str, ...] = ()
    message: str = ""
    severity: str = ""  # stated (and compared) for the codes of CASE_SEVERITY only

    @property
    def key(self) -> str:
        key = f"{self.code} {self.start[0]}:{self.start[1]}-{self.end[0]}:{self.end[1]}"
        return f"{key} {self.severity}" if self.severity else key


@dataclass(frozen=True)
class Expectation:
    options: Options
    findings: list[Finding]


def case_names() -> list[str]:
    return sorted(p.name[: -len(CASE_SUFFIX)] for p in CASES_DIR.glob(f"*{CASE_SUFFIX}"))


def case_ids() -> list[str]:
    return [f"{name}{CASE_SUFFIX}" for name in case_names()]


def parse_options(items: str, where: str) -> Options:
    options = Options()
    for item in filter(None, (part.strip() for part in items.split(","))):
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in ("trust_ceiling",):
            raise ValueError(f"{where}: unknown option {item!r}")
        setattr(options, name, int(raw.strip()))
    return options


def parse_expected(path: Path) -> Expectation:
    options = Options()
    findings: list[Finding] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        where = f"{path.name}:{number}"
        stripped = line.strip()
        if number == 1 and (m := _OPTIONS.fullmatch(stripped)):
            options = parse_options(m.group("items"), where)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        m = _LINE.fullmatch(stripped)
        if m is None:
            raise ValueError(f"{where}: cannot read {line!r} (expected `LXnnnn L:C-L:C [~ text]`)")
        rest = m.group("rest")
        substrings: tuple[str, ...] = ()
        if rest:
            if not rest.startswith(" ~ "):
                raise ValueError(f"{where}: after the range, expected ` ~ text`, got {rest!r}")
            substrings = tuple(rest[3:].split(" ~ "))
        code = m.group("code")
        if code not in CODES:
            raise ValueError(f"{where}: unknown code {code}")
        severity = m.group("severity") or ""
        if code in CASE_SEVERITY and severity not in CASE_SEVERITY[code]:
            raise ValueError(
                f"{where}: state the severity of {code} after the range "
                f"({' or '.join(sorted(CASE_SEVERITY[code]))})"
            )
        if code not in CASE_SEVERITY and severity:
            raise ValueError(f"{where}: the severity of {code} is fixed: do not state it")
        findings.append(
            Finding(
                (int(m.group("sl")), int(m.group("sc"))),
                (int(m.group("el")), int(m.group("ec"))),
                code,
                substrings,
                severity=severity,
            )
        )
    return Expectation(options, sorted(findings))


def actual_findings(analysis: Analysis) -> list[Finding]:
    out = []
    for d in analysis.diagnostics:
        start = analysis.lines.position(d.start, "utf-32")
        end = analysis.lines.position(d.end, "utf-32")
        out.append(
            Finding(
                (start.line + 1, start.character + 1),
                (end.line + 1, end.character + 1),
                d.code,
                message=d.message,
                severity=d.severity.value if d.code in CASE_SEVERITY else "",
            )
        )
    return sorted(out)


def compare(expected: list[Finding], actual: list[Finding]) -> list[str]:
    """Problems found, as readable lines (empty when the lists agree)."""
    problems: list[str] = []
    exp_keys = [f.key for f in expected]
    act_keys = [f.key for f in actual]
    if exp_keys != act_keys:
        problems.append("findings differ (- expected, + actual):")
        problems.extend(
            "  " + line.rstrip("\n")
            for line in difflib.unified_diff(
                exp_keys, act_keys, "expected", "actual", lineterm="", n=99
            )
            if not line.startswith(("---", "+++", "@@"))
        )
        return problems
    for exp, act in zip(expected, actual, strict=True):
        for text in exp.substrings:
            if text not in act.message:
                problems.append(f"{exp.key}: message lacks {text!r}: {act.message!r}")
    return problems


def render_actual(actual: list[Finding]) -> str:
    return "\n".join(f"  {f.key} ~ {f.message}" for f in actual) or "  (no findings)"


def test_every_case_has_a_sidecar_and_every_sidecar_a_case() -> None:
    programs = set(case_names())
    sidecars = {p.name[: -len(EXPECTED_SUFFIX)] for p in CASES_DIR.glob(f"*{EXPECTED_SUFFIX}")}
    assert programs, f"no cases in {CASES_DIR}"
    assert sorted(programs - sidecars) == [], "cases without a .expected file"
    assert sorted(sidecars - programs) == [], ".expected files without a case"


def test_every_static_code_has_a_case() -> None:
    covered: set[str] = set()
    for name in case_names():
        path = CASES_DIR / f"{name}{EXPECTED_SUFFIX}"
        if path.exists():
            covered.update(f.code for f in parse_expected(path).findings)
    assert [c for c in STATIC_CODES if c not in covered] == []


def analyze_case(name: str) -> tuple[Expectation, Analysis]:
    program = CASES_DIR / f"{name}{CASE_SUFFIX}"
    expectation = parse_expected(CASES_DIR / f"{name}{EXPECTED_SUFFIX}")
    # newline="" keeps line breaks as written: offsets must match what an editor sees.
    with program.open(encoding="utf-8", newline="") as f:
        text = f.read()
    return expectation, analyze(text, expectation.options)


@pytest.mark.parametrize("name", case_names(), ids=case_ids())
def test_case(name: str) -> None:
    expectation, analysis = analyze_case(name)
    assert analysis.internal_errors == [], "\n".join(analysis.internal_errors)
    actual = actual_findings(analysis)
    problems = compare(expectation.findings, actual)
    if problems:
        pytest.fail(
            f"{name}:\n" + "\n".join(problems) + "\nactual findings:\n" + render_actual(actual),
            pytrace=False,
        )


@pytest.mark.parametrize("name", case_names(), ids=case_ids())
def test_case_diagnostics_are_complete(name: str) -> None:
    """What DIAGNOSTICS.md requires of every diagnostic, beyond code and range."""
    _, analysis = analyze_case(name)
    problems: list[str] = []
    for d in analysis.diagnostics:
        pos = analysis.lines.position(d.start, "utf-32")
        where = f"{d.code} at {pos.line + 1}:{pos.character + 1}"
        if not 0 <= d.start <= d.end <= len(analysis.text):
            problems.append(f"{where}: range {d.start}-{d.end} is not inside the document")
        if not d.message.strip():
            problems.append(f"{where}: empty message")
        if not any(h.strip() for h in d.hints):
            problems.append(f"{where}: no hint")
        if d.code in SEVERITY and d.severity.value != SEVERITY[d.code]:
            problems.append(f"{where}: severity {d.severity.value}, table says {SEVERITY[d.code]}")
        if d.code in CASE_SEVERITY and d.severity.value not in CASE_SEVERITY[d.code]:
            problems.append(f"{where}: severity {d.severity.value} is not allowed for {d.code}")
        if d.code not in SEVERITY and d.code not in CASE_SEVERITY:
            problems.append(f"{where}: no severity in the tables for {d.code}")
        if d.unnecessary != (d.code in UNNECESSARY):
            problems.append(f"{where}: Unnecessary tag is {d.unnecessary}")
        if d.code in NEEDS_RELATED and not d.related:
            problems.append(f"{where}: no related information")
        # One related entry per edge: a cycle `a -> b -> c -> a` has three.
        edges = d.message.count(" -> ")
        if d.code == "LX1005" and len(d.related) != edges:
            problems.append(f"{where}: {len(d.related)} related edges for a cycle of {edges} edges")
    if problems:
        pytest.fail(f"{name}:\n" + "\n".join(problems), pytrace=False)
