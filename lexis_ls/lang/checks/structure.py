"""LX0001-LX0007: JSON syntax and the program's shape.

The shape checks validate with ``jsonschema`` against the structural schema generated from the
registry, and map every validation error back to the exact key or value through the syntax
tree. Nodes are validated one by one, and only those a cheap test cannot clear, so a large valid
program costs one dictionary walk, not one schema validation per node.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from ..diagnostics import Evidence, Fix, Related, TextEdit, make
from ..model import ID_PATTERN, NODE_KEYS, SPEC_VERSION, SUBGRAPH_KEYS, Graph, Node
from ..opcodes import CAPABILITIES, OPCODES
from ..repair.intent import COMMUTATIVE_OPS, EDGE_LIST_KEYS, PORT_LIST_KEYS, edge_ends
from ..repair.jsontext import REPAIR_ALL_TITLE, syntax_fixes
from ..repair.keys import KeyRole, node_key_roles, normalise, program_key_role, wrapped_program
from ..schema import node_shape, top_level_shape
from ..suggest import did_you_mean, suggestions
from ..surrogates import lone_surrogate_strings
from ..syntax import (
    INVALID,
    JArray,
    JMember,
    JNode,
    JObject,
    JString,
    SyntaxIssue,
    contains_invalid,
)

if TYPE_CHECKING:  # jsonschema is imported when a program's shape is wrong (~40 ms)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from .base import Context, insert_before_element, insert_const, json_text, line_indent, node_text

_NODE_KEY_SET: Final = frozenset(NODE_KEYS)


@cache
def _top_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(top_level_shape())


@cache
def _node_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(node_shape())


_JSON_TYPES: Final[dict[str, Any]] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _conforms(value: Any, schema: dict[str, Any]) -> bool:
    """Whether ``value`` certainly conforms to ``schema``, for the keywords the structural
    schemas use (type, required, properties, additionalProperties, items, minItems); False for
    anything else, and then jsonschema decides and explains. A well-formed program is the
    common case: it is checked without loading jsonschema."""
    known = {"$schema", "type", "required", "properties", "additionalProperties", "items"}
    if not known.issuperset(schema.keys() - {"minItems"}):
        return False
    kind = schema.get("type")
    if kind is not None:
        if not isinstance(kind, str) or kind not in _JSON_TYPES:
            return False
        if type(value) is not _JSON_TYPES[kind]:
            return False
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return False
        items = schema.get("items")
        return items is None or all(_conforms(v, items) for v in value)
    if isinstance(value, dict):
        if any(k not in value for k in schema.get("required", ())):
            return False
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key)
            if sub is None:
                if extra is False:
                    return False
                if isinstance(extra, dict) and not _conforms(item, extra):
                    return False
            elif not _conforms(item, sub):
                return False
    return True


# A mistake made throughout the text (every string single-quoted, every key unquoted) is one
# problem: past this many of one kind, they are reported as one diagnostic at the first, with
# the others as related locations and a fix that repairs them all.
GROUP_AFTER: Final = 3
_GROUPED_KINDS: Final = {
    "single_quote": "strings in single quotes",
    "unquoted_key": "keys without quotes",
    "literal": "Python/JavaScript literals",
}


def check_syntax(ctx: Context) -> None:
    parsed = ctx.program.parse
    fixes = syntax_fixes(ctx.text, parsed.errors)
    counts: dict[str, int] = {}
    for issue in parsed.errors:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    grouped = {k for k, n in counts.items() if k in _GROUPED_KINDS and n > GROUP_AFTER}
    done: set[str] = set()
    for issue, issue_fixes in zip(parsed.errors, fixes, strict=True):
        if issue.kind in grouped:
            if issue.kind not in done:
                done.add(issue.kind)
                _report_group(ctx, issue.kind, parsed.errors, fixes)
            continue
        ctx.add(
            make(
                "LX0001",
                issue.start,
                max(issue.end, issue.start + 1) if issue.start < len(ctx.text) else issue.end,
                f"JSON syntax error: {issue.message}",
                "Lexis programs are JSON documents; the rest of the file is still checked",
                fixes=issue_fixes,
            )
        )
    for dup in parsed.duplicates:
        ctx.add(
            make(
                "LX0007",
                dup.second.start,
                dup.second.end,
                f"duplicate key {json_text(dup.second.value)} in one object: a JSON parser keeps "
                "only the last value",
                "remove one of the two, or rename it",
                related=[Related(dup.first.start, dup.first.end, "first occurrence of the key")],
            )
        )
    _check_lone_surrogates(ctx)


# A string token of JSON text (strings are the only tokens that hold backslashes), and the
# escapes of a UTF-16 surrogate.


def _report_group(
    ctx: Context, kind: str, issues: list[SyntaxIssue], fixes: list[tuple[Fix, ...]]
) -> None:
    members = [(i, f) for i, f in zip(issues, fixes, strict=True) if i.kind == kind]
    first = members[0][0]
    whole = [f for f in members[0][1] if f.title == REPAIR_ALL_TITLE]
    own = [next((f for f in fs if f.title != REPAIR_ALL_TITLE), None) for _, fs in members]
    group_fixes: list[Fix] = []
    if all(f is not None for f in own):
        edits = tuple(e for f in own if f is not None for e in f.edits)
        template = own[0]
        assert template is not None
        group_fixes.append(
            Fix(
                f"{template.title} (all {len(members)})",
                edits,
                safe=template.safe,
                evidence=template.evidence,
            )
        )
    ordered_fixes = (whole + group_fixes) if whole and whole[0].safe else (group_fixes + whole)
    what = _GROUPED_KINDS[kind]
    ctx.add(
        make(
            "LX0001",
            first.start,
            max(first.end, first.start + 1),
            f"JSON syntax error: {first.message} ({len(members)} {what} in this file)",
            "one fix repairs them all; the rest of the file is still checked",
            related=[
                Related(i.start, max(i.end, i.start + 1), f"also: {i.message}")
                for i, _ in members[1:51]
            ],
            fixes=ordered_fixes,
        )
    )


def _check_lone_surrogates(ctx: Context) -> None:
    """LX0008: a string whose escapes leave a lone surrogate, which has no UTF-8 encoding."""
    for start, end in lone_surrogate_strings(ctx.text):
        ctx.add(
            make(
                "LX0008",
                start,
                end,
                "this string holds a lone surrogate (a `\\ud800`-`\\udfff` escape not in a "
                "pair): it has no UTF-8 encoding, so the program has no content hash and "
                "cannot run",
                "remove the escape, or complete the pair (a high surrogate `\\ud800`-`\\udbff` "
                "followed by a low one `\\udc00`-`\\udfff`)",
            )
        )


def _child(node: JNode | None, step: str | int) -> JNode | None:
    if isinstance(node, JObject) and isinstance(step, str):
        m = node.get(step)
        return m.value if m is not None else None
    if isinstance(node, JArray) and isinstance(step, int) and 0 <= step < len(node.items):
        return node.items[step]
    return None


def _member(node: JNode | None, key: str) -> JMember | None:
    return node.get(key) if isinstance(node, JObject) else None


_TYPE_NAMES: Final = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _is_structural(path: list[str | int]) -> bool:
    """Paths where a wrong type is LX0002: the program, `nodes`, a node, a subgraph."""
    if not path:
        return True
    if path == ["nodes"] or (len(path) == 2 and path[0] == "nodes"):
        return True
    return bool(
        path[0] == "subgraphs" and len(path) in (2, 3, 4) and (len(path) == 2 or path[2] == "nodes")
    )


def _describe_path(path: list[str | int]) -> str:
    if not path:
        return "the program"
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return f"`{out}`"


class _ShapeReporter:
    def __init__(self, ctx: Context, root: JNode) -> None:
        self.ctx = ctx
        self.root = root
        # jsonschema reports one `required` error per missing key, each naming the whole list:
        # each (object, key) is reported once.
        self._missing_reported: set[tuple[int, str]] = set()

    def report(self, error: ValidationError, base: JNode, base_path: list[str | int]) -> None:
        ctx = self.ctx
        rel = list(error.absolute_path)
        path = base_path + rel
        target: JNode | None = base
        for step in rel:
            target = _child(target, step)
        if target is None or (contains_invalid(error.instance) and error.validator == "type"):
            return
        kind = error.validator
        if kind == "type":
            expected = error.validator_value
            expected_text = (
                _TYPE_NAMES.get(expected, expected) if isinstance(expected, str) else expected
            )
            if len(path) >= 2 and path[-2] == "inputs" and isinstance(error.instance, dict):
                return  # an inline node object inside `inputs`: LX1012 reports it
            code = "LX0002" if _is_structural(path) else "LX0004"
            ctx.add(
                make(
                    code,
                    target.start,
                    target.end,
                    f"{_describe_path(path)} must be {expected_text}, not {_json_type(error.instance)}",
                    _type_hint(path),
                    fixes=_shape_fixes(ctx, path, target),
                )
            )
        elif kind == "required":
            assert isinstance(error.instance, dict)
            required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
            for key in required:
                if key in error.instance or (target.start, key) in self._missing_reported:
                    continue
                self._missing_reported.add((target.start, key))
                self._missing(target, path, key)
        elif kind == "additionalProperties":
            assert isinstance(error.instance, dict)
            schema: dict[str, Any] = error.schema  # type: ignore[assignment]
            allowed = list(schema.get("properties", {}))
            if isinstance(target, JObject):
                for m in target.members:
                    if m.key.value not in allowed:
                        self._unknown_key(m, allowed, path)
        elif kind == "minItems":
            ctx.add(
                make(
                    "LX0004",
                    target.start,
                    target.end,
                    f"{_describe_path(path)} must contain at least one node",
                    "a program (and every subgraph) needs at least one node",
                )
            )

    def _missing(self, target: JNode, path: list[str | int], key: str) -> None:
        ctx = self.ctx
        is_node = bool(path) and (path[0] == "nodes" or (path[0] == "subgraphs" and len(path) == 4))
        if not path and wrapped_program(target.value) is not None:
            return  # the program is one level down: one LX0003 on the wrapper key unwraps it
        if isinstance(target, JObject) and self._filled_by_unknown_key(target, is_node, key):
            if is_node:
                node = _node_for_path(ctx, path)
                if node is not None:
                    node.skip = True
            return  # one problem, one diagnostic: LX0005 renames the key that holds it
        placeholder: Any
        fixes: list[Fix] = []
        hint = f"add `{json_text(key)}`"
        if not is_node and key == "spec":
            placeholder = SPEC_VERSION
        elif not is_node and key == "capabilities":
            placeholder = sorted(
                {OPCODES[n.op].capability for n in ctx.program.all_nodes() if n.op in OPCODES},
                key=lambda c: (CAPABILITIES[c].trust, c),
            )
            hint = "declare the capabilities the nodes need (closed by default)"
        elif not is_node and key == "nodes":
            placeholder = []
            hint = "a program is a non-empty array of nodes"
        elif key == "id":
            graph = _graph_for_path(ctx, path)
            op = target.value.get("op") if isinstance(target, JObject) else None
            base = op if isinstance(op, str) and op in OPCODES else "node"
            placeholder = ctx.fresh_id(graph, base) if graph is not None else base
        elif key == "op":
            value = target.value if isinstance(target, JObject) else {}
            placeholder = "const" if "value" in value and not value.get("inputs") else ""
            hint = "every node needs an `op` (one of the 93 opcodes)"
        else:
            placeholder = ""
        if isinstance(target, JObject):
            # The spec version and the capabilities the nodes need are known: safe. Anything
            # else inserted is a placeholder the author must complete.
            known = not is_node and key in ("spec", "capabilities")
            fixes.append(
                Fix(
                    f"Insert `{key}`",
                    (_insert_member(ctx.text, target, key, placeholder),),
                    safe=known,
                    evidence=Evidence.PLACEHOLDER,
                )
            )
        ctx.add(
            make(
                "LX0003",
                target.start,
                target.start + 1,
                f"{_describe_path(path)} is missing the required key `{key}`",
                hint,
                fixes=fixes,
            )
        )
        if is_node:
            node = _node_for_path(ctx, path)
            if node is not None:
                node.skip = True

    def _role(self, obj: JObject, is_node: bool, key: str) -> KeyRole | None:
        """The role the unknown ``key`` of ``obj`` plays (``repair/keys.py``)."""
        raw = obj.value
        if not isinstance(raw, dict) or key not in raw:
            return None
        if is_node:
            return node_key_roles(raw).get(key)
        if obj is self.root:
            return program_key_role(key, raw[key], set(raw))
        return None

    def _filled_by_unknown_key(self, obj: JObject, is_node: bool, key: str) -> bool:
        raw = obj.value
        if not isinstance(raw, dict):
            return False
        for k in raw:
            role = self._role(obj, is_node, k)
            if role is not None and role.assigned and role.role == key:
                return True
        return False

    def _unknown_key(self, member: JMember, allowed: list[str], path: list[str | int]) -> None:
        name = member.key.value
        is_node = allowed == list(NODE_KEYS)
        where = (
            "a node"
            if is_node
            else ("a subgraph" if allowed == list(SUBGRAPH_KEYS) else "the program")
        )
        target: JNode | None = self.root
        for step in path:
            target = _child(target, step)
        role = self._role(target, is_node, name) if isinstance(target, JObject) else None
        fixes: list[Fix] = []
        if not path and wrapped_program(self.root.value) == name and member.value is not None:
            inner = member.value
            fixes.append(
                Fix(
                    f"Unwrap the program from `{name}`",
                    (
                        TextEdit(self.root.start, inner.start, ""),
                        TextEdit(inner.end, self.root.end, ""),
                    ),
                    safe=True,
                )
            )
            self.ctx.add(
                make(
                    "LX0003",
                    member.key.start,
                    member.key.end,
                    f"the program is missing `spec`, `capabilities` and `nodes` at the top level: "
                    f"they are wrapped in {json_text(name)}",
                    "a Lexis program is the object with `spec`, `capabilities` and `nodes` itself",
                    fixes=fixes,
                )
            )
            return
        if (
            len(path) == 2
            and path[0] == "subgraphs"
            and isinstance(target, JObject)
            and normalise(name) in PORT_LIST_KEYS
        ):
            port_fix = _port_lists_fix(self.ctx, target, path[1])
            if port_fix is not None:
                self.ctx.add(
                    make(
                        "LX0005",
                        member.key.start,
                        member.key.end,
                        f"unknown key {json_text(name)} in a subgraph: Lexis declares a "
                        "subgraph's parameters and results as `input_port` and `output_port` nodes",
                        'e.g. {"id": "x", "op": "input_port", "value": 0}',
                        fixes=[port_fix],
                    )
                )
                return
        if not path and normalise(name) in EDGE_LIST_KEYS and member.value is not None:
            edge_fix = _edges_fix(self.ctx, self.root, member)
            if edge_fix is not None:
                self.ctx.add(
                    make(
                        "LX0005",
                        member.key.start,
                        member.key.end,
                        f"unknown key {json_text(name)} in the program: Lexis has no edge list, "
                        "each node names its inputs",
                        'a node lists the ids it takes, in order: "inputs": ["a", "b"]',
                        fixes=[edge_fix],
                    )
                )
                return
        if role is not None:
            fixes.append(
                Fix(
                    f"Rename to `{role.role}`",
                    (TextEdit(member.key.start, member.key.end, json_text(role.role)),),
                    safe=role.assigned,
                )
            )
            message = f"unknown key {json_text(name)} in {where}; {did_you_mean([role.role])}"
            if role.assigned:
                message += f" ({where} has no `{role.role}`, and this is what it holds)"
            required = ("id", "op") if is_node else ("spec", "capabilities", "nodes")
            if role.assigned and role.role in required and (is_node or not path):
                # The node lacks a required key: that is the problem (LX0003), and its
                # unknown key is where it went.
                self.ctx.add(
                    make(
                        "LX0003",
                        member.key.start,
                        member.key.end,
                        f"{where} is missing the required key `{role.role}`: its "
                        f"{json_text(name)} key holds it",
                        f"Lexis calls it `{role.role}`",
                        fixes=fixes,
                    )
                )
                return
        else:
            options = suggestions(name, allowed)
            message = f"unknown key {json_text(name)} in {where}"
            if options:
                message += f"; {did_you_mean(options)}"
        self.ctx.add(
            make(
                "LX0005",
                member.key.start,
                member.key.end,
                message,
                f"known keys: {', '.join(allowed)}",
                fixes=fixes,
            )
        )


# --- shape repairs (DIAGNOSTICS.md "Fix safety": shapes made lists) -----------------------

_LIST_SEPARATORS: Final = re.compile(r"\s*[,;|]\s*|\s+")


def _split_names(text: str) -> list[str]:
    """``"a, b"``, ``"a b"``, ``"a|b"`` -> ``["a", "b"]`` (``"a"`` -> ``["a"]``)."""
    text = text.strip().strip("[]()").strip()
    return [p.strip("'\"` ") for p in _LIST_SEPARATORS.split(text) if p.strip("'\"` ")]


def _shape_fixes(ctx: Context, path: list[str | int], target: JNode) -> list[Fix]:
    """Fixes for a value of the wrong type where the intended shape is evident."""
    last = path[-1] if path else None
    value = target.value
    if path == ["spec"] and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [
            Fix(
                f"Set spec to `{SPEC_VERSION}`",
                (TextEdit(target.start, target.end, json_text(SPEC_VERSION)),),
                safe=True,
            )
        ]
    if path == ["subgraphs"] and isinstance(target, JArray):
        fix = _subgraph_list_fix(target)
        return [fix] if fix is not None else []
    if path == ["capabilities"] and isinstance(value, dict):
        # `{"IO_STDOUT": true, ...}`: the capabilities granted.
        if value and all(k in CAPABILITIES and type(v) is bool for k, v in value.items()):
            granted = [k for k, v in value.items() if v]
            return [
                Fix(
                    "Make `capabilities` a list",
                    (TextEdit(target.start, target.end, json_text(granted)),),
                    safe=True,
                )
            ]
        return []
    if len(path) == 2 and path[0] == "subgraphs" and isinstance(target, JArray):
        # `"subgraphs": {"f": [nodes...]}`: the node list of the subgraph without its object.
        return [
            Fix(
                'Wrap the node list in {"nodes": ...}',
                (
                    TextEdit(target.start, target.start, '{"nodes": '),
                    TextEdit(target.end, target.end, "}"),
                ),
                safe=True,
            )
        ]
    if last == "capabilities" and len(path) == 1 and isinstance(value, str):
        names = _split_names(value)
        if names and all(n in CAPABILITIES for n in names):
            return [
                Fix(
                    "Make `capabilities` a list",
                    (TextEdit(target.start, target.end, json_text(names)),),
                    safe=True,
                )
            ]
        return []
    graph = _graph_for_path(ctx, path)
    if last == "nodes" and isinstance(target, JObject) and isinstance(value, dict):
        fix = _nodes_object_fix(ctx, target)
        return [fix] if fix is not None else []
    node = _node_for_path(ctx, path) if graph is not None else None
    if graph is None or node is None:
        return []
    if last == "inputs" and isinstance(value, dict) and value:
        # `"inputs": {"s": "x", "old": "y"}`, keyword arguments: by the op's parameter names
        # when they are exactly those (safe), else in the order written (offered).
        spec = OPCODES.get(node.op or "")
        ids = list(value.values())
        if spec is None or not all(isinstance(i, str) and i in graph.by_id for i in ids):
            return []
        names = [str(k).lower() for k in value]
        params = [p.lower() for p in spec.params]
        by_param = sorted(set(names)) == sorted(params) and len(names) == len(params)
        ordered = (
            [value[k] for k in sorted(value, key=lambda k: params.index(str(k).lower()))]
            if by_param
            else ids
        )
        return [
            Fix(
                "Make `inputs` a list" + (" in the op's parameter order" if by_param else ""),
                (TextEdit(target.start, target.end, json_text(ordered)),),
                safe=by_param,
                evidence=Evidence.LIKELY,
            )
        ]
    if last == "inputs" and isinstance(value, str):
        names = _split_names(value)
        if names and all(n in graph.by_id and n != node.id for n in names):
            return [
                Fix(
                    "Make `inputs` a list of node ids",
                    (TextEdit(target.start, target.end, json_text(names)),),
                    safe=True,
                )
            ]
        return []
    if len(path) >= 2 and path[-2] == "inputs" and isinstance(last, int):
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v in graph.by_id for v in value)
        ):
            # `"inputs": [["a", "b"]]`: one list too many.
            array = node.member("inputs")
            if (
                array is not None
                and isinstance(array.value, JArray)
                and len(array.value.items) == 1
            ):
                return [
                    Fix(
                        "Flatten `inputs`",
                        (TextEdit(array.value.start, array.value.end, json_text(value)),),
                        safe=True,
                    )
                ]
            return []
        if value is INVALID or contains_invalid(value):
            return []
        raw_inputs = node.raw.get("inputs")
        if (
            isinstance(raw_inputs, list)
            and all(type(i) is int for i in raw_inputs)
            and all(0 <= i < len(graph.nodes) for i in raw_inputs)
        ):
            # `"inputs": [0, 1]`: literal numbers, or the positions of nodes? A guess either way.
            return []
        # A literal where a node id belongs: it becomes a `const` node, as LX1012 does.
        nid = ctx.fresh_id(graph, f"{node.id or 'node'}_in{last}")
        return [
            Fix(
                f"Move the literal to a `const` node `{nid}`",
                (
                    insert_const(ctx.text, node, nid, value),
                    TextEdit(target.start, target.end, json_text(nid)),
                ),
                safe=True,
            )
        ]
    return []


def _port_lists_fix(ctx: Context, obj: JObject, name: str | int) -> Fix | None:
    """A subgraph written with a signature (`"inputs": ["x", "y"], "outputs": ["s"]`) gets
    `input_port` nodes for the parameters, in order, and `output_port` nodes for the results."""
    graph = ctx.program.subgraphs.get(name) if isinstance(name, str) else None
    raw = obj.value
    if graph is None or graph.array is None or not graph.array.items or not isinstance(raw, dict):
        return None
    if any(n.op in ("input_port", "output_port") for n in graph.nodes):
        return None
    ins: list[str] = []
    outs: list[str] = []
    members: list[JMember] = []
    for m in obj.members:
        role = PORT_LIST_KEYS.get(normalise(m.key.value))
        if role is None:
            continue
        value = raw.get(m.key.value)
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            return None
        (ins if role == "in" else outs).extend(names)
        members.append(m)
    if not outs or len(set(ins)) != len(ins) or len(set(outs)) != len(outs):
        return None
    if any(not ID_PATTERN.fullmatch(i) or i in graph.by_id for i in ins):
        return None
    if any(o not in graph.by_id and o not in ins for o in outs):
        return None
    items = graph.array.items
    edits: list[TextEdit] = []
    if ins:
        texts = [node_text({"id": i, "op": "input_port", "value": k}) for k, i in enumerate(ins)]
        first = insert_before_element(ctx.text, items[0], texts[0])
        sep = first.new_text[len(texts[0]) :]
        edits.append(TextEdit(items[0].start, items[0].start, sep.join(texts) + sep))
    taken: set[str] = set(ins)
    out_texts = []
    for k, o in enumerate(outs):
        oid = ctx.fresh_id(graph, f"{o}_out", taken)
        taken.add(oid)
        out_texts.append(node_text({"id": oid, "op": "output_port", "inputs": [o], "value": k}))
    last = items[-1]
    indent = line_indent(ctx.text, last.start)
    sep = f",\n{indent}" if indent is not None else ", "
    edits.append(TextEdit(last.end, last.end, sep + sep.join(out_texts)))
    removal = _remove_members(obj, members)
    if removal is None:
        return None
    edits.extend(removal)
    return Fix(
        "Declare the signature as `input_port` and `output_port` nodes", tuple(edits), safe=True
    )


def _remove_members(obj: JObject, remove: list[JMember]) -> list[TextEdit] | None:
    """Delete the members ``remove`` of ``obj``, each run of adjacent ones as one edit."""
    members = obj.members
    marked = [any(m is r for r in remove) for m in members]
    edits: list[TextEdit] = []
    k = 0
    while k < len(members):
        if not marked[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(members) and marked[j + 1]:
            j += 1
        last = members[j].value
        if last is None:
            return None
        if j + 1 < len(members):
            edits.append(TextEdit(members[k].key.start, members[j + 1].key.start, ""))
        elif k > 0 and members[k - 1].value is not None:
            prev = members[k - 1].value
            assert prev is not None
            edits.append(TextEdit(prev.end, last.end, ""))
        else:
            edits.append(TextEdit(members[k].key.start, last.end, ""))
        k = j + 1
    return edits


def _remove_member(obj: JObject, member: JMember) -> TextEdit | None:
    """Delete ``member`` of ``obj`` with the comma that separates it from its neighbour."""
    edits = _remove_members(obj, [member])
    return edits[0] if edits else None


def _edges_fix(ctx: Context, root: JNode, member: JMember) -> Fix | None:
    """A separate `edges` list turned into each node's `inputs` (in edge order, or by the
    argument position an edge gives). Safe when no node's argument order is a guess: at most
    one edge into it, positions given, or an op whose inputs commute."""
    graph = ctx.program.main
    edges = member.value.value if member.value is not None else None
    if not isinstance(root, JObject) or not isinstance(edges, list) or not edges:
        return None
    incoming: dict[str, list[tuple[int, int | None, str]]] = {}
    for k, edge in enumerate(edges):
        ends = edge_ends(edge)
        if ends is None:
            return None
        src, dst, pos = ends
        if src not in graph.by_id or dst not in graph.by_id or src == dst:
            return None
        incoming.setdefault(dst, []).append((k, pos, src))
    edits: list[TextEdit] = []
    guessed = False
    for dst, ins in incoming.items():
        node = graph.by_id[dst]
        spec = OPCODES.get(node.op or "")
        if "inputs" in node.raw or spec is None or not spec.arity.accepts(len(ins)):
            return None
        positions = [p for _, p, _ in ins if p is not None]
        if len(positions) == len(ins):
            first = min(positions)
            if sorted(positions) != list(range(first, first + len(ins))):
                return None
            ordered = [s for _, _, s in sorted(ins, key=lambda e: e[1] or 0)]
        else:
            ordered = [s for _, _, s in ins]
            guessed = guessed or (len(ins) > 1 and spec.name not in COMMUTATIVE_OPS)
        op_member = node.member("op")
        if op_member is None or op_member.value is None:
            return None
        indent = line_indent(ctx.text, op_member.key.start)
        sep = f",\n{indent}" if indent is not None else ", "
        edits.append(
            TextEdit(
                op_member.value.end, op_member.value.end, f'{sep}"inputs": {json_text(ordered)}'
            )
        )
    removal = _remove_member(root, member)
    if removal is None:
        return None
    edits.append(removal)
    return Fix(
        "Move the edges into the nodes' `inputs`",
        tuple(edits),
        safe=not guessed,
        evidence=Evidence.LIKELY,
    )


_SUBGRAPH_NAME_KEYS: Final = ("name", "id", "key", "label", "title")
_SUBGRAPH_NODES_KEYS: Final = ("nodes", "body", "graph", "steps", "ops", "operations", "dag")


def _subgraph_list_fix(array: JArray) -> Fix | None:
    """`"subgraphs": [{"name": "f", "nodes": [...]}]` -> `"subgraphs": {"f": {"nodes": [...]}}`
    (a `body`/`graph`/`steps` key holding the node list becomes `nodes`)."""
    edits = [TextEdit(array.start, array.start + 1, "{"), TextEdit(array.end - 1, array.end, "}")]
    names: set[str] = set()
    for item in array.items:
        if not isinstance(item, JObject) or contains_invalid(item.value):
            return None
        name_members = [m for m in item.members if m.key.value in _SUBGRAPH_NAME_KEYS]
        node_members = [m for m in item.members if m.key.value in _SUBGRAPH_NODES_KEYS]
        if len(name_members) != 1 or len(node_members) != 1:
            return None
        name_m, nodes_m = name_members[0], node_members[0]
        name = name_m.value.value if isinstance(name_m.value, JString) else None
        if (
            name is None
            or not ID_PATTERN.fullmatch(name)
            or name in names
            or not isinstance(nodes_m.value, JArray)
        ):
            return None
        names.add(name)
        edits.append(TextEdit(item.start, item.start, f"{json_text(name)}: "))
        removal = _remove_members(item, [name_m])
        if not removal:
            return None
        edits.extend(removal)
        if nodes_m.key.value != "nodes":
            edits.append(TextEdit(nodes_m.key.start, nodes_m.key.end, json_text("nodes")))
    if not names:
        return None
    return Fix("Make `subgraphs` an object keyed by name", tuple(edits), safe=True)


def _nodes_object_fix(ctx: Context, obj: JObject) -> Fix | None:
    """``"nodes": {"a": {"op": ...}, ...}`` -> ``"nodes": [{"id": "a", "op": ...}, ...]``."""
    members = obj.members
    if not members:
        return None
    text = ctx.text
    edits = [TextEdit(obj.start, obj.start + 1, "["), TextEdit(obj.end - 1, obj.end, "]")]
    for m in members:
        node = m.value
        if not isinstance(node, JObject) or not ID_PATTERN.fullmatch(m.key.value):
            return None
        raw = node.value
        if not isinstance(raw, dict) or contains_invalid(raw):
            return None
        if "id" in raw:
            if raw["id"] != m.key.value:
                return None  # two names for one node: which one do references use?
            edits.append(TextEdit(m.key.start, node.start, ""))
            continue
        entry = f"{json_text('id')}: {json_text(m.key.value)}"
        inner = node.members
        if not inner:
            edits.append(TextEdit(m.key.start, node.start + 1, "{" + entry))
            continue
        indent = line_indent(text, inner[0].key.start)
        sep = f",\n{indent}" if indent is not None else ", "
        edits.append(TextEdit(m.key.start, node.start, ""))
        edits.append(TextEdit(inner[0].key.start, inner[0].key.start, entry + sep))
    return Fix("Make `nodes` a list (each key becomes the node's `id`)", tuple(edits), safe=True)


def _type_hint(path: list[str | int]) -> str:
    last = path[-1] if path else None
    if last == "inputs" or (len(path) >= 2 and path[-2] == "inputs"):
        return 'inputs is an array of node ids, e.g. "inputs": ["a", "b"]'
    if last == "capabilities" or (len(path) >= 2 and path[-2] == "capabilities"):
        return 'capabilities is an array of names, e.g. ["PURE_COMPUTE", "IO_STDOUT"]'
    if not path:
        return 'a Lexis program is an object: {"spec": "lexis-0.1.0", "capabilities": [...], "nodes": [...]}'
    if path == ["nodes"] or (path and path[-1] == "nodes"):
        return "nodes is an array of node objects"
    if len(path) >= 2 and path[-2] == "nodes":
        return 'a node is an object such as {"id": "a", "op": "const", "value": 5}'
    return "see the Lexis program format (LEXIS.md §1)"


def _insert_member(text: str, obj: JObject, key: str, value: Any) -> TextEdit:
    """Insert ``"key": value`` as the first member of ``obj``."""
    entry = f"{json_text(key)}: {json_text(value)}"
    members = obj.members
    if not members:
        return TextEdit(obj.start + 1, obj.start + 1, entry)
    first = members[0].key
    indent = line_indent(text, first.start)
    if indent is not None:
        return TextEdit(first.start, first.start, f"{entry},\n{indent}")
    return TextEdit(first.start, first.start, f"{entry}, ")


def _graph_for_path(ctx: Context, path: list[str | int]) -> Graph | None:
    if path and path[0] == "nodes":
        return ctx.program.main
    if len(path) >= 2 and path[0] == "subgraphs" and isinstance(path[1], str):
        return ctx.program.subgraphs.get(path[1])
    return None


def _node_for_path(ctx: Context, path: list[str | int]) -> Node | None:
    graph = _graph_for_path(ctx, path)
    index = path[1] if path and path[0] == "nodes" else (path[3] if len(path) >= 4 else None)
    if graph is None or not isinstance(index, int):
        return None
    key = ("nodes by index", id(graph))
    by_index = ctx.memo.get(key)
    if by_index is None:  # one map per graph: a broken array can hold thousands of nodes
        by_index = ctx.memo[key] = {}
        for n in graph.nodes:
            by_index.setdefault(n.index, n)
    node: Node | None = by_index.get(index)
    return node


def check_shape(ctx: Context) -> None:
    program = ctx.program
    root = program.parse.root
    if root is None:
        return
    reporter = _ShapeReporter(ctx, root)
    if root.value is INVALID:
        return
    if not _conforms(root.value, top_level_shape()):
        for error in _top_validator().iter_errors(root.value):
            reporter.report(error, root, [])
    if not isinstance(root, JObject):
        return
    for graph in program.graphs:
        base_path: list[str | int] = (
            ["nodes"] if graph.name is None else ["subgraphs", graph.name, "nodes"]
        )
        if graph.array is not None:
            for index, item in enumerate(graph.array.items):
                if not isinstance(item, JObject) and item.value is not INVALID:
                    ctx.add(
                        make(
                            "LX0002",
                            item.start,
                            item.end,
                            f"{_describe_path([*base_path, index])} must be a node object, not {_json_type(item.value)}",
                            _type_hint([*base_path, index]),
                        )
                    )
        for node in graph.nodes:
            if node.broken:
                node.skip = True
                continue
            if node.shape_ok:
                continue
            for error in _node_validator().iter_errors(node.raw):
                reporter.report(error, node.syntax, [*base_path, node.index])
            if type(node.raw.get("op")) is not str or type(node.raw.get("id", "")) is not str:
                node.skip = True
    _check_spec(ctx)


def _check_spec(ctx: Context) -> None:
    member = ctx.program.member("spec")
    if member is None or not isinstance(member.value, JString):
        return
    spec = member.value.value
    if spec == SPEC_VERSION:
        return
    ctx.add(
        make(
            "LX0006",
            member.value.start,
            member.value.end,
            f"unsupported spec version {json_text(spec)}: this tooling implements {json_text(SPEC_VERSION)}",
            f'set "spec": "{SPEC_VERSION}"',
            fixes=[
                Fix(
                    f"Set spec to `{SPEC_VERSION}`",
                    (TextEdit(member.value.start, member.value.end, json_text(SPEC_VERSION)),),
                    safe=True,
                )
            ],
        )
    )


__all__ = ["check_shape", "check_syntax", "node_text"]
