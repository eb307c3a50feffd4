"""Turn user tables (DataFrames of state names or codes, integer arrays) into integer codes.

The one encoder. :func:`encode_columns` is the learners' and samplers' layout: one contiguous row
of codes per variable, in the smallest integer dtype that holds every state (:func:`code_dtype`);
:func:`encode_table` gives the same codes as ``(n_rows, n_variables)`` int64 for the query side.
Each column is read once: a Categorical's codes (remapped only if its categories differ from the
states), one hash per cell for strings, one ``bincount`` over the distinct values of a numeric
column; integer arrays are checked with one min/max pass and transposed in cache-sized blocks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import tuning
from ._validate import format_choices
from .exceptions import PGMError, ShapeError, VariableNotFoundError

__all__ = ["MISSING", "code_dtype", "encode_columns", "encode_table", "label_codes"]

MISSING = -1  # code of a missing value when ``allow_missing=True``


def code_dtype(cardinality: int) -> type[np.signedinteger[Any]]:
    """Smallest signed integer dtype holding the codes ``-1 .. cardinality - 1``.

    Examples
    --------
    >>> code_dtype(2), code_dtype(200)
    (<class 'numpy.int8'>, <class 'numpy.int16'>)
    """
    return np.int8 if cardinality <= 127 else np.int16 if cardinality <= 32767 else np.int32


def encode_table(model: Any, data: Any, *, variables: Sequence[str] | None = None,
                 allow_missing: bool = False) -> np.ndarray:
    """Return an ``(n_rows, len(variables))`` int array of state codes.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Supplies the state names.
    data : pandas.DataFrame or array_like
        A DataFrame with one column per variable (state names; a numeric column is read by the
        string form of its numbers when every number spells a state name — ``1`` is state
        ``"1"`` — and otherwise as integer codes ``0..k-1``; extra or missing columns are errors), or an integer array whose columns follow ``variables``.
    variables : sequence of str, optional
        Which variables (and column order) to encode; default ``model.variables``.
    allow_missing : bool, optional
        Encode NaN/None as ``MISSING`` (-1) instead of raising.

    Raises
    ------
    VariableNotFoundError
        Unknown or missing columns, unknown states (the message names the column and value).

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "B")], states={"A": ["no", "yes"]})
    >>> import pandas as pd
    >>> encode_table(bn, pd.DataFrame({"A": ["yes", "no"], "B": [1, 0]})).tolist()
    [[1, 1], [0, 0]]
    """
    codes = encode_columns(model, data, variables=variables, allow_missing=allow_missing, allow_empty=True)
    return codes.T.astype(np.int64)


def encode_columns(model: Any, data: Any, *, variables: Sequence[str] | None = None,
                   allow_missing: bool = False, allow_empty: bool = False) -> np.ndarray:
    """Return the data's codes as a ``(len(variables), n_rows)`` array, one contiguous row per variable.

    Same reading rules and errors as :func:`encode_table`; the dtype is
    ``code_dtype(largest cardinality)`` (int8 up to 127 states). ``allow_empty=False`` refuses a
    table without rows (PGMError: nothing to learn from).

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "B")], states={"A": ["no", "yes"]})
    >>> codes = encode_columns(bn, np.array([[1, 0], [0, 1], [1, 1]]))
    >>> codes.tolist(), codes.dtype
    ([[1, 0, 1], [0, 1, 1]], dtype('int8'))
    """
    variables = list(model.variables if variables is None else variables)
    dtype = code_dtype(max((len(model.states(v)) for v in variables), default=2))
    if hasattr(data, "columns"):
        codes = _encode_frame(model, data, variables, allow_missing, dtype)
    else:
        codes = _encode_array(model, data, variables, allow_missing, dtype)
    if codes.shape[1] == 0 and not allow_empty:
        raise PGMError("data has no rows; nothing to learn from")
    return codes


def _frame_columns(data: Any, variables: list[str]) -> dict[str, int]:
    """``{variable: column position}``; raise for duplicate, unknown or absent columns."""
    columns = [str(c) if not isinstance(c, str) else c for c in data.columns]
    position = {c: i for i, c in enumerate(columns)}
    if len(position) != len(columns):
        seen: dict[str, int] = {}
        for c in columns:
            seen[c] = seen.get(c, 0) + 1
        raise ShapeError(f"data has duplicate column name(s) {sorted(c for c, m in seen.items() if m > 1)}; "
                         "give each variable one column")
    wanted = set(variables)
    unknown = [c for c in columns if c not in wanted]
    if unknown:
        raise VariableNotFoundError(
            f"data has column(s) {unknown} that are not variables of the model; "
            f"valid columns: {format_choices(variables)}"
        )
    absent = [v for v in variables if v not in position]
    if absent:
        raise VariableNotFoundError(f"data lacks column(s) {absent}")
    return position


def _encode_frame(model: Any, data: Any, variables: list[str], allow_missing: bool, dtype: Any) -> np.ndarray:
    import pandas as pd

    position = _frame_columns(data, variables)
    codes = np.empty((len(variables), len(data)), dtype=dtype)

    def encode(j: int) -> None:
        v = variables[j]
        _encode_column(v, model.states(v), data.iloc[:, position[v]], allow_missing, codes[j])

    dtypes = list(data.dtypes)
    text = any(not (isinstance(dtypes[i], pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(dtypes[i]))
               for i in position.values())
    workers = min(4, os.cpu_count() or 1)
    if workers == 1 or codes.size < tuning.ENCODE_THREADS_FROM or not text:
        for j in range(len(variables)):
            encode(j)
    else:  # hashing strings releases the GIL for long stretches
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(encode, range(len(variables))))  # list(): re-raise the first error
    return codes


def _encode_array(model: Any, data: Any, variables: list[str], allow_missing: bool, dtype: Any) -> np.ndarray:
    array = np.asarray(data)
    if array.ndim != 2 or array.shape[1] != len(variables):
        raise ShapeError(
            f"an array of codes needs shape (n_rows, {len(variables)}) for columns "
            f"{format_choices(variables)}; got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        import pandas as pd

        return _encode_frame(model, pd.DataFrame(array, columns=variables), variables, allow_missing, dtype)
    if len(array):
        cards = np.array([len(model.states(v)) for v in variables])
        bad = (array.min(axis=0) < 0) | (array.max(axis=0) >= cards)
        if bad.any():
            j = int(np.argmax(bad))
            column = array[:, j]
            value = column[np.argmax((column < 0) | (column >= cards[j]))]
            v = variables[j]
            raise VariableNotFoundError(
                f"column {v!r} has code {value}, outside 0..{cards[j] - 1} (states {list(model.states(v))})"
            )
    return _transposed(array, dtype)


def _transposed(array: np.ndarray, dtype: Any) -> np.ndarray:
    """``array.T`` as a C-contiguous ``dtype`` array, copied in blocks of rows that stay in cache."""
    if array.T.flags.c_contiguous:
        return np.ascontiguousarray(array.T, dtype=dtype)
    n, d = array.shape
    out = np.empty((d, n), dtype=dtype)
    step = tuning.TRANSPOSE_BLOCK_ROWS
    for start in range(0, n, step):
        out[:, start:start + step] = array[start:start + step].T
    return out


def label_codes(names: Sequence[str], column: Any) -> np.ndarray:
    """Codes of a Categorical / string column: state index, -1 where missing, -2 for unknown labels.

    Each distinct label is looked up once (``pandas.factorize``), so long columns cost one hash
    per cell; a Categorical column whose categories are the states in order is returned as is.
    """
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        raw, labels = column.cat.codes.to_numpy(), column.cat.categories.tolist()
    else:
        # the column itself, not an object array of it: pandas' string columns (pyarrow-backed by
        # default since pandas 3) are hashed in C without making a Python str per cell
        raw, labels = pd.factorize(column)  # NaN / None / pd.NA -> -1
        labels = labels.tolist()
    labels = [x if isinstance(x, str) else str(x) for x in labels]
    if labels == list(names):
        return raw
    index = {name: j for j, name in enumerate(names)}
    lookup = np.array([index.get(x, -2) for x in labels] + [-1], dtype=np.int64)
    return lookup[raw]


def _encode_column(variable: str, names: Sequence[str], column: Any, allow_missing: bool,
                   out: np.ndarray) -> None:
    """Write the codes of one column into ``out``, or raise the error that names the bad value."""
    import pandas as pd

    dtype = column.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if numeric:
        missing = column.isna().to_numpy()
        values = column.to_numpy()
    else:
        values = label_codes(names, column)
        if len(values) and values.min() >= 0:  # one pass: -1 (missing) and -2 (unknown) are the only bad codes
            out[:] = values
            return
        missing = values == -1
    some_missing = bool(missing.any())
    if some_missing:
        if missing.all():
            raise PGMError(f"column {variable!r} has no observed value (all missing)")
        if not allow_missing:
            raise PGMError(
                f"column {variable!r} has {int(missing.sum())} missing value(s); "
                "use pl.fit_em for data with missing values"
            )
    if numeric:
        present = values[~missing] if some_missing else values
        if present.dtype == object:  # a nullable (extension) integer or float column
            present = present.astype(float)
        _numeric_codes(variable, names, present, missing if some_missing else None, out)
        return
    unknown = values == -2
    if unknown.any():
        bad = column.iloc[int(np.argmax(unknown))]
        raise VariableNotFoundError(f"column {variable!r} has unknown state {bad!r}; choose from {list(names)}")
    out[:] = values


def _numeric_codes(variable: str, names: Sequence[str], present: np.ndarray, missing: np.ndarray | None,
                   out: np.ndarray) -> None:
    """Write the codes of a numeric column's ``present`` values: the state names they spell, else codes.

    ``missing`` marks the rows of ``out`` that get ``MISSING``.
    """
    whole = _as_whole(present)
    distinct = _distinct(present if whole is None else whole)
    named = _numbers_as_names(names, distinct)
    if named is None:  # codes 0..k-1
        as_int = distinct.astype(np.int64)
        wrong = (as_int != distinct) | (as_int < 0) | (as_int >= len(names))
        if wrong.any():
            raise VariableNotFoundError(
                f"column {variable!r} has value {distinct[np.argmax(wrong)].item()!r}, which is neither a state "
                f"code 0..{len(names) - 1} nor a state name; states: {list(names)}"
            )
        named = as_int
    if whole is not None and np.array_equal(named, distinct):
        codes = whole  # the numbers are the codes
    elif whole is not None and len(distinct) and distinct[-1] - distinct[0] < tuning.ENCODE_BINCOUNT_RANGE:
        lut = np.zeros(int(distinct[-1] - distinct[0]) + 1, dtype=np.int64)
        lut[distinct - distinct[0]] = named
        codes = lut[whole - distinct[0]]
    else:
        codes = named[np.searchsorted(distinct, present)]
    if missing is not None:
        out[missing] = MISSING
        out[~missing] = codes
    else:
        out[:] = codes


def _as_whole(present: np.ndarray) -> np.ndarray | None:
    """Return the values as an integer array if they are all whole numbers, else None."""
    if present.dtype.kind in "iu":
        return present
    if present.dtype.kind == "f":
        whole = present.astype(np.int64)
        if np.array_equal(whole, present):
            return whole
    return None


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values; integer arrays of a modest range use one ``bincount`` instead of a sort."""
    if values.dtype.kind in "iu" and len(values):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < tuning.ENCODE_BINCOUNT_RANGE:
            seen = np.bincount((values - lo if lo else values).astype(np.intp, copy=False), minlength=hi - lo + 1)
            return (np.flatnonzero(seen) + lo).astype(values.dtype)
    return np.unique(values)


def _numbers_as_names(names: Sequence[str], distinct: np.ndarray) -> np.ndarray | None:
    """Codes of the distinct numbers read by their string form (``1`` and ``1.0`` spell ``"1"``), or None.

    Returns None unless every distinct value spells a state name, in which case numeric columns
    fall back to being read as state codes ``0..k-1``.
    """
    lookup = {name: j for j, name in enumerate(names)}
    found = []
    for value in distinct.tolist():
        text = str(int(value)) if float(value).is_integer() else str(value)
        j = lookup.get(text, lookup.get(str(value)))
        if j is None:
            return None
        found.append(j)
    return np.asarray(found, dtype=np.int64)
