"""Benchmark: EM for a latent class model (mixture of Bernoullis), pgm_lite and pgmpy.

- pgm_lite: ``--k`` Bernoulli components over ``--pixels`` binary pixels, ``--rows`` rows (a
  comma-separated list) sampled from a random truth; ``pl.fit_em(structure, data, latent=["Z"],
  max_iter=--iters, tol=0)`` runs a fixed number of updates. "setup" is the same call with
  ``max_iter=0`` (encoding, distinct rows, the E-step's layout and one E-step); per update is
  ``(total - setup) / iters``.
- pgmpy: ``ExpectationMaximization.get_parameters`` on a smaller size (``--pgmpy-*``), both
  libraries cold (each call does its own setup), from the same starting CPDs and for the same
  number of updates, so their final log-likelihoods must agree.

The machine this runs on may be shared: timings are best of ``--repeat`` and still noisy.

Run from the repository root::

    .venv/bin/python benchmarks/latent.py
"""

from __future__ import annotations

import argparse
import platform
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import best_time  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import pgm_lite as pl  # noqa: E402


def bernoulli_mixture(k: int, pixels: int, seed: int = 0) -> pl.BayesianNetwork:
    """A random mixture of ``k`` Bernoulli components: Z -> p0 .. p{pixels-1}."""
    rng = np.random.default_rng(seed)
    on = rng.uniform(0.05, 0.95, (pixels, k))
    prior = rng.dirichlet(np.full(k, 5.0))
    return pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", prior)] + [
        pl.TabularCPD(f"p{i}", np.stack([1 - on[i], on[i]], axis=1), ["Z"]) for i in range(pixels)])


def time_pgm_lite(rows: int, pixels: int, k: int, iters: int, repeat: int, missing: float = 0.0) -> list[str]:
    truth = bernoulli_mixture(k, pixels)
    data = pl.sample(truth, rows, rng=1).drop(columns="Z")
    if missing:
        data = data.astype(object).mask(np.random.default_rng(2).random(data.shape) < missing)
    structure = pl.BayesianNetwork(truth.edges, states={"Z": k})
    setup, _ = best_time(lambda: pl.fit_em(structure, data, latent=["Z"], max_iter=0, rng=0), repeat)
    total, result = best_time(lambda: pl.fit_em(structure, data, latent=["Z"], max_iter=iters, tol=0.0,
                                                 rng=0), repeat)
    per = (total - setup) / max(result.iterations, 1)
    stop = "converged" if result.converged else "max_iter"
    return [f"| {rows:,} | {pixels} | {missing:.0%} | {k} | {result.iterations} ({stop}) | {setup:.2f} | "
            f"{per:.3f} | {total:.2f} |"]


def time_against_pgmpy(rows: int, pixels: int, k: int, iters: int, repeat: int) -> list[str]:
    warnings.filterwarnings("ignore", category=FutureWarning)
    from pgmpy.estimators import ExpectationMaximization
    from pgmpy.models import DiscreteBayesianNetwork

    truth = bernoulli_mixture(k, pixels)
    data = pl.sample(truth, rows, rng=1).drop(columns="Z")
    structure = pl.BayesianNetwork(truth.edges, states={"Z": k})
    start = pl.fit_em(structure, data, latent=["Z"], max_iter=0, rng=0).model  # a random start
    ours, result = best_time(lambda: pl.fit_em(start, data, init="model", max_iter=iters, tol=0.0), repeat)
    theirs_start = pl.to_pgmpy(start)
    text = data.astype(str)

    def pgmpy_em():
        net = DiscreteBayesianNetwork(theirs_start.edges(), latents={"Z"})
        init = {c.variable: c.copy() for c in theirs_start.get_cpds()}
        cpds = ExpectationMaximization(net, text).get_parameters(
            latent_card={"Z": k}, max_iter=iters, atol=0.0, init_cpds=init, show_progress=False)
        net.add_cpds(*cpds)
        return net

    theirs, fitted = best_time(pgmpy_em, repeat)
    ll_theirs = pl.log_likelihood(pl.from_pgmpy(fitted), data)
    ll_ours = result.log_likelihood[-1]
    return [
        f"| pgm_lite `fit_em` | {rows:,} | {pixels} | {k} | {iters} | {ours:.3f} | {ll_ours:.6f} |",
        f"| pgmpy `ExpectationMaximization` | {rows:,} | {pixels} | {k} | {iters} | {theirs:.2f} | "
        f"{ll_theirs:.6f} |",
        "",
        f"pgmpy / pgm_lite wall time: {theirs / ours:,.0f}x; final log-likelihoods differ by "
        f"{abs(ll_ours - ll_theirs):.2e} (same start, same updates: the same EM).",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000", help="comma-separated row counts")
    parser.add_argument("--pixels", type=int, default=64)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--missing", type=float, default=0.05,
                        help="fraction of missing pixels in one more run at the largest row count")
    parser.add_argument("--pgmpy-rows", type=int, default=300)
    parser.add_argument("--pgmpy-pixels", type=int, default=16)
    parser.add_argument("--pgmpy-k", type=int, default=3)
    parser.add_argument("--pgmpy-iters", type=int, default=3)
    parser.add_argument("--no-pgmpy", action="store_true", help="skip the pgmpy comparison")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latent.md"))
    args = parser.parse_args(argv)

    lines = [
        "# Latent class EM (mixture of Bernoullis)",
        "",
        f"Python {platform.python_version()}, numpy {np.__version__}; best of {args.repeat}; "
        "a shared 2-core machine, so timings are noisy.",
        "",
        "`pl.fit_em(structure, data, latent=[\"Z\"], max_iter=iterations, tol=0)` on rows sampled "
        "from a random mixture; setup = encoding + distinct rows + E-step layout + one E-step. "
        "`tol=0` still stops (\"converged\") when an update no longer raises the log-likelihood "
        "(machine precision).",
        "",
        "| rows | pixels | missing pixels | K | iterations | setup (s) | per iteration (s) | total (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sizes = [int(r) for r in args.rows.split(",")]
    for rows in sizes:
        lines += time_pgm_lite(rows, args.pixels, args.k, args.iters, args.repeat)
    if args.missing:
        lines += time_pgm_lite(max(sizes), args.pixels, args.k, args.iters, args.repeat, args.missing)
    if not args.no_pgmpy:
        lines += [
            "",
            "## Against pgmpy (cold calls, same start, same number of updates)",
            "",
            "| library | rows | pixels | K | iterations | wall time (s) | final log-likelihood |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += time_against_pgmpy(args.pgmpy_rows, args.pgmpy_pixels, args.pgmpy_k, args.pgmpy_iters,
                                    args.repeat)
    lines.append("")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
