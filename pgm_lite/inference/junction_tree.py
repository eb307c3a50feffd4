"""Junction tree: triangulate once per model, then calibrate for any evidence to get all marginals.

The tree is built from the elimination cliques of a heuristic order (the same registry as
variable elimination), non-maximal cliques merged into a neighbour. Calibration is HUGIN-style:
one upward pass of einsum messages, then beliefs and downward messages (belief summed onto the
separator, divided by the upward message). Evidence is sliced out of the factors, so observed
variables disappear from every table; the per-evidence-set plan is cached on the tree.
"""

from __future__ import annotations

import math

import numpy as np

from .. import tuning
from ..elimination import clique_tree, clique_tree_of, eliminate, greedy_order
from ..exceptions import MemoryLimitError, PGMError
from ..factor import DiscreteFactor
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._plan import _subscripts, slice_evidence
from ._query_args import check_order_covers, elimination_key, evidence_codes, variable_ids, zero_evidence
from .variable_elimination import make_plan, posterior_values

__all__ = ["JunctionTree", "marginals"]



class JunctionTree:
    """A junction tree of a model, reusable for any evidence.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    elimination_order : str, optional
        Triangulation heuristic (see ``pl.elimination.ORDERINGS``).
    max_memory : int, optional
        Refuse (MemoryLimitError) trees whose clique tables need more bytes than this.

    Attributes
    ----------
    cliques : list of tuple of str
        Maximal cliques, variables in declaration order.
    edges : list of (int, int)
        Tree edges as ``(i, j)`` indices into ``cliques`` with ``i < j``.
    model : BayesianNetwork or MarkovNetwork

    Examples
    --------
    >>> jt = pl.JunctionTree(pl.example("asia"))
    >>> len(jt.cliques), jt.separator(*jt.edges[0])
    (6, ('tub',))
    >>> m = jt.marginals({"smoke": "yes"})
    >>> m["lung"].values.round(3).tolist()
    [0.1, 0.9]
    """

    def __init__(self, model, *, elimination_order="min-fill", max_memory=DEFAULT_MAX_MEMORY):
        c = compiled(model)
        heuristic = elimination_key(c, elimination_order)
        self.model = model
        self._c = c
        self._version = c.version
        self._plans = {}
        self._strategies = {}  # marginals(): evidence ids -> per-variable plans, choices
        n = len(c.names)
        adj = {v: set() for v in range(n)}
        for scope in c.scopes:
            for v in scope:
                adj[v].update(u for u in scope if u != v)
        if isinstance(heuristic, str):
            order, elim = greedy_order(adj, dict(enumerate(c.cards)), range(n), heuristic)
        else:
            check_order_covers(c, heuristic, set(adj))
            order, elim = eliminate(adj, heuristic)
        sets = clique_tree(order, elim)[0]
        self._sets = [tuple(sorted(s)) for s in sets]
        self.structure = clique_tree_of(c.names, order, elim)
        self.cliques = self.structure.cliques
        self.edges = self.structure.edges
        sizes = [math.prod(c.cards[v] for v in s) for s in self._sets]
        big = max(range(len(sizes)), key=sizes.__getitem__)
        if 16 * sum(sizes) > max_memory:
            raise MemoryLimitError(
                f"the junction tree needs {sum(sizes):.3g} table entries "
                f"({16 * sum(sizes) / 2**30:.3g} GiB with beliefs), more than "
                f"max_memory={max_memory / 2**30:.3g} GiB; largest clique has {len(self._sets[big])} "
                f"variables ({sizes[big]:.3g} entries): {list(self.cliques[big][:12])}. Try another "
                "elimination_order, pl.query for a few variables, or sampling (pl.approximate_query)"
            )
        self._candidates = [[i for i, s in enumerate(sets) if set(scope) <= s] for scope in c.scopes]
        self._sizes = sizes

    def separator(self, i, j):
        """Return the variables shared by cliques ``i`` and ``j`` (in clique ``i``'s order)."""
        return self.structure.separator(i, j)

    def __repr__(self):
        width = max((len(s) for s in self.cliques), default=1) - 1
        return f"<JunctionTree {len(self.cliques)} cliques, width {width}>"

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Jupyter display: the tree drawn by :func:`pgm_lite.render_junction_tree`."""
        from ..render import render_junction_tree

        return render_junction_tree(self)._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def _check_current(self):
        if self.model.version != self._version:
            raise PGMError("the model changed after this junction tree was built; build a new one")

    def marginals(self, evidence=None, variables=None):
        """Return ``{variable: posterior DiscreteFactor}`` after one calibration.

        Observed variables get a point mass on their observed state.
        """
        self._check_current()
        c = self._c
        wanted = range(len(c.names)) if variables is None else variable_ids(c, variables)
        evidence_ids, codes = evidence_codes(c, evidence)
        plan = self._plans.get(evidence_ids)
        if plan is None:
            plan = self._plans[evidence_ids] = _CalibrationPlan(self, evidence_ids)
        return plan.run(codes, wanted)

    def probability(self, evidence):
        """P(evidence) from the calibrated tree (Z(evidence)/Z for a Markov network)."""
        self._check_current()
        c = self._c
        evidence_ids, codes = evidence_codes(c, evidence)
        plan = self._plans.get(evidence_ids)
        if plan is None:
            plan = self._plans[evidence_ids] = _CalibrationPlan(self, evidence_ids)
        mass = plan.mass(codes)
        if c.is_bn:
            return mass
        return mass / self.__class__._z(self)

    def _z(self):
        if () not in self._plans:
            self._plans[()] = _CalibrationPlan(self, ())
        return self._plans[()].mass(())


class _CalibrationPlan:
    """Clique tables with the evidence sliced out, message einsums, rooted traversal."""

    def __init__(self, jt, evidence_ids):
        c = jt._c
        observed = set(evidence_ids)
        position = {v: j for j, v in enumerate(evidence_ids)}
        self.c, self.evidence_ids = c, evidence_ids
        scopes = [tuple(v for v in s if v not in observed) for s in jt._sets]
        self.scopes = scopes
        n = len(scopes)
        # root each tree at a clique holding observed variables (Bayesian networks: their
        # CPDs then sit near the root, and more subtrees send messages that are exactly one)
        first = [min(jt._candidates[v], key=lambda i: (jt._sizes[i], i)) for v in evidence_ids
                 if c.is_bn]
        self._root_forest(jt, n, first)
        # each factor goes to the shallowest clique holding its scope (then the smallest), so
        # that as many subtrees as possible hold only the CPDs of their own variables
        depth = [0] * n
        for k in self.preorder:
            if self.parent[k] is not None:
                depth[k] = depth[self.parent[k]] + 1
        homes = [min(cands, key=lambda i: (depth[i], jt._sizes[i], i)) for cands in jt._candidates]
        # factor inputs per clique: (table, template, slots, reduced scope)
        self.inputs = [[] for _ in range(n)]
        for f, home in enumerate(homes):
            scope = c.scopes[f]
            ev = [(a, position[v]) for a, v in enumerate(scope) if v in position]
            template = [slice(None)] * len(scope) if ev else None
            self.inputs[home].append((c.tables[f], template, ev, tuple(v for v in scope if v not in observed)))
        for k, scope in enumerate(scopes):
            covered = {v for *_, s in self.inputs[k] for v in s}
            for v in scope:
                if v not in covered:
                    self.inputs[k].append((np.ones(c.cards[v]), None, [], (v,)))
        self.psi_subs = [_subscripts([i[3] for i in self.inputs[k]], scopes[k]) for k in range(n)]
        self.sep = [None if self.parent[k] is None else
                    tuple(v for v in scopes[k] if v in set(scopes[self.parent[k]])) for k in range(n)]
        # unit[k]: the upward message of k is exactly one (Bayesian networks): its subtree holds
        # only CPDs of unobserved variables that live in the subtree alone, which sum to one
        self.unit = [False] * n
        if c.is_bn:
            held = [[] for _ in range(n)]
            for f, home in enumerate(homes):
                held[home].append(f)
            for k in reversed(self.preorder):
                p = self.parent[k]
                if p is None:
                    continue
                shared = set(jt._sets[k]) & set(jt._sets[p])
                self.unit[k] = all(self.unit[m] for m in self.children[k]) and all(
                    f not in observed and f not in shared for f in held[k])
        self.kids = [[m for m in self.children[k] if not self.unit[m]] for k in range(n)]
        self.up_subs = [None if self.sep[k] is None else
                        _subscripts([scopes[k], *(self.sep[m] for m in self.kids[k])], self.sep[k])
                        for k in range(n)]
        self.belief_subs = [
            _subscripts([scopes[k], *([self.sep[k]] if self.sep[k] is not None else []),
                         *(self.sep[m] for m in self.kids[k])], scopes[k])
            for k in range(n)
        ]
        self.down_subs = [None if self.sep[k] is None else
                          _subscripts([scopes[self.parent[k]]], self.sep[k]) for k in range(n)]
        size = lambda s: math.prod(c.cards[v] for v in s)  # noqa: E731
        self.home = {}
        for k, scope in enumerate(scopes):
            for v in scope:
                if v not in self.home or size(scope) < size(scopes[self.home[v]]):
                    self.home[v] = k
        self.marg_subs = {v: _subscripts([scopes[k]], (v,)) for v, k in self.home.items()}
        # Shafer-Shenoy outputs straight from psi and the messages (no belief table is built):
        # cheaper for cliques that only pass one or two messages or marginals on
        inflow = [[scopes[k], *([self.sep[k]] if self.sep[k] is not None else [])] for k in range(n)]
        self.ss_down = {}
        for m in range(n):
            p = self.parent[m]
            if p is not None:
                others = [x for x in self.kids[p] if x != m]
                self.ss_down[m] = (others, _subscripts([*inflow[p], *(self.sep[x] for x in others)],
                                                       self.sep[m]))
        self.ss_marg = {v: _subscripts([*inflow[k], *(self.sep[x] for x in self.kids[k])], (v,))
                        for v, k in self.home.items()}
        self.ss_total = {r: _subscripts([*inflow[r], *(self.sep[x] for x in self.kids[r])], ())
                         for r in self.roots}
        self.fixed = None

    def _root_forest(self, jt, n, first=()):
        """Root every tree at its first clique in ``first``, else its lowest index."""
        adj = {k: [] for k in range(n)}
        for i, j in jt.edges:
            adj[i].append(j)
            adj[j].append(i)
        self.parent, self.preorder = [None] * n, []
        seen = set()
        for root in [*first, *range(n)]:
            if root in seen:
                continue
            seen.add(root)
            stack = [root]
            while stack:
                k = stack.pop()
                self.preorder.append(k)
                for m in sorted(adj[k], reverse=True):
                    if m not in seen:
                        seen.add(m)
                        self.parent[m] = k
                        stack.append(m)
        self.children = [[] for _ in range(n)]
        for k in self.preorder:
            if self.parent[k] is not None:
                self.children[self.parent[k]].append(k)
        self.roots = [k for k in self.preorder if self.parent[k] is None]

    def _potentials(self, codes):
        if self.fixed is None:  # clique tables that hold no evidence are built once
            self.fixed = {}
            for k, inputs in enumerate(self.inputs):
                if all(template is None for _, template, _, _ in inputs):
                    self.fixed[k] = np.einsum(self.psi_subs[k], *(i[0] for i in inputs))
        psi = []
        for k, inputs in enumerate(self.inputs):
            if k in self.fixed:
                psi.append(self.fixed[k])
                continue
            psi.append(np.einsum(self.psi_subs[k], *slice_evidence(inputs, codes)))
        return psi

    def _collect(self, psi):
        up = [None] * len(psi)
        for k in reversed(self.preorder):
            if self.parent[k] is not None and not self.unit[k]:
                up[k] = np.einsum(self.up_subs[k], psi[k], *(up[m] for m in self.kids[k]))
        return up

    def mass(self, codes):
        psi = self._potentials(codes)
        up = self._collect(psi)
        total = 1.0
        for r in self.roots:
            total *= float(np.einsum(self.belief_subs[r], psi[r], *(up[m] for m in self.kids[r])).sum())
        return total

    def run(self, codes, wanted):
        c = self.c
        psi = self._potentials(codes)
        up = self._collect(psi)
        down = [None] * len(psi)
        results = {}
        need = {}
        for v in wanted:
            if v in self.home:
                need.setdefault(self.home[v], []).append(v)
        visit = set(self.roots)  # cliques on the way from a root to a clique we read
        for k in need:
            while k is not None and k not in visit:
                visit.add(k)
                k = self.parent[k]
        for k in self.preorder:
            if k not in visit:
                continue
            extra = [] if down[k] is None else [down[k]]
            targets = [m for m in self.children[k] if m in visit]
            if len(need.get(k, ())) + len(targets) <= tuning.SS_MAX_OUTPUTS:
                self._pass_on(k, psi[k], extra, up, down, need.get(k, ()), targets, results, codes)
                continue
            belief = np.einsum(self.belief_subs[k], psi[k], *extra, *(up[m] for m in self.kids[k]))
            if self.parent[k] is None:
                total = belief.sum()
                if not total > 0:
                    raise zero_evidence(c, self.evidence_ids, codes)
            for v in need.get(k, ()):
                values = np.einsum(self.marg_subs[v], belief)
                results[v] = values / values.sum()
            for m in self.children[k]:
                if m not in visit:
                    continue
                sep = np.einsum(self.down_subs[m], belief)
                if self.unit[m]:
                    down[m] = sep
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    down[m] = np.where(up[m] == 0, 0.0, sep / up[m])
        return self._named(results, wanted, codes)

    def _pass_on(self, k, psi, extra, up, down, homes, targets, results, codes):
        """Shafer-Shenoy step at clique ``k``: its marginals and downward messages."""
        ups = [up[m] for m in self.kids[k]]
        for v in homes:
            values = np.einsum(self.ss_marg[v], psi, *extra, *ups)
            total = values.sum()
            if self.parent[k] is None and not total > 0:
                raise zero_evidence(self.c, self.evidence_ids, codes)
            results[v] = values / total
        if self.parent[k] is None and not homes:
            if not float(np.einsum(self.ss_total[k], psi, *extra, *ups)) > 0:
                raise zero_evidence(self.c, self.evidence_ids, codes)
        for m in targets:
            others, subscripts = self.ss_down[m]
            down[m] = np.einsum(subscripts, psi, *extra, *(up[x] for x in others))

    def _named(self, results, wanted, codes):
        c = self.c
        out = {}
        observed = dict(zip(self.evidence_ids, codes))
        for v in wanted:
            if v in observed:
                values = np.zeros(c.cards[v])
                values[observed[v]] = 1.0
            else:
                values = results[v]
            out[c.names[v]] = DiscreteFactor.from_validated((c.names[v],), values, {c.names[v]: c.states[v]})
        return out




def marginals(model, evidence=None, variables=None, *, elimination_order="min-fill",
              max_memory=DEFAULT_MAX_MEMORY):
    """Return the posterior marginal of every (requested) variable given the evidence.

    The junction tree is built on first use and cached with the model (rebuilt when it changes),
    and one calibration gives every marginal. When the tree has big cliques that the evidence
    makes irrelevant, one pruned variable elimination per variable can be much cheaper: for each
    set of observed variables (and of requested ones) the cost of both is estimated once (the
    calibration from the clique sizes with the evidence sliced out, elimination by planning each
    variable's query, stopped as soon as it cannot win) and the cheaper one is used from then on.
    Both are exact.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict, optional
        ``{variable: state}``.
    variables : list of str, optional
        Which marginals to return (default: all, in declaration order).

    Returns
    -------
    dict
        ``{variable: DiscreteFactor}``; observed variables get a point mass.

    Examples
    --------
    >>> m = pl.marginals(pl.example("asia"), {"xray": "yes"})
    >>> round(float(m["tub"].values[0]), 4)
    0.0924
    """
    c = compiled(model)
    order_key = elimination_key(c, elimination_order)
    key = ("jt", order_key)
    jt = c.extra.get(key)
    if jt is None:
        jt = c.extra[key] = JunctionTree(model, elimination_order=elimination_order,
                                         max_memory=max_memory)
    wanted = tuple(range(len(c.names))) if variables is None else variable_ids(c, variables)
    evidence_ids, codes = evidence_codes(c, evidence)
    plans = _elimination_plans(c, jt, order_key, evidence_ids, wanted, max_memory)
    if plans is None:
        return jt.marginals(evidence, variables)
    observed = dict(zip(evidence_ids, codes))
    out = {}
    for v in wanted:
        if v in observed:
            values = np.zeros(c.cards[v])
            values[observed[v]] = 1.0
        else:
            values = posterior_values(c, plans[v], codes, max_memory)
        out[c.names[v]] = DiscreteFactor.from_validated((c.names[v],), values, {c.names[v]: c.states[v]})
    return out


def calibration_cost(c, jt, evidence_ids):
    """Estimated cost (table entries touched) of calibrating ``jt`` with this evidence."""
    observed = set(evidence_ids)
    total = 0
    for scope, size in zip(jt._sets, jt._sizes):
        for v in scope:
            if v in observed:
                size //= c.cards[v]
        total += 4 * (size + tuning.EINSUM_COST)  # potential, upward, belief and downward einsums
    return total


def _elimination_plans(c, jt, order_key, evidence_ids, wanted, max_memory):
    """Per-variable posterior plans if they are estimated cheaper than calibrating, else None."""
    if evidence_ids not in jt._strategies and len(jt._strategies) >= 8:  # bounded memory
        jt._strategies.clear()
    cache = jt._strategies.setdefault(evidence_ids, {"plans": {}, "choice": {}})
    observed = set(evidence_ids)
    free = tuple(v for v in wanted if v not in observed)
    if free in cache["choice"]:
        return cache["plans"] if cache["choice"][free] else None
    budget = calibration_cost(c, jt, evidence_ids) / tuning.VE_MARGIN
    use = bool(free) and budget * tuning.VE_MARGIN >= tuning.VE_MIN_TREE
    plans, spent = cache["plans"], 0
    for v in free if use else ():
        plan = plans.get(v)
        if plan is None:
            plan = plans[v] = make_plan(c, (v,), evidence_ids, order_key)
        if plan.main.largest * 8 > max_memory:
            use = False
            break
        spent += _plan_cost(c, plan.main)
        if spent >= budget:
            use = False
            break
    cache["choice"][free] = use
    return plans if use else None


def _plan_cost(c, sp):
    cards = c.cards
    if sp.steps is None:  # a single einsum over the piece's variables
        return math.prod([cards[u] for u in set().union(*sp.input_scopes)]) + tuning.EINSUM_COST
    total = tuning.EINSUM_COST * (len(sp.program) + 1)
    for _, _, _, union, _ in sp.steps:
        total += math.prod([cards[u] for u in union])
    return total
