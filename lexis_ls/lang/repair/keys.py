"""Key roles: which known key an unknown key of a node (or of the program) stands for.

Models write a node's ``op``, ``id``, ``inputs`` and ``value`` under the names other formats give
them (``type``, ``name``, ``args``, ``text``, ...). An unknown key is read as the key whose role
it plays when its name is one of that role's names (the table below, or a near-miss spelling of
the key itself) and its content fits the role. It is *assigned* (the model reads it that way and
the rename is a safe fix) only when the role is missing from the node, exactly one unknown key
fits it, and that key fits no other missing role (DIAGNOSTICS.md, "Fix safety"). Otherwise the
key is only reported, with the role as a suggestion where one fits.

To extend the vocabulary, add names to :data:`NODE_ROLES` (spelling is normalised: case, ``_``,
``-`` and spaces do not matter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..opcodes import OPCODES, ValueRule
from ..suggest import suggestions

NODE_KEYS = ("id", "op", "inputs", "value", "doc")

# role -> the names other formats give it (normalised below).
NODE_ROLES: dict[str, tuple[str, ...]] = {
    "op": (
        "type",
        "operation",
        "opcode",
        "opname",
        "optype",
        "operationtype",
        "nodetype",
        "kind",
        "fn",
        "func",
        "function",
        "operator",
        "action",
        "instruction",
        "command",
        "cmd",
        "method",
        "call",
        "builtin",
        "operation_name",
    ),
    "id": (
        "name",
        "nodeid",
        "node",
        "nodename",
        "key",
        "label",
        "identifier",
        "ident",
        "uid",
        "var",
        "variable",
        "ref",
        "handle",
        "output",
        "out",
        "result",
        "target",
        "assign",
        "assignto",
        "as",
    ),
    "inputs": (
        "input",
        "args",
        "arg",
        "arguments",
        "argument",
        "params",
        "parameters",
        "operands",
        "operand",
        "sources",
        "source",
        "from",
        "deps",
        "dependencies",
        "dependson",
        "in",
        "ins",
        "inputids",
        "inputnodes",
        "refs",
        "references",
        "children",
        "items",
        "values",
        "uses",
        "takes",
        "after",
        "needs",
        "of",
        "on",
    ),
    "value": (
        "val",
        "value",
        "values",
        "text",
        "template",
        "tmpl",
        "fmt",
        "format",
        "formatstring",
        "pattern",
        "data",
        "content",
        "contents",
        "literal",
        "constant",
        "const",
        "number",
        "num",
        "string",
        "str",
        "message",
        "msg",
        "param",
        "paramname",
        "name",
        "default",
        "payload",
        "subgraph",
        "graph",
        "fn",
        "func",
        "function",
        "callee",
        "ref",
        "port",
        "index",
        "portindex",
        "seconds",
        "secs",
        "duration",
        "config",
        "options",
        "opts",
        "settings",
        "props",
        "properties",
        "widget",
        "shape",
        "label",
        "arg",
        "x",
    ),
    "doc": (
        "description",
        "desc",
        "comment",
        "comments",
        "note",
        "notes",
        "docs",
        "docstring",
        "documentation",
        "help",
        "summary",
        "explanation",
    ),
}


def normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


_ROLE_BY_NAME: dict[str, tuple[str, ...]] = {}
for _role, _names in NODE_ROLES.items():
    for _n in _names:
        key = normalise(_n)
        if _role not in _ROLE_BY_NAME.get(key, ()):
            _ROLE_BY_NAME[key] = (*_ROLE_BY_NAME.get(key, ()), _role)

_OP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_:.\- ]*")
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def roles_named(key: str) -> tuple[str, ...]:
    """The roles whose names include ``key`` (or that ``key`` is a near-miss spelling of)."""
    norm = normalise(key)
    if norm in NODE_KEYS:
        return (norm,)  # `ID`, `Op`, `in_puts`: the key itself in another style
    roles = _ROLE_BY_NAME.get(norm, ())
    if roles:
        return roles
    return tuple(suggestions(key, NODE_KEYS))


def fits(role: str, content: Any, op: str | None) -> bool:
    """Whether ``content`` can be what ``role`` holds in a node whose op is ``op``."""
    if role == "op":
        return isinstance(content, str) and _OP_NAME.fullmatch(content) is not None
    if role == "id":
        return isinstance(content, str) and _ID.fullmatch(content) is not None
    if role == "inputs":
        return isinstance(content, (list, str))
    if role == "doc":
        return isinstance(content, str)
    spec = OPCODES.get(op or "")
    if spec is None:
        return False  # what the value must be depends on the op
    rule = spec.value
    if rule is ValueRule.NONE:
        return False
    if rule is ValueRule.ANY:
        return True
    if rule in (
        ValueRule.STRING,
        ValueRule.OPTIONAL_STRING,
        ValueRule.TEMPLATE,
        ValueRule.SUBGRAPH_REF,
    ):
        return isinstance(content, str)
    if rule is ValueRule.PORT:
        return type(content) is int
    if rule is ValueRule.DELAY_SECONDS:
        return type(content) in (int, float)
    return isinstance(content, dict)


@dataclass(frozen=True)
class KeyRole:
    key: str  # the unknown key as written
    role: str  # the known key it stands for
    assigned: bool  # the role is missing and this key alone fills it: a safe rename


def missing_roles(raw: dict[str, Any], op: str | None) -> list[str]:
    """The roles a node object lacks: ``id`` and ``op`` always; ``inputs`` unless its op takes
    none; ``value`` when its op requires one; ``doc`` never (it is optional)."""
    out = [r for r in ("id", "op") if r not in raw]
    spec = OPCODES.get(op or "")
    if "inputs" not in raw and (spec is None or spec.arity.max != 0):
        out.append("inputs")
    if "value" not in raw and spec is not None and spec.value.required:
        out.append("value")
    if "doc" not in raw:
        out.append("doc")
    return out


def node_key_roles(raw: dict[str, Any]) -> dict[str, KeyRole]:
    """For each unknown key of a node object, the role it plays (only keys with one)."""
    unknown = [k for k in raw if k not in NODE_KEYS]
    if not unknown:
        return {}
    named = {k: roles_named(k) for k in unknown}
    op = raw.get("op")
    if not isinstance(op, str):
        # The op may itself be under another name: read it first, the value's fit depends on it.
        op_keys = [k for k in unknown if "op" in named[k] and fits("op", raw[k], None)]
        op = raw[op_keys[0]] if len(op_keys) == 1 and "op" not in raw else None
        if isinstance(op, str) and op not in OPCODES:
            op = None
    missing = missing_roles(raw, op if isinstance(op, str) else None)
    # Which missing roles each key fits.
    fitting = {k: [r for r in named[k] if r in missing and fits(r, raw[k], op)] for k in unknown}
    out: dict[str, KeyRole] = {}
    best = _unique_best_assignment([k for k in unknown if fitting[k]][:8], fitting)
    for k, role in best.items():
        out[k] = KeyRole(k, role, True)
    for k in unknown:
        if k in out:
            continue
        # Not assigned: a suggestion, when the key names one role that the node lacks.
        candidates = [r for r in fitting[k] if r not in {a.role for a in out.values()}]
        if len(candidates) == 1:
            out[k] = KeyRole(k, candidates[0], False)
        elif len(named[k]) == 1 and named[k][0] not in raw:
            out[k] = KeyRole(k, named[k][0], False)
    return out


def _unique_best_assignment(keys: list[str], fitting: dict[str, list[str]]) -> dict[str, str]:
    """The assignment of keys to distinct roles that fills the most roles, when only one does
    (``{"name": "a", "val": 5}`` on a `const`: `name` -> id and `val` -> value); the roles on
    which every such assignment agrees otherwise."""
    # Every partial assignment, key by key (a few keys and five roles: small). Built without a
    # recursive closure, which would make every analysis cyclic garbage.
    assignments: list[dict[str, str]] = [{}]
    for k in keys:
        grown = []
        for a in assignments:
            grown.append(a)
            used = set(a.values())
            grown.extend({**a, k: role} for role in fitting[k] if role not in used)
        assignments = grown
    best_size = max(len(a) for a in assignments)
    best = [a for a in assignments if len(a) == best_size and a]
    if not best:
        return {}
    agreed = dict(best[0])
    for other in best[1:]:
        agreed = {k: r for k, r in agreed.items() if other.get(k) == r}
    return agreed


# --- program keys -------------------------------------------------------------------------

PROGRAM_ROLES: dict[str, tuple[str, ...]] = {
    "spec": ("version", "lexis", "lexisversion", "specversion", "language", "lang", "format"),
    "capabilities": ("caps", "capability", "permissions", "perms", "requires", "capabilites"),
    "nodes": ("graph", "ops", "operations", "steps", "program", "body", "dag", "node"),
    "allowed_domains": ("domains", "alloweddomains", "hosts", "allowedhosts", "allowlist"),
    "subgraphs": (
        "functions",
        "function",
        "funcs",
        "fns",
        "subgraph",
        "subroutines",
        "procedures",
        "defs",
        "definitions",
        "lambdas",
        "macros",
        "graphs",
        "modules",
        "helpers",
    ),
}

# Top-level keys that wrap a whole program (`{"program": {"spec": ..., "nodes": [...]}}`).
WRAPPER_KEYS = frozenset({"program", "lexis", "lexisprogram", "graph", "dag", "root", "code"})


def wrapped_program(raw: Any) -> str | None:
    """The key of a program wrapped in a one-key object (`{"program": {...}}`), if it is one."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    ((key, inner),) = raw.items()
    wraps = isinstance(key, str) and normalise(key) in WRAPPER_KEYS
    return key if wraps and isinstance(inner, dict) and "nodes" in inner else None


def program_key_role(key: str, content: Any, present: set[str]) -> KeyRole | None:
    """The program key an unknown top-level key stands for, when that key is absent."""
    norm = normalise(key)
    roles = [r for r, names in PROGRAM_ROLES.items() if norm in names or norm == normalise(r)]
    if not roles:
        roles = suggestions(key, list(PROGRAM_ROLES))[:1]
    if len(roles) != 1 or roles[0] in present:
        return None
    role = roles[0]
    ok = {
        "spec": isinstance(content, str) and "0.1" in content,
        "capabilities": isinstance(content, (list, str)),
        "nodes": isinstance(content, (list, dict)),
        "allowed_domains": isinstance(content, (list, str)),
        "subgraphs": isinstance(content, dict),
    }[role]
    return KeyRole(key, role, ok)
