"""``python -m lexis_ls.build_native [--status]``: compile the analysis core with mypyc (see
``lexis_ls/lang/native.py``), or say whether it is in use."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .lang import native


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--status"]:
        print(native.status())
        return 0
    if args:
        print("usage: python -m lexis_ls.build_native [--status]", file=sys.stderr)
        return 2
    return native.build()


if __name__ == "__main__":
    sys.exit(main())
