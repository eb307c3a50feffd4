"""Semi-graphoid reasoning on conditional-independence triples: closure, implication, derivations.

A triple ``(A, B, C)`` of disjoint sets of variable names reads ``A ⊥ B | C``. The semi-graphoid
axioms are symmetry, decomposition, weak union and contraction:

- symmetry: ``A ⊥ B | C`` gives ``B ⊥ A | C``;
- decomposition: ``A ⊥ B, D | C`` gives ``A ⊥ B | C``;
- weak union: ``A ⊥ B, D | C`` gives ``A ⊥ B | C, D``;
- contraction: ``A ⊥ B | C`` and ``A ⊥ D | B, C`` give ``A ⊥ B, D | C``.

Two engines live here, both on plain names (no models):

- an **exact** one (small inputs): a semi-graphoid is determined by its *elementary* triples
  ``a ⊥ b | K`` (Matúš 1992), and a set of elementary triples is one iff it is closed under
  ``a ⊥ b | c K`` and ``a ⊥ c | K`` giving ``a ⊥ c | b K`` and ``a ⊥ b | K``. The closure is
  computed over at most :data:`pgm_lite.tuning.CLOSURE_MAX_VARIABLES` variables.
- a **targeted** one (any size): to prove ``X ⊥ R | U`` it looks only at the declared statements
  with ``X`` on one side, covering ``X ⊥ R1 | U`` by decomposition and weak union and chaining
  the rest with contraction (``X ⊥ R1 | U`` and ``X ⊥ R - R1 | U, R1``). It is sound, not
  complete: a derivation that passes through statements about other variables is not found.

Examples
--------
>>> stmts = [(("X1",), ("X2", "X3"), ("Y",)), (("X2",), ("X3",), ("Y",))]
>>> names = ["Y", "X1", "X2", "X3"]
>>> is_implied(names, stmts, (("X3",), ("X1", "X2"), ("Y",)))
True
>>> for line in find_derivation(names, stmts, (("X3",), ("X1", "X2"), ("Y",))):
...     print(line)
(1) X2 ⊥ X3 | Y    given
(2) X3 ⊥ X2 | Y    from (1) by symmetry
(3) X1 ⊥ X2, X3 | Y    given
(4) X3 ⊥ X1 | Y, X2    from (3) by symmetry, weak union
(5) X3 ⊥ X1, X2 | Y    contraction of (2) and (4)
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Iterable, Iterator, Sequence

import networkx as nx

from . import graphs, tuning
from .exceptions import OptionError

__all__ = [
    "Boundary",
    "Triple",
    "boundary_parents",
    "closure_statements",
    "find_derivation",
    "is_implied",
    "prove",
]

Triple = tuple[tuple[Hashable, ...], tuple[Hashable, ...], tuple[Hashable, ...]]
_Mask = tuple[int, int, int]


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _bit_list(mask: int) -> list[int]:
    """Return the set bits of ``mask``, lowest first (fast for wide masks)."""
    return [i for i, d in enumerate(bin(mask)[:1:-1]) if d == "1"]


def _submasks(mask: int) -> Iterator[int]:
    sub = mask
    while True:
        yield sub
        if sub == 0:
            return
        sub = (sub - 1) & mask


class _Names:
    """Variable names <-> bit positions (declaration order)."""

    def __init__(self, variables: Iterable[Hashable]) -> None:
        self.names = list(dict.fromkeys(variables))
        self.bit = {v: i for i, v in enumerate(self.names)}

    def mask(self, names: Iterable[Hashable]) -> int:
        out = 0
        for v in names:
            out |= 1 << self.bit[v]
        return out

    def triple(self, t: Triple) -> _Mask:
        return self.mask(t[0]), self.mask(t[1]), self.mask(t[2])

    def names_of(self, mask: int) -> tuple[Hashable, ...]:
        return tuple(self.names[i] for i in _bit_list(mask))

    def text(self, a: int, b: int, c: int) -> str:
        text = f"{', '.join(map(str, self.names_of(a)))} ⊥ {', '.join(map(str, self.names_of(b)))}"
        return f"{text} | {', '.join(map(str, self.names_of(c)))}" if c else text


# -- exact engine: the elementary closure ----------------------------------------------------------
class _Elementary:
    """The semi-graphoid closure of some triples, stored as its elementary triples."""

    def __init__(self, n: int, statements: Iterable[_Mask]) -> None:
        self.full = (1 << n) - 1
        self.known: set[tuple[int, int, int]] = set()
        self.work: list[tuple[int, int, int]] = []
        self.memo: dict[_Mask, bool] = {}
        for a_set, b_set, c_set in statements:
            for a in _bits(a_set):
                for b in _bits(b_set):
                    free = (a_set | b_set) & ~((1 << a) | (1 << b))
                    for extra in _submasks(free):
                        self._add(a, b, c_set | extra)
        while self.work:
            self._saturate(*self.work.pop())

    def _has(self, a: int, b: int, k: int) -> bool:
        return (min(a, b), max(a, b), k) in self.known

    def _add(self, a: int, b: int, k: int) -> None:
        key = (min(a, b), max(a, b), k)
        if key not in self.known:
            self.known.add(key)
            self.work.append(key)

    def _saturate(self, x: int, y: int, k: int) -> None:
        # the rule: a ⊥ b | cK and a ⊥ c | K  =>  a ⊥ c | bK and a ⊥ b | K (a on either side)
        for a, other in ((x, y), (y, x)):
            for c in _bits(k):             # the new triple is a ⊥ b | cK with b = other
                rest = k & ~(1 << c)
                if self._has(a, c, rest):
                    self._add(a, c, rest | (1 << other))
                    self._add(a, other, rest)
            for b in _bits(self.full & ~(k | (1 << a) | (1 << other))):   # it is a ⊥ c | K
                if self._has(a, b, k | (1 << other)):
                    self._add(a, other, k | (1 << b))
                    self._add(a, b, k)

    def contains(self, a_set: int, b_set: int, c_set: int) -> bool:
        """Whether ``A ⊥ B | C`` is in the closure (peeling one variable at a time)."""
        key = (a_set, b_set, c_set)
        if key not in self.memo:
            if a_set & (a_set - 1) == 0 and b_set & (b_set - 1) == 0:
                found = self._has(a_set.bit_length() - 1, b_set.bit_length() - 1, c_set)
            elif b_set & (b_set - 1):      # A ⊥ B'b | C  <=>  A ⊥ B' | C  and  A ⊥ b | B'C
                b = b_set & -b_set
                found = self.contains(a_set, b, c_set) and self.contains(a_set, b_set ^ b, c_set | b)
            else:
                found = self.contains(b_set, a_set, c_set)
            self.memo[key] = found
        return self.memo[key]


def _exact(names: _Names, statements: Sequence[_Mask]) -> _Elementary:
    n = len(names.names)
    if n > tuning.CLOSURE_MAX_VARIABLES:
        raise OptionError(
            f"the exact semi-graphoid closure is limited to {tuning.CLOSURE_MAX_VARIABLES} variables "
            f"(pgm_lite.tuning.CLOSURE_MAX_VARIABLES); these statements mention {n}"
        )
    return _Elementary(n, statements)


def closure_statements(variables: Sequence[Hashable], statements: Iterable[Triple]) -> list[Triple]:
    """Return the maximal statements of the semi-graphoid closure of ``statements``.

    Every implied statement follows from one returned statement by symmetry, decomposition and
    weak union; each is listed once, in the orientation whose first variable comes first in
    ``variables``; shorter conditioning sets first.

    Raises
    ------
    OptionError
        If there are more than :data:`pgm_lite.tuning.CLOSURE_LIST_MAX_VARIABLES` variables.

    Examples
    --------
    >>> closure_statements("ABC", [(("A",), ("B",), ()), (("A",), ("C",), ("B",))])
    [(('A',), ('B', 'C'), ())]
    """
    names = _Names(variables)
    n = len(names.names)
    if n > tuning.CLOSURE_LIST_MAX_VARIABLES:
        raise OptionError(
            f"listing the closure visits 4**n statements and is limited to "
            f"{tuning.CLOSURE_LIST_MAX_VARIABLES} variables (pgm_lite.tuning.CLOSURE_LIST_MAX_VARIABLES); "
            f"these statements mention {n}: ask pl.implies about single statements instead"
        )
    closed = _exact(names, [names.triple(t) for t in statements])
    found = []
    for c_set in range(1 << n):
        rest = [i for i in range(n) if not c_set >> i & 1]
        for sides in itertools.product((0, 1, 2), repeat=len(rest)):
            a_set = sum(1 << i for i, s in zip(rest, sides) if s == 1)
            b_set = sum(1 << i for i, s in zip(rest, sides) if s == 2)
            if a_set and b_set and (a_set & -a_set) < (b_set & -b_set) and closed.contains(a_set, b_set, c_set):
                if not _dominated(closed, n, a_set, b_set, c_set):
                    found.append((a_set, b_set, c_set))
    found.sort(key=lambda t: (bin(t[2]).count("1"), list(_bits(t[2])), list(_bits(t[0])), list(_bits(t[1]))))
    return [(names.names_of(a), names.names_of(b), names.names_of(c)) for a, b, c in found]


def _dominated(closed: _Elementary, n: int, a_set: int, b_set: int, c_set: int) -> bool:
    """Whether a one-variable-larger statement of the closure gives this one."""
    outside = ((1 << n) - 1) & ~(a_set | b_set | c_set)
    for v in _bits(outside | c_set):
        bit, cond = 1 << v, c_set & ~(1 << v)
        if closed.contains(a_set | bit, b_set, cond) or closed.contains(a_set, b_set | bit, cond):
            return True
    return False


# -- targeted engine: contraction chains over the statements that mention X ------------------------
@dataclasses.dataclass(frozen=True)
class _Given:
    """``target`` follows from declared statement ``index`` by symmetry/decomposition/weak union."""

    target: _Mask
    index: int
    flipped: bool


@dataclasses.dataclass(frozen=True)
class _Contraction:
    target: _Mask
    first: _Given
    second: _Given | _Contraction


Proof = _Given | _Contraction


class _Prover:
    """Proves ``X ⊥ R | U`` for one fixed ``X`` from the statements with ``X`` on a side."""

    def __init__(self, x: int, statements: Sequence[_Mask], indices: Iterable[int] | None = None) -> None:
        self.x = x
        self.covers = []       # (side with X, other side, given, all three, index, flipped)
        for i in range(len(statements)) if indices is None else indices:
            a, b, c = statements[i]
            for mine, other, flipped in ((a, b, False), (b, a, True)):
                if x & ~mine == 0:
                    self.covers.append((mine, other, c, a | b | c, i, flipped))
        self.memo: dict[tuple[int, int], Proof | None] = {}
        self.steps = 0

    def candidates(self, preds: int) -> list[int]:
        """Conditioning sets U with ``X ⊥ preds - U | U`` covered by one statement."""
        return [preds & ~other for _m, other, c, abc, _i, _f in self.covers
                if c & ~preds == 0 and preds & ~abc == 0 and preds & other]

    def prove(self, rest: int, given: int) -> Proof | None:
        key = (rest, given)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None          # guards against cycles while searching
        self.steps += 1
        if self.steps > tuning.IMPLIES_MAX_STEPS:
            return None
        result: Proof | None = None
        chains = []
        for _mine, other, c, abc, i, flipped in self.covers:
            if c & ~given or given & ~abc:
                continue
            part = other & rest
            if part == rest:
                result = _Given((self.x, rest, given), i, flipped)
                break
            if part:
                chains.append((part, _Given((self.x, part, given), i, flipped)))
        for part, first in chains if result is None else ():
            second = self.prove(rest & ~part, given | part)
            if second is not None:
                result = _Contraction((self.x, rest, given), first, second)
                break
        self.memo[key] = result
        return result


def prove(variables: Sequence[Hashable], statements: Iterable[Triple], target: Triple) -> Proof | None:
    """Search a derivation of ``target`` with the targeted engine; None when none is found.

    Examples
    --------
    >>> prove("ABC", [(("A",), ("B",), ())], (("B",), ("A",), ())) is not None
    True
    """
    names = _Names(variables)
    masks = [names.triple(t) for t in statements]
    return _prove_masks(masks, names.triple(target))


def _prove_masks(masks: Sequence[_Mask], target: _Mask) -> Proof | None:
    a, b, c = target
    found = _Prover(a, masks).prove(b, c)
    if found is None:   # X ⊥ Y | Z by symmetry from Y ⊥ X | Z
        flipped = _Prover(b, masks).prove(a, c)
        if flipped is not None:
            return _Contraction(target, _Given(target, -1, True), flipped)
    return found


def is_implied(variables: Sequence[Hashable], statements: Iterable[Triple], target: Triple) -> bool:
    """Whether ``target`` follows from ``statements`` under the semi-graphoid axioms.

    The targeted engine answers yes when it finds a derivation; otherwise the exact closure
    decides, which needs at most :data:`pgm_lite.tuning.CLOSURE_MAX_VARIABLES` variables among
    the statements and the target.

    Raises
    ------
    OptionError
        When the targeted search fails on more variables than the exact closure takes.

    Examples
    --------
    >>> is_implied("ABC", [(("A",), ("B", "C"), ())], (("A",), ("B",), ("C",)))
    True
    >>> is_implied("ABC", [(("A",), ("B",), ())], (("A",), ("B",), ("C",)))
    False
    """
    statements = list(statements)
    mentioned = _Names(v for t in (*statements, target) for side in t for v in side)
    masks = [mentioned.triple(t) for t in statements]
    goal = mentioned.triple(target)
    if _prove_masks(masks, goal) is not None:
        return True
    return _exact(mentioned, masks).contains(*goal)


def find_derivation(variables: Sequence[Hashable], statements: Iterable[Triple], target: Triple) -> list[str] | None:
    """Return a numbered step-by-step derivation of ``target``, or None if the targeted engine finds none.

    Examples
    --------
    >>> find_derivation("ABC", [(("A",), ("B",), ("C",))], (("B",), ("A",), ("C",)))
    ['(1) A ⊥ B | C    given', '(2) B ⊥ A | C    from (1) by symmetry']
    """
    names = _Names(variables)
    masks = [names.triple(t) for t in statements]
    proof = _prove_masks(masks, names.triple(target))
    return None if proof is None else format_proof(proof, masks, names.names)


def format_proof(proof: Proof, statements: Sequence[_Mask], variables: Sequence[Hashable]) -> list[str]:
    """Write a proof as numbered lines ``(k) statement    reason``."""
    names = _Names(variables)
    lines: list[str] = []
    cited: dict[int, int] = {}

    def emit(triple: _Mask, reason: str) -> int:
        lines.append(f"({len(lines) + 1}) {names.text(*triple)}    {reason}")
        return len(lines)

    def walk(node: Proof) -> int:
        if isinstance(node, _Contraction):
            if node.first.index < 0:       # the symmetry wrapper of _prove_masks
                return emit(node.target, f"from ({walk(node.second)}) by symmetry")
            first, second = walk(node.first), walk(node.second)
            return emit(node.target, f"contraction of ({first}) and ({second})")
        a, b, c = statements[node.index]
        if node.index not in cited:
            cited[node.index] = emit((a, b, c), "given")
        source = cited[node.index]
        mine, other = (b, a) if node.flipped else (a, b)
        x, rest, given = node.target
        if (x, rest, given) == (a, b, c):
            return source
        moved = given & ~c
        rules = ["symmetry"] if node.flipped else []
        if (mine & ~x & ~moved) or (other & ~rest & ~moved):
            rules.append("decomposition")
        if moved:
            rules.append("weak union")
        return emit(node.target, f"from ({source}) by {', '.join(rules)}")

    walk(proof)
    return lines


# -- Pearl's boundary DAG -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Boundary:
    """Why ``variable`` got ``parents``: the implied ``statement`` and its derivation ``steps``.

    ``statement`` is None when the parents are all the predecessors (the chain rule needs no
    independence). ``minimal`` is True when no smaller parent set is implied (decided), False when
    that could not be decided (see :func:`boundary_parents`).
    """

    variable: Hashable
    parents: tuple[Hashable, ...]
    statement: Triple | None
    steps: tuple[str, ...]
    minimal: bool


def _popcount_key(mask: int) -> tuple[int, int]:
    return bin(mask).count("1"), mask


def _follows_from_boundary(parents: Sequence[int], statement: _Mask) -> bool:
    """Whether ``statement`` follows from the boundary statement of its latest variable ``v``.

    That is ``v ⊥ preds - U | U`` (a d-separation of the DAG), by symmetry, decomposition and weak union.
    """
    a, b, c = statement
    latest = (a | b | c).bit_length() - 1
    preds, mine_parents = (1 << latest) - 1, parents[latest]
    return any(mine == 1 << latest and other & mine_parents == 0 and mine_parents & ~c == 0
               and (other | c) & ~preds == 0 for mine, other in ((a, b), (b, a)))


def _hold_in_dag(parents: Sequence[int], statements: Sequence[_Mask]) -> bool:
    """Whether every statement is a d-separation of the DAG with these parent sets."""
    hard = [t for t in statements if not _follows_from_boundary(parents, t)]
    if not hard:
        return True
    dag = nx.DiGraph()
    dag.add_nodes_from(range(len(parents)))
    dag.add_edges_from((p, i) for i, ps in enumerate(parents) for p in _bit_list(ps))
    return all(graphs.d_separated(dag, set(_bit_list(a)), set(_bit_list(b)), set(_bit_list(c)))
               for a, b, c in hard)


def _shrink(prover: _Prover, preds: int, parents: int) -> tuple[int, Proof | None]:
    """Drop parents (latest first) while the targeted engine still proves the statement."""
    if not prover.covers:      # no statement mentions X on a side: nothing to drop
        return parents, None
    proof = prover.prove(preds & ~parents, parents) if parents != preds else None
    for b in sorted(_bits(parents), reverse=True):
        trial = parents & ~(1 << b)
        found = prover.prove(preds & ~trial, trial)
        if found is not None:
            parents, proof = trial, found
    return parents, proof


def boundary_parents(variables: Sequence[Hashable], statements: Iterable[Triple]) -> list[Boundary]:
    """Return, for each variable in order, an inclusion-minimal parent set (Pearl's boundary DAG).

    The parents ``U`` of ``X_i`` are a subset of its predecessors ``P`` such that
    ``X_i ⊥ P - U | U`` is implied by ``statements`` under the semi-graphoid axioms, and no proper
    subset of ``U`` is.

    What is decided, and how:

    1. For each ``X_i`` the targeted engine (statements with ``X_i`` on one side only) proposes
       the smallest ``U`` one statement covers, then drops parents while it can still derive the
       statement, so every parent set is *implied* (the axioms are sound).
    2. If every declared statement holds as a d-separation in the resulting DAG, the closure of
       the statements is contained in the DAG's d-separations, so no smaller parent set is implied:
       every ``U`` is inclusion-minimal, and (Verma–Pearl) the DAG's d-separations are exactly
       the closure. This settles the Markov chain of 784 pixels in well under a second.
    3. Otherwise, with at most :data:`pgm_lite.tuning.CLOSURE_MAX_VARIABLES` variables, the exact
       closure shrinks each ``U`` to an inclusion-minimal one. Beyond that size the parent sets
       stay implied but minimality is *not decided* (``minimal=False``).

    Semi-graphoid implication is what is decided. Probabilistic implication in general (what
    every distribution satisfying the statements satisfies) is not finitely axiomatizable
    (Studený 1992), so a statement the axioms do not imply may still hold in every distribution.

    Examples
    --------
    >>> naive = [(("X1",), ("X2", "X3"), ("Y",)), (("X2",), ("X3",), ("Y",))]
    >>> [b.parents for b in boundary_parents(["Y", "X1", "X2", "X3"], naive)]
    [(), ('Y',), ('Y',), ('Y',)]
    """
    names = _Names(variables)
    masks = [names.triple(t) for t in statements]
    sides: list[list[int]] = [[] for _ in names.names]     # statements with the variable on a side
    for k, (a, b, _c) in enumerate(masks):
        for i in _bit_list(a | b):
            sides[i].append(k)
    chosen: list[tuple[int, Proof | None, _Prover]] = []
    preds = 0
    for i in range(len(names.names)):
        prover = _Prover(1 << i, masks, sides[i])
        start = min([*prover.candidates(preds), preds], key=_popcount_key)
        parents, proof = _shrink(prover, preds, start)
        chosen.append((parents, proof, prover))
        preds |= 1 << i
    minimal = _hold_in_dag([parents for parents, _, _ in chosen], masks)
    exact = None
    if not minimal and len(names.names) <= tuning.CLOSURE_MAX_VARIABLES:
        exact, minimal = _exact(names, masks), True
    out = []
    preds = 0
    for i, (parents, proof, _prover) in enumerate(chosen):
        steps: list[str] = [] if proof is None else format_proof(proof, masks, names.names)
        if exact is not None:
            for b in sorted(_bits(parents), reverse=True):
                trial = parents & ~(1 << b)
                if exact.contains(1 << i, preds & ~trial, trial):
                    parents = trial
                    steps = ["implied: decided on the exact semi-graphoid closure"]
        rest = preds & ~parents
        statement = None if not rest else (names.names_of(1 << i), names.names_of(rest), names.names_of(parents))
        out.append(Boundary(names.names[i], names.names_of(parents), statement, tuple(steps), minimal))
        preds |= 1 << i
    return out
