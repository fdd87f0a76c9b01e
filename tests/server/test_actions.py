"""Code actions end to end: a quick fix for every fixable code, lazy edits through
codeAction/resolve for clients that can resolve them (eager edits for the others), fix-all as a
few narrow edits, and the extract / inline subgraph refactors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import SECTION1, SERVER, diagnostics, open_doc
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from lexis_ls.lang.analysis import analyze
from lexis_ls.lang.fixes import fix_all
from lexis_ls.lang.repair import policy
from lexis_ls.run.evaluator import run_text

CONTENT_MODIFIED = -32801

# --- helpers ----------------------------------------------------------------------------


def encoding(client: LanguageClient) -> str:
    caps = client.capabilities
    general = caps.general if caps is not None else None
    encodings = general.position_encodings if general is not None else None
    return (
        str(encodings[0].value if hasattr(encodings[0], "value") else encodings[0])
        if (encodings)
        else "utf-16"
    )


def _units(s: str, enc: str) -> int:
    if enc == "utf-8":
        return len(s.encode("utf-8"))
    if enc == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    return len(s)


def position(text: str, offset: int, enc: str) -> lsp.Position:
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return lsp.Position(line=line, character=_units(text[line_start:offset], enc))


def offset_of(text: str, pos: lsp.Position, enc: str) -> int:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: pos.line])
    line = lines[pos.line]
    k = 0
    while k < len(line) and _units(line[:k], enc) < pos.character:
        k += 1
    return start + k


def span(text: str, start: int, end: int, enc: str) -> lsp.Range:
    return lsp.Range(start=position(text, start, enc), end=position(text, end, enc))


def text_edits(client: LanguageClient, edit: lsp.WorkspaceEdit, uri: str) -> list[lsp.TextEdit]:
    """The edits of ``uri``: with its version in documentChanges when the client supports them,
    else in changes."""
    caps = client.capabilities
    ws = caps.workspace if caps is not None else None
    wse = ws.workspace_edit if ws is not None else None
    if wse is not None and wse.document_changes:
        assert edit.changes is None and edit.document_changes is not None
        (change,) = edit.document_changes
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.uri == uri
        assert change.text_document.version == getattr(client, "_doc_version", {}).get(uri, 1)
        return [e for e in change.edits if isinstance(e, lsp.TextEdit)]
    assert edit.document_changes is None and edit.changes is not None
    assert list(edit.changes) == [uri]
    return list(edit.changes[uri])


def apply(client: LanguageClient, text: str, edit: lsp.WorkspaceEdit, uri: str) -> str:
    enc = encoding(client)
    spans = [
        (offset_of(text, e.range.start, enc), offset_of(text, e.range.end, enc), e.new_text)
        for e in text_edits(client, edit, uri)
    ]
    for start, end, new in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def lazy(client: LanguageClient) -> bool:
    caps = client.capabilities
    ca = caps.text_document.code_action if caps and caps.text_document else None
    rs = ca.resolve_support if ca is not None else None
    return rs is not None and "edit" in rs.properties


def disabled_support(client: LanguageClient) -> bool:
    caps = client.capabilities
    ca = caps.text_document.code_action if caps and caps.text_document else None
    return bool(ca is not None and ca.disabled_support)


async def actions(
    client: LanguageClient,
    uri: str,
    rng: lsp.Range,
    diags: list[lsp.Diagnostic] | None = None,
    only: list[str] | None = None,
) -> list[lsp.CodeAction]:
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=lsp.CodeActionContext(
                diagnostics=diags or [],
                only=list(only) if only is not None else None,  # type: ignore[arg-type]
                trigger_kind=lsp.CodeActionTriggerKind.Invoked,
            ),
        )
    )
    assert result is not None
    assert all(isinstance(a, lsp.CodeAction) for a in result)
    return [a for a in result if isinstance(a, lsp.CodeAction)]


async def edit_of(client: LanguageClient, action: lsp.CodeAction) -> lsp.WorkspaceEdit:
    """The action's edit as the client gets it: resolved later, or at once."""
    if lazy(client):
        assert action.edit is None and isinstance(action.data, dict)
        resolved = await client.code_action_resolve_async(action)
        assert resolved.title == action.title
        assert resolved.edit is not None
        return resolved.edit
    assert action.edit is not None
    return action.edit


async def apply_action(client: LanguageClient, text: str, uri: str, action: lsp.CodeAction) -> str:
    return apply(client, text, await edit_of(client, action), uri)


def whole(text: str, enc: str) -> lsp.Range:
    return span(text, 0, len(text), enc)


def replace_all(client: LanguageClient, uri: str, old: str, new: str, version: int) -> None:
    enc = encoding(client)
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=whole(old, enc), text=new)],
        )
    )
    client._doc_version = {uri: version}  # type: ignore[attr-defined]


def program(
    nodes: list[str], subgraphs: str = "", caps: str = '"PURE_COMPUTE", "IO_STDOUT"'
) -> str:
    body = ",\n".join(f"    {n}" for n in nodes)
    return (
        f'{{\n  "spec": "lexis-0.1.0",\n  "capabilities": [{caps}],\n'
        f'  "nodes": [\n{body}\n  ]{subgraphs}\n}}\n'
    )


def same_run(before: str, after: str) -> None:
    a, b = run_text(before), run_text(after)
    assert a.status == b.status == "ok"
    assert a.output == b.output and a.output


# --- quick fixes ------------------------------------------------------------------------

S = SECTION1
B = '{"id": "b", "op": "const", "value": 3}'
SUM = '{"id": "sum", "op": "add", "inputs": ["a", "b"]}'
NET = (
    B + ',\n    {"id": "u", "op": "const", "value": "https://api.other.org/x"},\n'
    '    {"id": "g", "op": "http_get", "inputs": ["u"]},\n'
    '    {"id": "show", "op": "print", "inputs": ["g"]}'
)
NET_CAPS = '"IO_STDOUT", "NETWORK_OUT"],\n  "allowed_domains": ["example.com"'

# code, text, [(title, safe, fixed text)]
QUICK_FIXES: list[tuple[str, str, list[tuple[str, bool, str]]]] = [
    (
        "LX0003",
        S.replace(B, '{"id": "b", "value": 3}'),
        [("Insert `op`", False, S.replace(B, '{"op": "const", "id": "b", "value": 3}'))],
    ),
    (
        "LX0005",
        S.replace('"inputs": ["sum"]', '"input": ["sum"]'),
        [("Rename to `inputs`", False, S)],
    ),
    ("LX0006", S.replace('"lexis-0.1.0"', '"lexis-0.2"'), [("Set spec to `lexis-0.1.0`", True, S)]),
    ("LX1001", S.replace('"add"', '"ADD"'), [("Replace with `add`", True, S)]),
    (
        "LX1002",
        S.replace('["sum"]', '["sum", "a"]'),
        [
            (
                "Print the 2 values separated by spaces (through `format`)",
                False,
                S.replace(
                    '    {"id": "out", "op": "print", "inputs": ["sum"]}',
                    '    {"id": "out_text", "op": "format", "inputs": ["sum", "a"], "value": "{} {}"},\n'
                    '    {"id": "out", "op": "print", "inputs": ["out_text"]}',
                ),
            ),
            ("Remove the 1 surplus input", False, S),
        ],
    ),
    (
        "LX1003",
        S.replace('["a", "b"]', '["a", "bb"]'),
        [
            ("Replace with `b`", False, S),
            (
                "Insert a `const` node `bb` (then give it a value)",
                False,
                S.replace('["a", "b"]', '["a", "bb"]').replace(
                    '    {"id": "sum"',
                    '    {"id": "bb", "op": "const"},\n    {"id": "sum"',
                ),
            ),
        ],
    ),
    (
        "LX1004",
        # `a = mul(a, a)`: a re-assignment, so the later references move to the new id.
        S.replace(B, '{"id": "a", "op": "mul", "inputs": ["a", "a"]}').replace(
            '["a", "b"]', '["a", "a"]'
        ),
        [
            (
                "Rename to `a_2` and use the new id in the 2 later references",
                True,
                S.replace(B, '{"id": "a_2", "op": "mul", "inputs": ["a", "a"]}').replace(
                    '["a", "b"]', '["a_2", "a_2"]'
                ),
            )
        ],
    ),
    (
        "LX1008",
        S.replace("    " + B + ",\n", "").replace(
            SUM, '{"id": "sum", "op": "subgraph_call", "inputs": ["a"], "value": "std:doubel"}'
        ),
        [
            (
                "Replace with `std:double`",
                False,
                S.replace("    " + B + ",\n", "").replace(
                    SUM,
                    '{"id": "sum", "op": "subgraph_call", "inputs": ["a"], "value": "std:double"}',
                ),
            )
        ],
    ),
    (
        "LX1012",
        S.replace("    " + B + ",\n", "").replace(
            '["a", "b"]', '["a", {"op": "const", "value": 3}]'
        ),
        [
            (
                "Move the inline node to its own node",
                True,
                S.replace("    " + B + ",\n", "").replace(
                    "    " + SUM,
                    '    {"id": "sum_in1", "op": "const", "value": 3},\n'
                    '    {"id": "sum", "op": "add", "inputs": ["a", "sum_in1"]}',
                ),
            )
        ],
    ),
    (
        "LX2001",
        S.replace('"PURE_COMPUTE", "IO_STDOUT"', '"PURE_COMPUTE"'),
        [("Declare `IO_STDOUT`", True, S)],
    ),
    (
        "LX2002",
        S.replace('"IO_STDOUT"]', '"IO_STDOUT", "FS_READ"]'),
        [("Remove `FS_READ`", True, S)],
    ),
    ("LX2003", S.replace('"IO_STDOUT"]', '"IO_STDUOT"]'), [("Replace with `IO_STDOUT`", False, S)]),
    (
        "LX2005",
        S.replace('"IO_STDOUT"', NET_CAPS).replace(B, NET),
        [
            (
                "Add `api.other.org` to `allowed_domains`",
                False,
                S.replace('"IO_STDOUT"', NET_CAPS + ', "api.other.org"').replace(B, NET),
            )
        ],
    ),
    (
        "LX2009",
        S.replace('"IO_STDOUT"]', '"IO_STDOUT", "IO_STDOUT"]'),
        [("Remove the duplicate `IO_STDOUT`", True, S)],
    ),
    (
        "LX3002",  # equal constants are not duplicates: a second `add` of `a` and `b` is
        S.replace(SUM, SUM + ",\n    " + SUM.replace('"sum"', '"sum2"')),
        [("Merge into `sum`", False, S)],
    ),
]


async def test_a_quick_fix_for_every_fixable_code(client: LanguageClient, tmp_path: Path) -> None:
    for k, (code, text, fixes) in enumerate(QUICK_FIXES):
        uri = open_doc(client, tmp_path / f"q{k}_{code}.lexis.json", text)
        found = [d for d in await diagnostics(client, uri, 1) if d.code == code]
        assert len(found) == 1, (code, found)
        diag = found[0]
        got = await actions(client, uri, diag.range, [diag])
        quick = [a for a in got if a.kind == lsp.CodeActionKind.QuickFix]
        assert [a.title for a in quick] == [t for t, _, _ in fixes], code
        # isPreferred: the first fix, when the core rates it likely or certain (the policy).
        core = next(d for d in analyze(text).diagnostics if d.code == code)
        preferred = core.fixes[0].title if core.fixes and policy.preferred(core.fixes[0]) else None
        for action, (_title, _safe, expected) in zip(quick, fixes):
            assert list(action.diagnostics or []) == [diag]
            assert action.is_preferred == (True if action.title == preferred else None)
            assert await apply_action(client, text, uri, action) == expected, code
        if preferred is None:
            assert not any(a.kind == "source.fixAll.lexis" for a in got)


async def test_quick_fixes_follow_the_range_when_no_diagnostic_is_sent(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = S.replace('"add"', '"ADD"')
    uri = open_doc(client, tmp_path / "r.lexis.json", text)
    enc = encoding(client)
    at = text.index('"ADD"') + 2
    got = await actions(client, uri, span(text, at, at, enc), only=["quickfix"])
    assert [a.title for a in got] == ["Replace with `add`"]
    (d,) = got[0].diagnostics or []
    assert d.code == "LX1001" and d.range == span(text, at - 2, at + 3, enc)
    assert got[0].is_preferred is True
    assert await apply_action(client, text, uri, got[0]) == S
    # elsewhere on the line: nothing
    far = text.index('"sum"')
    assert await actions(client, uri, span(text, far, far, enc), only=["quickfix"]) == []


async def test_stale_or_foreign_diagnostics_get_no_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = S.replace('"add"', '"ADD"')
    uri = open_doc(client, tmp_path / "s.lexis.json", text)
    (diag,) = await diagnostics(client, uri, 1)
    moved = lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(1, 0), end=lsp.Position(1, 5)),
        message=diag.message,
        code=diag.code,
        source="lexis",
    )
    foreign = lsp.Diagnostic(range=diag.range, message="x", code="LX1001", source="eslint")
    assert await actions(client, uri, diag.range, [moved, foreign], only=["quickfix"]) == []


async def test_lazy_actions_carry_data_and_resolve_for_their_version_only(
    client: LanguageClient, tmp_path: Path
) -> None:
    assert lazy(client)  # all three profiles resolve `edit` lazily (the eager path: below)
    text = S.replace('"PURE_COMPUTE", "IO_STDOUT"', '"PURE_COMPUTE"')
    uri = open_doc(client, tmp_path / "l.lexis.json", text)
    (diag,) = await diagnostics(client, uri, 1)
    (action,) = await actions(client, uri, diag.range, [diag], only=["quickfix"])
    start = text.index('"print"')
    assert action.edit is None
    assert action.data == {
        "uri": uri,
        "version": 1,
        "code": "LX2001",
        "start": start,
        "end": start + 7,
        "index": 0,
    }
    assert apply(client, text, await edit_of(client, action), uri) == S
    replace_all(client, uri, text, text + "\n", 2)
    with pytest.raises(JsonRpcException, match="the document changed") as refused:
        await client.code_action_resolve_async(action)
    assert refused.value.code == CONTENT_MODIFIED
    # an action of the new version resolves
    (fresh,) = await actions(client, uri, diag.range, [], only=["quickfix"])
    assert fresh.data is not None and fresh.data["version"] == 2
    assert apply(client, text + "\n", await edit_of(client, fresh), uri) == S + "\n"


@pytest_lsp.fixture(config=SERVER)
async def eager_client(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    """Neovim 0.11 without resolve support for `edit`, with versioned documentChanges."""
    caps = client_capabilities("neovim@0.11.0")
    assert caps.text_document is not None and caps.text_document.code_action is not None
    caps.text_document.code_action.resolve_support = None
    assert caps.workspace is not None and caps.workspace.workspace_edit is not None
    caps.workspace.workspace_edit.document_changes = True
    lsp_client.set_configuration({}, section="lexis")
    result = await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            root_uri=tmp_path.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=tmp_path.as_uri(), name=tmp_path.name)],
        )
    )
    lsp_client.init_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_eager_edits_for_clients_that_cannot_resolve(
    eager_client: LanguageClient, tmp_path: Path
) -> None:
    client = eager_client
    provider = client.init_result.capabilities.code_action_provider  # type: ignore[attr-defined]
    assert isinstance(provider, lsp.CodeActionOptions) and provider.resolve_provider is True
    assert [str(getattr(k, "value", k)) for k in provider.code_action_kinds or []] == [
        "quickfix",
        "refactor.extract",
        "refactor.inline",
        "source.fixAll.lexis",
    ]
    assert not lazy(client) and encoding(client) == "utf-8"
    text = S.replace('"add"', '"ADD"').replace('"value": 5}', '"value": 5, "doc": "😀é"}')
    uri = open_doc(client, tmp_path / "e.lexis.json", text)
    at = text.index('"ADD"')
    got = await actions(client, uri, span(text, at, at + 5, "utf-8"))
    assert [(a.title, a.kind) for a in got] == [
        ("Replace with `add`", lsp.CodeActionKind.QuickFix),
        ("Fix all safe problems (1 fix)", "source.fixAll.lexis"),
    ]
    fix, fix_all_action = got
    for action, edit in (
        (fix, lsp.TextEdit(range=span(text, at, at + 5, "utf-8"), new_text='"add"')),
        (fix_all_action, lsp.TextEdit(range=span(text, at + 1, at + 4, "utf-8"), new_text="add")),
    ):
        assert action.data is None and action.edit is not None
        (change,) = action.edit.document_changes or []
        assert isinstance(change, lsp.TextDocumentEdit) and change.text_document.version == 1
        assert list(change.edits) == [edit]
        assert apply(client, text, action.edit, uri) == text.replace('"ADD"', '"add"')


async def test_actions_ignore_documents_that_are_not_lexis(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "package.json", '{"name": "x"}', "json")
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 5)),
            context=lsp.CodeActionContext(diagnostics=[]),
        )
    )
    assert not result


# --- fix-all ----------------------------------------------------------------------------

MESSY = """{
  "spec": "lexis-0.0.9",
  "name": "kept as is — ünïcode 😀",
  "capabilities": ["IO_STDOUT", "FS_READ", "IO_STDOUT"],
  "nodes": [
    {"id": "a", "op": "const", "value": 5, "doc": "😀 five"},
    {"id": "b", "op": "CONST", "value": 3, "doc": "é"},
    {"id": "s", "op": "add", "inputs": ["a", {"op": "mul", "inputs": ["b", "b"]}]},
    {"id": "t", "op": "mul", "doc": "ünï 😀", "inputs": ["s", "s"]},
    {"id": "out", "op": "print", "inputs": ["t"]}
  ]
}
"""


async def test_fix_all_is_a_few_narrow_edits(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "m.lexis.json", MESSY)
    enc = encoding(client)
    got = await actions(client, uri, whole(MESSY, enc), only=["source.fixAll"])
    (action,) = got
    result = fix_all(MESSY)
    assert action.kind == "source.fixAll.lexis"
    assert action.title == f"Fix all safe problems ({len(result.applied)} fixes)"
    assert action.diagnostics is None
    edit = await edit_of(client, action)
    fixed = apply(client, MESSY, edit, uri)
    assert fixed == result.text
    assert analyze(fixed).diagnostics == []
    edits = text_edits(client, edit, uri)

    def at(needle: str, after: int = 0) -> int:
        return MESSY.index(needle) + after

    assert sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character)) == [
        lsp.TextEdit(range=span(MESSY, at('0.0.9"', 2), at('0.0.9"', 5), enc), new_text="1.0"),
        lsp.TextEdit(
            range=span(MESSY, at('FS_READ", "IO'), at('FS_READ", "IO_STDOUT') + 20, enc),
            new_text="PURE_COMPUTE",
        ),
        lsp.TextEdit(range=span(MESSY, at('"CONST"', 1), at('"CONST"', 6), enc), new_text="const"),
        lsp.TextEdit(
            range=span(MESSY, at('    {"id": "s"'), at('    {"id": "s"'), enc),
            new_text='    {"id": "s_in1", "op": "mul", "inputs": ["b", "b"]},\n',
        ),
        lsp.TextEdit(
            range=span(MESSY, at('{"op": "mul"'), at("]}]}") + 2, enc), new_text='"s_in1"'
        ),
    ]
    # every line no fix was about is byte-identical, at its place (one line was inserted)
    old_lines, new_lines = MESSY.split("\n"), fixed.split("\n")
    for n in (0, 2, 4, 5, 8, 9, 10, 11, 12):
        assert new_lines[n + (1 if n >= 7 else 0)] == old_lines[n]


async def test_fix_all_is_offered_only_when_it_changes_something(
    client: LanguageClient, tmp_path: Path
) -> None:
    enc = encoding(client)
    clean = open_doc(client, tmp_path / "clean.lexis.json", S)
    assert await actions(client, clean, whole(S, enc), only=["source.fixAll"]) == []
    assert await actions(client, clean, whole(S, enc), only=["source"]) == []
    unsafe = S.replace('["a", "b"]', '["a", "bb"]')  # only an unsafe fix
    uri = open_doc(client, tmp_path / "unsafe.lexis.json", unsafe)
    assert await actions(client, uri, whole(unsafe, enc), only=["source.fixAll"]) == []
    offered = await actions(client, uri, whole(unsafe, enc))
    assert all(a.kind != "source.fixAll.lexis" for a in offered) and offered
    safe = S.replace('"add"', '"ADD"')
    uri = open_doc(client, tmp_path / "safe.lexis.json", safe)
    for only in (["source"], ["source.fixAll"], ["source.fixAll.lexis"], None):
        got = [a for a in await actions(client, uri, whole(safe, enc), only=only)]
        assert [a.title for a in got if a.kind == "source.fixAll.lexis"] == [
            "Fix all safe problems (1 fix)"
        ], only
    got = await actions(client, uri, whole(safe, enc), only=["refactor"])
    assert all(str(a.kind).startswith("refactor.") for a in got)
    got = await actions(client, uri, whole(safe, enc), only=["quickfix"])
    assert all(a.kind == lsp.CodeActionKind.QuickFix for a in got)


# --- refactors --------------------------------------------------------------------------

SUM_TWICE = program(
    [
        '{"id": "a", "op": "const", "value": 5}',
        '{"id": "b", "op": "const", "value": 3}',
        '{"id": "two", "op": "const", "value": 2}',
        '{"id": "sum", "op": "add", "inputs": ["a", "b"], "doc": "ünï 😀"}',
        '{"id": "twice", "op": "mul", "inputs": ["sum", "two"]}',
        '{"id": "out", "op": "print", "inputs": ["twice"]}',
    ]
)
EXTRACTED = program(
    [
        '{"id": "a", "op": "const", "value": 5}',
        '{"id": "b", "op": "const", "value": 3}',
        '{"id": "two", "op": "const", "value": 2}',
        '{"id": "twice", "op": "subgraph_call", "inputs": ["a", "b", "two"], "value": "extracted"}',
        '{"id": "out", "op": "print", "inputs": ["twice"]}',
    ],
    subgraphs=""",
  "subgraphs": {
    "extracted": {
      "nodes": [
        {"id": "a", "op": "input_port", "value": 0},
        {"id": "b", "op": "input_port", "value": 1},
        {"id": "two", "op": "input_port", "value": 2},
        {"id": "sum", "op": "add", "inputs": ["a", "b"], "doc": "ünï 😀"},
        {"id": "twice", "op": "mul", "inputs": ["sum", "two"]},
        {"id": "out", "op": "output_port", "inputs": ["twice"], "value": 0}
      ]
    }
  }""",
)


async def test_extract_selected_nodes_into_a_subgraph(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "x.lexis.json", SUM_TWICE)
    enc = encoding(client)
    start = SUM_TWICE.index('{"id": "sum"')
    end = SUM_TWICE.index('{"id": "twice"') + 10  # part of the last line is enough
    assert await actions(client, uri, span(SUM_TWICE, start, start, enc), only=["refactor"]) == []
    got = await actions(client, uri, span(SUM_TWICE, start, end, enc), only=["refactor"])
    assert [(a.title, a.kind) for a in got] == [
        ("Extract 2 nodes into subgraph `extracted`", lsp.CodeActionKind.RefactorExtract)
    ]
    if lazy(client):
        assert got[0].data == {
            "uri": uri,
            "version": 1,
            "action": "extract",
            "start": start,
            "end": end,
        }
    new = await apply_action(client, SUM_TWICE, uri, got[0])
    assert new == EXTRACTED
    same_run(SUM_TWICE, new)
    replace_all(client, uri, SUM_TWICE, new, 2)
    assert await diagnostics(client, uri, 2) == []


CALLS = program(
    [
        '{"id": "n", "op": "const", "value": 4}',
        '{"id": "sq", "op": "subgraph_call", "inputs": ["n"], "value": "square_plus"}',
        '{"id": "out", "op": "print", "inputs": ["sq"]}',
    ],
    subgraphs=""",
  "subgraphs": {
    "square_plus": {
      "nodes": [
        {"id": "x", "op": "input_port", "value": 0},
        {"id": "one", "op": "const", "value": 1, "doc": "ünï 😀"},
        {"id": "s", "op": "mul", "inputs": ["x", "x"]},
        {"id": "r", "op": "add", "inputs": ["s", "one"]},
        {"id": "o", "op": "output_port", "inputs": ["r"], "value": 0}
      ]
    }
  }""",
)


async def test_inline_a_subgraph_call(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "i.lexis.json", CALLS)
    enc = encoding(client)
    at = CALLS.index('"square_plus"}') + 3  # on the reference
    got = await actions(client, uri, span(CALLS, at, at, enc), only=["refactor.inline"])
    assert [(a.title, a.kind) for a in got] == [
        ("Inline `square_plus` at `sq` and remove `square_plus`", lsp.CodeActionKind.RefactorInline)
    ]
    new = await apply_action(client, CALLS, uri, got[0])
    assert new == program(
        [
            '{"id": "n", "op": "const", "value": 4}',
            '{"id": "sq__one", "op": "const", "value": 1, "doc": "ünï 😀"}',
            '{"id": "sq__s", "op": "mul", "inputs": ["n", "n"]}',
            '{"id": "sq__r", "op": "add", "inputs": ["sq__s", "sq__one"]}',
            '{"id": "out", "op": "print", "inputs": ["sq__r"]}',
        ]
    )
    same_run(CALLS, new)
    replace_all(client, uri, CALLS, new, 2)
    assert await diagnostics(client, uri, 2) == []
    # no inline on other nodes
    n = new.index('{"id": "out"')
    assert await actions(client, uri, span(new, n, n, enc), only=["refactor"]) == []


async def test_refused_refactors_are_disabled_or_absent(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = program(
        [
            '{"id": "a", "op": "const", "value": "first"}',
            '{"id": "b", "op": "const", "value": "second"}',
            '{"id": "p1", "op": "print", "inputs": ["a"]}',
            '{"id": "y", "op": "concat", "inputs": ["z", "a"]}',
            '{"id": "z", "op": "print", "inputs": ["b"]}',
            '{"id": "out", "op": "print", "inputs": ["y"]}',
        ]
    )
    uri = open_doc(client, tmp_path / "d.lexis.json", text)
    enc = encoding(client)
    start, end = text.index('{"id": "p1"'), text.index('{"id": "z"') - 6
    got = await actions(client, uri, span(text, start, end, enc), only=["refactor"])
    if disabled_support(client):
        (action,) = got
        assert action.title == "Extract 2 nodes into subgraph `extracted`"
        assert action.edit is None and action.data is None
        assert action.disabled == lsp.CodeActionDisabled(
            reason="the effects of the program (output, files...) would run in another order"
        )
    else:
        assert got == []


async def test_refactor_resolve_after_a_change_is_refused(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_doc(client, tmp_path / "rr.lexis.json", CALLS)
    enc = encoding(client)
    at = CALLS.index('"sq"')
    (action,) = await actions(client, uri, span(CALLS, at, at, enc), only=["refactor.inline"])
    replace_all(client, uri, CALLS, CALLS.replace('"value": 4', '"value": 5'), 2)
    with pytest.raises(JsonRpcException, match=r"the document changed \(version 1, now 2\)") as e:
        await client.code_action_resolve_async(action)
    assert e.value.code == CONTENT_MODIFIED
