"""`python -m tests.fuzz.summary [FILE]`: the findings in tests/fuzz/findings/ as Markdown, one
section per distinct finding with its reproduction (to FILE, or stdout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .findings import FINDINGS_DIR

KEYS = ("case", "method", "encoding", "why", "problem", "detail", "channel", "what", "body", "raw")


def clip(value: object, most: int = 1200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=True)
    return text if len(text) <= most else text[:most] + f"... ({len(text)} chars)"


def summary(folder: Path = FINDINGS_DIR) -> str:
    out = ["# Fuzz findings", ""]
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not paths:
        return "# Fuzz findings\n\nnone\n"
    for path in paths:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        title = record.get("signature") or record.get("summary") or path.stem
        out += [f"## {record.get('class', path.stem.split('-')[0])}: {title}", f"`{path}`", ""]
        for key in KEYS:
            if record.get(key) not in (None, ""):
                out.append(f"* {key}: `{clip(record[key], 600)}`")
        if "params" in record:
            out.append(f"* params: `{clip(record['params'], 800)}`")
        for key in ("text", "final_text_by_lsp_rules", "initial_text"):
            if isinstance(record.get(key), str):
                out += [f"* {key} (repr):", "", "```", clip(repr(record[key]), 1500), "```"]
        if "changes" in record:
            out.append(f"* changes: {len(record['changes'])} didChange notifications (in the file)")
        for key in ("storm_document", "fresh_document", "error", "stderr", "log"):
            if record.get(key):
                out += [f"* {key}:", "", "```", clip(record[key], 1500), "```"]
        out.append("")
    return "\n".join(out) + "\n"


def main() -> int:
    text = summary()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
