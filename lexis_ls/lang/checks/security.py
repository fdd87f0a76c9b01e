"""LX2001-LX2009: capabilities, trust levels and network targets."""

from __future__ import annotations

from typing import Final

from ..diagnostics import Fix, Related, Scope, TextEdit, make
from ..model import Graph, Node
from ..netpolicy import check_url
from ..opcodes import CAPABILITIES
from ..repair.names import resolve_capability
from ..suggest import did_you_mean
from ..syntax import JArray, JString
from .base import OPCODES, Context, append_to_array, json_text, remove_element

NETWORK_OPS: Final = frozenset({"http_get", "http_post", "http_request"})
MAX_RELATED: Final = 20
_CAPABILITY_OF: Final = {name: op.capability for name, op in OPCODES.items()}


def check_security(ctx: Context) -> None:
    program = ctx.program
    users: dict[str, list[Node]] = {}
    capability_of = _CAPABILITY_OF
    for node in program.all_nodes():
        # Every node with a known op needs its capability, even one with other problems:
        # leaving it out would turn an arity error into a bogus "capability unused".
        op = node.op
        capability = capability_of.get(op) if op is not None else None
        if capability is not None:
            nodes = users.get(capability)
            if nodes is None:
                users[capability] = [node]
            else:
                nodes.append(node)
    _check_declared(ctx, users)
    _check_network(ctx)


def _check_declared(ctx: Context, users: dict[str, list[Node]]) -> None:
    program = ctx.program
    member = program.member("capabilities")
    if member is None or not isinstance(member.value, JArray):
        return  # missing (LX0003) or not an array (LX0004)
    array = member.value
    seen: dict[str, JString] = {}
    declared: set[str] = set()
    # "Never used" needs to know every node's op: with an unreadable node, or with `eval`
    # (whose inner program may use what this one declares), it cannot be said.
    usage_unknown = "META_EVAL" in users or any(
        ctx.graph_uncertain(g, ops=True) for g in program.graphs
    )
    typos: dict[str, JString] = {}  # a needed capability -> the misspelling that stands for it
    for index, item in enumerate(array.items):
        if not isinstance(item, JString):
            continue  # LX0004
        name = item.value
        if name not in CAPABILITIES:
            found = resolve_capability(name, users)
            options = list(found.alternatives)
            fixes = []
            if found.best is not None and found.evidence is not None:
                if found.best in users:
                    typos[found.best] = item  # the misspelling of a capability the program uses
                fixes.append(
                    Fix(
                        f"Replace with `{found.best}`",
                        (TextEdit(item.start, item.end, json_text(found.best)),),
                        safe=found.safe,
                        evidence=found.evidence,
                    )
                )
            ctx.add(
                make(
                    "LX2003",
                    item.start,
                    item.end,
                    f"unknown capability {json_text(name)}"
                    + (f"; {did_you_mean(options)}" if options else ""),
                    *found.hints(),
                    "capabilities: " + ", ".join(CAPABILITIES),
                    fixes=fixes,
                )
            )
            continue
        if name in seen:
            first = seen[name]
            ctx.add(
                make(
                    "LX2009",
                    item.start,
                    item.end,
                    f"capability {json_text(name)} is listed twice",
                    "each capability needs to be declared once",
                    related=[Related(first.start, first.end, "first declaration")],
                    fixes=[
                        Fix(
                            f"Remove the duplicate `{name}`",
                            (remove_element(array, index),),
                            safe=True,
                        )
                    ],
                )
            )
            continue
        seen[name] = item
        declared.add(name)
        if name not in users and not usage_unknown:
            ctx.add(
                make(
                    "LX2002",
                    item.start,
                    item.end,
                    f"capability {json_text(name)} is declared but no node needs it",
                    "declare only what the program uses: the manifest is its security contract",
                    fixes=[
                        Fix(
                            f"Remove `{name}`",
                            (remove_element(array, index),),
                            safe=True,
                            scope=Scope.PROGRAM,
                        )
                    ],
                )
            )
        elif (
            ctx.options.trust_ceiling is not None
            and CAPABILITIES[name].trust > ctx.options.trust_ceiling
        ):
            level = CAPABILITIES[name].trust
            ctx.add(
                make(
                    "LX2008",
                    item.start,
                    item.end,
                    f"{name} needs trust level {level}, above the configured ceiling {ctx.options.trust_ceiling}: the program will not run here",
                    "raise the trust ceiling in the settings, or do without this capability",
                )
            )
    for cap in sorted(users, key=lambda c: (CAPABILITIES[c].trust, c)):
        if cap in declared or (cap in typos and typos[cap].value not in declared):
            continue  # declared, or misspelt (LX2003 says which)
        nodes = users[cap]
        user = nodes[0]
        span = user.op_span()
        others = nodes[1:]
        related = []
        for n in others[:MAX_RELATED]:
            s = n.op_span()
            related.append(Related(s.start, s.end, f"`{n.op}` in {n.label} also needs {cap}"))
        also = f" (and {len(others)} other node{'s' if len(others) != 1 else ''})" if others else ""
        ctx.add(
            make(
                "LX2001",
                span.start,
                span.end,
                f"`{user.op}` needs {cap}, which `capabilities` does not declare{also}",
                f"add {json_text(cap)} to `capabilities` (trust level {CAPABILITIES[cap].trust}); programs are closed by default",
                related=related,
                fixes=[
                    Fix(
                        f"Declare `{cap}`",
                        (append_to_array(array, json_text(cap), ctx.text),),
                        safe=True,
                    )
                ],
            )
        )


def _check_network(ctx: Context) -> None:
    program = ctx.program
    domains = program.allowed_domains
    reported: set[tuple[int, str]] = set()
    for graph in program.graphs:
        for node in graph.nodes:
            if node.op not in NETWORK_OPS or node.skip:
                continue
            if not domains:
                span = node.op_span()
                ctx.add(
                    make(
                        "LX2004",
                        span.start,
                        span.end,
                        f"`{node.op}` will always be blocked: `allowed_domains` is "
                        + ("empty" if program.allowed_domains_member is not None else "missing"),
                        'list the hosts the program may reach, e.g. "allowed_domains": ["api.example.com"]',
                    )
                )
            check_url_source(ctx, graph, node, reported)


def url_source(graph: Graph, node: Node) -> Node | None:
    """The `const` node whose string a network node requests, if any."""
    if not node.inputs or type(node.inputs[0]) is not str:
        return None
    source = graph.by_id.get(node.inputs[0])
    if source is None or source.op != "const" or type(source.value) is not str:
        return None
    return source


def check_url_source(
    ctx: Context, graph: Graph, node: Node, reported: set[tuple[int, str]]
) -> None:
    """LX2005-LX2007 on the constant URL a network node requests (once per URL node and code:
    ``reported``)."""
    program = ctx.program
    domains = program.allowed_domains
    source = url_source(graph, node)
    if source is None:
        return
    config = node.value if isinstance(node.value, dict) else {}
    allow_http = config.get("allow_http") is True
    url_span = source.value_span("value")
    if url_span is None:
        return
    for problem in check_url(source.value, domains, allow_http=allow_http):
        code = {"scheme": "LX2006", "host_not_allowed": "LX2005", "ssrf": "LX2007"}.get(
            problem.kind
        )
        if code is None:
            code = "LX2006"
        key = (id(source), code)
        if key in reported:
            continue
        reported.add(key)
        fixes = []
        hints = []
        if code == "LX2005":
            host = _host(source.value)
            member = program.allowed_domains_member
            if host and member is not None and isinstance(member.value, JArray):
                fixes.append(
                    Fix(
                        f"Add `{host}` to `allowed_domains`",
                        (append_to_array(member.value, json_text(host), ctx.text),),
                    )
                )
            hints.append(
                "a host is allowed when it or a parent domain is listed in `allowed_domains`"
            )
        elif code == "LX2006":
            hints.append('use https, or set "allow_http": true in the node\'s value for plain http')
        else:
            hints.append(
                "only globally routable addresses may be contacted: loopback, private, "
                "link-local, shared (100.64.0.0/10), reserved, multicast and documentation "
                "addresses are refused (SSRF), even when listed in `allowed_domains`"
            )
        related = [Related(*_pair(node.op_span()), f"used by `{node.op}` {node.label}")]
        ctx.add(
            make(
                code,
                url_span.start,
                url_span.end,
                problem.message,
                *hints,
                related=related,
                fixes=fixes,
            )
        )


def _pair(span: object) -> tuple[int, int]:
    return (span.start, span.end)  # type: ignore[attr-defined]


def _host(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host
