"""Benchmark: fit and predict on ``--n`` rows of alarm samples, Dask LocalCluster vs in memory.

Dask side: the rows are drawn by ``pl.sample(alarm, n, chunks=--chunk, rng=0)``, a lazy Dask
DataFrame whose partitions are sampled on the workers, so the ``--n`` rows are never all in
memory at once (the table reports each worker's peak resident memory). On it we time

- ``draw only``: sampling every partition and counting its rows (the cost included below);
- ``pl.fit(alarm, ddf)``: family counts per partition, summed (exactly the in-memory fit);
- ``pl.predict(alarm, ddf.drop(columns=[target]), [target], kind="proba")`` reduced to a column
  sum, so the result stays small;
- ``pl.log_likelihood(alarm, ddf)``.

Dask samples lazily, so each Dask timing re-draws its partitions: the fit, predict and
log-likelihood rows all include the draw. In memory (only for ``--n`` up to ``--in-memory-max``,
default 10^7) the same calls run in a fresh child process, after the cluster has stopped, on
``pl.sample(alarm, n, rng=0)``, and every row adds the time of that one draw, so both sides are
timed the same way; the child's peak resident memory is reported too. The cluster is a
``LocalCluster`` of ``--workers`` processes with one thread each.

Not part of ``make test`` (it takes minutes). Run from the repository root::

    .venv/bin/python benchmarks/scale_out.py --n 10000000
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402

TARGET = "HYPOVOLEMIA"
STEPS = ["draw only", "draw + fit", "draw + predict", "draw + log_likelihood"]


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {seconds:.1f} s", file=sys.stderr, flush=True)   # progress of a long run
    return seconds, result


def _peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dask_side(alarm, n, chunk):
    ddf = pl.sample(alarm, n, chunks=chunk, rng=0)
    times = {}
    times["draw only"], rows = _timed(lambda: int(ddf.map_partitions(len).sum().compute()))
    assert rows == n, (rows, n)
    times["draw + fit"], _ = _timed(lambda: pl.fit(alarm, ddf))
    times["draw + predict"], _ = _timed(
        lambda: pl.predict(alarm, ddf.drop(columns=[TARGET]), [TARGET], kind="proba").sum().compute())
    times["draw + log_likelihood"], ll = _timed(lambda: pl.log_likelihood(alarm, ddf))
    return times, ll


def _memory_side(n):
    """Run in a child process: the same calls on one in-memory DataFrame; return times, ll, peak MB."""
    alarm = pl.example("alarm")
    draw, df = _timed(lambda: pl.sample(alarm, n, rng=0))
    times = {"draw only": draw}
    times["draw + fit"] = draw + _timed(lambda: pl.fit(alarm, df))[0]
    times["draw + predict"] = draw + _timed(
        lambda: pl.predict(alarm, df.drop(columns=[TARGET]), [TARGET], kind="proba").sum())[0]
    t_ll, ll = _timed(lambda: pl.log_likelihood(alarm, df))
    times["draw + log_likelihood"] = draw + t_ll
    return times, ll, _peak_mb()


def _run_dask(alarm, args):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=50)
    try:
        with Client(cluster) as client:
            client.run(lambda: pl.sample(alarm, 10, rng=0))   # warm the workers' imports
            where = set(client.run(lambda: pl.__file__).values())
            assert where == {pl.__file__}, f"workers import {where}, not {pl.__file__}"
            times, ll = _dask_side(alarm, args.n, args.chunk)
            peaks = sorted(client.run(_peak_mb).values())
    finally:
        cluster.close()
    return times, ll, peaks


def _run_memory(n):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_memory_side, n).result()


def _table(args, dask_times, memory_times):
    lines = ["| step | Dask (s) | Dask rows/s | in memory (s) | in-memory rows/s |",
             "|---|---:|---:|---:|---:|"]
    for step in STEPS:
        t = dask_times[step]
        if memory_times is None:
            mem, rate = "too big", ""
        else:
            mem, rate = f"{memory_times[step]:.1f}", f"{args.n / memory_times[step]:,.0f}"
        lines.append(f"| {step} | {t:.1f} | {args.n / t:,.0f} | {mem} | {rate} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-memory-max", type=int, default=10_000_000)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "scale_out.md"))
    args = parser.parse_args(argv)

    alarm = pl.example("alarm")
    dask_times, dask_ll, worker_peaks = _run_dask(alarm, args)
    memory = _run_memory(args.n) if args.n <= args.in_memory_max else None
    import dask

    partitions = -(-args.n // args.chunk)
    lines = [
        "### Scale-out on Dask (alarm)", "",
        f"{args.n:,} rows of alarm samples. Dask: drawn in {partitions} partitions of {args.chunk:,} rows "
        f"by `pl.sample(alarm, n, chunks={args.chunk}, rng=0)` on a LocalCluster of {args.workers} worker "
        f"processes (one thread each), re-drawn lazily by every step. In memory: one "
        f"`pl.sample(alarm, n, rng=0)` in a fresh process, then the same calls; its draw time is added to "
        f"every row so both sides are timed the same way. Python {platform.python_version()}, "
        f"dask {dask.__version__}, {platform.machine()}, {os.cpu_count()} cores shared with other "
        f"engineers' work while this ran (noisy: compare rows of the same run).", "",
        *_table(args, dask_times, None if memory is None else memory[0]), "",
        "Peak resident memory: Dask workers " + ", ".join(f"{p:,.0f} MB" for p in worker_peaks)
        + ("" if memory is None else f"; in-memory process {memory[2]:,.0f} MB") + ".", "",
    ]
    if memory is not None:
        lines += [f"Log-likelihood of the samples: Dask {dask_ll:.6g}, in memory {memory[1]:.6g} "
                  "(different random streams: each Dask partition has its own seed).", ""]
    lines += [f"Command: `.venv/bin/python benchmarks/scale_out.py --n {args.n} --chunk {args.chunk}`", ""]
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print(*lines, sep="\n")


if __name__ == "__main__":
    main()
