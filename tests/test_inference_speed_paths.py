"""The fast paths of single posteriors give the answers of the plain ones.

- steps no evidence reaches run once per plan (``SubPlan._freeze``) and are reused;
- a repeated ``pl.query`` call reuses its plan and reads the evidence codes directly;
- the per-model view computes per-factor data (renormalised tables, zeros, collapsed CPDs,
  ancestors) only for the part of the network a question reads.
"""

from __future__ import annotations

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.inference._coded import compiled
from pgm_lite.inference._prune import ancestor_mask, ancestors, collapsed, collapsed_entry
from pgm_lite.testing import brute_force_joint, random_network

TOL = 1e-9


def _posterior(joint, query, evidence):
    """Brute-force P(query | evidence) from the joint factor (None if P(evidence) = 0)."""
    axes = list(joint.variables)
    table = joint.values
    index = tuple(joint.states[v].index(evidence[v]) if v in evidence else slice(None) for v in axes)
    kept = [v for v in axes if v not in evidence]
    sliced = table[index]
    summed = sliced.sum(axis=tuple(i for i, v in enumerate(kept) if v not in query))
    order = [v for v in kept if v in query]
    summed = np.transpose(summed, [order.index(v) for v in query])
    total = summed.sum()
    return None if total == 0 else summed / total


def _cases(bn, rng, n_cases, n_evidence):
    variables = list(bn.variables)
    for _ in range(n_cases):
        chosen = [str(v) for v in rng.choice(variables, n_evidence + 1, replace=False)]
        yield chosen[0], chosen[1:]


@pytest.mark.parametrize("seed", range(12))
def test_frozen_steps_give_the_answers_of_full_runs(seed, monkeypatch):
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.2 * (seed % 2))
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed)
    for query, observed in _cases(bn, rng, 4, 2):
        runs = []
        for limit in (tuning.FREEZE_MAX_ENTRIES, 0):  # frozen, then nothing frozen (every step runs)
            monkeypatch.setattr(tuning, "FREEZE_MAX_ENTRIES", limit)
            model = bn.copy()
            got = []
            for states in [(0, 0), (1, 0), (0, 1), (1, 1), (0, 0)]:
                evidence = {v: bn.states(v)[s % bn.cardinality(v)] for v, s in zip(observed, states)}
                expected = _posterior(joint, [query], evidence)
                if expected is None:
                    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                        pl.query(model, [query], evidence)
                    got.append(None)
                    continue
                values = pl.query(model, [query], evidence).values
                assert np.abs(values - expected).max() < TOL
                got.append(values)
            runs.append(got)
        for a, b in zip(*runs):  # bit for bit: the frozen tables are the ones a full run computes
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)


def test_frozen_plan_runs_only_the_steps_the_evidence_reaches():
    bn = pl.read_bif("tests/data/alarm.bif.gz")
    evidence = {"HRBP": "HIGH", "VENTLUNG": "LOW", "MINVOLSET": "NORMAL"}
    for query in ["CO", "HR", "PVSAT", "SHUNT"]:
        first = pl.query(bn, [query], evidence).values  # a plan's first run runs its whole program
        plan = next(p for k, p in compiled(bn).plans.items() if k[1] == (bn.variables.index(query),))
        sp = plan.main
        assert sp._frozen is None
        np.testing.assert_array_equal(pl.query(bn, [query], evidence).values, first)  # freezes
        frozen = sp._frozen
        assert frozen is not None
        assert len(frozen.live) <= len(sp.program)
        assert all(any(frozen.base[o] is None for o in ins.operands) for ins in frozen.live)
        np.testing.assert_array_equal(pl.query(bn, [query], evidence).values, first)


def test_a_piece_without_evidence_keeps_its_result_read_only():
    bn = pl.example("asia")
    a = pl.query(bn, ["tub"], {"smoke": "yes"})  # tub is d-separated from smoke: no evidence in its piece
    b = pl.query(bn, ["tub"], {"smoke": "no"})
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_allclose(a.values, pl.query(bn.copy(), ["tub"]).values, atol=TOL)
    main = next(p.main for p in compiled(bn).plans.values() if p.main is not None)
    if main._frozen is not None and main._frozen.result is not None:
        with pytest.raises(ValueError, match="read-only"):
            main._frozen.result[...] = 0


def test_batch_strategy_with_frozen_steps_matches_single_queries():
    bn = random_network(10, max_parents=3, max_cardinality=3, rng=4)
    evidence_vars = ["X2", "X6"]
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.integers(bn.cardinality(v), size=25) for v in evidence_vars])
    cq = pl.compile_query(bn, ["X9"], evidence_vars, strategy="batch")
    got = cq(rows, zero="nan").posterior
    for row, codes in zip(got, rows):
        evidence = {v: int(k) for v, k in zip(evidence_vars, codes)}
        try:
            expected = pl.query(bn, ["X9"], evidence).values
        except pl.ZeroEvidenceError:
            assert np.isnan(row).all()
            continue
        np.testing.assert_allclose(row, expected, rtol=0, atol=TOL)


def test_repeated_query_calls_validate_like_the_first():
    bn = pl.example("asia")
    evidence = {"smoke": "yes", "xray": "no"}
    reference = pl.query(bn, ["lung"], evidence).values
    # the same shape of call again, with states as codes, in another key order, as a tuple of variables
    np.testing.assert_array_equal(pl.query(bn, ("lung",), evidence).values, reference)
    codes = {"smoke": bn.states("smoke").index("yes"), "xray": bn.states("xray").index("no")}
    np.testing.assert_allclose(pl.query(bn, ["lung"], codes).values, reference, rtol=0, atol=0)
    np.testing.assert_allclose(pl.query(bn, ["lung"], {"xray": "no", "smoke": "yes"}).values, reference,
                               rtol=0, atol=0)
    np.testing.assert_allclose(pl.query(bn, "lung", evidence).values, reference, rtol=0, atol=0)
    with pytest.raises(pl.VariableNotFoundError, match="maybe"):
        pl.query(bn, ["lung"], {"smoke": "maybe", "xray": "no"})
    with pytest.raises(pl.VariableNotFoundError):
        pl.query(bn, ["lung"], {"smoke": ["yes"], "xray": "no"})  # unhashable state
    with pytest.raises(pl.PGMError, match="both queried and observed"):
        pl.query(bn, ["smoke"], evidence)
    with pytest.raises(pl.PGMError, match="evidence must be a dict"):
        pl.query(bn, ["lung"], [("smoke", "yes")])
    # a changed model answers from its new tables
    bn.add_cpd(pl.TabularCPD("smoke", [0.9, 0.1], [], {"smoke": bn.states("smoke")}))
    np.testing.assert_allclose(pl.query(bn, ["lung"], evidence).values, reference, atol=TOL)  # smoke observed
    changed = pl.query(bn, ["lung"]).values
    np.testing.assert_allclose(changed, pl.query(bn.copy(), ["lung"]).values, rtol=0, atol=TOL)


def test_a_question_reads_only_the_part_of_the_model_it_needs():
    bn = pl.read_bif("tests/data/munin.bif.gz")
    c = compiled(bn)
    def untouched():
        return sum(t is None for t in c._tables)

    assert untouched() == len(bn.variables)  # nothing renormalised yet
    query = bn.variables[0]
    pl.query(bn, [query])
    touched = len(bn.variables) - untouched()
    assert 0 < touched <= len(ancestors(c, [0]))
    assert len(c.collapsed_by_var) <= len(ancestors(c, [0]))
    # every list attribute still fills in on demand, with the same numbers
    tables = c.tables
    assert len(tables) == len(bn.variables) and untouched() == 0
    for v in (0, 100, 1000):
        cpd = bn.cpd(bn.variables[v]).table
        np.testing.assert_array_equal(tables[v], cpd / cpd.sum(-1, keepdims=True))
    assert c.has_zero == [bool((t == 0).any()) for t in tables]


def test_ancestor_masks_and_collapsed_cpds_match_their_definitions():
    bn = random_network(30, max_parents=2, max_cardinality=3, rng=3)
    c = compiled(bn)
    graph = bn.structure
    import networkx as nx

    for v in range(0, 30, 3):
        expected = {c.index[u] for u in nx.ancestors(graph, c.names[v])} | {v}
        assert ancestors(c, [v]) == expected
        mask = ancestor_mask(c, [v])
        assert {u for u in range(30) if mask >> u & 1} == expected
    everything = collapsed(c)
    n = len(c.names)
    for fid, (table, scope, absorbed) in everything.items():
        assert collapsed_entry(c, fid - n)[1] == scope
        assert scope[-1] == fid - n and absorbed
        # summing the absorbed parents out of the product of the CPDs involved gives the same table
        members = [u for u in range(n) if absorbed >> u & 1] + [fid - n]
        letters = {u: chr(ord("a") + k) for k, u in enumerate(sorted({u for m in members for u in c.scopes[m]}))}
        subs = ",".join("".join(letters[u] for u in c.scopes[m]) for m in members)
        expected = np.einsum(subs + "->" + "".join(letters[u] for u in scope), *[c.table(m) for m in members])
        np.testing.assert_allclose(table, expected, rtol=0, atol=TOL)
    assert everything  # the random network has private parents to sum in
