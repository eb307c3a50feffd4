"""The ``pgm-lite`` console script: inspect, count, query, sample, fit and render networks.

Every subcommand is a ``_cmd_NAME(args)`` function plus an ``_add_NAME_parser(sub)`` that
registers its arguments; ``_COMMANDS`` lists them. User errors (bad files, unknown variables or
states, impossible evidence) end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .exceptions import PGMError

__all__ = ["main"]


def _load(net):
    """Load NET, a file path or the name of a shipped example."""
    from .examples import example, list_examples
    from .io import read

    if net in list_examples():
        return example(net)
    return read(net)


def _parse_evidence(items):
    """Turn ``["A=yes", "B=no"]`` into ``{"A": "yes", "B": "no"}``."""
    evidence = {}
    for item in items or ():
        var, sep, state = item.partition("=")
        if not sep or not var or not state:
            raise PGMError(f"evidence must look like VAR=STATE, got {item!r}")
        evidence[var.strip()] = state.strip()
    return evidence


# -- commands -- (each helper adds its _add_X_parser / _cmd_X pair below and registers it in _COMMANDS)


_COMMANDS = {}


def build_parser():
    """Return the ``argparse`` parser of the ``pgm-lite`` command."""
    parser = argparse.ArgumentParser(
        prog="pgm-lite",
        description="Discrete probabilistic graphical models: inspect, count, query, sample, fit, render.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser, _ in _COMMANDS.values():
        add_parser(sub)
    return parser


def main(argv=None):
    """Run the command line; return the exit code (0 success, 2 user error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _, run = _COMMANDS[args.command]
    try:
        run(args)
    except (PGMError, OSError) as err:
        where = getattr(err, "filename", None)
        message = str(err) if not (isinstance(err, OSError) and where) else f"{where}: {err.strerror}"
        print(f"pgm-lite {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - `pgm-lite sample ... | head`
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
