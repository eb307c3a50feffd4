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
from typing import NamedTuple

import numpy as np

from .. import tuning
from .._data import encode_table
from ..exceptions import PGMError, ZeroEvidenceError
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._plan import BATCH, build_subplan, check_memory, run, run_batch
from ._prune import prune
from ._query_args import elimination_key, variable_ids
from .variable_elimination import get_plan, partition_function, probability

__all__ = ["compile_query", "CompiledQuery", "BatchPosterior"]



class BatchPosterior(NamedTuple):
    """Posteriors ``(n_rows, n_query_states)`` and P(evidence) ``(n_rows,)`` of a batch."""

    posterior: np.ndarray
    evidence_probability: np.ndarray


class CompiledQuery:
    """A query compiled for fixed query and evidence variables; call it on many rows.

    Build it with :func:`compile_query`. Columns of ``posterior`` enumerate the joint states of
    the query variables in C order (last variable fastest), as listed by ``.states``.
    """

    def __init__(self, model, query, evidence_vars, *, elimination_order="min-fill",
                 max_memory=DEFAULT_MAX_MEMORY, strategy="auto", allow_empty=False):
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
        self._z = partition_function(c, order_key, max_memory)
        self._q_size = math.prod(c.cards[i] for i in self._query_ids)
        self._e_cards = [c.cards[i] for i in self._evidence_ids]
        joint_ids = self._evidence_ids + self._query_ids
        if strategy not in ("auto", "table", "batch"):
            raise PGMError(f"unknown strategy {strategy!r}; choose from ['auto', 'table', 'batch']")
        if strategy == "auto":
            small = math.prod(c.cards[i] for i in joint_ids) <= tuning.BATCH_TABLE_LIMIT
            strategy = "table" if small else "batch"
        if strategy == "table":
            self.strategy = "table"
            if joint_ids:
                plan = get_plan(c, joint_ids, (), order_key, need_value=True)
                check_memory(c, plan.subplans, max_memory, what="compiling this query")
                table = run(plan.main, ()) * math.prod(float(run(sp, ())) for sp in plan.sides)
            else:
                table = np.ones(())
            self._table = table.reshape(-1, self._q_size)
        else:
            self.strategy = "batch"
            main, sides, _ = prune(c, self._query_ids, self._evidence_ids, need_value=True)
            ids = self._evidence_ids
            self._main = build_subplan(c, main, ids, (BATCH, *self._query_ids), order_key, batch=True)
            self._sides = [build_subplan(c, p, ids, (BATCH,), order_key, batch=True) for p in sides]
            per_row = max(sp.largest for sp in (self._main, *self._sides))
            self._chunk = max(1, int(max_memory // (8 * per_row)))
            check_memory(c, [self._main, *self._sides], max_memory, what="compiling this query")

    def __repr__(self):
        return (f"<CompiledQuery {self.query} given {self.evidence_vars}, "
                f"{self._q_size} states, strategy={self.strategy!r}>")

    def __call__(self, evidence, *, zero="raise"):
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
        if self.model.version != self._version:
            raise PGMError("the model changed after this query was compiled; compile it again")
        codes = encode_table(self.model, evidence, variables=self.evidence_vars)
        if self.strategy == "table":
            if codes.shape[1]:
                flat = np.ravel_multi_index(tuple(codes.T), self._e_cards)
            else:
                flat = np.zeros(len(codes), dtype=np.intp)
            joint = self._table[flat]
        else:
            joint = np.empty((len(codes), self._q_size))
            for start in range(0, len(codes), self._chunk):
                part = codes[start:start + self._chunk]
                joint[start:start + len(part)] = self._run_batch(part)
        mass = joint.sum(axis=1)
        bad = ~(mass > 0)
        if bad.any() and zero == "raise":
            row = int(np.argmax(bad))
            shown = {v: self._c.states[i][k] for v, i, k in zip(self.evidence_vars, self._evidence_ids, codes[row])}
            raise ZeroEvidenceError(f"row {row}: the evidence {shown} has probability zero under the model")
        with np.errstate(divide="ignore", invalid="ignore"):
            posterior = joint / mass[:, None]
        return BatchPosterior(posterior, mass / self._z)

    def _run_batch(self, codes):
        n = len(codes)
        columns = [codes[:, j] for j in range(codes.shape[1])]
        joint = run_batch(self._main, columns)
        if self._main.out[:1] == (BATCH,):
            joint = joint.reshape(n, self._q_size)
        else:
            joint = np.broadcast_to(joint.reshape(1, self._q_size), (n, self._q_size))
        for sp in self._sides:
            joint = joint * np.broadcast_to(run_batch(sp, columns), (n,))[:, None]
        return joint


def compile_query(model, query, evidence_vars, *, elimination_order="min-fill",
                  max_memory=DEFAULT_MAX_MEMORY, strategy="auto"):
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


def log_probability(model, evidence, *, variables=None, elimination_order="min-fill",
                    max_memory=DEFAULT_MAX_MEMORY):
    """Return log P(evidence) of one partial assignment or of every row of a table.

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
        p = probability(model, evidence, elimination_order=elimination_order, max_memory=max_memory)
        return float(np.log(p)) if p > 0 else -np.inf
    if variables is None:
        variables = [str(col) for col in evidence.columns] if hasattr(evidence, "columns") else None
    if variables is None:
        variables = compiled(model).names
    cq = CompiledQuery(model, (), variables, elimination_order=elimination_order,
                       max_memory=max_memory, allow_empty=True)
    p = cq(evidence, zero="nan").evidence_probability
    with np.errstate(divide="ignore"):
        return np.log(p)
