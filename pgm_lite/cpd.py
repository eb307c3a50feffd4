"""TabularCPD: the conditional probability table P(child | parents) of one variable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._states import as_table, as_variables, state_tuple
from .exceptions import ShapeError, StructureError, VariableNotFoundError
from .factor import DiscreteFactor

__all__ = ["TabularCPD"]


class TabularCPD:
    """A conditional probability table ``P(variable | parents)``.

    The table's axes are ``(*parents, variable)``: the child comes last, so every row (the last
    axis) is one distribution and ``table.reshape(-1, k)`` lists one row per parent configuration.

    Parameters
    ----------
    variable : str
        The child variable.
    table : array_like
        Probabilities with shape ``(*parent cardinalities, child cardinality)``.
    parents : sequence of str, optional
        Conditioning variables, in axis order.
    states : dict, optional
        ``{name: sequence of state names}`` for the child and/or the parents; missing ones get
        ``"0".."k-1"``.
    atol : float, optional
        How far a row may sum from one (default 1e-9; file readers pass a looser value and keep
        the numbers as written).

    Raises
    ------
    ShapeError
        If the table has the wrong number of axes, entries outside [0, 1], or a row that does not
        sum to one (the message names the parent configuration).
    StructureError
        If the child is among its own parents or a parent is repeated.

    Examples
    --------
    >>> cpd = pl.TabularCPD("wet", [[0.9, 0.1], [0.2, 0.8]], parents=["rain"],
    ...                     states={"wet": ["no", "yes"], "rain": ["no", "yes"]})
    >>> cpd.table[1]                # P(wet | rain = yes)
    array([0.2, 0.8])

    The textbook layout puts child states in rows and parent configurations in columns;
    ``from_columns`` reads that layout and ``columns`` gives it back:

    >>> same = pl.TabularCPD.from_columns("wet", [[0.9, 0.2], [0.1, 0.8]], parents=["rain"],
    ...                                   states={"wet": ["no", "yes"], "rain": ["no", "yes"]})
    >>> bool(np.array_equal(same.table, cpd.table)), same.columns.tolist()
    (True, [[0.9, 0.2], [0.1, 0.8]])
    """

    __slots__ = ("_variable", "_parents", "_table", "_states")
    __hash__ = None  # type: ignore[assignment]

    _variable: str
    _parents: tuple[str, ...]
    _table: np.ndarray
    _states: dict[str, tuple[str, ...]]

    def __init__(
        self,
        variable: str,
        table: ArrayLike,
        parents: str | Sequence[str] = (),
        states: Mapping[str, Any] | None = None,
        *,
        atol: float = 1e-9,
    ) -> None:
        parents = as_variables(parents)
        as_variables([variable])
        if variable in parents:
            raise StructureError(f"CPD of {variable!r} lists itself as a parent")
        if len(set(parents)) != len(parents):
            dupes = sorted({p for p in parents if parents.count(p) > 1})
            raise StructureError(f"CPD of {variable!r} lists parent(s) {dupes} more than once")
        table = as_table(table, f"the table of the CPD of {variable!r}")
        if table.ndim != len(parents) + 1:
            raise ShapeError(
                f"CPD for {variable!r} needs a table with {len(parents) + 1} axes "
                f"(*parents {list(parents)}, {variable!r}); got shape {table.shape}"
                + (_PGMPY_HINT if table.ndim == 2 and parents else "")
            )
        states = dict(states or {})
        scope = (*parents, variable)
        unknown = [v for v in states if v not in scope]
        if unknown:
            raise VariableNotFoundError(
                f"CPD for {variable!r}: state names given for {unknown}, which are neither "
                f"the child nor a parent {list(parents)}"
            )
        names = {v: state_tuple(v, states.get(v, k), k) for v, k in zip(scope, table.shape)}
        _check_rows(variable, parents, table, names, atol)
        table.flags.writeable = False
        self._variable = variable
        self._parents = parents
        self._table = table
        self._states = names

    @classmethod
    def from_validated(cls, variable: str, table: np.ndarray, parents: tuple[str, ...],
                       states: Mapping[str, tuple[str, ...]]) -> TabularCPD:
        """Build a CPD without validation or copies (file readers, engines; the caller checked).

        The trusted counterpart of the constructor: the result is the CPD
        ``TabularCPD(variable, table, parents, states)`` would build, but nothing is checked.

        Parameters
        ----------
        variable : str
            The child, a non-empty name that is not among ``parents``.
        table : ndarray
            C-contiguous float64 array with axes ``(*parents, variable)``, entries in [0, 1] and
            rows summing to one; it is made read-only in place (pass an array nobody writes to).
        parents : tuple of str
            Distinct non-empty names, in axis order.
        states : mapping
            ``{name: tuple of distinct str}`` for (at least) the parents and the child, each as
            long as its axis; the CPD keeps these tuples.

        Examples
        --------
        >>> states = {"rain": ("no", "yes"), "wet": ("dry", "wet")}
        >>> cpd = pl.TabularCPD.from_validated("wet", np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain",), states)
        >>> cpd.table.flags.writeable, cpd.states
        (False, {'rain': ('no', 'yes'), 'wet': ('dry', 'wet')})
        """
        new = object.__new__(cls)
        table.setflags(write=False)
        new._variable = variable
        new._parents = parents = tuple(parents)
        new._table = table
        new._states = {v: states[v] for v in (*parents, variable)} if parents else {variable: states[variable]}
        return new

    @property
    def variable(self) -> str:
        """str: the child variable."""
        return self._variable

    @property
    def parents(self) -> tuple[str, ...]:
        """tuple of str: the conditioning variables, in axis order."""
        return self._parents

    @property
    def table(self) -> np.ndarray:
        """ndarray: ``P(variable | parents)``, axes ``(*parents, variable)`` (read-only).

        To change a table, build a new CPD (``cpd.with_table(new)``) and attach it with
        ``bn.add_cpd``; in-place writes raise ``ValueError: assignment destination is read-only``.
        """
        return self._table

    @property
    def states(self) -> dict[str, tuple[str, ...]]:
        """dict: ``{name: state names}`` of the child and parents (a copy)."""
        return dict(self._states)

    def with_table(self, table: ArrayLike, *, atol: float = 1e-9) -> TabularCPD:
        """Return a CPD with the same variables and states and a new (validated) table.

        Examples
        --------
        >>> cpd = pl.TabularCPD("A", [0.3, 0.7])
        >>> cpd.with_table([0.5, 0.5]).table
        array([0.5, 0.5])
        """
        return TabularCPD(self._variable, table, self._parents, self._states, atol=atol)

    def with_states(self, states: Mapping[str, Sequence[str]]) -> TabularCPD:
        """Return the same table under other state names (same counts; the table is shared).

        Examples
        --------
        >>> pl.TabularCPD("A", [0.3, 0.7]).with_states({"A": ["no", "yes"]}).states
        {'A': ('no', 'yes')}
        """
        names = {v: state_tuple(v, states.get(v, self._states[v]), len(self._states[v]))
                 for v in self.scope}
        if names == self._states:
            return self
        new = object.__new__(TabularCPD)
        new._variable, new._parents, new._table, new._states = (
            self._variable, self._parents, self._table, names)
        return new

    @classmethod
    def from_columns(cls, variable: str, columns: ArrayLike, parents: str | Sequence[str] = (),
                     states: Mapping[str, Any] | None = None, *, atol: float = 1e-9) -> TabularCPD:
        """Build a CPD from the textbook layout: one row per child state, one column per parent
        configuration, the last parent varying fastest (pgmpy's and BIF's ``table`` layout).

        Parameters
        ----------
        variable, parents, states, atol
            As for :class:`TabularCPD`.
        columns : array_like, shape (child cardinality, product of parent cardinalities)
            The table; the parent cardinalities come from ``states`` (default 2 each).

        Examples
        --------
        >>> cpd = pl.TabularCPD.from_columns(
        ...     "G", [[0.3, 0.05, 0.9, 0.5], [0.4, 0.25, 0.08, 0.3], [0.3, 0.7, 0.02, 0.2]],
        ...     parents=["I", "D"])
        >>> cpd.table.shape, cpd.table[0, 1].tolist()   # I = 0, D = 1
        ((2, 2, 3), [0.05, 0.25, 0.7])
        """
        parents = as_variables(parents)
        columns = np.array(columns, dtype=float)
        if columns.ndim == 1:
            columns = columns[:, None]
        states = dict(states or {})
        cards: list[int] = []
        for p in parents:
            names = states.get(p, 2)
            cards.append(int(names) if isinstance(names, (int, np.integer)) else len(names))
        expected = int(np.prod(cards, dtype=np.int64))
        if columns.ndim != 2 or columns.shape[1] != expected:
            raise ShapeError(
                f"CPD for {variable!r} in column layout needs shape (k, {expected}) "
                f"for parents {list(parents)} with cardinalities {tuple(cards)}; got {columns.shape}"
            )
        table = columns.T.reshape(*cards, columns.shape[0])
        return cls(variable, table, parents, states, atol=atol)

    @classmethod
    def from_pgmpy_layout(
        cls,
        variable: str,
        variable_card: int,
        values: ArrayLike,
        evidence: str | Sequence[str] | None = None,
        evidence_card: Sequence[int] | None = None,
        state_names: Mapping[str, Sequence[str]] | None = None,
        *,
        atol: float = 1e-9,
    ) -> TabularCPD:
        """Build a CPD from pgmpy's ``TabularCPD(variable, variable_card, values, evidence, evidence_card)``.

        ``values`` has one row per state of ``variable`` and one column per configuration of
        ``evidence`` (the last parent varying fastest), as in pgmpy; see :meth:`from_columns`.

        Raises
        ------
        ShapeError
            If ``evidence_card`` does not give one cardinality per evidence variable, a
            cardinality disagrees with ``state_names``, or ``values`` has the wrong shape.

        Examples
        --------
        >>> grade = pl.TabularCPD.from_pgmpy_layout(
        ...     "G", 3, [[0.3, 0.05, 0.9, 0.5], [0.4, 0.25, 0.08, 0.3], [0.3, 0.7, 0.02, 0.2]],
        ...     evidence=["I", "D"], evidence_card=[2, 2])
        >>> grade.parents, grade.table[0, 1].tolist()      # P(G | I=0, D=1)
        (('I', 'D'), [0.05, 0.25, 0.7])
        """
        parents = as_variables(evidence or ())
        cards = [int(k) for k in (evidence_card or ())]
        if len(cards) != len(parents):
            raise ShapeError(
                f"CPD for {variable!r}: evidence {list(parents)} needs one cardinality each in "
                f"evidence_card, got {cards}"
            )
        states: dict[str, Any] = {}
        for name, k in [*zip(parents, cards), (variable, int(variable_card))]:
            given = (state_names or {}).get(name)
            states[name] = k if given is None else state_tuple(name, given, k)
        columns = np.array(values, dtype=float)
        if columns.ndim == 1 and not parents:
            columns = columns[:, None]
        if columns.ndim != 2 or columns.shape[0] != int(variable_card):
            raise ShapeError(
                f"CPD for {variable!r} in pgmpy's layout needs values of shape "
                f"({int(variable_card)}, {int(np.prod(cards, dtype=np.int64))}) (variable_card rows, "
                f"one column per configuration of {list(parents)}); got {columns.shape}"
            )
        return cls.from_columns(variable, columns, parents, states, atol=atol)

    @property
    def cardinality(self) -> int:
        """int: number of states of the child."""
        return self.table.shape[-1]

    @property
    def parent_cardinalities(self) -> tuple[int, ...]:
        """tuple of int: number of states of each parent, in ``parents`` order."""
        return self.table.shape[:-1]

    @property
    def columns(self) -> np.ndarray:
        """ndarray: the table in textbook layout, child states x parent configurations."""
        return self.table.reshape(-1, self.cardinality).T

    @property
    def scope(self) -> tuple[str, ...]:
        """tuple: ``(*parents, variable)``, the axes of ``table``."""
        return (*self.parents, self.variable)

    def to_factor(self) -> DiscreteFactor:
        """Return the table as a :class:`DiscreteFactor` over ``(*parents, variable)``.

        Examples
        --------
        >>> pl.TabularCPD("A", [0.3, 0.7]).to_factor()
        <DiscreteFactor ('A',) shape=(2,)>
        """
        return DiscreteFactor.from_validated(self.scope, self._table, self._states)

    def copy(self) -> TabularCPD:
        """Return a copy (the table is read-only, so a copy shares nothing anyone can change)."""
        new = object.__new__(TabularCPD)
        new._variable, new._parents, new._states = self._variable, self._parents, dict(self._states)
        new._table = self._table.copy()
        new._table.flags.writeable = False
        return new

    def __repr__(self) -> str:
        given = f" | {', '.join(self.parents)}" if self.parents else ""
        return f"<TabularCPD P({self.variable}{given}) shape={self.table.shape}>"

    def __str__(self) -> str:
        return self.to_factor().to_text()


_PGMPY_HINT = (
    "; this looks like pgmpy's layout (one row per child state, one column per parent "
    "configuration): build it with TabularCPD.from_columns(variable, values, parents, states) "
    "or TabularCPD.from_pgmpy_layout(variable, variable_card, values, evidence, evidence_card)"
)


def _check_rows(variable: str, parents: tuple[str, ...], table: np.ndarray,
                names: Mapping[str, tuple[str, ...]], atol: float) -> None:
    """Raise ShapeError unless every entry is in [0, 1] and every row sums to one within atol."""
    if table.size == 0:
        raise ShapeError(f"CPD for {variable!r} has an empty table of shape {table.shape}")
    if not np.all(np.isfinite(table)) or table.min() < 0 or table.max() > 1 + atol:
        bad = np.argwhere(~np.isfinite(table) | (table < 0) | (table > 1 + atol))[0]
        raise ShapeError(
            f"CPD for {variable!r} has entry {float(table[tuple(bad)])!r} outside [0, 1] at "
            f"{_describe(variable, parents, names, bad[:-1])}"
        )
    sums = table.sum(axis=-1)
    off = np.abs(sums - 1.0) > atol
    if off.any():
        bad = np.argwhere(off)[0]
        columns_sum_to_one = table.ndim == 2 and bool(np.all(np.abs(table.sum(axis=0) - 1.0) <= atol))
        raise ShapeError(
            f"CPD for {variable!r}: row {_describe(variable, parents, names, bad)} sums to "
            f"{float(sums[tuple(bad)])!r}, not 1 (tolerance {atol})"
            + (_PGMPY_HINT if columns_sum_to_one and parents else "")
        )


def _describe(variable: str, parents: tuple[str, ...], names: Mapping[str, tuple[str, ...]],
              codes: Any) -> str:
    """Human form of a parent configuration, e.g. ``P(grade | diff=hard, intel=low)``."""
    if not parents:
        return f"P({variable})"
    config = ", ".join(f"{p}={names[p][int(c)]}" for p, c in zip(parents, codes))
    return f"P({variable} | {config})"


def iter_parent_configurations(cpd: TabularCPD) -> Iterator[tuple[tuple[str, ...], np.ndarray]]:
    """Yield ``(state names of the parents, row)`` for every parent configuration of ``cpd``."""
    rows = cpd.table.reshape(-1, cpd.cardinality)
    combos = itertools.product(*(cpd.states[p] for p in cpd.parents))
    yield from zip(combos, rows)
