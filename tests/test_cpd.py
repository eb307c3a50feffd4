import numpy as np
import pytest

import pgm_lite as pl


def test_table_axes_parents_then_child():
    cpd = pl.TabularCPD("G", np.full((2, 3, 4), 0.25), parents=["D", "I"])
    assert cpd.scope == ("D", "I", "G")
    assert cpd.cardinality == 4 and cpd.parent_cardinalities == (2, 3)
    f = cpd.to_factor()
    assert f.variables == ("D", "I", "G") and f.values is cpd.table


def test_from_columns_matches_textbook_layout():
    columns = [[0.3, 0.05, 0.9, 0.5], [0.4, 0.25, 0.08, 0.3], [0.3, 0.7, 0.02, 0.2]]
    cpd = pl.TabularCPD.from_columns("G", columns, parents=["I", "D"],
                                     states={"I": ["lo", "hi"], "D": ["easy", "hard"]})
    assert cpd.table[1, 0].tolist() == [0.9, 0.08, 0.02]  # I = hi, D = easy: third column
    np.testing.assert_array_equal(cpd.columns, np.array(columns))
    assert cpd.states["D"] == ("easy", "hard")


def test_rows_must_sum_to_one_and_message_names_configuration():
    with pytest.raises(pl.ShapeError, match=r"row P\(wet \| rain=yes\) sums to 0\.9, not 1"):
        pl.TabularCPD("wet", [[0.5, 0.5], [0.5, 0.4]], ["rain"], states={"rain": ["no", "yes"]})


def test_atol_lets_readers_accept_rounded_rows():
    cpd = pl.TabularCPD("A", [0.3, 0.7000003], atol=1e-6)
    assert cpd.table[1] == 0.7000003  # kept as written
    with pytest.raises(pl.ShapeError, match="tolerance 1e-09"):
        pl.TabularCPD("A", [0.3, 0.7000003])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("A", [[0.5, 0.5]]), {}, pl.ShapeError, r"needs a table with 1 axes \(\*parents \[\], 'A'\); got shape \(1, 2\)"),
        (("A", [1.5, -0.5]), {}, pl.ShapeError, r"entry 1\.5 outside \[0, 1\] at P\(A\)"),
        (("A", [0.5, 0.5], ["A"]), {}, pl.StructureError, "lists itself as a parent"),
        (("A", np.full((2, 2, 2), 0.5), ["B", "B"]), {}, pl.StructureError, r"parent\(s\) \['B'\] more than once"),
        (("A", [0.5, 0.5]), {"states": {"Z": ["a", "b"]}}, pl.VariableNotFoundError, r"state names given for \['Z'\]"),
        (("A", []), {}, pl.ShapeError, "needs at least one state"),
    ],
)
def test_constructor_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        pl.TabularCPD(*args, **kwargs)


def test_from_columns_shape_error():
    with pytest.raises(pl.ShapeError, match=r"needs shape \(k, 4\) for parents \['I', 'D'\] with cardinalities \(2, 2\); got \(3, 3\)"):
        pl.TabularCPD.from_columns("G", np.full((3, 3), 1 / 3), parents=["I", "D"])


def test_repr_and_copy():
    cpd = pl.TabularCPD("B", [[0.5, 0.5], [0.1, 0.9]], ["A"])
    assert repr(cpd) == "<TabularCPD P(B | A) shape=(2, 2)>"
    dup = cpd.copy()
    with pytest.raises(ValueError, match="read-only"):
        dup.table[0, 0] = 0.0
    assert cpd.table[0, 0] == 0.5 and dup.table is not cpd.table
