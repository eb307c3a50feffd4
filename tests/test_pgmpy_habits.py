"""Habits of pgmpy users (issue 13): VariableElimination keywords, pgmpy's CPD layout."""

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_network

GRADE = [[0.3, 0.05, 0.9, 0.5], [0.4, 0.25, 0.08, 0.3], [0.3, 0.7, 0.02, 0.2]]


def test_variable_elimination_takes_pgmpy_keywords(asia):
    ve = pl.VariableElimination(asia)
    oracle = brute_force_joint(asia)
    expected = oracle.reduce({"smoke": "yes"}).marginalize(
        [v for v in asia.variables if v not in ("lung", "bronc", "smoke")]).normalize()
    for order in ["MinFill", "MinNeighbors", "MinWeight", "WeightedMinFill", "greedy", "min-degree",
                  ["asia", "tub", "either", "xray", "dysp"]]:
        f = ve.query(["lung", "bronc"], evidence={"smoke": "yes"}, elimination_order=order,
                     joint=True, show_progress=False)
        assert f.allclose(expected.transpose(f.variables), atol=1e-12)
    marginals = ve.query(["lung", "bronc"], {"smoke": "yes"}, joint=False, show_progress=False)
    assert list(marginals) == ["lung", "bronc"]
    np.testing.assert_allclose(marginals["lung"].values, expected.marginalize(["bronc"]).values)
    assignment, p = ve.map_query(["lung"], {"smoke": "yes"}, elimination_order="MinFill", show_progress=False)
    assert assignment == {"lung": "no"} and p == pytest.approx(0.9)
    assert ve.probability({"smoke": "yes"}, elimination_order="MinNeighbors") == pytest.approx(0.5)
    assert pl.VariableElimination(asia, elimination_order="MinWeight").elimination_order == "min-weight"


def test_unknown_order_names_still_list_the_choices(asia):
    with pytest.raises(pl.OptionError, match=r"unknown elimination order 'MinFil'; choose from \['min-degree'"):
        pl.VariableElimination(asia).query(["lung"], elimination_order="MinFil")


def test_from_pgmpy_layout_matches_from_columns_and_pgmpy():
    grade = pl.TabularCPD.from_pgmpy_layout("G", 3, GRADE, evidence=["I", "D"], evidence_card=[2, 2],
                                            state_names={"G": ["A", "B", "C"]})
    same = pl.TabularCPD.from_columns("G", GRADE, ["I", "D"], {"I": 2, "D": 2, "G": ["A", "B", "C"]})
    assert np.array_equal(grade.table, same.table) and grade.states == same.states
    assert grade.table[1, 0].tolist() == [0.9, 0.08, 0.02]         # I=1, D=0: column 2
    pgmpy = pytest.importorskip("pgmpy.factors.discrete")
    theirs = pgmpy.TabularCPD("G", 3, GRADE, evidence=["I", "D"], evidence_card=[2, 2])
    np.testing.assert_allclose(grade.columns, theirs.get_values())
    root = pl.TabularCPD.from_pgmpy_layout("I", 2, [[0.7], [0.3]])
    assert root.table.tolist() == [0.7, 0.3]
    assert pl.TabularCPD.from_pgmpy_layout("I", 2, [0.7, 0.3]).table.tolist() == [0.7, 0.3]


def test_from_pgmpy_layout_errors():
    with pytest.raises(pl.ShapeError, match=r"^CPD for 'G': evidence \['I', 'D'\] needs one cardinality each "
                                            r"in evidence_card, got \[2\]$"):
        pl.TabularCPD.from_pgmpy_layout("G", 3, GRADE, evidence=["I", "D"], evidence_card=[2])
    with pytest.raises(pl.ShapeError, match=r"^CPD for 'G' in pgmpy's layout needs values of shape \(2, 4\) "
                                            r"\(variable_card rows, one column per configuration of \['I', 'D'\]\); "
                                            r"got \(3, 4\)$"):
        pl.TabularCPD.from_pgmpy_layout("G", 2, GRADE, evidence=["I", "D"], evidence_card=[2, 2])
    with pytest.raises(pl.ShapeError, match=r"variable 'G' has 3 states in its table but 2 state names"):
        pl.TabularCPD.from_pgmpy_layout("G", 3, GRADE, evidence=["I", "D"], evidence_card=[2, 2],
                                        state_names={"G": ["lo", "hi"]})


HINT = (r"; this looks like pgmpy's layout \(one row per child state, one column per parent configuration\): "
        r"build it with TabularCPD.from_columns\(variable, values, parents, states\) or "
        r"TabularCPD.from_pgmpy_layout\(variable, variable_card, values, evidence, evidence_card\)$")


def test_a_table_in_pgmpy_layout_suggests_from_columns():
    with pytest.raises(pl.ShapeError, match=r"^CPD for 'G' needs a table with 3 axes \(\*parents \['I', 'D'\], 'G'\); "
                                            r"got shape \(3, 4\)" + HINT):
        pl.TabularCPD("G", GRADE, parents=["I", "D"])
    # one parent: the right number of axes, but the columns (not the rows) sum to one
    with pytest.raises(pl.ShapeError, match=r"^CPD for 'W': row P\(W \| R=0\) sums to 0.9, not 1 "
                                            r"\(tolerance 1e-09\)" + HINT):
        pl.TabularCPD("W", [[0.8, 0.1], [0.2, 0.9]], parents=["R"])
    with pytest.raises(pl.ShapeError, match=r"sums to 0.75, not 1 \(tolerance 1e-09\)$"):   # no hint: not columns
        pl.TabularCPD("W", [[0.5, 0.25], [0.25, 0.25]], parents=["R"])


@pytest.mark.parametrize("seed", range(4))
def test_from_pgmpy_layout_round_trips_random_cpds(seed):
    bn = random_network(5, max_parents=3, rng=seed)
    for cpd in bn.cpds():
        again = pl.TabularCPD.from_pgmpy_layout(cpd.variable, cpd.cardinality, cpd.columns, cpd.parents,
                                                cpd.parent_cardinalities, cpd.states)
        assert np.array_equal(again.table, cpd.table) and again.states == cpd.states
