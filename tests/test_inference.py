"""Exact inference against brute force: every heuristic, junction tree, compiled queries, MAP."""

import itertools
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.elimination import ORDERINGS
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

TOL = 1e-12


def _posterior(joint, query, evidence):
    """Brute-force P(query | evidence) (None when P(evidence) = 0)."""
    reduced = joint.reduce(evidence)
    total = reduced.values.sum()
    if total == 0:
        return None, 0.0
    rest = [v for v in reduced.variables if v not in query]
    return reduced.marginalize(rest).transpose(query).values / total, total


def _random_case(model, rng, n_query=2, n_evidence=2):
    names = list(model.variables)
    chosen = [str(v) for v in rng.choice(names, n_query + n_evidence, replace=False)]
    evidence = {v: int(rng.integers(model.cardinality(v))) for v in chosen[n_query:]}
    return chosen[:n_query], evidence


CASES = [(seed, zero) for seed in range(12) for zero in (0.0, 0.4)]


@pytest.mark.parametrize("seed,zero", CASES)
def test_query_matches_brute_force_for_every_heuristic(seed, zero):
    bn = random_network(8, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=zero)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        query, evidence = _random_case(bn, rng)
        expected, p_e = _posterior(joint, query, evidence)
        assert abs(pl.probability(bn, evidence) - p_e) < TOL
        for heuristic in [*ORDERINGS, list(reversed(bn.variables))]:
            if expected is None:
                with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                    pl.query(bn, query, evidence, elimination_order=heuristic)
                continue
            got = pl.query(bn, query, evidence, elimination_order=heuristic)
            assert got.variables == tuple(query)
            assert np.abs(got.values - expected).max() < TOL


@pytest.mark.parametrize("seed,zero", CASES)
def test_junction_tree_marginals_match_brute_force(seed, zero):
    bn = random_network(8, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=zero)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed + 100)
    jt = pl.JunctionTree(bn, elimination_order=list(ORDERINGS)[seed % len(ORDERINGS)])
    for n_evidence in (0, 1, 3):
        _, evidence = _random_case(bn, rng, 0, n_evidence)
        _, p_e = _posterior(joint, [], evidence)
        if p_e == 0:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                jt.marginals(evidence)
            continue
        assert abs(jt.probability(evidence) - p_e) < TOL
        result = jt.marginals(evidence)
        assert list(result) == bn.variables
        for v, factor in result.items():
            if v in evidence:
                assert factor.values[evidence[v]] == 1.0
                continue
            expected, _ = _posterior(joint, [v], evidence)
            assert np.abs(factor.values - expected).max() < TOL


def test_junction_tree_is_a_valid_tree(asia):
    jt = pl.JunctionTree(asia)
    n = len(jt.cliques)
    assert len(jt.edges) == n - 1
    # running intersection: cliques holding a variable form a connected subtree
    for v in asia.variables:
        holders = {i for i, c in enumerate(jt.cliques) if v in c}
        inner = [(i, j) for i, j in jt.edges if i in holders and j in holders]
        assert len(inner) == len(holders) - 1
    i, j = jt.edges[0]
    assert set(jt.separator(i, j)) == set(jt.cliques[i]) & set(jt.cliques[j])
    assert jt.model is asia
    assert "cliques" in repr(jt)
    family = [{*asia.parents(v), v} for v in asia.variables]
    assert all(any(f <= set(c) for c in jt.cliques) for f in family)


@pytest.mark.parametrize("seed", range(6))
def test_compiled_query_matches_brute_force(seed):
    bn = random_network(7, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.3)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed)
    query, _ = _random_case(bn, rng, 2, 0)
    evidence_vars = [v for v in bn.variables if v not in query][:3]
    grid = np.array(list(itertools.product(*[range(bn.cardinality(v)) for v in evidence_vars])))
    cq = pl.compile_query(bn, query, evidence_vars)
    post, p_e = cq(grid, zero="nan")
    assert post.shape == (len(grid), bn.cardinality(query[0]) * bn.cardinality(query[1]))
    for row, (codes, p) in enumerate(zip(grid, p_e)):
        evidence = dict(zip(evidence_vars, codes.tolist()))
        expected, total = _posterior(joint, query, evidence)
        assert abs(p - total) < TOL
        if expected is None:
            assert np.isnan(post[row]).all()
        else:
            assert np.abs(post[row] - expected.ravel()).max() < TOL
            assert abs(pl.probability(bn, evidence) - p) < TOL


def test_compiled_batch_strategy_matches_table_strategy():
    bn = random_network(9, max_parents=3, max_cardinality=3, rng=5, zero_fraction=0.2)
    rng = np.random.default_rng(1)
    evidence_vars = ["X1", "X4", "X7"]
    rows = np.column_stack([rng.integers(bn.cardinality(v), size=200) for v in evidence_vars])
    table = pl.compile_query(bn, ["X0", "X3"], evidence_vars)
    batch = pl.compile_query(bn, ["X0", "X3"], evidence_vars, max_memory=8 * 500, strategy="batch")
    assert (table.strategy, batch.strategy) == ("table", "batch")
    a, b = table(rows, zero="nan"), batch(rows, zero="nan")
    np.testing.assert_allclose(a.evidence_probability, b.evidence_probability, rtol=0, atol=TOL)
    np.testing.assert_allclose(a.posterior, b.posterior, rtol=0, atol=TOL)
    names = {v: [bn.states(v)[k] for k in rows[:, j]] for j, v in enumerate(evidence_vars)}
    import pandas as pd

    frame = pd.DataFrame(names)[evidence_vars[::-1]]  # column order does not matter
    np.testing.assert_allclose(batch(frame, zero="nan").posterior, a.posterior, atol=TOL)


def test_compiled_batch_strategy_orders_a_graph_with_the_batch_axis():
    # big enough that the batch plan is ordered by min-fill with the batch pseudo-variable inside
    bn = pl.read_bif(pathlib.Path(__file__).parent / "data" / "alarm.bif.gz")
    evidence_vars = ["MINVOLSET", "VENTLUNG", "HRBP"]
    rows = pl.sample(bn, 50, rng=1)[evidence_vars]
    table = pl.compile_query(bn, ["VENTTUBE"], evidence_vars)
    batch = pl.compile_query(bn, ["VENTTUBE"], evidence_vars, strategy="batch")
    np.testing.assert_allclose(batch(rows).posterior, table(rows).posterior, rtol=0, atol=TOL)


def test_compiled_query_errors(asia):
    cq = pl.compile_query(asia, "lung", ["either"])
    assert cq.states == [("yes",), ("no",)] and "lung" in repr(cq)
    with pytest.raises(pl.ZeroEvidenceError, match="row 1"):
        pl.compile_query(asia, "tub", ["either", "lung"])(np.array([[0, 1], [1, 0]]))
    with pytest.raises(pl.VariableNotFoundError, match="code 5"):
        cq(np.array([[5]]))
    with pytest.raises(pl.PGMError, match="both queried and observed"):
        pl.compile_query(asia, ["lung"], ["lung"])
    with pytest.raises(pl.PGMError, match="empty query"):
        pl.compile_query(asia, [], ["lung"])
    with pytest.raises(pl.PGMError, match=r"unknown strategy 'fast'; choose from \['auto'"):
        pl.compile_query(asia, ["lung"], ["smoke"], strategy="fast")
    asia.remove_cpd("dysp")
    asia.add_cpd(pl.TabularCPD("dysp", np.full((2, 2, 2), 0.5), ["bronc", "either"]))
    with pytest.raises(pl.PGMError, match="compile it again"):
        cq(np.array([[0]]))


def test_log_probability_of_rows(asia):
    rows = np.array([[0, 0], [1, 0], [0, 1]])
    got = pl.log_probability(asia, rows, variables=["lung", "either"])
    expected = [pl.probability(asia, {"lung": a, "either": b}) for a, b in rows]
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(got, np.log(expected), atol=1e-12)
    assert got[2] == -np.inf  # lung=yes forces either=yes
    assert pl.log_probability(asia, {"lung": "yes", "either": "no"}) == -np.inf
    assert abs(pl.log_probability(asia, {"smoke": "yes"}) - np.log(0.5)) < 1e-12
    full = pl.sample(asia, 50, rng=3)
    np.testing.assert_allclose(pl.log_probability(asia, full), asia.log_probability(full), atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_map_and_mpe_match_brute_force(seed):
    bn = random_network(7, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.2)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed)
    map_vars, evidence = _random_case(bn, rng, 2, 2)
    reduced = joint.reduce(evidence)
    if reduced.values.sum() == 0:
        with pytest.raises(pl.ZeroEvidenceError):
            pl.map_query(bn, map_vars, evidence)
        return
    posterior = reduced.normalize()
    # MPE
    assignment, p = pl.map_query(bn, evidence=evidence, elimination_order=list(ORDERINGS)[seed % 4])
    assert abs(p - posterior.values.max()) < TOL
    assert abs(posterior.value(assignment) - p) < TOL
    # MAP
    marginal = posterior.marginalize([v for v in posterior.variables if v not in map_vars])
    marginal = marginal.transpose(map_vars)
    assignment, p = pl.map_query(bn, map_vars, evidence)
    assert list(assignment) == map_vars
    assert abs(p - marginal.values.max()) < TOL
    assert abs(marginal.value(assignment) - p) < TOL


def test_map_ties_are_deterministic():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5]),
                                  pl.TabularCPD("B", [[0.5, 0.5], [0.5, 0.5]], ["A"])])
    assert pl.map_query(bn) == ({"A": "0", "B": "0"}, 0.25)
    assert pl.map_query(bn, ["B"], {"A": 1}).assignment == {"B": "0"}


@pytest.mark.parametrize("seed", range(6))
def test_markov_networks_match_brute_force(seed):
    mn = random_markov_network(7, n_factors=9, max_scope=3, rng=seed)
    joint = brute_force_joint(mn)
    rng = np.random.default_rng(seed)
    query, evidence = _random_case(mn, rng, 2, 2)
    expected, p_e = _posterior(joint, query, evidence)
    for heuristic in ORDERINGS:
        got = pl.query(mn, query, evidence, elimination_order=heuristic)
        assert np.abs(got.values - expected).max() < TOL
    assert abs(pl.probability(mn, evidence) - p_e) < TOL
    for v, factor in pl.marginals(mn, evidence).items():
        if v not in evidence:
            assert np.abs(factor.values - _posterior(joint, [v], evidence)[0]).max() < TOL
    assert abs(pl.JunctionTree(mn).probability(evidence) - p_e) < TOL
    cq = pl.compile_query(mn, query, list(evidence))
    post, p = cq(np.array([list(evidence.values())]))
    assert abs(p[0] - p_e) < TOL and np.abs(post[0] - expected.ravel()).max() < TOL
    assignment, p = pl.map_query(mn, evidence=evidence)
    assert abs(p - joint.reduce(evidence).normalize().values.max()) < TOL


def test_markov_network_zero_potential_in_other_component(ising4):
    ising4.add_edge("E", "F")
    ising4.add_factor(pl.DiscreteFactor(["E", "F"], [[0.0, 1.0], [1.0, 1.0]]))
    assert pl.query(ising4, ["A"], {"E": 1}).values.sum() == pytest.approx(1.0)
    with pytest.raises(pl.ZeroEvidenceError, match="'E': '0', 'F': '0'"):
        pl.query(ising4, ["A"], {"E": 0, "F": 0})


# -- properties ---------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_properties_order_independence_and_consistency(seed, data):
    bn = random_network(7, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.1)
    names = bn.variables
    query = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    observed = data.draw(st.lists(st.sampled_from([v for v in names if v not in query]),
                                  max_size=2, unique=True))
    evidence = {v: data.draw(st.integers(0, bn.cardinality(v) - 1)) for v in observed}
    try:
        reference = pl.query(bn, query, evidence)
    except pl.ZeroEvidenceError:
        with pytest.raises(pl.ZeroEvidenceError):
            pl.marginals(bn, evidence)
        return
    order = data.draw(st.permutations(names))
    assert np.abs(pl.query(bn, query, evidence, elimination_order=order).values
                  - reference.values).max() < TOL
    marginals = pl.marginals(bn, evidence, variables=query)
    for v in query:
        assert np.abs(marginals[v].values - pl.query(bn, [v], evidence).values).max() < TOL
    if evidence:
        cq = pl.compile_query(bn, query, list(evidence))
        post, p_e = cq(np.array([list(evidence.values())]))
        assert abs(p_e[0] - pl.probability(bn, evidence)) < TOL
        assert np.abs(post[0] - reference.values.ravel()).max() < TOL


def test_pairwise_paths_and_step_fusion_give_the_same_answer(monkeypatch):
    from pgm_lite import tuning

    bn = random_network(9, max_parents=3, max_cardinality=4, rng=11, zero_fraction=0.1)
    evidence = {"X2": 1, "X5": 0}
    reference = brute_force_joint(bn)
    expected, _ = _posterior(reference, ["X0", "X7"], evidence)
    for fuse, optimize, whole in [(1, 1, 0), (10**6, 10**9, 0), (1, 10**9, 0), (1, 1, 10**9)]:
        monkeypatch.setattr(tuning, "FUSE_LIMIT", fuse)
        monkeypatch.setattr(tuning, "OPTIMIZE_LIMIT", optimize)
        monkeypatch.setattr(tuning, "WHOLE_LIMIT", whole)
        fresh = bn.copy()  # a new model: no cached plans
        got = pl.query(fresh, ["X0", "X7"], evidence)
        assert np.abs(got.values - expected).max() < TOL
        assignment, p = pl.map_query(fresh, ["X0", "X7"], evidence)
        assert abs(p - expected.max()) < TOL

def _check_single_posteriors(bn, rng, evidence_sizes, cases=12):
    """Compare ``cases`` random single-variable posteriors with brute force (impossible evidence
    must raise); return the (query, evidence) pairs that had an answer."""
    joint = brute_force_joint(bn)
    answered = []
    for _ in range(cases):
        query, evidence = _random_case(bn, rng, n_query=1, n_evidence=int(rng.integers(*evidence_sizes)))
        expected, _ = _posterior(joint, query, evidence)
        if expected is None:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.query(bn, query, evidence)
            continue
        assert np.abs(pl.query(bn, query, evidence).values - expected).max() < TOL
        answered.append((query, evidence))
    return answered


@pytest.mark.parametrize("seed", range(6))
def test_single_posteriors_with_much_evidence_match_brute_force(seed):
    # many observed variables split the network into pieces the query does not need: the
    # fast pruning must still refuse impossible evidence and answer the rest exactly
    bn = random_network(10, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.4)
    for query, evidence in _check_single_posteriors(bn, np.random.default_rng(seed), (1, 6)):
        ex = pl.explain_query(bn, query, evidence)  # steps are simulated on demand
        assert set(ex.order) | set(query) | set(evidence) | set(ex.pruned) == set(bn.variables)


def _strategy_choices(bn):
    from pgm_lite.inference._coded import compiled

    jt = compiled(bn).junction_trees["min-fill"]
    return [choice for entry in jt.strategies.values() for choice in entry["choice"].values()]


@pytest.mark.parametrize("seed,margin", [(s, m) for s in range(6) for m in (1e-9, 1e12)])
def test_marginals_strategy_matches_brute_force(seed, margin, monkeypatch):
    # a tiny margin makes per-variable elimination always look cheaper, a huge one never
    from pgm_lite import tuning as junction_tree

    monkeypatch.setattr(junction_tree, "VE_MIN_TREE", 0)
    monkeypatch.setattr(junction_tree, "VE_MARGIN", margin)
    monkeypatch.setattr(junction_tree, "JOINT_MARGINALS_WORK", 0)  # the tree strategy, not the tiny-model path
    bn = random_network(8, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.3)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed + 200)
    for n_evidence in (0, 1, 3, 3):
        _, evidence = _random_case(bn, rng, 0, n_evidence)
        _, p_e = _posterior(joint, [], evidence)
        if p_e == 0:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.marginals(bn, evidence)
            continue
        wanted = list(reversed(bn.variables[::2]))
        for variables in (None, wanted, wanted):  # the second time the choice is cached
            result = pl.marginals(bn, evidence, variables)
            assert list(result) == (bn.variables if variables is None else wanted)
            for v, factor in result.items():
                expected = np.eye(bn.cardinality(v))[evidence[v]] if v in evidence else \
                    _posterior(joint, [v], evidence)[0]
                assert np.abs(factor.values - expected).max() < TOL
    assert set(_strategy_choices(bn)) == {margin < 1}


def test_marginals_strategy_falls_back_to_the_tree_when_a_plan_is_too_big(asia, monkeypatch):
    from pgm_lite import tuning as junction_tree

    monkeypatch.setattr(junction_tree, "VE_MIN_TREE", 0)
    monkeypatch.setattr(junction_tree, "VE_MARGIN", 1e-9)
    monkeypatch.setattr(junction_tree, "JOINT_MARGINALS_WORK", 0)  # the tree strategy, not the tiny-model path
    reference = pl.marginals(asia.copy(), {"xray": "yes"})
    pl.marginals(asia, {"smoke": "no"})  # builds (and caches) the tree with room to spare
    got = pl.marginals(asia, {"xray": "yes"}, max_memory=8)  # no plan fits: calibrate
    assert all(np.abs(got[v].values - reference[v].values).max() < TOL for v in asia.variables)
    assert _strategy_choices(asia) == [True, False]


def test_marginals_on_big_trees_use_elimination_when_cheaper():
    # barley's tree has cliques of millions of entries; with evidence, pruned elimination of
    # each variable touches far less, and the choice is cached per observed set
    bn = pl.read_bif(pathlib.Path(__file__).parent / "data" / "barley.bif.gz")
    row = pl.sample(bn, 1, rng=5).iloc[0]  # a forward sample: P(evidence) > 0
    evidence = {v: row[v] for v in bn.variables[5:40:12]}
    got = pl.marginals(bn, evidence, variables=bn.variables[3:48:11])
    assert _strategy_choices(bn) == [True]
    for v, factor in got.items():
        assert np.abs(factor.values - pl.query(bn, [v], evidence).values).max() < TOL


@pytest.mark.parametrize("seed", range(6))
def test_private_ancestry_summed_into_cpds_matches_brute_force(seed):
    # roots and chains feeding a single child are summed into its CPD once per model; queries
    # that observe or ask for one of them must fall back to the plain CPDs (T1 has two children:
    # it keeps its own table, with its roots summed in)
    from pgm_lite.inference._coded import compiled
    from pgm_lite.inference._prune import collapsed

    tree_part = [(f"R{i}", f"T{i // 2}") for i in range(4)] + [("T0", "M"), ("T1", "M")]
    rest = random_network(5, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.3)
    edges = [*tree_part, *rest.edges, ("M", "X0"), ("M", "X3"), ("T1", "X4")]
    graph = pl.BayesianNetwork(edges)
    rng = np.random.default_rng(seed)
    cpds = []
    for v in graph.variables:
        parents = graph.parents(v)
        shape = [2 if u[0] in "RTM" else rest.cardinality(u) for u in (*parents, v)]
        table = rng.random(shape) * (rng.random(shape) > 0.2) + 1e-3 * (seed % 2)
        table[table.sum(-1) == 0, 0] = 1.0
        states = {u: [f"s{j}" for j in range(k)] for u, k in zip((*parents, v), shape)}
        cpds.append(pl.TabularCPD(v, table / table.sum(-1, keepdims=True), parents, states))
    bn = pl.BayesianNetwork(cpds=cpds)
    joint = brute_force_joint(bn)
    c = compiled(bn)
    n = len(c.names)
    assert {"M", "T1"} <= {c.names[f - n] for f in collapsed(c)}
    used = 0
    for _ in range(25):
        query, evidence = _random_case(bn, rng, n_query=1, n_evidence=int(rng.integers(0, 4)))
        expected, _ = _posterior(joint, query, evidence)
        if expected is None:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.query(bn, query, evidence)
            continue
        assert np.abs(pl.query(bn, query, evidence).values - expected).max() < TOL
        used += any(f >= n for plan in c.plans.values() for f in plan.main.factor_ids)
    assert used
    ex = pl.explain_query(bn, ["M"])  # explanations keep every CPD
    assert {"R0", "R1", "T0"} <= set(ex.order)


@pytest.mark.parametrize("seed", range(60))
def test_single_child_parents_summed_into_cpds_match_brute_force(seed):
    # small sparse networks have many single-child parents: their CPDs are summed into their
    # child's once per model, and the query walk must reach the merged tables through the
    # absorbed variables' parents
    bn = random_network(9, max_parents=seed % 3 + 1, max_cardinality=3, rng=seed,
                        zero_fraction=0.3 * (seed % 2))
    _check_single_posteriors(bn, np.random.default_rng(seed), (0, 3))


def test_slice_evidence_indexes_the_evidence_axes_and_keeps_the_rest():
    from pgm_lite.inference._plan import slice_evidence

    table = np.arange(24.0).reshape(2, 3, 4)
    other = np.ones(5)
    inputs = [
        (table, [slice(None)] * 3, [(0, 1), (2, 0)]),  # axes 0 and 2 observed: codes[1], codes[0]
        (other, None, None),  # no evidence: passed through as is
        (table, [slice(None)] * 3, [(1, 0)], ("extra",)),  # junction tree inputs carry a 4th item
    ]
    codes = (2, 1)
    first, second, third = slice_evidence(inputs, codes)
    np.testing.assert_array_equal(first, table[1, :, 2])
    assert second is other
    np.testing.assert_array_equal(third, table[:, 2, :])
    assert inputs[0][1] == [slice(None)] * 3  # the templates are not modified


def test_mid_sized_pieces_run_as_one_einsum_and_still_explain_their_steps(monkeypatch):
    # a piece whose iteration space times operands is at most WHOLE_LIMIT skips ordering and
    # step simulation (one einsum); its steps are simulated only when explained
    from pgm_lite import tuning
    from pgm_lite.inference import _plan
    from pgm_lite.inference._coded import compiled

    bn = random_network(9, max_parents=3, max_cardinality=3, rng=2)
    evidence = {"X3": 1}
    expected, _ = _posterior(brute_force_joint(bn), ["X8"], evidence)
    results, explained = [], []
    for whole in (0, 10**9):  # planned step by step, then one einsum
        monkeypatch.setattr(tuning, "WHOLE_LIMIT", whole)
        fresh = bn.copy()
        got = pl.query(fresh, ["X8"], evidence)
        assert np.abs(got.values - expected).max() < TOL
        subplans = [sp for plan in compiled(fresh).plans.values() for sp in plan.subplans]
        assert any(len(sp.input_scopes) > 1 for sp in subplans)
        assert all((sp.steps is None) == (whole > 0) for sp in subplans if len(sp.input_scopes) > 1)
        results.append(got.values)
        explained.append([(s.variable, s.scope) for s in pl.explain_query(fresh, ["X8"], evidence).steps])
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=TOL)
    assert [v for v, _ in explained[0]] == [v for v, _ in explained[1]]
    # a piece past FUSE_LIMIT and ONE_EINSUM_WORK is planned step by step at once (not on a later run), so every call
    # runs the same program and a reused plan answers bit for bit as its first run did
    reused = bn.copy()
    monkeypatch.setattr(tuning, "FUSE_LIMIT", 1)
    monkeypatch.setattr(tuning, "ONE_EINSUM_WORK", 0)
    first = pl.query(reused, ["X8"], evidence)
    pieces = [sp for plan in compiled(reused).plans.values() for sp in plan.subplans if len(sp.input_scopes) > 1]
    assert pieces and all(sp.steps is not None for sp in pieces)
    for value in (0, 1, 0, 1):
        again = pl.query(reused, ["X8"], {"X3": value})
        expected_again, _ = _posterior(brute_force_joint(bn), ["X8"], {"X3": value})
        assert np.abs(again.values - expected_again).max() < TOL
    assert pl.query(reused, ["X8"], evidence).values.tobytes() == first.values.tobytes()
    # the marginals strategy prices a one-einsum piece by its iteration space
    from pgm_lite.inference.junction_tree import plan_cost as _plan_cost
    from pgm_lite.tuning import EINSUM_COST

    c = compiled(fresh)
    sp = next(sp for plan in c.plans.values() for sp in plan.subplans if sp.steps is None)
    space = np.prod([c.cards[u] for u in set().union(*sp.input_scopes)])
    assert _plan_cost(c, sp) == space + EINSUM_COST
    # more than 52 variables in one einsum (possible only with cardinality-1 variables): planned
    monkeypatch.setattr(_plan, "subscripts", lambda scopes, out: None)
    fresh = bn.copy()
    got = pl.query(fresh, ["X8"], evidence)
    assert np.abs(got.values - expected).max() < TOL
    assert all(sp.steps is not None for plan in compiled(fresh).plans.values() for sp in plan.subplans
               if len(sp.input_scopes) > 1)
    assert [set(scope) for _, scope in explained[0]] == [set(scope) for _, scope in explained[1]]
