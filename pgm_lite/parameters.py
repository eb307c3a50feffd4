"""Count the free parameters of a model and compare factorisations, as in the lecture."""

from __future__ import annotations

import math

import networkx as nx

from ._model import GraphicalModel
from .bayesian_network import BayesianNetwork
from .exceptions import ArgumentTypeError

__all__ = ["count_parameters", "parameter_table"]


def count_parameters(model):
    """Count free parameters: full joint, fully independent, chain rule, and this network.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Only the structure and cardinalities are used (no tables needed).

    Returns
    -------
    dict
        Exact Python ints:

        - ``"joint"``: ``prod(k) - 1``, a table over all variables;
        - ``"independent"``: ``sum(k - 1)``, all variables independent;
        - ``"chain_rule"``: ``prod(k) - 1``, the chain rule with no independence (same as the joint);
        - ``"network"``: for a Bayesian network ``sum((k_v - 1) * prod(k_parents))``; for a Markov
          network the number of table entries of its factors (of its maximal cliques when it has
          no factors yet), since potentials are unnormalised.

    Examples
    --------
    >>> xs = [f"X{i}" for i in range(1, 785)]          # 28 x 28 binary pixels
    >>> independent = pl.BayesianNetwork(variables=xs)
    >>> counts = pl.count_parameters(independent)
    >>> counts["joint"] == 2**784 - 1, counts["network"]
    (True, 784)
    """
    if not isinstance(model, GraphicalModel):
        raise ArgumentTypeError(
            f"count_parameters needs a BayesianNetwork or MarkovNetwork, got {type(model).__name__}"
        )
    cards = {v: len(model.states(v)) for v in model.variables}
    joint = math.prod(cards.values()) - 1
    counts = {
        "joint": joint,
        "independent": sum(k - 1 for k in cards.values()),
        "chain_rule": joint,
    }
    if model.is_directed:
        counts["network"] = sum(
            (k - 1) * math.prod(cards[p] for p in model.parents(v)) for v, k in cards.items()
        )
    elif model.factors():
        counts["network"] = sum(math.prod(f.values.shape) for f in model.factors())
    else:
        cliques = nx.find_cliques(model.structure)
        counts["network"] = sum(math.prod(cards[v] for v in c) for c in cliques)
    return counts


def parameter_table(n_values, states=2):
    """Compare parameter counts for ``n`` variables under four sets of independencies.

    Every column is counted on a network built by :meth:`BayesianNetwork.from_independencies`:
    no statement (chain rule), ``X_i ⊥ X_1..X_{i-1}`` (fully independent), and the Markov chain
    ``X_{i+1} ⊥ X_1..X_{i-1} | X_i``; ``full_joint`` is the joint table's count.

    Parameters
    ----------
    n_values : iterable of int
        Numbers of variables.
    states : int, optional
        States per variable.

    Returns
    -------
    pandas.DataFrame
        Columns ``n, full_joint, independent, chain_rule, markov_chain`` (Python ints).

    Examples
    --------
    >>> pl.parameter_table([1, 2, 3, 10])
        n  full_joint  independent  chain_rule  markov_chain
    0   1           1            1           1             1
    1   2           3            2           3             3
    2   3           7            3           7             5
    3  10        1023           10        1023            19
    """
    import pandas as pd


    rows = []
    for n in n_values:
        xs = [f"X{i}" for i in range(1, n + 1)]
        independent = [f"{xs[i]} ⊥ {', '.join(xs[:i])}" for i in range(1, n)]
        markov = [f"{xs[i]} ⊥ {', '.join(xs[:i - 1])} | {xs[i - 1]}" for i in range(2, n)]

        def network(statements, xs=xs):
            model = BayesianNetwork.from_independencies(xs, statements, states=states)
            return count_parameters(model)

        chain = network([])
        rows.append({
            "n": n,
            "full_joint": chain["joint"],
            "independent": network(independent)["network"],
            "chain_rule": chain["network"],
            "markov_chain": network(markov)["network"],
        })
    frame = pd.DataFrame(rows, columns=["n", "full_joint", "independent", "chain_rule", "markov_chain"])
    return frame.astype(object) if any(r["full_joint"] >= 2**63 for r in rows) else frame
