"""Interop: convert models to and from pgmpy (imported lazily) and networkx graphs."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..cpd import TabularCPD
from ..exceptions import StructureError
from ..factor import DiscreteFactor
from ..markov_network import MarkovNetwork
from ._assemble import ATOL

__all__ = ["from_pgmpy", "to_pgmpy", "to_networkx", "from_networkx"]


def _pgmpy() -> tuple[Any, Any, Any, Any]:
    """Import pgmpy's model and factor classes, or explain how to install them."""
    try:
        import pgmpy  # noqa: F401  (a missing or blocked top-level package must fail here)
        from pgmpy.factors.discrete import DiscreteFactor as PgmpyFactor
        from pgmpy.factors.discrete import TabularCPD as PgmpyCPD

        try:
            from pgmpy.models import DiscreteBayesianNetwork as PgmpyBN
            from pgmpy.models import DiscreteMarkovNetwork as PgmpyMarkov
        except ImportError:  # pgmpy < 1.0
            from pgmpy.models import BayesianNetwork as PgmpyBN
            from pgmpy.models import MarkovNetwork as PgmpyMarkov
    except ImportError as err:
        raise ImportError(
            "pgmpy is needed to convert to or from pgmpy models; install it with "
            "`pip install pgm_lite[pgmpy]`"
        ) from err
    return PgmpyBN, PgmpyMarkov, PgmpyCPD, PgmpyFactor


def to_pgmpy(model: GraphicalModel) -> Any:
    """Convert a model to pgmpy's ``DiscreteBayesianNetwork`` or ``DiscreteMarkovNetwork``.

    State names and tables are kept; pgmpy's CPD layout (child states x parent configurations,
    the last parent varying fastest) is :attr:`TabularCPD.columns`.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A Bayesian network must be fully specified.

    Returns
    -------
    pgmpy.models.DiscreteBayesianNetwork or pgmpy.models.DiscreteMarkovNetwork

    Raises
    ------
    ImportError
        If pgmpy is not installed (``pip install pgm_lite[pgmpy]``).

    Examples
    --------
    >>> theirs = pl.to_pgmpy(pl.example("student"))
    >>> theirs.get_cpds("Grade").variables, theirs.get_cpds("Grade").state_names["Grade"]
    (['Grade', 'Intelligence', 'Difficulty'], ['g1', 'g2', 'g3'])
    """
    PgmpyBN, PgmpyMarkov, PgmpyCPD, PgmpyFactor = _pgmpy()
    if isinstance(model, BayesianNetwork):
        model.check()
        out = PgmpyBN()
        out.add_nodes_from(model.variables)
        out.add_edges_from(model.edges)
        cpds = []
        for cpd in model.cpds():
            parents = list(cpd.parents)
            cpds.append(PgmpyCPD(
                cpd.variable, cpd.cardinality, cpd.columns,
                evidence=parents or None,
                evidence_card=[len(cpd.states[p]) for p in parents] or None,
                state_names={v: list(cpd.states[v]) for v in cpd.scope},
            ))
        out.add_cpds(*cpds)
        return out
    if isinstance(model, MarkovNetwork):
        out = PgmpyMarkov()
        out.add_nodes_from(model.variables)
        out.add_edges_from(model.edges)
        out.add_factors(*(
            PgmpyFactor(list(f.variables), list(f.shape), f.values.ravel(),
                        state_names={v: list(f.states[v]) for v in f.variables})
            for f in model.factors()
        ))
        return out
    raise TypeError(f"to_pgmpy needs a BayesianNetwork or MarkovNetwork, got {type(model).__name__}")


def from_pgmpy(model: Any) -> BayesianNetwork | MarkovNetwork:
    """Convert a pgmpy discrete Bayesian network or Markov network to a pgm_lite model.

    Parameters
    ----------
    model : pgmpy.models.DiscreteBayesianNetwork or DiscreteMarkovNetwork (or the pre-1.0 classes)
        Nodes keep pgmpy's order; state names are converted to ``str``. CPD rows must sum to
        one within 1e-6 (pgmpy's readers keep bnlearn's rounding).

    Returns
    -------
    BayesianNetwork or MarkovNetwork

    Examples
    --------
    >>> bn = pl.from_pgmpy(pl.to_pgmpy(pl.example("asia")))
    >>> bn.parents("either"), bn.states("asia")
    (['lung', 'tub'], ('yes', 'no'))
    """
    if hasattr(model, "get_cpds"):
        nodes = [str(v) for v in model.nodes()]
        cpds, states = [], {}
        for cpd in model.get_cpds():
            scope = [str(v) for v in cpd.variables]
            names = {str(v): [str(s) for s in cpd.state_names[v]] for v in cpd.variables}
            states.update(names)
            table = np.moveaxis(np.asarray(cpd.values, dtype=float), 0, -1)
            cpds.append(TabularCPD(scope[0], table, scope[1:], names, atol=ATOL))
        return BayesianNetwork(model.edges(), cpds, variables=nodes, states=states)
    if hasattr(model, "get_factors"):
        factors, states = [], {}
        for f in model.get_factors():
            scope = [str(v) for v in f.variables]
            names = {str(v): [str(s) for s in f.state_names[v]] for v in f.variables}
            states.update(names)
            factors.append(DiscreteFactor(scope, np.asarray(f.values, dtype=float), names))
        edges = [(str(u), str(v)) for u, v in model.edges()]
        return MarkovNetwork(edges, factors, variables=[str(v) for v in model.nodes()], states=states)
    raise TypeError(
        f"from_pgmpy needs a pgmpy Bayesian network or Markov network, got {type(model).__name__}"
    )


def to_networkx(model: GraphicalModel) -> nx.Graph:
    """Return the structure as a networkx graph whose nodes carry ``states`` (a tuple of names).

    A :class:`BayesianNetwork` gives an ``nx.DiGraph``, a :class:`MarkovNetwork` an ``nx.Graph``;
    nodes are in declaration order. Changing the graph does not change the model.

    Examples
    --------
    >>> g = pl.example("sprinkler").to_networkx()
    >>> list(g.successors("Cloudy")), g.nodes["Rain"]["states"]
    (['Sprinkler', 'Rain'], ('F', 'T'))
    """
    graph = nx.DiGraph() if model.is_directed else nx.Graph()
    graph.add_nodes_from((v, {"states": model.states(v)}) for v in model.variables)
    graph.add_edges_from(model.edges)
    return graph


def from_networkx(graph: nx.Graph, *, directed: bool | None = None) -> BayesianNetwork | MarkovNetwork:
    """Build a structure-only model from a networkx graph (node attribute ``states``: names or a count).

    Parameters
    ----------
    graph : nx.DiGraph or nx.Graph
        Nodes without a ``states`` attribute get two states ``"0", "1"``.
    directed : bool, optional
        Build a :class:`BayesianNetwork` (True) or :class:`MarkovNetwork` (False); default:
        whether ``graph`` is directed.

    Raises
    ------
    StructureError
        On a cycle (printed), or an undirected graph given for a Bayesian network.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("rain", "wet")])
    >>> g.nodes["rain"]["states"] = ["no", "yes"]
    >>> bn = pl.BayesianNetwork.from_networkx(g)
    >>> bn.states("rain"), bn.states("wet"), bn.edges
    (('no', 'yes'), ('0', '1'), [('rain', 'wet')])
    """
    directed = graph.is_directed() if directed is None else directed
    states = {v: data["states"] for v, data in graph.nodes(data=True) if "states" in data}
    if directed:
        if not graph.is_directed():
            raise StructureError("a Bayesian network needs a directed graph (nx.DiGraph); got an undirected one")
        return BayesianNetwork(graph.edges, variables=list(graph.nodes), states=states)
    return MarkovNetwork(graph.to_undirected(as_view=True).edges, variables=list(graph.nodes), states=states)
