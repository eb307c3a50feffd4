"""Compiled queries: one plan, many evidence rows, vectorised over rows.

Three strategies:

* table: when the query and evidence variables have few joint states, eliminate everything else
  once to get the joint table P(query, evidence), then answer every row by a gather;
* batch: slice the evidence out of the tables with code arrays, which puts the rows on a
  leading batch axis that every einsum step carries along (rows are processed in chunks that
  keep the largest table under ``max_memory``);
* loop: answer each *distinct* row once through the single-row plan ``pl.query`` uses when
  warm (the steps no evidence reaches are computed once; names are never re-validated), then
  scatter the answers back to the rows. Best on wide networks, whose batched steps are large.

Batch and loop run on the distinct rows only, piece by piece of the single-row plan (the
query's piece, then the pieces that only scale P(evidence)). ``"auto"`` picks by estimated cost
(``_compiled_cost``: table sizes and einsum calls of each plan, rows, distinct rows, chunks): the
table at compile time when building it costs less than the rows strategies on
``tuning.COMPILED_TABLE_ROWS`` rows, otherwise per call, once the rows are known, running each
piece the cheaper way (``"mixed"`` when they differ).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from .._dask import dask_engine_name, is_dask
from .._data import encode_table
from .._model import engine
from .._validate import check_option, format_choices
from ..exceptions import (
    MemoryLimitError,
    PerformanceWarning,
    PGMError,
    VariableNotFoundError,
    ZeroEvidenceError,
)
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._compiled_cost import RunCost, full_cost, subplan_cost
from ._contract import BATCH
from ._plan import SubPlan, check_memory
from ._query_args import elimination_key, variable_ids
from .variable_elimination import Plan, get_plan, log_normaliser_of_distribution, log_probability_of

__all__ = ["STRATEGIES", "BatchPosterior", "CompiledQuery", "compile_query", "distinct_rows", "log_probability"]

#: The strategies of :func:`compile_query` ("auto" chooses among the others).
STRATEGIES = ("auto", "table", "batch", "loop")

_LN2 = math.log(2)


class BatchPosterior(NamedTuple):
    """Posteriors ``(n_rows, n_query_states)`` and P(evidence) ``(n_rows,)`` of a batch."""

    posterior: np.ndarray
    evidence_probability: np.ndarray


class _Batch(NamedTuple):
    """Batch plans of the pieces of a query (as the single-row plan cuts it), rows per chunk of each."""

    pieces: list[SubPlan]
    chunks: list[int]


class CompiledQuery:
    """A query compiled for fixed query and evidence variables; call it on many rows.

    Build it with :func:`compile_query`. Columns of ``posterior`` enumerate the joint states of
    the query variables in C order (last variable fastest), as listed by ``.states``.
    ``strategy`` is the strategy every call uses, or ``"auto"`` when each call chooses from its
    rows (:meth:`choose`, :meth:`estimate`).
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
        check_option("strategy", strategy, list(STRATEGIES))
        self.query = [c.names[i] for i in self._query_ids]
        self.evidence_vars = [c.names[i] for i in self._evidence_ids]
        self.states = [tuple(c.states[i][k] for i, k in zip(self._query_ids, combo))
                       for combo in np.ndindex(*[c.cards[i] for i in self._query_ids])]
        self.max_memory = max_memory
        self._order_key = elimination_key(c, elimination_order)
        self._log_z = log_normaliser_of_distribution(c, self._order_key, max_memory)
        self._q_size = math.prod(c.cards[i] for i in self._query_ids)
        self._e_cards = [c.cards[i] for i in self._evidence_ids]
        self._table: np.ndarray | None = None
        self._table_log = 0.0
        self._plans: dict[str, Any] = {}  # strategy -> its plan (a MemoryLimitError if it does not fit)
        self._run_costs: dict[int, RunCost] = {}  # id of a plan in self._plans -> its cost
        self.strategy = strategy
        if strategy == "auto":
            strategy = "table" if self._table_first() else strategy
        else:
            self._plan_of(strategy, strict=True)
        if self.strategy == "table":  # built now: judged on the rows "auto" assumes at compile time
            rows = tuning.COMPILED_TABLE_ROWS
            self._warn_if_slow(rows, rows, f"{rows} rows (tuning.COMPILED_TABLE_ROWS)")
        if strategy == "table":
            self._build_table()
        self.strategy = strategy

    def _table_first(self) -> bool:
        """Whether "auto" builds the table now: cheaper than the rows strategies on ``COMPILED_TABLE_ROWS`` rows.

        A table costing less than the Python overhead of looping over those rows is taken
        without planning the others.
        """
        rows = tuning.COMPILED_TABLE_ROWS
        table = self._cost("table", rows, rows)
        if table <= rows * (tuning.COMPILED_RUN_NS + tuning.COMPILED_LOOP_ROW_NS):
            return True
        by_rows = self._cost("auto", rows, rows)
        if by_rows == math.inf and table == math.inf:
            self._plan_of("loop", strict=True)  # nothing fits: say why (MemoryLimitError)
        return table <= by_rows

    # -- plans ------------------------------------------------------------------------------
    def _plan_of(self, strategy: str, strict: bool = False) -> Any:
        """Return the plan of ``strategy``, built on first use; None if it does not fit (raises if ``strict``)."""
        if strategy not in self._plans:
            try:
                self._plans[strategy] = getattr(self, f"_plan_{strategy}")()
            except MemoryLimitError as err:
                self._plans[strategy] = err
        got = self._plans[strategy]
        if isinstance(got, MemoryLimitError):
            if strict:
                raise got
            return None
        return got

    def _plan_table(self) -> Plan:
        """Plan P(evidence vars, query vars), nothing observed (not built for an empty joint)."""
        c = self._c
        plan = get_plan(c, self._evidence_ids + self._query_ids, (), self._order_key, need_value=True)
        check_memory(c, plan.subplans, self.max_memory, what="compiling this query")
        return plan

    def _plan_loop(self) -> tuple[Plan, list[int]]:
        """Return the single-row plan (evidence sorted by id, as ``pl.query`` keys it) and its column order.

        Its pieces (``plan.subplans``: the query's piece first, then those that only scale
        P(evidence)) are the pieces of every rows strategy.
        """
        c = self._c
        ids = sorted(self._evidence_ids)
        plan = get_plan(c, self._query_ids, tuple(ids), self._order_key, need_value=True)
        check_memory(c, plan.subplans, self.max_memory, what="compiling this query")
        return plan, [self._evidence_ids.index(i) for i in ids]

    def _plan_batch(self) -> _Batch:
        """Batch plans of the single-row plan's pieces, each chunked to keep its tables in ``max_memory``."""
        c = self._c
        plan, _ = self._plan_of("loop", strict=True)
        key = self._order_key
        pieces = [SubPlan(c, sp.factor_ids, plan.evidence_ids, (BATCH, *sp.out), key, batch=True)
                  for sp in plan.subplans]
        check_memory(c, pieces, self.max_memory, what="compiling this query")
        # entries per row held at once: the evidence-sliced inputs, the largest step, the result
        chunks = [max(1, int(self.max_memory // (8 * (_gathered_per_row(sp) + sp.largest + self._q_size))))
                  for sp in pieces]
        return _Batch(pieces, chunks)

    def _build_table(self) -> None:
        if not (self._evidence_ids or self._query_ids):  # P(nothing) = 1
            self._table, self._table_log = np.ones((1, 1)), self._log_z
            return
        plan = self._plan_of("table", strict=True)
        assert plan.main is not None
        table, shift, _ = plan.main.evaluate(())
        self._table_log = shift * _LN2 + plan.log_sides(())
        if self._table_log == -math.inf:  # a piece outside the query is zero: nothing is possible
            table, self._table_log = np.zeros_like(table), 0.0
        self._table = table.reshape(-1, self._q_size)

    # -- cost model -------------------------------------------------------------------------
    def _modes(self, n_distinct: int, strategy: str = "auto") -> tuple[list[str], float]:
        """How each piece runs (``"loop"`` or ``"batch"``) and the estimated nanoseconds, for ``n_distinct`` rows.

        ``strategy="auto"`` takes the cheaper way for each piece; ``"loop"``/``"batch"`` one way for all.
        """
        plan = self._plan_of("loop")
        if plan is None:
            return [], math.inf
        batch = self._plan_of("batch") if strategy != "loop" else None
        modes, total = [], 0.0
        for k, sp in enumerate(plan[0].subplans):
            one = self._run_cost(sp)
            costs = {"loop": one.once + n_distinct * one.per_run, "batch": math.inf}
            if batch is not None:
                many = self._run_cost(batch.pieces[k])
                costs["batch"] = many.once + -(-n_distinct // batch.chunks[k]) * many.per_run + n_distinct * many.per_row
            mode = min(costs, key=costs.__getitem__) if strategy == "auto" else strategy
            modes.append(mode)
            total += costs[mode]
        if "loop" in modes:
            total += n_distinct * tuning.COMPILED_LOOP_ROW_NS
        return modes, total

    def _run_cost(self, sp: SubPlan) -> RunCost:
        """:func:`subplan_cost` of a plan of this query, computed once (plans do not change)."""
        got = self._run_costs.get(id(sp))
        if got is None:
            got = self._run_costs[id(sp)] = subplan_cost(sp)
        return got

    def _cost(self, strategy: str, n_rows: int, n_distinct: int) -> float:
        """Estimated nanoseconds of a call on ``n_rows`` rows (``n_distinct`` distinct); inf if it does not fit.

        ``"auto"`` stands for the rows strategies mixed piece by piece (:meth:`_modes`).
        """
        if strategy != "table":
            return self._modes(n_distinct, strategy)[1]
        table_row = tuning.COMPILED_TABLE_ROW_NS + self._q_size
        if self._table is not None or not (self._evidence_ids or self._query_ids):
            return n_rows * table_row
        if math.prod(self._e_cards) * self._q_size > tuning.BATCH_TABLE_LIMIT:
            return math.inf
        plan = self._plan_of("table")
        if plan is None:
            return math.inf
        return sum([full_cost(sp) for sp in plan.subplans]) + n_rows * table_row

    def estimate(self, n_rows: int, n_distinct: int | None = None) -> dict[str, float]:
        """Estimated seconds of a call on ``n_rows`` evidence rows, per strategy that fits in memory.

        ``n_distinct`` (default ``n_rows``) is how many of the rows differ: batch and loop work
        on those only. The table's entry includes building it unless it is built already;
        ``"mixed"`` runs each piece of the query the cheaper of the two ways (what ``"auto"``
        does when it does not take the table). These are the estimates ``strategy="auto"``
        compares (constants in :mod:`pgm_lite.tuning`).

        Examples
        --------
        >>> cq = pl.compile_query(pl.example("asia"), ["lung"], ["smoke", "xray"], strategy="loop")
        >>> sorted(cq.estimate(10_000, 4))
        ['batch', 'loop', 'mixed', 'table']
        """
        out = {}
        d = n_rows if n_distinct is None else n_distinct
        for strategy in ("table", "batch", "loop", "auto"):
            cost = self._cost(strategy, n_rows, d)
            if cost < math.inf:
                out["mixed" if strategy == "auto" else strategy] = cost * 1e-9
        return out

    def choose(self, n_rows: int, n_distinct: int | None = None) -> str:
        """Return the strategy a call on ``n_rows`` rows (``n_distinct`` distinct) uses.

        ``"table"``, ``"batch"``, ``"loop"``, or (``strategy="auto"`` only) ``"mixed"``: some
        pieces of the query looped over the rows, the others batched.

        Examples
        --------
        >>> cq = pl.compile_query(pl.example("asia"), ["lung"], ["smoke", "xray"])
        >>> cq.strategy, cq.choose(10_000)
        ('table', 'table')
        """
        if self.strategy != "auto":
            return self.strategy
        d = n_rows if n_distinct is None else n_distinct
        modes, rows_cost = self._modes(d)
        if self._cost("table", n_rows, d) <= rows_cost:
            return "table"
        return modes[0] if len(set(modes)) == 1 else "mixed"

    def _warn_if_slow(self, n_rows: int, n_distinct: int, rows: str = "") -> None:
        """Warn (PerformanceWarning) when the explicit strategy looks much slower than another one."""
        mine = self._cost(self.strategy, n_rows, n_distinct) * 1e-9
        if mine < tuning.COMPILED_WARN_SECONDS:
            return
        times = self.estimate(n_rows, n_distinct)
        best = min(times, key=times.__getitem__)
        if mine > tuning.COMPILED_WARN_RATIO * times[best]:
            shown = ", ".join(f"{s} ~{t:.3g} s" for s, t in times.items())
            better = "'auto'" if best == "mixed" else f"{best!r} (or 'auto')"
            warnings.warn(
                f"compile_query(strategy={self.strategy!r}) is estimated to be {mine / times[best]:.0f}x slower "
                f"than the best strategy on {rows or f'these {n_rows} rows ({n_distinct} distinct)'}: {shown}; pass "
                f"strategy={better}", PerformanceWarning, stacklevel=4)

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

        Warns
        -----
        PerformanceWarning
            When the query was compiled with an explicit strategy estimated to take more than
            ``tuning.COMPILED_WARN_RATIO`` times as long as the best one on these rows.
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
        strategy = self.strategy
        if strategy != "table":
            rows, inverse = distinct_rows(codes, self._e_cards)
            if strategy == "auto":
                strategy = self.choose(len(codes), len(rows))
            else:
                self._warn_if_slow(len(codes), len(rows))
        if strategy == "table":
            if self._table is None:  # auto found the table worth building for these rows
                self._build_table()
            joint, log_scale = self._run_table(codes)
        else:
            modes = self._modes(len(rows), "auto" if strategy == "mixed" else strategy)[0]
            joint, log_scale = self._run_rows(rows, modes)
            joint, log_scale = joint[inverse], log_scale[inverse]
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

    # -- running ----------------------------------------------------------------------------
    def _run_table(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert self._table is not None
        if codes.shape[1]:
            flat = np.ravel_multi_index(tuple(codes.T), self._e_cards)
        else:
            flat = np.zeros(len(codes), dtype=np.intp)
        return self._table[flat], np.full(len(codes), self._table_log)

    def _run_rows(self, rows: np.ndarray, modes: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unnormalised joint and log scale of each distinct row, each piece run as ``modes`` says."""
        plan, columns = self._plan_of("loop", strict=True)
        rows = rows[:, columns]
        batch = self._plan_of("batch", strict=True) if "batch" in modes else None
        tuples = [tuple(row) for row in rows.tolist()] if "loop" in modes else []
        joint = np.ones((len(rows), self._q_size))
        log_scale = np.zeros(len(rows))
        for k, (sp, mode) in enumerate(zip(plan.subplans, modes)):
            is_main = k == 0 and plan.main is not None
            if mode == "loop":
                part, log_part = _loop_piece(sp, tuples, is_main, self._q_size)
            else:
                assert batch is not None
                part, log_part = _batch_piece(batch.pieces[k], batch.chunks[k], rows, is_main, self._q_size)
            if part is not None:
                joint = part
            log_scale += log_part
        impossible = np.isneginf(log_scale)  # a piece that only scales P(e) is zero
        joint[impossible] = 0.0
        log_scale[impossible] = 0.0
        return joint, log_scale


def _loop_piece(sp: SubPlan, rows: list[tuple[int, ...]], is_main: bool,
                q_size: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Run one piece once per row through its single-row plan: (joint of the query's piece, log scale)."""
    log_part = np.empty(len(rows))
    if not is_main:
        for k, codes in enumerate(rows):
            log_part[k] = sp.log_total(codes)
        return None, log_part
    joint = np.empty((len(rows), q_size))
    for k, codes in enumerate(rows):
        table, shift, _ = sp.evaluate(codes)
        joint[k] = table.reshape(-1)
        log_part[k] = shift * _LN2
    return joint, log_part


def _batch_piece(sp: SubPlan, chunk: int, rows: np.ndarray, is_main: bool,
                 q_size: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Run one piece on the rows as a batch axis, ``chunk`` rows at a time (see :func:`_loop_piece`)."""
    joint = np.empty((len(rows), q_size)) if is_main else None
    log_part = np.empty(len(rows))
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        stop = start + len(part)
        values, shift = sp.evaluate_batch([part[:, j] for j in range(part.shape[1])])
        log_shift = np.asarray(shift, dtype=float) * _LN2
        if joint is not None:
            joint[start:stop] = values.reshape(-1, q_size)  # one row broadcasts (no evidence reaches it)
            log_part[start:stop] = log_shift
        else:
            values = np.broadcast_to(values, (len(part),))
            with np.errstate(divide="ignore"):
                log_part[start:stop] = np.log(values) + log_shift
    return joint, log_part


def distinct_rows(codes: np.ndarray, cards: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of an ``(n, k)`` code array (sorted) and, per row, its index among them.

    Rows are keyed by ``np.ravel_multi_index`` when the joint states fit in int64, else
    compared whole (``np.unique(axis=0)``).

    Examples
    --------
    >>> rows, inverse = distinct_rows(np.array([[1, 0], [0, 2], [1, 0]]), [2, 3])
    >>> rows.tolist(), inverse.tolist()
    ([[0, 2], [1, 0]], [1, 0, 1])
    """
    n, k = codes.shape
    if not n or not k:
        return codes[:1], np.zeros(n, dtype=np.intp)
    if math.prod(cards) < 2**62:
        keys, inverse = np.unique(np.ravel_multi_index(tuple(codes.T), cards), return_inverse=True)
        rows = np.stack(np.unravel_index(keys, cards), axis=1)
    else:
        rows, inverse = np.unique(codes, axis=0, return_inverse=True)
    return rows, inverse.reshape(-1)


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
    strategy : {"auto", "table", "batch", "loop"}, optional
        ``"table"`` eliminates everything but the query and evidence variables once and answers
        rows by lookup (best when they have few joint states); ``"batch"`` carries the distinct
        rows as a batch axis through every einsum step (chunked to respect ``max_memory``);
        ``"loop"`` runs the warm single-row plan of :func:`query` once per distinct row (best
        on wide networks). ``"auto"`` picks the one of least estimated cost
        (:meth:`CompiledQuery.estimate`): the table at compile time when it has at most
        ``tuning.BATCH_TABLE_LIMIT`` entries and is cheap to build, else per call from its
        rows, each piece of the query (the query's own, those that only scale P(evidence))
        batched or looped, whichever is cheaper (:meth:`CompiledQuery.choose`). An explicit strategy estimated to be much slower than the best one emits a
        :class:`~pgm_lite.exceptions.PerformanceWarning` naming the estimates (``"table"``
        when compiled, judged on ``tuning.COMPILED_TABLE_ROWS`` rows; the others per call).

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
    >>> cq.states, cq.strategy
    ([('yes',), ('no',)], 'table')
    >>> loop = pl.compile_query(bn, ["lung"], ["smoke", "xray"], strategy="loop")
    >>> bool(np.allclose(loop(np.array([[0, 0], [1, 1]])).posterior, post, rtol=0, atol=1e-12))
    True
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
