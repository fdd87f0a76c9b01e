"""LX1001-LX1014: opcodes, arity, references, ids, cycles, values and subgraphs."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from ..diagnostics import Evidence, Fix, Related, Scope, TextEdit, make
from ..model import ID_PATTERN, MISSING, Graph, Node, valid_id
from ..opcodes import (
    DELAY_MAX_SECONDS,
    DRAW_SHAPES,
    FUNC_PRODUCERS,
    SUBGRAPH_ARITY,
    WIDGET_TYPES,
    ValueRule,
)
from ..repair.intent import (
    ASSOCIATIVE_OPS,
    PORT_LIST_KEYS,
    is_literal_text,
    positional_template,
    print_template,
    reference_candidate,
    undecorated,
)
from ..repair.keys import normalise
from ..repair.names import Resolution, needed_ports, resolve_op, resolve_subgraph_ref
from ..stdlib import STD_PREFIX
from ..suggest import did_you_mean, suggestions
from ..syntax import INVALID, JArray, JMember, JObject, contains_invalid
from ..text import Span
from .base import (
    OPCODES,
    Context,
    insert_before_element,
    insert_const,
    json_text,
    line_indent,
    node_text,
    remove_element,
)

_PLACEHOLDER: Final = re.compile(r"\{\{|\}\}|\{\}|\{|\}")


# op -> (fewest inputs, most inputs, parity 0 any / 1 even / 2 odd, value needs checking:
# 0 never, 1 only that it is present, 2 always). The common case is decided from this alone.
_FAST: Final[dict[str, tuple[int, int, int, int]]] = {
    name: (
        op.arity.min,
        op.arity.max if op.arity.max is not None else 1 << 30,
        {"any": 0, "even": 1, "odd": 2}[op.arity.parity],
        0 if op.value is ValueRule.NONE else 1 if op.value is ValueRule.ANY else 2,
    )
    for name, op in OPCODES.items()
}


def check_graphs(ctx: Context) -> None:
    fast = _FAST
    missing = MISSING
    for graph in ctx.program.graphs:
        _check_ids(ctx, graph)
        by_id = graph.by_id
        for node in graph.nodes:
            if node.skip:
                continue
            rule = fast.get(node.op) if node.op is not None else None
            if rule is None:
                _check_op(ctx, node)
                continue
            if node.shape_ok:
                # Fast path: every input a known id, the count right, nothing to check in value
                # (`value_checked` below is its inverse: keep the two in step).
                inputs = node.inputs
                n = len(inputs)
                if (
                    rule[0] <= n <= rule[1]
                    and (rule[2] == 0 or n % 2 == rule[2] - 1)
                    and (rule[3] == 0 or (rule[3] == 1 and node.value is not missing))
                    and all(i in by_id for i in inputs)  # (compiled: a loop, no set)
                ):
                    continue
            _check_inputs(ctx, graph, node)
            _check_value(ctx, graph, node)
        _check_cycles(ctx, graph)
        if graph.is_subgraph:
            _check_ports(ctx, graph)
        _check_func_inputs(ctx, graph)
    _check_recursion(ctx)


def value_checked(node: Node, graph: Graph) -> bool:
    """Whether ``check_graphs`` runs ``_check_value`` on ``node``, for a node the shape checks
    left alone (not skipped): the inverse of its fast path above, which must stay in step."""
    rule = _FAST.get(node.op) if node.op is not None else None
    if rule is None:
        return False  # unknown op: LX1001 only
    if not node.shape_ok:
        return True
    n = len(node.inputs)
    return not (
        rule[0] <= n <= rule[1]
        and (rule[2] == 0 or n % 2 == rule[2] - 1)
        and (rule[3] == 0 or (rule[3] == 1 and node.value is not MISSING))
        and all(i in graph.by_id for i in node.inputs)
    )


def check_value(ctx: Context, graph: Graph, node: Node) -> None:
    """The value checks of one node (LX1007, LX1013, and for references LX1008-LX1010)."""
    _check_value(ctx, graph, node)


# --- ids ---------------------------------------------------------------------------------


def _check_ids(ctx: Context, graph: Graph) -> None:
    first = graph.by_id  # the model keeps the first node with each id
    taken: set[str] = set()
    chains: dict[str, Fix | None] = {}
    for node in graph.nodes:
        nid = node.id
        if nid is None:
            continue
        if not valid_id(nid):
            span = node.id_span()
            if nid == "":
                why = "it is empty"
            elif nid.startswith(STD_PREFIX):
                why = "the `std:` prefix is reserved for the standard library"
            elif nid[0].isdigit() or nid[0] in ".-":
                why = f"it starts with {json_text(nid[0])}"
            else:
                bad = sorted({c for c in nid if not re.match(r"[A-Za-z0-9_.-]", c)})
                why = "it contains " + ", ".join(json_text(c) for c in bad)
            ctx.add(
                make(
                    "LX1006",
                    span.start,
                    span.end,
                    f"invalid node id {json_text(nid)}: {why}",
                    "ids start with a letter or '_' and contain only letters, digits, '_', '.', '-'",
                )
            )
        previous = first.get(nid)
        if previous is None or previous is node:
            continue
        span = node.id_span()
        if nid not in chains:
            pasted = _copy_paste_fix(ctx, graph)
            chains[nid] = (
                pasted[1]
                if pasted is not None and pasted[0] == nid
                else _repeated_fix(graph, nid) or _rebind_fix(ctx, graph, nid, taken)
            )
        fix = chains[nid]
        prev_span = previous.id_span()
        ctx.add(
            make(
                "LX1004",
                span.start,
                span.end,
                f"duplicate node id {json_text(nid)} in {graph.label}",
                "ids must be unique within a graph; inputs always refer to the first definition",
                related=[
                    Related(prev_span.start, prev_span.end, f"first definition of {json_text(nid)}")
                ],
                fixes=[fix] if fix is not None else [],
            )
        )


def _repeated_fix(graph: Graph, nid: str) -> Fix | None:
    """The same node written twice, word for word (`{"id": "b", ...}` pasted again): the
    copies compute one value under one name, so deleting the later ones changes nothing."""
    defs = [n for n in graph.nodes if n.id == nid]
    if graph.array is None or len(defs) < 2:
        return None
    first = defs[0]
    if any(n.raw != first.raw or nid in n.inputs for n in defs[1:]):
        return None
    edits = tuple(remove_element(graph.array, n.index) for n in reversed(defs[1:]))
    return Fix(
        f"Delete the repeated `{nid}` (the same node as the first)",
        edits,
        safe=True,
        scope=Scope.LOCAL,
    )


def _copy_paste_fix(ctx: Context, graph: Graph) -> tuple[str, Fix] | None:
    """A node copied and not renamed: an id defined twice (not a re-assignment) while the
    graph names exactly one id that nothing defines — the name the copy was meant to get.
    Offered: (the duplicated id, the fix renaming its second definition)."""
    key = ("copy_paste", id(graph))
    if key in ctx.memo:
        found: tuple[str, Fix] | None = ctx.memo[key]
        return found
    ctx.memo[key] = None
    seen: dict[str, int] = {}
    for n in graph.nodes:
        if n.id is not None:
            seen[n.id] = seen.get(n.id, 0) + 1
    dups = [i for i, c in seen.items() if c > 1]
    if len(dups) != 1 or seen[dups[0]] != 2:
        return None
    dangling = {
        i
        for n in graph.nodes
        for i in n.inputs
        if type(i) is str and i not in graph.by_id and ID_PATTERN.fullmatch(i)
    }
    if len(dangling) != 1:
        return None
    nid, (missing,) = dups[0], tuple(dangling)
    second = [n for n in graph.nodes if n.id == nid][1]
    if nid in second.inputs:
        return None  # `x = f(x)`: a re-assignment, not a copy
    span = second.id_span()
    fix = Fix(
        f"Rename this `{nid}` to `{missing}` (named, but defined nowhere)",
        (TextEdit(span.start, span.end, json_text(missing)),),
        evidence=Evidence.LIKELY,
    )
    ctx.memo[key] = (nid, fix)
    return nid, fix


def _rebind_fix(ctx: Context, graph: Graph, nid: str, taken: set[str]) -> Fix | None:
    """One fix for every definition of ``nid`` after the first: each gets a fresh id, and the
    references between it and the next definition (that one's own inputs included) move to
    it — the reading of ``x = f(x)`` as re-assignment. A definition's own inputs keep naming
    the one before. Safe when nothing reads a renamed definition, or when every one of them is
    a re-assignment; otherwise which definition each reference meant is a guess: no fix."""
    defs = [n for n in graph.nodes if n.id == nid]
    edits: list[TextEdit] = []
    names: list[str] = []
    rebinds = 0
    for k, node in enumerate(defs[1:], start=1):
        fresh = ctx.fresh_id(graph, f"{nid}_{k + 1}", taken)
        taken.add(fresh)
        names.append(fresh)
        span = node.id_span()
        edits.append(TextEdit(span.start, span.end, json_text(fresh)))
    for k, node in enumerate(defs[1:], start=1):
        stop = defs[k + 1].index if k + 1 < len(defs) else len(graph.nodes) + 1
        seen: set[int] = set()
        for consumer in graph.consumers.get(nid, ()):
            if id(consumer) in seen or not node.index < consumer.index <= stop:
                continue  # listed once per input that names `nid`
            seen.add(id(consumer))
            for i, name in enumerate(consumer.inputs):
                if name == nid:
                    s = consumer.input_span(i)
                    edits.append(TextEdit(s.start, s.end, json_text(names[k - 1])))
                    rebinds += 1
    if rebinds and not all(nid in n.inputs for n in defs[1:]):
        return None
    title = (
        f"Rename to `{'`, `'.join(names)}`"
        if not rebinds
        else f"Rename to `{'`, `'.join(names)}` and use the new id{'s' if len(names) > 1 else ''} "
        f"in the {rebinds} later reference{'s' if rebinds > 1 else ''}"
    )
    return Fix(title, tuple(edits), safe=True)


# --- op ----------------------------------------------------------------------------------


def _check_op(ctx: Context, node: Node) -> bool:
    op = node.op
    if op is None:
        return False
    if op in OPCODES:
        return True
    node.skip = True
    span = node.op_span()
    raw_inputs = node.raw.get("inputs", MISSING)
    found = resolve_op(
        op,
        len(node.inputs) if raw_inputs is MISSING or type(raw_inputs) is list else None,
        in_subgraph=node.graph.is_subgraph,
        has_value=node.value is not MISSING,
    )
    fixes: list[Fix] = []
    if found.best is not None and found.evidence is not None:
        edits = [TextEdit(span.start, span.end, json_text(found.best))]
        title = f"Replace with `{found.best}`"
        if found.call is not None:  # `max(a, b)`: a call of `std:max`
            edits.append(_append_member(ctx.text, node.syntax, "value", found.call))
            title = f"Call `{found.call}` with `subgraph_call`"
        fixes.append(Fix(title, tuple(edits), safe=found.safe, evidence=found.evidence))
    message = f"unknown opcode {json_text(op)}"
    if found.alternatives:
        message += f"; {did_you_mean(list(found.alternatives))}"
    hints = list(found.hints())
    if op.lower() in OPCODES:
        hints.append("opcodes are lower case")
    hints.append("completion in the `op` string lists the 93 opcodes, with what each one does")
    ctx.add(make("LX1001", span.start, span.end, message, *hints, fixes=fixes))
    return False


def _append_member(text: str, obj: JObject, key: str, value: Any) -> TextEdit:
    """Insert ``"key": value`` as the last member of ``obj``, in the object's layout."""
    entry = f"{json_text(key)}: {json_text(value)}"
    members = obj.members
    if not members:
        return TextEdit(obj.start + 1, obj.start + 1, entry)
    last = members[-1]
    end = last.value.end if last.value is not None else last.key.end
    indent = line_indent(text, last.key.start)
    if indent is not None:
        return TextEdit(end, end, f",\n{indent}{entry}")
    return TextEdit(end, end, f", {entry}")


# --- inputs ------------------------------------------------------------------------------


def _check_inputs(ctx: Context, graph: Graph, node: Node) -> None:
    op = OPCODES[node.op or ""]
    raw_inputs = node.raw.get("inputs", MISSING)
    if raw_inputs is not MISSING and type(raw_inputs) is not list:
        return  # not an array: LX0004
    inputs = node.inputs
    by_id = graph.by_id
    for index, item in enumerate(inputs):
        if type(item) is str:
            if item not in by_id:
                _unknown_input(ctx, graph, node, index, item)
        elif isinstance(item, dict):
            _inline_object(ctx, graph, node, index)
    count = len(inputs)
    if not op.arity.accepts(count):
        node.skip = True  # its value cannot be reasoned about: no flow findings on it
        member = node.member("inputs")
        array = member.value if member is not None and isinstance(member.value, JArray) else None
        if array is not None:
            start, end = array.start, array.end
        else:
            span = node.op_span()
            start, end = span.start, span.end
        fixes = (
            _arity_fixes(ctx, graph, node, array)
            if array is not None
            else _value_as_input_fixes(ctx, graph, node, member)
        )
        if array is not None and op.arity.max is not None and count > op.arity.max:
            keep = op.arity.max
            if keep == 0:
                edit = TextEdit(array.start, array.end, "[]")
            else:
                edit = TextEdit(array.items[keep - 1].end, array.items[-1].end, "")
            surplus = count - keep
            kept, dropped = node.inputs[:keep], node.inputs[keep:]
            back = _downstream(graph, node)
            fixes.append(
                Fix(
                    f"Remove the {surplus} surplus input{'s' if surplus > 1 else ''}",
                    (edit,),
                    # An op that takes no inputs reads none: removing back-edges changes nothing.
                    safe=keep == 0 and all(isinstance(i, str) and i in back for i in dropped),
                    # A surplus input repeating a kept one, or a consumer listed as an input
                    # (a back-edge, never a valid input), loses no value.
                    evidence=(
                        Evidence.LIKELY
                        if all(isinstance(i, str) and (i in kept or i in back) for i in dropped)
                        else Evidence.DROPS
                    ),
                )
            )
            if not all(isinstance(i, str) and i in back for i in dropped):
                back_fix = _drop_back_edges(node, array, back, keep)
                if back_fix is not None:
                    fixes.insert(0, back_fix)
        got = f"got {count}" if member is not None else "got none (no `inputs`)"
        params = f" ({op.signature()})" if op.params else ""
        ctx.add(
            make(
                "LX1002",
                start,
                end,
                f"`{op.name}` takes {op.arity.phrase()}, {got}",
                f"`{op.name}`{params} — inputs: {op.arity.describe()}",
                fixes=fixes,
            )
        )


# The identity of a reduce's subgraph: the result of starting from it is the result of folding
# from the first element (for a non-empty list; for an empty one, a value instead of an error).
_REDUCE_IDENTITY: Final[dict[str, Any]] = {"std:add": 0, "std:mul": 1}


def _arity_fixes(ctx: Context, graph: Graph, node: Node, array: JArray) -> list[Fix]:
    """Function-call arity: `add(a, b, c)` as a chain; `print(a, b)` through `format`."""
    op = node.op or ""
    items = array.items
    count = len(items)
    if not all(isinstance(i, str) for i in node.inputs) or count != len(node.inputs):
        return []
    nid = node.id or op
    if op in ASSOCIATIVE_OPS and count > 2:
        taken: set[str] = set()
        texts: list[str] = []
        prev = node.inputs[0]
        for k in range(1, count - 1):
            step = ctx.fresh_id(graph, f"{nid}_{k}", taken)
            taken.add(step)
            texts.append(node_text({"id": step, "op": op, "inputs": [prev, node.inputs[k]]}))
            prev = step
        insert = insert_before_element(ctx.text, node.syntax, texts[0])
        sep = insert.new_text[len(texts[0]) :]
        return [
            Fix(
                f"Chain `{op}` over the {count} inputs",
                (
                    TextEdit(node.syntax.start, node.syntax.start, sep.join(texts) + sep),
                    TextEdit(array.start, array.end, json_text([prev, node.inputs[-1]])),
                ),
                safe=True,  # associative: one grouping is as good as another
            )
        ]
    if (
        op == "reduce"
        and count == 1
        and isinstance(node.value, str)
        and node.value in _REDUCE_IDENTITY
    ):
        # `reduce(xs)` without an initial value, as JavaScript writes it: for a sum or a product
        # the identity gives the same result as starting from the first element.
        init = _REDUCE_IDENTITY[node.value]
        init_id = ctx.fresh_id(graph, f"{nid}_init")
        return [
            Fix(
                f"Start `reduce` from {json_text(init)} (`{init_id}`)",
                (
                    insert_const(ctx.text, node, init_id, init),
                    TextEdit(array.start, array.end, json_text([node.inputs[0], init_id])),
                ),
                safe=True,
            )
        ]
    spec = OPCODES.get(op)
    if spec is not None and spec.arity.fixed and count == spec.arity.min - 1 and count > 0:
        # One input short, and exactly one node whose value nobody uses: evidently the input
        # the author forgot to list (the last one: `select(cond, then)` without its else).
        unused = [
            n.id
            for n in graph.nodes
            if n.id is not None
            and n is not node
            and n.index < node.index
            and _unused(ctx, graph, n.id)
        ]
        if len(unused) == 1 and unused[0] not in node.inputs:
            param = spec.params[count] if count < len(spec.params) else "the last input"
            return [
                Fix(
                    f"Add `{unused[0]}` as `{param}` (the one value nothing uses)",
                    (TextEdit(array.start, array.end, json_text([*node.inputs, unused[0]])),),
                    evidence=Evidence.LIKELY,
                )
            ]
    if op == "print" and count > 1:
        text_id = ctx.fresh_id(graph, f"{nid}_text")
        new = node_text(
            {
                "id": text_id,
                "op": "format",
                "inputs": list(node.inputs),
                "value": print_template(
                    [
                        src.value
                        if (src := graph.by_id.get(i)) is not None
                        and src.op == "const"
                        and isinstance(src.value, str)
                        else None
                        for i in node.inputs
                    ]
                ),
            }
        )
        return [
            Fix(
                f"Print the {count} values separated by spaces (through `format`)",
                (
                    insert_before_element(ctx.text, node.syntax, new),
                    TextEdit(array.start, array.end, json_text([text_id])),
                ),
                evidence=Evidence.LIKELY,
            )
        ]
    return []


def _value_as_input_fixes(
    ctx: Context, graph: Graph, node: Node, inputs_member: JMember | None
) -> list[Fix]:
    """`{"op": "print", "value": "Hello"}`: an op that takes one input and no value, given the
    value it should take: the value becomes a `const` node and the input."""
    op = OPCODES[node.op or ""]
    value_member = node.member("value")
    if (
        inputs_member is not None
        or op.value is not ValueRule.NONE
        or op.arity.min != 1
        or value_member is None
        or value_member.value is None
        or node.value is MISSING
        or node.value is INVALID
        or graph.array is None
    ):
        return []
    if isinstance(node.value, str) and node.value in graph.by_id and node.value != node.id:
        # `{"op": "print", "value": "s"}` with a node `s`: most likely the input it meant.
        return [
            Fix(
                f"Take `{node.value}` as the input",
                (
                    TextEdit(
                        value_member.key.start,
                        value_member.value.end,
                        f'"inputs": {json_text([node.value])}',
                    ),
                ),
                evidence=Evidence.LIKELY,
            )
        ]
    nid = ctx.fresh_id(graph, f"{node.id or op.name}_value")
    return [
        Fix(
            f"Move the value to a `const` node `{nid}` and take it as input",
            (
                insert_const(ctx.text, node, nid, node.value),
                TextEdit(
                    value_member.key.start,
                    value_member.value.end,
                    f'"inputs": {json_text([nid])}',
                ),
            ),
            safe=True,
        )
    ]


def _downstream(graph: Graph, node: Node) -> set[str]:
    """The ids of the nodes that (transitively) consume ``node``: as its inputs, back-edges."""
    downstream: set[str] = set()
    if node.id is None:
        return downstream
    stack = [node.id]
    while stack:
        for consumer in graph.consumers.get(stack.pop(), ()):
            if consumer.id is not None and consumer.id not in downstream:
                downstream.add(consumer.id)
                stack.append(consumer.id)
    return downstream


def _drop_back_edges(node: Node, array: JArray, back: set[str], keep: int) -> Fix | None:
    """`y = mul(x, x, out)` where `out` consumes `y`: the consumer listed as an input (a cycle)
    is what is surplus. Offered when dropping the back-edges leaves exactly the op's arity."""
    items = array.items
    drop = [k for k, i in enumerate(node.inputs) if isinstance(i, str) and i in back]
    if not drop or len(items) - len(drop) != keep or keep == 0:
        return None
    left = [node.inputs[k] for k in range(len(items)) if k not in drop]
    return Fix(
        f"Remove the input{'s' if len(drop) > 1 else ''} that close{'' if len(drop) > 1 else 's'} "
        f"a cycle ({', '.join(f'`{node.inputs[k]}`' for k in drop)})",
        (TextEdit(array.start, array.end, json_text(left)),),
        evidence=Evidence.LIKELY,
    )


def _unknown_input(ctx: Context, graph: Graph, node: Node, index: int, name: str) -> None:
    span = node.input_span(index)
    candidates = [i for i in graph.by_id if i != node.id]
    small = len(candidates) < 20000
    options = suggestions(name, candidates) if small else []
    fixes: list[Fix] = []
    inner = undecorated(name)
    if inner is not None and inner in graph.by_id and inner != node.id:
        # `{{s}}`, `${s}`, `$s`: a reference in another language's template syntax.
        fixes.append(
            Fix(
                f"Replace with `{inner}`",
                (TextEdit(span.start, span.end, json_text(inner)),),
                safe=True,
            )
        )
    elif is_literal_text(name, ID_PATTERN) and graph.array is not None:
        # Text that cannot be an id is a value: it becomes a `const` node, as literals do.
        nid = ctx.fresh_id(graph, f"{node.id or 'node'}_in{index}")
        fixes.append(
            Fix(
                f"Move the text to a `const` node `{nid}`",
                (
                    insert_const(ctx.text, node, nid, name),
                    TextEdit(span.start, span.end, json_text(nid)),
                ),
                safe=True,
            )
        )
    outer = ctx.program.main.by_id.get(name) if graph.is_subgraph else None
    if (
        not fixes
        and outer is not None
        and outer.op == "const"
        and not outer.inputs
        and outer.value is not MISSING
        and outer.value is not INVALID
        and graph.array is not None
    ):
        # A subgraph reading a constant of the main graph: ids are local, but a constant
        # means the same anywhere, so the subgraph gets its own copy.
        fixes.append(
            Fix(
                f"Copy the constant `{name}` into {graph.label}",
                (insert_const(ctx.text, node, name, outer.value),),
                safe=True,
            )
        )
    if not fixes:
        pasted = _copy_paste_fix(ctx, graph)
        if pasted is not None:
            fixes.append(pasted[1])
    if not fixes:
        call = _call_of_inner_node(ctx, graph, name)
        if call is not None:
            # An id that lives inside a subgraph, named from outside: the value it stands for
            # is what the call of that subgraph returns.
            fixes.append(
                Fix(
                    f"Replace with `{call}` (the call that returns it)",
                    (TextEdit(span.start, span.end, json_text(call)),),
                    evidence=Evidence.LIKELY,
                )
            )
    meant = (
        reference_candidate(name, candidates, lambda i: _unused(ctx, graph, i))
        if small and not fixes
        else None
    )
    if meant is not None:
        ctx.meant.add(id(graph.by_id[meant.name]))
        if meant.name in options:
            options.remove(meant.name)
        options.insert(0, meant.name)
        fixes.append(
            Fix(
                f"Replace with `{meant.name}`",
                (TextEdit(span.start, span.end, json_text(meant.name)),),
                safe=meant.evidence is Evidence.CERTAIN,
                evidence=meant.evidence,
            )
        )
    array = graph.array
    if array is not None and ID_PATTERN.fullmatch(name):
        # A placeholder: without a `value` it leaves LX1007 until the author writes one.
        new = node_text({"id": name, "op": "const"})
        fixes.append(
            Fix(
                f"Insert a `const` node `{name}` (then give it a value)",
                (insert_before_element(ctx.text, node.syntax, new),),
                evidence=Evidence.PLACEHOLDER,
            )
        )
    message = f"input {json_text(name)} of {node.label} refers to no node in {graph.label}"
    elsewhere = [g.label for g in ctx.program.graphs if g is not graph and name in g.by_id]
    hints = []
    if options:
        message += f"; {did_you_mean(options)}"
    if elsewhere:
        hints.append(
            f"{json_text(name)} is defined in {elsewhere[0]}, but ids are local to their graph"
        )
    if graph.is_subgraph:
        hints.append("inside a subgraph, values from outside arrive through `input_port` nodes")
    hints.append("inputs name the ids of nodes in the same graph")
    ctx.add(make("LX1003", span.start, span.end, message, *hints, fixes=fixes))


def _call_of_inner_node(ctx: Context, graph: Graph, name: str) -> str | None:
    """The one node of ``graph`` calling the subgraph where ``name`` is the value returned
    (the input of its only output port), when there is exactly one such call."""
    owners = [
        g
        for g in ctx.program.subgraphs.values()
        if g is not graph
        and name in g.by_id
        and [p.inputs for p in g.nodes if p.op == "output_port"] == [[name]]
    ]
    if len(owners) != 1:
        return None
    owner = owners[0].name
    calls = [
        n.id
        for n in graph.nodes
        if n.op == "subgraph_call" and n.id is not None and ctx.resolve(n.value) is owners[0]
    ]
    return calls[0] if len(calls) == 1 and owner is not None else None


def _unused(ctx: Context, graph: Graph, nid: str) -> bool:
    """Nothing consumes node ``nid`` and it has no effect: its value is lost."""
    n = graph.by_id.get(nid)
    if n is None or nid in graph.consumers or n.op in ("input_port", "output_port"):
        return False
    return not ctx.node_impurity(n)[0]


def _inline_object(ctx: Context, graph: Graph, node: Node, index: int) -> None:
    item = node.input_syntax(index)
    if not isinstance(item, JObject):
        return
    fixes: list[Fix] = []
    if not contains_invalid(item.value):  # a broken object cannot be moved without guessing
        fixes.append(_flatten_fix(ctx, graph, node, index, item))
    ctx.add(
        make(
            "LX1012",
            item.start,
            item.end,
            f"inline node object in the inputs of {node.label}: inputs must be node ids",
            "move the object to its own node and reference it by id",
            fixes=fixes,
        )
    )


def _flatten_fix(ctx: Context, graph: Graph, node: Node, index: int, item: JObject) -> Fix:
    taken: set[str] = set()
    base = f"{node.id or 'node'}_in{index}"
    new_nodes: list[str] = []
    ref = _flatten(ctx, graph, item.value, base, taken, new_nodes)
    edits = [insert_before_element(ctx.text, node.syntax, text) for text in new_nodes]
    # One insertion holding every new node keeps their order stable.
    if len(edits) > 1:
        sep = edits[0].new_text[len(new_nodes[0]) :]
        edits = [TextEdit(node.syntax.start, node.syntax.start, sep.join(new_nodes) + sep)]
    edits.append(TextEdit(item.start, item.end, json_text(ref)))
    return Fix("Move the inline node to its own node", tuple(edits), safe=True)


def _flatten(
    ctx: Context, graph: Graph, obj: dict[str, Any], base: str, taken: set[str], out: list[str]
) -> str:
    """Turns an inline node (and inline nodes nested in it) into node texts; returns its id."""
    own = obj.get("id")
    if (
        isinstance(own, str)
        and ID_PATTERN.fullmatch(own)
        and own not in graph.by_id
        and own not in taken
    ):
        nid = own
    else:
        nid = ctx.fresh_id(graph, base, taken)
    taken.add(nid)
    flat = dict(obj)
    flat["id"] = nid
    inputs = obj.get("inputs")
    if isinstance(inputs, list):
        new_inputs: list[Any] = []
        for k, sub in enumerate(inputs):
            if isinstance(sub, dict):
                new_inputs.append(_flatten(ctx, graph, sub, f"{nid}_in{k}", taken, out))
            else:
                new_inputs.append(sub)
        flat["inputs"] = new_inputs
    out.append(node_text(flat))
    return nid


# --- values ------------------------------------------------------------------------------


_VALUE_EXAMPLES: Final = {
    ValueRule.ANY: "5",
    ValueRule.STRING: '"name"',
    ValueRule.OPTIONAL_STRING: '"a label"',
    ValueRule.TEMPLATE: '"Hello {}"',
    ValueRule.PORT: "0",
    ValueRule.DELAY_SECONDS: "1",
    ValueRule.SUBGRAPH_REF: '"std:double"',
    ValueRule.CONFIG: '{"timeout": 10}',
    ValueRule.WIDGET: '{"type": "label", "text": "Hi"}',
    ValueRule.SHAPE: '{"shape": "rect", "x": 0, "y": 0, "width": 10, "height": 10}',
}


def _value_problem(
    ctx: Context,
    node: Node,
    message: str,
    *hints: str,
    at_value: bool = True,
    span: Span | None = None,
    fixes: tuple[Fix, ...] = (),
) -> None:
    if span is None:
        span = node.value_span("value") if at_value else None
    if span is None:
        span = node.op_span()
    if not hints:
        rule = OPCODES[node.op or ""].value
        hints = (
            f'`{node.op}` takes a value that is {rule.value}, e.g. "value": {_VALUE_EXAMPLES.get(rule, "...")}',
        )
    ctx.add(make("LX1007", span.start, span.end, message, *hints, fixes=fixes))


# op -> (its value rule, whether the value is required); the rules' members as statics (the
# members of a class that is not compiled are looked up at each use, `required` is run by the
# interpreter, and every node with a value is checked here).
_VALUE_RULE: Final = {name: (op.value, op.value.required) for name, op in OPCODES.items()}
_NONE: Final = ValueRule.NONE
_ANY: Final = ValueRule.ANY
_STRING: Final = ValueRule.STRING
_OPTIONAL_STRING: Final = ValueRule.OPTIONAL_STRING
_TEMPLATE: Final = ValueRule.TEMPLATE
_PORT: Final = ValueRule.PORT
_DELAY_SECONDS: Final = ValueRule.DELAY_SECONDS
_SUBGRAPH_REF: Final = ValueRule.SUBGRAPH_REF
_CONFIG: Final = ValueRule.CONFIG
_WIDGET: Final = ValueRule.WIDGET
_SHAPE: Final = ValueRule.SHAPE


def _check_value(ctx: Context, graph: Graph, node: Node) -> None:
    name = node.op or ""
    rule, required = _VALUE_RULE[name]
    value = node.value
    if value is INVALID:
        return
    missing = value is MISSING
    if required and missing:
        example = _VALUE_EXAMPLES.get(rule, "...")
        _value_problem(
            ctx,
            node,
            f"`{name}` needs a `value` ({rule.value})",
            f'add "value": {example}',
            at_value=False,
            fixes=_port_number_fix(ctx, graph, node) if rule is _PORT else (),
        )
        return
    if missing or rule is _NONE or rule is _ANY:
        return
    if rule in (_STRING, _OPTIONAL_STRING, _TEMPLATE):
        if type(value) is not str:
            port_fixes: tuple[Fix, ...] = ()
            op_span = node.op_span()
            if name == "param" and graph.is_subgraph and type(value) is int and value >= 0:
                # A subgraph's parameter numbered like a port: it is an input port.
                port_fixes = (
                    Fix(
                        "Replace with `input_port`",
                        (TextEdit(op_span.start, op_span.end, json_text("input_port")),),
                        safe=True,
                    ),
                )
            _value_problem(
                ctx,
                node,
                f"the `value` of `{name}` must be a string, not {json_text(value)[:40]}",
                fixes=port_fixes,
            )
            return
        if rule is _TEMPLATE:
            _check_template(ctx, node, value)
    elif rule is _PORT:
        if type(value) is not int or value < 0:
            fixes: tuple[Fix, ...] = ()
            span = node.value_span("value")
            if type(value) is str and value.strip().isdigit() and span is not None:
                # `"value": "0"`: the port number written as a string.
                number = int(value.strip())
                fixes = (
                    Fix(
                        f"Make the port number the number {number}",
                        (TextEdit(span.start, span.end, str(number)),),
                        safe=True,
                    ),
                )
            _value_problem(
                ctx,
                node,
                f"the `value` of `{name}` must be a port number (an integer >= 0), not {json_text(value)[:40]}",
                fixes=fixes,
            )
        elif not graph.is_subgraph:
            span = node.op_span()
            ctx.add(
                make(
                    "LX1009",
                    span.start,
                    span.end,
                    f"`{name}` outside a subgraph: ports exist only inside subgraphs",
                    "move the node into a subgraph, or use `param`/`print` in the main graph",
                )
            )
    elif rule is _DELAY_SECONDS:
        if type(value) not in (int, float) or not 0 <= value <= DELAY_MAX_SECONDS:
            _value_problem(
                ctx,
                node,
                f"`delay` takes 0 to {DELAY_MAX_SECONDS} seconds, got {json_text(value)[:40]}",
            )
    elif rule is _SUBGRAPH_REF:
        _check_reference(ctx, graph, node, value)
    elif rule is _CONFIG:
        _check_config(ctx, node, value)
    elif rule in (_WIDGET, _SHAPE):
        key, allowed = ("type", WIDGET_TYPES) if rule is _WIDGET else ("shape", DRAW_SHAPES)
        if not isinstance(value, dict):
            _value_problem(ctx, node, f"the `value` of `{name}` must be an object with a `{key}`")
            return
        kind = value.get(key)
        if kind not in allowed:
            options = suggestions(kind, allowed) if isinstance(kind, str) else []
            what = f"unknown {key} {json_text(kind)}" if kind is not None else f"missing `{key}`"
            # Narrowest range: the offending "type"/"shape" string when there is one.
            member = node.member("value")
            inner = member.value.get(key) if member and isinstance(member.value, JObject) else None
            narrow = Span(inner.value.start, inner.value.end) if inner and inner.value else None
            _value_problem(
                ctx,
                node,
                f"`{name}`: {what}" + (f"; {did_you_mean(options)}" if options else ""),
                f"{key} is one of: {', '.join(allowed)}",
                span=narrow,
            )


@lru_cache(maxsize=4096)
def template_placeholders(template: str) -> tuple[int, tuple[str, int] | None]:
    """(number of `{}` placeholders, the first lone brace and its position or None)."""
    count = 0
    for m in _PLACEHOLDER.finditer(template):
        token = m.group()
        if token == "{}":
            count += 1
        elif token in ("{", "}"):
            return count, (token, m.start())
    return count, None


def _template_fixes(node: Node, template: str) -> tuple[Fix, ...]:
    """The template in another language's placeholder syntax, rewritten with `{}`."""
    if not all(isinstance(i, str) for i in node.inputs):
        return ()
    repair = positional_template(template, list(node.inputs))
    value = node.value_span("value")
    if repair is None or value is None:
        return ()
    edits = [TextEdit(value.start, value.end, json_text(repair.template))]
    if repair.inputs != list(node.inputs):
        member = node.member("inputs")
        if member is None or not isinstance(member.value, JArray):
            return ()
        edits.append(TextEdit(member.value.start, member.value.end, json_text(repair.inputs)))
    return (
        Fix(
            "Write the placeholders as `{}`"
            + (" and order the inputs to match" if len(edits) > 1 else ""),
            tuple(edits),
            safe=repair.evidence is Evidence.CERTAIN,
            evidence=repair.evidence,
        ),
    )


def _check_template(ctx: Context, node: Node, template: str) -> None:
    count, lone = template_placeholders(template)
    if lone is not None:
        token, position = lone
        _value_problem(
            ctx,
            node,
            f"invalid `format` template: lone {json_text(token)} at position {position}",
            "write `{}` for a placeholder and `{{` / `}}` for literal braces",
            fixes=_template_fixes(node, template),
        )
        return
    inputs = len(node.inputs)
    if count != inputs:
        span = node.value_span("value") or node.op_span()
        ctx.add(
            make(
                "LX1013",
                span.start,
                span.end,
                f"the `format` template has {count} placeholder{'s' if count != 1 else ''} but the node has {inputs} input{'s' if inputs != 1 else ''}",
                "each `{}` takes the next input in order; `{{` and `}}` are literal braces",
                fixes=_template_fixes(node, template),
            )
        )


def _check_config(ctx: Context, node: Node, value: Any) -> None:
    name = node.op or ""
    if not isinstance(value, dict):
        _value_problem(
            ctx,
            node,
            f"the `value` of `{name}` must be a config object, not {json_text(value)[:40]}",
        )
        return
    if name.startswith("http_"):
        for key in ("allow_http", "follow_redirects"):
            if key in value and type(value[key]) is not bool:
                _value_problem(
                    ctx, node, f"`{key}` in the config of `{name}` must be true or false"
                )
                return
        timeout = value.get("timeout")
        if timeout is not None and (type(timeout) not in (int, float) or timeout <= 0):
            _value_problem(
                ctx,
                node,
                f"`timeout` in the config of `{name}` must be a positive number of seconds",
            )


def _resolve_reference(ctx: Context, node: Node, value: str) -> Resolution:
    """What an unresolved subgraph reference of ``node`` stands for (LX1008; LX3003 asks too)."""
    local = {name: ctx.arity(g) for name, g in ctx.program.subgraphs.items()}
    return resolve_subgraph_ref(value, local, needed_ports(node.op or "", len(node.inputs)))


_REFERENCE_KEYS: Final = frozenset(
    {"subgraph", "ref", "name", "fn", "func", "function", "callee", "graph", "call", "use"}
)


def _check_reference(ctx: Context, graph: Graph, node: Node, value: Any) -> None:
    name = node.op or ""
    if type(value) is not str:
        wrapped: tuple[Fix, ...] = ()
        span = node.value_span("value")
        inner = next(iter(value.values())) if isinstance(value, dict) and len(value) == 1 else None
        if (
            isinstance(inner, str)
            and span is not None
            and str(next(iter(value))).lower() in _REFERENCE_KEYS
            and ctx.resolve(inner) is not None
        ):
            # `{"subgraph": "std:square"}`: the reference wrapped in an object.
            wrapped = (
                Fix(
                    f"Replace with `{inner}`",
                    (TextEdit(span.start, span.end, json_text(inner)),),
                    safe=True,
                ),
            )
        _value_problem(
            ctx,
            node,
            f"the `value` of `{name}` must be a subgraph reference (a name, `std:NAME` or a hash), not {json_text(value)[:40]}",
            fixes=wrapped,
        )
        return
    target = ctx.resolve(value)
    if target is None:
        span = node.value_span("value") or node.op_span()
        found = _resolve_reference(ctx, node, value)
        options = list(found.alternatives)
        fixes = []
        if found.best is not None and found.evidence is not None:
            fixes.append(
                Fix(
                    f"Replace with `{found.best}`",
                    (TextEdit(span.start, span.end, json_text(found.best)),),
                    safe=found.safe,
                    evidence=found.evidence,
                )
            )
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            what = (
                f"no subgraph of this program or of the standard library has the hash {value[:12]}…"
            )
        elif value.startswith(STD_PREFIX):
            what = f"the standard library has no {json_text(value)}"
        else:
            what = f"no subgraph named {json_text(value)}"
        message = f"unknown subgraph reference: {what}"
        if options:
            message += f"; {did_you_mean(options)}"
        ctx.add(
            make(
                "LX1008",
                span.start,
                span.end,
                message,
                *found.hints(),
                "a reference is a key of `subgraphs`, `std:NAME` (completion lists them, as does `lexis stdlib`) or a 64-hex content hash",
                fixes=fixes,
            )
        )
        node.skip = True
        return
    ports = ctx.arity(target)
    needed = SUBGRAPH_ARITY.get(name)
    if needed is None and name == "subgraph_call":
        needed = len(node.inputs)
        if ports != needed:
            span = node.value_span("value") or node.op_span()
            ctx.add(
                make(
                    "LX1010",
                    span.start,
                    span.end,
                    f"`subgraph_call` passes {needed} input{'s' if needed != 1 else ''} but {json_text(value)} has {ports} input port{'s' if ports != 1 else ''}",
                    "each input binds to the input port with the same number",
                    fixes=_params_as_ports(target, needed),
                )
            )
        return
    if needed is not None and ports != needed:
        span = node.value_span("value") or node.op_span()
        ctx.add(
            make(
                "LX1010",
                span.start,
                span.end,
                f"`{name}` needs a subgraph with {needed} input port{'s' if needed != 1 else ''}; {json_text(value)} has {ports}",
                "`reduce` folds (acc, item) with 2 ports; map, filter, iterate and retry call 1",
                fixes=_params_as_ports(target, needed) or _unused_ports_fix(target, needed),
            )
        )


def _port_number_fix(ctx: Context, graph: Graph, node: Node) -> tuple[Fix, ...]:
    """A port without a number, in a subgraph whose ports of that kind have none: they are
    numbered in document order, as arguments (and results) are listed in a signature."""
    kind = node.op
    same = [n for n in graph.nodes if n.op == kind]
    # The others are unnumbered, or numbered by that same rule (one fix at a time).
    if not graph.is_subgraph or any(n.value not in (MISSING, k) for k, n in enumerate(same)):
        return ()
    number = same.index(node)
    return (
        Fix(
            f"Number the port {number} (its place among the {kind.replace('_', ' ')}s)"
            if kind
            else "Number the port",
            (_append_member(ctx.text, node.syntax, "value", number),),
            safe=True,
        ),
    )


def _unused_ports_fix(target: Graph, needed: int) -> tuple[Fix, ...]:
    """`map` over a subgraph written as a JavaScript callback `(x, i)`: the input ports past
    the ones the op passes are never read, so removing them changes nothing."""
    if target.name is None or target.array is None:
        return ()
    ports = sorted(
        (n for n in target.nodes if n.op == "input_port" and type(n.value) is int),
        key=lambda n: n.value,
    )
    if len(ports) <= needed or [p.value for p in ports] != list(range(len(ports))):
        return ()
    surplus = ports[needed:]
    if any(p.id is None or p.id in target.consumers for p in surplus):
        return ()
    array = target.array
    edits = [remove_element(array, p.index) for p in sorted(surplus, key=lambda p: -p.index)]
    names = ", ".join(f"`{p.id}`" for p in surplus)
    return (
        Fix(
            f"Remove the unused input port{'s' if len(surplus) > 1 else ''} {names} of "
            f"`{target.name}`",
            tuple(edits),
            safe=True,
        ),
    )


def _params_as_ports(target: Graph, needed: int) -> tuple[Fix, ...]:
    """A subgraph that takes its arguments with `param` nodes (as a program takes its runtime
    parameters) and has no input ports: its `param` nodes, in document order, are its ports.
    Safe with one (no order to guess); offered with several."""
    if target.name is None or any(n.op == "input_port" for n in target.nodes):
        return ()
    params = [n for n in target.nodes if n.op == "param"]
    if len(params) != needed or needed == 0:
        return ()
    edits: list[TextEdit] = []
    for k, n in enumerate(params):
        op_span = n.op_span()
        value = n.value_span("value")
        edits.append(TextEdit(op_span.start, op_span.end, json_text("input_port")))
        if value is None:
            return ()
        edits.append(TextEdit(value.start, value.end, str(k)))
    return (
        Fix(
            f"Make the `param` node{'s' if needed > 1 else ''} of `{target.name}` "
            f"{'its input ports' if needed > 1 else 'its input port'}",
            tuple(edits),
            safe=needed == 1,
            evidence=Evidence.LIKELY,
        ),
    )


# --- cycles ------------------------------------------------------------------------------


def _check_cycles(ctx: Context, graph: Graph) -> None:
    from ..model import schedule

    _order, stuck = schedule(graph)
    if not stuck:
        return
    by_id = graph.by_id
    stuck_ids = {id(n) for n in stuck}
    reported: set[int] = set()
    for start in stuck:
        if id(start) in reported or start.id is None or by_id.get(start.id) is not start:
            continue
        cycle = _find_cycle(start, by_id, stuck_ids)
        if cycle is None:
            continue  # behind a cycle, not on one
        path = " -> ".join(n.id or "?" for n in [*cycle, cycle[0]])
        related = []
        for k, consumer in enumerate(cycle):
            producer = cycle[(k + 1) % len(cycle)]
            # consumer depends on producer: the edge is the input string in the consumer.
            for idx, i in enumerate(consumer.inputs):
                if i == producer.id:
                    s = consumer.input_span(idx)
                    related.append(
                        Related(s.start, s.end, f"{consumer.id} takes {producer.id} as input")
                    )
                    break
        for n in cycle:
            if id(n) in reported:
                continue  # on another cycle already reported: one diagnostic per node
            reported.add(id(n))
            span = n.id_span()
            ctx.add(
                make(
                    "LX1005",
                    span.start,
                    span.end,
                    f"cycle: {path}",
                    "a Lexis program is a DAG: remove one of the edges, or feed the value through `iterate`",
                    related=related,
                )
            )


def _find_cycle(start: Node, by_id: dict[str, Node], stuck: set[int]) -> list[Node] | None:
    """A cycle through ``start`` following inputs (iterative DFS), as [start, ..., last]."""
    stack: list[tuple[Node, int]] = [(start, 0)]
    on_path = {id(start)}
    visited: set[int] = set()
    while stack:
        node, k = stack[-1]
        if k < len(node.inputs):
            stack[-1] = (node, k + 1)
            i = node.inputs[k]
            nxt = by_id.get(i) if type(i) is str else None
            if nxt is None or id(nxt) not in stuck:
                continue
            if nxt is start:
                return [n for n, _ in stack]
            if id(nxt) in on_path or id(nxt) in visited:
                continue
            on_path.add(id(nxt))
            stack.append((nxt, 0))
        else:
            stack.pop()
            on_path.discard(id(node))
            visited.add(id(node))
    return None


# --- ports -------------------------------------------------------------------------------


def _check_ports(ctx: Context, graph: Graph) -> None:
    for kind in ("input_port", "output_port"):
        ports = [n for n in graph.nodes if n.op == kind and type(n.value) is int and n.value >= 0]
        seen: dict[int, Node] = {}
        for n in ports:
            if n.value in seen:
                span = n.value_span("value") or n.op_span()
                first = seen[n.value].value_span("value") or seen[n.value].op_span()
                ctx.add(
                    make(
                        "LX1009",
                        span.start,
                        span.end,
                        f"{graph.label} has two `{kind}` nodes numbered {n.value}",
                        "ports are numbered 0..n-1 without repeats",
                        related=[Related(first.start, first.end, f"first `{kind}` {n.value}")],
                    )
                )
            else:
                seen[n.value] = n
        expected = set(range(len(seen)))
        renumber: list[Fix] = []
        every = sum(1 for n in graph.nodes if n.op == kind)
        if set(seen) == set(range(1, len(seen) + 1)) and len(seen) == len(ports) == every:
            # Numbered from 1, as in most languages' argument lists: the order is what counts.
            edits = []
            for number, n in seen.items():
                s = n.value_span("value")
                if s is not None:
                    edits.append(TextEdit(s.start, s.end, str(number - 1)))
            if len(edits) == len(seen):
                renumber.append(
                    Fix(f"Number the {kind.replace('_', ' ')}s from 0", tuple(edits), safe=True)
                )
        if set(seen) != expected:
            missing = sorted(expected - set(seen))
            for number in sorted(set(seen) - expected):
                n = seen[number]
                span = n.value_span("value") or n.op_span()
                ctx.add(
                    make(
                        "LX1009",
                        span.start,
                        span.end,
                        f"`{kind}` {number} of {graph.label} leaves a gap: port{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} {'are' if len(missing) > 1 else 'is'} missing",
                        f"number the {kind.replace('_', ' ')}s 0..{len(seen) - 1} without gaps",
                        fixes=renumber,
                    )
                )
    if not any(n.op == "output_port" for n in graph.nodes) and graph.key is not None:
        ctx.add(
            make(
                "LX1009",
                graph.key.start,
                graph.key.end,
                f"{graph.label} has no `output_port`: it can return nothing",
                'add {"id": "out", "op": "output_port", "inputs": ["result"], "value": 0}',
                fixes=_output_port_fix(ctx, graph),
            )
        )


def _output_port_fix(ctx: Context, graph: Graph) -> tuple[Fix, ...]:
    """A subgraph with no output port whose nodes end in exactly one value nobody uses: that
    value is its result."""
    if graph.array is None or not graph.array.items or ctx.graph_uncertain(graph):
        return ()
    declared = graph.syntax.value if isinstance(graph.syntax, JObject) else {}
    if isinstance(declared, dict) and any(normalise(k) in PORT_LIST_KEYS for k in declared):
        return ()  # a signature (`"outputs": [...]`) says what it returns: LX0005's fix
    ends = [
        n
        for n in graph.nodes
        if n.id is not None and n.id not in graph.consumers and n.op not in ("input_port",)
    ]
    if len(ends) != 1 or ends[0].op not in OPCODES or ctx.node_impurity(ends[0])[0]:
        return ()
    end = ends[0]
    assert end.id is not None
    oid = ctx.fresh_id(graph, "out")
    last = graph.array.items[-1]
    indent = line_indent(ctx.text, last.start)
    sep = f",\n{indent}" if indent is not None else ", "
    new = node_text({"id": oid, "op": "output_port", "inputs": [end.id], "value": 0})
    return (
        Fix(
            f"Return `{end.id}` through an `output_port`",
            (TextEdit(last.end, last.end, sep + new),),
            safe=True,
        ),
    )


# --- FUNC inputs -------------------------------------------------------------------------

_PASS_THROUGH: Final[dict[str, tuple[int, ...] | None]] = {
    # op -> which inputs its result can come from (None: any input)
    "print": (0,),
    "comment": (0,),
    "delay": (0,),
    "assert": (1,),
    "try_or": (0, 1),
    "select": (1, 2),
}
_OPAQUE: Final = frozenset(
    {"input_port", "subgraph_call", "apply", "match", "index", "get", "reduce", "iterate", "retry"}
)


def _may_be_func(graph: Graph, node: Node, memo: dict[int, bool]) -> bool:
    """False only when the node can never produce a FUNC value.

    Follows pass-through ops (print, select, ...) back to their sources without recursion; an
    unknown input, an opaque op or a cycle counts as "may", so the check never guesses wrong.
    """
    stack: list[tuple[Node, bool]] = [(node, False)]
    visiting: set[int] = set()
    while stack:
        current, expanded = stack.pop()
        key = id(current)
        if key in memo:
            continue
        op = current.op
        if op is None or op not in OPCODES or op in FUNC_PRODUCERS or op in _OPAQUE:
            memo[key] = True
            continue
        sources = _PASS_THROUGH.get(op)
        if not sources:
            memo[key] = False
            continue
        resolved: list[Node] = []
        unresolved = False
        for k in sources:
            if k < len(current.inputs):
                i = current.inputs[k]
                src = graph.by_id.get(i) if type(i) is str else None
                if src is None:
                    unresolved = True
                else:
                    resolved.append(src)
        if expanded:
            visiting.discard(key)
            memo[key] = unresolved or any(memo.get(id(s), True) for s in resolved)
        elif key in visiting:
            memo[key] = True  # a cycle (reported as LX1005)
        else:
            visiting.add(key)
            stack.append((current, True))
            stack.extend((s, False) for s in resolved if id(s) not in memo)
    return memo.get(id(node), True)


def _func_input_indexes(op: str, count: int) -> list[int]:
    if op == "apply" or op == "quote":
        return [0] if count else []
    if op == "compose":
        return list(range(count))
    if op == "match":
        return list(range(1, count))
    return []


def _check_func_inputs(ctx: Context, graph: Graph) -> None:
    memo: dict[int, bool] = {}
    for node in graph.nodes:
        op = node.op
        if op not in ("apply", "compose", "match", "quote") or node.skip:
            continue
        for k in _func_input_indexes(op, len(node.inputs)):
            i = node.inputs[k]
            src = graph.by_id.get(i) if type(i) is str else None
            if src is None or src.skip:
                continue
            if _may_be_func(graph, src, memo):
                continue
            span = node.input_span(k)
            role = {"apply": "the function", "quote": "the function", "compose": "a function"}.get(
                op, "a guard" if k % 2 == 1 else "a handler"
            )
            ctx.add(
                make(
                    "LX1014",
                    span.start,
                    span.end,
                    f"{role} input of `{op}` must be a FUNC, but `{src.id}` is a `{src.op}` node, which never produces one",
                    'FUNC values come from `subgraph_def` (e.g. {"op": "subgraph_def", "value": "std:double"}) or `compose`',
                )
            )


# --- recursion ---------------------------------------------------------------------------


def _check_recursion(ctx: Context) -> None:
    program = ctx.program
    edges: dict[str, list[tuple[str, Node]]] = {}
    for name, graph in program.subgraphs.items():
        out: list[tuple[str, Node]] = []
        for node in graph.nodes:
            if (
                node.op in OPCODES
                and OPCODES[node.op].value is ValueRule.SUBGRAPH_REF
                and type(node.value) is str
            ):
                target = node.value if node.value in program.subgraphs else None
                if target is not None:
                    out.append((target, node))
        edges[name] = out
    # Iterative DFS over the call graph; a back edge closes a loop.
    state: dict[str, int] = {}
    for root in edges:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path = [root]
        state[root] = 1
        while stack:
            name, k = stack[-1]
            if k < len(edges[name]):
                stack[-1] = (name, k + 1)
                target, node = edges[name][k]
                if state.get(target) == 1:
                    loop = [*path[path.index(target) :], target]
                    span = node.value_span("value") or node.op_span()
                    ctx.add(
                        make(
                            "LX1011",
                            span.start,
                            span.end,
                            f"recursive subgraph: {' -> '.join(loop)}",
                            "subgraphs may not call themselves, directly or through others; use `iterate` or `reduce` for repetition",
                        )
                    )
                    node.skip = True
                elif not state.get(target):
                    state[target] = 1
                    path.append(target)
                    stack.append((target, 0))
            else:
                stack.pop()
                state[name] = 2
                path.pop()
