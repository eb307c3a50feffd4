"""The learners' view of a data table: which columns are observed, latent or extra, and their codes.

Every learner (``fit`` of a BayesianNetwork or MarkovNetwork, ``fit_em``, ``log_likelihood``) reads
its data through :func:`prepare`, which settles three questions once, at the boundary:

* extra columns (not variables of the model) are an error naming them, or dropped with
  ``ignore_extra=True``;
* a variable whose column is absent or entirely missing is *latent* where the caller allows it
  (EM); a variable declared latent must not have observed values;
* a variable that still has the default state names ``"0".."k-1"`` (a structure built from edges
  alone) takes its state names from the data when the data's values are not such names: a
  Categorical's categories, else the sorted distinct values, as pgmpy does.

The codes themselves come from the one encoder, :func:`pgm_lite._data.encode_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._data import MISSING, code_dtype, encode_columns
from .._states import is_default_names
from .._validate import check_variables, format_choices
from ..exceptions import PGMError, VariableNotFoundError

__all__ = ["Prepared", "prepare"]


class Prepared:
    """What :func:`prepare` returns.

    Attributes
    ----------
    states : dict
        ``{variable: state names}`` for every model variable (data-derived names where they apply).
    changed : list of str
        Variables whose state names differ from the model's.
    latent : list of str
        Variables with no observed value (never observed), in model order.
    codes : ndarray
        ``(n_variables, n_rows)`` codes in model order; ``-1`` marks a missing value.
    """

    def __init__(self, states: dict[str, tuple[str, ...]], changed: list[str], latent: list[str],
                 codes: np.ndarray) -> None:
        self.states, self.changed, self.latent, self.codes = states, changed, latent, codes


def _labels(column: Any) -> tuple[str, ...]:
    """State names the data suggests for one column: categories, else sorted distinct values."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):  # iterating yields Python scalars, as tolist() does
        return tuple(map(str, column.array.categories))
    values = column.dropna().unique().tolist()
    try:
        values = sorted(values)
    except TypeError:  # mixed types: order by their string form
        values = sorted(values, key=str)
    return tuple(dict.fromkeys(_name(v) for v in values))


def _name(value: Any) -> str:
    """Return a data value's state name: ``2``, ``2.0`` and ``np.int8(2)`` are all ``"2"``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _as_names(column: Any) -> Any:
    """Return the column as strings (missing values kept): the encoder then matches names, never codes."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(object).map(lambda x: None if pd.isna(x) else _name(x))
    return column.map(lambda x: None if pd.isna(x) else _name(x))


def _declared_latent(model: Any, latent: Any) -> dict[str, Any]:
    """``latent`` as ``{variable: None or state spec}``."""
    if latent is None:
        return {}
    if isinstance(latent, Mapping):
        check_variables(list(latent), model.state_names)
        return dict(latent)
    names = check_variables(latent, model.state_names)
    return dict.fromkeys(names)


def _latent_states(model: Any, v: str, spec: Any) -> tuple[str, ...]:
    if spec is None:
        return model.states(v)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            raise PGMError(f"latent variable {v!r} needs at least one state, got latent={{{v!r}: {spec}}}")
        return tuple(str(i) for i in range(int(spec)))
    if isinstance(spec, str) or not isinstance(spec, Sequence):
        raise PGMError(f"latent={{{v!r}: ...}} must be a number of states or a list of state names, got {spec!r}")
    return tuple(str(s) for s in spec)


def prepare(model: Any, data: Any, *, allow_latent: bool = False, latent: Any = None,
            ignore_extra: bool = False, allow_missing: bool = False, allow_empty: bool = False) -> Prepared:
    """Split ``data`` into observed and latent variables, settle state names, encode the codes.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    data : pandas.DataFrame or array_like
        Arrays are integer codes (or names) for every variable, in ``model.variables`` order.
    allow_latent : bool
        Whether absent / entirely missing columns make their variable latent (else they are errors).
    latent : list of str or dict, optional
        Variables declared latent, optionally with their states (``{"Z": 3}``).
    ignore_extra : bool
        Drop columns that are not variables of the model instead of raising.
    allow_missing : bool
        Whether NaN / None values are allowed in observed columns.
    allow_empty : bool
        Whether a table without rows is fine (else PGMError: nothing to learn from).
    """
    declared = _declared_latent(model, latent)
    if not hasattr(data, "columns"):
        if declared:
            raise PGMError("latent= needs the data as a pandas.DataFrame with named columns")
        codes = encode_columns(model, data, allow_missing=allow_missing, allow_empty=allow_empty)
        return Prepared(dict(model.state_names), [], [], codes)
    frame = data.set_axis([c if isinstance(c, str) else str(c) for c in data.columns], axis=1)
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise PGMError(f"data has duplicate column name(s) {dupes}")
    variables = model.variables
    extra = [c for c in frame.columns if c not in model.state_names]
    if extra and not ignore_extra:
        raise VariableNotFoundError(
            f"data has column(s) {extra} that are not variables of the model (pass ignore_extra=True "
            f"to drop them); valid columns: {format_choices(variables)}")
    present = {c for c in frame.columns if c in model.state_names}
    empty = [v for v in variables if v in present and len(frame) and bool(frame[v].isna().all())]
    for v in declared:
        if v in present and v not in empty:
            raise PGMError(f"latent variable {v!r} has observed values in column {v!r}; a latent variable "
                           "is never observed: drop the column, or leave it out of latent= and let EM "
                           "fill in its missing values")
    hidden = [v for v in variables if v in declared or v not in present or v in empty]
    if hidden and not allow_latent:
        absent = [v for v in hidden if v not in present]
        if absent:
            raise VariableNotFoundError(f"data lacks column(s) {absent}")
        raise PGMError(f"column {hidden[0]!r} has no observed value (all missing)")
    states = dict(model.state_names)
    for v in hidden:
        states[v] = _latent_states(model, v, declared.get(v))
    observed = [v for v in variables if v not in hidden]
    scopes = [c.scope for c in model.cpds()] if model.is_directed else [f.variables for f in model.factors()]
    tabled = {v for scope in scopes for v in scope}
    columns = {}
    for v in observed:
        column = frame[v]
        if v not in tabled and is_default_names(states[v]):
            labels = _labels(column)
            if not set(labels) <= set(states[v]):
                states[v], column = labels, _as_names(column)
        columns[v] = column
    changed = [v for v in variables if states[v] != model.states(v)]
    codes = _codes(states, frame, columns, variables, observed, allow_missing)
    if codes.shape[1] == 0 and not allow_empty:
        raise PGMError("data has no rows; nothing to learn from")
    return Prepared(states, changed, hidden, codes)


def _codes(states: dict[str, tuple[str, ...]], frame: Any, columns: dict[str, Any], variables: list[str],
           observed: list[str], allow_missing: bool) -> np.ndarray:
    """(d, n) codes of every variable in the encoder's small dtype, ``MISSING`` for the hidden ones."""
    dtype = code_dtype(max(map(len, states.values()), default=2))
    if not observed:
        return np.full((len(variables), len(frame)), MISSING, dtype=dtype)
    import pandas as pd

    table = encode_columns(_StatesView(states), pd.DataFrame(columns, index=frame.index, copy=False),
                           variables=observed, allow_missing=allow_missing, allow_empty=True)
    if len(observed) == len(variables):  # the encoder's codes as they are, no copy
        return table.astype(dtype, copy=False)
    codes = np.full((len(variables), len(frame)), MISSING, dtype=dtype)
    index = {v: j for j, v in enumerate(variables)}
    codes[[index[v] for v in observed]] = table
    return codes


class _StatesView:
    """The little of the model protocol the encoder reads: ``variables`` and ``states(v)``."""

    def __init__(self, states: dict[str, tuple[str, ...]]) -> None:
        self._states = states
        self.variables = list(states)

    def states(self, variable: str) -> tuple[str, ...]:
        return self._states[variable]
