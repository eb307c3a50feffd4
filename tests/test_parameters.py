"""Parameter counts: exact integers, the lecture's comparison table."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_markov_network


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


def test_markov_network_counts_table_entries_and_free_parameters(ising4):
    counts = pl.count_parameters(ising4)
    assert counts["table_entries"] == 4 * 4
    assert counts["network"] == 4 + 4                 # 4 single-variable + 4 pairwise terms
    structure = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")])
    counts = pl.count_parameters(structure)
    assert counts["table_entries"] == 8 + 4            # maximal cliques ABC and CD
    assert counts["network"] == 4 + 4 + 1              # singles, pairs AB AC BC CD, triple ABC
    cycle = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")])
    counts = pl.count_parameters(cycle)
    assert counts["table_entries"] == 16 > counts["joint"] == 15 > counts["network"] == 8
    assert "stores 16 numbers for a joint with 15 degrees of freedom" in " ".join(
        pl.count_parameters.__doc__.split())


def _loglinear_dimension(model):
    """Rank of the design matrix of log P over all joint states (the model's true dimension + 1)."""
    joint_states = list(itertools.product(*(range(len(model.states(v))) for v in model.variables)))
    index = {v: i for i, v in enumerate(model.variables)}
    columns = []
    for f in model.factors():
        for cell in itertools.product(*(range(k) for k in f.values.shape)):
            columns.append([all(x[index[v]] == c for v, c in zip(f.variables, cell)) for x in joint_states])
    return np.linalg.matrix_rank(np.array(columns, dtype=float).T) - 1   # minus the constant (Z)


@pytest.mark.parametrize("seed", range(8))
def test_markov_network_free_parameters_match_the_rank_of_the_log_linear_model(seed):
    mn = random_markov_network(4, n_factors=3, max_scope=3, max_cardinality=3, rng=seed)
    counts = pl.count_parameters(mn)
    assert counts["network"] == _loglinear_dimension(mn) <= counts["joint"]
    assert counts["table_entries"] == sum(f.values.size for f in mn.factors())


def test_parameter_table_prints_every_column():
    table = pl.parameter_table([64, 100], states=3)
    with pd.option_context("display.max_columns", 2, "display.width", 40):
        text = str(table)
    assert "..." not in text
    assert text.splitlines()[0].split() == ["n", "full_joint", "independent", "chain_rule", "markov_chain"]
    assert str(3**100 - 1) in text
    assert type(table.head(1)) is pd.DataFrame


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
