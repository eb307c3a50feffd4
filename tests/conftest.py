"""Canonical small networks, built in code; each fixture returns a fresh model."""

import numpy as np
import pytest

import pgm_lite as pl

YES_NO = ["yes", "no"]


def make_asia():
    """Lauritzen & Spiegelhalter's chest clinic, with the bnlearn tables."""
    s = {v: YES_NO for v in ["asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"]}
    cpds = [
        pl.TabularCPD("asia", [0.01, 0.99]),
        pl.TabularCPD("tub", [[0.05, 0.95], [0.01, 0.99]], ["asia"]),
        pl.TabularCPD("smoke", [0.5, 0.5]),
        pl.TabularCPD("lung", [[0.1, 0.9], [0.01, 0.99]], ["smoke"]),
        pl.TabularCPD("bronc", [[0.6, 0.4], [0.3, 0.7]], ["smoke"]),
        pl.TabularCPD("either", [[[1, 0], [1, 0]], [[1, 0], [0, 1]]], ["lung", "tub"]),
        pl.TabularCPD("xray", [[0.98, 0.02], [0.05, 0.95]], ["either"]),
        pl.TabularCPD("dysp", [[[0.9, 0.1], [0.8, 0.2]], [[0.7, 0.3], [0.1, 0.9]]], ["bronc", "either"]),
    ]
    return pl.BayesianNetwork(cpds=cpds, variables=list(s), states=s)


def make_chain(n=3, k=2, seed=0):
    rng = np.random.default_rng(seed)
    xs = [f"X{i}" for i in range(1, n + 1)]
    cpds = [pl.TabularCPD(xs[0], rng.dirichlet(np.ones(k)))]
    cpds += [pl.TabularCPD(xs[i], rng.dirichlet(np.ones(k), size=k), [xs[i - 1]]) for i in range(1, n)]
    return pl.BayesianNetwork(cpds=cpds)


def make_collider():
    """Two independent causes of one effect: A -> C <- B (explaining away)."""
    return pl.BayesianNetwork(cpds=[
        pl.TabularCPD("A", [0.7, 0.3]),
        pl.TabularCPD("B", [0.6, 0.4]),
        pl.TabularCPD("C", [[[0.99, 0.01], [0.2, 0.8]], [[0.3, 0.7], [0.05, 0.95]]], ["A", "B"]),
    ])


@pytest.fixture
def asia():
    return make_asia()


@pytest.fixture
def chain3():
    return make_chain(3)


@pytest.fixture
def collider():
    return make_collider()


@pytest.fixture
def ising4():
    """A 2x2 grid Markov network with attractive pairwise potentials."""
    pair = [[2.0, 0.5], [0.5, 2.0]]
    edges = [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")]
    return pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, pair) for e in edges])
