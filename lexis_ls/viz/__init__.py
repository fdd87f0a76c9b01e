"""``lexis viz`` and ``lexis run --viz``: the program graph as one self-contained HTML page.

The page's script and style are the bundle ``static/graph.js`` + ``static/graph.css`` (built by
``cd vscode-extension && npm run build`` from ``vscode-extension/webview/``, the same script the
VS Code panel runs), inlined with the GraphData (``lexis_ls.lang.graph``) embedded as JSON. Its
content security policy allows no network source at all: ``default-src 'none'``, the inline
script and style by a per-page nonce, so the page loads nothing and sends nothing.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import sys
import tempfile
import webbrowser
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..lang.analysis import Analysis, Options, analyze
from ..lang.graph import graph_data, trace_data
from ..run.files import WriteError, read_text_file, write_atomic

__all__ = [
    "embed_json",
    "output_problem",
    "page_html",
    "run_page",
    "static_asset",
    "viz_command",
    "write_run_page",
]


def static_asset(name: str) -> str:
    """The text of ``static/NAME`` (graph.js or graph.css)."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def embed_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line
    separators appear literally (``</script>`` or ``<!--`` in a node id cannot end or alter the
    element)."""
    # ASCII only: a lone surrogate (LX0008) in an id or a value cannot be written as UTF-8, and
    # as a \ud800 escape JSON.parse reads it back as it was.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _inline_script(code: str) -> str:
    # "</script" (any case) would end the element early; "<!--" could switch the HTML parser into
    # its script-data-escaped state. Both are written with an escaped "<" ("\x3C" in a JS string
    # or regular expression is the same character); the minified bundle has neither in code.
    out = code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return out.replace("<!--", "<\\!--")


def page_html(data: Mapping[str, Any], title: str | None = None) -> str:
    """One self-contained HTML page showing ``data`` (GraphData)."""
    nonce = secrets.token_urlsafe(18)
    csp = (
        "default-src 'none'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; "
        "img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    name = title or f"{data.get('file') or 'program'} — Lexis graph"
    name = name.encode("utf-8", "replace").decode("utf-8")  # a file name's undecodable bytes
    script = _inline_script(static_asset("graph.js"))
    style = static_asset("graph.css").replace("</style", "<\\/style")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(name)}</title>\n"
        f'<style nonce="{nonce}">{style}</style>\n'
        "</head>\n<body>\n"
        '<div id="lexis-graph-root"></div>\n'
        f'<script type="application/json" id="lexis-graph-data">{embed_json(data)}</script>\n'
        f'<script nonce="{nonce}">{script}</script>\n'
        "</body>\n</html>\n"
    )


def output_problem(path: str) -> str | None:
    """Why ``path`` cannot be written as the page (checked before a run), or None.

    Probed for real (a temporary file made and removed beside it; an existing file opened for
    appending, which changes nothing): permission bits say nothing to root, nor about a
    read-only file system or an immutable folder."""
    p = Path(path)
    if path == "" or path.endswith(("/", os.sep)):
        return "not a file name"
    if p.is_dir():
        return "is a directory"
    parent = p.parent
    if not parent.is_dir():
        return f"no such directory: {parent}"
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".lexis-viz-", suffix=".tmp"):
            pass
        if p.exists():
            with open(p, "ab"):
                pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _write(out: str, page: str) -> str | None:
    try:
        write_atomic(out, page)
    except WriteError as exc:
        return exc.reason
    return None


def viz_command(
    file: str,
    output: str | None,
    trust_ceiling: int | None = None,
    open_page: Callable[[str], Any] | None = None,
) -> int:
    """``lexis viz FILE [--output OUT]``; its exit code (0, or 2 when a file cannot be read or
    written). A program with errors still gets its page, showing them."""
    if output is not None:
        problem = output_problem(output)
        if problem is not None:
            print(f"lexis: {output}: cannot write: {problem}", file=sys.stderr)
            return 2
    path = Path(file)
    try:
        text = read_text_file(path).text
    except UnicodeDecodeError as exc:
        print(
            f"lexis: {file}: not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"lexis: {file}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return 2
    analysis = analyze(text, Options(trust_ceiling=trust_ceiling))
    page = page_html(graph_data(analysis, str(path)))
    if output is None:
        fd, out = tempfile.mkstemp(prefix=f"{_stem(path)}-", suffix=".html")
        os.close(fd)
    else:
        out = output
    problem = _write(out, page)
    if problem is not None:
        print(f"lexis: {out}: cannot write: {problem}", file=sys.stderr)
        return 2
    if output is None:
        print(out)
        opener = open_page or _open_in_browser
        opener(out)
    return 0


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".lexis.json", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or "program"
    return name or "program"


def _open_in_browser(out: str) -> None:
    if not webbrowser.open(Path(out).resolve().as_uri()):
        print("lexis: no browser could be started; open the file above", file=sys.stderr)


def run_page(
    path: Path, analysis: Analysis, trace: Mapping[str, Any] | None, output: str | None = None
) -> str:
    """The page of a run: the graph with the trace's values (``trace`` is the data
    ``--trace-json`` writes; None for a refused run, whose page shows the findings)."""
    data = graph_data(analysis, str(path))
    if trace is not None:
        data["trace"] = trace_data(trace, data, output)
    return page_html(data)


def write_run_page(
    out: str,
    path: Path,
    analysis: Analysis,
    trace: Mapping[str, Any] | None,
    output: str | None = None,
) -> int:
    """``lexis run FILE --viz OUT`` after the run: writes the page; 0, or 2 (with the reason on
    stderr) when it cannot be written."""
    problem = _write(out, run_page(path, analysis, trace, output))
    if problem is not None:
        print(f"lexis: {out}: cannot write: {problem}", file=sys.stderr)
        return 2
    return 0
