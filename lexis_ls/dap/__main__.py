"""`python -m lexis_ls.dap`: the Lexis debug adapter on stdin/stdout."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lexis-ls dap", description="The Lexis debug adapter (DAP over stdin/stdout)."
    )
    parser.add_argument("--log-file", metavar="FILE", help="write the adapter's own log to FILE")
    args = parser.parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    else:
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    from .server import DapServer

    reader = sys.stdin.buffer
    writer = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol stream
    DapServer(reader, writer).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
