"""`python -m lexis_ls` and `lexis-ls`: the language server (stdio by default, `--tcp HOST:PORT`);
`lexis-ls dap`: the debug adapter (as `python -m lexis_ls.dap`); `lexis-ls --version`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

DISTRIBUTION = "lexis-ls"

EPILOG = """\
subcommands:
  dap         the Lexis debug adapter (Debug Adapter Protocol on stdin/stdout);
              `lexis-ls dap --help` for its options

exit status:
  0  the client ended the session with shutdown and exit (or --version/--help)
  1  the client exited without shutdown
  2  a usage error (a bad option or --tcp address)
"""


def version() -> str:
    """The installed distribution's version (its metadata), or the source tree's when the
    package runs from a checkout that was never installed."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return _source_version()


def _source_version() -> str:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return str(data["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


class VersionAction(argparse.Action):
    """--version of `lexis-ls` and `lexis` (``PROG VERSION``), looked up only when asked for
    (reading the package metadata costs a few milliseconds every start otherwise)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["dap"]:
        from .dap.__main__ import main as dap_main

        return dap_main(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="lexis-ls",
        usage="lexis-ls [--stdio | --tcp HOST:PORT] [--log-file FILE]\n       lexis-ls dap [--log-file FILE]\n       lexis-ls --version",
        description="The Lexis language server (Language Server Protocol, stdio by default).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=VersionAction, nargs=0, help="print `lexis-ls VERSION` and exit"
    )
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
