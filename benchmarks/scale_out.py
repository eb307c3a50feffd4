"""Benchmark: fit and predict on ``--n`` rows of alarm samples, Dask LocalCluster vs in memory.

The rows are drawn by ``pl.sample(alarm, n, chunks=--chunk, rng=0)``: a Dask DataFrame whose
partitions are sampled on the workers, never all in memory at once. On it we time

- ``pl.fit(alarm, ddf)`` (family counts per partition, summed; exactly the in-memory fit);
- ``pl.predict(alarm, ddf.drop(columns=[target]), [target], kind="proba")`` written to nothing
  (reduced to a column sum so that the result stays small);
- ``pl.log_likelihood(alarm, ddf)``.

In memory (only with ``--in-memory-max`` rows or fewer, default 2,000,000) the same calls run on
``pl.sample(alarm, n, rng=0)``. Both sides include drawing the samples in the fit row (Dask
samples lazily, so each Dask timing re-samples its partitions). The cluster is a
``LocalCluster`` of ``--workers`` processes with one thread each.

Run from the repository root::

    .venv/bin/python benchmarks/scale_out.py --n 10000000
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402

TARGET = "HYPOVOLEMIA"


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _dask_side(alarm, n, chunk):
    ddf = pl.sample(alarm, n, chunks=chunk, rng=0)
    rows = []
    t, _ = _timed(lambda: pl.fit(alarm, ddf))
    rows.append(("sample + fit", t))
    t, _ = _timed(lambda: pl.predict(alarm, ddf.drop(columns=[TARGET]), [TARGET], kind="proba").sum().compute())
    rows.append(("sample + predict", t))
    t, ll = _timed(lambda: pl.log_likelihood(alarm, ddf))
    rows.append(("sample + log_likelihood", t))
    return rows, None, ll


def _memory_side(alarm, n):
    rows = []
    t, df = _timed(lambda: pl.sample(alarm, n, rng=0))
    t_fit, fitted = _timed(lambda: pl.fit(alarm, df))
    rows.append(("sample + fit", t + t_fit))
    t_pred, _ = _timed(lambda: pl.predict(alarm, df.drop(columns=[TARGET]), [TARGET], kind="proba").sum())
    rows.append(("sample + predict", t + t_pred))
    t_ll, ll = _timed(lambda: pl.log_likelihood(alarm, df))
    rows.append(("sample + log_likelihood", t + t_ll))
    return rows, fitted, ll


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-memory-max", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    alarm = pl.example("alarm")
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=50)
    with Client(cluster) as client:
        client.run(lambda: pl.sample(alarm, 10, chunks=None, rng=0))   # warm the workers' imports
        dask_rows, dask_fit, dask_ll = _dask_side(alarm, args.n, args.chunk)
    cluster.close()
    memory = _memory_side(alarm, args.n) if args.n <= args.in_memory_max else None
    lines = [
        "### Scale-out on Dask (alarm)", "",
        f"{args.n:,} rows of alarm samples, drawn in partitions of {args.chunk:,} rows by "
        f"`pl.sample(alarm, n, chunks=..., rng=0)` on a LocalCluster of {args.workers} worker "
        f"processes (one thread each); in memory: `pl.sample(alarm, n, rng=0)` then the same call. "
        f"Every timing includes drawing the samples. Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work (noisy).", "",
        "| step | Dask (s) | Dask rows/s | in memory (s) | in-memory rows/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for k, (step, t) in enumerate(dask_rows):
        mem = "" if memory is None else f"{memory[0][k][1]:.2f}"
        mem_rate = "" if memory is None else f"{args.n / memory[0][k][1]:,.0f}"
        lines.append(f"| {step} | {t:.2f} | {args.n / t:,.0f} | {mem or 'too big'} | {mem_rate} |")
    if memory is not None:
        lines += ["", f"Log-likelihood of the samples: Dask {dask_ll:.6g}, in memory {memory[2]:.6g} "
                      "(different streams: the Dask partitions have their own seeds)."]
    lines += ["", f"Command: `.venv/bin/python benchmarks/scale_out.py --n {args.n}`", ""]
    path = ROOT / "benchmarks" / "results" / "scale_out.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines))
    print(*lines, sep="\n")


if __name__ == "__main__":
    main()
