"""Benchmark: forward sampling and MLE fitting, pgm_lite vs pgmpy (and pyAgrum when installed).

Forward sampling draws ``--n`` rows (default 100,000) into a pandas DataFrame of state names on
every network in tests/data:

- pgm_lite: ``pl.sample(bn, n, rng=0)`` (Categorical columns holding the state names);
- pgmpy: ``BayesianModelSampling(model).forward_sample(size=n, show_progress=False)``;
- pyAgrum: ``BNDatabaseGenerator(bn).drawSamples(n)`` followed by ``.to_pandas()``.

Fitting: ``pl.fit(alarm, data)`` vs pgmpy ``MaximumLikelihoodEstimator(model, data).get_parameters()``
on the same DataFrame of state-name strings (``--fit-rows``, default 1,000,000 rows of alarm).

``--quick`` samples only ``--quick-n`` rows (default 10,000) with pgmpy and pyAgrum on networks of
more than 200 variables and scales their time linearly to ``--n``; the table marks those cells.

Run from the repository root::

    .venv/bin/python benchmarks/sampling.py            # full run, several minutes
    .venv/bin/python benchmarks/sampling.py --quick    # faster
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import warnings
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("PGM_LITE_ROOT", str(ROOT)))  # PGM_LITE_ROOT: time another checkout

from _timing import best_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import pgm_lite as pl  # noqa: E402

warnings.filterwarnings("ignore")


def to_pgmpy(bn):
    """A pgmpy DiscreteBayesianNetwork with the same tables and state names."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork(bn.edges)
    model.add_nodes_from(bn.variables)
    for v in bn.variables:
        cpd = bn.cpd(v)
        model.add_cpds(TabularCPD(
            v, cpd.cardinality, cpd.columns, evidence=list(cpd.parents) or None,
            evidence_card=list(cpd.parent_cardinalities) or None,
            state_names={u: list(bn.states(u)) for u in (*cpd.parents, v)}))
    return model


def to_pyagrum(bn):
    """A pyAgrum BayesNet with the same tables (built in code: pyAgrum's BIF parser rejects some
    bnlearn state names such as ``Asy/Patch`` in child)."""
    import pyagrum as gum

    net = gum.BayesNet("net")
    for v in bn.variables:
        net.add(gum.LabelizedVariable(v, v, list(bn.states(v))))
    for parent, child in bn.edges:
        net.addArc(parent, child)
    for v in bn.variables:
        cpd, cpt = bn.cpd(v), net.cpt(v)
        for idx in np.ndindex(*cpd.parent_cardinalities):
            cpt[dict(zip(cpd.parents, map(int, idx)))] = cpd.table[idx].tolist()
    return net


def pyagrum_sample(bn, n):
    import pyagrum as gum

    generator = gum.BNDatabaseGenerator(bn)
    generator.drawSamples(n)
    return generator.to_pandas()


def bench_sampling(paths, n, quick, quick_n, has_pyagrum):
    from pgmpy.sampling import BayesianModelSampling

    rows = []
    for path in paths:
        name = path.name.split(".")[0]
        bn = pl.read(str(path))
        pl.sample(bn, 100, rng=0)  # warm the plan cache like any second call
        ours, df = best_time(partial(pl.sample, bn, n, rng=0), 3)
        assert df.shape == (n, len(bn.variables))
        big = quick and len(bn.variables) > 200
        m = quick_n if big else n
        scale = n / m
        sampler = BayesianModelSampling(to_pgmpy(bn))
        t_pgmpy, _ = best_time(partial(sampler.forward_sample, size=m, show_progress=False),
                               1 if big or len(bn.variables) > 50 else 2)
        t_pgmpy *= scale
        t_agrum = None
        if has_pyagrum:
            gbn = to_pyagrum(bn)
            t_agrum, _ = best_time(partial(pyagrum_sample, gbn, m), 1)
            t_agrum *= scale
        rows.append((name, len(bn.variables), ours, t_pgmpy, t_agrum, big))
        agrum = "" if t_agrum is None else f"  pyAgrum {t_agrum:8.3f}s ({t_agrum / ours:5.1f}x)"
        print(f"{name:12s} pgm_lite {ours:7.3f}s  pgmpy {t_pgmpy:8.3f}s ({t_pgmpy / ours:6.1f}x){agrum}"
              f"{'  (scaled from ' + format(m, ',') + ' rows)' if big else ''}", flush=True)
    return rows


def bench_fit(n_rows):
    """MLE on alarm for Categorical columns (pl.sample, read_csv(dtype="category")) and plain strings."""
    from pgmpy.estimators import MaximumLikelihoodEstimator

    alarm = pl.example("alarm")
    model = to_pgmpy(alarm)
    categorical = pl.sample(alarm, n_rows, rng=1)
    results = []
    for label, data in (("Categorical columns", categorical), ("string columns", categorical.astype(str))):
        ours, fitted = best_time(partial(pl.fit, alarm, data), 3)
        theirs, cpds = best_time(
            lambda data=data: MaximumLikelihoodEstimator(model, data).get_parameters(n_jobs=1), 3)
        for cpd in cpds:  # same estimates
            v = cpd.variable
            mine = fitted.cpd(v)
            order = [[list(alarm.states(u)).index(s) for s in cpd.state_names[u]] for u in cpd.variables]
            theirs_table = np.moveaxis(cpd.get_values().reshape([len(o) for o in order]), 0, -1)
            mine_table = mine.table[np.ix_(*[order[cpd.variables.index(u)] for u in mine.scope])]
            assert np.allclose(np.transpose(mine_table, [list(mine.scope).index(u)
                                                         for u in (*cpd.variables[1:], v)]),
                               theirs_table)
        print(f"fit alarm {n_rows:,} rows ({label}): pgm_lite {ours:.3f}s  pgmpy {theirs:.3f}s "
              f"({theirs / ours:.1f}x)", flush=True)
        results.append((label, ours, theirs))
    return results


def write_markdown(out, args, sampling, fit, has_pyagrum):
    import pgmpy

    versions = f"pgmpy {pgmpy.__version__}"
    if has_pyagrum:
        import pyagrum

        versions += f", pyAgrum {pyagrum.__version__}"
    command = "python benchmarks/sampling.py" + (" --quick" if args.quick else "")
    lines = [
        "# Sampling and fitting benchmark",
        "",
        f"Command: `{command}` (Python {platform.python_version()}, numpy {np.__version__}, {versions}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs). Wall time, best of 3 for pgm_lite.",
        "",
        f"Forward sampling of {args.n:,} rows into a pandas DataFrame of state names:",
        "",
        "| network | variables | pgm_lite (s) | pgmpy (s) | speed-up vs pgmpy |"
        + (" pyAgrum draw + to_pandas (s) | speed-up vs pyAgrum |" if has_pyagrum else ""),
        "|---|---:|---:|---:|---:|" + ("---:|---:|" if has_pyagrum else ""),
    ]
    for name, d, ours, t_pgmpy, t_agrum, big in sampling:
        mark = "*" if big else ""
        row = f"| {name} | {d} | {ours:.3f} | {t_pgmpy:.2f}{mark} | {t_pgmpy / ours:.0f}x |"
        if has_pyagrum:
            row += f" {t_agrum:.2f}{mark} | {t_agrum / ours:.0f}x |"
        lines.append(row)
    if any(r[5] for r in sampling):
        lines += ["", f"\\* measured on {args.quick_n:,} rows and scaled linearly to {args.n:,} (`--quick`)."]
    if fit:
        lines += [
            "",
            f"Maximum-likelihood fit of all 37 CPDs of alarm from {args.fit_rows:,} forward-sampled rows "
            "(pgmpy: `MaximumLikelihoodEstimator(model, data).get_parameters(n_jobs=1)`; both give the "
            "same tables; best of 3):",
            "",
            "| input DataFrame | pgm_lite `pl.fit` (s) | pgmpy (s) | speed-up |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {label} | {ours:.3f} | {theirs:.2f} | {theirs / ours:.0f}x |" for label, ours, theirs in fit]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


# -- row throughput (issue 19 "also measured") ------------------------------------------------------
def plain_checkerboard(couplings_right, couplings_down, chains, sweeps, rng):
    """The floor for Gibbs on an Ising grid: a hand-written two-colour sampler on +-1 spins."""
    size = couplings_right.shape[0]
    spins = rng.choice(np.array([-1.0, 1.0]), size=(chains, size, size))
    black = (np.add.outer(np.arange(size), np.arange(size)) % 2).astype(bool)
    for _ in range(sweeps):
        for colour in (black, ~black):
            field = np.zeros_like(spins)
            field[:, :, :-1] += couplings_right * spins[:, :, 1:]
            field[:, :, 1:] += couplings_right * spins[:, :, :-1]
            field[:, :-1, :] += couplings_down * spins[:, 1:, :]
            field[:, 1:, :] += couplings_down * spins[:, :-1, :]
            up = rng.random(spins.shape) < 1.0 / (1.0 + np.exp(-2.0 * field))
            spins = np.where(colour, np.where(up, 1.0, -1.0), spins)
    return spins


def ising_grid(size, rng):
    """An Ising grid as a MarkovNetwork and its couplings (right, down) for the plain sampler."""
    right, down = rng.uniform(-0.4, 0.4, (size, size - 1)), rng.uniform(-0.4, 0.4, (size - 1, size))
    name = [[f"x{i}_{j}" for j in range(size)] for i in range(size)]
    spin = np.array([[1.0, -1.0], [-1.0, 1.0]])
    edges, factors = [], []
    for i in range(size):
        for j in range(size):
            for (di, dj), coupling in (((0, 1), right), ((1, 0), down)):
                if i + di < size and j + dj < size:
                    edge = (name[i][j], name[i + di][j + dj])
                    edges.append(edge)
                    factors.append(pl.DiscreteFactor(edge, np.exp(coupling[i, j] * spin)))
    return pl.MarkovNetwork(edges, factors), right, down


def bench_rows(args):
    """Forward sampling and fitting of munin rows, and Gibbs on Ising grids, each next to its floor."""
    munin = pl.read(str(ROOT / "tests" / "data" / "munin.bif.gz"))
    d, n, repeat = len(munin.variables), args.rows, args.repeat
    rng = np.random.default_rng(0)
    pl.sample(munin, 100, rng=0)  # the per-model plan, as any second call has it
    results = []
    def draws():
        for _ in range(d):
            rng.random(n)

    floor, _ = best_time(draws, repeat)
    t_codes, codes = best_time(lambda: pl.sample(munin, n, rng=0, as_codes=True), repeat)
    t_frame, frame = best_time(lambda: pl.sample(munin, n, rng=0), repeat)
    results.append((f"forward sample munin, {n:,} rows, codes", t_codes, floor, "one `rng.random(n)` per variable"))
    results.append((f"forward sample munin, {n:,} rows, DataFrame", t_frame, floor, "one `rng.random(n)` per variable"))
    del frame
    del codes
    m = args.fit_munin_rows
    categorical = pl.sample(munin, m, rng=1)
    array = np.column_stack([categorical[v].cat.codes.to_numpy() for v in munin.variables])  # (m, d) int8
    pass_floor, _ = best_time(lambda array=array: array.max(axis=0), repeat)
    inputs = [("Categorical DataFrame", categorical), ("(n, d) int8 array", array),
              ("int8 codes DataFrame", categorical.apply(lambda c: c.cat.codes))]
    for label, data in inputs:
        t_fit, _ = best_time(lambda data=data: pl.fit(munin, data), repeat)
        results.append((f"fit munin, {m:,} rows, {label}", t_fit, pass_floor, "one pass over the codes (`max(axis=0)`)"))
    del inputs, categorical, array, data
    for size, chains in ((30, 1000), (100, 100)):
        grid, right, down = ising_grid(size, np.random.default_rng(size))
        sweeps = args.sweeps * (10 if size < 50 else 1)
        updates = size * size * chains * sweeps
        ours, _ = best_time(lambda grid=grid, chains=chains, sweeps=sweeps: pl.gibbs_sample(
            grid, chains * sweeps, n_chains=chains, burn_in=0, rng=0, as_codes=True), repeat)
        plain, _ = best_time(lambda r=right, dn=down, c=chains, sweeps=sweeps: plain_checkerboard(
            r, dn, c, sweeps, np.random.default_rng(0)), repeat)
        results.append((f"Gibbs Ising {size}x{size}, {chains} chains x {sweeps} sweeps: "
                        f"{updates / ours:.3g} spin updates/s (plain {updates / plain:.3g}/s)", ours, plain,
                        "plain two-colour numpy sampler"))
    for label, ours, base, _ in results:
        print(f"{label}: {ours:.3f}s (floor {base:.3f}s, {ours / base:.1f}x)", flush=True)
    return results


def write_rows(out, args, results):
    lines = [
        "# Row throughput: sampling, fitting, Gibbs (pgm_lite next to its floor)",
        "",
        f"Command: `python benchmarks/sampling.py --rows-only --rows {args.rows} --fit-munin-rows "
        f"{args.fit_munin_rows}` (Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, shared with other jobs: noisy). Wall time, best of "
        f"{args.repeat}; the floor is measured in the same run.",
        "",
        "| task | pgm_lite (s) | floor (s) | x floor | floor is |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [f"| {label} | {ours:.3f} | {base:.3f} | {ours / base:.1f} | {what} |" for label, ours, base, what in results]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows to sample per network")
    parser.add_argument("--quick", action="store_true",
                        help="pgmpy/pyAgrum sample --quick-n rows on networks > 200 variables, scaled")
    parser.add_argument("--quick-n", type=int, default=10_000)
    parser.add_argument("--networks", nargs="*", help="network names (default: all in tests/data)")
    parser.add_argument("--fit-rows", type=int, default=1_000_000)
    parser.add_argument("--no-fit", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sampling.md")
    parser.add_argument("--rows-only", action="store_true",
                        help="only the row-throughput table (munin sampling and fit, Ising Gibbs)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="munin rows for the row-throughput table")
    parser.add_argument("--fit-munin-rows", type=int, default=1_000_000)
    parser.add_argument("--sweeps", type=int, default=10, help="Gibbs sweeps (x10 on the small grid)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rows-out", type=Path, default=ROOT / "benchmarks" / "results" / "rows.md")
    args = parser.parse_args(argv)
    if args.rows_only:
        write_rows(args.rows_out, args, bench_rows(args))
        return
    try:
        import pyagrum  # noqa: F401

        has_pyagrum = True
    except ImportError:
        has_pyagrum = False
    paths = sorted((ROOT / "tests" / "data").glob("*.bif.gz"))
    if args.networks:
        paths = [p for p in paths if p.name.split(".")[0] in args.networks]
    sampling = bench_sampling(paths, args.n, args.quick, args.quick_n, has_pyagrum)
    fit = None if args.no_fit else bench_fit(args.fit_rows)
    write_markdown(args.out, args, sampling, fit, has_pyagrum)


if __name__ == "__main__":
    main()
