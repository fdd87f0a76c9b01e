"""Documents for the fuzzer: seeds from the repository, mutators, random documents, and the LSP
text model (lines end at \\n, \\r\\n or \\r only; positions in the negotiated encoding)."""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# line breaks for LSP are \n, \r\n and \r; these others are not, but Python's splitlines
# breaks on them
ODD_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
LINE_BREAKS = ["\n", "\r\n", "\r"]
UNICODE = ["é", "😀", "𝔘", "\u200b", "\ufeff", "中文", "\u0301", "\U0010ffff", "\x00", "\x7f"]
JSON_TOKENS = [
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    '"',
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    "1.5",
    "-0",
    '""',
    '"id"',
    '"op"',
    '"nodes"',
    '"spec"',
    '"lexis-0.1.0"',
    '"value"',
    '"inputs"',
    '"a"',
    '"$a"',
    '"add"',
    '"const"',
    '"if"',
    '"map"',
    '"params"',
    '"body"',
    '"output"',
    "{}",
    "[]",
    '{"id": "x", "op": "const", "value": 1}',
    "//",
    "/*",
    "*/",
    "'",
    "\\",
    '"\\ud800"',
    '"\\udc00"',
    '"\\ud83d\\ude00"',
    '"\\u0000"',
    '"\\uZZZZ"',
    "NaN",
    "Infinity",
    "None",
    "True",
    "```",
]
STRING_ESCAPES = ["\\ud800", "\\udfff", "\\ud800\\ud800", "\\u0000", "\\n", "\\u2028", "\\\\"]


@cache
def seeds() -> tuple[str, ...]:
    paths = sorted(ROOT.glob("examples/*.lexis.json"))
    paths += sorted(ROOT.glob("tests/cases/*.lexis.json"))
    paths += sorted(ROOT.glob("tests/repair/corpus/**/*.lexis.json"))
    out = []
    for path in paths:
        try:
            out.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return tuple(out) or ('{"spec": "lexis-0.1.0", "nodes": []}',)


def _span(rng: random.Random, text: str, most: int = 40) -> tuple[int, int]:
    start = rng.randrange(len(text) + 1)
    return start, min(len(text), start + rng.randrange(most + 1))


def flip_byte(rng: random.Random, text: str) -> str:
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    if not data:
        return text
    i = rng.randrange(len(data))
    data[i] ^= 1 << rng.randrange(8)
    return data.decode("utf-8", "replace")


def delete(rng: random.Random, text: str) -> str:
    s, e = _span(rng, text)
    return text[:s] + text[e:]


def duplicate(rng: random.Random, text: str) -> str:
    s, e = _span(rng, text, 200)
    at = rng.randrange(len(text) + 1)
    return text[:at] + text[s:e] + text[at:]


def insert(rng: random.Random, text: str, piece: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + piece + text[at:]


def insert_token(rng: random.Random, text: str) -> str:
    return insert(rng, text, rng.choice(JSON_TOKENS))


def insert_unicode(rng: random.Random, text: str) -> str:
    return insert(rng, text, rng.choice(UNICODE + ODD_BREAKS))


def inside_string(rng: random.Random, text: str) -> str:
    """A lone surrogate escape, an odd line break or a raw character inside a string."""
    quotes = [m.end() for m in re.finditer(r'"', text)]
    if not quotes:
        return insert_token(rng, text)
    at = rng.choice(quotes)
    piece = rng.choice(STRING_ESCAPES + ODD_BREAKS + UNICODE)
    return text[:at] + piece + text[at:]


def line_breaks(rng: random.Random, text: str) -> str:
    new = rng.choice(LINE_BREAKS + ODD_BREAKS)
    if rng.random() < 0.5:
        return text.replace("\n", new)
    return insert(rng, text, new)


def long_line(rng: random.Random, text: str) -> str:
    n = rng.choice([1000, 10000, 100000])
    piece = rng.choice([" " * n, "a" * n, '"' + "x" * n + '"', "1" * n, "😀" * (n // 10)])
    return insert(rng, text, piece)


def deep_nesting(rng: random.Random, text: str) -> str:
    n = rng.choice([50, 500, 3000, 20000])
    kind = rng.choice(["[", "{", '{"a":', '{"op": "add", "inputs": ['])
    close = {"[": "]", "{": "}", '{"a":': "}", '{"op": "add", "inputs": [': "]}"}[kind]
    tail = close * n if rng.random() < 0.6 else ""
    return insert(rng, text, kind * n + "1" + tail)


def node_soup(rng: random.Random, text: str) -> str:
    """Replace a node's value with other Lexis-looking JSON."""
    pieces = [
        '{"id": "a", "op": "add", "inputs": ["$b", 1]}',
        '{"id": "b", "op": "map", "inputs": ["$a"], "body": {"nodes": []}}',
        '{"id": "c", "op": "if", "inputs": [true, "$a", "$c"]}',
        '{"id": "a", "op": "const", "value": "\\ud800"}',
        '{"op": "print", "inputs": ["$nope"]}',
        '{"id": "" , "op": ""}',
        '{"id": "d", "op": "format", "inputs": ["{0} {x}", "$a"]}',
    ]
    return insert(rng, text, rng.choice(pieces) + ",")


MUTATORS = [
    flip_byte,
    delete,
    delete,
    duplicate,
    insert_token,
    insert_token,
    insert_unicode,
    inside_string,
    line_breaks,
    node_soup,
]


def huge_number(rng: random.Random, text: str) -> str:
    digits = rng.choice([400, 4301, 10000, 100000])
    piece = rng.choice(["1" * digits, "-" + "9" * digits, "1." + "5" * digits, "1e" + "9" * 30])
    at = [m.end() for m in re.finditer(r'"value"\s*:\s*', text)]
    if at and rng.random() < 0.7:
        i = rng.choice(at)
        return text[:i] + piece + text[i:]
    return insert(rng, text, piece)


RARE_MUTATORS = [long_line, deep_nesting, huge_number]


def mutate(rng: random.Random, text: str, rounds: int | None = None) -> str:
    for _ in range(rounds if rounds is not None else rng.choice([1, 1, 2, 3, 5, 10])):
        text = rng.choice(MUTATORS)(rng, text)
    if rng.random() < 0.08:
        text = rng.choice(RARE_MUTATORS)(rng, text)
    return text


def random_json(rng: random.Random, depth: int = 0) -> object:
    r = rng.random()
    if depth > 4 or r < 0.3:
        return rng.choice([None, True, False, 0, -1, 2.5, "", "$a", "x\u2028y", "\ud800", "é"])
    if r < 0.6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["id", "op", "inputs", "value", "nodes", "spec", "params", "body", "output", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def random_document(rng: random.Random) -> str:
    """A document built from scratch: Lexis-shaped JSON with random nodes."""
    ops = ["const", "add", "print", "map", "if", "format", "get", "concat", "len", "nope"]
    nodes = []
    for i in range(rng.randrange(8)):
        node: dict[str, object] = {"id": rng.choice(["a", "b", "c", f"n{i}"])}
        node["op"] = rng.choice(ops)
        if rng.random() < 0.7:
            node["inputs"] = [
                rng.choice(["$a", "$b", f"$n{i - 1}", 1, "s", None, random_json(rng, 3)])
                for _ in range(rng.randrange(4))
            ]
        if rng.random() < 0.3:
            node["value"] = random_json(rng, 2)
        nodes.append(node)
    doc: dict[str, object] = {"spec": "lexis-0.1.0", "nodes": nodes}
    if rng.random() < 0.3:
        doc[rng.choice(["output", "params", "extra"])] = random_json(rng, 2)
    indent = rng.choice([None, 2, 4])
    text = json.dumps(doc, indent=indent, ensure_ascii=rng.random() < 0.5)
    return text


def document(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.1:
        return random_document(rng)
    if r < 0.15:
        return rng.choice(["", " ", "\n", "{", "[", '"', "null", "\ufeff{}", "\r\n\r\n"])
    base = rng.choice(seeds())
    if r < 0.25:
        return base
    return mutate(rng, base)


# --- the LSP text model ----------------------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")


def lsp_lines(text: str) -> list[str]:
    """The lines of a text for LSP, without their line breaks."""
    return _BREAK.split(text)


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def units(s: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(s.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le", "surrogatepass")) // 2
    return len(s)


def to_position(text: str, offset: int, encoding: str) -> dict[str, int]:
    starts = line_starts(text)
    line = 0
    lo, hi = 0, len(starts) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            line = mid
            lo = mid + 1
        else:
            hi = mid - 1
    return {"line": line, "character": units(text[starts[line] : offset], encoding)}


def to_offset(text: str, pos: dict[str, int], encoding: str) -> tuple[int, bool]:
    """The code-point offset of a position, clamped as LSP says (a line past the end: the end of
    the text; a character past the end of its line: the end of the line). The flag is False when
    the position had to be clamped or falls inside a character."""
    starts = line_starts(text)
    lines = lsp_lines(text)
    line, char = pos["line"], pos["character"]
    if line < 0 or char < 0:
        return 0, False
    if line >= len(lines):
        return len(text), False
    content = lines[line]
    count = 0
    for i, ch in enumerate(content):
        if count == char:
            return starts[line] + i, True
        count += units(ch, encoding)
        if count > char:  # inside a character
            return starts[line] + i, False
    return starts[line] + len(content), count == char


def random_position(rng: random.Random, text: str, encoding: str) -> dict[str, int]:
    """Mostly valid positions, sometimes past the end or inside a character."""
    r = rng.random()
    if r < 0.75 or not text:
        return to_position(text, rng.randrange(len(text) + 1), encoding)
    lines = lsp_lines(text)
    if r < 0.85:
        line = rng.randrange(len(lines))
        return {"line": line, "character": units(lines[line], encoding) + rng.randrange(1, 50)}
    if r < 0.95:
        return {"line": len(lines) + rng.randrange(0, 5), "character": rng.randrange(5)}
    return {"line": rng.randrange(len(lines)), "character": rng.randrange(0, 200)}


def random_range(rng: random.Random, text: str, encoding: str) -> dict[str, dict[str, int]]:
    a = random_position(rng, text, encoding)
    b = random_position(rng, text, encoding)
    if (b["line"], b["character"]) < (a["line"], a["character"]) and rng.random() < 0.9:
        a, b = b, a
    return {"start": a, "end": b}
