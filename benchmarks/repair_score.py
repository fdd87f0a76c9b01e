"""Repair score: how well the fixes repair broken programs written by language models.

Scores every case of the repair corpus (`tests/repair/corpus/`, described in
`tests/repair/README.md`) three ways, all in-process through `lexis_ls.lang`:

- `fix`: what `lexis fix` does, `lexis_ls.lang.fixes.fix_all(text)` (no formatting);
- `quickfix`: the editor's first quick fix, again and again: analyse, take the first diagnostic
  (in position order) that has fixes, apply its first fix, re-analyse; until no diagnostic has a
  fix, 60 steps, or the text repeats;
- `fixall`: `source.fixAll.lexis` in the editor, which is the same `fix_all` on the document's
  analysis (`lexis_ls/server/features/actions.py`), so it equals `fix`; reported as its own column.

Outcome per case and way: `repaired` (no error-severity diagnostic and the run prints exactly what
the intended program prints; for `exact` cases the text also equals the intended text),
`clean-but-wrong` (no errors, but another output, no run, or other bytes for an `exact` case),
`partial` (changed, still has errors, no more than the broken text had), `untouched` (text
unchanged), `worse` (more error diagnostics than the broken text). Ambiguous cases get their own
row: for them, not clean is the right outcome.

Run: `make repair-score`, or `.venv/bin/python benchmarks/repair_score.py [--markdown]
[--verbose] [--json OUT] [--way fix|quickfix|fixall]`. Exit status 1 when any case ends
clean-but-wrong.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lexis_ls.lang.analysis import Analysis, Options, analyze
from lexis_ls.lang.fixes import apply_edits, fix_all
from lexis_ls.run.evaluator import RunOptions, run_text
from lexis_ls.run.host import HostOptions

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "repair" / "corpus"
CLASSES = ("json", "names", "keys", "graph", "types")
WAYS = ("fix", "quickfix", "fixall")
OUTCOMES = ("repaired", "clean-but-wrong", "partial", "untouched", "worse")
QUICKFIX_STEPS = 60
RUN_TIMEOUT = 5.0  # seconds; every intended program runs in milliseconds
TRUST_CEILING = 1  # PURE_COMPUTE and IO_STDOUT: a "repair" that reaches further does not run


@dataclass
class Case:
    key: str  # "CLASS/NAME"
    cls: str
    name: str
    broken: str
    intended: str
    classes: list[str]
    description: str
    ambiguous: bool
    exact: bool


@dataclass
class Result:
    way: str
    outcome: str
    reason: str
    text: str  # the final text
    errors: int  # error diagnostics of the final text
    steps: int = 0  # quick fixes applied (quickfix), fixes applied (fix, fixall)
    output: str | None = None  # what the final text printed, when it ran


@dataclass
class CaseScore:
    case: Case
    broken_errors: int
    intended_output: str
    results: dict[str, Result] = field(default_factory=dict)


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def load_cases(root: Path = CORPUS) -> list[Case]:
    manifest = json.loads(read(root / "MANIFEST.json"))
    cases = []
    for key, meta in manifest.items():
        cls, name = key.split("/", 1)
        cases.append(
            Case(
                key=key,
                cls=cls,
                name=name,
                broken=read(root / cls / f"{name}.broken.lexis.json"),
                intended=read(root / cls / f"{name}.intended.lexis.json"),
                classes=list(meta["classes"]),
                description=meta["description"],
                ambiguous=bool(meta["ambiguous"]),
                exact=bool(meta.get("exact", False)),
            )
        )
    return cases


def error_count(analysis: Analysis) -> int:
    return sum(1 for d in analysis.diagnostics if d.severity.value == "error")


@cache
def _run_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="lexis-repair-score-"))


def run_output(text: str) -> str | None:
    """What the program prints, or None when it is refused or stopped."""
    options = RunOptions(
        host=HostOptions(
            params={},
            stdin=io.StringIO(""),
            program_dir=_run_dir(),
            timeout=RUN_TIMEOUT,
        ),
        trust_ceiling=TRUST_CEILING,
    )
    result = run_text(text, options)
    return result.output if result.status == "ok" else None


# --- the three ways ----------------------------------------------------------------------


def repair_fix(text: str) -> tuple[str, int]:
    """`lexis fix`: fix_all with default options, written as is (cli.cmd_fix)."""
    result = fix_all(text, Options())
    return result.text, len(result.applied)


def repair_fixall(text: str) -> tuple[str, int]:
    """`source.fixAll.lexis`: fix_all over the document's analysis (server/features/actions.py)."""
    analysis = analyze(text, Options())
    result = fix_all(analysis.text, analysis.options, analysis)
    return result.text, len(result.applied)


def quickfix_steps(text: str, limit: int = QUICKFIX_STEPS) -> Iterable[tuple[Analysis, str]]:
    """The editor's first quick fix applied again and again: yields (analysis, next text)."""
    seen = {text}
    for _ in range(limit):
        analysis = analyze(text, Options())
        first = next((d for d in analysis.diagnostics if d.fixes), None)
        if first is None:
            return
        new = apply_edits(text, first.fixes[0].edits)
        yield analysis, new
        if new in seen:
            return  # a loop (or a fix that changes nothing)
        seen.add(new)
        text = new


def repair_quickfix(text: str) -> tuple[str, int]:
    steps = 0
    for _, new in quickfix_steps(text):
        text = new
        steps += 1
    return text, steps


REPAIRS: dict[str, Callable[[str], tuple[str, int]]] = {
    "fix": repair_fix,
    "quickfix": repair_quickfix,
    "fixall": repair_fixall,
}


# --- scoring -----------------------------------------------------------------------------


def judge(case: Case, way: str, final: str, steps: int, broken_errors: int, want: str) -> Result:
    errors = error_count(analyze(final, Options()))
    if final == case.broken:
        return Result(way, "untouched", "text unchanged", final, errors, steps)
    if errors == 0:
        output = run_output(final)
        if output is None:
            return Result(way, "clean-but-wrong", "checks clean but does not run", final, 0, steps)
        if output != want:
            return Result(
                way, "clean-but-wrong", f"prints {output!r}, not {want!r}", final, 0, steps, output
            )
        if case.exact and final != case.intended:
            reason = "right output, but the text is not the intended text (exact case)"
            return Result(way, "clean-but-wrong", reason, final, 0, steps, output)
        return Result(way, "repaired", "clean, same output", final, 0, steps, output)
    if errors > broken_errors:
        return Result(way, "worse", f"{broken_errors} -> {errors} errors", final, errors, steps)
    return Result(way, "partial", f"{broken_errors} -> {errors} errors", final, errors, steps)


def score_case(case: Case, ways: Iterable[str] = WAYS) -> CaseScore:
    want = run_output(case.intended)
    if want is None:
        raise RuntimeError(f"{case.key}: the intended program does not run")
    broken_errors = error_count(analyze(case.broken, Options()))
    score = CaseScore(case, broken_errors, want)
    done: dict[str, Result] = {}
    for way in ways:
        final, steps = REPAIRS[way](case.broken)
        # fixall is fix_all as `lexis fix` runs it: judge the same text once
        same = next((r for r in done.values() if r.text == final and r.steps == steps), None)
        if same is not None:
            result = Result(**{**asdict(same), "way": way})
        else:
            result = judge(case, way, final, steps, broken_errors, want)
        done[way] = result
        score.results[way] = result
    return score


def score_all(cases: list[Case], ways: Iterable[str] = WAYS) -> list[CaseScore]:
    return [score_case(c, tuple(ways)) for c in cases]


# --- reports -----------------------------------------------------------------------------


def table(scores: list[CaseScore], ways: tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    head = ["class", "cases", *OUTCOMES, "% repaired"]
    groups: list[tuple[str, list[CaseScore]]] = [
        (cls, [s for s in scores if s.case.cls == cls and not s.case.ambiguous]) for cls in CLASSES
    ]
    groups.append(("ambiguous", [s for s in scores if s.case.ambiguous]))
    groups.append(("total", [s for s in scores if not s.case.ambiguous]))
    rows = []
    for label, group in groups:
        row = [label, str(len(group))]
        for outcome in OUTCOMES:
            counts = [sum(1 for s in group if s.results[w].outcome == outcome) for w in ways]
            row.append(" / ".join(str(c) for c in counts))
        if label == "ambiguous" or not group:
            not_clean = [
                sum(1 for s in group if s.results[w].outcome in ("partial", "untouched", "worse"))
                for w in ways
            ]
            row.append(
                "— (not clean: " + " / ".join(str(n) for n in not_clean) + ")" if group else "—"
            )
        else:
            pct = [
                100.0 * sum(1 for s in group if s.results[w].outcome == "repaired") / len(group)
                for w in ways
            ]
            row.append(" / ".join(f"{p:.0f}%" for p in pct))
        rows.append(row)
    return head, rows


def render_text(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        if r[0] == "total":
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def render_markdown(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f"**{c}**" if r[0] == "total" else c for c in r]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def to_json(scores: list[CaseScore]) -> list[dict[str, Any]]:
    return [
        {
            "case": s.case.key,
            "classes": s.case.classes,
            "description": s.case.description,
            "ambiguous": s.case.ambiguous,
            "exact": s.case.exact,
            "broken_errors": s.broken_errors,
            "intended_output": s.intended_output,
            "results": {w: asdict(r) for w, r in s.results.items()},
        }
        for s in scores
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--verbose", action="store_true", help="list every case's outcomes")
    parser.add_argument("--json", metavar="OUT", help="write every result to this JSON file")
    parser.add_argument("--corpus", default=str(CORPUS), help="the corpus folder")
    parser.add_argument("--way", action="append", choices=WAYS, help="score only these ways")
    args = parser.parse_args(argv)
    ways = tuple(args.way or WAYS)
    scores = score_all(load_cases(Path(args.corpus)), ways)
    if args.verbose:
        width = max(len(s.case.key) for s in scores)
        for s in scores:
            mark = " (ambiguous)" if s.case.ambiguous else ""
            cells = "  ".join(f"{w}={s.results[w].outcome:<15}" for w in ways)
            print(f"{s.case.key:<{width}}  {cells}{mark}")
            for w in ways:
                r = s.results[w]
                if r.outcome == "clean-but-wrong":
                    print(f"{'':<{width}}    {w}: {r.reason}")
        print()
    head, rows = table(scores, ways)
    legend = "each cell: " + " / ".join(ways)
    if args.markdown:
        print(render_markdown(head, rows))
        print(f"\n({legend}; % repaired of the non-ambiguous cases)")
    else:
        print(render_text(head, rows))
        print(f"\n{legend}; % repaired of the non-ambiguous cases")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(to_json(scores), fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    wrong = [
        (s.case.key, w) for s in scores for w in ways if s.results[w].outcome == "clean-but-wrong"
    ]
    if wrong:
        print(f"\n{len(wrong)} clean-but-wrong:", file=sys.stderr)
        for key, w in wrong:
            print(f"  {key} ({w})", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
