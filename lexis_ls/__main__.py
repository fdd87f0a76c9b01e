"""`python -m lexis_ls` and `lexis-ls`: the language server (stdio by default, `--tcp HOST:PORT`);
`lexis-ls dap`: the debug adapter (as `python -m lexis_ls.dap`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["dap"]:
        from .dap.__main__ import main as dap_main

        return dap_main(args_list[1:])
    parser = argparse.ArgumentParser(prog="lexis-ls", description="The Lexis language server.")
    parser.add_argument("--stdio", action="store_true", help="serve on stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="serve on a TCP socket")
    parser.add_argument("--log-file", metavar="FILE", help="write the server's own log to FILE")
    args = parser.parse_args(args_list)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    if not args.tcp:
        from .server.early import serve_stdio

        return serve_stdio()
    host, sep, port = args.tcp.rpartition(":")
    if not sep or not port.isdigit():
        print("lexis-ls: --tcp takes HOST:PORT", file=sys.stderr)
        return 2
    from .server.server import create_server

    server = create_server()
    server.start_tcp(host or "127.0.0.1", int(port))
    return server.finish()


if __name__ == "__main__":
    raise SystemExit(main())
