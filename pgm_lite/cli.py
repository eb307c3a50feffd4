"""The ``pgm-lite`` console script: inspect, count, query, sample, fit and render networks.

Every subcommand is a ``_cmd_NAME(args)`` function plus an ``_add_NAME_parser(sub)`` that
registers its arguments; ``_COMMANDS`` lists them. User errors (bad files, unknown variables or
states, impossible evidence) end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import importlib.util
import json
import lzma
import os
import sys
from typing import Any, NoReturn

from . import tuning
from ._validate import check_int, check_rng, check_variable
from .elimination import induced_width
from .equivalence import CPDAG
from .examples import example, list_examples
from .exceptions import PGMError, RenderError
from .explore import serve
from .inference import explain_query, map_query, query
from .inference import marginals as all_marginals
from .io import format_of, read, write, write_bif
from .learning import fit, fit_em, learn_structure, log_likelihood
from .parameters import count_parameters
from .progress import progress_bar
from .render import render
from .sampling import gibbs_sample, sample

__all__ = ["main"]


def _resolve(net: str) -> str:
    """Resolve NET the same way for every subcommand: a shipped example's name or a file path.

    A name that is no example, no existing file and has no extension is a mistyped example
    name: the error suggests the nearest ones ("did you mean 'asia'?").
    """
    if net in list_examples():
        return "example"
    if not os.path.exists(net) and "." not in os.path.basename(net):
        check_variable(net, list_examples(), what="example")
    return "file"


def _load(net):
    """Load NET, a file path or the name of a shipped example (see :func:`_resolve`)."""
    if _resolve(net) == "example":
        return example(net)
    return read(net)


def _parse_evidence(items):
    """Turn ``["A=yes", "B=no"]`` into ``{"A": "yes", "B": "no"}``; a variable given two states is an error."""
    evidence: dict[str, str] = {}
    for item in items or ():
        var, sep, state = item.partition("=")
        if not sep or not var or not state:
            raise PGMError(f"evidence must look like VAR=STATE, got {item!r}")
        var, state = var.strip(), state.strip()
        if evidence.get(var, state) != state:
            raise PGMError(f"evidence gives {var!r} two states ({evidence[var]!r} and {state!r}); "
                           "observe each variable once")
        evidence[var] = state
    return evidence


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# -- commands -- (each helper adds its _add_X_parser / _cmd_X pair below and registers it in _COMMANDS)


def _add_serve_parser(sub):
    p = sub.add_parser("serve", help="explore a network in the browser: click a state to observe it")
    p.add_argument("net", metavar="NET", help="network file (.bif, .bif.gz, ...) or example name")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")


def _cmd_serve(args):
    model = _load(args.net)
    name = os.path.basename(args.net).split(".")[0] or args.net
    serve(model, host=args.host, port=args.port, open_browser=args.open, name=name,
          announce=lambda url: print(url, flush=True))


_RENDER_FORMATS = ("svg", "png", "pdf")


def _add_render_parser(sub):
    p = sub.add_parser("render", help="draw a network with Graphviz (svg, png or pdf)")
    p.add_argument("net", metavar="NET", help="network file (.bif, .bif.gz, ...) or example name")
    p.add_argument("-e", "--evidence", action="append", metavar="VAR=STATE",
                   help="observed variable, shaded grey (repeatable)")
    p.add_argument("--marginals", action="store_true",
                   help="draw each variable's posterior given the evidence as bars")
    p.add_argument("--cpds", action="store_true", help="draw each conditional table next to its node")
    p.add_argument("--layout", default="auto",
                   help="auto (default: dot, grids for grid-named Markov networks), grid, positions "
                        "(stored in the file), or a Graphviz engine (dot, neato, fdp, circo, ...)")
    p.add_argument("--dpi", type=float, default=None, metavar="DPI",
                   help="resolution of PNG output (default 150)")
    p.add_argument("--max-nodes", type=int, default=100, metavar="N",
                   help="draw bigger networks collapsed into plates (default 100; 0: draw every node)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file; the format comes from the extension (.svg, .png, .pdf)")


def _cmd_render(args):


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

        marginals = all_marginals(model, evidence=evidence)
    max_nodes = None if (args.marginals or args.cpds or args.max_nodes <= 0) else args.max_nodes
    graph = render(model, evidence=evidence, marginals=marginals, show_cpds=args.cpds,
                   layout=args.layout, max_nodes=max_nodes, dpi=args.dpi)
    data = graph.pipe(format=fmt)
    with open(args.output, "wb") as out:
        out.write(data)
    print(f"wrote {args.output}")




def _add_progress_option(p: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress``; neither: a progress line only when stderr is a terminal."""
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress line on stderr (default: only when stderr is a terminal)")


def _add_sample_parser(sub):
    p = sub.add_parser("sample", help="draw samples (CSV on stdout, or -o out.csv / out.parquet)")
    p.add_argument("net", metavar="NET", help="network file (.bif, .bif.gz, ...) or example name")
    p.add_argument("-n", "--n-samples", type=int, required=True, metavar="N", help="number of rows")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (reproducible output)")
    p.add_argument("-e", "--evidence", action="append", metavar="VAR=STATE",
                   help="condition on an observed state (repeatable)")
    p.add_argument("--method", choices=["forward", "rejection", "likelihood", "gibbs"], default=None,
                   help="sampler; default forward, or rejection with evidence (gibbs for Markov "
                        "networks); likelihood adds a _weight column")
    p.add_argument("--burn-in", type=int, default=200, metavar="SWEEPS", help="Gibbs burn-in sweeps")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write .csv (.csv.gz, .csv.bz2, .csv.xz) or .parquet here")
    _add_progress_option(p)


def _sample_output_kind(path):
    if path is None:
        return "stdout"
    lower = path.lower()
    if lower.endswith(".parquet"):

        if importlib.util.find_spec("pyarrow") is None:
            raise PGMError(
                f"writing {path!r} needs pyarrow, which is not installed (pip install 'pgm_lite[parquet]'); "
                "or write a .csv file instead"
            )
        return "parquet"
    if lower.endswith((".csv", ".csv.gz", ".csv.bz2", ".csv.xz")):
        return "csv"
    raise PGMError(f"cannot tell the output format of {path!r}; use a .csv or .parquet file name")


def _open_text(path):
    """Open ``path`` for writing text, compressed by its extension (.gz, .bz2, .xz)."""
    openers: dict[str, Any] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = openers.get(path[path.rfind("."):].lower(), open)
    return opener(path, "wt", newline="")


def _cmd_sample(args):
    n = check_int("n_samples", args.n_samples, minimum=1)
    kind = _sample_output_kind(args.output)
    model = _load(args.net)
    evidence = _parse_evidence(args.evidence)
    method = args.method
    if method is None:
        method = "gibbs" if not model.is_directed else "rejection" if evidence else "forward"
    rng = check_rng(args.seed)
    # by default only a big -n shows progress (and only on a terminal); --progress always does
    show = args.progress if args.progress is not None else (None if n > tuning.SAMPLE_CHUNK else False)
    if method == "gibbs":
        chunks = iter([gibbs_sample(model, n, evidence=evidence, burn_in=args.burn_in, rng=rng)])
    else:
        sizes = (min(tuning.SAMPLE_CHUNK, n - start) for start in range(0, n, tuning.SAMPLE_CHUNK))
        chunks = (sample(model, size, rng=rng, evidence=evidence, method=method) for size in sizes)
    frames, done, out = [], 0, None
    with progress_bar(n, desc="sampling", unit="rows", progress=show, plain=True) as bar:
        try:
            for chunk in chunks:
                if kind == "parquet":
                    frames.append(chunk)
                else:
                    if out is None:
                        out = sys.stdout if kind == "stdout" else _open_text(args.output)
                    chunk.to_csv(out, index=False, header=done == 0)
                done += len(chunk)
                bar.update(len(chunk))
        finally:
            if out is not None and out is not sys.stdout:
                out.close()
    if kind == "parquet":
        import pandas as pd

        pd.concat(frames, ignore_index=True).to_parquet(args.output, index=False)


def _add_fit_parser(sub):
    p = sub.add_parser("fit", help="learn the CPDs of NET's structure from a CSV file (EM if cells are empty)")
    p.add_argument("net", metavar="NET", help="network file or example name (its structure is used)")
    p.add_argument("data", metavar="DATA", help="CSV with one column per variable; empty cells are missing")
    p.add_argument("-o", "--output", metavar="OUT", help="write the fitted network here (.bif or .bif.gz); "
                                                        "default: BIF on stdout")
    p.add_argument("--method", choices=["mle", "bayes"], default="mle",
                   help="maximum likelihood, or Dirichlet posterior mean (bayes)")
    p.add_argument("--pseudo-count", type=float, default=1.0, metavar="A",
                   help="Dirichlet pseudo-count per cell for --method bayes")
    p.add_argument("--max-iter", type=int, default=100, help="EM iterations when values are missing")
    _add_progress_option(p)


def _cmd_fit(args):

    import pandas as pd


    if args.output is not None and not args.output.lower().endswith((".bif", ".bif.gz")):
        raise PGMError(f"cannot write {args.output!r}: the fitted network is written as .bif or .bif.gz")
    model = _load(args.net)
    if not model.is_directed:
        raise PGMError(f"{args.net}: fit learns the CPDs of a Bayesian network; this is a Markov network")
    try:
        data = pd.read_csv(args.data, dtype="category", keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise PGMError(f"{args.data}: cannot read the CSV data: {err}") from err
    if data.isna().to_numpy().any():
        pseudo = args.pseudo_count if args.method == "bayes" else 0.0
        fitted, history = fit_em(model, data, max_iter=args.max_iter, pseudo_count=pseudo,
                                 progress=args.progress)
        summary = (f"EM: {len(history) - 1} iteration(s), log-likelihood {history[0]:.6g} -> "
                   f"{history[-1]:.6g}")
    else:
        fitted = fit(model, data, method=args.method, pseudo_count=args.pseudo_count)
        summary = f"{args.method}: log-likelihood {log_likelihood(fitted, data):.6g}"
    name = os.path.basename(args.net).split(".")[0] or "fitted"
    write_bif(fitted, sys.stdout if args.output is None else args.output, network_name=name)
    print(f"fitted {len(fitted.cpds())} CPDs from {len(data):,} rows of {args.data} ({summary})",
          file=sys.stderr)


def _add_query_parser(sub):
    p = sub.add_parser("query", help="posterior marginals (or joint, MAP, explanation) given evidence",
                       description="Print P(VAR | evidence) for each VAR by exact inference.")
    p.add_argument("net", metavar="NET", help="network file (.bif, .xmlbif, .uai) or example name")
    p.add_argument("variables", metavar="VAR", nargs="+", help="query variable(s)")
    p.add_argument("-e", "--evidence", metavar="VAR=STATE", action="append", default=[],
                   help="observed state (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--joint", action="store_true", help="print the joint posterior of the VARs")
    mode.add_argument("--map", action="store_true", help="print the most probable joint assignment of the VARs")
    mode.add_argument("--explain", action="store_true", help="print the elimination steps")
    p.add_argument("--elimination-order", default="min-fill", metavar="HEURISTIC",
                   help="min-degree, min-fill (default), weighted-min-fill or min-weight")


def _cmd_query(args):


    model = _load(args.net)
    evidence = _parse_evidence(args.evidence)
    opts = {"elimination_order": args.elimination_order}
    given = " | " + ", ".join(f"{v}={s}" for v, s in evidence.items()) if evidence else ""
    if args.map:
        assignment, p = map_query(model, args.variables, evidence, **opts)
        if args.json:
            print(json.dumps({"assignment": assignment, "probability": p}))
        else:
            print(f"MAP{given}")
            for v, s in assignment.items():
                print(f"{v} = {s}")
            print(f"probability: {p:.6g}")
        return
    if args.explain:
        ex = explain_query(model, args.variables, evidence, **opts)
        if args.json:
            steps = [{"variable": s.variable, "factors": [list(f) for f in s.factors],
                      "scope": list(s.scope), "size": s.size} for s in ex.steps]
            print(json.dumps({"pruned": ex.pruned, "steps": steps}))
        else:
            print(ex)
        return
    if args.joint:
        f = query(model, args.variables, evidence, **opts)
        if args.json:
            rows = [[*combo, value] for combo, value in f.rows()]
            print(json.dumps({"variables": list(f.variables), "table": rows}))
        else:
            print(f"P({', '.join(f.variables)}{given})")
            print(f.to_text(digits=6, max_rows=10_000))
        return
    result = {v: query(model, [v], evidence, **opts) for v in dict.fromkeys(args.variables)}
    if args.json:
        print(json.dumps({v: {combo[0]: value for combo, value in f.rows()} for v, f in result.items()}))
        return
    for i, (v, f) in enumerate(result.items()):
        print(("\n" if i else "") + f"P({v}{given})")
        print(f.to_text(digits=6, max_rows=10_000))


def _add_info_parser(sub):
    p = sub.add_parser("info", help="summarise a network: variables, states, edges, parameters, treewidth")
    p.add_argument("net", metavar="NET", help="network file (.bif, .xml, .xmlbif, .uai, optionally .gz) or example name")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _network_info(net):
    """Load NET and describe it as a dict (the ``info --json`` document)."""
    fmt = "example" if _resolve(net) == "example" else format_of(net)
    model = _load(net)
    bayesian = model.is_directed
    info = {
        "net": net,
        "format": fmt,
        "kind": type(model).__name__,
        "variables": model.variables,
        "states": {v: list(model.states(v)) for v in model.variables},
        "edges": [list(e) for e in model.edges],
        "parameters": count_parameters(model),
        "treewidth": induced_width(model, "min-fill"),
    }
    if bayesian:
        info["parents"] = {v: model.parents(v) for v in model.variables}
    return info


def _cmd_info(args):

    info = _network_info(args.net)
    if args.json:
        print(json.dumps(info))
        return
    counts = info["parameters"]
    print(f"{info['net']}: {info['kind']} ({info['format']})")
    print(f"variables: {len(info['variables'])}")
    print(f"edges: {len(info['edges'])}")
    print(f"treewidth (min-fill estimate on the {'moral ' if 'parents' in info else ''}graph): {info['treewidth']}")
    print("parameters: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))
    rows = [(v, ", ".join(s), ", ".join(info["parents"][v]) if "parents" in info else "")
            for v, s in info["states"].items()]
    header = ("variable", "states", "parents" if "parents" in info else "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    print()
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2] or ('-' if 'parents' in info and row is not header else '')}".rstrip())


def _add_count_parser(sub):
    p = sub.add_parser("count", help="count free parameters: joint, independent, chain rule, network")
    p.add_argument("net", metavar="NET", help="network file or example name")
    p.add_argument("--json", action="store_true", help="print the count_parameters dict as JSON")


def _cmd_count(args):


    counts = count_parameters(_load(args.net))
    if args.json:
        print(json.dumps(counts))
        return
    for key, value in counts.items():
        print(f"{key}: {value}")


def _add_convert_parser(sub: Any) -> None:
    p = sub.add_parser("convert", help="convert a network file to another format (chosen by the extensions)")
    p.add_argument("input", metavar="IN", help="network file (.bif, .xml, .uai, .net, .xdsl, .dsl, .fg) "
                                               "or example name")
    p.add_argument("output", metavar="OUT", help="output file: .bif, .xml, .uai, .net, .xdsl or .fg "
                                                 "(add .gz to compress)")


def _cmd_convert(args: argparse.Namespace) -> None:
    model = _load(args.input)
    write(model, args.output)
    print(f"wrote {args.output} ({format_of(args.output)})")


def _add_learn_parser(sub):
    p = sub.add_parser("learn", help="learn a network's structure (and CPDs) from a CSV file")
    p.add_argument("data", metavar="DATA", help="CSV with one column per variable; rows with empty cells are dropped")
    p.add_argument("--method", default="hill_climb", metavar="M",
                   help="hill_climb (default), tabu, pc, chow_liu or tan")
    p.add_argument("--score", default="bic", metavar="S", help="bic (default), aic, bdeu, k2 or loglik")
    p.add_argument("--max-indegree", type=int, metavar="K", help="most parents per variable (search methods)")
    p.add_argument("--significance", type=float, default=0.01, metavar="A", help="level of PC's tests")
    p.add_argument("--class-variable", metavar="VAR", help="class variable (required by --method tan)")
    p.add_argument("--root", metavar="VAR", help="root of the chow_liu / tan tree")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="write the learned network, its CPDs fitted by maximum likelihood, here (.bif, .bif.gz)")
    p.add_argument("--render", metavar="PICTURE", help="also draw the learned structure (.svg, .png or .pdf)")
    _add_progress_option(p)


def _cmd_learn(args):
    import pandas as pd

    if not args.output.lower().endswith((".bif", ".bif.gz")):
        raise PGMError(f"cannot write {args.output!r}: the learned network is written as .bif or .bif.gz")
    fmt = os.path.splitext(args.render)[1].lower().lstrip(".") if args.render else None
    if fmt is not None and fmt not in _RENDER_FORMATS:
        raise RenderError(f"cannot tell the picture format from {args.render!r}; "
                          f"use one of the extensions {['.' + f for f in _RENDER_FORMATS]}")
    try:
        data = pd.read_csv(args.data, dtype="category", keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise PGMError(f"{args.data}: cannot read the CSV data: {err}") from err
    options = {"max_indegree": args.max_indegree, "class_variable": args.class_variable, "root": args.root}
    options = {k: v for k, v in options.items() if v is not None}
    if args.method == "pc":
        options["significance"] = args.significance
    learned = learn_structure(data, args.method, score=args.score, progress=args.progress, **options)
    structure = learned.to_dag() if isinstance(learned, CPDAG) else learned
    fitted = fit(structure, data.dropna())
    name = os.path.basename(args.data).split(".")[0] or "learned"
    write_bif(fitted, args.output, network_name=name)
    print(f"learned {len(structure.edges)} edges over {len(structure.variables)} variables from "
          f"{args.data} ({args.method}); wrote {args.output}", file=sys.stderr)
    if fmt is not None:
        with open(args.render, "wb") as out:
            out.write(render(structure, max_nodes=None).pipe(format=fmt))
        print(f"wrote {args.render}", file=sys.stderr)


_COMMANDS = {
    "info": (_add_info_parser, _cmd_info),
    "count": (_add_count_parser, _cmd_count),
    "query": (_add_query_parser, _cmd_query),
    "render": (_add_render_parser, _cmd_render),
    "sample": (_add_sample_parser, _cmd_sample),
    "fit": (_add_fit_parser, _cmd_fit),
    "serve": (_add_serve_parser, _cmd_serve),
    "convert": (_add_convert_parser, _cmd_convert),
    "learn": (_add_learn_parser, _cmd_learn),
}


def build_parser() -> argparse.ArgumentParser:
    """Return the ``argparse`` parser of the ``pgm-lite`` command."""
    parser = _Parser(
        prog="pgm-lite",
        description="Discrete probabilistic graphical models: inspect, count, query, sample, fit, render.",
    )
    parser.add_argument("--version", action="version", version=f"pgm-lite {sys.modules[__package__].__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser, _ in _COMMANDS.values():
        add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 user error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _, run = _COMMANDS[args.command]
    try:
        run(args)
    except BrokenPipeError:  # `pgm-lite sample ... | head` closed our stdout: not an error
        _silence_stdout()
        return 0
    except (PGMError, OSError) as err:
        where = getattr(err, "filename", None)
        message = str(err) if not (isinstance(err, OSError) and where) else f"{where}: {err.strerror}"
        print(f"pgm-lite {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


def _silence_stdout():
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file descriptor
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
