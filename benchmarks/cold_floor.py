"""Benchmark: how fast can a first answer be in Python + numpy? The floor under the cold columns.

``vs_pyagrum.py``'s cold columns time a first answer on a model just read, with the garbage
collector run just before the timed call on both sides. That collection walks every object in
the process and evicts the CPU caches, so a first answer pays for every piece of code it touches
(a 2x2 ``np.einsum`` costs ~0.1 ms right after it, ~7 us when repeated).

This script measures, the same way and in one run, three answers to the benchmark's cold
questions (same networks, evidence and query variables as ``vs_pyagrum.py``):

- *pgm_lite*: ``pl.query`` / ``pl.marginals`` on a model just read (as in ``vs_pyagrum.py``);
- *floor*: the least a numpy implementation can do, with no validation, no cache and no
  result object: the CPDs of the query's and the evidence's ancestors, the evidence sliced,
  **one** ``np.einsum`` onto the query and one division (for all marginals: that per unobserved
  variable). It reads the tables as written (rows of the shipped files sum to one within
  1e-7; pgm_lite renormalises them), so it is checked against ``pl.query`` to 1e-6. It is
  exact only where it applies
  (Bayesian networks, no scaling), and its einsum without an elimination order explodes past
  small networks, so it is run on the six networks of at most 20 variables;
- *pyAgrum*: a new ``LazyPropagation`` on the loaded network (as in ``vs_pyagrum.py``).

A fourth column times pgm_lite answering the same question on a model that has answered it
once already (its plan, coded view and structure caches built; only the numbers are computed),
still collected first: the part of a cold answer no first-question work can remove.

Also one ``np.einsum`` of two 2x2 arrays, timed the same way: the price of the first numpy
call after the collection. "needed" is a third of pyAgrum's time (a 3x ratio).

Run from the repository root (writes benchmarks/results/cold_floor.md)::

    .venv/bin/python benchmarks/cold_floor.py [--repeat N] [--networks asia,survey]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from vs_pyagrum import Case, geo_mean, ms, timed  # noqa: E402

import pgm_lite as pl  # noqa: E402

#: where one einsum with no elimination order stays small (insurance: 10 ms / 17 s, alarm: more)
SMALL = ["asia", "cancer", "earthquake", "sachs", "survey", "child"]


def relevant(bn, variables):
    """The CPDs of ``variables`` and their ancestors (the others sum to one)."""
    need, stack = set(variables), list(variables)
    while stack:
        for p in bn.cpd(stack.pop()).parents:
            if p not in need:
                need.add(p)
                stack.append(p)
    return [v for v in bn.variables if v in need]


def floor_posterior(bn, q, evidence):
    """P(q | evidence) with one einsum over the relevant CPDs (no validation, no cache)."""
    letter, operands = {}, []
    for v in relevant(bn, [q, *evidence]):
        cpd = bn.cpd(v)
        table, scope = cpd.table, [*cpd.parents, v]
        if any(x in evidence for x in scope):
            table = table[tuple(bn.states(x).index(evidence[x]) if x in evidence else slice(None) for x in scope)]
            scope = [x for x in scope if x not in evidence]
        operands += [table, [letter.setdefault(x, len(letter)) for x in scope]]
    values = np.einsum(*operands, [letter[q]])
    return values / values.sum()


def floor_marginals(bn, evidence):
    return {v: floor_posterior(bn, v, evidence) for v in bn.variables if v not in evidence}


def tiny_einsum():
    a = np.ones((2, 2))
    return np.einsum("ab,b->a", a, a[0])


def best(fn, repeat, fresh=None):
    """Best time of ``fn(model)`` on a model just read (or ``fn()``), collected first."""
    out = math.inf
    for _ in range(repeat):
        model = None if fresh is None else fresh()
        t, _ = timed(fn if model is None else (lambda: fn(model)))  # noqa: B023 - called at once
        out = min(out, t)
    return out


def asked(model, q):
    """``model`` after one answer to the benchmark's question (every cache it needs built)."""
    if q is None:
        pl.marginals(model, ASKED[0])
    else:
        pl.query(model, [q], ASKED[0])
    return model


#: the evidence of the question being measured (set per network by measure)
ASKED: list = [None]


def measure(name, repeat):
    """``(posterior, marginals)``: each ``(pgm_lite, floor, pyAgrum)`` seconds, cold, on one network."""
    case = Case(name)
    evidence = ASKED[0] = case.evidences[0]

    def read():
        return pl.read_bif(case.path)

    bn = read()
    ours_q, floor_q, theirs_q, again_q = [], [], [], []
    for q in case.queries:
        got = floor_posterior(bn, q, evidence)
        assert np.abs(got - pl.query(bn, [q], evidence).values).max() < 1e-6
        ours_q.append(best(lambda m, q=q: pl.query(m, [q], evidence), repeat, read))
        again_q.append(best(lambda m, q=q: pl.query(m, [q], evidence), repeat, lambda q=q: asked(read(), q)))
        floor_q.append(best(lambda m, q=q: floor_posterior(m, q, evidence), repeat, read))

        def agrum(q=q):
            engine = case.gum.LazyPropagation(case.abn)
            engine.setEvidence(evidence)
            engine.addTarget(q)
            engine.makeInference()
            return engine.posterior(q).toarray()

        theirs_q.append(best(agrum, repeat))
    posterior = tuple(float(np.mean(x)) for x in (ours_q, floor_q, theirs_q, again_q))
    got, want = floor_marginals(bn, evidence), pl.marginals(bn, evidence)
    assert max(float(np.abs(got[v] - want[v].values).max()) for v in got) < 1e-6

    def agrum_all():
        engine = case.gum.LazyPropagation(case.abn)
        engine.setEvidence(evidence)
        engine.makeInference()
        return [engine.posterior(v).toarray() for v in case.free]

    marginals = (best(lambda m: pl.marginals(m, evidence), repeat, read),
                 best(lambda m: floor_marginals(m, evidence), repeat, read), best(agrum_all, repeat),
                 best(lambda m: pl.marginals(m, evidence), repeat, lambda: asked(read(), None)))
    return case.n_vars, posterior, marginals


def row(name, n_vars, times):
    o, f, t, a = times
    return (f"| {name} | {n_vars} | {ms(t)} | {ms(t / 3)} | {ms(f)} (**{t / f:.2f}x**) | {ms(o)} (**{t / o:.2f}x**) "
            f"| {ms(a)} (**{t / a:.2f}x**) |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--networks", default=",".join(SMALL))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cold_floor.md"))
    args = parser.parse_args()
    import pyagrum

    load_before = os.getloadavg()
    post_rows, marg_rows, ratios = [], [], {f"{k} {kind}": [] for k in ("floor", "ours", "again") for kind in "qm"}
    tiny = best(tiny_einsum, args.repeat * 3)
    for name in args.networks.split(","):
        n_vars, posterior, marginals = measure(name, args.repeat)
        for kind, (o, f, t, a) in (("q", posterior), ("m", marginals)):
            ratios[f"floor {kind}"].append(t / f)
            ratios[f"ours {kind}"].append(t / o)
            ratios[f"again {kind}"].append(t / a)
        post_rows.append(row(name, n_vars, posterior))
        marg_rows.append(row(name, n_vars, marginals))
        print(post_rows[-1], marg_rows[-1], sep="\n", flush=True)
    load_after = os.getloadavg()
    g = {k: f"**{geo_mean(v):.2f}x**" for k, v in ratios.items()}
    head = ("| network | vars | pyAgrum (ms) | needed for 3x (ms) | floor: one einsum, no checks (ms, ratio) "
            "| pgm_lite (ms, ratio) | pgm_lite, question asked before (ms, ratio) |\n|---|---:|---:|---:|---:|---:|---:|")
    lines = [
        "# The floor under the cold columns: one einsum, no checks, measured like vs_pyagrum.py",
        "",
        f"Command: `.venv/bin/python benchmarks/cold_floor.py --repeat {args.repeat}` (from the repository root); "
        "see the script's docstring. Best of the repeats, garbage collected before each timed call, "
        "on a model just read (pgm_lite and the floor) and a new engine (pyAgrum).",
        f"Python {platform.python_version()}, numpy {np.__version__}, pyAgrum {pyagrum.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cores; load average {load_before[0]:.1f} at the start and "
        f"{load_after[0]:.1f} at the end.",
        "",
        f"One `np.einsum` of two 2x2 arrays right after the collection: **{ms(tiny)} ms**.",
        "",
        "## One posterior, cold (mean over the query variables)",
        "",
        head,
        *post_rows,
        f"| geometric mean | | | | {g['floor q']} | {g['ours q']} | {g['again q']} |",
        "",
        "## All marginals, cold",
        "",
        head,
        *marg_rows,
        f"| geometric mean | | | | {g['floor m']} | {g['ours m']} | {g['again m']} |",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
