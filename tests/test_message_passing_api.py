"""pl.marginals(method=...), the flat and grouped sweeps, messages and their picture, progress, caches."""

import gc
import re
import weakref

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.inference._coded import compiled
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network


def exact_marginals(model, evidence):
    """Marginals by enumeration (the oracle)."""
    joint = brute_force_joint(model)
    index = tuple(joint.states[v].index(evidence[v]) if v in evidence else slice(None) for v in joint.variables)
    table = joint.values[index]
    table = table / table.sum()
    free = [v for v in joint.variables if v not in evidence]
    out = {}
    for i, v in enumerate(free):
        out[v] = table.sum(axis=tuple(a for a in range(len(free)) if a != i))
    return out


def some_evidence(model, k, seed):
    row = pl.sample(model, 1, rng=seed).iloc[0] if model.is_directed else None
    rng = np.random.default_rng(seed)
    chosen = rng.choice(model.variables, size=k, replace=False)
    if row is not None:
        return {str(v): str(row[v]) for v in chosen}
    return {str(v): model.states(str(v))[0] for v in chosen}


# -- pl.marginals(method=...) -------------------------------------------------------------------
def test_marginals_by_every_method_on_a_tree_match_enumeration():
    bn = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("A", [0.3, 0.7]),
        pl.TabularCPD("B", [[0.9, 0.1], [0.2, 0.8]], ["A"]),
        pl.TabularCPD("C", [[0.6, 0.4], [0.25, 0.75]], ["A"]),
    ])
    evidence = {"C": "1"}
    oracle = exact_marginals(bn, evidence)
    for method in ("exact", "auto", "loopy"):
        m = pl.marginals(bn, evidence, method=method)
        assert isinstance(m, pl.Marginals) and isinstance(m, dict)
        assert m.method == ("loopy" if method == "loopy" else "exact") and m.reason == ""
        assert list(m) == bn.variables
        for v, p in oracle.items():
            np.testing.assert_allclose(m[v].values, p, atol=1e-10)
        np.testing.assert_array_equal(m["C"].values, [0.0, 1.0])
    mf = pl.marginals(bn, evidence, ["A"], method="mean_field")
    assert mf.method == "mean_field" and list(mf) == ["A"] and mf.result.converged
    np.testing.assert_array_equal(mf["A"].values, pl.mean_field(bn, evidence).marginals["A"].values)
    gibbs = pl.marginals(bn, evidence, ["A"], method="gibbs", n_samples=20_000, rng=0)
    assert gibbs.method == "gibbs" and gibbs.result is None
    np.testing.assert_allclose(gibbs["A"].values, oracle["A"], atol=0.03)


def test_auto_falls_back_to_loopy_and_says_why():
    bn = random_network(9, max_parents=3, rng=4)
    evidence = some_evidence(bn, 2, 1)
    m = pl.marginals(bn, evidence, method="auto", max_memory=1)
    assert m.method == "loopy" and isinstance(m.result, pl.LoopyBPResult)
    assert m.reason.startswith("exact inference does not fit in max_memory=1: ")
    bp = pl.loopy_belief_propagation(bn, evidence)
    for v in bn.variables:
        np.testing.assert_array_equal(m[v].values, bp.marginals[v].values)
    fresh = pl.marginals(bn.copy(), evidence, method="auto")
    assert fresh.method == "exact" and fresh.result is None


def test_exact_refusal_names_loopy_and_auto():
    bn = random_network(9, max_parents=3, rng=4)
    with pytest.raises(pl.MemoryLimitError, match=r'method="loopy"\), or method="auto"'):
        pl.marginals(bn, method="exact", max_memory=1)
    with pytest.raises(pl.MemoryLimitError, match=r'pl.marginals\(model, evidence, method="loopy"\)'):
        pl.query(bn.copy(), bn.variables[:6], max_memory=1)


def test_marginals_rejects_options_a_method_does_not_take():
    bn = pl.example("asia")
    with pytest.raises(pl.OptionError, match="method='exact' got an unexpected option 'damping'; it takes no"):
        pl.marginals(bn, method="exact", damping=0.5)
    with pytest.raises(pl.OptionError, match=r"method='mean_field' got an unexpected option 'damping'; "
                                             r"it takes \['max_iter', 'tol'\]"):
        pl.marginals(bn, method="mean_field", damping=0.5)
    with pytest.raises(pl.OptionError, match=r"method='gibbs' got an unexpected option 'tol'; it takes \['burn_in'"):
        pl.marginals(bn, method="gibbs", tol=0.5)
    with pytest.raises(pl.OptionError, match="damping must be in"):
        pl.marginals(bn, method="auto", damping=1.5)


# -- the flat pass and the grouped pass agree -------------------------------------------------------
@pytest.mark.parametrize("max_product", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flat_and_grouped_sweeps_are_the_same_algorithm(monkeypatch, seed, max_product):
    """Loopy models with evidence, arities 1-4, cardinalities up to 4: every sweep gives the same messages."""
    if seed == 2:
        model = random_markov_network(10, n_factors=16, max_scope=3, max_cardinality=4, rng=seed)
    else:
        model = random_network(10, max_parents=3, max_cardinality=4, rng=seed)
    evidence = some_evidence(model, 2, seed)
    runs = {}
    for flat_below in (0, 10**9):
        monkeypatch.setattr(tuning, "LOOPY_FLAT_BELOW", flat_below)
        runs[flat_below] = pl.loopy_belief_propagation(model.copy(), evidence, max_product=max_product,
                                                       damping=0.3, max_iter=15, tol=0)
    grouped, flat = runs[0], runs[10**9]
    assert grouped.residuals == pytest.approx(flat.residuals, abs=1e-12)
    for v in model.variables:
        np.testing.assert_allclose(flat.marginals[v].values, grouped.marginals[v].values, atol=1e-12)
    assert flat.messages.keys() == grouped.messages.keys()
    for key, message in flat.messages.items():
        np.testing.assert_allclose(message.values, grouped.messages[key].values, atol=1e-12)
    if max_product:
        assert flat.assignment == grouped.assignment
    else:
        assert flat.log_partition_function == pytest.approx(grouped.log_partition_function, abs=1e-10)


# -- messages -------------------------------------------------------------------------------------
def test_messages_of_a_tree_are_the_textbook_ones():
    table_b = np.array([[0.9, 0.1], [0.2, 0.8]])
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.3, 0.7]), pl.TabularCPD("B", table_b, ["A"]),
                                  pl.TabularCPD("C", [[0.5, 0.5], [0.1, 0.9]], ["B"])])
    bp = pl.loopy_belief_propagation(bn, {"C": "0"})
    assert bp.evidence == {"C": "0"}
    assert list(bp.messages) == [(0, "A"), (1, "A"), (1, "B"), (2, "B")]
    np.testing.assert_allclose(bp.messages[(0, "A")].values, [0.3, 0.7])  # a prior sends its table
    np.testing.assert_allclose(bp.messages[(2, "B")].values, np.array([0.5, 0.1]) / 0.6)  # P(C=0 | B)
    up = table_b @ (np.array([0.5, 0.1]) / 0.6)  # sum_b P(b | A) m(b)
    np.testing.assert_allclose(bp.messages[(1, "A")].values, up / up.sum())
    down = np.array([0.3, 0.7]) @ table_b
    np.testing.assert_allclose(bp.messages[(1, "B")].values, down / down.sum())
    for v in ("A", "B"):  # a belief is the normalised product of the messages a variable receives
        product = np.prod([m.values for (f, u), m in bp.messages.items() if u == v], axis=0)
        np.testing.assert_allclose(bp.marginals[v].values, product / product.sum(), atol=1e-12)
    assert not bp.messages[(1, "A")].values.flags.writeable


# -- the picture ------------------------------------------------------------------------------------
def test_factor_graph_picture_shows_beliefs_and_messages():
    bn = pl.example("asia")
    bp = pl.loopy_belief_propagation(bn, {"xray": "yes"})
    source = pl.render_factor_graph(bn, messages=bp).source
    tub = re.search(r"^\s*tub \[label=<(.*)> .*$", source, re.M).group(1)
    assert "<B>tub</B>" in tub and f"yes {bp.marginals['tub'].values[0]:.2f}".replace("0.", ".") in tub
    assert re.search(r"^\s*xray \[label=<.*= yes.*fillcolor=grey75", source, re.M)
    arrows = re.findall(r"^\s*(f\d+):sq -- (\w+) \[label=<.*dir=forward\]$", source, re.M)
    assert len(arrows) == len(bp.messages) == sum(len(bn.parents(v)) + 1 for v in bn.variables) - 1
    assert re.search(r"^\s*f6:sq -- xray \[color=grey60\]$", source, re.M)  # nothing is sent to evidence
    message = bp.messages[(0, "asia")].values
    assert f"yes {message[0]:.2f}".replace("0.", ".") in source


def test_factor_graph_picture_renders_to_png(tmp_path):
    pytest.importorskip("graphviz")
    bn = pl.example("asia")
    g = pl.render_factor_graph(bn, messages=pl.loopy_belief_propagation(bn, {"dysp": "yes"}))
    path = g.render(tmp_path / "fg", format="png", cleanup=True)
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_factor_graph_picture_rejects_other_results():
    bn = pl.example("asia")
    with pytest.raises(pl.RenderError, match="messages= takes a pl.loopy_belief_propagation result, got MeanFieldResult"):
        pl.render_factor_graph(bn, messages=pl.mean_field(bn))
    other = pl.loopy_belief_propagation(pl.example("cancer"))
    with pytest.raises(pl.RenderError, match="result of another model: its variables are"):
        pl.render_factor_graph(bn, messages=other)


# -- progress ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("run, desc", [(pl.loopy_belief_propagation, "loopy belief propagation"),
                                       (pl.mean_field, "mean field")])
def test_progress_is_shown_only_when_asked(capsys, run, desc):
    bn = pl.example("asia")
    run(bn, {"xray": "yes"}, progress=False)
    assert capsys.readouterr().err == ""
    run(bn, {"xray": "yes"}, progress=True)
    assert desc in capsys.readouterr().err
    pl.marginals(bn, {"xray": "yes"}, method="loopy", progress=True)
    assert "loopy belief propagation" in capsys.readouterr().err


# -- caches -----------------------------------------------------------------------------------------
def test_planned_factor_graphs_do_not_keep_models_alive():
    model = random_network(8, rng=3)
    pl.loopy_belief_propagation(model, some_evidence(model, 2, 0))
    pl.mean_field(model)
    pl.marginals(model, method="auto")
    assert pl.loopy_belief_propagation(model, schedule="sequential").messages
    dead = weakref.ref(model)
    del model
    gc.collect()
    assert dead() is None


def test_planned_factor_graphs_are_bounded_and_follow_the_model_version(monkeypatch):
    monkeypatch.setattr(tuning, "MAX_CACHED_FACTOR_GRAPHS", 5)
    bn = random_network(12, rng=5)
    for v in bn.variables:
        pl.loopy_belief_propagation(bn, {v: bn.states(v)[0]}, max_iter=2)
        assert len(compiled(bn).extra) <= 5
    before = pl.loopy_belief_propagation(bn).marginals
    child = next(v for v in bn.variables if bn.parents(v))
    cpd = bn.cpd(child)
    flipped = cpd.with_table(cpd.table[..., ::-1].copy())
    bn.add_cpd(flipped)
    after = pl.loopy_belief_propagation(bn).marginals
    np.testing.assert_allclose(after[child].values, pl.marginals(bn)[child].values, atol=1e-6)
    assert not np.allclose(after[child].values, before[child].values)
