"""Benchmark: what ``import pgm_lite`` adds on top of ``import numpy, networkx`` (vs pyAgrum, pgmpy).

Each measurement is a fresh interpreter: ``python -X importtime -c "import numpy, networkx; import X"``.
The table gives, min over ``--repeat`` runs, the cumulative import time ``-X importtime`` reports
for ``X`` itself (numpy and networkx are already loaded, so they are not counted) and the wall time
of the whole process minus that of ``python -c "import numpy, networkx"`` (min of each). The machine may be
shared: the minimum of several runs is the least noisy figure.

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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "import numpy, networkx"
PACKAGES = {"pgm_lite": "pgm_lite", "pyagrum": "pyagrum", "pgmpy": "pgmpy"}


def _run(code: str) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          env=env, check=True)
    return time.perf_counter() - start, done.stderr


def cumulative_us(report: str, module: str) -> int:
    """The cumulative microseconds ``-X importtime`` gives the top-level ``module``."""
    for line in report.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and match.group(2) == module:
            return int(match.group(1))
    raise LookupError(f"{module} not in the -X importtime report")


def measure(module: str, repeat: int) -> tuple[float, float] | None:
    """(min cumulative import ms, min extra wall ms) of ``module`` after numpy and networkx, or None."""
    try:
        _run(f"{BASE}; import {module}")
    except subprocess.CalledProcessError:
        return None  # not installed
    own, wall, base = float("inf"), float("inf"), float("inf")
    for _ in range(repeat):
        base = min(base, _run(BASE)[0])
        seconds, report = _run(f"{BASE}; import {module}")
        wall = min(wall, seconds)
        own = min(own, cumulative_us(report, module) / 1000)
    return own, (wall - base) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "import_time.md")
    args = parser.parse_args(argv)
    rows = []
    for label, module in PACKAGES.items():
        result = measure(module, args.repeat)
        if result is not None:
            rows.append((label, *result))
            print(f"{label}: import {result[0]:.1f} ms (-X importtime), +{result[1]:.1f} ms wall", flush=True)
    lines = [
        "# Import time on top of `import numpy, networkx`",
        "",
        f"Command: `python benchmarks/import_time.py --repeat {args.repeat}` (Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, a shared machine: noisy). Min over {args.repeat} fresh "
        "interpreters. Target (issue 19): pgm_lite adds at most 30 ms.",
        "",
        "| package | cumulative `-X importtime` (ms) | extra process wall time (ms) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {own:.1f} | {extra:.1f} |" for label, own, extra in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
