"""Benchmark: reading large BIF, Hugin NET and GeNIe XDSL files, pgm_lite vs pgmpy vs pyAgrum, in one run.

Each library reads the same uncompressed file, written into a temporary directory first so that
no reader pays for gzip. BIF: the bnlearn files (munin: 1,041 variables, 1.1 MB; barley: 48
variables with tables of up to ~200,000 entries, 1.9 MB). NET and XDSL: the files ``pl.write``
makes of munin.

- pgm_lite: ``pl.read_bif`` / ``pl.read_net`` / ``pl.read_xdsl``;
- pgmpy: ``BIFReader`` / ``NETReader`` / ``XDSLReader(path).get_model()`` (the NET and XDSL
  readers run in a child process, stopped after ``--pgmpy-limit`` seconds);
- pyAgrum (when installed): ``pyagrum.loadBN(path)`` for every format.

The tables show the best of ``--repeat`` runs (pgmpy: ``--pgmpy-repeat``, default 2, since it is
slow) and pgm_lite's speed-up. A second table times the small bnlearn files (``--small``; asia ..
andes), where fixed per-file costs dominate: pgm_lite and pyAgrum take turns in each of
``--small-repeat`` rounds and the best CPU time (``time.process_time``, less sensitive to other
processes on a shared machine than wall time) of each is kept. Results go to stdout and
benchmarks/results/io.md.

Run from the repository root::

    .venv/bin/python benchmarks/io.py
"""

from __future__ import annotations

import argparse
import gc
import gzip
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from _timing import best_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import pgm_lite as pl  # noqa: E402

warnings.filterwarnings("ignore")
COMMAND = ".venv/bin/python benchmarks/io.py"
SMALL = ["asia", "cancer", "earthquake", "sachs", "survey", "alarm", "insurance", "child", "win95pts",
         "hailfinder", "andes"]


def readers(args):
    """Return ``{library: callable(path) -> model}`` for the installed libraries."""
    out = {"pgm_lite": pl.read_bif}
    try:
        from pgmpy.readwrite import BIFReader

        out["pgmpy"] = lambda path: BIFReader(str(path)).get_model()
    except ImportError:
        print("pgmpy not installed: skipped", file=sys.stderr)
    try:
        import pyagrum

        out["pyAgrum"] = lambda path: pyagrum.loadBN(str(path))
    except ImportError:
        print("pyAgrum not installed: skipped", file=sys.stderr)
    return out


_CHILD = """
import sys, time, warnings
warnings.filterwarnings("ignore")
from pgmpy import readwrite
reader = getattr(readwrite, sys.argv[1])
best = float("inf")
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    reader(sys.argv[2]).get_model()
    best = min(best, time.perf_counter() - start)
print(best)
"""


def pgmpy_exchange_time(reader, path, repeat, limit):
    """Best time of pgmpy's ``reader`` in a child process; None if it did not finish within ``limit`` s."""
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, reader, str(path), str(repeat)],
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(f"pgmpy {reader} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return float("nan")
    return float(done.stdout.strip())


def exchange_rows(args, tmp):
    """Time NET and XDSL reading of ``args.exchange`` networks; return the markdown table lines."""
    ours = {"net": pl.read_net, "xdsl": pl.read_xdsl}
    pgmpy_reader = {"net": "NETReader", "xdsl": "XDSLReader"}
    try:
        import pyagrum
    except ImportError:
        pyagrum = None
    header = ["network", "format", "file size", "pgm_lite (s)", "pgmpy (s)", "pyAgrum (s)",
              "times faster than pgmpy", "times faster than pyAgrum"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in args.exchange:
        bn = pl.read_bif(ROOT / "tests" / "data" / f"{name}.bif.gz")
        for fmt in ("net", "xdsl"):
            path = Path(tmp) / f"{name}.{fmt}"
            pl.write(bn, path)
            mine, _ = best_time(lambda fmt=fmt, path=path: ours[fmt](path), args.repeat)
            theirs = pgmpy_exchange_time(pgmpy_reader[fmt], path, args.pgmpy_repeat, args.pgmpy_limit)
            agrum = best_time(lambda path=path: pyagrum.loadBN(str(path)), args.repeat)[0] if pyagrum else None
            print(f"{name}.{fmt} pgm_lite {mine:.3f} s, pgmpy {theirs}, pyAgrum {agrum}", file=sys.stderr)
            pgmpy_cell = f"> {args.pgmpy_limit:g}" if theirs is None else f"{theirs:.3f}"
            pgmpy_speed = f"> {args.pgmpy_limit / mine:.0f}x" if theirs is None else f"{theirs / mine:.1f}x"
            cells = [name, fmt.upper(), f"{path.stat().st_size / 1e6:.2f} MB", f"{mine:.3f}", pgmpy_cell,
                     "-" if agrum is None else f"{agrum:.3f}", pgmpy_speed,
                     "-" if agrum is None else f"{agrum / mine:.1f}x"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def small_rows(args, tmp):
    """Time pl.read_bif against pyagrum.loadBN on small files, interleaved; return the table lines."""
    try:
        import pyagrum
    except ImportError:
        return []
    header = ["network", "variables", "BIF size", "pgm_lite (ms)", "pyAgrum (ms)", "speed-up vs pyAgrum"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ratios = []
    for name in args.small:
        path = Path(tmp) / f"small_{name}.bif"
        path.write_bytes(gzip.decompress((ROOT / "tests" / "data" / f"{name}.bif.gz").read_bytes()))
        ours = pl.read_bif(path)
        try:
            theirs = pyagrum.loadBN(str(path))
        except Exception as err:  # pyAgrum refuses some bnlearn names (child.bif: 'Asy/Patch')
            print(f"{name}: pyAgrum cannot read it ({str(err).splitlines()[0]})", file=sys.stderr)
            theirs = None
        if theirs is not None:
            assert theirs.size() == len(ours.variables)
        best = {"pgm_lite": float("inf"), "pyAgrum": float("inf")}
        for _ in range(args.small_repeat):
            for lib, read in (("pgm_lite", lambda path=path: pl.read_bif(path)),
                              ("pyAgrum", lambda path=path: pyagrum.loadBN(str(path)))):
                if lib == "pyAgrum" and theirs is None:
                    continue
                gc.collect()
                start = time.process_time()
                read()
                best[lib] = min(best[lib], time.process_time() - start)
        mine, agrum = best["pgm_lite"] * 1e3, best["pyAgrum"] * 1e3
        if theirs is not None:
            ratios.append(agrum / mine)
        print(f"{name:10s} pgm_lite {mine:8.2f} ms  pyAgrum {agrum:8.2f} ms", file=sys.stderr)
        lines.append("| " + " | ".join([name, f"{len(ours.variables):,}", f"{path.stat().st_size / 1e3:.1f} KB",
                                        f"{mine:.2f}", "-" if theirs is None else f"{agrum:.2f}",
                                        "-" if theirs is None else f"{agrum / mine:.2f}x"]) + " |")
    if ratios:
        mean = float(np.exp(np.mean(np.log(ratios))))
        lines += ["", f"Geometric mean speed-up vs pyAgrum on these files: {mean:.2f}x."]
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["munin", "barley"])
    parser.add_argument("--repeat", type=int, default=5, help="runs for pgm_lite and pyAgrum (best kept)")
    parser.add_argument("--pgmpy-repeat", type=int, default=2, help="runs for pgmpy (best kept)")
    parser.add_argument("--exchange", nargs="*", default=None,
                        help="networks timed as Hugin NET and GeNIe XDSL files (default: munin, or the "
                             "--networks given; none: skip)")
    parser.add_argument("--pgmpy-limit", type=float, default=600.0, metavar="S",
                        help="seconds before pgmpy's NET/XDSL reader is stopped (reported as '> S')")
    parser.add_argument("--small", nargs="*", default=None,
                        help="small networks timed against pyAgrum (default: asia .. andes when --networks is "
                             "not given; none: skip)")
    parser.add_argument("--small-repeat", type=int, default=30, help="interleaved rounds for the small files")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "io.md"))
    args = parser.parse_args(argv)
    if args.exchange is None:
        args.exchange = ["munin"] if args.networks == parser.get_default("networks") else args.networks
    if args.small is None:
        args.small = SMALL if args.networks == parser.get_default("networks") else []

    libs = readers(args)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.networks:
            path = Path(tmp) / f"{name}.bif"
            path.write_bytes(gzip.decompress((ROOT / "tests" / "data" / f"{name}.bif.gz").read_bytes()))
            ours = pl.read_bif(path)
            times = {}
            for lib, read in libs.items():
                repeat = args.pgmpy_repeat if lib == "pgmpy" else args.repeat
                seconds, _ = best_time(lambda read=read, path=path: read(path), repeat)
                times[lib] = seconds
                print(f"{name:8s} {lib:9s} {seconds:8.3f} s", file=sys.stderr)
            size = path.stat().st_size / 1e6
            rows.append((name, len(ours.variables), sum(c.table.size for c in ours.cpds()), size, times))
        exchange = exchange_rows(args, tmp) if args.exchange else []
        small = small_rows(args, tmp) if args.small else []

    header = ["network", "variables", "table entries", "BIF size", *(f"{lib} (s)" for lib in libs)]
    header += [f"speed-up vs {lib}" for lib in libs if lib != "pgm_lite"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, n_vars, entries, size, times in rows:
        cells = [name, f"{n_vars:,}", f"{entries:,}", f"{size:.2f} MB"]
        cells += [f"{times[lib]:.3f}" for lib in libs]
        cells += [f"{times[lib] / times['pgm_lite']:.1f}x" for lib in libs if lib != "pgm_lite"]
        lines.append("| " + " | ".join(cells) + " |")
    versions = [f"Python {platform.python_version()}"]
    for mod in ("pgmpy", "pyagrum"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    text = "\n".join([
        "### Reading BIF files",
        "",
        f"Best of {args.repeat} runs (pgmpy: best of {args.pgmpy_repeat}) reading the uncompressed .bif "
        "file: `pl.read_bif(path)` vs pgmpy `BIFReader(path).get_model()` vs pyAgrum `loadBN(path)`; "
        f"{', '.join(versions)}, {platform.machine()}.",
        "",
        *lines,
        "",
        *(["### Reading small BIF files (fixed costs), pgm_lite vs pyAgrum", "",
           f"Best CPU time (`time.process_time`) of {args.small_repeat} interleaved rounds, each reading the "
           "uncompressed .bif file once with `pl.read_bif(path)` (exact float64, checked tables, a "
           "`BayesianNetwork`) and once with `pyagrum.loadBN(path)`. The machine is a shared 2-core VM: "
           "timings are noisy.", "", *small, ""] if small else []),
        *(["### Reading Hugin NET and GeNIe XDSL files", "",
           "Same runs, on the `.net` and `.xdsl` files `pl.write` makes of each network: `pl.read_net` / "
           "`pl.read_xdsl` vs pgmpy `NETReader` / `XDSLReader(path).get_model()` (in a child process, stopped "
           f"after {args.pgmpy_limit:g} s) vs pyAgrum `loadBN(path)`.", "", *exchange, ""] if exchange else []),
        f"Command: `{' '.join([COMMAND, *(argv if argv is not None else sys.argv[1:])])}`",
        "",
    ])
    print(text)
    Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
