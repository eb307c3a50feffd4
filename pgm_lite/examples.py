"""Classic example networks: eight bnlearn networks shipped as package data, two textbook ones in code."""

from __future__ import annotations

import functools
from importlib import resources

from ._validate import check_variable
from .bayesian_network import BayesianNetwork
from .cpd import TabularCPD
from .io.bif import read_bif

__all__ = ["example", "list_examples"]

_PACKAGED = ("asia", "cancer", "earthquake", "sachs", "survey", "alarm", "child", "insurance")


def _student() -> BayesianNetwork:
    """Build Koller & Friedman's student network (Figure 3.4) with the textbook tables."""
    states = {
        "Difficulty": ["d0", "d1"],
        "Intelligence": ["i0", "i1"],
        "Grade": ["g1", "g2", "g3"],
        "SAT": ["s0", "s1"],
        "Letter": ["l0", "l1"],
    }
    cpds = [
        TabularCPD("Difficulty", [0.6, 0.4]),
        TabularCPD("Intelligence", [0.7, 0.3]),
        TabularCPD(
            "Grade",
            [[[0.3, 0.4, 0.3], [0.05, 0.25, 0.7]], [[0.9, 0.08, 0.02], [0.5, 0.3, 0.2]]],
            ["Intelligence", "Difficulty"],
        ),
        TabularCPD("SAT", [[0.95, 0.05], [0.2, 0.8]], ["Intelligence"]),
        TabularCPD("Letter", [[0.1, 0.9], [0.4, 0.6], [0.99, 0.01]], ["Grade"]),
    ]
    return BayesianNetwork(cpds=cpds, variables=list(states), states=states)


def _sprinkler() -> BayesianNetwork:
    """Build the cloudy / sprinkler / rain / wet-grass network (Murphy; Russell & Norvig)."""
    tf = ["F", "T"]
    states = {v: tf for v in ("Cloudy", "Sprinkler", "Rain", "WetGrass")}
    cpds = [
        TabularCPD("Cloudy", [0.5, 0.5]),
        TabularCPD("Sprinkler", [[0.5, 0.5], [0.9, 0.1]], ["Cloudy"]),
        TabularCPD("Rain", [[0.8, 0.2], [0.2, 0.8]], ["Cloudy"]),
        TabularCPD("WetGrass", [[[1.0, 0.0], [0.1, 0.9]], [[0.1, 0.9], [0.01, 0.99]]], ["Sprinkler", "Rain"]),
    ]
    return BayesianNetwork(cpds=cpds, variables=list(states), states=states)


_IN_CODE = {"student": _student, "sprinkler": _sprinkler}


def list_examples() -> list[str]:
    """Return the names accepted by :func:`example`.

    Examples
    --------
    >>> pl.list_examples()
    ['asia', 'cancer', 'earthquake', 'sachs', 'survey', 'alarm', 'child', 'insurance', 'student', 'sprinkler']
    """
    return [*_PACKAGED, *_IN_CODE]


@functools.cache
def _load(name: str) -> BayesianNetwork:
    if name in _IN_CODE:
        return _IN_CODE[name]()
    with (resources.files("pgm_lite") / "data" / f"{name}.bif.gz").open("rb") as handle:
        return read_bif(handle)


def example(name: str) -> BayesianNetwork:
    """Return a fresh copy of a classic example network.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`: the bnlearn networks asia, cancer, earthquake, sachs,
        survey, alarm, child and insurance (read from the package's BIF files), or the textbook
        networks "student" (Koller & Friedman: Difficulty, Intelligence, Grade, SAT, Letter) and
        "sprinkler" (Cloudy, Sprinkler, Rain, WetGrass).

    Returns
    -------
    BayesianNetwork
        A new object each call: changing it does not change later results.

    Raises
    ------
    VariableNotFoundError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> bn = pl.example("student")
    >>> bn.parents("Grade"), bn.states("Grade")
    (['Intelligence', 'Difficulty'], ('g1', 'g2', 'g3'))
    >>> pl.example("asia").variables[:3]
    ['asia', 'tub', 'smoke']
    >>> pl.example("asai")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.VariableNotFoundError: unknown example 'asai'; did you mean 'asia'? valid examples: ['asia', 'cancer', 'earthquake', 'sachs', 'survey', 'alarm', 'child', 'insurance', 'student', 'sprinkler']
    """
    check_variable(name, list_examples(), what="example")
    return _load(name).copy()
