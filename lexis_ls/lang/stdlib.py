"""The standard library: 32 subgraphs referenced as ``"std:NAME"`` (LEXIS.md §8).

Each subgraph is written in the spec's compact notation ``id=op(inputs)[value]``, expanded to
real node objects, and parsed through the same parser and model as user programs, so hover,
go-to-definition and the interpreter treat it like any other subgraph. The expected content hash
of each is kept beside it; ``tests/lang/test_hashing.py`` checks every one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

STD_PREFIX = "std:"

# (name, definition, content hash) transcribed from LEXIS.md §8.
_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "always_true",
        "x=input_port[0]; t=const[true]; out=output_port(t)[0]",
        "abf93239b6c976cce5cfe78d446f1fd6112eae213f1c3fd61f73e48d197843db",
    ),
    (
        "always_false",
        "x=input_port[0]; f=const[false]; out=output_port(f)[0]",
        "d952a5bbd05e00aaf83a4d9101fb9e0d365dd7b3c3eae133a7f4ddf8584b87b7",
    ),
    (
        "is_num",
        'x=input_port[0]; t=type_of(x); k=const["NUM"]; e=eq(t,k); out=output_port(e)[0]',
        "ee92d36d5e08ffd1d59ce45e8516437c0c06ee29e215bb59a00979e0db77b9bf",
    ),
    (
        "is_str",
        'x=input_port[0]; t=type_of(x); k=const["STR"]; e=eq(t,k); out=output_port(e)[0]',
        "2817f056117e859e06fecd8d1b0b886c219ad15e08343632ccbcdbe6d8df56f3",
    ),
    (
        "is_bool",
        'x=input_port[0]; t=type_of(x); k=const["BOOL"]; e=eq(t,k); out=output_port(e)[0]',
        "68ef585320e988e1b71b3716442ec2a89fef00d9dcc6ec8b5ffcff55f7c596b1",
    ),
    (
        "is_dict",
        'x=input_port[0]; t=type_of(x); k=const["DICT"]; e=eq(t,k); out=output_port(e)[0]',
        "108ad3df7b58dfcaf454a57c7c1a9148b4a3b6c98d9f4f26e1d60c51e996e001",
    ),
    (
        "is_seq",
        'x=input_port[0]; t=type_of(x); k=const["SEQ"]; e=eq(t,k); out=output_port(e)[0]',
        "f4af768d427aa52b5d4f8a54c6f7fd004e0ad8ec9acdf21f114bdf96d9ac2719",
    ),
    (
        "is_error",
        "x=input_port[0]; e=is_error(x); out=output_port(e)[0]",
        "636d38362daf7c75239384b7ad73ba1b84cd27915865d32d8e85d39578ce9604",
    ),
    (
        "double",
        "x=input_port[0]; k=const[2]; r=mul(x,k); out=output_port(r)[0]",
        "3d8c23929a98e626a7736b5a654e508c7d10638e7c899cf14bde93a190a42e7e",
    ),
    (
        "negate",
        "x=input_port[0]; k=const[-1]; r=mul(x,k); out=output_port(r)[0]",
        "3de69face01b879d591f9b69a315f2bd19c5b54f60e7bb19525b8659682c3923",
    ),
    (
        "identity",
        "x=input_port[0]; out=output_port(x)[0]",
        "74c985d2bc458e86d4ef682ce551bf9050374bde2c744e4276f6d979966a11af",
    ),
    (
        "to_str",
        "x=input_port[0]; r=to_str(x); out=output_port(r)[0]",
        "cd724ca95d0aca9f097f1a35be87ed35caa0d3c56829e6804cc7d2dabd87f888",
    ),
    (
        "to_num",
        "x=input_port[0]; r=to_num(x); out=output_port(r)[0]",
        "384789126edcb055f1aa038cb17cbe1dcf696fbf6a0d1928a48dcc9a3cdee080",
    ),
    (
        "get_length",
        "x=input_port[0]; r=length(x); out=output_port(r)[0]",
        "d7226ba63dc9a7e89b544db2752d9005ee70891a32c983ac911fe2cd3de15060",
    ),
    (
        "get_first",
        "x=input_port[0]; k=const[0]; r=index(x,k); out=output_port(r)[0]",
        "f9b37ed455bc731db516b56162f432d210a009a6ab01b61be675ace215f3c56c",
    ),
    (
        "get_last",
        "x=input_port[0]; k=const[-1]; r=index(x,k); out=output_port(r)[0]",
        "c19ce2f0214fdb0a68fa33f95b5b9a4ee2595d3f9b19e322d5d2cbfe614478b5",
    ),
    (
        "is_positive",
        "x=input_port[0]; k=const[0]; r=gt(x,k); out=output_port(r)[0]",
        "223c9277402767e5ff44051d93e240baaaaffb69bab941172d09dd1fd6cef9bf",
    ),
    (
        "is_negative",
        "x=input_port[0]; k=const[0]; r=lt(x,k); out=output_port(r)[0]",
        "2ae2504e12cf1d9af0acbd03dfed354fc1a32c638d80b8633398ed54a6c4f3b0",
    ),
    (
        "is_zero",
        "x=input_port[0]; k=const[0]; r=eq(x,k); out=output_port(r)[0]",
        "c5046642198ecc8c8e11ca58c08c6b56d778de2836f0499c928d053101bbbadd",
    ),
    (
        "is_empty",
        "x=input_port[0]; l=length(x); k=const[0]; r=eq(l,k); out=output_port(r)[0]",
        "000f566dcf87cdf647cc5e6cc2f68739d1c22f5c9fdef16e98f416d1a399d2f5",
    ),
    (
        "abs",
        "x=input_port[0]; z=const[0]; neg=lt(x,z); m=const[-1]; f=mul(x,m); r=select(neg,f,x); out=output_port(r)[0]",
        "5c47fc559f904f3d3a50aff5d02881b19dbac26ef1df7a7221fcc63f66da465f",
    ),
    (
        "square",
        "x=input_port[0]; r=mul(x,x); out=output_port(r)[0]",
        "0844d8a1fea844e4ba7f2c1cc29b3f34399944d1f653fab037e87a3c3dadef0b",
    ),
    (
        "increment",
        "x=input_port[0]; k=const[1]; r=add(x,k); out=output_port(r)[0]",
        "a75d426258c76fd65495d7f0f5b8c958144c6c6c0bd7dcb6354621745a0398ec",
    ),
    (
        "decrement",
        "x=input_port[0]; k=const[1]; r=sub(x,k); out=output_port(r)[0]",
        "3f387a60fe26e243891be34c77eedb0c1952b7c223c8153f76f134458cdfb3bb",
    ),
    (
        "not_op",
        "x=input_port[0]; r=not(x); out=output_port(r)[0]",
        "ebfe563e7aa4fe7a4961aa7f08b09100145c7cadb3df572d1931e4086f076a5d",
    ),
    (
        "add",
        "a=input_port[0]; b=input_port[1]; r=add(a,b); out=output_port(r)[0]",
        "6ad1ef03743e1b2579c2ea94b7f4c34c45c93ffdad20bf058ea22ded6589e291",
    ),
    (
        "mul",
        "a=input_port[0]; b=input_port[1]; r=mul(a,b); out=output_port(r)[0]",
        "98109333c78f480977b877567dd6d7f4f18beb6597a63c45dc0ed95e7a932e53",
    ),
    (
        "sub",
        "a=input_port[0]; b=input_port[1]; r=sub(a,b); out=output_port(r)[0]",
        "29fff09c5266154dd37d64dd277d7fbaebf47dbb94b78905d5f900dfdea06b94",
    ),
    (
        "min",
        "a=input_port[0]; b=input_port[1]; l=lt(a,b); r=select(l,a,b); out=output_port(r)[0]",
        "14f302813aa7de980e1ba8ef13c0dc65bdad198714db841efdda5525fe7f0b64",
    ),
    (
        "max",
        "a=input_port[0]; b=input_port[1]; g=gt(a,b); r=select(g,a,b); out=output_port(r)[0]",
        "58f627c716bef86d348332b1539c436f02d4b50e079065922bdd1552ec58d024",
    ),
    (
        "concat",
        "a=input_port[0]; b=input_port[1]; r=concat(a,b); out=output_port(r)[0]",
        "22d160fb5a506314c2f928467e5cb4f5c7d1678bb57824dbb94a418b4cfe0992",
    ),
    (
        "and_op",
        "a=input_port[0]; b=input_port[1]; r=and(a,b); out=output_port(r)[0]",
        "ff539e4eec0c5285eb04a7cee20e5cef5f46b88ec608a9ec8c2a74ef274d8e53",
    ),
)

_NODE = re.compile(r"(?P<id>\w+)=(?P<op>\w+)(?:\((?P<inputs>[^)]*)\))?(?:\[(?P<value>[^\]]*)\])?")

GUARDS = (
    "always_true",
    "always_false",
    "is_num",
    "is_str",
    "is_bool",
    "is_dict",
    "is_seq",
    "is_error",
)
REDUCERS = ("add", "mul", "sub", "min", "max", "concat", "and_op")


@dataclass(frozen=True)
class StdEntry:
    name: str  # without the prefix
    definition: str
    expected_hash: str
    nodes: tuple[dict[str, Any], ...]

    @property
    def ref(self) -> str:
        return STD_PREFIX + self.name

    @property
    def kind(self) -> str:
        if self.name in GUARDS:
            return "guard"
        if self.name in REDUCERS:
            return "reducer"
        return "transform"

    @property
    def arity(self) -> int:
        return sum(1 for n in self.nodes if n["op"] == "input_port")

    def signature(self) -> str:
        params = ", ".join(f"x{i}" for i in range(self.arity)) if self.arity > 1 else "x"
        return f"{self.ref}({params})"

    def program_text(self) -> str:
        """The subgraph as a JSON document in canonical layout (for a read-only view)."""
        lines = ",\n".join("    " + json.dumps(n, ensure_ascii=False) for n in self.nodes)
        return f'{{\n  "nodes": [\n{lines}\n  ]\n}}\n'


def _expand(definition: str) -> tuple[dict[str, Any], ...]:
    nodes = []
    for part in definition.split(";"):
        m = _NODE.fullmatch(part.strip())
        if m is None:
            raise ValueError(f"bad stdlib node {part!r}")
        node: dict[str, Any] = {"id": m.group("id"), "op": m.group("op")}
        if m.group("inputs"):
            node["inputs"] = [i.strip() for i in m.group("inputs").split(",")]
        if m.group("value") is not None:
            node["value"] = json.loads(m.group("value"))
        nodes.append(node)
    return tuple(nodes)


@cache
def entries() -> dict[str, StdEntry]:
    """name (without ``std:``) -> entry, in the order of LEXIS.md."""
    return {n: StdEntry(n, d, h, _expand(d)) for n, d, h in _DEFINITIONS}


def names() -> list[str]:
    return [STD_PREFIX + n for n in entries()]


def lookup(ref: str) -> StdEntry | None:
    if not ref.startswith(STD_PREFIX):
        return None
    return entries().get(ref[len(STD_PREFIX) :])
