"""The opcode registry: the single source of truth for Lexis's 93 opcodes and 8 capabilities.

Everything else derives from this table: the checks (arity, value rules, capabilities), the JSON
Schema in ``schema/``, the TextMate grammar's opcode lists, completion and hover texts. The data
is transcribed from LEXIS.md §4 and §6; ``tests/lang/test_opcodes.py`` re-reads LEXIS.md and fails
if the two disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Literal


class ValueRule(Enum):
    """What a node's ``value`` must be for an op."""

    NONE = "none"  # the op takes no value
    ANY = "required (any)"
    STRING = "required string"
    OPTIONAL_STRING = "optional string"
    TEMPLATE = "required template"
    PORT = "required int"
    DELAY_SECONDS = "required number"
    SUBGRAPH_REF = "required subgraph ref"
    CONFIG = "optional config"
    WIDGET = "required {type,...}"
    SHAPE = "required {shape,...}"

    @property
    def required(self) -> bool:
        return self.value.startswith("required")


V = ValueRule


@dataclass(frozen=True)
class Arity:
    """Allowed input counts: ``min``..``max`` (``None`` = unbounded), optionally even/odd only."""

    min: int
    max: int | None
    parity: Literal["any", "even", "odd"] = "any"

    @classmethod
    def parse(cls, text: str) -> Arity:
        m = re.fullmatch(r"(\d+)(?:-(\d+)|(\+))?(?: (even|odd))?", text)
        if not m:
            raise ValueError(f"bad arity {text!r}")
        lo = int(m.group(1))
        hi: int | None = int(m.group(2)) if m.group(2) else (None if m.group(3) else lo)
        parity: Literal["any", "even", "odd"] = "any"
        if m.group(4) == "even":
            parity = "even"
        elif m.group(4) == "odd":
            parity = "odd"
        return cls(lo, hi, parity)

    def accepts(self, n: int) -> bool:
        if n < self.min or (self.max is not None and n > self.max):
            return False
        if self.parity == "even":
            return n % 2 == 0
        if self.parity == "odd":
            return n % 2 == 1
        return True

    @property
    def fixed(self) -> bool:
        return self.max == self.min

    def describe(self) -> str:
        """Spec notation: ``2``, ``1-2``, ``0+``, ``0+ even``, ``3+ odd``."""
        if self.max is None:
            base = f"{self.min}+"
        elif self.max == self.min:
            base = str(self.min)
        else:
            base = f"{self.min}-{self.max}"
        return base if self.parity == "any" else f"{base} {self.parity}"

    def phrase(self) -> str:
        """English for messages: ``2 inputs``, ``1 or 2 inputs``, ``an even number of inputs``."""
        if self.parity == "even":
            return "an even number of inputs"
        if self.parity == "odd":
            return f"an odd number of inputs (at least {self.min})"
        if self.max is None:
            return f"at least {self.min} input{'s' if self.min != 1 else ''}"
        if self.max == self.min:
            return f"{self.min} input{'s' if self.min != 1 else ''}"
        if self.max == self.min + 1:
            return f"{self.min} or {self.max} inputs"
        return f"{self.min} to {self.max} inputs"


@dataclass(frozen=True)
class Capability:
    name: str
    trust: int
    summary: str


CAPABILITIES: dict[str, Capability] = {
    c.name: c
    for c in (
        Capability("PURE_COMPUTE", 0, "pure computation: every op without another capability"),
        Capability("IO_STDOUT", 1, "write to standard output (print)"),
        Capability("IO_STDIN", 2, "read from standard input (read_stdin)"),
        Capability("FS_READ", 2, "read files (read_file)"),
        Capability("FS_WRITE", 3, "write files (write_file)"),
        Capability("NETWORK_OUT", 3, "outgoing HTTP requests to allowed_domains (http_*)"),
        Capability("GUI_RENDER", 3, "open windows and run their event loop (gui_render)"),
        Capability("META_EVAL", 3, "evaluate a program built at run time (eval)"),
    )
}

# Ops with observable effects (never reported as unused, never merged as duplicates).
EFFECT_OPS = frozenset(
    {
        "print",
        "read_stdin",
        "read_file",
        "write_file",
        "http_get",
        "http_post",
        "http_request",
        "gui_render",
        "eval",
        "delay",
    }
)
# Ops whose result is not a function of their inputs and value.
NONDETERMINISTIC_OPS = EFFECT_OPS | {"random"}
# Ops that do not propagate an error value arriving on an input (LEXIS.md §6 "does not propagate"),
# plus try_or, whose whole point is to catch one.
NON_PROPAGATING_OPS = frozenset(
    {"is_error", "try_catch", "comment", "type_of", "has_key", "try_or"}
)
# Ops that produce a FUNC value.
FUNC_PRODUCERS = frozenset({"subgraph_def", "compose", "build_subgraph"})
# Which inputs must be FUNC values: op -> predicate over the input index (and input count).
FUNC_INPUTS: dict[str, str] = {
    "apply": "first",
    "compose": "all",
    "match": "guards_and_handlers",
    "quote": "first",
}
# Required input-port count of the referenced subgraph, for the ops that take one.
SUBGRAPH_ARITY: dict[str, int] = {"map": 1, "filter": 1, "iterate": 1, "retry": 1, "reduce": 2}

TIER_NAMES = {
    1: "Tier 1: core language",
    2: "Tier 2: functions & collections",
    3: "Tier 3: I/O & networking",
    4: "Tier 4: GUI",
    5: "Tier 5: meta-programming",
}

WIDGET_TYPES = (
    "label",
    "button",
    "text_input",
    "checkbox",
    "dropdown",
    "slider",
    "vbox",
    "hbox",
    "grid",
    "frame",
)
DRAW_SHAPES = ("rect", "oval", "line", "text", "polygon")
DELAY_MAX_SECONDS = 60


@dataclass(frozen=True)
class Opcode:
    name: str
    tier: int
    category: str
    arity: Arity
    value: ValueRule
    capability: str
    params: tuple[str, ...]
    semantics: str

    @property
    def trust(self) -> int:
        return CAPABILITIES[self.capability].trust

    @property
    def effect(self) -> bool:
        return self.name in EFFECT_OPS

    @property
    def deterministic(self) -> bool:
        return self.name not in NONDETERMINISTIC_OPS

    @property
    def propagates_errors(self) -> bool:
        return self.name not in NON_PROPAGATING_OPS

    def signature(self) -> str:
        """``replace(s, old, new)``; variadic parameters end in ``...``."""
        return f"{self.name}({', '.join(self.params)})"

    def param_name(self, index: int) -> str:
        """The name of input ``index`` (variadic tails repeat their last parameter)."""
        if not self.params:
            return f"input{index}"
        if index < len(self.params):
            return self.params[index].rstrip(".")
        last = self.params[-1]
        return last.rstrip(".") if last.endswith("...") else f"input{index}"

    def documentation(self) -> str:
        """Markdown shown by hover and completion."""
        lines = [
            f"**{self.signature()}** — {TIER_NAMES[self.tier]}, {self.category.replace('_', ' ')}",
            "",
            _sentence(self.semantics),
            "",
        ]
        lines.append(f"- inputs: {self.arity.describe()} ({self.arity.phrase()})")
        if self.value is not ValueRule.NONE:
            lines.append(f"- value: {self.value.value}")
        cap = CAPABILITIES[self.capability]
        lines.append(f"- capability: `{cap.name}` (trust level {cap.trust})")
        if not self.propagates_errors:
            lines.append("- an error value on an input does not propagate")
        return "\n".join(lines)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] if text else text


def _op(
    name: str,
    tier: int,
    category: str,
    arity: str,
    value: ValueRule,
    capability: str,
    params: tuple[str, ...],
    semantics: str,
) -> Opcode:
    return Opcode(name, tier, category, Arity.parse(arity), value, capability, params, semantics)


_TABLE = (
    _op(
        "const",
        1,
        "literal",
        "0",
        V.ANY,
        "PURE_COMPUTE",
        (),
        "the literal in `value` (any JSON value).",
    ),
    _op(
        "print",
        1,
        "literal",
        "1",
        V.NONE,
        "IO_STDOUT",
        ("x",),
        "writes `to_str(x)` and a newline to stdout; returns x unchanged.",
    ),
    _op(
        "param",
        1,
        "literal",
        "0",
        V.STRING,
        "PURE_COMPUTE",
        (),
        "the runtime parameter named by `value` (always a string); missing -> error value.",
    ),
    _op(
        "add",
        1,
        "arithmetic",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "a + b (numbers only; booleans are not numbers).",
    ),
    _op("sub", 1, "arithmetic", "2", V.NONE, "PURE_COMPUTE", ("a", "b"), "a - b."),
    _op("mul", 1, "arithmetic", "2", V.NONE, "PURE_COMPUTE", ("a", "b"), "a * b."),
    _op(
        "div",
        1,
        "arithmetic",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "a / b; an int when both are ints and b divides a, else a float; b == 0 -> error value.",
    ),
    _op(
        "mod",
        1,
        "arithmetic",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "a mod b with the sign of b (Python %); b == 0 -> error value.",
    ),
    _op("floor", 1, "math", "1", V.NONE, "PURE_COMPUTE", ("x",), "largest int <= x."),
    _op("ceil", 1, "math", "1", V.NONE, "PURE_COMPUTE", ("x",), "smallest int >= x."),
    _op(
        "round",
        1,
        "math",
        "1-2",
        V.NONE,
        "PURE_COMPUTE",
        ("x", "ndigits"),
        "round(x) or round(x, ndigits), half away from zero: round(2.5) = 3, round(3.456, 2) = 3.46.",
    ),
    _op(
        "power",
        1,
        "math",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "a ** b; a complex result -> error value.",
    ),
    _op(
        "sqrt",
        1,
        "math",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        "square root as a float; x < 0 -> error value.",
    ),
    _op(
        "random",
        1,
        "math",
        "0",
        V.NONE,
        "PURE_COMPUTE",
        (),
        "a float in [0, 1). Impure: never cached, never constant-folded.",
    ),
    _op(
        "gt",
        1,
        "comparison",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "a > b; numbers with numbers or strings with strings, else error value.",
    ),
    _op("lt", 1, "comparison", "2", V.NONE, "PURE_COMPUTE", ("a", "b"), "a < b (as gt)."),
    _op(
        "eq",
        1,
        "comparison",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "deep equality; true != 1 and 1 == 1.0.",
    ),
    _op("gte", 1, "comparison", "2", V.NONE, "PURE_COMPUTE", ("a", "b"), "a >= b (as gt)."),
    _op("lte", 1, "comparison", "2", V.NONE, "PURE_COMPUTE", ("a", "b"), "a <= b (as gt)."),
    _op(
        "not",
        1,
        "logic",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        'logical not of truthiness (false, null, 0, "", [], {} are falsy).',
    ),
    _op(
        "and",
        1,
        "logic",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "both truthy -> true, else false.",
    ),
    _op(
        "or",
        1,
        "logic",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "either truthy -> true, else false.",
    ),
    _op(
        "concat",
        1,
        "string",
        "2+",
        V.NONE,
        "PURE_COMPUTE",
        ("parts...",),
        "concatenation of `to_str` of every input, in order.",
    ),
    _op(
        "length",
        1,
        "string",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        "length of a string, sequence or dict; else error value.",
    ),
    _op(
        "to_str",
        1,
        "string",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        "canonical text: strings unchanged; ints as `42`; floats as Python repr (`2.5`, `0.30000000000000004`); `true`/`false`/`null`; sequences and dicts as JSON with separators `,` and `:` and no spaces, keys in insertion order, non-ASCII kept; a FUNC as `<func HASH12>`; an error value as `Error: MESSAGE (at node ID)`.",
    ),
    _op(
        "to_num",
        1,
        "string",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        "string -> int or float (error value if unparsable); true/false -> 1/0; numbers unchanged.",
    ),
    _op(
        "format",
        1,
        "string",
        "0+",
        V.TEMPLATE,
        "PURE_COMPUTE",
        ("args...",),
        "`value` is a template whose `{}` placeholders are filled, in order, by `to_str` of the inputs; `{{` and `}}` are literal braces. Placeholder count must equal input count (LX1013).",
    ),
    _op("upper", 1, "string", "1", V.NONE, "PURE_COMPUTE", ("s",), "upper-case string."),
    _op("lower", 1, "string", "1", V.NONE, "PURE_COMPUTE", ("s",), "lower-case string."),
    _op(
        "trim",
        1,
        "string",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("s",),
        "string without leading/trailing whitespace.",
    ),
    _op(
        "replace",
        1,
        "string",
        "3",
        V.NONE,
        "PURE_COMPUTE",
        ("s", "old", "new"),
        "replace(s, old, new): every occurrence.",
    ),
    _op(
        "starts_with",
        1,
        "string",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("s", "prefix"),
        "s starts with prefix -> bool.",
    ),
    _op(
        "ends_with",
        1,
        "string",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("s", "suffix"),
        "s ends with suffix -> bool.",
    ),
    _op(
        "contains",
        1,
        "string",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("haystack", "needle"),
        "substring of a string, element of a sequence, or key of a dict -> bool.",
    ),
    _op(
        "sequence",
        1,
        "collection",
        "0+",
        V.NONE,
        "PURE_COMPUTE",
        ("items...",),
        "a list of the inputs, in order.",
    ),
    _op(
        "index",
        1,
        "collection",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("seq_or_str", "i"),
        "index(seq_or_str, i); negative i counts from the end; out of range -> error value.",
    ),
    _op(
        "range",
        1,
        "collection",
        "2-3",
        V.NONE,
        "PURE_COMPUTE",
        ("start", "stop", "step"),
        "range(start, stop[, step]) as a list of ints; without step the direction follows start/stop; step 0 or more than 10,000 elements -> error value.",
    ),
    _op(
        "select",
        1,
        "control",
        "3",
        V.NONE,
        "PURE_COMPUTE",
        ("cond", "then", "else"),
        "select(cond, then, else): `then` when cond is truthy, else `else`. Only an error in cond or in the chosen branch propagates.",
    ),
    _op(
        "try_or",
        1,
        "control",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("x", "fallback"),
        "try_or(x, fallback): fallback when x is an error value, else x.",
    ),
    _op(
        "is_error",
        1,
        "control",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        "true when x is an error value (does not propagate).",
    ),
    _op(
        "try_catch",
        1,
        "control",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        'always a dict `{"ok": bool, "value": x or null, "error": message or null}` (does not propagate).',
    ),
    _op(
        "comment",
        1,
        "control",
        "1",
        V.OPTIONAL_STRING,
        "PURE_COMPUTE",
        ("x",),
        "returns x unchanged; `value` is an optional label string (does not propagate, passes errors through).",
    ),
    _op(
        "assert",
        1,
        "control",
        "2",
        V.OPTIONAL_STRING,
        "PURE_COMPUTE",
        ("cond", "x"),
        "assert(cond, x): x when cond is truthy, else an error value whose message is `value` (optional string) or 'assertion failed'.",
    ),
    _op(
        "split",
        2,
        "string",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("s", "delim"),
        "split(s, delim); an empty delim splits into characters.",
    ),
    _op(
        "slice",
        2,
        "string",
        "2-3",
        V.NONE,
        "PURE_COMPUTE",
        ("seq_or_str", "start", "end"),
        "slice(seq_or_str, start[, end]) with Python slice semantics (indices clamp).",
    ),
    _op(
        "dict",
        2,
        "dict",
        "0+ even",
        V.NONE,
        "PURE_COMPUTE",
        ("key_value...",),
        "a dict from alternating key, value inputs (even count; keys must be strings).",
    ),
    _op(
        "get",
        2,
        "dict",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("dict", "key"),
        "get(dict, key); missing key -> error value.",
    ),
    _op(
        "keys", 2, "dict", "1", V.NONE, "PURE_COMPUTE", ("dict",), "list of keys (insertion order)."
    ),
    _op("values", 2, "dict", "1", V.NONE, "PURE_COMPUTE", ("dict",), "list of values."),
    _op(
        "set",
        2,
        "dict",
        "3",
        V.NONE,
        "PURE_COMPUTE",
        ("dict", "key", "v"),
        "set(dict, key, v) -> a new dict (inputs are never mutated).",
    ),
    _op(
        "delete_key",
        2,
        "dict",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("dict", "key"),
        "a new dict without key; a missing key is a no-op.",
    ),
    _op("items", 2, "dict", "1", V.NONE, "PURE_COMPUTE", ("dict",), "list of [key, value] pairs."),
    _op(
        "has_key",
        2,
        "dict",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("x", "key"),
        "true when x is a dict containing key; never an error (does not propagate).",
    ),
    _op(
        "sort",
        2,
        "sequence",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("seq",),
        "ascending sort of a homogeneous list (all numbers or all strings); mixed -> error value.",
    ),
    _op(
        "reverse",
        2,
        "sequence",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("seq_or_str",),
        "reversed list or string.",
    ),
    _op(
        "merge",
        2,
        "sequence",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("d1", "d2"),
        "merge(d1, d2): union, d2 wins on conflicts.",
    ),
    _op(
        "zip",
        2,
        "sequence",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("a", "b"),
        "list of [a_i, b_i] pairs, truncated to the shorter.",
    ),
    _op(
        "flatten", 2, "sequence", "1", V.NONE, "PURE_COMPUTE", ("seq",), "one level of flattening."
    ),
    _op(
        "unique",
        2,
        "sequence",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("seq",),
        "first occurrences kept, order preserved (works for unhashable values).",
    ),
    _op(
        "take",
        2,
        "sequence",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("seq", "n"),
        "first n elements (clamped).",
    ),
    _op(
        "drop",
        2,
        "sequence",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("seq", "n"),
        "all but the first n (clamped).",
    ),
    _op(
        "enumerate",
        2,
        "sequence",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("seq",),
        "list of [i, x] pairs from 0.",
    ),
    _op(
        "type_of",
        2,
        "type",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("x",),
        'one of "NUM", "STR", "BOOL", "NULL", "SEQ", "DICT", "FUNC", "ERROR" (does not propagate).',
    ),
    _op(
        "delay",
        2,
        "utility",
        "1",
        V.DELAY_SECONDS,
        "PURE_COMPUTE",
        ("x",),
        "sleeps `value` seconds (0 to 60) and returns x unchanged.",
    ),
    _op(
        "subgraph_def",
        2,
        "subgraph",
        "0",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        (),
        "a FUNC value: the subgraph named by `value`.",
    ),
    _op(
        "subgraph_call",
        2,
        "subgraph",
        "0+",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("args...",),
        "calls the subgraph named by `value` with the inputs bound to input ports 0..n-1; the result is output port 0, or a list of all outputs when it has several.",
    ),
    _op(
        "input_port",
        2,
        "subgraph",
        "0",
        V.PORT,
        "PURE_COMPUTE",
        (),
        "inside a subgraph only: the argument at port `value` (int).",
    ),
    _op(
        "output_port",
        2,
        "subgraph",
        "1",
        V.PORT,
        "PURE_COMPUTE",
        ("x",),
        "inside a subgraph only: marks x as the result at port `value` (int).",
    ),
    _op(
        "map",
        2,
        "higher_order",
        "1",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("seq",),
        "applies the 1-input subgraph `value` to every element; the first error value short-circuits.",
    ),
    _op(
        "filter",
        2,
        "higher_order",
        "1",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("seq",),
        "keeps the elements for which the 1-input subgraph `value` returns a truthy value.",
    ),
    _op(
        "reduce",
        2,
        "higher_order",
        "2",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("seq", "init"),
        "reduce(seq, init) folds the 2-input subgraph `value` (acc, item) over seq.",
    ),
    _op(
        "iterate",
        2,
        "higher_order",
        "2",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("init", "max_steps"),
        "iterate(init, max_steps): repeatedly applies the 1-input subgraph `value`, which returns [new_value, should_stop]; stops when should_stop is truthy or after max_steps; returns the last value.",
    ),
    _op(
        "retry",
        2,
        "higher_order",
        "2",
        V.SUBGRAPH_REF,
        "PURE_COMPUTE",
        ("arg", "max_attempts"),
        "retry(arg, max_attempts): calls the 1-input subgraph `value` until it returns a non-error value, at most max_attempts times; returns the last result.",
    ),
    _op(
        "compose",
        2,
        "higher_order",
        "2",
        V.NONE,
        "PURE_COMPUTE",
        ("f", "g"),
        "compose(f, g) with FUNC inputs: the FUNC x -> g(f(x)); it is a real subgraph with its own content hash.",
    ),
    _op(
        "apply",
        2,
        "higher_order",
        "1+",
        V.NONE,
        "PURE_COMPUTE",
        ("f", "args..."),
        "apply(f, args...): calls FUNC f with the remaining inputs.",
    ),
    _op(
        "match",
        2,
        "higher_order",
        "3+ odd",
        V.NONE,
        "PURE_COMPUTE",
        ("x", "guard", "handler..."),
        "match(x, guard1, handler1, guard2, handler2, ...): FUNC inputs; the handler of the first guard that returns truthy for x is applied to x (lazy: other handlers never run); no match -> error value.",
    ),
    _op(
        "read_file",
        3,
        "io",
        "1",
        V.NONE,
        "FS_READ",
        ("path",),
        "file contents as a string (UTF-8).",
    ),
    _op(
        "write_file",
        3,
        "io",
        "2",
        V.NONE,
        "FS_WRITE",
        ("path", "content"),
        "write_file(path, content) writes `to_str(content)`; returns path.",
    ),
    _op(
        "read_stdin",
        3,
        "io",
        "0",
        V.NONE,
        "IO_STDIN",
        (),
        "one line from stdin without its newline; EOF -> error value.",
    ),
    _op(
        "http_get",
        3,
        "network",
        "1",
        V.CONFIG,
        "NETWORK_OUT",
        ("url",),
        "GET url; the body (parsed when the response is JSON). `value` may hold config: allow_http, follow_redirects, timeout.",
    ),
    _op(
        "http_post",
        3,
        "network",
        "2",
        V.CONFIG,
        "NETWORK_OUT",
        ("url", "body"),
        "POST body to url (dicts and lists sent as JSON); the response body.",
    ),
    _op(
        "http_request",
        3,
        "network",
        "3",
        V.CONFIG,
        "NETWORK_OUT",
        ("url", "method", "body"),
        'request(url, method, body) -> {"status", "headers", "body"}.',
    ),
    _op(
        "gui_window",
        4,
        "gui",
        "0+",
        V.CONFIG,
        "PURE_COMPUTE",
        ("children...",),
        "window descriptor dict: `value` {title, width, height}; inputs are children.",
    ),
    _op(
        "gui_widget",
        4,
        "gui",
        "0+",
        V.WIDGET,
        "PURE_COMPUTE",
        ("children...",),
        "widget descriptor: `value` {type, ...}; type is one of label, button, text_input, checkbox, dropdown, slider, vbox, hbox, grid, frame.",
    ),
    _op(
        "gui_canvas",
        4,
        "gui",
        "1",
        V.CONFIG,
        "PURE_COMPUTE",
        ("draw_commands",),
        "canvas descriptor holding a list of draw commands; `value` {width, height}.",
    ),
    _op(
        "gui_draw",
        4,
        "gui",
        "0+",
        V.SHAPE,
        "PURE_COMPUTE",
        ("points...",),
        "draw command: `value` {shape, ...}; shape is one of rect, oval, line, text, polygon.",
    ),
    _op(
        "gui_state",
        4,
        "gui",
        "0-1",
        V.STRING,
        "PURE_COMPUTE",
        ("initial",),
        "reactive state variable named by `value`, initialised from the optional input.",
    ),
    _op(
        "gui_render",
        4,
        "gui",
        "1",
        V.NONE,
        "GUI_RENDER",
        ("window",),
        "renders the window and runs its event loop; returns the final state dict. Without a display -> error value.",
    ),
    _op(
        "emit_node",
        5,
        "meta",
        "3",
        V.NONE,
        "PURE_COMPUTE",
        ("id", "op", "inputs"),
        "emit_node(id, op, inputs) -> a node descriptor dict.",
    ),
    _op(
        "build_subgraph",
        5,
        "meta",
        "3",
        V.NONE,
        "PURE_COMPUTE",
        ("nodes", "input_count", "output_count"),
        "build_subgraph(nodes, input_count, output_count) validates the node dicts as a subgraph and returns it as a FUNC (error value when invalid).",
    ),
    _op(
        "quote",
        5,
        "meta",
        "1",
        V.NONE,
        "PURE_COMPUTE",
        ("f",),
        'quote(f) -> the subgraph of FUNC f as a dict {"nodes": [...]}.',
    ),
    _op(
        "reflect",
        5,
        "meta",
        "0",
        V.NONE,
        "PURE_COMPUTE",
        (),
        'a dict describing this program: {"nodes": [{id, op, inputs}], "capabilities": [...]}.',
    ),
    _op(
        "eval",
        5,
        "meta",
        "1",
        V.NONE,
        "META_EVAL",
        ("program",),
        'eval(program_dict) parses, validates, verifies and runs a program dict; its capabilities are (declared by it) ∩ (this program\'s) − {META_EVAL}; depth at most 3; returns {"output": [lines the inner program printed, captured rather than written to stdout], "values": {node_id: value}} or an error value.',
    ),
)

OPCODES: dict[str, Opcode] = {op.name: op for op in _TABLE}
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(op.category for op in _TABLE))


def ops_needing(capability: str) -> list[str]:
    return [op.name for op in _TABLE if op.capability == capability]
