"""Compiled queries: one plan, many evidence rows, vectorised over rows.

Two strategies, both without a Python loop over rows:

* table: when the query and evidence variables have few joint states, eliminate everything else
  once to get the joint table P(query, evidence), then answer every row by a gather;
* batch: otherwise, slice the evidence out of the tables with code arrays, which puts the rows
  on a leading batch axis that every einsum step carries along (rows are processed in chunks
  that keep the largest table under ``max_memory``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from .._dask import dask_engine_name, is_dask
from .._data import encode_table
from .._model import engine
from .._validate import check_option, format_choices
from ..exceptions import PGMError, VariableNotFoundError, ZeroEvidenceError
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._contract import BATCH
from ._plan import SubPlan, check_memory
from ._prune import prune
from ._query_args import elimination_key, variable_ids
from .variable_elimination import get_plan, log_normaliser_of_distribution, log_probability_of

__all__ = ["BatchPosterior", "CompiledQuery", "compile_query", "log_probability"]

_LN2 = math.log(2)


class BatchPosterior(NamedTuple):
    """Posteriors ``(n_rows, n_query_states)`` and P(evidence) ``(n_rows,)`` of a batch."""

    posterior: np.ndarray
    evidence_probability: np.ndarray


class CompiledQuery:
    """A query compiled for fixed query and evidence variables; call it on many rows.

    Build it with :func:`compile_query`. Columns of ``posterior`` enumerate the joint states of
    the query variables in C order (last variable fastest), as listed by ``.states``.
    """

    def __init__(self, model: Any, query: str | Sequence[str], evidence_vars: Sequence[str], *,
                 elimination_order: Any = "min-fill", max_memory: int = DEFAULT_MAX_MEMORY,
                 strategy: str = "auto", allow_empty: bool = False) -> None:
        c = compiled(model)
        self._c, self._version, self.model = c, c.version, model
        self._query_ids = variable_ids(c, query, allow_empty=allow_empty)
        self._evidence_ids = variable_ids(c, evidence_vars, allow_empty=True)
        both = [c.names[i] for i in self._evidence_ids if i in self._query_ids]
        if both:
            raise PGMError(f"variable(s) {both} are both queried and observed; drop them from one side")
        self.query = [c.names[i] for i in self._query_ids]
        self.evidence_vars = [c.names[i] for i in self._evidence_ids]
        self.states = [tuple(c.states[i][k] for i, k in zip(self._query_ids, combo))
                       for combo in np.ndindex(*[c.cards[i] for i in self._query_ids])]
        self.max_memory = max_memory
        order_key = elimination_key(c, elimination_order)
        self._log_z = log_normaliser_of_distribution(c, order_key, max_memory)
        self._q_size = math.prod(c.cards[i] for i in self._query_ids)
        self._e_cards = [c.cards[i] for i in self._evidence_ids]
        check_option("strategy", strategy, ["auto", "table", "batch"])
        if strategy == "auto":
            joint_ids = self._evidence_ids + self._query_ids
            small = math.prod(c.cards[i] for i in joint_ids) <= tuning.BATCH_TABLE_LIMIT
            strategy = "table" if small else "batch"
        self.strategy = strategy
        if strategy == "table":
            self._compile_table(order_key)
        else:
            self._compile_batch(order_key)

    def _compile_table(self, order_key: Any) -> None:
        c = self._c
        joint_ids = self._evidence_ids + self._query_ids
        self._table_log = 0.0
        if joint_ids:
            plan = get_plan(c, joint_ids, (), order_key, need_value=True)
            check_memory(c, plan.subplans, self.max_memory, what="compiling this query")
            assert plan.main is not None
            table, shift, _ = plan.main.evaluate(())
            self._table_log = shift * _LN2 + plan.log_sides(())
            if self._table_log == -math.inf:  # a piece outside the query is zero: nothing is possible
                table, self._table_log = np.zeros_like(table), 0.0
        else:
            table = np.ones(())
        self._table = table.reshape(-1, self._q_size)

    def _compile_batch(self, order_key: Any) -> None:
        c = self._c
        main, sides, _ = prune(c, self._query_ids, self._evidence_ids, need_value=True)
        ids = self._evidence_ids
        self._main = SubPlan(c, main, ids, (BATCH, *self._query_ids), order_key, batch=True)
        self._sides = [SubPlan(c, p, ids, (BATCH,), order_key, batch=True) for p in sides]
        # entries per row held at once: the evidence-sliced inputs, the largest step, the result
        per_row = sum(_gathered_per_row(sp) + sp.largest for sp in (self._main, *self._sides)) + self._q_size
        self._chunk = max(1, int(self.max_memory // (8 * per_row)))
        check_memory(c, [self._main, *self._sides], self.max_memory, what="compiling this query")

    def __repr__(self) -> str:
        return (f"<CompiledQuery {self.query} given {self.evidence_vars}, "
                f"{self._q_size} states, strategy={self.strategy!r}>")

    def __call__(self, evidence: Any, *, zero: str = "raise") -> BatchPosterior:
        """Return :class:`BatchPosterior` for every row of ``evidence``.

        Parameters
        ----------
        evidence : pandas.DataFrame or array_like
            One column per evidence variable (state names or codes), or an integer array of
            shape ``(n_rows, k)`` with columns in ``evidence_vars`` order.
        zero : {"raise", "nan"}, optional
            What to do with rows of probability zero: raise ZeroEvidenceError naming the first,
            or return NaN posteriors (and probability 0) for them.
        """
        if is_dask(evidence):  # one call per partition (pgm_lite.distributed); Dask arrays back
            return engine(dask_engine_name("compiled_query"))(self, evidence, zero=zero)
        posterior, log_p = self._evaluate(evidence, zero)
        return BatchPosterior(posterior, np.exp(log_p))

    def log_evidence_probability(self, evidence: Any, *, zero: str = "nan") -> np.ndarray:
        """Natural log of P(evidence) for every row (``-inf`` for impossible rows; no underflow).

        Takes ``evidence`` as :meth:`__call__` does; ``zero="raise"`` refuses impossible rows.
        """
        return self._evaluate(evidence, zero)[1]

    def _evaluate(self, evidence: Any, zero: str) -> tuple[np.ndarray, np.ndarray]:
        if self.model.version != self._version:
            raise PGMError("the model changed after this query was compiled; compile it again")
        check_option("zero", zero, ["raise", "nan"])
        codes = encode_table(self.model, self._checked(evidence), variables=self.evidence_vars)
        if self.strategy == "table":
            if codes.shape[1]:
                flat = np.ravel_multi_index(tuple(codes.T), self._e_cards)
            else:
                flat = np.zeros(len(codes), dtype=np.intp)
            joint = self._table[flat]
            log_scale = np.full(len(codes), self._table_log)
        else:
            joint = np.empty((len(codes), self._q_size))
            log_scale = np.empty(len(codes))
            for start in range(0, len(codes), self._chunk):
                part = codes[start:start + self._chunk]
                stop = start + len(part)
                joint[start:stop], log_scale[start:stop] = self._run_batch(part)
        mass = joint.sum(axis=1)
        bad = ~(mass > 0)
        if bad.any() and zero == "raise":
            row = int(np.argmax(bad))
            shown = {v: self._c.states[i][k] for v, i, k in zip(self.evidence_vars, self._evidence_ids, codes[row])}
            raise ZeroEvidenceError(f"row {row}: the evidence {shown} has probability zero under the model")
        with np.errstate(divide="ignore", invalid="ignore"):
            posterior = joint / mass[:, None]
            log_p = np.log(mass) + log_scale - self._log_z
        return posterior, np.where(bad, -np.inf, np.minimum(log_p, 0.0))

    def _checked(self, evidence: Any) -> Any:
        """Refuse columns that are not evidence variables and missing values, with a clear message."""
        if hasattr(evidence, "columns"):
            names = [str(col) for col in evidence.columns]
            extra = [col for col in names if col not in self.evidence_vars]
            if extra:
                raise VariableNotFoundError(
                    f"column(s) {extra} are not evidence variables of this query; evidence "
                    f"variables: {format_choices(self.evidence_vars)} (select those columns, or "
                    "compile the query with the others)")
            missing = evidence.isna().to_numpy()
        else:
            array = np.asarray(evidence)
            missing = np.isnan(array) if array.dtype.kind == "f" else np.zeros(array.shape, dtype=bool)
        if missing.any():
            row, col = (int(x) for x in np.argwhere(missing)[0])
            raise PGMError(
                f"evidence row {row} has no value for {self.evidence_vars[col]!r} (NaN/None): a compiled "
                "query needs a state for every evidence variable in every row; compile a query "
                "without that variable for such rows")
        return evidence

    def _run_batch(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(codes)
        columns = [codes[:, j] for j in range(codes.shape[1])]
        joint, shift = self._main.evaluate_batch(columns)
        log_scale = np.broadcast_to(np.asarray(shift, dtype=float) * _LN2, (n,)).copy()
        if self._main.out[:1] == (BATCH,):
            joint = joint.reshape(n, self._q_size)
        else:
            joint = np.broadcast_to(joint.reshape(1, self._q_size), (n, self._q_size))
        for sp in self._sides:
            values, side_shift = sp.evaluate_batch(columns)
            values = np.broadcast_to(values, (n,))
            joint = joint * (values > 0)[:, None]  # a zero side makes the row impossible
            with np.errstate(divide="ignore"):
                log_scale += np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), 0.0)
            log_scale += np.asarray(side_shift, dtype=float) * _LN2
        return joint, log_scale


def _gathered_per_row(sp: SubPlan) -> int:
    """Entries per evidence row of a batch plan's inputs once the evidence codes index them."""
    cards = sp.c.cards
    return sum(math.prod([cards[v] for v in scope if v != BATCH]) for scope in sp.input_scopes if BATCH in scope)


def compile_query(model: Any, query: str | Sequence[str], evidence_vars: Sequence[str], *,
                  elimination_order: Any = "min-fill", max_memory: int = DEFAULT_MAX_MEMORY,
                  strategy: str = "auto") -> CompiledQuery:
    """Compile a posterior query for fixed evidence variables; run it on many rows at once.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    query : str or list of str
        Query variables; the posterior columns enumerate their joint states (C order).
    evidence_vars : list of str
        The observed variables; each call passes one row of states per evidence case.
    elimination_order, max_memory
        As for :func:`query`.
    strategy : {"auto", "table", "batch"}, optional
        ``"table"`` eliminates everything but the query and evidence variables once and answers
        rows by lookup (best when they have few joint states); ``"batch"`` carries the rows as
        a batch axis through every einsum step (chunked to respect ``max_memory``). ``"auto"``
        picks the table when it has at most 2**22 entries.

    Returns
    -------
    CompiledQuery
        Callable on a DataFrame of state names (or codes) or an int array ``(n_rows, k)``;
        returns ``(posterior, evidence_probability)``.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> cq = pl.compile_query(bn, ["lung"], ["smoke", "xray"])
    >>> post, p_e = cq(np.array([[0, 0], [1, 1]]))
    >>> post.round(4).tolist(), p_e.round(4).tolist()
    ([[0.646, 0.354], [0.0002, 0.9998]], [0.0759, 0.4656])
    >>> cq.states
    [('yes',), ('no',)]
    """
    return CompiledQuery(model, query, evidence_vars, elimination_order=elimination_order,
                         max_memory=max_memory, strategy=strategy)


def log_probability(model: Any, evidence: Mapping[str, Any] | Any, *, variables: Sequence[str] | None = None,
                    elimination_order: Any = "min-fill", max_memory: int = DEFAULT_MAX_MEMORY) -> Any:
    """Return log P(evidence) of one partial assignment or of every row of a table.

    Computed in log space throughout: a probability far below the smallest float (a long
    chain with thousands of observations) still gets its exact log.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict or pandas.DataFrame or array_like
        ``{variable: state}``; or rows (DataFrame columns are the observed variables; an integer
        array needs ``variables`` naming its columns).
    variables : list of str, optional
        Column names of an integer array.

    Returns
    -------
    float or ndarray
        ``-inf`` where the evidence is impossible.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> round(pl.log_probability(bn, {"smoke": "yes"}), 4)
    -0.6931
    >>> pl.log_probability(bn, np.array([[0], [1]]), variables=["asia"]).round(3).tolist()
    [-4.605, -0.01]
    """
    if isinstance(evidence, dict):
        return log_probability_of(model, evidence, elimination_order, max_memory)
    if variables is None:
        variables = [str(col) for col in evidence.columns] if hasattr(evidence, "columns") else None
    if variables is None:
        variables = compiled(model).names
    cq = CompiledQuery(model, (), variables, elimination_order=elimination_order,
                       max_memory=max_memory, allow_empty=True)
    return cq.log_evidence_probability(evidence)
