"""Example networks: the shipped package data and the textbook networks defined in code."""

import gzip
import pathlib

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint

DATA = pathlib.Path(__file__).parent / "data"
PACKAGED = ["asia", "cancer", "earthquake", "sachs", "survey", "alarm", "child", "insurance"]
SIZES = {"asia": 8, "cancer": 5, "earthquake": 5, "sachs": 11, "survey": 6, "alarm": 37, "child": 20,
         "insurance": 27}


def test_list_examples_names_every_example():
    assert pl.list_examples() == [*PACKAGED, "student", "sprinkler"]


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_example_matches_the_test_copy(name):
    bn = pl.example(name)
    assert len(bn.variables) == SIZES[name]
    same = pl.read_bif(DATA / f"{name}.bif.gz")
    assert bn.variables == same.variables and bn.edges == same.edges
    for v in bn.variables:
        assert np.array_equal(bn.cpd(v).table, same.cpd(v).table)


def test_package_data_is_gzip_bif():
    from importlib import resources

    for name in PACKAGED:
        data = (resources.files("pgm_lite") / "data" / f"{name}.bif.gz").read_bytes()
        assert gzip.decompress(data).lstrip().startswith(b"network")


def test_example_returns_a_fresh_copy():
    a = pl.example("asia")
    a.remove_cpd("asia")
    assert pl.example("asia").has_cpd("asia")


def test_unknown_example_lists_the_choices():
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown example 'asai'; did you mean 'asia'.*sprinkler"):
        pl.example("asai")
    with pytest.raises(pl.VariableNotFoundError, match=r"unknown example 'nope'; choose from \['asia'"):
        pl.example("nope")


def test_student_has_the_textbook_tables():
    bn = pl.example("student")
    assert bn.variables == ["Difficulty", "Intelligence", "Grade", "SAT", "Letter"]
    assert bn.edges == [("Intelligence", "Grade"), ("Difficulty", "Grade"), ("Intelligence", "SAT"),
                        ("Grade", "Letter")]
    grade = bn.cpd("Grade")
    assert grade.parents == ("Intelligence", "Difficulty")
    # Koller & Friedman Figure 3.4: P(g1 | i0, d1) = 0.05, P(g3 | i1, d0) = 0.02
    assert grade.table[0, 1, 0] == 0.05 and grade.table[1, 0, 2] == 0.02
    assert bn.cpd("SAT").table.tolist() == [[0.95, 0.05], [0.2, 0.8]]
    assert bn.cpd("Letter").table.tolist() == [[0.1, 0.9], [0.4, 0.6], [0.99, 0.01]]
    joint = brute_force_joint(bn)
    # P(i1, d0, g2, s1, l1) = 0.3 * 0.6 * 0.08 * 0.8 * 0.6, the book's worked example
    p = joint.value({"Intelligence": "i1", "Difficulty": "d0", "Grade": "g2", "SAT": "s1", "Letter": "l1"})
    assert p == pytest.approx(0.3 * 0.6 * 0.08 * 0.8 * 0.6)


def test_sprinkler_has_the_classic_tables():
    bn = pl.example("sprinkler")
    assert bn.variables == ["Cloudy", "Sprinkler", "Rain", "WetGrass"]
    assert bn.parents("WetGrass") == ["Sprinkler", "Rain"]
    joint = brute_force_joint(bn)
    wet = joint.marginalize(["Cloudy", "Sprinkler", "Rain"]).values
    # the textbook value P(WetGrass = T) = 0.6471
    assert wet[1] == pytest.approx(0.6471, abs=1e-4)
    rain_given_wet = joint.reduce({"WetGrass": "T"}).marginalize(["Cloudy", "Sprinkler"]).normalize()
    assert rain_given_wet.values[1] == pytest.approx(0.7079, abs=1e-4)
