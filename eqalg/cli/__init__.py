"""Command-line interface: ``eqalg <command> ...``.

Each command lives in its own module exposing ``register(subparsers)``, which adds a
subparser whose ``func`` attribute runs the command and returns the exit status
(0 success, 1 a check failed, 2 bad usage). Bad usage — unknown options or names, invalid
values, eqalg input errors, files that cannot be read or written, running out of memory —
prints a single ``eqalg <command>: error: ...`` line on stderr and exits with status 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import EqalgError

__all__ = ["main", "ArgumentParser", "COMMAND_MODULES"]

#: Modules providing subcommands (each has ``register(subparsers)``).
COMMAND_MODULES = ("check", "models", "algebra", "group")


class UsageError(Exception):
    """Raised by :class:`ArgumentParser` instead of exiting, carrying a one-line message."""

    def __init__(self, prog: str, message: str):
        super().__init__(message)
        self.prog = prog


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors become a one-line :class:`UsageError`."""

    def error(self, message):  # noqa: D401 - argparse hook
        """Raise :class:`UsageError` (argparse would print usage and exit)."""
        raise UsageError(self.prog, message)


def build_parser() -> ArgumentParser:
    """The top-level parser with every registered subcommand."""
    from importlib import import_module

    parser = ArgumentParser(prog="eqalg", description="Symmetries and equivariances of neural-network "
                            "parameters as checkable mathematics.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name in COMMAND_MODULES:
        import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``eqalg`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args))
    except UsageError as exc:
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return 2
    except EqalgError as exc:
        prog = f"eqalg {args.command}" if "args" in locals() and getattr(args, "command", None) else "eqalg"
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        prog = f"eqalg {args.command}" if "args" in locals() and getattr(args, "command", None) else "eqalg"
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:
        # the size limits are estimates; should memory still run out, say so in one line, no traceback
        prog = f"eqalg {args.command}" if "args" in locals() and getattr(args, "command", None) else "eqalg"
        print(f"{prog}: error: out of memory{f' ({exc})' if str(exc) else ''}; use smaller hyperparameters or "
              "data, or the Python API", file=sys.stderr)
        return 2


def run():
    """Console-script wrapper: ``sys.exit(main())``."""
    sys.exit(main())
