"""Exact partition functions of L x L Ising grids (writes benchmarks/results/partition.md).

Run from the repository root: ``.venv/bin/python benchmarks/partition.py [--sizes 10 16 20]``.

Each side is timed the same way, cold: a new model for every call (planning, ordering and the
elimination all counted), best of ``--repeat`` in one process, wall and CPU seconds (the CPU
column is steadier on a shared machine). Columns:

* pgm_lite with its default order (``"auto"``) and with the row-by-row order (a transfer-matrix
  sweep expressed as an elimination order);
* a plain numpy transfer-matrix sweep over the 2**L row states (the floor: one small matrix
  product per site, blocked so BLAS stays on one thread);
* pgmpy's VariableElimination for one marginal (same sum over all other variables), in a
  subprocess time-boxed to ``--pgmpy-seconds``.

Grid: open boundary, spins -1/+1, J = 0.3 on every bond, h = 0.1 on every spin.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pgm_lite as pl  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "partition.md"
J, H = 0.3, 0.1


def ising(rows, cols=None, J=J, h=H):
    """Open-boundary grid, spins -1/+1 (state 0 is -1): exp(J s s') per bond, exp(h s) per spin.

    Returns the MarkovNetwork and its row-by-row variable order (tests/test_ising_exact.py too).
    """
    cols = rows if cols is None else cols
    name = [[f"s{i}_{j}" for j in range(cols)] for i in range(rows)]
    pair = np.exp(J * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    field = np.exp(h * np.array([-1.0, 1.0]))
    factors = []
    for i in range(rows):
        for j in range(cols):
            factors.append(pl.DiscreteFactor([name[i][j]], field))
            if i + 1 < rows:
                factors.append(pl.DiscreteFactor([name[i][j], name[i + 1][j]], pair))
            if j + 1 < cols:
                factors.append(pl.DiscreteFactor([name[i][j], name[i][j + 1]], pair))
    return pl.MarkovNetwork(factors=factors), [v for row in name for v in row]


def transfer_log_z(n):
    """log Z by a row-to-row sweep: a vector over 2**n row states, one 2 x 2 product per site."""
    bits = (np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1
    spins = 2 * bits - 1
    row = np.exp(J * (spins[:, :-1] * spins[:, 1:]).sum(1) + H * spins.sum(1))
    pair = np.exp(J * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    block = min(2 ** (n - 1), 2**14)
    psi, log_z = row.copy(), 0.0
    for _ in range(n - 1):
        for _ in range(n):  # the first axis gets its vertical bond and moves to the back
            psi = np.matmul(psi.reshape(2, -1, block).transpose(1, 2, 0), pair).reshape(-1)
        psi *= row
        top = psi.max()
        psi, log_z = psi / top, log_z + math.log(top)
    return log_z + math.log(psi.sum())


def timed(fn, repeat):
    """Best (wall, cpu) seconds of ``repeat`` calls and the last result."""
    wall = cpu = math.inf
    result = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu, result


PGMPY = """
import sys, time, numpy as np, warnings
warnings.simplefilter("ignore")
try:
    from pgmpy.models import DiscreteMarkovNetwork as MarkovNetwork
except ImportError:
    from pgmpy.models import MarkovNetwork
from pgmpy.factors.discrete import DiscreteFactor
from pgmpy.inference import VariableElimination
n, J, H = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
name = lambda i, j: f"s{i}_{j}"
pair = np.exp(J * np.array([[1.0, -1.0], [-1.0, 1.0]])).ravel()
field = np.exp(H * np.array([-1.0, 1.0]))
mn, factors = MarkovNetwork(), []
mn.add_nodes_from([name(i, j) for i in range(n) for j in range(n)])
for i in range(n):
    for j in range(n):
        factors.append(DiscreteFactor([name(i, j)], [2], field))
        for a, b in ((i + 1, j), (i, j + 1)):
            if a < n and b < n:
                mn.add_edge(name(i, j), name(a, b))
                factors.append(DiscreteFactor([name(i, j), name(a, b)], [2, 2], pair))
mn.add_factors(*factors)
t = time.perf_counter()
VariableElimination(mn).query([name(0, 0)], show_progress=False)
print(time.perf_counter() - t)
"""


def pgmpy_seconds(n, limit):
    """pgmpy VE time for one marginal of the n x n grid, or why it has none."""
    try:
        done = subprocess.run([sys.executable, "-c", PGMPY, str(n), str(J), str(H)], capture_output=True,
                              text=True, timeout=limit, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired:
        return f"> {limit:g} s (stopped)"
    if done.returncode != 0:
        return "fails: " + (done.stderr.strip().splitlines() or ["?"])[-1][:60]
    return f"{float(done.stdout.strip().splitlines()[-1]):.3f}"


def grid_row(n, repeat, pgmpy_limit):
    mn, rows = ising(n)
    width = pl.induced_width(mn, "auto")
    ours_w, ours_c, log_z = timed(lambda: pl.log_partition_function(ising(n)[0]), repeat)
    rows_w, rows_c, log_z_rows = timed(lambda: pl.log_partition_function(ising(n)[0], elimination_order=rows),
                                       repeat)
    tm_w, tm_c, log_z_tm = timed(lambda: transfer_log_z(n), repeat)
    try:
        pl.log_partition_function(mn, elimination_order="min-fill")
        min_fill = f"width {pl.induced_width(mn, 'min-fill')}"
    except pl.MemoryLimitError:
        min_fill = f"width {pl.induced_width(mn, 'min-fill')}: refused (MemoryLimitError)"
    pg = pgmpy_seconds(n, pgmpy_limit) if pgmpy_limit > 0 else "not run"
    diff = max(abs(log_z - log_z_tm), abs(log_z_rows - log_z_tm))
    return (f"| {n}x{n} | {width} | {ours_w:.3f} / {ours_c:.3f} | {rows_w:.3f} / {rows_c:.3f} | "
            f"{tm_w:.3f} / {tm_c:.3f} | {pg} | {min_fill} | {log_z:.10f} | {diff:.1e} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 16, 20])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pgmpy-seconds", type=float, default=120.0, help="0 skips pgmpy")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    pl.log_partition_function(ising(3)[0])  # imports and first-call setup stay out of the table
    lines = [
        "# Exact partition function of L x L Ising grids",
        "",
        f"Command: `.venv/bin/python benchmarks/partition.py --sizes {' '.join(map(str, args.sizes))} "
        f"--repeat {args.repeat} --pgmpy-seconds {args.pgmpy_seconds:g}`. Machine: {os.cpu_count()} cores "
        f"shared with other jobs (load average {load:.1f} at the start), so wall times are noisy; "
        "CPU seconds are steadier.",
        "",
        f"Open boundary, J = {J}, h = {H}. Cold calls (a new model each time: ordering, planning and "
        f"elimination counted), best of {args.repeat}, wall / CPU seconds. pgmpy: VariableElimination for "
        "one marginal (the same sum over the other variables), one call in a time-boxed subprocess. "
        "The last column is the largest |log Z| difference of the two pgm_lite orders to the numpy sweep.",
        "",
        "| grid | width (auto) | pgm_lite default (s) | pgm_lite row-by-row order (s) | numpy transfer matrix (s) "
        "| pgmpy VE (s) | explicit min-fill | log Z | max diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in args.sizes:
        lines.append(grid_row(n, args.repeat, args.pgmpy_seconds))
        print(lines[-1], flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
