import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_network


def test_contract_surface(asia):
    assert asia.variables == ["asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"]
    assert asia.states("asia") == ("yes", "no")
    assert asia.parents("dysp") == ["bronc", "either"]
    assert asia.cpd("dysp").table.shape == (2, 2, 2)
    assert asia.children("smoke") == ["lung", "bronc"]
    assert asia.cardinality("xray") == 2
    assert asia.is_fully_specified()
    assert asia.factorization() == (
        "P(asia) P(tub | asia) P(smoke) P(lung | smoke) P(bronc | smoke) "
        "P(either | lung, tub) P(xray | either) P(dysp | bronc, either)"
    )


def test_edges_only_network_is_structure():
    bn = pl.BayesianNetwork([("A", "B"), ("B", "C")], states={"B": ["lo", "mid", "hi"]})
    assert bn.variables == ["A", "B", "C"]
    assert bn.states("A") == ("0", "1") and bn.cardinality("B") == 3
    assert not bn.has_cpd("A") and not bn.is_fully_specified()
    with pytest.raises(pl.StructureError, match="variable 'A' has no CPD"):
        bn.cpd("A")
    with pytest.raises(pl.StructureError, match=r"variables without a CPD: \['A', 'B', 'C'\]"):
        bn.factors()


def test_cpd_defaults_adopt_model_state_names():
    bn = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("A", [0.5, 0.5], states={"A": ["off", "on"]}),
        pl.TabularCPD("B", [[0.1, 0.9], [0.8, 0.2]], ["A"]),  # A's names not repeated
    ])
    assert bn.cpd("B").states["A"] == ("off", "on")


def test_topological_order_is_deterministic_and_cached():
    bn = pl.BayesianNetwork([("C", "A"), ("B", "A")], variables=["A", "B", "C"])
    assert bn.topological_order() == ["B", "C", "A"]
    bn.add_edge("B", "C")
    assert bn.topological_order() == ["B", "C", "A"]
    bn.add_variable("D")
    assert bn.topological_order()[0] == "B" and "D" in bn.topological_order()


def test_joint_matches_brute_force_and_guard(asia):
    assert asia.joint().allclose(brute_force_joint(asia), atol=1e-15)
    with pytest.raises(pl.MemoryLimitError, match=r"the joint of 8 variables has 256 entries .* use pl.query"):
        asia.joint(max_entries=100)


def test_log_probability_forms(asia):
    row = {"asia": "no", "tub": "no", "smoke": "yes", "lung": "yes", "bronc": "no",
           "either": "yes", "xray": "yes", "dysp": "yes"}
    expected = np.log(0.99 * 0.99 * 0.5 * 0.1 * 0.4 * 1.0 * 0.98 * 0.7)
    assert np.isclose(asia.log_probability(row), expected)
    frame = pd.DataFrame([row, {**row, "either": "no"}])
    out = asia.log_probability(frame)
    assert np.isclose(out[0], expected) and out[1] == -np.inf
    codes = np.array([[asia.state_index(v, row[v]) for v in asia.variables]])
    assert np.isclose(asia.log_probability(codes)[0], expected)
    with pytest.raises(pl.VariableNotFoundError, match=r"assignment misses variables \['dysp'\]"):
        asia.log_probability({k: v for k, v in row.items() if k != "dysp"})
    with pytest.raises(pl.VariableNotFoundError, match=r"column 'smoke' has unknown state 'maybe'"):
        asia.log_probability(frame.assign(smoke="maybe"))
    with pytest.raises(pl.VariableNotFoundError, match=r"column\(s\) \['extra'\] that are not variables"):
        asia.log_probability(frame.assign(extra=1))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(0, 10_000))
def test_joint_sums_to_one_and_log_probability_agrees(n, seed):
    bn = random_network(n, max_parents=3, rng=seed)
    joint = brute_force_joint(bn)
    assert np.isclose(joint.values.sum(), 1.0, atol=1e-12)
    codes = np.array(list(np.ndindex(*joint.shape)))
    assert np.allclose(np.exp(bn.log_probability(codes)), joint.values.ravel(), atol=1e-12)


# -- bad input: the right error, a teaching message, and an unchanged model -----------------
def test_cycle_in_constructor_is_printed():
    with pytest.raises(pl.StructureError, match=r"cycle A -> B -> C -> A"):
        pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "A")])


def test_add_edge_cycle_leaves_model_unchanged():
    bn = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    with pytest.raises(pl.StructureError, match=r"adding edge \('C', 'A'\) creates the cycle A -> B -> C -> A"):
        bn.add_edge("C", "A")
    assert bn.edges == [("A", "B"), ("B", "C")]


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: pl.BayesianNetwork([("A", "A")]), pl.StructureError, "self-loop on 'A'"),
        (lambda: pl.BayesianNetwork([("A", "B", "C")]), pl.StructureError, "an edge is a pair"),
        (lambda: pl.BayesianNetwork(variables=["A", "A"]), pl.StructureError, "'A' is declared twice"),
        (lambda: pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [1.0]), pl.TabularCPD("A", [1.0])]),
         pl.StructureError, "two CPDs given for variable 'A'"),
        (lambda: pl.BayesianNetwork([("A", "B")], states={"Z": 3}), pl.VariableNotFoundError,
         r"states given for \['Z'\]"),
        (lambda: pl.BayesianNetwork([("A", "B")], cpds=[pl.TabularCPD("B", [0.5, 0.5])]),
         pl.StructureError, r"CPD of 'B' has parents \[\] but the network has \['A'\]"),
        (lambda: pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5], states={"A": ["x", "y"]}),
                                          pl.TabularCPD("B", [[1, 0], [0, 1]], ["A"], {"A": ["u", "v"]})]),
         pl.ShapeError, r"variable 'A' has states \['x', 'y'\] in the CPD of 'A' but \['u', 'v'\] in the CPD of 'B'"),
        (lambda: pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.2, 0.3, 0.5]),
                                          pl.TabularCPD("B", [[1, 0], [0, 1]], ["A"])]),
         pl.ShapeError, "variable 'A' has 3 states in the CPD of 'A' but 2 in the CPD of 'B'"),
        (lambda: pl.BayesianNetwork(cpds=["not a cpd"]), TypeError, "must be TabularCPD"),
    ],
)
def test_constructor_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_student_grade_shape_error_lists_expected_shape():
    bn = pl.BayesianNetwork([("diff", "grade"), ("intel", "grade")],
                            states={"diff": 2, "intel": 3, "grade": 3})
    bad = pl.TabularCPD("grade", np.full((2, 2, 3), 1 / 3), ["diff", "intel"])
    with pytest.raises(pl.ShapeError, match="variable 'intel' has 3 states in the network but 2 in the CPD"):
        bn.add_cpd(bad)
    assert not bn.has_cpd("grade")


def test_add_cpd_rules():
    bn = pl.BayesianNetwork([("A", "C")])
    with pytest.raises(pl.StructureError, match=r"CPD of 'C' has parents \['A', 'B'\] .* add the edge\(s\) \[\('B', 'C'\)\] first"):
        bn.add_cpd(pl.TabularCPD("C", np.full((2, 2, 2), 0.5), ["A", "B"]))
    assert bn.variables == ["A", "C"]
    bn.add_cpd(pl.TabularCPD("B", [[0.5, 0.5], [0.5, 0.5]], ["C"]))  # new variable, new edge
    assert bn.parents("B") == ["C"]
    with pytest.raises(pl.StructureError, match="create the cycle"):
        bn.add_cpd(pl.TabularCPD("A", [[0.5, 0.5], [0.5, 0.5]], ["B"]))
    assert bn.parents("A") == []
    with pytest.raises(pl.StructureError, match="already has a CPD"):
        bn.add_edge("A", "B")
    with pytest.raises(TypeError, match="needs a TabularCPD"):
        bn.add_cpd("nope")
    bn.remove_cpd("B")
    assert not bn.has_cpd("B")


def test_unknown_variable_suggests_and_lists(asia):
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown variable 'smok'; did you mean 'smoke'"):
        asia.states("smok")
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown variable 'zzz'; choose from \['asia', 'tub'"):
        asia.parents("zzz")
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown state 'maybe' of variable 'smoke'; choose from \['yes', 'no'\]"):
        asia.encode_evidence({"smoke": "maybe"})
    with pytest.raises(pl.StructureError, match="already exists"):
        asia.add_variable("asia")


def test_copy_is_independent(asia):
    dup = asia.copy()
    with pytest.raises(ValueError, match="read-only"):
        dup.cpd("asia").table[:] = [0.5, 0.5]
    dup.add_cpd(dup.cpd("asia").with_table([0.5, 0.5]))
    dup.add_variable("new")
    assert asia.cpd("asia").table.tolist() == [0.01, 0.99] and "new" not in asia.variables
    assert repr(asia) == "<BayesianNetwork with 8 variables, 8 edges, 8 CPDs>"


def test_latex_factorization_of_names_with_underscores():
    bn = pl.BayesianNetwork([("wet_grass", "x_1")])
    assert bn.factorization(latex=True) == r"P(\text{wet\_grass})\,P(x_{1} \mid \text{wet\_grass})"
