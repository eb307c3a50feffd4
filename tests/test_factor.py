import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl


def test_axis_order_is_c_order():
    phi = pl.DiscreteFactor(["A", "B"], np.arange(6.0).reshape(2, 3))
    assert phi.variables == ("A", "B")
    assert phi.cardinality == {"A": 2, "B": 3}
    assert phi.values[1, 2] == 5.0
    assert phi.states == {"A": ("0", "1"), "B": ("0", "1", "2")}


def test_lone_string_is_one_variable():
    assert pl.DiscreteFactor("AB", [0.5, 0.5]).variables == ("AB",)


def test_product_first_seen_order_and_values():
    a = pl.DiscreteFactor(["B", "A"], [[1.0, 2.0], [3.0, 4.0]])
    b = pl.DiscreteFactor(["C", "A"], [[10.0, 20.0], [30.0, 40.0]])
    ab = a * b
    assert ab.variables == ("B", "A", "C")
    for i in range(2):
        for j in range(2):
            for k in range(2):
                assert ab.values[i, j, k] == a.values[i, j] * b.values[k, j]


def test_product_with_number_and_reverse():
    a = pl.DiscreteFactor(["A"], [1.0, 2.0])
    assert (a * 2).values.tolist() == [2.0, 4.0]
    assert (2 * a).values.tolist() == [2.0, 4.0]


def test_product_rejects_mismatched_states():
    a = pl.DiscreteFactor(["A"], [1.0, 2.0], {"A": ["x", "y"]})
    b = pl.DiscreteFactor(["A"], [1.0, 2.0], {"A": ["u", "v"]})
    with pytest.raises(pl.ShapeError, match=r"variable 'A' has states \['x', 'y'\]"):
        a * b


def test_marginalize_maximize_reduce_normalize():
    phi = pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]], {"B": ["lo", "hi"]})
    assert phi.marginalize(["A"]).values.tolist() == [4, 6]
    assert phi.maximize(["B"]).values.tolist() == [2, 4]
    assert phi.reduce({"B": "hi"}).values.tolist() == [2, 4]
    assert phi.reduce({"B": 0, "A": 1}).values == 3
    assert np.isclose(phi.normalize().sum(), 1.0)
    assert phi.values.tolist() == [[1, 2], [3, 4]]  # unchanged: operations return new factors


def test_divide_zero_by_zero_is_zero():
    ab = pl.DiscreteFactor(["A", "B"], [[1.0, 3.0], [0.0, 0.0]])
    out = ab / ab.marginalize(["B"])
    assert out.values.tolist() == [[0.25, 0.75], [0.0, 0.0]]


def test_divide_requires_sub_scope():
    with pytest.raises(pl.VariableNotFoundError, match=r"\['C'\] are not in the dividend"):
        pl.DiscreteFactor(["A"], [1, 1]) / pl.DiscreteFactor(["C"], [1, 1])


def test_transpose_allclose_value_argmax():
    phi = pl.DiscreteFactor(["A", "B"], [[1, 2, 3], [4, 5, 9]])
    t = phi.transpose(["B", "A"])
    assert t.values.shape == (3, 2) and phi.allclose(t)
    assert not phi.allclose(pl.DiscreteFactor(["A", "C"], [[1, 2, 3], [4, 5, 9]]))
    assert phi.value({"A": 1, "B": "2"}) == 9.0
    assert phi.argmax() == {"A": "1", "B": "2"}
    with pytest.raises(pl.VariableNotFoundError, match="permutation"):
        phi.transpose(["A"])


def test_unhashable_and_repr():
    phi = pl.DiscreteFactor(["A"], [1, 2])
    with pytest.raises(TypeError):
        hash(phi)
    assert repr(phi) == "<DiscreteFactor ('A',) shape=(2,)>"
    assert "A | value" in str(phi)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"variables": ["A"], "values": [[1, 2]]}, pl.ShapeError, r"needs a table with 1 axes, got shape \(1, 2\)"),
        ({"variables": ["A", "A"], "values": [[1, 2], [3, 4]]}, pl.StructureError, r"\['A'\] more than once"),
        ({"variables": ["A"], "values": [1, -2]}, pl.ShapeError, "negative or non-finite"),
        ({"variables": ["A"], "values": [1, 2], "states": {"A": ["x"]}}, pl.ShapeError, "2 states in its table but 1 state names"),
        ({"variables": ["A"], "values": [1, 2], "states": {"A": ["x", "x"]}}, pl.ShapeError, "duplicate state names"),
        ({"variables": ["A"], "values": [1, 2], "states": {"B": ["x", "y"]}}, pl.VariableNotFoundError, r"state names given for \['B'\]"),
    ],
)
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        pl.DiscreteFactor(**kwargs)


def test_unknown_variable_and_state_errors():
    phi = pl.DiscreteFactor(["A"], [1, 2], {"A": ["no", "yes"]})
    with pytest.raises(pl.VariableNotFoundError, match=r"variable 'B' is not in the factor; its variables are \['A'\]"):
        phi.marginalize(["B"])
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown state 'maybe' of variable 'A'; choose from \['no', 'yes'\]"):
        phi.reduce({"A": "maybe"})
    with pytest.raises(pl.VariableNotFoundError, match="out of range"):
        phi.reduce({"A": 2})
    with pytest.raises(pl.VariableNotFoundError, match="must be a name or an index"):
        phi.reduce({"A": 1.5})
    with pytest.raises(pl.ZeroEvidenceError, match="sums to zero"):
        pl.DiscreteFactor(["A"], [0, 0]).normalize()


def test_to_dataframe():
    frame = pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]], {"A": ["x", "y"]}).to_dataframe()
    assert list(frame.columns) == ["A", "B", "value"]
    assert frame["A"].tolist() == ["x", "x", "y", "y"] and frame["value"].tolist() == [1, 2, 3, 4]


cards = st.lists(st.integers(1, 3), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(cards, cards, st.randoms(use_true_random=False))
def test_product_matches_elementwise_definition(ca, cb, rnd):
    rng = np.random.default_rng(rnd.randint(0, 2**31))
    names = ["A", "B", "C", "D", "E"]
    va = names[: len(ca)]
    vb = names[5 - len(cb):]
    card = {}
    for v, k in [*zip(va, ca), *zip(vb, cb)]:
        card.setdefault(v, k)
    fa = pl.DiscreteFactor(va, rng.random([card[v] for v in va]))
    fb = pl.DiscreteFactor(vb, rng.random([card[v] for v in vb]))
    prod = fa * fb
    for idx in np.ndindex(*prod.shape):
        at = dict(zip(prod.variables, idx))
        expect = fa.values[tuple(at[v] for v in va)] * fb.values[tuple(at[v] for v in vb)]
        assert np.isclose(prod.values[idx], expect)
    # marginalising the product over b's private variables equals fa times the summed fb
    private = [v for v in vb if v not in va]
    if private:
        assert prod.marginalize(private).allclose(fa * fb.marginalize(private), atol=1e-12)
