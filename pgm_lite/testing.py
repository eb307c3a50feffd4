"""Oracles for tests and notebooks: brute-force joints and random networks.

``brute_force_joint`` deliberately shares no code with the inference engine or with
``DiscreteFactor.product``: it enumerates every assignment with ``np.indices`` and multiplies
table look-ups, so it can serve as an independent check.
"""

from __future__ import annotations

import math

import numpy as np

from ._model import GraphicalModel
from ._typing import RNGLike
from .bayesian_network import BayesianNetwork
from .cpd import TabularCPD
from .exceptions import MemoryLimitError
from .factor import DiscreteFactor
from .markov_network import MarkovNetwork

__all__ = ["brute_force_joint", "random_network", "random_markov_network"]


def brute_force_joint(model: GraphicalModel, *, max_entries: int = 2**22) -> DiscreteFactor:
    """Return the normalised joint distribution of a small model by enumeration.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    max_entries : int, optional
        Refuse models with more joint assignments than this.

    Returns
    -------
    DiscreteFactor
        Over ``model.variables`` in declaration order, summing to one.

    Raises
    ------
    MemoryLimitError
        If the joint is larger than ``max_entries``.

    Examples
    --------
    >>> bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.4, 0.6]),
    ...                               pl.TabularCPD("B", [[1.0, 0.0], [0.5, 0.5]], parents=["A"])])
    >>> brute_force_joint(bn).values.tolist()
    [[0.4, 0.0], [0.3, 0.3]]
    """
    variables = list(model.variables)
    shape = tuple(len(model.states(v)) for v in variables)
    size = math.prod(shape)
    if size > max_entries:
        raise MemoryLimitError(
            f"brute force over {len(variables)} variables needs {size:.3g} entries "
            f"(limit {max_entries}); it is an oracle for small models only"
        )
    grid = np.indices(shape).reshape(len(shape), -1)
    column = {v: i for i, v in enumerate(variables)}
    values = np.ones(size)
    if isinstance(model, BayesianNetwork):
        model.check()
        tables = [(c.table, (*c.parents, c.variable)) for c in model.cpds()]
    else:
        model.check()
        tables = [(f.values, f.variables) for f in model.factors()]
    for table, scope in tables:
        values = values * table[tuple(grid[column[v]] for v in scope)]
    total = values.sum()
    states = {v: model.states(v) for v in variables}
    return DiscreteFactor.from_validated(tuple(variables), (values / total).reshape(shape), states)


def random_network(n_variables: int, max_parents: int = 2, max_cardinality: int = 3,
                   rng: RNGLike = None, *, zero_fraction: float = 0.0) -> BayesianNetwork:
    """Return a random, fully specified Bayesian network for tests.

    Parameters
    ----------
    n_variables : int
        Number of variables, named ``"X0"``, ``"X1"``, ...
    max_parents : int, optional
        Maximum in-degree.
    max_cardinality : int, optional
        Cardinalities are drawn from ``2..max_cardinality``; states are ``"s0"``, ``"s1"``, ...
    rng : int or numpy.random.Generator, optional
        Seed or generator.
    zero_fraction : float, optional
        Fraction of table entries set to zero (rows are renormalised; never an all-zero row).

    Returns
    -------
    BayesianNetwork
        Its declaration order is shuffled with respect to the topological order.

    Examples
    --------
    >>> bn = random_network(6, rng=0)
    >>> len(bn.variables), bn.is_fully_specified()
    (6, True)
    """
    rng = np.random.default_rng(rng)
    names = [f"X{i}" for i in range(n_variables)]
    topo = list(rng.permutation(names))
    cards = {v: int(rng.integers(2, max_cardinality + 1)) for v in names}
    cpds = []
    for i, v in enumerate(topo):
        k = int(rng.integers(0, min(i, max_parents) + 1))
        parents = [str(p) for p in rng.choice(topo[:i], size=k, replace=False)] if k else []
        shape = (*[cards[p] for p in parents], cards[v])
        table = rng.dirichlet(np.ones(cards[v]), size=math.prod(shape[:-1])).reshape(shape)
        if zero_fraction:
            table = np.where(rng.random(shape) < zero_fraction, 0.0, table)
            dead = table.sum(-1) == 0
            table[dead] = np.eye(cards[v])[rng.integers(0, cards[v], size=int(dead.sum()))]
            table = table / table.sum(-1, keepdims=True)
        states = {u: [f"s{j}" for j in range(cards[u])] for u in (*parents, v)}
        cpds.append(TabularCPD(str(v), table, parents, states))
    declared = [str(v) for v in rng.permutation(names)]
    return BayesianNetwork(cpds=cpds, variables=declared)


def random_markov_network(n_variables: int, n_factors: int | None = None, max_scope: int = 2,
                          max_cardinality: int = 3, rng: RNGLike = None) -> MarkovNetwork:
    """Return a random Markov network with positive factors over random scopes.

    Examples
    --------
    >>> mn = random_markov_network(5, rng=1)
    >>> len(mn.variables), mn.partition_function() > 0
    (5, True)
    """
    rng = np.random.default_rng(rng)
    names = [f"X{i}" for i in range(n_variables)]
    cards = {v: int(rng.integers(2, max_cardinality + 1)) for v in names}
    n_factors = n_variables if n_factors is None else n_factors
    factors = [DiscreteFactor([v], rng.uniform(0.1, 2.0, cards[v])) for v in names]
    for _ in range(n_factors):
        size = int(rng.integers(2, max_scope + 1)) if max_scope >= 2 else 1
        scope = [str(v) for v in rng.choice(names, size=min(size, n_variables), replace=False)]
        factors.append(DiscreteFactor(scope, rng.uniform(0.1, 2.0, [cards[v] for v in scope])))
    states = {v: [f"s{j}" for j in range(cards[v])] for v in names}
    return MarkovNetwork(factors=factors, variables=names, states=states)
