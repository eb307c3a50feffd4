"""Count the free parameters of a model and compare factorisations, as in the lecture."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._model import GraphicalModel
from .bayesian_network import BayesianNetwork
from .exceptions import ArgumentTypeError
from .graphs import maximal_cliques

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["count_parameters", "parameter_table"]


def count_parameters(model: Any) -> dict[str, int]:
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
        - ``"network"``: the free parameters of this network. For a Bayesian network
          ``sum((k_v - 1) * prod(k_parents))``: each CPD row sums to one.
        - ``"table_entries"`` (Markov networks only): the numbers stored in the potentials, one
          per entry of every factor (of every maximal clique when there are no factors yet).

    Notes
    -----
    Potentials are unnormalised, so a Markov network stores more numbers than it has degrees of
    freedom: scaling one factor is absorbed by ``Z``, and factors that share variables can trade
    a function of the shared variables back and forth without changing the distribution. The
    free parameters are the dimension of the log-linear model on the scopes, one
    ``prod(k_v - 1 for v in S)`` per non-empty subset ``S`` of some scope (the identifiable
    interaction terms). Subtracting only one per factor would still overcount whenever scopes
    overlap. The free count never exceeds the joint's; the table entries can: a binary 4-cycle
    stores 16 numbers for a joint with 15 degrees of freedom, but has only 8 free parameters
    (4 single-variable and 4 pairwise terms).

    Examples
    --------
    >>> xs = [f"X{i}" for i in range(1, 785)]          # 28 x 28 binary pixels
    >>> independent = pl.BayesianNetwork(variables=xs)
    >>> counts = pl.count_parameters(independent)
    >>> counts["joint"] == 2**784 - 1, counts["network"]
    (True, 784)
    >>> pl.count_parameters(pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]))
    {'joint': 15, 'independent': 4, 'chain_rule': 15, 'network': 8, 'table_entries': 16}
    """
    if not isinstance(model, GraphicalModel):
        raise ArgumentTypeError(
            f"count_parameters needs a BayesianNetwork or MarkovNetwork, got {type(model).__name__}"
        )
    net: Any = model
    cards: dict[Any, int] = {v: len(net.states(v)) for v in net.variables}
    joint = math.prod(cards.values()) - 1
    counts = {
        "joint": joint,
        "independent": sum(k - 1 for k in cards.values()),
        "chain_rule": joint,
    }
    if net.is_directed:
        counts["network"] = sum(
            (k - 1) * math.prod(cards[p] for p in net.parents(v)) for v, k in cards.items()
        )
        return counts
    factors = net.factors()
    scopes = [f.variables for f in factors] if factors else maximal_cliques(net.structure, net.variables)
    terms = {frozenset(sub) for scope in scopes for r in range(1, len(scope) + 1)
             for sub in itertools.combinations(scope, r)}
    counts["network"] = sum(math.prod(cards[v] - 1 for v in term) for term in terms)
    counts["table_entries"] = sum(math.prod(cards[v] for v in scope) for scope in scopes)
    return counts


def parameter_table(n_values: Iterable[int], states: int = 2) -> pd.DataFrame:
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
    if any(r["full_joint"] >= 2**63 for r in rows):
        frame = frame.astype(object)
    return _full_print_frame()(frame)


@functools.cache
def _full_print_frame() -> type:
    """Return a DataFrame type whose ``print`` shows every row and column (huge counts never elide)."""
    import pandas as pd

    class ParameterTable(pd.DataFrame):
        @property
        def _constructor(self) -> type:
            return pd.DataFrame       # results of operations are ordinary frames

        def __repr__(self) -> str:
            return self.to_string()

    return ParameterTable
