"""Query a classic bnlearn network: exact posteriors, the elimination plan, a sampling check.

Run ``python examples/query_bnlearn_network.py [NET]``: NET is a shipped example name
(``pl.list_examples()``, default ``alarm``) or a .bif / .bif.gz file.
"""

import sys

import pgm_lite as pl


def load(net):
    return pl.example(net) if net in pl.list_examples() else pl.read(net)


def default_query(bn):
    """For alarm, a clinical question; otherwise the roots given the first leaf's first state."""
    if {"HYPOVOLEMIA", "LVFAILURE", "CVP", "BP"} <= set(bn.variables):
        return ["HYPOVOLEMIA", "LVFAILURE"], {"CVP": "HIGH", "BP": "LOW"}
    roots = [v for v in bn.variables if not bn.parents(v)]
    leaf = next(v for v in reversed(bn.topological_order()) if not bn.children(v))
    return [r for r in roots if r != leaf][:2], {leaf: bn.states(leaf)[0]}


def main(argv):
    bn = load(argv[1] if len(argv) > 1 else "alarm")
    counts = pl.count_parameters(bn)
    print(f"{bn}\n{counts['network']} free parameters (the full joint would need {counts['joint']:.3g})")

    variables, evidence = default_query(bn)
    given = ", ".join(f"{v}={s}" for v, s in evidence.items())
    for v in variables:
        prior = pl.query(bn, [v])
        posterior = pl.query(bn, [v], evidence=evidence)
        print(f"\nP({v}) -> P({v} | {given})")
        for state, p0, p1 in zip(bn.states(v), prior.values, posterior.values):
            print(f"  {state:10} {p0:.4f} -> {p1:.4f}")

    print("\nHow variable elimination answers the first query:")
    print(pl.explain_query(bn, variables[:1], evidence=evidence))

    approx = pl.approximate_query(bn, variables[:1], evidence, n_samples=50_000, rng=0)
    exact = pl.query(bn, variables[:1], evidence=evidence)
    print(f"\nlikelihood weighting, 50,000 samples: {approx.values.round(4).tolist()} "
          f"(exact {exact.values.round(4).tolist()})")

    prior, posterior = pl.marginals(bn), pl.marginals(bn, evidence=evidence)
    moved = {v: float(abs(posterior[v].values - prior[v].values).max()) for v in posterior if v not in evidence}
    top = sorted(moved, key=moved.get, reverse=True)[:5]
    print("\nthe evidence moves these marginals most:", ", ".join(f"{v} ({moved[v]:.2f})" for v in top))


if __name__ == "__main__":
    main(sys.argv)
