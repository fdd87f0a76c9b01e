"""Intent recovery for graph mistakes: what a dangling reference, a re-assigned id or a
function-call arity most likely meant (DIAGNOSTICS.md, "Fix safety").

Pure knowledge and scoring; the checks (``checks/graph.py``) turn the answers into fixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..diagnostics import Evidence
from .policy import clear_winner, substitution_is_evidence

# Ops whose result does not depend on how their inputs are grouped: `add(a, b, c)` can only mean
# `add(add(a, b), c)`, so rewriting it as a chain is safe. (`sub`, `div`, `power` are not.)
ASSOCIATIVE_OPS = frozenset({"add", "mul", "and", "or"})

# Ops whose inputs can come in any order (their result is the same): edges listed separately
# from the nodes can be turned into inputs without knowing the argument order.
COMMUTATIVE_OPS = frozenset({"add", "mul", "and", "or", "eq"})

# Names of a separate edge list, and the names of an edge's two ends and its argument position.
EDGE_LIST_KEYS = frozenset({"edges", "links", "connections", "wires", "arcs", "flows"})
EDGE_FROM = ("from", "source", "src", "start", "producer", "output", "out", "from_node", "fromNode")
EDGE_TO = ("to", "target", "dst", "dest", "end", "consumer", "input", "in", "to_node", "toNode")
EDGE_POSITION = ("port", "index", "arg", "position", "slot", "input_index", "inputIndex", "order")


# A subgraph's signature written as lists of names: parameters ("in") and results ("out").
PORT_LIST_KEYS: dict[str, str] = {
    **dict.fromkeys(
        ("inputs", "input", "params", "parameters", "args", "arguments", "inputports"), "in"
    ),
    **dict.fromkeys(
        ("outputs", "output", "returns", "return", "results", "result", "outputports"), "out"
    ),
}


def edge_ends(edge: object) -> tuple[str, str, int | None] | None:
    """(from, to, argument position or None) of one edge written as an object or a pair."""
    if isinstance(edge, list) and len(edge) in (2, 3) and all(isinstance(e, str) for e in edge[:2]):
        position = edge[2] if len(edge) == 3 and type(edge[2]) is int else None
        if len(edge) == 3 and position is None:
            return None
        return edge[0], edge[1], position
    if isinstance(edge, dict):
        src = next((edge[k] for k in EDGE_FROM if isinstance(edge.get(k), str)), None)
        dst = next((edge[k] for k in EDGE_TO if isinstance(edge.get(k), str)), None)
        pos = next((edge[k] for k in EDGE_POSITION if type(edge.get(k)) is int), None)
        if src is not None and dst is not None:
            return src, dst, pos
    return None


# Ops that other languages call with any number of arguments and print them separated by a
# space (Python's print, console.log): `print(a, b)` means print("{} {}" of a and b).
VARIADIC_PRINT_OPS = frozenset({"print"})


_SEPARATORS = re.compile(r"[_\-.\s]+")


def normalise_name(name: str) -> str:
    """Case and style do not matter: `totalSum`, `total_sum`, `Total-Sum` are one name."""
    return _SEPARATORS.sub("", name).lower()


_normalised = lru_cache(maxsize=1 << 17)(normalise_name)


def _number_forms(name: str) -> set[str]:
    """Singular and plural spellings of ``name`` (`number` <-> `numbers`, `box` <-> `boxes`,
    `entry` <-> `entries`)."""
    n = name.lower()
    forms = {n + "s", n + "es"}
    if n.endswith("ies"):
        forms.add(n[:-3] + "y")
    if n.endswith("es"):
        forms.add(n[:-2])
    if n.endswith("s"):
        forms.add(n[:-1])
    if n.endswith("y"):
        forms.add(n[:-1] + "ies")
    forms.discard(n)
    return {normalise_name(f) for f in forms}


def _abbreviates(short: str, long: str) -> bool:
    """`nums` for `numbers`, `cnt` for `count`, `avg` for `average`: the same first letter, and
    the short name's letters in order in the long one, which is clearly longer."""
    if len(short) < 3 or len(long) < len(short) + 2 or short[0] != long[0]:
        return False
    rest = iter(long[1:])
    return all(c in rest for c in short[1:])


@dataclass(frozen=True)
class Candidate:
    name: str
    evidence: Evidence  # CERTAIN: safe; LIKELY: offered
    why: str


def reference_candidate(
    name: str, ids: Iterable[str], unused: Callable[[str], bool]
) -> Candidate | None:
    """The node id a dangling reference ``name`` meant, when the evidence points at one.

    Case or style only (`Total` for `total`): certain. A singular/plural form or a close
    spelling, clearly ahead of the next candidate: likely; a candidate whose value nobody uses
    gains (a dangling reference and an unused node of a matching name are one mistake).
    """
    pool = [i for i in ids if i != name]
    norm = normalise_name(name)
    # each id is normalised once per process (a program's ids come back with every broken
    # reference and every version), and the tests below that are cheap run first
    norms = [_normalised(i) for i in pool]
    same = norms.count(norm)
    if same == 1:
        return Candidate(pool[norms.index(norm)], Evidence.CERTAIN, "differs only in case or style")
    if same > 1:
        return None
    forms = _number_forms(name)
    limit = max(1, min(3, len(name) // 3))
    size = len(norm)
    # Which ids can be evidence at all, each test over every id in one C-level call or one
    # comprehension: a singular/plural form; an abbreviation (the same first letter and
    # clearly longer, see _abbreviates); an edit distance within the limit (as
    # suggest.distance computes each: optimal string alignment, stopping past the limit).
    close = {
        k: int(d)
        for _, d, k in process.extract(
            norm, norms, scorer=OSA.distance, score_cutoff=limit, limit=None
        )
    }
    maybe = set(close)
    maybe.update(k for k, ni in enumerate(norms) if ni in forms)
    if size >= 3:
        first, longer = norm[0], size + 2
        maybe.update(k for k, ni in enumerate(norms) if len(ni) >= longer and ni.startswith(first))
    scored: list[tuple[float, Candidate]] = []
    for k in sorted(maybe):  # in the order of the ids, as a pass over all of them
        i, ni = pool[k], norms[k]
        if ni in forms:
            score, why = 3.0, "singular/plural"
        elif _abbreviates(norm, ni):
            score, why = 2.0, "an abbreviation"
        else:
            d = close.get(k)
            if d is None or d > limit or not substitution_is_evidence(name, i):
                continue
            score, why = 3.0 - d, "a close spelling"
        if unused(i):
            score += 1.0
            why += " of a node whose value is never used"
        scored.append((score, Candidate(i, Evidence.LIKELY, why)))
    return clear_winner(scored)


# A reference written in some template language's syntax: `{{s}}`, `${s}`, `$s`, `{s}`, `<s>`,
# `@s`, `#s`, `%s%`, `[s]`.
_DECORATED = re.compile(
    r"\{\{\s*(?P<a>[^{}\s]+)\s*\}\}|\$\{(?P<b>[^{}]+)\}|\{(?P<c>[^{}]+)\}|<(?P<d>[^<>]+)>"
    r"|%(?P<e>[^%]+)%|\[(?P<f>[^\[\]]+)\]|[$@#&](?P<g>\S+)"
    r"|(?P<h>[A-Za-z_][A-Za-z0-9_-]*)\.(?:output|out|value|result|val|ret)"
    r"|(?P<i>[A-Za-z_][A-Za-z0-9_-]*)\(\)"
)


def undecorated(ref: str) -> str | None:
    """The id inside a reference written as a template placeholder (`{{s}}` -> `s`)."""
    m = _DECORATED.fullmatch(ref.strip())
    if m is None:
        return None
    inner = next(g for g in m.groups() if g is not None).strip()
    return inner or None


def is_literal_text(ref: str, id_pattern: re.Pattern[str]) -> bool:
    """A string in `inputs` that cannot be a node id and does not name one in template syntax:
    text the author meant as a value (`"Hello, "`)."""
    return id_pattern.fullmatch(ref) is None and undecorated(ref) is None


_PRINTF = re.compile(r"%[sdi]|%%")
_BRACE_FIELD = re.compile(r"\{\{|\}\}|\$?\{([^{}]*)\}")
_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class TemplateRepair:
    template: str  # with `{}` placeholders
    inputs: list[str]  # the inputs in the order the placeholders take them
    evidence: Evidence


def positional_template(template: str, inputs: list[str]) -> TemplateRepair | None:
    """A `format` template written in another language's placeholder syntax, as Lexis's `{}`:
    printf's `%s`/`%d`, Python's `{0}`/`{name}`, JavaScript's `${name}`, Mustache's `{{name}}`.
    Certain when the placeholders say which input goes where (indexes, or names equal to the
    input ids); likely when named placeholders are taken in input order. Formatting specs
    (`%.2f`, `{:>4}`) are not repaired: `{}` cannot express them."""
    n = len(inputs)
    if "{" not in template and "}" not in template:
        specs = [m.group() for m in _PRINTF.finditer(template)]
        if sum(1 for s in specs if s != "%%") == n and n > 0:
            new = _PRINTF.sub(lambda m: "%" if m.group() == "%%" else "{}", template)
            return TemplateRepair(new, list(inputs), Evidence.CERTAIN)
        return None
    mustache = _MUSTACHE.findall(template)
    if mustache and len(mustache) == n and "{}" not in template:
        fields = mustache
        body = _MUSTACHE.sub("\x00", template)
    else:
        fields = []
        pieces: list[str] = []
        pos = 0
        for m in _BRACE_FIELD.finditer(template):
            if m.group() in ("{{", "}}"):
                continue
            fields.append(m.group(1).strip())
            pieces.append(template[pos : m.start()])
            pos = m.end()
        pieces.append(template[pos:])
        if "{" in "".join(pieces).replace("{{", "") or "}" in "".join(pieces).replace("}}", ""):
            return None
        body = "\x00".join(pieces)
    if len(fields) != n or n == 0:
        return None
    new_template = body.replace("\x00", "{}")
    if all(f.isdigit() for f in fields):
        order = [int(f) for f in fields]
        if sorted(order) != list(range(n)):
            return None
        return TemplateRepair(new_template, [inputs[i] for i in order], Evidence.CERTAIN)
    if all(_FIELD_NAME.fullmatch(f) for f in fields) and len(set(fields)) == n:
        if set(fields) == set(inputs) and len(set(inputs)) == n:
            return TemplateRepair(new_template, list(fields), Evidence.CERTAIN)
        return TemplateRepair(new_template, list(inputs), Evidence.LIKELY)
    if all(f == "" for f in fields):
        return None  # already `{}`: the count is what is wrong
    return None


def print_template(texts: list[str | None]) -> str:
    """The `format` template that prints the values as Python's print does, separated by a
    space — except where a constant text already ends (or the next begins) with whitespace:
    `print("Total: ", n)` was written to read `Total: 42`. ``texts`` holds each input's
    constant text, or None when it is not a constant string."""
    out = "{}"
    for before, after in pairwise(texts):
        joined = (before is not None and before[-1:].isspace()) or (
            after is not None and after[:1].isspace()
        )
        out += "{}" if joined else " {}"
    return out
