"""DiscreteFactor: a table over named discrete variables, with the algebra inference is built from."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._states import as_table, as_variables, default_state_names, state_index, state_tuple
from .exceptions import ShapeError, StructureError, VariableNotFoundError, ZeroEvidenceError

__all__ = ["DiscreteFactor", "default_state_names", "state_index"]


class DiscreteFactor:
    """A non-negative table over named discrete variables.

    Axis ``i`` of ``values`` belongs to ``variables[i]`` (C order: the last variable cycles
    fastest when the table is flattened). Operations return new factors; the variable order of
    a result is first-seen order, never hash order.

    Parameters
    ----------
    variables : sequence of str
        Names of the axes.
    values : array_like
        Table with one axis per variable; its shape gives the cardinalities.
    states : dict, optional
        ``{variable: sequence of state names}``; missing variables get ``"0".."k-1"``.

    Raises
    ------
    ShapeError
        If ``values`` has the wrong number of axes, negative or non-finite entries, or state names
        whose count does not match the cardinality.
    StructureError
        If a variable appears twice.

    Examples
    --------
    >>> phi = pl.DiscreteFactor(["A", "B"], [[1, 2, 3], [4, 5, 6]])
    >>> phi
    <DiscreteFactor ('A', 'B') shape=(2, 3)>
    >>> float(phi.values[1, 0])     # A = 1, B = 0
    4.0
    >>> phi.marginalize(["B"]).values
    array([ 6., 15.])
    >>> print(phi.reduce({"B": "2"}))
    A | value
    --+------
    0 | 3
    1 | 6
    """

    __slots__ = ("_variables", "_values", "_states")
    __hash__ = None  # type: ignore[assignment]  # compared with allclose, never hashed

    _variables: tuple[str, ...]
    _values: np.ndarray
    _states: dict[str, tuple[str, ...]]

    def __init__(self, variables: str | Sequence[str], values: ArrayLike,
                 states: Mapping[str, Any] | None = None) -> None:
        variables = as_variables(variables)
        values = as_table(values, f"the values of the factor over {variables}")
        if values.ndim != len(variables):
            raise ShapeError(
                f"factor over {variables} needs a table with {len(variables)} axes, "
                f"got shape {values.shape}"
            )
        if len(set(variables)) != len(variables):
            dupes = sorted({v for v in variables if variables.count(v) > 1})
            raise StructureError(f"factor lists variable(s) {dupes} more than once")
        if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
            raise ShapeError(f"factor over {variables} has negative or non-finite entries")
        states = dict(states or {})
        unknown = [v for v in states if v not in variables]
        if unknown:
            raise VariableNotFoundError(
                f"state names given for {unknown}, which are not in the factor's variables {list(variables)}"
            )
        values.flags.writeable = False
        self._variables = variables
        self._values = values
        self._states = {
            v: state_tuple(v, states.get(v, k), k) for v, k in zip(variables, values.shape)
        }

    @classmethod
    def from_validated(
        cls,
        variables: Sequence[str],
        values: np.ndarray,
        states: Mapping[str, tuple[str, ...]],
    ) -> DiscreteFactor:
        """Build a factor without validation or copies (engines; callers guarantee consistency).

        ``values`` is made read-only in place; pass an array nobody else writes to. A ``states``
        dict over exactly ``variables``, in that order, is kept as it is (not copied): do not
        change it afterwards.

        Examples
        --------
        >>> f = pl.DiscreteFactor.from_validated(["A"], np.array([1.0, 3.0]), {"A": ("0", "1")})
        >>> f.values.flags.writeable
        False
        """
        self = object.__new__(cls)
        names = self._variables = variables if variables.__class__ is tuple else tuple(variables)
        if values.flags.writeable:
            values.flags.writeable = False
        self._values = values
        # a dict over exactly these variables, in order, is shared: a factor never changes its
        # own (``states`` hands out copies)
        self._states = states if states.__class__ is dict and tuple(states) == names else \
            {v: states[v] for v in names}
        return self

    @property
    def variables(self) -> tuple[str, ...]:
        """tuple of str: the variables, one per axis of ``values``."""
        return self._variables

    @property
    def values(self) -> np.ndarray:
        """ndarray: the table (read-only; build a new factor to change it)."""
        return self._values

    @property
    def states(self) -> dict[str, tuple[str, ...]]:
        """dict: ``{variable: state names}`` in ``variables`` order (a copy)."""
        return dict(self._states)

    def with_states(self, states: Mapping[str, Sequence[str]]) -> DiscreteFactor:
        """Return the same table with other state names (same counts; the table is shared).

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [1, 2]).with_states({"A": ["lo", "hi"]}).states
        {'A': ('lo', 'hi')}
        """
        names = {v: state_tuple(v, states.get(v, self._states[v]), len(self._states[v]))
                 for v in self._variables}
        if names == self._states:
            return self
        return DiscreteFactor.from_validated(self._variables, self._values, names)

    def with_values(self, values: ArrayLike) -> DiscreteFactor:
        """Return a factor with the same scope and states and a new table (validated, copied).

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [1, 2]).with_values([3, 4]).values
        array([3., 4.])
        """
        return DiscreteFactor(self._variables, values, self._states)

    # -- basic properties -------------------------------------------------------------------
    @property
    def cardinality(self) -> dict[str, int]:
        """dict: number of states of each variable, in ``variables`` order."""
        return dict(zip(self.variables, self.values.shape))

    @property
    def shape(self) -> tuple[int, ...]:
        """tuple: shape of ``values``."""
        return self.values.shape

    def __repr__(self) -> str:
        return f"<DiscreteFactor {self.variables} shape={self.values.shape}>"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        from .render._html import factor_html

        return factor_html(self)

    def copy(self) -> DiscreteFactor:
        """Return a copy (the table is read-only, so a copy shares nothing anyone can change)."""
        return DiscreteFactor.from_validated(self._variables, self._values.copy(), self._states)

    def _axis(self, variable: str) -> int:
        try:
            return self.variables.index(variable)
        except ValueError:
            raise VariableNotFoundError(
                f"variable {variable!r} is not in the factor; its variables are {list(self.variables)}"
            ) from None

    def state_index(self, variable: str, state: Any) -> int:
        """Return the code of ``state`` (name or index) of ``variable``.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.2, 0.8], {"A": ["no", "yes"]}).state_index("A", "yes")
        1
        """
        self._axis(variable)
        return state_index(variable, self._states[variable], state)

    # -- algebra ----------------------------------------------------------------------------
    def _check_compatible(self, other: DiscreteFactor) -> None:
        for v in set(self.variables) & set(other.variables):
            if self._states[v] != other.states[v]:
                raise ShapeError(
                    f"variable {v!r} has states {list(self._states[v])} in one factor "
                    f"and {list(other.states[v])} in the other"
                )

    def broadcast_to(self, order: Sequence[str]) -> np.ndarray:
        """Values transposed to ``order`` (a superset of our variables) with size-1 axes added."""
        mine = [v for v in order if v in self._states]
        arr = self.values.transpose([self.variables.index(v) for v in mine])
        shape = [self.values.shape[self.variables.index(v)] if v in self._states else 1 for v in order]
        return arr.reshape(shape)

    def product(self, other: DiscreteFactor | float) -> DiscreteFactor:
        """Multiply by another factor (or a number); the result spans both scopes.

        Examples
        --------
        >>> a = pl.DiscreteFactor(["A"], [0.5, 2.0])
        >>> b = pl.DiscreteFactor(["B", "A"], [[1.0, 1.0], [3.0, 0.0]])
        >>> ab = a.product(b)
        >>> ab.variables, ab.values.tolist()
        (('A', 'B'), [[0.5, 1.5], [2.0, 0.0]])
        """
        if not isinstance(other, DiscreteFactor):
            return DiscreteFactor.from_validated(self.variables, self.values * float(other), self._states)
        self._check_compatible(other)
        order = tuple(dict.fromkeys(self.variables + other.variables))
        values = self.broadcast_to(order) * other.broadcast_to(order)
        return DiscreteFactor.from_validated(order, values, {**self._states, **other.states})

    __mul__ = product
    __rmul__ = product

    def divide(self, other: DiscreteFactor) -> DiscreteFactor:
        """Divide by a factor whose scope is contained in ours; ``0 / 0`` is taken as 0.

        Examples
        --------
        >>> ab = pl.DiscreteFactor(["A", "B"], [[1.0, 3.0], [0.0, 0.0]])
        >>> ab.divide(ab.marginalize(["B"])).values.tolist()
        [[0.25, 0.75], [0.0, 0.0]]
        """
        missing = [v for v in other.variables if v not in self._states]
        if missing:
            raise VariableNotFoundError(
                f"cannot divide: {missing} are not in the dividend's variables {list(self.variables)}"
            )
        self._check_compatible(other)
        denominator = other.broadcast_to(self.variables)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denominator == 0, 0.0, self.values / denominator)
        return DiscreteFactor.from_validated(self.variables, values, self._states)

    __truediv__ = divide

    def _reduce_axes(self, variables: str | Sequence[str], ufunc: Any) -> DiscreteFactor:
        variables = as_variables(variables)
        axes = tuple(self._axis(v) for v in variables)
        keep = tuple(v for v in self.variables if v not in variables)
        return DiscreteFactor.from_validated(keep, ufunc(self.values, axis=axes), self._states)

    def marginalize(self, variables: str | Sequence[str]) -> DiscreteFactor:
        """Sum out ``variables`` and return a new factor.

        Parameters
        ----------
        variables : iterable of str
            Variables to remove; each must be in ``self.variables``.

        Returns
        -------
        DiscreteFactor
            Factor over the remaining variables, in their original order.

        Raises
        ------
        VariableNotFoundError
            If a variable is not in the factor's scope.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(("A", "B"), np.arange(6.0).reshape(2, 3))
        >>> phi.marginalize(["B"]).values
        array([ 3., 12.])
        """
        return self._reduce_axes(variables, np.sum)

    def maximize(self, variables: str | Sequence[str]) -> DiscreteFactor:
        """Max out ``variables`` (max-product elimination) and return a new factor.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(("A", "B"), np.arange(6.0).reshape(2, 3))
        >>> phi.maximize(["A"]).values
        array([3., 4., 5.])
        """
        return self._reduce_axes(variables, np.max)

    def reduce(self, evidence: Mapping[str, Any]) -> DiscreteFactor:
        """Fix some variables to observed states and drop their axes.

        Parameters
        ----------
        evidence : dict
            ``{variable: state}`` where a state is a name or an integer index.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]], {"B": ["lo", "hi"]})
        >>> phi.reduce({"B": "hi"}).values
        array([2., 4.])
        """
        index: list[int | slice] = [slice(None)] * len(self.variables)
        for var, state in evidence.items():
            index[self._axis(var)] = self.state_index(var, state)
        keep = tuple(v for v in self.variables if v not in evidence)
        return DiscreteFactor.from_validated(keep, self.values[tuple(index)], self._states)

    def normalize(self) -> DiscreteFactor:
        """Return the factor scaled to sum to one.

        Raises
        ------
        ZeroEvidenceError
            If every entry is zero.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [1.0, 3.0]).normalize().values
        array([0.25, 0.75])
        """
        total = self.values.sum()
        if total <= 0:
            raise ZeroEvidenceError(f"factor over {self.variables} sums to zero; it cannot be normalised")
        return DiscreteFactor.from_validated(self.variables, self.values / total, self._states)

    def transpose(self, variables: str | Sequence[str]) -> DiscreteFactor:
        """Return the same factor with its axes in the order of ``variables``.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(["A", "B"], [[1, 2, 3], [4, 5, 6]])
        >>> phi.transpose(["B", "A"]).values.shape
        (3, 2)
        """
        variables = as_variables(variables)
        if sorted(variables) != sorted(self.variables) or len(set(variables)) != len(variables):
            raise VariableNotFoundError(
                f"transpose needs a permutation of {list(self.variables)}, got {list(variables)}"
            )
        values = self.values.transpose([self.variables.index(v) for v in variables])
        return DiscreteFactor.from_validated(variables, values, self._states)

    def sum(self) -> float:
        """Return the sum of all entries as a float."""
        return float(self.values.sum())

    def allclose(self, other: object, atol: float = 1e-9) -> bool:
        """Whether ``other`` has the same scope and states and values within ``atol`` (any axis order).

        Examples
        --------
        >>> a = pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]])
        >>> a.allclose(a.transpose(["B", "A"]))
        True
        """
        if not isinstance(other, DiscreteFactor) or set(self.variables) != set(other.variables):
            return False
        if any(self._states[v] != other.states[v] for v in self.variables):
            return False
        aligned = other.transpose(self.variables).values
        return bool(np.allclose(self.values, aligned, rtol=0.0, atol=atol))

    def value(self, assignment: Mapping[str, Any]) -> float:
        """Return the entry at a full assignment ``{variable: state}``.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.2, 0.8], {"A": ["no", "yes"]}).value({"A": "yes"})
        0.8
        """
        missing = [v for v in self.variables if v not in assignment]
        if missing:
            raise VariableNotFoundError(f"assignment misses variables {missing}")
        return float(self.values[tuple(self.state_index(v, assignment[v]) for v in self.variables)])

    def argmax(self) -> dict[str, str]:
        """Return the assignment ``{variable: state name}`` of the largest entry (first on ties).

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.2, 0.8], {"A": ["no", "yes"]}).argmax()
        {'A': 'yes'}
        """
        codes = np.unravel_index(int(np.argmax(self.values)), self.values.shape)
        return {v: self._states[v][int(c)] for v, c in zip(self.variables, codes)}

    # -- presentation -----------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[tuple[str, ...], float]]:
        """Yield ``(state names tuple, value)`` for every entry, last variable fastest."""
        flat = self.values.ravel()
        combos = itertools.product(*(self._states[v] for v in self.variables))
        for combo, value in zip(combos, flat):
            yield combo, float(value)

    def to_text(self, *, digits: int = 4, max_rows: int = 64) -> str:
        """Return a plain-text table of the factor (what ``print`` shows)."""
        header = [*self.variables, "value"]
        body = [[*combo, f"{value:.{digits}g}"] for combo, value in itertools.islice(self.rows(), max_rows)]
        widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        out = [line(header), "-+-".join("-" * w for w in widths)] + [line(r) for r in body]
        if self.values.size > max_rows:
            out.append(f"... ({self.values.size - max_rows} more rows)")
        return "\n".join(out)

    def to_dataframe(self, *, name: str = "value") -> Any:
        """Return a pandas DataFrame with one column per variable (state names) and ``name``.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.25, 0.75]).to_dataframe()
           A  value
        0  0   0.25
        1  1   0.75
        """
        import pandas as pd

        index = list(itertools.product(*(self._states[v] for v in self.variables)))
        frame = pd.DataFrame(index, columns=list(self.variables))
        frame[name] = self.values.ravel()
        return frame

    @property
    def size(self) -> int:
        """int: number of entries (exact, as a Python int)."""
        return math.prod(self.values.shape)
