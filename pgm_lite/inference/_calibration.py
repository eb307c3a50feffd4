"""Junction tree: triangulate once per model, then calibrate for any evidence to get all marginals.

The tree is built from the elimination cliques of a heuristic order (the same registry as
variable elimination), non-maximal cliques merged into a neighbour. Calibration is HUGIN-style:
one upward pass of einsum messages, then beliefs and downward messages (belief summed onto the
separator, divided by the upward message). Evidence is sliced out of the factors, so observed
variables disappear from every table; the per-evidence-set plan is cached on the tree. A
clique's potential is the product of its factors over their own variables: the clique's other
variables (fill-in) are never multiplied in, and a message that keeps one is broadcast along it.

When the bounds of the messages (from the factors' ranges) could leave float64, or a clique
holds more factors than one einsum takes, the plan calibrates Shafer-Shenoy style with every
message contracted pairwise and normalised, its power-of-two exponent carried (``_contract``).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import tuning
from ..elimination import CliqueTree, clique_tree, eliminate, greedy_order, min_fill_ids
from ..exceptions import MemoryLimitError, PGMError
from ..factor import DiscreteFactor
from ._coded import DEFAULT_MAX_MEMORY, Compiled, compiled
from ._contract import einsum, fold_recipe, letters_of, local_subscripts, subscripts
from ._plan import slice_evidence
from ._query_args import (
    check_max_memory,
    check_order_covers,
    elimination_key,
    evidence_codes,
    variable_ids,
    zero_partition,
)
from ._scaled_calibration import ScaledCalibration, Targets, posterior_factors
from ._steps import contraction_path

__all__ = ["JunctionTree", "tree_cliques"]


class _Rescale(Exception):
    """A plain calibration left the trusted range: run it again scaled."""


def tree_cliques(c: Compiled, order_key: Any) -> tuple[list, list]:
    """Elimination order and elimination cliques (variable ids) of the interaction graph."""
    n = len(c.names)
    adj: dict[int, set[int]] = {v: set() for v in range(n)}
    for scope in c.scopes:
        if len(scope) > 1:
            for v in scope:
                adj[v].update(scope)
    for v, near in adj.items():
        near.discard(v)
    if order_key == "min-fill":  # ids are their own ranks: the one min-fill, no relabelling
        return min_fill_ids(adj, range(n))
    if isinstance(order_key, str):
        return greedy_order(adj, dict(enumerate(c.cards)), range(n), order_key)  # type: ignore[arg-type]
    check_order_covers(c, order_key, set(adj))
    return eliminate(adj, order_key)


class JunctionTree:
    """A junction tree of a model, reusable for any evidence.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    elimination_order : str, optional
        Triangulation heuristic (see ``pl.elimination.ORDERINGS``) or an explicit order.
    max_memory : int, optional
        Refuse (MemoryLimitError) trees whose clique tables need more bytes than this.
    keep_model : bool, optional
        Hold a reference to the model (default). ``False`` holds it weakly, so a tree cached
        beside the model does not keep it alive (how :func:`pgm_lite.marginals` caches trees);
        such a tree refuses to answer once the model is gone.

    Attributes
    ----------
    cliques : list of tuple of str
        Maximal cliques, variables in declaration order.
    edges : list of (int, int)
        Tree edges as ``(i, j)`` indices into ``cliques`` with ``i < j``.
    model : BayesianNetwork or MarkovNetwork
    clique_ids, clique_sizes, homes
        The cliques as sorted variable ids, their table sizes, and per factor the cliques that
        hold its scope (read by the calibration plans and the ``marginals`` strategy).
    strategies : dict
        Per observed set, the ``marginals`` strategy's plans and choices.

    Examples
    --------
    >>> jt = pl.JunctionTree(pl.example("asia"))
    >>> len(jt.cliques), jt.separator(*jt.edges[0])
    (6, ('tub',))
    >>> m = jt.marginals({"smoke": "yes"})
    >>> m["lung"].values.round(3).tolist()
    [0.1, 0.9]
    """

    def __init__(self, model: Any, *, elimination_order: Any = "min-fill",
                 max_memory: int = DEFAULT_MAX_MEMORY, keep_model: bool = True) -> None:
        c = compiled(model)
        self._model_ref = weakref.ref(model)
        self._model_kept = model if keep_model else None
        self.coded = c
        self.version = c.version
        self._plans: dict[tuple[int, ...], _CalibrationPlan] = {}
        self.strategies: dict[tuple[int, ...], dict] = {}
        order, elim = tree_cliques(c, elimination_key(c, elimination_order))
        sets, links = clique_tree(order, elim)
        self.clique_ids = ids = [tuple(sorted(s)) for s in sets]
        self.edges: list[tuple[int, int]] = sorted(links)
        self._structure: CliqueTree | None = None
        cards = c.cards
        self.clique_sizes = sizes = [math.prod([cards[v] for v in s]) for s in ids]
        check_max_memory(max_memory)
        if 16 * sum(sizes) > max_memory:
            big = max(range(len(sizes)), key=sizes.__getitem__)
            raise MemoryLimitError(
                f"the junction tree needs {sum(sizes):.3g} table entries "
                f"({16 * sum(sizes) / 2**30:.3g} GiB with beliefs), more than "
                f"max_memory={max_memory / 2**30:.3g} GiB; largest clique has {len(ids[big])} "
                f"variables ({sizes[big]:.3g} entries): {list(self.cliques[big][:12])}. Try another "
                "elimination_order, pl.query for a few variables, loopy belief propagation "
                "(pl.marginals(model, evidence, method=\"loopy\"), or method=\"auto\") or sampling "
                "(pl.approximate_query)"
            )
        holding: list[list[int]] = [[] for _ in range(len(c.names))]
        for i, s in enumerate(ids):
            for v in s:
                holding[v].append(i)
        everywhere = list(range(len(sets)))
        self.homes = [everywhere if not scope else holding[scope[0]] if len(scope) == 1 else
                      [i for i in holding[scope[0]] if sets[i].issuperset(scope)] for scope in c.scopes]

    @property
    def structure(self) -> CliqueTree:
        """The cliques (variable names, declaration order) and edges, as a :class:`CliqueTree`."""
        got = self._structure
        if got is None:
            names = self.coded.names
            got = self._structure = CliqueTree([tuple([names[v] for v in s]) for s in self.clique_ids], self.edges)
        return got

    @property
    def cliques(self) -> list[tuple[str, ...]]:
        """Maximal cliques, variables in declaration order."""
        return self.structure.cliques

    def separator(self, i: int, j: int) -> tuple[str, ...]:
        """Return the variables shared by cliques ``i`` and ``j`` (in clique ``i``'s order)."""
        return self.structure.separator(i, j)

    def __repr__(self) -> str:
        width = max((len(s) for s in self.cliques), default=1) - 1
        return f"<JunctionTree {len(self.cliques)} cliques, width {width}>"

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Jupyter display: the tree drawn by :func:`pgm_lite.render_junction_tree`."""
        from ..render import render_junction_tree

        return render_junction_tree(self)._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    @property
    def model(self) -> Any:
        """The model the tree was built from."""
        model = self._model_ref()
        if model is None:
            raise PGMError("the model of this junction tree no longer exists; build a new tree")
        return model

    def _plan(self, evidence_ids: tuple[int, ...]) -> _CalibrationPlan:
        if self.model.version != self.version:
            raise PGMError("the model changed after this junction tree was built; build a new one")
        plan = self._plans.get(evidence_ids)
        if plan is None:
            plan = self._plans[evidence_ids] = _CalibrationPlan(self, evidence_ids)
        return plan

    def marginals(self, evidence: Mapping[str, Any] | None = None,
                  variables: Sequence[str] | None = None) -> dict[str, DiscreteFactor]:
        """Return ``{variable: posterior DiscreteFactor}`` after one calibration.

        Observed variables get a point mass on their observed state.
        """
        c = self.coded
        wanted = range(len(c.names)) if variables is None else variable_ids(c, variables)
        evidence_ids, codes = evidence_codes(c, evidence)
        return self._plan(evidence_ids).run(codes, wanted)

    def calibrated(self, evidence_ids: tuple[int, ...], codes: Sequence[int],
                   wanted: Iterable[int]) -> dict[str, DiscreteFactor]:
        """:meth:`marginals` for evidence and variables already validated (ids and codes, sorted by id)."""
        return self._plan(evidence_ids).run(codes, wanted)

    def log_probability(self, evidence: Mapping[str, Any]) -> float:
        """Natural log of P(evidence) from the calibrated tree (-inf if impossible)."""
        c = self.coded
        evidence_ids, codes = evidence_codes(c, evidence)
        log_mass = self._plan(evidence_ids).log_mass(codes)
        if c.is_bn:
            return log_mass
        log_z = self._plan(()).log_mass(())
        if log_z == -math.inf:
            raise zero_partition()
        return log_mass - log_z

    def probability(self, evidence: Mapping[str, Any]) -> float:
        """P(evidence) from the calibrated tree (Z(evidence)/Z for a Markov network)."""
        return math.exp(min(self.log_probability(evidence), 0.0))


class _CalibrationPlan(ScaledCalibration):
    """Clique tables with the evidence sliced out, message einsums, rooted traversal.

    Built for one observed set; the einsum subscripts of a clique are made when a run first
    needs them (a clique passes its messages on either Hugin or Shafer-Shenoy style, never both).
    """

    def __init__(self, jt: JunctionTree, evidence_ids: tuple[int, ...]) -> None:
        c = jt.coded
        observed = set(evidence_ids)
        self.c, self.evidence_ids = c, evidence_ids
        self.scopes = scopes = [tuple([v for v in s if v not in observed]) for s in jt.clique_ids] \
            if observed else jt.clique_ids
        n = len(scopes)
        # root each tree at a clique holding observed variables (Bayesian networks: their
        # CPDs then sit near the root, and more subtrees send messages that are exactly one)
        sizes = jt.clique_sizes
        first = [min(jt.homes[v], key=lambda i: (sizes[i], i)) for v in evidence_ids] if c.is_bn else []
        self._root_forest(jt.edges, n, first)
        homes = self._place_factors(jt, evidence_ids)
        parent = self.parent
        self.sep: list[Any] = [None if parent[k] is None else tuple(sorted(set(scopes[k]).intersection(scopes[parent[k]])))
                               for k in range(n)]
        self._unit_messages(jt, homes, observed)
        self.kids = [[m for m in self.children[k] if not self.unit[m]] for k in range(n)]
        self._home_cliques()
        # subscripts, made on first use (see the class docstring)
        # plain-run einsums at a clique (see :meth:`_subs`): upward message, belief, root
        # total (by clique), marginal (by variable), Shafer-Shenoy downward message (by child)
        self.ein_up: list[Any] = [None] * n
        self.ein_belief: list[Any] = [None] * n
        self.ein_total: dict[int, Any] = {}
        self.ein_marg: dict[int, Any] = {}
        self.ein_down: list[Any] = [None] * n
        self.down_subs: list[Any] = [None] * n  # belief -> separator
        self.marg_subs: dict[int, Any] = {}  # belief -> variable
        self.fixed: dict[int, np.ndarray | None] | None = None
        self.floor = 10.0 ** -tuning.SCALING_LOG10_LIMIT
        self.scaled = self._needs_scaling()
        self._recipes: dict[Any, Any] = {}
        self._targets_of: dict[Any, Targets] = {}
        self.masses: dict[tuple[int, int], DiscreteFactor] = {}  # point masses by (id, code)

    def _place_factors(self, jt: JunctionTree, evidence_ids: tuple[int, ...]) -> list[int]:
        """Give each factor to the shallowest clique holding its scope (then the smallest).

        So as many subtrees as possible hold only the CPDs of their own variables. Fills
        ``inputs[k]``: ``(table, template, slots, reduced scope)`` per factor of clique ``k``.
        """
        c, scopes, n = self.c, self.scopes, len(self.scopes)
        position = {v: j for j, v in enumerate(evidence_ids)}
        depth = [0] * n
        parent = self.parent
        for k in self.preorder:
            if parent[k] is not None:
                depth[k] = depth[parent[k]] + 1
        rank = list(zip(depth, jt.clique_sizes, range(n)))
        homes = [cands[0] if len(cands) == 1 else min(cands, key=rank.__getitem__) for cands in jt.homes]
        self.inputs: list[list[tuple]] = [[] for _ in range(n)]
        tables, factor_scopes = c.tables, c.scopes
        for f, home in enumerate(homes):
            scope = factor_scopes[f]
            if position and not position.keys().isdisjoint(scope):
                ev = [(a, position[v]) for a, v in enumerate(scope) if v in position]
                self.inputs[home].append((tables[f], [slice(None)] * len(scope), ev,
                                          tuple([v for v in scope if v not in position])))
            else:
                self.inputs[home].append((tables[f], None, [], scope))
        #: per clique, how many of its inputs are factors (the rest: ones for uncovered variables)
        self.n_real = [len(i) for i in self.inputs]
        self.psi_subs: list[Any] = [None] * n  # made on first use (:meth:`_psi`)
        self.letters: list[dict[Any, str] | None] = [None] * n  # per clique, made on first use (:meth:`_words`)
        # the plain run's potential of clique k: the product of its factors over their variables
        # only (declaration order; one factor: its own axes), None without factors; the
        # clique's other variables are not multiplied in (see :meth:`_subs`)
        self.psi_scope: list[tuple[int, ...] | None] = []
        ones: dict[int, np.ndarray] = {}  # by cardinality
        for k, scope in enumerate(scopes):
            inputs = self.inputs[k]
            if len(inputs) == 1:
                own = inputs[0][3]
                self.psi_scope.append(own)
                if len(own) == len(scope):
                    continue
                held = set(own)
            else:
                held = set().union(*[i[3] for i in inputs])
                self.psi_scope.append((scope if len(held) == len(scope) else tuple([v for v in scope if v in held]))
                                      if inputs else None)
            if len(held) < len(scope):  # the scaled run multiplies ones in for the others (read only)
                for v in scope:
                    if v not in held:
                        table = ones.get(c.cards[v])
                        if table is None:
                            table = ones[c.cards[v]] = np.ones(c.cards[v])
                        inputs.append((table, None, [], (v,)))
            if not inputs:  # every variable observed and no factor placed here: the table is 1
                inputs.append((np.ones(()), None, [], ()))
        return homes

    # -- subscripts, made on first use --------------------------------------------------------
    def _psi(self, k: int, arrays: Sequence[np.ndarray]) -> np.ndarray | None:
        """Clique ``k``'s potential: the product of its (sliced) factors over ``psi_scope[k]``.

        None without factors; one factor as it is; else one einsum, or for many inputs over a
        big table a left-to-right chain of pairwise products (the same multiplications in the
        same order, so the same bits, without the cost of one many-operand einsum: andes).
        The clique's variables in none of its factors are not multiplied in (barley: cliques
        of millions of entries that hold one small CPD, or none, are never built).
        """
        subs = self.psi_subs[k]
        if subs is None:
            subs = self.psi_subs[k] = self._psi_recipe(k)
        if subs.__class__ is int:
            return None if subs == 0 else arrays[0]
        if subs.__class__ is not list:
            return einsum(subs, *arrays)
        acc = arrays[0]
        last = len(subs) - 1
        for i, (step, operand) in enumerate(zip(subs, arrays[1:])):
            # einsum lays its output out like its inputs (order="K"); the messages read the clique
            # table on every call, and strided they run slower (warm all marginals, andes: 26 ->
            # 19 ms), so the last product writes C order (a copy afterwards cost barley 100 ms cold)
            acc = einsum(step.subscripts, acc, operand, order="C" if i == last else "K")
        return acc

    def _psi_recipe(self, k: int) -> Any:
        """Return the number of factors (0 or 1: nothing to multiply), einsum subscripts, or a fold recipe."""
        n_real, scope = self.n_real[k], self.psi_scope[k]
        if n_real < 2 or scope is None:
            return n_real
        scopes = [i[3] for i in self.inputs[k][:n_real]]
        size = math.prod([self.c.cards[v] for v in scope])
        if n_real > 2 and size * n_real > tuning.PSI_FOLD_ENTRIES:
            return fold_recipe(scopes, scope)
        return self._words(k, scopes, scope)

    def _words(self, k: int, scopes: Sequence[Sequence[int]], out: Sequence[int]) -> Any:
        """Einsum subscripts of an einsum at clique ``k`` (its variables lettered once, see ``_contract``)."""
        letters = self.letters[k]
        if letters is None:
            letters = self.letters[k] = letters_of(self.scopes[k])
            if letters is None:  # past 52 variables: letters local to the einsum (or None)
                return subscripts(scopes, out)
        return local_subscripts(letters, scopes, out)

    def _subs(self, store: Any, key: int, k: int, others: list[tuple[int, ...]], out: Sequence[int]) -> Any:
        """Make an einsum at clique ``k`` over its potential and ``others`` onto ``out`` (:meth:`_apply` runs it).

        Clique variables neither holds are not iterated over: the result is broadcast along
        them (barley: ~10x smaller loops); they enter as ones vectors for a result of at most
        ``tuning.BROADCAST_MIN_ENTRIES`` entries (and when summed out, which a tree never asks).
        A big einsum contracts pairwise on a fixed path (andes: 3 -> 0.3 ms, a 17-variable clique).
        ``store[key]``: the subscripts, or ``(subscripts, extra operands, broadcast, path)``.
        """
        own, scope, cards = self.psi_scope[k], self.scopes[k], self.c.cards
        scopes = others if own is None else [own, *others]
        extra: list = []
        post = None
        kept = tuple(out)
        if (own is None or len(own) < len(scope)) and len(set().union(*scopes)) < len(scope):
            # fill-in variables no operand holds
            covered = set().union(*scopes)
            missing = {v for v in out if v not in covered}
            if math.prod([cards[v] for v in out]) <= tuning.BROADCAST_MIN_ENTRIES:
                missing = set()  # a small result: ones operands cost less than a broadcast
            ones = [v for v in scope if v not in covered and v not in missing]
            scopes = [*scopes, *[(v,) for v in ones]]
            extra = [np.ones(cards[v]) for v in ones]
            kept = tuple([v for v in out if v not in missing])
            if missing:
                post = (tuple([cards[v] if v not in missing else 1 for v in out]), tuple([cards[v] for v in out]))
        if not scopes:  # no factor, no message, no variable: a table of one
            scopes, extra = [()], [np.ones(())]
        subs = self._words(k, scopes, kept)
        path = None  # big steps: pairwise (BLAS)
        if len(scopes) > 1 and self.size[k] > tuning.OPTIMIZE_LIMIT:
            path = contraction_path(self.c, subs, scopes, kept)
        got = store[key] = subs if not extra and post is None and path is None else (subs, extra, post, path)
        return got

    @staticmethod
    def _apply(entry: Any, operands: Sequence[np.ndarray]) -> np.ndarray:
        """Run an einsum made by :meth:`_subs` (its result may be a read-only broadcast view)."""
        if entry.__class__ is str:
            return einsum(entry, *operands)
        subs, extra, post, path = entry
        got = einsum(subs, *operands, *extra) if path is None else np.einsum(subs, *operands, *extra, optimize=path)
        return got if post is None else np.broadcast_to(got.reshape(post[0]), post[1])

    def _up_subs(self, k: int) -> Any:
        return self._subs(self.ein_up, k, k, [self.sep[m] for m in self.kids[k]], self.sep[k])

    def _inflow_seps(self, k: int, kids: Sequence[int]) -> list:
        """Scopes of clique ``k``'s downward message (if any) and of the upward ones of ``kids``."""
        sep = self.sep
        return [*([] if sep[k] is None else [sep[k]]), *[sep[m] for m in kids]]

    def _belief_subs(self, k: int) -> Any:
        return self._subs(self.ein_belief, k, k, self._inflow_seps(k, self.kids[k]), self.scopes[k])

    def _total_subs(self, k: int) -> Any:
        return self._subs(self.ein_total, k, k, self._inflow_seps(k, self.kids[k]), ())

    def _ss_marg(self, v: int) -> Any:
        k = self.home[v]
        return self._subs(self.ein_marg, v, k, self._inflow_seps(k, self.kids[k]), (v,))

    def _ss_down(self, m: int) -> Any:
        """Shafer-Shenoy downward message to ``m`` (from its parent's potential and other messages)."""
        p = self.parent[m]
        return self._subs(self.ein_down, m, p, self._inflow_seps(p, [x for x in self.kids[p] if x != m]), self.sep[m])

    def _down_subs(self, m: int) -> Any:
        p = self.parent[m]
        got = self.down_subs[m] = self._words(p, [self.scopes[p]], self.sep[m])
        return got

    def _marg_subs(self, v: int) -> Any:
        k = self.home[v]
        got = self.marg_subs[v] = self._words(k, [self.scopes[k]], (v,))
        return got

    def _needs_scaling(self) -> bool:
        """Whether to calibrate scaled from the start.

        Yes when a clique has more operands than one einsum takes, or when the factors' maxima
        multiply past ``10**tuning.SCALING_LOG10_LIMIT`` (Markov networks; they could amplify an
        underflowed entry; a Bayesian network's tables are probabilities). Otherwise a plain
        calibration runs first and is rerun scaled when a root's total is below
        ``10**-tuning.SCALING_LOG10_LIMIT`` or not finite; a plan that needed scaling once
        stays scaled.
        """
        limit = tuning.MAX_EINSUM_OPERANDS
        if any(len(i) > limit for i in self.inputs) or any(len(k) + 2 > limit for k in self.kids):
            return True
        if self.c.is_bn:
            return False
        growth = sum(max(top, 0.0) for top, _ in self.c.magnitudes)
        if growth > tuning.SCALING_LOG10_LIMIT / 2:
            return True
        self.floor = 10.0 ** (growth - tuning.SCALING_LOG10_LIMIT)
        return False

    def _trusted(self, total: float) -> bool:
        return self.floor <= total < math.inf

    # -- plain calibration -----------------------------------------------------------------------
    def _potentials(self, codes: Sequence[int]) -> list[np.ndarray | None]:
        if self.fixed is None:  # potentials that hold no evidence are built once
            fixed: dict[int, np.ndarray | None] = {}
            for k, inputs in enumerate(self.inputs):
                real = inputs[:self.n_real[k]]
                if all(template is None for _, template, _, _ in real):
                    fixed[k] = self._psi(k, [i[0] for i in real])
            self.fixed = fixed  # published whole (threads may share the plan)
        psi = []
        for k, inputs in enumerate(self.inputs):
            if k in self.fixed:
                psi.append(self.fixed[k])
                continue
            psi.append(self._psi(k, slice_evidence(inputs[:self.n_real[k]], codes)))
        return psi

    def _collect(self, psi: list[np.ndarray | None]) -> list:
        up: list = [None] * len(psi)
        parent, unit, kids, ein, apply = self.parent, self.unit, self.kids, self.ein_up, self._apply
        for k in reversed(self.preorder):
            if parent[k] is not None and not unit[k]:
                e = ein[k] or self._up_subs(k)
                p = psi[k]
                ops = [up[m] for m in kids[k]] if p is None else [p, *[up[m] for m in kids[k]]]
                up[k] = einsum(e, *ops) if e.__class__ is str else apply(e, ops)
        return up

    def log_mass(self, codes: Sequence[int]) -> float:
        """Natural log of the total of the tables with this evidence (-inf if zero)."""
        if not self.scaled:
            psi = self._potentials(codes)
            up = self._collect(psi)
            masses = []
            for r in self.roots:
                ops = [*([] if psi[r] is None else [psi[r]]), *[up[m] for m in self.kids[r]]]
                masses.append(float(self._apply(self.ein_total.get(r) or self._total_subs(r), ops)))
            if all(self._trusted(m) for m in masses):
                return math.fsum([math.log(m) for m in masses])
        return self._log_mass_scaled(codes)

    def run(self, codes: Sequence[int], wanted: Iterable[int]) -> dict[str, DiscreteFactor]:
        """Calibrate for ``codes`` and return the marginals of the ``wanted`` ids."""
        if not self.scaled:
            try:
                return self._named(self._run_plain(codes, wanted), wanted, codes)
            except _Rescale:
                self.scaled = True
        return self._named(self._run_scaled(codes, wanted), wanted, codes)

    def _run_plain(self, codes: Sequence[int], wanted: Iterable[int]) -> dict[int, np.ndarray]:
        """Calibrate unscaled: every unnormalised marginal into one buffer, normalised at once.

        Raises ``_Rescale`` when a marginal's total (a root's total, up to rounding) is not in the
        trusted range.
        """
        psi = self._potentials(codes)
        up = self._collect(psi)
        down: list = [None] * len(psi)
        targets = self._targets(wanted)
        offset, starts, lengths, size = targets[2:]
        buffer = np.empty(size)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 in a message: see below
            self._distribute(codes, psi, up, down, targets, buffer)
        if not size:
            return {}
        totals = np.add.reduceat(buffer, starts)
        floor = self.floor
        if not all([floor <= t < math.inf for t in totals.tolist()]):
            raise _Rescale  # the scaled run decides whether a zero is exact
        buffer /= totals if len(starts) == 1 else np.repeat(totals, lengths)
        buffer.flags.writeable = False  # the marginals handed out are views of it
        return {v: buffer[a:a + n] for (v, a), n in zip(offset.items(), lengths)}

    def _distribute(self, codes: Sequence[int], psi: list[np.ndarray | None], up: list, down: list,
                    layout: Targets, buffer: np.ndarray) -> None:
        """Downward pass of a plain run: unnormalised marginals into ``buffer``, messages into ``down``.

        A clique with few outputs, or a small one, sends each straight from its potential and
        messages (Shafer-Shenoy: one einsum an output); else it builds its belief once.
        """
        need, visit, offset = layout[:3]
        cards, size, small = self.c.cards, self.size, tuning.SS_MAX_ENTRIES
        for k in self.preorder:
            if k not in visit:
                continue
            extra = [] if down[k] is None else [down[k]]
            targets = [m for m in self.children[k] if m in visit]
            if size[k] <= small or len(need.get(k, ())) + len(targets) <= tuning.SS_MAX_OUTPUTS:
                self._pass_on(k, psi[k], extra, up, down, need.get(k, ()), targets, buffer, offset, codes)
                continue
            own = extra if psi[k] is None else [psi[k], *extra]
            belief = self._apply(self.ein_belief[k] or self._belief_subs(k), [*own, *[up[m] for m in self.kids[k]]])
            if self.parent[k] is None:
                self._check_root(float(belief.sum()), codes)
            for v in need.get(k, ()):
                a = offset[v]
                einsum(self.marg_subs.get(v) or self._marg_subs(v), belief, out=buffer[a:a + cards[v]])
            for m in targets:
                sep = einsum(self.down_subs[m] or self._down_subs(m), belief)
                if self.unit[m]:
                    down[m] = sep
                    continue
                down[m] = np.where(up[m] == 0, 0.0, sep / up[m])  # a zero upward message: 0, not nan

    def _check_root(self, total: float, codes: Sequence[int]) -> None:
        """Ask for a scaled run when a root's total is out of the trusted range (or zero)."""
        if not self._trusted(total):
            raise _Rescale  # the scaled run decides whether a zero is exact

    def _pass_on(self, k: int, psi: np.ndarray | None, extra: list, up: list, down: list, homes: Sequence[int],
                 targets: list[int], buffer: np.ndarray, offset: dict[int, int], codes: Sequence[int]) -> None:
        """Shafer-Shenoy step at clique ``k``: its (unnormalised) marginals and downward messages."""
        kids, apply = self.kids[k], self._apply
        own = extra if psi is None else [psi, *extra]
        ups = [up[m] for m in kids]
        for v in homes:
            e = self.ein_marg.get(v) or self._ss_marg(v)
            a = offset[v]
            if e.__class__ is str:
                einsum(e, *own, *ups, out=buffer[a:a + self.c.cards[v]])
            else:
                buffer[a:a + self.c.cards[v]] = apply(e, [*own, *ups])
        if self.parent[k] is None and not homes:
            self._check_root(float(apply(self.ein_total.get(k) or self._total_subs(k), [*own, *ups])), codes)
        for m in targets:
            e = self.ein_down[m] or self._ss_down(m)
            ops = [*own, *[up[x] for x in kids if x != m]]
            down[m] = einsum(e, *ops) if e.__class__ is str else apply(e, ops)

    def _named(self, results: dict[int, np.ndarray], wanted: Iterable[int],
               codes: Sequence[int]) -> dict[str, DiscreteFactor]:
        return posterior_factors(self.c, results, wanted, dict(zip(self.evidence_ids, codes)), self.masses)
