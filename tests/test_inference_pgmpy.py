"""Agreement with pgmpy's VariableElimination on every network in tests/data (random evidence).

pgmpy answers each of these queries in well under a second, so every network is compared
against it; the junction tree and the compiled query are checked against our own VE on the
same cases.
"""

import logging
import pathlib
import warnings

import numpy as np
import pytest

import pgm_lite as pl

DATA = pathlib.Path(__file__).parent / "data"
NETWORKS = sorted(p.name.split(".")[0] for p in DATA.glob("*.bif.gz"))
TOL = 1e-9


def to_pgmpy(bn):
    """Build the pgmpy twin of ``bn`` directly from our tables (no file round trip)."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork(bn.edges)
    model.add_nodes_from(bn.variables)
    for v in bn.variables:
        cpd, k = bn.cpd(v), bn.cardinality(v)
        parents = list(cpd.parents)
        rows = cpd.table.reshape(-1, k)
        rows = rows / rows.sum(axis=1, keepdims=True)  # as pgm_lite does (files carry rounding)
        model.add_cpds(TabularCPD(
            v, k, rows.T, evidence=parents or None,
            evidence_card=[bn.cardinality(p) for p in parents] or None,
            state_names={u: list(bn.states(u)) for u in [*parents, v]}))
    return model


@pytest.fixture(scope="module")
def quiet():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def test_all_networks_are_present():
    assert len(NETWORKS) == 13


@pytest.mark.parametrize("name", NETWORKS)
def test_matches_pgmpy(name, quiet):
    from pgmpy.inference import VariableElimination

    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = VariableElimination(to_pgmpy(bn))
    rng = np.random.default_rng(sum(map(ord, name)))
    n_evidence = min(3, len(bn.variables) // 2)
    for _ in range(2):
        names = [str(v) for v in rng.choice(bn.variables, n_evidence + 2, replace=False)]
        row = pl.sample(bn, 1, rng=rng).iloc[0]  # a possible assignment, so P(e) > 0
        evidence = {v: row[v] for v in names[:n_evidence]}
        query = names[n_evidence:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = oracle.query(query, evidence=evidence, joint=True, show_progress=False)
        ours = pl.query(bn, query, evidence)
        index = np.ix_(*[[ref.state_names[v].index(s) for s in bn.states(v)] for v in query])
        expected = ref.values.transpose([ref.variables.index(v) for v in query])[index]
        assert np.abs(ours.values - expected).max() < TOL
        assert abs(pl.probability(bn, evidence) - _pgmpy_probability(oracle, evidence)) < TOL
        marginals = pl.marginals(bn, evidence, variables=query)
        for i, v in enumerate(query):
            axes = tuple(j for j in range(len(query)) if j != i)
            assert np.abs(marginals[v].values - expected.sum(axis=axes)).max() < TOL
        post, p_e = pl.compile_query(bn, query, list(evidence))(
            np.array([[bn.states(v).index(s) for v, s in evidence.items()]]))
        assert np.abs(post[0] - expected.ravel()).max() < TOL


def _pgmpy_probability(oracle, evidence):
    """P(e) with pgmpy: the chain rule over the evidence variables."""
    p, seen = 1.0, {}
    for v, s in evidence.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = oracle.query([v], evidence=dict(seen) or None, show_progress=False)
        p *= f.values[f.state_names[v].index(s)]
        seen[v] = s
    return p
