"""The TextMate grammar ``source.lexis``, generated from the opcode registry.

The grammar highlights the JSON structure of a Lexis program and what it means: opcode names in
``"op"`` (scoped by category, ``support.function.lexis.<category>``), node id definitions in
``"id"`` versus references in ``"inputs"``, capability names, ``std:`` subgraph references,
64-hex content hashes, subgraph names, documentation strings, and JSON that is not valid
(comments, single quotes, trailing commas, bare words, anything after the program's object) as
``invalid.illegal``.

It is pure data: no LSP, no editor. The committed copy lives in
``vscode-extension/syntaxes/lexis.tmLanguage.json``; regenerate it with::

    python -m lexis_ls.lang.textmate --write

``tests/lang/test_textmate.py`` fails when the committed file drifts from the registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lexis_ls.lang.opcodes import CAPABILITIES, CATEGORIES, OPCODES

SCOPE = "source.lexis"
#: Where the VS Code extension keeps the grammar, relative to the repository root.
GRAMMAR_RELPATH = Path("vscode-extension") / "syntaxes" / "lexis.tmLanguage.json"
#: A `vscode-tmgrammar-test` unit test asserting the scope of every opcode, also generated.
OPCODE_TEST_RELPATH = (
    Path("vscode-extension") / "test" / "grammar" / "unit" / "opcodes.generated.lexis.json"
)

NODE_ID = r"[A-Za-z_][A-Za-z0-9_.-]*"
STD_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
HASH = r"[0-9a-fA-F]{64}"
NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![0-9A-Za-z_.+-])"

Rule = dict[str, Any]


def _alternation(words: list[str]) -> str:
    # Longest first so that no name is cut short by a prefix of it.
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


def _quoted(inner: str, inner_scope: str, string_scope: str = "string.quoted.double.lexis") -> Rule:
    """A whole one-line string ``"inner"`` whose content gets ``inner_scope``."""
    return {
        "match": f'(")({inner})(")',
        "name": string_scope,
        "captures": {
            "1": {"name": "punctuation.definition.string.begin.lexis"},
            "2": {"name": inner_scope},
            "3": {"name": "punctuation.definition.string.end.lexis"},
        },
    }


KEY_TEXT = '(?:[^"\\\\]|\\\\.)*'  # the text of any JSON string
PROPERTY_QUOTES = (
    "punctuation.support.type.property-name.begin.lexis",
    "punctuation.support.type.property-name.end.lexis",
)


def _member(
    key: str, key_scope: str, quotes: tuple[str, str], patterns: list[Rule], name: str = ""
) -> Rule:
    """An object member ``"key": VALUE`` (``key`` a regex), up to its comma or the closing
    brace; VALUE tries ``patterns`` first, then the generic value rules."""
    rule: Rule = {"name": name} if name else {}
    rule.update(
        {
            "begin": f'(")({key})(")\\s*(:)',
            "beginCaptures": {
                "1": {"name": quotes[0]},
                "2": {"name": key_scope},
                "3": {"name": quotes[1]},
                "4": {"name": "punctuation.separator.dictionary.key-value.lexis"},
            },
            "end": "(,)(?=\\s*[,}])|(,)|(?=\\})",
            "endCaptures": {
                "1": {"name": "invalid.illegal.trailing-comma.lexis"},
                "2": {"name": "punctuation.separator.dictionary.pair.lexis"},
            },
            "patterns": [*patterns, {"include": "#value"}],
        }
    )
    return rule


def _keyed_member(key: str, name: str, patterns: list[Rule]) -> Rule:
    """``"key": VALUE`` where VALUE is highlighted by ``patterns`` first, then as any value."""
    scope = f"support.type.property-name.lexis keyword.other.key.{name}.lexis"
    return _member(key, scope, PROPERTY_QUOTES, patterns, f"meta.member.{name}.lexis")


def _array_of(name: str, element_patterns: list[Rule]) -> Rule:
    """An array whose elements try ``element_patterns`` before the generic value rules."""
    return {
        "name": f"meta.structure.array.{name}.lexis" if name else "meta.structure.array.lexis",
        "begin": "\\[",
        "beginCaptures": {"0": {"name": "punctuation.definition.array.begin.lexis"}},
        "end": "\\]",
        "endCaptures": {"0": {"name": "punctuation.definition.array.end.lexis"}},
        "patterns": [*element_patterns, {"include": "#array-body"}],
    }


def opcode_rules() -> list[Rule]:
    """One rule per category: ``"name"`` with the name scoped ``support.function.lexis.<cat>``."""
    rules = []
    for category in CATEGORIES:
        names = [op.name for op in OPCODES.values() if op.category == category]
        rules.append(_quoted(f"(?:{_alternation(names)})", f"support.function.lexis.{category}"))
    return rules


def build_grammar() -> dict[str, Any]:
    """The grammar as a JSON-ready dict (deterministic: same registry, same output)."""
    capability_names = _alternation(list(CAPABILITIES))
    repository: dict[str, Rule] = {
        # ---- the document: one object, nothing after it ----
        "program": {
            "begin": "\\{",
            "beginCaptures": {"0": {"name": "punctuation.definition.dictionary.begin.lexis"}},
            # Never ends: once the program's own object closes, whatever follows is garbage.
            "end": "(?!)",
            "patterns": [
                {
                    "begin": "\\G",
                    "end": "\\}",
                    "endCaptures": {"0": {"name": "punctuation.definition.dictionary.end.lexis"}},
                    "patterns": [{"include": "#program-member"}, {"include": "#object-body"}],
                },
                {"include": "#not-json"},
                {"match": "\\S+", "name": "invalid.illegal.trailing-content.lexis"},
            ],
        },
        "program-member": {
            "patterns": [
                _keyed_member(
                    "spec",
                    "spec",
                    [_quoted('lexis-[^"\\\\]*', "constant.other.spec-version.lexis")],
                ),
                _keyed_member(
                    "capabilities",
                    "capabilities",
                    [
                        _array_of(
                            "capabilities",
                            [
                                _quoted(
                                    f"(?:{capability_names})",
                                    "support.constant.capability.lexis",
                                )
                            ],
                        )
                    ],
                ),
                _keyed_member("subgraphs", "subgraphs", [{"include": "#subgraphs-object"}]),
                _keyed_member("description", "description", [{"include": "#documentation-string"}]),
            ]
        },
        "subgraphs-object": {
            "name": "meta.structure.dictionary.subgraphs.lexis",
            "begin": "\\{",
            "beginCaptures": {"0": {"name": "punctuation.definition.dictionary.begin.lexis"}},
            "end": "\\}",
            "endCaptures": {"0": {"name": "punctuation.definition.dictionary.end.lexis"}},
            "patterns": [
                _member(
                    KEY_TEXT,
                    "entity.name.function.subgraph.lexis",
                    (
                        "punctuation.definition.subgraph.begin.lexis",
                        "punctuation.definition.subgraph.end.lexis",
                    ),
                    [],
                    "meta.member.subgraph.lexis",
                ),
                {"include": "#object-body"},
            ],
        },
        # ---- members whose key gives the value a Lexis meaning (any object) ----
        "lexis-member": {
            "patterns": [
                _keyed_member("op", "op", opcode_rules()),
                _keyed_member(
                    "id",
                    "id",
                    [_quoted(NODE_ID, "entity.name.variable.node.definition.lexis")],
                ),
                _keyed_member(
                    "inputs",
                    "inputs",
                    [
                        _array_of(
                            "inputs",
                            [_quoted(NODE_ID, "variable.other.node.reference.lexis")],
                        )
                    ],
                ),
                _keyed_member("doc", "doc", [{"include": "#documentation-string"}]),
            ]
        },
        "documentation-string": {
            "name": "string.quoted.double.lexis comment.block.documentation.lexis",
            "begin": '"',
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.lexis"}},
            "end": '"',
            "endCaptures": {"0": {"name": "punctuation.definition.string.end.lexis"}},
            "patterns": [{"include": "#string-escape"}],
        },
        # ---- generic JSON ----
        "value": {
            "patterns": [
                {"include": "#object"},
                {"include": "#array"},
                {"include": "#string"},
                {"include": "#number"},
                {"include": "#constant"},
                {"include": "#not-json"},
            ]
        },
        "object": {
            "name": "meta.structure.dictionary.lexis",
            "begin": "\\{",
            "beginCaptures": {"0": {"name": "punctuation.definition.dictionary.begin.lexis"}},
            "end": "\\}",
            "endCaptures": {"0": {"name": "punctuation.definition.dictionary.end.lexis"}},
            "patterns": [{"include": "#object-body"}],
        },
        "object-body": {
            "patterns": [
                {"include": "#lexis-member"},
                _member(KEY_TEXT, "support.type.property-name.lexis", PROPERTY_QUOTES, []),
                {"include": "#not-json"},
                {
                    "match": '[^\\s}"]+',
                    "name": "invalid.illegal.expected-dictionary-key.lexis",
                },
            ]
        },
        "array": _array_of("", []),
        "array-body": {
            "patterns": [
                {"include": "#value"},
                {"match": ",(?=\\s*[,\\]])", "name": "invalid.illegal.trailing-comma.lexis"},
                {"match": ",", "name": "punctuation.separator.array.lexis"},
                {"match": "[^\\s\\]]", "name": "invalid.illegal.expected-array-separator.lexis"},
            ]
        },
        "string": {
            "patterns": [
                {
                    "name": "string.quoted.double.lexis meta.reference.std.lexis",
                    "match": f'(")(std)(:)({STD_NAME})(")',
                    "captures": {
                        "1": {"name": "punctuation.definition.string.begin.lexis"},
                        "2": {"name": "entity.name.namespace.std.lexis"},
                        "3": {"name": "punctuation.separator.namespace.lexis"},
                        "4": {"name": "support.function.std.lexis"},
                        "5": {"name": "punctuation.definition.string.end.lexis"},
                    },
                },
                _quoted(HASH, "constant.other.hash.lexis"),
                {
                    "name": "string.quoted.double.lexis",
                    "begin": '"',
                    "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.lexis"}},
                    "end": '"',
                    "endCaptures": {"0": {"name": "punctuation.definition.string.end.lexis"}},
                    "patterns": [{"include": "#string-escape"}],
                },
            ]
        },
        "string-escape": {
            "patterns": [
                {
                    "match": '\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4})',
                    "name": "constant.character.escape.lexis",
                },
                {"match": "\\\\.?", "name": "invalid.illegal.unrecognized-string-escape.lexis"},
            ]
        },
        "number": {"match": NUMBER, "name": "constant.numeric.lexis"},
        "constant": {
            "patterns": [
                {"match": "\\b(?:true|false)\\b", "name": "constant.language.boolean.lexis"},
                {"match": "\\bnull\\b", "name": "constant.language.null.lexis"},
            ]
        },
        # ---- what JSON does not allow ----
        "not-json": {
            "patterns": [
                {"match": "//.*$", "name": "invalid.illegal.comment.lexis"},
                {
                    "begin": "/\\*",
                    "end": "\\*/",
                    "name": "invalid.illegal.comment.lexis",
                },
                {
                    "match": "'(?:[^'\\\\]|\\\\.)*'?",
                    "name": "invalid.illegal.single-quoted-string.lexis",
                },
                {
                    "match": "(?<![0-9A-Za-z_.+-])(?:[+-]?(?:NaN|Infinity)|[+-]?[0-9.][0-9A-Za-z_.+-]*)",
                    "name": "invalid.illegal.number.lexis",
                },
                {
                    "match": "[A-Za-z_$][0-9A-Za-z_$]*",
                    "name": "invalid.illegal.bare-word.lexis",
                },
            ]
        },
    }
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Lexis",
        "scopeName": SCOPE,
        "comment": (
            "Generated by `python -m lexis_ls.lang.textmate --write` from the opcode registry "
            "(lexis_ls/lang/opcodes.py). Do not edit by hand."
        ),
        "fileTypes": ["lexis.json"],
        "patterns": [
            {"include": "#program"},
            {"include": "#not-json"},
            {"match": "[^\\s{]+", "name": "invalid.illegal.expected-program-object.lexis"},
        ],
        "repository": repository,
    }


def render() -> str:
    """The grammar file's exact text."""
    return json.dumps(build_grammar(), indent=2, ensure_ascii=False) + "\n"


def render_opcode_test() -> str:
    """A ``vscode-tmgrammar-test`` unit test: every opcode in an ``"op"`` gets its category's
    scope (lines starting ``//`` are assertions, which the test runner does not tokenize)."""
    lines = [
        '// SYNTAX TEST "source.lexis" "every opcode of the registry, scoped by category '
        '(generated by python -m lexis_ls.lang.textmate --write)"',
        '{"spec": "lexis-0.1.0", "capabilities": [], "nodes": [',
    ]
    ops = list(OPCODES.values())
    for i, op in enumerate(ops):
        prefix = f'  {{"id": "n{i}", "op": "'
        comma = "," if i < len(ops) - 1 else ""
        lines.append(f'{prefix}{op.name}"}}{comma}')
        lines.append(
            "//"
            + " " * (len(prefix) - 2)
            + "^" * len(op.name)
            + f" support.function.lexis.{op.category}"
        )
    lines.append("]}")
    return "\n".join(lines) + "\n"


def generated_files() -> dict[Path, str]:
    """Every generated file, by path relative to the repository root, with its exact text."""
    return {GRAMMAR_RELPATH: render(), OPCODE_TEST_RELPATH: render_opcode_test()}


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lexis_ls.lang.textmate",
        description=(
            "Print the Lexis TextMate grammar generated from the opcode registry, or write or "
            "check the committed copies (the grammar and its generated opcode unit test)."
        ),
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--write",
        action="store_true",
        help=f"write {GRAMMAR_RELPATH} and {OPCODE_TEST_RELPATH} in the repository",
    )
    group.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a committed generated file differs from what the registry gives",
    )
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        sys.stdout.write(render())
        return 0
    root = repo_root()
    stale = []
    for relpath, text in generated_files().items():
        path = root / relpath
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {relpath}", file=sys.stderr)
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(relpath)
    for relpath in stale:
        print(
            f"{relpath} is out of date: run python -m lexis_ls.lang.textmate --write",
            file=sys.stderr,
        )
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
