"""The small expression language of conditional breakpoints and of `evaluate`.

An expression compares node values with JSON literals::

    sum > 10
    word == "lexis" and not done
    (n >= 3 or big) and status != null

- an operand is a node id of the frame (``sum``; a node not computed yet reads as ``null``), a
  JSON literal (``10``, ``-2.5``, ``"text"``, ``true``, ``false``, ``null``, ``[1, 2]``,
  ``{"k": 1}``) or a parenthesised expression;
- comparisons: ``==`` and ``!=`` (Lexis equality: deep, ``1 == 1.0``, ``true != 1``), and
  ``<``, ``<=``, ``>``, ``>=`` between two numbers or two strings (anything else is false);
- ``not``, ``and``, ``or`` (in rising order of binding looseness) use Lexis truthiness: false,
  null, 0, "", [] and {} are falsy.

There is no arithmetic: ``-`` and ``.`` belong to ids (``a-b`` is one id, as in Lexis).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..lang.values import is_number, lexis_equal, truthy

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_OPS = ("==", "!=", "<=", ">=", "<", ">")
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}
_DECODER = json.JSONDecoder(parse_constant=lambda name: _reject(name))


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class ConditionError(Exception):
    """A syntax error, with the offset where it was found."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Token:
    kind: str  # "id", "lit", "op", "kw", "(", ")", "end"
    text: str
    value: Any
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(Token(ch, ch, None, i))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token("op", op, None, i))
            i += len(op)
            continue
        m = _ID.match(text, i)
        if m is not None:
            word = m.group()
            if word in ("true", "false", "null"):
                tokens.append(Token("lit", word, json.loads(word), i))
            elif word in _KEYWORDS:
                tokens.append(Token("kw", word, None, i))
            else:
                tokens.append(Token("id", word, None, i))
            i = m.end()
            continue
        if ch in '"[{-' or ch.isdigit():
            try:
                value, end = _DECODER.raw_decode(text, i)
            except ValueError as exc:
                raise ConditionError(f"invalid JSON literal: {exc}", i) from None
            tokens.append(Token("lit", text[i:end], value, i))
            i = end
            continue
        if ch == "=":
            raise ConditionError("use `==` to compare", i)
        raise ConditionError(f"unexpected character {ch!r}", i)
    tokens.append(Token("end", "", None, n))
    return tokens


# The syntax tree: ("lit", value) | ("id", name) | ("not", e) | ("and"|"or", a, b)
#                  | ("cmp", op, a, b)
Expr = tuple[Any, ...]


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    def expr(self) -> Expr:
        left = self.conj()
        while self.peek().kind == "kw" and self.peek().text == "or":
            self.take()
            left = ("or", left, self.conj())
        return left

    def conj(self) -> Expr:
        left = self.neg()
        while self.peek().kind == "kw" and self.peek().text == "and":
            self.take()
            left = ("and", left, self.neg())
        return left

    def neg(self) -> Expr:
        if self.peek().kind == "kw" and self.peek().text == "not":
            self.take()
            return ("not", self.neg())
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        if self.peek().kind == "op":
            op = self.take().text
            right = self.operand()
            if self.peek().kind == "op":
                tok = self.peek()
                raise ConditionError(
                    f"comparisons do not chain: use `and` before `{tok.text}`", tok.offset
                )
            return ("cmp", op, left, right)
        return left

    def operand(self) -> Expr:
        tok = self.take()
        if tok.kind == "id":
            return ("id", tok.text)
        if tok.kind == "lit":
            return ("lit", tok.value)
        if tok.kind == "(":
            inner = self.expr()
            close = self.take()
            if close.kind != ")":
                raise ConditionError("expected `)`", close.offset)
            return inner
        if tok.kind == "end":
            raise ConditionError("the expression ends too early", tok.offset)
        raise ConditionError(f"unexpected `{tok.text}`", tok.offset)


# Conditions and watch expressions are short; the tree is walked recursively, so its size is
# bounded (a limit of the debugger, stated in the error, not a crash).
MAX_TOKENS = 128


def parse(text: str) -> Expr:
    """The syntax tree of ``text``; raises :class:`ConditionError`."""
    tokens = tokenize(text)
    if len(tokens) > MAX_TOKENS:
        raise ConditionError(
            f"the expression is too long ({len(tokens) - 1} tokens; at most {MAX_TOKENS})",
            tokens[MAX_TOKENS].offset,
        )
    parser = _Parser(tokens)
    tree = parser.expr()
    tok = parser.peek()
    if tok.kind != "end":
        raise ConditionError(f"unexpected `{tok.text}`", tok.offset)
    return tree


def ids(tree: Expr) -> list[str]:
    """The node ids an expression reads, in order of appearance."""
    out: list[str] = []
    kind = tree[0]
    if kind == "id":
        out.append(tree[1])
    elif kind == "not":
        out.extend(ids(tree[1]))
    elif kind in ("and", "or"):
        out.extend(ids(tree[1]))
        out.extend(ids(tree[2]))
    elif kind == "cmp":
        out.extend(ids(tree[2]))
        out.extend(ids(tree[3]))
    return out


def _ordered(op: str, a: Any, b: Any) -> bool:
    if not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def evaluate(tree: Expr, values: dict[str, Any]) -> Any:
    """The value of ``tree`` with node ids read from ``values`` (absent ids read as null)."""
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "id":
        return values.get(tree[1])
    if kind == "not":
        return not truthy(evaluate(tree[1], values))
    if kind == "and":
        return truthy(evaluate(tree[1], values)) and truthy(evaluate(tree[2], values))
    if kind == "or":
        return truthy(evaluate(tree[1], values)) or truthy(evaluate(tree[2], values))
    op, a, b = tree[1], evaluate(tree[2], values), evaluate(tree[3], values)
    if op == "==":
        return lexis_equal(a, b)
    if op == "!=":
        return not lexis_equal(a, b)
    return _ordered(op, a, b)


@dataclass
class Condition:
    text: str
    tree: Expr

    def holds(self, values: dict[str, Any]) -> bool:
        return truthy(evaluate(self.tree, values))


def compile_condition(text: str) -> Condition:
    return Condition(text, parse(text))
