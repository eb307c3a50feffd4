"""The protocol every model shares: variables, states, evidence encoding and a version.

:class:`GraphicalModel` holds what Bayesian and Markov networks have in common: an owned
networkx graph, the state names of every variable in declaration order, and a version number
that every mutation changes. The version comes from one process-wide counter, so a copy and its
original never share a version and a cache keyed by ``(model, version)`` can never answer for an
older model. Engines above this layer read models only through this public surface.
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import networkx as nx

from ._states import check_names, reject_duplicates, split_states, state_index, state_tuple
from ._validate import check_variable
from .exceptions import ArgumentTypeError, MemoryLimitError, StructureError
from .factor import DiscreteFactor

__all__ = ["GraphicalModel", "engine", "register_engine"]

_VERSIONS = itertools.count(1)
_ENGINES: dict[str, Callable[..., Any] | str] = {}


def register_engine(name: str, function: Callable[..., Any] | str) -> None:
    """Make an engine function (registered by a higher layer) callable from models.

    Models keep convenience methods such as ``mn.partition_function()``; the model layer may
    not import the inference engine, so the engine is registered here instead: either the
    function itself or ``"module:attribute"``, whose module :func:`engine` imports on first use
    (``pgm_lite/__init__.py`` registers its engines so, without importing them).

    Examples
    --------
    >>> from pgm_lite._model import engine, register_engine
    >>> register_engine("demo_join", "os.path:join")
    >>> engine("demo_join")("a", "b") == __import__("os").path.join("a", "b")
    True
    >>> register_engine("demo_bad", "os.path")
    Traceback (most recent call last):
        ...
    pgm_lite.exceptions.ArgumentTypeError: engine 'demo_bad' must be a function or 'module:attribute', got 'os.path'
    """
    if isinstance(function, str) and not all(function.partition(":")[::2]):
        raise ArgumentTypeError(f"engine {name!r} must be a function or 'module:attribute', got {function!r}")
    _ENGINES[name] = function


def engine(name: str) -> Callable[..., Any]:
    """Return the engine function registered under ``name`` (importing its module on first use)."""
    try:
        found = _ENGINES[name]
    except KeyError:
        raise StructureError(f"no engine {name!r} is registered; import pgm_lite first") from None
    if isinstance(found, str):
        module, _, attribute = found.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        _ENGINES[name] = found
    return found


def check_model(model: Any, what: str = "model") -> None:
    """Refuse anything that is not a :class:`GraphicalModel` (a BayesianNetwork or MarkovNetwork).

    Examples
    --------
    >>> from pgm_lite._model import check_model
    >>> check_model("asia")
    Traceback (most recent call last):
        ...
    pgm_lite.exceptions.ArgumentTypeError: model must be a BayesianNetwork or MarkovNetwork, got str ('asia'); load a named example with pl.example('asia') or a file with pl.read(path)
    """
    if isinstance(model, GraphicalModel):
        return
    hint = ""
    if isinstance(model, str):
        hint = f"; load a named example with pl.example({model!r}) or a file with pl.read(path)"
    elif type(model).__module__.startswith("pgmpy"):
        hint = "; convert a pgmpy model with pl.from_pgmpy(model)"
    shown = f" ({model!r})" if isinstance(model, str) else ""
    raise ArgumentTypeError(f"{what} must be a BayesianNetwork or MarkovNetwork, got "
                            f"{type(model).__name__}{shown}{hint}")


class GraphicalModel:
    """Base of :class:`~pgm_lite.BayesianNetwork` and :class:`~pgm_lite.MarkovNetwork`.

    Not meant to be built directly; it supplies the shared read-only protocol.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "B")], states={"B": ["lo", "hi"]})
    >>> bn.is_directed, bn.cardinality("B"), bn.encode_evidence({"B": "hi"})
    (True, 2, {'B': 1})
    >>> old = bn.version
    >>> bn.add_variable("C")
    >>> bn.version != old
    True
    """

    #: True for directed models (Bayesian networks), False for undirected ones.
    is_directed: ClassVar[bool] = False

    _graph: nx.Graph
    _states: dict[str, tuple[str, ...]]
    _version: int

    @staticmethod
    def _declarations(variables: Iterable[str], states: Any) -> tuple[list[str], Any, dict[str, Any]]:
        """Return the declared variables (checked for repeats), the default and per-variable state specs."""
        declared = list(variables)
        reject_duplicates(declared)
        default, per_var = split_states(states)
        return declared, default, per_var

    def _init_protocol(self, graph: nx.Graph, states: dict[str, tuple[str, ...]]) -> None:
        self._graph = graph
        self._states = states
        self._positions: dict[str, tuple[float, float]] = {}
        self._version = next(_VERSIONS)

    # -- reading ----------------------------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        """list of str: the variables in declaration order."""
        return list(self._states)

    @property
    def version(self) -> int:
        """int: changes on every mutation of the model (caches compare it)."""
        return self._version

    @property
    def state_names(self) -> Mapping[str, tuple[str, ...]]:
        """Mapping: ``{variable: state names}`` in declaration order (read-only view)."""
        return MappingProxyType(self._states)

    @property
    def graph(self) -> nx.Graph:
        """nx.Graph or nx.DiGraph: a copy of the structure (changing it does not change the model)."""
        return self._graph.copy()

    @property
    def structure(self) -> nx.Graph:
        """nx.Graph or nx.DiGraph: a read-only view of the structure (no copy)."""
        return self._graph.copy(as_view=True)

    @property
    def positions(self) -> dict[str, tuple[float, float]]:
        """dict: ``{variable: (x, y)}`` drawing positions read from a file or set by the user (a copy).

        Positions never change inference; ``pl.render(..., layout="positions")`` uses them.
        """
        return dict(self._positions)

    def set_positions(self, positions: Mapping[str, tuple[float, float]]) -> None:
        """Store drawing positions ``{variable: (x, y)}`` (replacing those of the named variables).

        Examples
        --------
        >>> bn = pl.BayesianNetwork([("A", "B")])
        >>> bn.set_positions({"A": (0, 0), "B": (0, -1)})
        >>> bn.positions["B"]
        (0.0, -1.0)
        """
        new = {}
        for v, xy in dict(positions).items():
            self.check_variable(v)
            x, y = xy
            new[v] = (float(x), float(y))
        self._positions.update(new)

    def check_variable(self, variable: Any) -> str:
        """Return ``variable`` if the model has it, else raise VariableNotFoundError (with near misses).

        Examples
        --------
        >>> pl.BayesianNetwork([("rain", "wet")]).check_variable("wte")
        Traceback (most recent call last):
        ...
        pgm_lite.exceptions.VariableNotFoundError: unknown variable 'wte'; did you mean 'wet'? valid variables: ['rain', 'wet']
        """
        return check_variable(variable, self._states)

    def states(self, variable: str) -> tuple[str, ...]:
        """Return the state names of ``variable`` as a tuple of str."""
        return self._states[self.check_variable(variable)]

    def cardinality(self, variable: str) -> int:
        """Return the number of states of ``variable``."""
        return len(self.states(variable))

    def state_index(self, variable: str, state: Any) -> int:
        """Return the integer code of ``state`` (a name or an index) of ``variable``."""
        return state_index(variable, self.states(variable), state)

    def encode_evidence(self, evidence: Mapping[str, Any] | None) -> dict[str, int]:
        """Translate ``{variable: state name or index}`` to ``{variable: code}``, validating both.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B")], states={"B": ["lo", "hi"]}).encode_evidence({"B": "hi"})
        {'B': 1}
        """
        return {v: self.state_index(v, s) for v, s in dict(evidence or {}).items()}

    def n_joint_states(self) -> int:
        """Return the number of entries of the full joint table (an exact int)."""
        return math.prod(len(s) for s in self._states.values())

    def _guard_joint(self, max_entries: int,
                     hint: str = "use pl.query for marginals instead of the full joint") -> None:
        size = self.n_joint_states()
        if size > max_entries:
            raise MemoryLimitError(
                f"the joint of {len(self._states)} variables has {size:.3g} entries "
                f"({size * 8 / 2**30:.3g} GiB), more than max_entries={max_entries}; "
                f"{hint}"
            )

    # -- changing ---------------------------------------------------------------------------
    def _changed(self) -> None:
        """Record a mutation: a new version, so every cache keyed by the old one is stale."""
        self._version = next(_VERSIONS)

    def add_variable(self, variable: str, states: int | Iterable[str] = 2) -> None:
        """Declare a new variable with ``states`` (a count or a sequence of names).

        Raises
        ------
        StructureError
            If the variable already exists.
        """
        check_names([variable])
        if variable in self._states:
            raise StructureError(f"variable {variable!r} already exists")
        names = state_tuple(variable, states)
        self._graph.add_node(variable)
        self._states[variable] = names
        self._changed()

    # -- what every model provides ---------------------------------------------------------
    @property
    def edges(self) -> list[tuple[str, str]]:  # pragma: no cover - overridden by every model
        """list of (str, str): the edges, in declaration order."""
        raise NotImplementedError

    def check(self) -> None:  # pragma: no cover - overridden by every model
        """Raise StructureError unless the model is fully specified."""
        raise NotImplementedError

    def factors(self) -> list[DiscreteFactor]:  # pragma: no cover - overridden by every model
        """Return the model's factors (CPDs as factors for a Bayesian network)."""
        raise NotImplementedError

    def factor_scopes(self) -> list[tuple[tuple[str, ...], str]]:  # pragma: no cover
        """Return ``(scope, label)`` of every factor."""
        raise NotImplementedError

    def is_fully_specified(self) -> bool:  # pragma: no cover - overridden by every model
        """Whether every table the model needs exists."""
        raise NotImplementedError

    def _copy_protocol(self, **tables: Any) -> Any:
        """Build a model of the same class sharing nothing mutable with this one.

        ``tables`` are the subclass's own attributes of the copy (name -> value).
        """
        new = object.__new__(type(self))
        new._init_protocol(self._graph.copy(), dict(self._states))
        new.set_positions(self._positions)
        for name, value in tables.items():
            setattr(new, name, value)
        return new

    def _table_count(self) -> str:  # pragma: no cover - overridden by every model
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} with {len(self._states)} variables, "
            f"{self._graph.number_of_edges()} edges, {self._table_count()}>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Jupyter display: the graph drawn by :func:`pgm_lite.render` (runs ``dot`` only here)."""
        from .render import render

        return render(self)._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def to_networkx(self) -> nx.Graph:
        """Return the structure as a networkx graph whose nodes carry ``states``.

        An ``nx.DiGraph`` for a Bayesian network, an ``nx.Graph`` for a Markov network; see
        :func:`pgm_lite.io.interop.to_networkx`.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B")]).to_networkx().nodes["A"]["states"]
        ('0', '1')
        """
        from .io.interop import to_networkx

        return to_networkx(self)

    @classmethod
    def from_networkx(cls, graph: nx.Graph) -> Any:
        """Build a structure-only model of this class from a networkx graph (node attribute ``states``).

        See :func:`pgm_lite.io.interop.from_networkx`.

        Examples
        --------
        >>> pl.MarkovNetwork.from_networkx(nx.path_graph(["A", "B", "C"])).edges
        [('A', 'B'), ('B', 'C')]
        """
        from .io.interop import from_networkx

        return from_networkx(graph, directed=cls.is_directed)

    def _link(self, u: str, v: str) -> None:
        """Add the edge ``u - v`` (or ``u -> v``), declaring unknown ends with two states."""
        for x in (u, v):
            if x not in self._states:
                self.add_variable(x)
        self._graph.add_edge(u, v)
        self._changed()

    def __copy__(self) -> GraphicalModel:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> GraphicalModel:
        return self.copy()

    def copy(self) -> GraphicalModel:  # pragma: no cover - overridden by every model
        """Return an independent copy."""
        raise NotImplementedError
