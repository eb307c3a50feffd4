"""Turn user tables (DataFrames of state names or codes, integer arrays) into integer codes."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validate import format_choices
from .exceptions import PGMError, ShapeError, VariableNotFoundError

__all__ = ["MISSING", "encode_columns", "encode_table", "label_codes"]

MISSING = -1  # code of a missing value when ``allow_missing=True``


def encode_table(model, data, *, variables=None, allow_missing=False):
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
    variables = list(model.variables if variables is None else variables)
    if hasattr(data, "columns"):
        columns = [str(c) if not isinstance(c, str) else c for c in data.columns]
        if len(set(columns)) != len(columns):
            dupes = sorted({c for c in columns if columns.count(c) > 1})
            raise ShapeError(f"data has duplicate column name(s) {dupes}; give each variable one column")
        unknown = [c for c in columns if c not in variables]
        if unknown:
            raise VariableNotFoundError(
                f"data has column(s) {unknown} that are not variables of the model; "
                f"valid columns: {format_choices(variables)}"
            )
        absent = [v for v in variables if v not in columns]
        if absent:
            raise VariableNotFoundError(f"data lacks column(s) {absent}")
        frame = data.set_axis(columns, axis=1)
        codes = np.empty((len(frame), len(variables)), dtype=np.int64)
        for j, v in enumerate(variables):
            codes[:, j] = _encode_column(v, model.states(v), frame[v], allow_missing)
        return codes
    array = np.asarray(data)
    if array.ndim != 2 or array.shape[1] != len(variables):
        raise ShapeError(
            f"an array of codes needs shape (n_rows, {len(variables)}) for columns "
            f"{format_choices(variables)}; got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        import pandas as pd

        return encode_table(model, pd.DataFrame(array, columns=variables),
                            variables=variables, allow_missing=allow_missing)
    for j, v in enumerate(variables):
        k = len(model.states(v))
        bad = (array[:, j] < 0) | (array[:, j] >= k)
        if bad.any():
            value = array[np.argmax(bad), j]
            raise VariableNotFoundError(
                f"column {v!r} has code {value}, outside 0..{k - 1} (states {list(model.states(v))})"
            )
    return array.astype(np.int64, copy=False)


def label_codes(names, column):
    """Codes of a Categorical / string column: state index, -1 where missing, -2 for unknown labels.

    Each distinct label is looked up once (``pandas.factorize``), so long columns cost one hash
    per cell; a Categorical column whose categories are the states in order is returned as is.
    """
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        raw, labels = column.cat.codes.to_numpy(), column.cat.categories
    else:
        raw, labels = pd.factorize(column.to_numpy(dtype=object))  # NaN / None -> -1
    lookup = pd.Index(list(names)).get_indexer([x if isinstance(x, str) else str(x) for x in labels])
    if len(lookup) == len(names) and (lookup == np.arange(len(names))).all():
        return raw
    return np.append(np.where(lookup < 0, -2, lookup), -1)[raw]


def _encode_column(variable, names, column, allow_missing):
    import pandas as pd

    missing = column.isna().to_numpy()
    if missing.all() and len(column):
        raise PGMError(f"column {variable!r} has no observed value (all missing)")
    if missing.any() and not allow_missing:
        raise PGMError(
            f"column {variable!r} has {int(missing.sum())} missing value(s); "
            "use pl.fit_em for data with missing values"
        )
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = column.to_numpy()
        present = values[~missing]
        codes = np.full(len(values), -1, dtype=np.int64)
        named = _numbers_as_names(names, present)
        if named is not None:  # every number spells a state name: read it as that name
            codes[~missing] = named
            return codes
        as_int = present.astype(np.int64)
        if not np.array_equal(as_int, present) or (as_int < 0).any() or (as_int >= len(names)).any():
            bad = present[(as_int != present) | (as_int < 0) | (as_int >= len(names))][0]
            raise VariableNotFoundError(
                f"column {variable!r} has value {bad!r}, which is neither a state code 0..{len(names) - 1} "
                f"nor a state name; states: {list(names)}"
            )
        codes[~missing] = as_int
        return codes
    codes = label_codes(names, column).astype(np.int64)
    unknown = codes == -2
    if unknown.any():
        bad = column.iloc[int(np.argmax(unknown))]
        raise VariableNotFoundError(
            f"column {variable!r} has unknown state {bad!r}; choose from {list(names)}"
        )
    return codes


def _numbers_as_names(names, present):
    """Codes of numbers read by their string form (``1`` and ``1.0`` spell ``"1"``), or None.

    Returns None unless every distinct value spells a state name, in which case numeric columns
    fall back to being read as state codes ``0..k-1``.
    """
    lookup = {name: j for j, name in enumerate(names)}
    distinct, inverse = np.unique(present, return_inverse=True)
    found = []
    for value in distinct.tolist():
        text = str(int(value)) if float(value).is_integer() else str(value)
        j = lookup.get(text, lookup.get(str(value)))
        if j is None:
            return None
        found.append(j)
    return np.asarray(found, dtype=np.int64)[inverse.reshape(-1)] if found else np.empty(0, np.int64)


def encode_columns(model, data, *, allow_missing=False, allow_empty=False):
    """Return the data's codes as a (n_variables, n_rows) array, one contiguous row per variable."""
    codes = _encode_frame_fast(model, data, allow_missing) if hasattr(data, "columns") else None
    if codes is None:  # arrays, or a frame with a problem: encode_table raises the right error
        codes = np.ascontiguousarray(encode_table(model, data, allow_missing=allow_missing).T)
    if codes.shape[1] == 0 and not allow_empty:
        raise PGMError("data has no rows; nothing to learn from")
    return codes


def _encode_frame_fast(model, data, allow_missing):
    """Fast path for DataFrames of Categorical or string columns; None when in doubt."""
    variables = model.variables
    if sorted(map(str, data.columns)) != sorted(variables) or len(data) == 0:
        return None
    biggest = max(len(model.states(v)) for v in variables)
    codes = np.empty((len(variables), len(data)), dtype=np.int8 if biggest <= 127 else np.int32)

    def encode(j):
        return _encode_text_column(model.states(variables[j]), data[variables[j]], codes[j], allow_missing)

    import pandas as pd

    workers = min(4, os.cpu_count() or 1)
    text = any(not isinstance(data[v].dtype, pd.CategoricalDtype) for v in variables)
    if workers == 1 or codes.size < 4_000_000 or not text:
        ok = [encode(j) for j in range(len(variables))]
    else:  # hashing strings releases the GIL for long stretches
        with ThreadPoolExecutor(workers) as pool:
            ok = list(pool.map(encode, range(len(variables))))
    return codes if all(ok) else None


def _encode_text_column(states, column, out, allow_missing):
    """Write the codes of one column into ``out``; return False if encode_table must judge it."""
    import pandas as pd

    dtype = column.dtype
    if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)):
        return False
    codes = label_codes(states, column)
    if (codes == -2).any():
        return False
    out[:] = codes
    missing = out < 0
    return not (missing.any() and (not allow_missing or missing.all()))
