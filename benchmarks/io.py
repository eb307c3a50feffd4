"""Benchmark: reading large BIF files, pgm_lite vs pgmpy vs pyAgrum, side by side in one run.

Each library reads the same uncompressed ``.bif`` file (munin: 1,041 variables, 1.1 MB; barley:
48 variables with tables of up to ~200,000 entries, 1.9 MB), decompressed from tests/data into a
temporary directory first so that no reader pays for gzip:

- pgm_lite: ``pl.read_bif(path)``;
- pgmpy: ``BIFReader(path).get_model()``;
- pyAgrum (when installed): ``pyagrum.loadBN(path)``.

The table shows the best of ``--repeat`` runs (pgmpy: ``--pgmpy-repeat``, default 2, since it is
slow) and pgm_lite's speed-up. Results go to stdout and benchmarks/results/io.md.

Run from the repository root::

    .venv/bin/python benchmarks/io.py
"""

from __future__ import annotations

import argparse
import gzip
import platform
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import best_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import pgm_lite as pl  # noqa: E402

warnings.filterwarnings("ignore")
COMMAND = ".venv/bin/python benchmarks/io.py"


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["munin", "barley"])
    parser.add_argument("--repeat", type=int, default=5, help="runs for pgm_lite and pyAgrum (best kept)")
    parser.add_argument("--pgmpy-repeat", type=int, default=2, help="runs for pgmpy (best kept)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "io.md"))
    args = parser.parse_args(argv)

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
        f"Command: `{' '.join([COMMAND, *(argv if argv is not None else sys.argv[1:])])}`",
        "",
    ])
    print(text)
    Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
