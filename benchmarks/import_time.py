"""Benchmark: what ``import pgm_lite`` adds on top of ``import numpy, networkx`` (vs pyAgrum, pgmpy).

Each measurement is a fresh interpreter that runs ``import numpy, networkx`` and then the row's
statement. Min over ``--repeat`` runs (alternating with the baseline in one loop), the table gives:
the cumulative import time ``-X importtime`` reports for the package's top-level entry (for the
plain ``import`` rows: ``-X importtime`` does not time modules loaded by ``importlib.import_module``,
which is how pgm_lite loads a layer on first use), the time of the statement measured with
``time.perf_counter`` inside the interpreter, and the wall time of the whole process minus that of
``python -c "import numpy, networkx"``. Every interpreter reads compiled bytecode from a private
cache (``PYTHONPYCACHEPREFIX``, filled by a first untimed run), as an installed package does, even
when the shell sets ``PYTHONDONTWRITEBYTECODE``. The machine may be shared: the minimum of several
runs is the least noisy figure.

Run from the repository root::

    .venv/bin/python benchmarks/import_time.py
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "import numpy, networkx"
# label -> (module whose -X importtime entry is reported, or None; statement run after BASE)
ROWS = {
    "pgm_lite: `import pgm_lite`": ("pgm_lite", "import pgm_lite"),
    "pgm_lite: import + first use of `read_bif`, `query`, `marginals`": (
        None, "import pgm_lite as pl; pl.read_bif, pl.query, pl.marginals"),
    "pgm_lite: import + every name of `__all__` (all layers)": (
        None, "import pgm_lite as pl; [getattr(pl, n) for n in pl.__all__]"),
    "pyagrum: `import pyagrum`": ("pyagrum", "import pyagrum"),
    "pgmpy: `import pgmpy`": ("pgmpy", "import pgmpy"),
}
_TIMED = "import time; {base}; _t = time.perf_counter(); {statement}; print(time.perf_counter() - _t)"


def _run(code: str, env: dict[str, str], importtime: bool = False) -> tuple[float, str, str]:
    """(wall seconds, stdout, stderr) of a fresh interpreter running ``code``."""
    flags = ["-X", "importtime"] if importtime else []
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    return time.perf_counter() - start, done.stdout, done.stderr


def cumulative_us(report: str, module: str) -> int:
    """The cumulative microseconds ``-X importtime`` gives the top-level ``module``.

    Examples
    --------
    >>> report = ("import time:       5 |         5 |   pgm_lite.factor\\n"
    ...           "import time:      10 |        20 | pgm_lite\\n")
    >>> cumulative_us(report, "pgm_lite")
    20
    """
    for line in report.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and match.group(2) == module:
            return int(match.group(1))
    raise LookupError(f"{module} not in the -X importtime report")


def measure(module: str | None, statement: str, repeat: int,
            env: dict[str, str]) -> tuple[float | None, float, float] | None:
    """Min (cumulative ``-X importtime`` ms or None, in-process ms, extra wall ms) of ``statement``, or None."""
    timed = _TIMED.format(base=BASE, statement=statement)
    try:
        _run(timed, env)  # also writes the bytecode cache
    except subprocess.CalledProcessError:
        return None  # not installed
    own, inside, wall, base = float("inf"), float("inf"), float("inf"), float("inf")
    for _ in range(repeat):
        base = min(base, _run(BASE, env)[0])
        seconds, out, _ = _run(timed, env)
        wall = min(wall, seconds)
        inside = min(inside, float(out.split()[-1]) * 1000)
        if module is not None:
            report = _run(f"{BASE}; {statement}", env, importtime=True)[2]
            own = min(own, cumulative_us(report, module) / 1000)
    return (own if module is not None else None), inside, (wall - base) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "import_time.md")
    args = parser.parse_args(argv)
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="pgm_lite_pycache_") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
        _run(BASE, env)
        rows = []
        for label, (module, statement) in ROWS.items():
            result = measure(module, statement, args.repeat, env)
            if result is not None:
                rows.append((label, *result))
                print(f"{label}: {result}", flush=True)
    load.append(os.getloadavg()[0])
    lines = [
        "# Import time on top of `import numpy, networkx`",
        "",
        f"Command: `python benchmarks/import_time.py --repeat {args.repeat}` (Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, a shared machine: noisy, load average "
        f"{' / '.join(f'{x:.1f}' for x in load)} before / after the run). Min over {args.repeat} fresh "
        "interpreters, compiled bytecode cached. Target (issue 19): `import pgm_lite` adds at most 30 ms. "
        "pgm_lite loads the layers above its models (io, inference, sampling, learning, render, explore) "
        "on the first use of one of their names; the second and third rows add what such first uses cost "
        "(`-X importtime` does not time modules loaded by `importlib.import_module`: see the in-process column). "
        "With a load average above the number of CPUs, wall-time differences of tens of ms are noise "
        "(a negative extra wall time means the baseline never got as quiet a moment).",
        "",
        "| what | cumulative `-X importtime` (ms) | in-process `perf_counter` (ms) | extra process wall time (ms) |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {label} | {'-' if own is None else f'{own:.1f}'} | {inside:.1f} | {extra:.1f} |"
              for label, own, inside, extra in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
