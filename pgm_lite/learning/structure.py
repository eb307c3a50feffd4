"""``learn_structure``: learn a Bayesian network's graph from data.

Methods: greedy search over DAGs with a decomposable score (``"hill_climb"``, ``"tabu"``,
:mod:`pgm_lite.learning._search`), constraint-based stable PC (``"pc"``,
:mod:`pgm_lite.learning.pc`), and tree structures (``"chow_liu"``, ``"tan"``,
:mod:`pgm_lite.learning.trees`). The data are encoded once; every method works on the codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from .. import tuning
from .._data import encode_columns
from .._typing import RNGLike
from .._validate import check_int, check_number, check_option, check_variable, format_choices
from ..bayesian_network import BayesianNetwork
from ..equivalence import CPDAG
from ..exceptions import ArgumentTypeError, OptionError, StructureError
from ._frame import _as_names, _labels
from ._scorer import FamilyScorer
from ._search import Constraints, edges_to_matrix, greedy_search
from .pc import CI_TESTS, data_test, pc
from .scores import SCORES, complete_rows
from .trees import tree_edges

__all__ = ["METHODS", "learn_structure"]

METHODS = ("hill_climb", "tabu", "pc", "chow_liu", "tan")
_SEARCH = ("hill_climb", "tabu")

EdgeList = Iterable[tuple[str, str]]


class _Data:
    """Variables, data-derived state names and complete-case codes of a table."""

    def __init__(self, data: Any) -> None:
        import pandas as pd

        if not hasattr(data, "columns"):
            array = np.asarray(data)
            if array.ndim != 2:
                raise ArgumentTypeError(f"data must be a DataFrame or a 2-d array, got shape {array.shape}")
            data = pd.DataFrame(array, columns=[f"X{j}" for j in range(array.shape[1])])
        names = list(data.columns)
        frame = data if all(isinstance(c, str) for c in names) else data.set_axis([str(c) for c in names], axis=1)
        if frame.columns.duplicated().any():
            raise StructureError(f"data has duplicate column names {sorted(set(frame.columns[frame.columns.duplicated()]))}")
        self.variables = list(frame.columns)
        columns = dict(frame.items())  # one pass: cheaper than frame[v] per column
        self.states = {v: _labels(columns[v]) for v in self.variables}
        self.codes = complete_rows(self._encode(columns, frame.index))  # complete_rows names pl.fit_em
        self.card = np.array([len(self.states[v]) for v in self.variables], dtype=np.int64)
        self.index = {v: i for i, v in enumerate(self.variables)}

    def _encode(self, columns: dict[str, Any], index: Any) -> np.ndarray:
        """``(d, n)`` codes; a Categorical whose categories are its states is its own codes."""
        import pandas as pd

        codes = np.empty((len(self.variables), len(index)), dtype=np.int64)
        rest = []
        for j, v in enumerate(self.variables):
            column = columns[v]
            if isinstance(column.dtype, pd.CategoricalDtype) and len(column.array.categories) == len(self.states[v]):
                codes[j] = column.array.codes  # -1 (MISSING) where missing
            else:
                rest.append(j)
        if rest:  # everything else through the one encoder, by state name
            names = [self.variables[j] for j in rest]
            model = BayesianNetwork(variables=names, states={v: self.states[v] for v in names})
            text = pd.DataFrame({v: _as_names(columns[v]) for v in names}, index=index)
            codes[rest] = encode_columns(model, text, allow_missing=True)
        return codes

    def network(self, edges: Iterable[tuple[int, int]]) -> BayesianNetwork:
        ordered = sorted(edges, key=lambda e: (e[1], e[0]))
        names = [(self.variables[u], self.variables[v]) for u, v in ordered]
        return BayesianNetwork(names, variables=self.variables, states=self.states)


def _edge_list(name: str, edges: Any, index: dict[str, int]) -> list[tuple[str, str]]:
    if edges is None:
        return []
    if isinstance(edges, BayesianNetwork):
        edges = edges.edges
    elif isinstance(edges, nx.DiGraph):
        edges = list(edges.edges)
    out = []
    for edge in edges:
        if isinstance(edge, str) or len(edge) != 2:
            raise ArgumentTypeError(f"{name} must hold (parent, child) pairs, got {edge!r}")
        u, v = (check_variable(x, index) for x in edge)
        if u == v:
            raise StructureError(f"{name} has the self-loop ({u!r}, {v!r})")
        out.append((u, v))
    return out


def _order(variable_order: Sequence[str] | None, variables: list[str]) -> list[str]:
    if variable_order is None:
        return list(variables)
    order = [check_variable(v, variables) for v in variable_order]
    if sorted(order) != sorted(variables):
        missing = [v for v in variables if v not in order]
        raise OptionError(f"variable_order must list every variable once; missing {missing}, "
                          f"got {len(order)} names for {len(variables)} variables")
    return order


def _reject_inapplicable(method: str, options: dict[str, tuple[Any, tuple[str, ...]]]) -> None:
    for name, (value, methods) in options.items():
        if value is not None and method not in methods:
            raise OptionError(f"{name} applies to method {format_choices(methods)}, not {method!r}")


def _constraints(data: _Data, black_list: Any, white_list: Any, fixed_edges: Any,
                 order: list[str] | None, max_indegree: int | None) -> tuple[Constraints, np.ndarray]:
    d, index = len(data.variables), data.index
    black = edges_to_matrix(index, _edge_list("black_list", black_list, index))
    fixed = edges_to_matrix(index, _edge_list("fixed_edges", fixed_edges, index))
    allowed = ~black
    if white_list is not None:
        allowed &= edges_to_matrix(index, _edge_list("white_list", white_list, index)) | fixed
    if order is not None:  # edges only from earlier to later variables
        rank = np.array([order.index(v) for v in data.variables])
        allowed &= rank[:, None] < rank[None, :]
    clash = np.argwhere(fixed & black)
    if len(clash):
        u, v = (data.variables[i] for i in clash[0])
        raise OptionError(f"the edge ({u!r}, {v!r}) is both in fixed_edges and in black_list")
    if fixed.any() and not nx.is_directed_acyclic_graph(nx.DiGraph(list(map(tuple, np.argwhere(fixed).tolist())))):
        raise StructureError("fixed_edges contain a cycle")
    if max_indegree is not None and fixed.any() and fixed.sum(axis=0).max() > max_indegree:
        raise OptionError(f"fixed_edges give a variable more than max_indegree={max_indegree} parents")
    return Constraints(d, allowed=allowed, fixed=fixed, max_indegree=max_indegree), fixed


def _start(data: _Data, start: Any, fixed: np.ndarray) -> np.ndarray:
    adj = edges_to_matrix(data.index, _edge_list("start", start, data.index)) | fixed
    if adj.any() and not nx.is_directed_acyclic_graph(nx.DiGraph(list(map(tuple, np.argwhere(adj).tolist())))):
        raise StructureError("the start graph (with fixed_edges) has a cycle")
    return adj


def learn_structure(
    data: Any,
    method: str = "hill_climb",
    *,
    score: str = "bic",
    equivalent_sample_size: float = 1.0,
    max_indegree: int | None = None,
    black_list: EdgeList | None = None,
    white_list: EdgeList | None = None,
    fixed_edges: EdgeList | None = None,
    start: BayesianNetwork | EdgeList | None = None,
    tabu_length: int = 100,
    max_iter: int | None = None,
    significance: float = 0.01,
    ci_test: Any = "g_sq",
    variable_order: Sequence[str] | None = None,
    root: str | None = None,
    class_variable: str | None = None,
    rng: RNGLike = None,
    progress: bool | None = None,
) -> BayesianNetwork | CPDAG:
    """Learn the graph of a Bayesian network from data.

    Parameters
    ----------
    data : pandas.DataFrame or array_like
        One column per variable; the states of each come from the data (a Categorical's
        categories, else the sorted distinct values). Rows with a missing value are dropped
        (complete-case analysis).
    method : {"hill_climb", "tabu", "pc", "chow_liu", "tan"}, optional
        ``"hill_climb"``: best-improvement search over edge additions, deletions and reversals
        up to a local optimum of ``score``, then a perturbation phase (iterated local search):
        reverse one edge of the optimum, climb with it held, climb freely, keep the result only
        if it scores higher, for a budget of moves proportional to the first climb's (see
        ``pgm_lite.tuning.STRUCTURE_PERTURB_WORK``); it ends on a local optimum at least as good
        as plain greedy search's. ``"tabu"``: the same, but it keeps moving
        (even downhill) with the inverses of the last ``tabu_length`` moves forbidden, and
        returns the best DAG seen. ``"pc"``: stable PC, returns a :class:`pgm_lite.CPDAG`
        (``.to_dag()`` gives one member). ``"chow_liu"``: maximum mutual-information tree.
        ``"tan"``: tree-augmented naive Bayes for ``class_variable``.
    score : {"bic", "aic", "bdeu", "k2", "loglik"}, optional
        Score of the search methods (see :func:`pgm_lite.score`).
    equivalent_sample_size : float, optional
        BDeu's prior strength.
    max_indegree : int, optional
        Most parents a variable may get (search methods).
    black_list, white_list : iterable of (parent, child), optional
        Edges the search never adds / the only edges it may add.
    fixed_edges : iterable of (parent, child), optional
        Edges present from the start that are never removed or reversed.
    start : BayesianNetwork or iterable of edges, optional
        Initial DAG of the search (default: no edges).
    tabu_length : int, optional
        Length of the tabu list (``"tabu"``).
    max_iter : int, optional
        Most moves of the search (default: until it stops by itself); moves of rejected
        perturbation trials are not counted.
    significance : float, optional
        Level of PC's independence tests: independent when the p-value is at least this.
    ci_test : {"g_sq", "chi_square"} or callable, optional
        PC's test; a callable ``ci_test(x, y, given) -> bool`` (``given`` a tuple of names)
        returns True when ``x`` and ``y`` are independent given ``given`` (e.g. a d-separation
        oracle).
    variable_order : sequence of str, optional
        Search methods: edges may only point from earlier to later variables. PC, Chow-Liu,
        TAN: the order in which variables are visited.
    root : str, optional
        Root of the Chow-Liu / TAN tree (default: the first variable / first feature).
    class_variable : str, optional
        The class of ``"tan"`` (required there).
    rng : int or numpy.random.Generator, optional
        Search methods: break ties between equally good moves at random. By default ties go
        to the first move in variable order (deterministic).
    progress : bool, optional
        Show a progress bar (default: only when stderr is a terminal).

    Returns
    -------
    BayesianNetwork or CPDAG
        A structure-only network (no CPDs; fit them with :func:`pgm_lite.fit`); a CPDAG for
        ``"pc"``.

    Raises
    ------
    OptionError
        Unknown method, score or test (the message lists the valid ones); an option given to a
        method that does not use it; a missing ``class_variable`` for TAN.
    PGMError
        If every row has a missing value (see :func:`pgm_lite.fit_em`).

    Examples
    --------
    >>> asia = pl.example("asia")
    >>> data = pl.sample(asia, 2000, rng=0)
    >>> learned = pl.learn_structure(data, "hill_climb", score="bic")
    >>> pl.score(learned, data) >= pl.score(asia, data)
    True
    >>> tree = pl.learn_structure(data, "chow_liu", root="smoke")
    >>> len(tree.edges), tree.parents("smoke")
    (7, [])
    >>> pl.learn_structure(data, "pc").to_dag().variables == asia.variables
    True
    """
    check_option("method", method, METHODS, what="structure learning method")
    check_option("score", score, SCORES)
    ess = check_number("equivalent_sample_size", equivalent_sample_size, minimum=0.0, strict=True)
    _reject_inapplicable(method, {
        "max_indegree": (max_indegree, _SEARCH), "black_list": (black_list, _SEARCH),
        "white_list": (white_list, _SEARCH), "fixed_edges": (fixed_edges, _SEARCH),
        "start": (start, _SEARCH), "max_iter": (max_iter, _SEARCH),
        "root": (root, ("chow_liu", "tan")), "class_variable": (class_variable, ("tan",)),
    })
    if max_indegree is not None:
        max_indegree = check_int("max_indegree", max_indegree, minimum=0)
    if max_iter is not None:
        max_iter = check_int("max_iter", max_iter, minimum=0)
    table = _Data(data)
    order = _order(variable_order, table.variables)
    if method in _SEARCH:
        constraints, fixed = _constraints(table, black_list, white_list, fixed_edges,
                                          None if variable_order is None else order, max_indegree)
        adj = _start(table, start, fixed)
        tabu = check_int("tabu_length", tabu_length, minimum=1) if method == "tabu" else 0
        scorer = FamilyScorer(table.codes, table.card, score, ess)
        best, _ = greedy_search(scorer, adj, constraints, tabu_length=tabu, max_iter=max_iter,
                                patience=tuning.TABU_PATIENCE, perturb=method == "hill_climb",
                                rng=None if rng is None else np.random.default_rng(rng),
                                progress=progress)
        return table.network((int(u), int(v)) for u, v in np.argwhere(best))
    if method == "pc":
        alpha = check_number("significance", significance, minimum=0.0)
        if alpha > 1:
            raise OptionError(f"significance must be at most 1, got {alpha}")
        independent = ci_test if callable(ci_test) else data_test(
            table.codes, table.card, table.variables, check_option("ci_test", ci_test, CI_TESTS), alpha)
        learned = pc(order, independent, states=table.states, progress=progress)
        return CPDAG(table.variables, learned.directed_edges, learned.undirected_edges, states=table.states)
    return _tree(table, method, order, root, class_variable)


def _tree(table: _Data, method: str, order: list[str], root: str | None,
          class_variable: str | None) -> BayesianNetwork:
    index = table.index
    if method == "tan":
        if class_variable is None:
            raise OptionError("method 'tan' needs class_variable= (the variable to classify)")
        klass = index[check_variable(class_variable, index)]
        if root is not None and root == class_variable:
            raise OptionError(f"root must be a feature, not the class variable {class_variable!r}")
        given = [klass]
    else:
        given = []
    nodes = [index[v] for v in order if index[v] not in given]
    top = nodes[0] if root is None else index[check_variable(root, index)]
    edges = tree_edges(table.codes, table.card, nodes, top, given)
    return table.network(edges + [(g, v) for g in given for v in nodes])
