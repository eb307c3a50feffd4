"""Benchmark: EM with a latent class variable, and Markov network fits (pgm_lite only).

- EM: a mixture of ``--k`` Bernoulli components over ``--pixels`` binary pixels, ``--rows`` rows
  sampled from a random truth; ``pl.fit_em(structure, data, latent=["Z"], max_iter=--iters,
  tol=0)`` (a fixed number of updates, so the time per update is comparable between runs).
- MRF: ``pl.fit(grid, data, method="pseudo_likelihood")`` on a ``--grid`` x ``--grid`` Ising grid
  from Gibbs samples, and exact ``method="mle"`` on a 3 x 3 grid.

The machine this runs on may be shared: timings are best of ``--repeat`` and still noisy.

Run from the repository root::

    .venv/bin/python benchmarks/learning.py
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import best_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import pgm_lite as pl  # noqa: E402


def mixture(k: int, pixels: int, seed: int = 0) -> pl.BayesianNetwork:
    rng = np.random.default_rng(seed)
    on = rng.uniform(0.05, 0.95, (pixels, k))
    return pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", np.full(k, 1 / k))] + [
        pl.TabularCPD(f"p{i}", np.stack([1 - on[i], on[i]], axis=1), ["Z"]) for i in range(pixels)])


def ising(n: int, seed: int = 0) -> pl.MarkovNetwork:
    rng = np.random.default_rng(seed)
    names = {(i, j): f"x{i}_{j}" for i in range(n) for j in range(n)}
    edges = [(names[i, j], names[i + di, j + dj]) for i in range(n) for j in range(n)
             for di, dj in ((0, 1), (1, 0)) if i + di < n and j + dj < n]
    spin = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, np.exp(rng.uniform(-0.4, 0.4) * spin)) for e in edges],
                            variables=list(names.values()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pixels", type=int, default=64)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--gibbs-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "learning.md"))
    args = parser.parse_args(argv)

    truth = mixture(args.k, args.pixels)
    data = pl.sample(truth, args.rows, rng=1).drop(columns="Z")
    structure = pl.BayesianNetwork(truth.edges, states={"Z": args.k})
    cpu = time.process_time()
    em_time, result = best_time(lambda: pl.fit_em(structure, data, latent=["Z"], max_iter=args.iters,
                                                  tol=0.0, rng=0), args.repeat)
    em_cpu = (time.process_time() - cpu) / args.repeat
    setup_time, _ = best_time(lambda: pl.fit_em(structure, data, latent=["Z"], max_iter=0, rng=0), args.repeat)
    grid = ising(args.grid)
    samples = pl.gibbs_sample(grid, args.gibbs_rows, burn_in=100, thin=2, n_chains=500, rng=0)
    bare = pl.MarkovNetwork(grid.edges, variables=grid.variables)
    pl_time, _ = best_time(lambda: pl.fit(bare, samples, method="pseudo_likelihood", tol=1e-6), args.repeat)
    small = ising(3)
    small_rows = pl.gibbs_sample(small, 5000, rng=0)
    mle_time, _ = best_time(lambda: pl.fit(pl.MarkovNetwork(small.edges), small_rows), args.repeat)

    lines = [
        "# Learning benchmarks (pgm_lite)",
        "",
        f"Python {platform.python_version()}, numpy {np.__version__}; best of {args.repeat}; "
        "a shared machine, so timings are noisy.",
        "",
        "| task | size | wall time (s) | per update (s) |",
        "|---|---|---:|---:|",
        f"| `fit_em`, latent class (mixture of Bernoullis) | {args.rows:,} rows x {args.pixels} pixels x "
        f"{args.k} components, {result.iterations} updates (CPU {em_cpu:.1f} s; setup + first E-step "
        f"{setup_time:.2f} s) | {em_time:.2f} | {(em_time - setup_time) / max(result.iterations, 1):.3f} |",
        f"| `fit(method=\"pseudo_likelihood\")`, Ising grid | {args.grid}x{args.grid}, {args.gibbs_rows:,} Gibbs rows "
        f"| {pl_time:.2f} | |",
        f"| `fit(method=\"mle\")` (exact), Ising grid | 3x3, 5,000 Gibbs rows | {mle_time:.2f} | |",
        "",
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
