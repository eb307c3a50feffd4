"""Careless or hostile input: no wrong answer, no silent corruption, no huge allocation (issue 12)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import pgm_lite as pl


def test_add_cpd_keeps_the_state_names_a_table_declares():
    bn = pl.BayesianNetwork([("A", "B")])
    bn.add_cpd(pl.TabularCPD("A", [0.3, 0.7], states={"A": ["lo", "hi"]}))
    assert bn.states("A") == ("lo", "hi")
    flipped = pl.BayesianNetwork([("A", "B")])
    flipped.add_cpd(pl.TabularCPD("A", [0.9, 0.1], states={"A": ["1", "0"]}))
    flipped.add_cpd(pl.TabularCPD("B", [[0.5, 0.5], [0.2, 0.8]], ["A"]))
    assert flipped.states("A") == ("1", "0")
    assert pl.probability(flipped, {"A": "1"}) == pytest.approx(0.9, abs=1e-12)
    assert flipped.cpd("B").states["A"] == ("1", "0")


def test_add_cpd_with_conflicting_names_is_refused_and_leaves_the_model_alone():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.3, 0.7], states={"A": ["lo", "hi"]})])
    before = bn.version
    with pytest.raises(pl.ShapeError, match=r"variable 'A' has states \['lo', 'hi'\] in the network but \['x', 'y'\]"):
        bn.add_cpd(pl.TabularCPD("A", [0.5, 0.5], states={"A": ["x", "y"]}))
    assert bn.states("A") == ("lo", "hi") and bn.version == before


def test_add_factor_keeps_declared_names():
    mn = pl.MarkovNetwork([("A", "B")])
    mn.add_factor(pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]], {"A": ["off", "on"]}))
    assert mn.states("A") == ("off", "on") and mn.factors()[0].states["A"] == ("off", "on")


def test_models_share_nothing_mutable_with_their_inputs():
    table = np.array([[2.0, 1.0], [1.0, 2.0]])
    phi = pl.DiscreteFactor(["A", "B"], table)
    table[0, 0] = 100.0  # the factor copied its input
    mn = pl.MarkovNetwork(factors=[phi])
    z = mn.partition_function()
    with pytest.raises(ValueError, match="read-only"):
        mn.factors()[0].values[0, 0] = 5.0
    assert mn.partition_function() == z == 6.0
    with pytest.raises(AttributeError):
        phi.values = np.ones((2, 2))  # type: ignore[misc]


def test_copy_copy_is_a_real_copy(asia):
    p = pl.probability(asia, {"asia": "yes"})
    dup = copy.copy(asia)
    dup.add_cpd(dup.cpd("asia").with_table([0.5, 0.5]))
    assert pl.probability(asia, {"asia": "yes"}) == p
    assert pl.probability(dup, {"asia": "yes"}) == pytest.approx(0.5)
    assert copy.deepcopy(asia).version != asia.version


def test_every_mutation_changes_the_version(asia):
    seen = {asia.version}
    asia.add_variable("extra")
    seen.add(asia.version)
    asia.add_cpd(asia.cpd("asia").with_table([0.2, 0.8]))
    seen.add(asia.version)
    asia.remove_cpd("asia")
    seen.add(asia.version)
    assert len(seen) == 4


def test_gibbs_on_a_markov_network_with_impossible_evidence():
    mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], [[1.0, 0.0], [0.0, 1.0]])])
    with pytest.raises(pl.ZeroEvidenceError, match="no state of positive probability"):
        pl.gibbs_sample(mn, 5, evidence={"A": "0", "B": "1"}, rng=0)
    three = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], [[1.0, 0.0], [0.0, 1.0]]),
                                      pl.DiscreteFactor(["B", "C"], [[1.0, 0.0], [0.0, 1.0]])])
    with pytest.raises(pl.ZeroEvidenceError, match="impossible under the model"):
        pl.approximate_query(three, ["B"], {"A": "0", "C": "1"}, method="gibbs", n_samples=50, rng=1)
    ok = pl.gibbs_sample(mn, 200, evidence={"B": "1"}, rng=0)
    assert (ok["A"] == "1").all()


def test_huge_samples_are_refused_before_allocating(asia):
    with pytest.raises(pl.MemoryLimitError, match=r"1,000,000,000 rows of 8 variables need 7.45 GiB"):
        pl.sample(asia, 10**9, rng=0, max_memory=2**30)
    with pytest.raises(pl.MemoryLimitError, match="stream them to a file"):
        pl.sample(asia, 10**12, rng=0)
    with pytest.raises(pl.MemoryLimitError, match="more than max_memory"):
        pl.gibbs_sample(asia, 10**12, rng=0)
    assert len(pl.sample(asia, 10, rng=0, max_memory=10**6)) == 10


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda bn: pl.sample(bn, 3, rng=-1), pl.OptionError, "rng must be None, a non-negative int seed"),
        (lambda bn: pl.sample(bn, 3, rng="seed"), pl.OptionError, "rng must be None"),
        (lambda bn: pl.sample(bn, 3, evidence={"smoke": "yes"}, method="rejection", max_draws=0),
         pl.OptionError, "max_draws must be a positive integer, got 0"),
        (lambda bn: pl.sample(bn, 2.5), pl.ArgumentTypeError, "n_samples must be an int, got float"),
        (lambda bn: pl.sample(bn, 0), pl.OptionError, "n_samples must be a positive integer, got 0"),
        (lambda bn: pl.sample(bn, 3, method="mcmc"), pl.OptionError,
         r"unknown sampling method 'mcmc'; choose from \['forward'"),
        (lambda bn: pl.gibbs_sample(bn, 3, thin=0), pl.OptionError, "thin must be an integer >= 1, got 0"),
        (lambda bn: pl.gibbs_sample(bn, 3, burn_in=-1), pl.OptionError, "burn_in must be an integer >= 0"),
        (lambda bn: pl.gibbs_sample(bn, 3, n_chains=True), pl.ArgumentTypeError,
         r"n_chains must be an integer >= 1, got True \(bool\)"),
    ],
)
def test_misuse_raises_pgm_errors_that_are_also_builtins(asia, call, error, match):
    with pytest.raises(error, match=match) as info:
        call(asia)
    assert isinstance(info.value, pl.PGMError)
    assert isinstance(info.value, (TypeError, ValueError))


def test_sample_chunk_sizes_are_never_listed(tmp_path, monkeypatch, capsys):
    from pgm_lite import cli

    calls = []
    real = cli.sample

    def spy(model, n, **kw):
        calls.append(n)
        if len(calls) > 3:
            raise BrokenPipeError  # stop like `| head` would
        return real(model, n, **kw)

    monkeypatch.setattr(cli, "sample", spy)
    assert cli.main(["sample", "asia", "-n", str(10**20), "--seed", "0"]) == 0
    assert calls == [100_000] * 4


@pytest.mark.parametrize(
    "build",
    [
        lambda: pl.BayesianNetwork([(None, "A")]),
        lambda: pl.BayesianNetwork(variables=[3]),
        lambda: pl.MarkovNetwork([("A", None)]),
        lambda: pl.DiscreteFactor([None], [1.0, 2.0]),
        lambda: pl.TabularCPD(None, [0.5, 0.5]),
        lambda: pl.BayesianNetwork([("A", "B")]).add_edge("B", ""),
        lambda: pl.MarkovNetwork().add_variable(None),
    ],
)
def test_variable_names_must_be_strings(build):
    with pytest.raises(pl.ArgumentTypeError, match="variable names must be non-empty strings, got"):
        build()


def test_unhashable_edge_ends_are_named():
    with pytest.raises(pl.ArgumentTypeError, match=r"got \['x'\] \(list\)"):
        pl.BayesianNetwork([(["x"], "A")])


def test_duplicate_data_columns_are_refused(asia):
    import pandas as pd

    frame = pd.DataFrame([["yes"] * 8], columns=["asia", "asia", *asia.variables[2:]])
    with pytest.raises(pl.PGMError, match=r"duplicate column name\(s\) \['asia'\]"):
        pl.fit(asia, frame)
    with pytest.raises(pl.ShapeError, match="duplicate column"):
        asia.log_probability(frame)


def test_cli_rejects_a_negative_seed_in_one_line(capsys):
    from pgm_lite.cli import main

    assert main(["sample", "asia", "-n", "3", "--seed", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["pgm-lite sample: error: rng must be None, a non-negative int seed, a SeedSequence "
                   "or a numpy Generator; got -1"]


def test_numbers_are_read_by_the_names_they_spell(tmp_path):
    import pandas as pd

    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.9, 0.1], states={"A": ["1", "0"]})])
    path = tmp_path / "a.csv"
    pl.sample(bn, 4000, rng=0).to_csv(path, index=False)
    back = pd.read_csv(path)
    assert back["A"].dtype.kind == "i"
    table = pl.fit(bn, back).cpd("A").table
    assert table[0] == pytest.approx(0.9, abs=0.02)  # not inverted
    assert float(bn.log_probability(pd.DataFrame({"A": [1]}))[0]) == pytest.approx(np.log(0.9))
    # numbers that spell no state name are still state codes 0..k-1
    codes = pl.BayesianNetwork(cpds=[pl.TabularCPD("B", [0.25, 0.75], states={"B": ["lo", "hi"]})])
    assert float(codes.log_probability(pd.DataFrame({"B": [1]}))[0]) == pytest.approx(np.log(0.75))
