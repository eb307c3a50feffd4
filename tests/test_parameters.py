"""Parameter counts: exact integers, the lecture's comparison table."""

import math

import pytest

import pgm_lite as pl


def test_counts_for_asia(asia):
    counts = pl.count_parameters(asia)
    assert counts == {"joint": 255, "independent": 8, "chain_rule": 255, "network": 18}
    assert all(type(v) is int for v in counts.values())


def test_784_binary_pixels_are_exact():
    xs = [f"X{i}" for i in range(1, 785)]
    chain = pl.BayesianNetwork([(xs[i], xs[i + 1]) for i in range(783)])
    counts = pl.count_parameters(chain)
    assert counts["joint"] == 2**784 - 1 == counts["chain_rule"]
    assert counts["independent"] == 784
    assert counts["network"] == 2 * 784 - 1


def test_mixed_cardinalities():
    bn = pl.BayesianNetwork([("A", "C"), ("B", "C")], states={"A": 3, "B": 4, "C": 5})
    counts = pl.count_parameters(bn)
    assert counts["joint"] == 3 * 4 * 5 - 1
    assert counts["independent"] == 2 + 3 + 4
    assert counts["network"] == 2 + 3 + 4 * 3 * 4


def test_markov_network_counts_table_entries(ising4):
    assert pl.count_parameters(ising4)["network"] == 4 * 4
    structure = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")])
    assert pl.count_parameters(structure)["network"] == 8 + 4     # maximal cliques ABC and CD


def test_parameter_table_is_counted_from_models():
    table = pl.parameter_table(range(1, 31))
    assert list(table.columns) == ["n", "full_joint", "independent", "chain_rule", "markov_chain"]
    for row in table.itertuples():
        assert row.full_joint == 2**row.n - 1 == row.chain_rule
        assert row.independent == row.n
        assert row.markov_chain == 2 * row.n - 1


def test_parameter_table_keeps_huge_counts_exact():
    table = pl.parameter_table([64, 100], states=3)
    assert table["full_joint"].tolist() == [3**64 - 1, 3**100 - 1]
    assert table["markov_chain"].tolist() == [2 + 63 * 6, 2 + 99 * 6]
    assert math.log2(table["full_joint"][1]) > 158


def test_count_parameters_needs_a_model():
    with pytest.raises(TypeError, match="needs a BayesianNetwork or MarkovNetwork, got object"):
        pl.count_parameters(object())
