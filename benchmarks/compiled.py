"""Benchmark: ``pl.compile_query`` strategies (table, batch, loop, auto) vs a loop of ``pl.query``.

For each network, ``--n`` evidence rows (default 10,000) are drawn from a forward sample, with
``k`` evidence variables and one query variable picked at random (seeded by the network's name):
``k = 3`` (the issue's setting: the table strategy usually fits) and ``k = 12`` (wide: the table
is usually too large, so batch and loop are what is left). Every cell is *cold*: the model's plan
caches are emptied before it, and it times ``compile_query(...)`` plus one call on all rows, so
each strategy pays its own planning (the table strategy also builds its table). The ``pl.query``
loop is timed the same way (its first call plans; later calls reuse the plan), one call per row.

Each cell is the fastest of ``--repeat`` rounds (default 3; 6 more for cells under 0.2 s) that
interleave the strategies.
Time-box: every cell is first timed on 1,000 rows; if that scales to more than ``--budget``
seconds for ``--n`` rows, the scaled time is shown (marked ~), else the cell is timed on all
rows. The pl.query loop runs on ``--loop-rows`` rows (default 1,000): its first call (which
plans) plus the other calls scaled to ``--n`` - 1 rows (marked ~).
A table whose build is estimated (``CompiledQuery.estimate``) over the budget is not timed (–).

``auto`` shows which strategy it used and its time over the best strategy and over the pl.query
loop (below 1 = faster). ``max |diff|``: largest difference between any strategy's posterior
(and P(e)) and ``pl.query``'s, over the rows the loop ran on.

Run from the repository root (writes benchmarks/results/compiled.md)::

    .venv/bin/python benchmarks/compiled.py [--n 10000] [--networks alarm,barley]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402
import pgm_lite.inference  # noqa: E402,F401  (the compiled-query engine)
from pgm_lite.inference._coded import compiled  # noqa: E402

DATA = ROOT / "tests" / "data"
NETWORKS = ["alarm", "hailfinder", "win95pts", "andes", "barley", "munin", "water", "pathfinder", "mildew"]
STRATEGIES = ["table", "batch", "loop", "auto"]


def load(name: str):
    """A shipped network, or one of pgmpy's example models (None if neither is there)."""
    path = DATA / f"{name}.bif.gz"
    if path.exists():
        return pl.read_bif(path)
    try:
        import pgmpy
    except ImportError:
        return None
    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    return pl.read_bif(path) if path.exists() else None


def case(bn, name: str, k: int, n: int):
    rng = np.random.default_rng(sum(map(ord, name)) + k)
    names = [str(v) for v in rng.choice(bn.variables, k + 1, replace=False)]
    evidence_vars, query = names[:k], names[k:]
    rows = pl.sample(bn, n, rng=1)[evidence_vars]
    codes = np.column_stack([[bn.states(v).index(s) for s in rows[v]] for v in evidence_vars])
    return evidence_vars, query, rows, codes


def cold(bn) -> None:
    c = compiled(bn)
    c.plans.clear()
    c.calls.clear()


def run_strategy(bn, query, evidence_vars, codes, strategy):
    """Seconds of compile + one call (cold), the result, and the strategy auto used."""
    cold(bn)
    gc.collect()  # a collection of the big heap mid-cell costs ~25 ms (andes): not the strategy's
    start = time.perf_counter()
    cq = pl.compile_query(bn, query, evidence_vars, strategy=strategy)
    got = cq(codes, zero="nan")
    seconds = time.perf_counter() - start
    used = cq.strategy if cq.strategy != "auto" else cq.choose(len(codes), len(np.unique(codes, axis=0)))
    return seconds, got, used


def run_loop(bn, query, rows):
    cold(bn)
    dicts = rows.to_dict("records")
    out, p_e = [], []
    gc.collect()
    start = time.perf_counter()
    out.append(pl.query(bn, query, dicts[0]).values.ravel())
    first = time.perf_counter() - start  # plans
    start = time.perf_counter()
    for e in dicts[1:]:
        out.append(pl.query(bn, query, e).values.ravel())
    rest = time.perf_counter() - start
    for e in dicts:  # not timed: P(e) to compare with
        p_e.append(pl.probability(bn, e))
    return first, rest, np.array(out), np.array(p_e)


def measure(name: str, bn, k: int, n: int, budget: float, loop_rows: int, repeat: int) -> dict:
    evidence_vars, query, rows, codes = case(bn, name, k, n)
    n_distinct = len(np.unique(codes, axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimates = pl.compile_query(bn, query, evidence_vars, strategy="loop").estimate(n, n_distinct)
    row = {"name": name, "k": k, "n": n, "distinct": n_distinct, "cells": {}, "estimates": estimates}
    few = min(1_000, n)
    use = {}  # strategy -> rows it is timed on (None: not timed)
    for strategy in STRATEGIES:
        skip = strategy == "table" and estimates.get("table", math.inf) > budget
        use[strategy] = None if skip else codes[:few]
    results, best = {}, {}
    for rep in range(repeat + 6):  # rounds interleave the strategies; each cell keeps its fastest round
        for strategy in STRATEGIES:
            if use[strategy] is None or (rep >= repeat and best.get(strategy, 0.0) > 0.2):
                continue  # cells under 0.2 s get 6 more rounds (scheduling noise of a loaded machine)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # explicit strategies may warn (PerformanceWarning)
                try:
                    seconds, got, used = run_strategy(bn, query, evidence_vars, use[strategy], strategy)
                except pl.MemoryLimitError:
                    use[strategy] = None
                    continue
                if rep == 0 and few < n:  # decide: all rows, or scale the first `few`
                    if strategy != "table" and seconds * n / few > budget:
                        use[strategy] = codes[:few]
                        row.setdefault("scaled", set()).add(strategy)
                    else:
                        use[strategy] = codes
                        seconds, got, used = run_strategy(bn, query, evidence_vars, codes, strategy)
            if strategy in row.get("scaled", ()):
                seconds *= n / few  # rows beyond the first `few` are distinct at about the same rate
            best[strategy] = min(best.get(strategy, math.inf), seconds)
            results[strategy] = got
            if strategy == "auto":
                row["used"] = used
    for strategy in STRATEGIES:
        row["cells"][strategy] = (best[strategy], strategy in row.get("scaled", ())) if strategy in best else None
    m = min(loop_rows, n)
    loop_seconds = math.inf
    for _ in range(repeat):  # the first call (planning) once, the others scaled to n - 1 rows
        first, rest, loop_post, loop_pe = run_loop(bn, query, rows.iloc[:m])
        loop_seconds = min(loop_seconds, first + rest * (n - 1) / max(m - 1, 1))
    row["loop"] = (loop_seconds, m < n)
    diff = 0.0
    for got in results.values():
        diff = max(diff, float(np.abs(got.posterior[:m] - loop_post).max()),
                   float(np.abs(got.evidence_probability[:m] - loop_pe).max()))
    row["diff"] = diff
    return row


def fmt(cell) -> str:
    if cell is None:
        return "–"
    seconds, scaled = cell
    return ("~" if scaled else "") + (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}")


def table(rows: list[dict]) -> list[str]:
    lines = ["| network | k | distinct rows | table | batch | loop | auto (used) | auto / best | "
             "pl.query loop | auto / loop | max \\|diff\\| |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cells = r["cells"]
        times = [cells[s][0] for s in ("table", "batch", "loop") if cells.get(s)]
        auto = cells["auto"][0] if cells.get("auto") else math.nan
        lines.append(
            f"| {r['name']} | {r['k']} | {r['distinct']:,} | {fmt(cells['table'])} | {fmt(cells['batch'])} | "
            f"{fmt(cells['loop'])} | {fmt(cells['auto'])} ({r.get('used', '?')}) | {auto / min(times):.2f} | "
            f"{fmt(r['loop'])} | {auto / r['loop'][0]:.3f} | {r['diff']:.1e} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--evidence", default="3,12", help="numbers of evidence variables")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds before a cell is scaled")
    parser.add_argument("--loop-rows", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each cell shows its fastest")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compiled.md"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    for name in args.networks.split(","):
        bn = load(name)
        if bn is None:
            print(f"{name}: not found, skipped", file=sys.stderr)
            continue
        for k in [int(x) for x in args.evidence.split(",")]:
            rows.append(measure(name, bn, k, args.n, args.budget, args.loop_rows, args.repeat))
            print("\n".join(table(rows[-1:])[2:]), flush=True)
    load_after = os.getloadavg()
    text = [
        "# Compiled queries: strategies vs a loop of pl.query",
        "",
        f"Command: `.venv/bin/python benchmarks/compiled.py --n {args.n} --evidence {args.evidence} "
        f"--budget {args.budget:g} --loop-rows {args.loop_rows} --repeat {args.repeat}`",
        "",
        f"{args.n:,} evidence rows per network (forward sample; k evidence variables, 1 query variable); "
        "seconds of `compile_query` + one call on all rows, cold (plan caches emptied first), fastest "
        f"of {args.repeat} interleaved rounds (6 more for cells under 0.2 s). ~: timed on 1,000 rows (the pl.query loop: on --loop-rows rows) and scaled. "
        "–: not timed (table build estimated over the budget, or over max_memory).",
        "",
        *table(rows),
        "",
        f"Machine: Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other jobs (load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after): timings are noisy, +-30% or more.",
        "",
    ]
    Path(args.out).write_text("\n".join(text))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
