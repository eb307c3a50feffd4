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


_RENDER_FORMATS = ("svg", "png", "pdf")


def _add_render_parser(sub):
    p = sub.add_parser("render", help="draw a network with Graphviz (svg, png or pdf)")
    p.add_argument("net", metavar="NET", help="network file (.bif, .bif.gz, ...) or example name")
    p.add_argument("-e", "--evidence", action="append", metavar="VAR=STATE",
                   help="observed variable, shaded grey (repeatable)")
    p.add_argument("--marginals", action="store_true",
                   help="draw each variable's posterior given the evidence as bars")
    p.add_argument("--cpds", action="store_true", help="draw each conditional table next to its node")
    p.add_argument("--layout", default="dot", help="Graphviz engine (dot, neato, fdp, circo, ...)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file; the format comes from the extension (.svg, .png, .pdf)")


def _cmd_render(args):
    import os

    from .render import RenderError, render

    fmt = os.path.splitext(args.output)[1].lower().lstrip(".")
    if fmt not in _RENDER_FORMATS:
        raise RenderError(
            f"cannot tell the picture format from {args.output!r}; "
            f"use one of the extensions {['.' + f for f in _RENDER_FORMATS]}"
        )
    model = _load(args.net)
    evidence = _parse_evidence(args.evidence)
    model.encode_evidence(evidence)
    marginals = None
    if args.marginals:
        from .inference import marginals as all_marginals

        marginals = all_marginals(model, evidence=evidence)
    graph = render(model, evidence=evidence, marginals=marginals, show_cpds=args.cpds,
                   layout=args.layout, max_nodes=None if (args.marginals or args.cpds) else 100)
    data = graph.pipe(format=fmt)
    with open(args.output, "wb") as out:
        out.write(data)
    print(f"wrote {args.output}")


_COMMANDS = {
    "render": (_add_render_parser, _cmd_render),
}


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
