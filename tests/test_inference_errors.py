"""Every error path of the inference API, with the message it must carry."""

import pytest

import pgm_lite as pl


@pytest.mark.parametrize("call, error, message", [
    (lambda m: pl.query(m, ["lunk"]), pl.VariableNotFoundError, "unknown variable 'lunk'; did you mean 'lung'"),
    (lambda m: pl.query(m, ["lung"], {"smok": "yes"}), pl.VariableNotFoundError, "unknown variable 'smok'"),
    (lambda m: pl.query(m, ["lung"], {"smoke": "maybe"}), pl.VariableNotFoundError,
     r"unknown state 'maybe' of variable 'smoke'; choose from \['yes', 'no'\]"),
    (lambda m: pl.query(m, ["lung"], {"smoke": 2}), pl.VariableNotFoundError, "out of range"),
    (lambda m: pl.query(m, ["lung"], {"smoke": 1.5}), pl.VariableNotFoundError, "must be a name or an index"),
    (lambda m: pl.query(m, []), pl.PGMError, "empty query"),
    (lambda m: pl.query(m, ["lung", "lung"]), pl.PGMError, r"\['lung'\] more than once"),
    (lambda m: pl.query(m, ["lung"], {"lung": "yes"}), pl.PGMError, "both queried and observed"),
    (lambda m: pl.query(m, ["lung"], [("smoke", "yes")]), pl.PGMError, "evidence must be a dict"),
    (lambda m: pl.query(m, ["lung"], elimination_order="min-fil"), pl.PGMError,
     r"unknown elimination order 'min-fil'; choose from \['min-degree', 'min-fill'"),
    (lambda m: pl.query(m, ["dysp"], elimination_order=["asia"]), pl.StructureError, "misses variable"),
    (lambda m: pl.query(m, ["dysp"], elimination_order=["asia", "asia"]), pl.StructureError, "more than once"),
    (lambda m: pl.query(m, ["tub"], {"lung": "yes", "either": "no"}), pl.ZeroEvidenceError,
     r"the evidence \{'lung': 'yes', 'either': 'no'\} has probability zero"),
    # the impossible part of the evidence is d-separated from the query: still refused
    (lambda m: pl.query(m, ["bronc"], {"lung": "yes", "either": "no"}), pl.ZeroEvidenceError, "probability zero"),
    (lambda m: pl.marginals(m, {"lung": "yes", "either": "no"}), pl.ZeroEvidenceError, "probability zero"),
    (lambda m: pl.map_query(m, ["bronc"], {"lung": "yes", "either": "no"}), pl.ZeroEvidenceError, "probability zero"),
    (lambda m: pl.map_query(m, ["nope"]), pl.VariableNotFoundError, "unknown variable 'nope'"),
    (lambda m: pl.probability(m, {"nope": 0}), pl.VariableNotFoundError, "unknown variable 'nope'"),
    (lambda m: pl.marginals(m, variables=["nope"]), pl.VariableNotFoundError, "unknown variable 'nope'"),
    (lambda m: pl.explain_query(m, [], {}), pl.PGMError, "empty query"),
    (lambda m: pl.JunctionTree(m).separator(0, 0), pl.PGMError, r"\(0, 0\) is not an edge"),
    (lambda m: pl.query(m, ["dysp"], max_memory=8), pl.MemoryLimitError,
     r"needs a table of 2 entries \(1.49e-08 GiB\), more than max_memory=7.45e-09 GiB; largest clique"),
    (lambda m: pl.query(m, ["dysp", "xray"], max_memory=8), pl.MemoryLimitError,  # several einsums
     r"needs a table of 4 entries \(2.98e-08 GiB\), more than max_memory=7.45e-09 GiB; largest clique"),
    (lambda m: pl.JunctionTree(m, max_memory=100), pl.MemoryLimitError, "the junction tree needs"),
    (lambda m: pl.compile_query(m, ["dysp"], ["asia"], max_memory=8), pl.MemoryLimitError, "compiling this query"),
    (lambda m: pl.map_query(m, evidence={"xray": "no"}, max_memory=8), pl.MemoryLimitError, "MAP query"),
])
def test_error_paths(asia, call, error, message):
    before = asia._version
    with pytest.raises(error, match=message):
        call(asia)
    assert asia._version == before  # bad input never changes the model


def test_memory_guard_names_the_clique_and_suggests_alternatives():
    # complete bipartite K(30, 30) with small pairwise tables: treewidth 30, 2**30-entry cliques
    edges = [(f"R{i}", f"L{j}") for i in range(30) for j in range(30)]
    mn = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, [[2.0, 1.0], [1.0, 2.0]]) for e in edges])
    with pytest.raises(pl.MemoryLimitError) as info:
        pl.query(mn, ["R0"], {"L0": 1})
    text = str(info.value)
    for part in ("GiB", "largest clique has", "'R", "elimination_order", "approximate_query"):
        assert part in text
    with pytest.raises(pl.MemoryLimitError, match="the junction tree needs"):
        pl.marginals(mn)
    assert isinstance(info.value, MemoryError)


def test_stale_junction_tree_is_refused(asia):
    jt = pl.JunctionTree(asia)
    asia.add_cpd(pl.TabularCPD("asia", [0.5, 0.5]))
    with pytest.raises(pl.PGMError, match="build a new one"):
        jt.marginals()
    with pytest.raises(pl.PGMError, match="build a new one"):
        jt.probability({"asia": 0})
    # the cached tree behind pl.marginals follows the change
    assert pl.marginals(asia)["asia"].values.tolist() == [0.5, 0.5]


def test_plan_cache_follows_model_changes(asia):
    assert pl.query(asia, ["asia"]).values.tolist() == [0.01, 0.99]
    asia.add_cpd(pl.TabularCPD("asia", [0.3, 0.7]))
    assert pl.query(asia, ["asia"]).values.tolist() == [0.3, 0.7]


def test_incomplete_model_is_refused():
    with pytest.raises(pl.StructureError, match="without a CPD"):
        pl.query(pl.BayesianNetwork([("A", "B")]), ["B"])


def test_variable_elimination_class(asia):
    ve = pl.VariableElimination(asia, elimination_order="min-degree")
    assert ve.query("lung", {"smoke": 0}).allclose(pl.query(asia, ["lung"], {"smoke": "yes"}))
    both = ve.query(["lung", "tub"], {"xray": "yes"}, joint=False)
    assert list(both) == ["lung", "tub"]
    assert ve.probability({"smoke": "yes"}) == pytest.approx(0.5)
    got, want = ve.map_query(["lung"], {"xray": "yes"}), pl.map_query(asia, ["lung"], {"xray": "yes"})
    assert got.assignment == want.assignment
    assert got.probability == pytest.approx(want.probability, rel=0, abs=1e-12)  # other order
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'x'"):
        ve.query(["x"], joint=False)


def test_explanation_shape(asia):
    ex = pl.explain_query(asia, "lung", {"smoke": "yes"})
    assert ex.steps == [] and ex.result == ("lung",) and ex.largest == 0
    ex = pl.explain_query(asia, ["dysp"], elimination_order="min-degree")
    assert ex.order == [s.variable for s in ex.steps] and ex.pruned == ["xray"]  # barren
    for step in ex.steps:
        assert isinstance(step.factors, list) and all(isinstance(f, tuple) for f in step.factors)
        assert step.variable not in step.scope and step.size >= 1
    assert "step | eliminate" in str(ex) and "pruned: xray" in str(ex)
    assert "pruned: (none)" in str(pl.explain_query(asia, ["xray"], {"dysp": "yes"}))
    assert ex.largest == max(s.size for s in ex.steps)


def test_probability_of_nothing_is_one(asia, ising4):
    assert pl.probability(asia, {}) == 1.0
    assert pl.probability(ising4, {}) == pytest.approx(1.0)
    with pytest.raises(pl.PGMError, match="empty query"):
        pl.map_query(asia, [], {"smoke": "yes"})
    everything = {v: "yes" for v in ["asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"]}
    assert pl.map_query(asia, evidence=everything) == ({}, 1.0)
