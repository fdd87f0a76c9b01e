"""The diagnostics the server gives for each version of a document, whatever incremental path
computed them (a value edit, whole nodes inserted and deleted, an undo taking an earlier
analysis again, a full analysis), equal a fresh `lexis check` of that version's text: codes,
ranges, severities, messages (with their hints), related information and fix titles. Pull and
push clients both (the profiles of lsp_support.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsp_support import diagnostics, open_doc
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_lsp import generate  # noqa: E402

SEVERITY = {
    lsp.DiagnosticSeverity.Error: "error",
    lsp.DiagnosticSeverity.Warning: "warning",
    lsp.DiagnosticSeverity.Information: "information",
    lsp.DiagnosticSeverity.Hint: "hint",
}


def _range(r: dict[str, Any]) -> tuple[int, int, int, int]:
    return (r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"])


def fresh_check(text: str, folder: Path) -> list[Any]:
    """`lexis check --output-format json` of ``text``, as comparable tuples."""
    path = folder / "fresh.lexis.json"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lexis_ls.cli", "check", "--output-format", "json", str(path)],
        cwd=folder,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    out = []
    for d in json.loads(proc.stdout)["diagnostics"]:
        related = sorted((_range(r["range"]), r["message"]) for r in d["related"])
        titles = [(f["title"], f["safe"]) for f in d["fixes"]]
        out.append((d["code"], _range(d["range"]), d["severity"], d["message"], related, titles))
    return sorted(out)


def seen_by_client(found: list[lsp.Diagnostic]) -> list[Any]:
    out = []
    for d in found:
        r = d.range
        related = sorted(
            (
                (
                    i.location.range.start.line,
                    i.location.range.start.character,
                    i.location.range.end.line,
                    i.location.range.end.character,
                ),
                i.message,
            )
            for i in d.related_information or []
        )
        data: Any = d.data or {}
        titles = [(f["title"], f["safe"]) for f in data.get("fixes", [])]
        message = d.message.split("\nhint: ")[0]  # the LSP message adds the hints
        assert d.severity is not None
        out.append(
            (
                str(d.code),
                (r.start.line, r.start.character, r.end.line, r.end.character),
                SEVERITY[d.severity],
                message,
                related,
                titles,
            )
        )
    return sorted(out)


class Editor:
    """The client's copy of the document, sending each edit as a ranged change."""

    def __init__(self, client: LanguageClient, uri: str, text: str) -> None:
        self.client, self.uri, self.text, self.version = client, uri, text, 1

    def position(self, offset: int) -> lsp.Position:
        line = self.text.count("\n", 0, offset)
        return lsp.Position(line, offset - (self.text.rfind("\n", 0, offset) + 1))

    def replace(self, start: int, end: int, new: str) -> None:
        rng = lsp.Range(start=self.position(start), end=self.position(end))
        self.text = self.text[:start] + new + self.text[end:]
        self.version += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=new)],
            )
        )

    def node(self, nid: str) -> tuple[int, int]:
        at = self.text.index(f'{{"id": "{nid}", ')
        return at, self.text.index("\n", at)


def edits(n: int) -> list[tuple[str, Any]]:
    """Each kind of edit, then its undo: (what, function of the editor making the edit)."""

    def value(e: Editor) -> None:
        start = e.text.index('"op": "const", "value": ', e.node("n41")[0])  # a const
        at = e.text.index("}", start) - 1
        e.replace(at, at + 1, str((int(e.text[at]) + 3) % 10))

    def rename(e: Editor) -> None:
        at = e.node("n52")[0] + len('{"id": "n52')
        e.replace(at, at, "x")

    def rename_back(e: Editor) -> None:
        at = e.node("n52x")[0] + len('{"id": "n52x')
        e.replace(at - 1, at, "")

    def brace(e: Editor) -> None:
        _, end = e.node("n60")
        e.replace(end - 2, end - 1, "")

    def brace_back(e: Editor) -> None:
        _, end = e.node("n60")
        e.replace(end - 1, end - 1, "}")

    block = "".join(
        f'    {{"id": "p{k}", "op": "mul", "inputs": ["n6{k}", "n70"]}},\n' for k in range(4)
    )

    def paste(e: Editor) -> None:
        at = e.node("n70")[1] + 1
        e.replace(at, at, block)

    def cut(e: Editor) -> None:
        at = e.node("n70")[1] + 1
        e.replace(at, at + len(block), "")

    line = ',\n    {"id": "extra", "op": "add", "inputs": ["n3", "n4"]}'

    def append(e: Editor) -> None:
        at = e.text.rindex("}\n  ]") + 1
        e.replace(at, at, line)

    def unappend(e: Editor) -> None:
        at = e.text.rindex(line)
        e.replace(at, at + len(line), "")

    def inputs(e: Editor) -> None:
        start, end = e.node("n80")
        at = e.text.index('"inputs": [', start, end) + len('"inputs": [')
        e.replace(at, at, '"n1", ')

    return [
        ("value edit", value),
        ("id renamed", rename),
        ("id renamed back", rename_back),
        ("brace deleted", brace),
        ("brace restored", brace_back),
        ("block pasted", paste),
        ("block cut", cut),
        ("node appended", append),
        ("value edit", value),
        ("node removed", unappend),
        ("inputs edited", inputs),
    ]


async def test_each_version_equals_a_fresh_check(client: LanguageClient, tmp_path: Path) -> None:
    text = generate(120)
    uri = open_doc(client, tmp_path / "walk.lexis.json", text, language_id="json")
    editor = Editor(client, uri, text)
    found = await diagnostics(client, uri, 1)
    assert seen_by_client(found) == fresh_check(text, tmp_path)
    assert {"LX3001", "LX3002"} <= {str(d.code) for d in found}
    for what, edit in edits(120):
        edit(editor)
        found = await diagnostics(client, uri, editor.version)
        assert seen_by_client(found) == fresh_check(editor.text, tmp_path), what


async def test_a_lone_surrogate_in_a_message_is_sent(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A message quoting a lone surrogate (which orjson refuses) still reaches the client,
    escaped as JSON escapes it."""
    text = (
        '{"spec": "lexis-0.1.0", "capabilities": ["PURE_COMPUTE", "IO_STDOUT"], "nodes": [\n'
        '  {"id": "a", "op": "\\ud800const", "value": 5},\n'
        '  {"id": "out", "op": "print", "inputs": ["a"]}\n'
        "]}\n"
    )
    uri = open_doc(client, tmp_path / "s.lexis.json", text, language_id="json")
    found = await diagnostics(client, uri, 1)
    assert "\ud800" in "".join(d.message for d in found)
    assert seen_by_client(found) == fresh_check(text, tmp_path)
