"""DiscreteFactor: a table over named discrete variables, with the algebra inference is built from."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .exceptions import ShapeError, StructureError, VariableNotFoundError, ZeroEvidenceError

__all__ = ["DiscreteFactor", "default_state_names", "state_index"]


def default_state_names(cardinality):
    """Return the default state names ``("0", "1", ..., "k-1")``.

    Examples
    --------
    >>> default_state_names(3)
    ('0', '1', '2')
    """
    return tuple(str(i) for i in range(cardinality))


def _as_variables(variables):
    """Normalise a variable list: a lone string is one variable, not a sequence of letters."""
    if isinstance(variables, str):
        return (variables,)
    return tuple(variables)


def _state_tuple(variable, names, cardinality=None):
    """Validate a sequence of state names for ``variable`` and return it as a tuple of str."""
    if isinstance(names, (int, np.integer)) and not isinstance(names, bool):
        if names < 1:
            raise ShapeError(f"variable {variable!r} needs at least one state, got {names}")
        names = default_state_names(int(names))
    elif isinstance(names, str):
        raise ShapeError(
            f"states of {variable!r} must be a sequence of names, got the single string {names!r}"
        )
    names = tuple(str(s) for s in names)
    if len(set(names)) != len(names):
        dupes = sorted({s for s in names if names.count(s) > 1})
        raise ShapeError(f"variable {variable!r} has duplicate state names {dupes}")
    if cardinality is not None and len(names) != cardinality:
        raise ShapeError(
            f"variable {variable!r} has {cardinality} states in its table "
            f"but {len(names)} state names {list(names)}"
        )
    return names


def state_index(variable, names, state):
    """Return the integer code of ``state`` (a name, or an index) among ``names``.

    Examples
    --------
    >>> state_index("smoke", ("yes", "no"), "no")
    1
    >>> state_index("smoke", ("yes", "no"), 0)
    0
    """
    if isinstance(state, str):
        try:
            return names.index(state)
        except ValueError:
            raise VariableNotFoundError(
                f"unknown state {state!r} of variable {variable!r}; choose from {list(names)}"
            ) from None
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
        if 0 <= state < len(names):
            return int(state)
        raise VariableNotFoundError(
            f"state index {state} of variable {variable!r} is out of range; "
            f"it has {len(names)} states {list(names)}"
        )
    raise VariableNotFoundError(
        f"state of variable {variable!r} must be a name or an index, got {state!r}; "
        f"choose from {list(names)}"
    )


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

    __slots__ = ("variables", "values", "states")
    __hash__ = None  # a mutable table must not be hashable

    def __init__(self, variables, values, states=None):
        variables = _as_variables(variables)
        values = np.array(values, dtype=float)
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
        self.variables = variables
        self.values = values
        self.states = {
            v: _state_tuple(v, states.get(v, k), k) for v, k in zip(variables, values.shape)
        }

    @classmethod
    def _from_parts(cls, variables, values, states):
        """Build a factor without validation or copies (hot paths; callers guarantee consistency)."""
        self = object.__new__(cls)
        self.variables = tuple(variables)
        self.values = values
        self.states = {v: states[v] for v in self.variables}
        return self

    # -- basic properties -------------------------------------------------------------------
    @property
    def cardinality(self):
        """dict: number of states of each variable, in ``variables`` order."""
        return dict(zip(self.variables, self.values.shape))

    @property
    def shape(self):
        """tuple: shape of ``values``."""
        return self.values.shape

    def __repr__(self):
        return f"<DiscreteFactor {self.variables} shape={self.values.shape}>"

    def __str__(self):
        return self.to_text()

    def _repr_html_(self):
        from .render import _factor_html

        return _factor_html(self)

    def copy(self):
        """Return a deep copy."""
        return DiscreteFactor._from_parts(self.variables, self.values.copy(), self.states)

    def _axis(self, variable):
        try:
            return self.variables.index(variable)
        except ValueError:
            raise VariableNotFoundError(
                f"variable {variable!r} is not in the factor; its variables are {list(self.variables)}"
            ) from None

    def state_index(self, variable, state):
        """Return the code of ``state`` (name or index) of ``variable``.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.2, 0.8], {"A": ["no", "yes"]}).state_index("A", "yes")
        1
        """
        self._axis(variable)
        return state_index(variable, self.states[variable], state)

    # -- algebra ----------------------------------------------------------------------------
    def _check_compatible(self, other):
        for v in set(self.variables) & set(other.variables):
            if self.states[v] != other.states[v]:
                raise ShapeError(
                    f"variable {v!r} has states {list(self.states[v])} in one factor "
                    f"and {list(other.states[v])} in the other"
                )

    def _broadcast(self, order):
        """Values transposed to ``order`` (a superset of our variables) with size-1 axes added."""
        mine = [v for v in order if v in self.states]
        arr = self.values.transpose([self.variables.index(v) for v in mine])
        shape = [self.values.shape[self.variables.index(v)] if v in self.states else 1 for v in order]
        return arr.reshape(shape)

    def product(self, other):
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
            return DiscreteFactor._from_parts(self.variables, self.values * float(other), self.states)
        self._check_compatible(other)
        order = tuple(dict.fromkeys(self.variables + other.variables))
        values = self._broadcast(order) * other._broadcast(order)
        return DiscreteFactor._from_parts(order, values, {**self.states, **other.states})

    __mul__ = product
    __rmul__ = product

    def divide(self, other):
        """Divide by a factor whose scope is contained in ours; ``0 / 0`` is taken as 0.

        Examples
        --------
        >>> ab = pl.DiscreteFactor(["A", "B"], [[1.0, 3.0], [0.0, 0.0]])
        >>> ab.divide(ab.marginalize(["B"])).values.tolist()
        [[0.25, 0.75], [0.0, 0.0]]
        """
        missing = [v for v in other.variables if v not in self.states]
        if missing:
            raise VariableNotFoundError(
                f"cannot divide: {missing} are not in the dividend's variables {list(self.variables)}"
            )
        self._check_compatible(other)
        denominator = other._broadcast(self.variables)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denominator == 0, 0.0, self.values / denominator)
        return DiscreteFactor._from_parts(self.variables, values, self.states)

    __truediv__ = divide

    def _reduce_axes(self, variables, ufunc):
        variables = _as_variables(variables)
        axes = tuple(self._axis(v) for v in variables)
        keep = tuple(v for v in self.variables if v not in variables)
        return DiscreteFactor._from_parts(keep, ufunc(self.values, axis=axes), self.states)

    def marginalize(self, variables):
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

    def maximize(self, variables):
        """Max out ``variables`` (max-product elimination) and return a new factor.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(("A", "B"), np.arange(6.0).reshape(2, 3))
        >>> phi.maximize(["A"]).values
        array([3., 4., 5.])
        """
        return self._reduce_axes(variables, np.max)

    def reduce(self, evidence):
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
        index = [slice(None)] * len(self.variables)
        for var, state in evidence.items():
            index[self._axis(var)] = self.state_index(var, state)
        keep = tuple(v for v in self.variables if v not in evidence)
        return DiscreteFactor._from_parts(keep, self.values[tuple(index)], self.states)

    def normalize(self):
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
        return DiscreteFactor._from_parts(self.variables, self.values / total, self.states)

    def transpose(self, variables):
        """Return the same factor with its axes in the order of ``variables``.

        Examples
        --------
        >>> phi = pl.DiscreteFactor(["A", "B"], [[1, 2, 3], [4, 5, 6]])
        >>> phi.transpose(["B", "A"]).values.shape
        (3, 2)
        """
        variables = _as_variables(variables)
        if sorted(variables) != sorted(self.variables) or len(set(variables)) != len(variables):
            raise VariableNotFoundError(
                f"transpose needs a permutation of {list(self.variables)}, got {list(variables)}"
            )
        values = self.values.transpose([self.variables.index(v) for v in variables])
        return DiscreteFactor._from_parts(variables, values, self.states)

    def sum(self):
        """Return the sum of all entries as a float."""
        return float(self.values.sum())

    def allclose(self, other, atol=1e-9):
        """Whether ``other`` has the same scope and states and values within ``atol`` (any axis order).

        Examples
        --------
        >>> a = pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]])
        >>> a.allclose(a.transpose(["B", "A"]))
        True
        """
        if not isinstance(other, DiscreteFactor) or set(self.variables) != set(other.variables):
            return False
        if any(self.states[v] != other.states[v] for v in self.variables):
            return False
        aligned = other.transpose(self.variables).values
        return bool(np.allclose(self.values, aligned, rtol=0.0, atol=atol))

    def value(self, assignment):
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

    def argmax(self):
        """Return the assignment ``{variable: state name}`` of the largest entry (first on ties).

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.2, 0.8], {"A": ["no", "yes"]}).argmax()
        {'A': 'yes'}
        """
        codes = np.unravel_index(int(np.argmax(self.values)), self.values.shape)
        return {v: self.states[v][int(c)] for v, c in zip(self.variables, codes)}

    # -- presentation -----------------------------------------------------------------------
    def rows(self):
        """Yield ``(state names tuple, value)`` for every entry, last variable fastest."""
        flat = self.values.ravel()
        combos = itertools.product(*(self.states[v] for v in self.variables))
        for combo, value in zip(combos, flat):
            yield combo, float(value)

    def to_text(self, *, digits=4, max_rows=64):
        """Return a plain-text table of the factor (what ``print`` shows)."""
        header = [*self.variables, "value"]
        body = [[*combo, f"{value:.{digits}g}"] for combo, value in itertools.islice(self.rows(), max_rows)]
        widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        out = [line(header), "-+-".join("-" * w for w in widths)] + [line(r) for r in body]
        if self.values.size > max_rows:
            out.append(f"... ({self.values.size - max_rows} more rows)")
        return "\n".join(out)

    def to_dataframe(self, *, name="value"):
        """Return a pandas DataFrame with one column per variable (state names) and ``name``.

        Examples
        --------
        >>> pl.DiscreteFactor(["A"], [0.25, 0.75]).to_dataframe()
           A  value
        0  0   0.25
        1  1   0.75
        """
        import pandas as pd

        index = list(itertools.product(*(self.states[v] for v in self.variables)))
        frame = pd.DataFrame(index, columns=list(self.variables))
        frame[name] = self.values.ravel()
        return frame

    @property
    def size(self):
        """int: number of entries (exact, as a Python int)."""
        return math.prod(self.values.shape)
