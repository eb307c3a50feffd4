"""The cold single posterior's short path (issue 10): same answers, same bits, same errors.

- a new question's one einsum runs inline in ``SubPlan.evaluate``; later runs go through the
  frozen program: every run gives the same bits, on small random networks and on shipped ones,
  and the answers are brute force's;
- evidence is read into ids sorted by id whatever the order of its keys, by name or by index,
  and a repeated call whose states are given another way takes the full path;
- ``DiscreteFactor.from_validated`` keeps a states dict over exactly its variables, in order,
  and copies any other (a subset, another order, a mapping that is not a dict);
- the pruning walk gives the factor lists it gave before the shortcuts (checked against a
  plain walk over every CPD as it is, which folds nothing).
"""

import pathlib
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.inference._coded import compiled
from pgm_lite.inference._prune import prune
from pgm_lite.inference._query_args import evidence_codes
from pgm_lite.testing import brute_force_joint, random_network

DATA = pathlib.Path(__file__).parent / "data"


def _posterior(joint: pl.DiscreteFactor, query: str, evidence: dict[str, int]) -> np.ndarray:
    index = tuple(evidence.get(v, slice(None)) for v in joint.variables)
    kept = [v for v in joint.variables if v not in evidence]
    table = joint.values[index]
    table = table.sum(axis=tuple(a for a, v in enumerate(kept) if v != query))
    return table / table.sum()


def _cold(bn: pl.BayesianNetwork) -> None:
    c = compiled(bn)
    c.plans.clear()
    c.calls.clear()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_evidence=st.integers(0, 3))
def test_first_and_later_runs_give_the_same_bits_and_brute_force(seed, n_evidence):
    rng = np.random.default_rng(seed)
    bn = random_network(7, max_parents=2, max_cardinality=3, rng=rng)
    joint = brute_force_joint(bn)
    names = list(bn.variables)
    observed = [str(v) for v in rng.choice(names, size=n_evidence, replace=False)]
    evidence = {v: int(rng.integers(bn.cardinality(v))) for v in observed}
    query = next(v for v in names if v not in evidence)
    _cold(bn)
    first = pl.query(bn, [query], evidence).values
    second = pl.query(bn, [query], evidence).values  # the cached call, first frozen run
    third = pl.query(bn, [query], evidence).values
    fresh = pl.query(bn.copy(), [query], evidence).values  # a new coded view
    assert first.tobytes() == second.tobytes() == third.tobytes() == fresh.tobytes()
    assert not first.flags.writeable and first.shape == (bn.cardinality(query),)
    np.testing.assert_allclose(first, _posterior(joint, query, evidence), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["cancer", "asia", "sachs", "alarm"])
def test_shipped_networks_answer_the_same_bits_cold_and_warm(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    rng = np.random.default_rng(11)
    names = list(bn.variables)
    for _ in range(4):
        picked = [str(v) for v in rng.choice(names, size=4, replace=False)]
        query, observed = picked[0], picked[1:]
        rows = [{v: bn.states(v)[int(rng.integers(bn.cardinality(v)))] for v in observed} for _ in range(3)]
        cold = []
        for evidence in rows:
            _cold(bn)
            try:
                cold.append(pl.query(bn, [query], evidence).values.tobytes())
            except pl.ZeroEvidenceError:
                cold.append(None)
        for evidence, expected in zip(rows * 2, cold * 2):  # one plan, every row twice
            if expected is None:
                with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                    pl.query(bn, [query], evidence)
            else:
                assert pl.query(bn, [query], evidence).values.tobytes() == expected


def test_evidence_ids_are_sorted_by_id_whatever_the_key_order_and_state_spelling():
    bn = pl.example("asia")
    c = compiled(bn)
    by_name = {"xray": "yes", "asia": "no", "smoke": "yes"}
    by_index = {"smoke": 0, "xray": np.int64(0), "asia": 1}
    ids, codes = evidence_codes(c, by_name)
    assert list(ids) == sorted(ids) and [c.names[i] for i in ids] == sorted(by_name, key=c.index.get)
    assert evidence_codes(c, by_index) == (ids, codes)
    assert evidence_codes(c, dict(reversed(list(by_name.items())))) == (ids, codes)
    assert evidence_codes(c, None) == ((), ()) and evidence_codes(c, {}) == ((), ())
    _cold(bn)
    a = pl.query(bn, ["lung"], by_name).values
    b = pl.query(bn, ["lung"], by_index).values  # same key shape, states by index: the full path
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("evidence", "query", "error", "match"), [
    ({"smoke": "maybe"}, ["lung"], pl.VariableNotFoundError, "choose from"),
    ({"smok": "yes"}, ["lung"], pl.VariableNotFoundError, "did you mean 'smoke'"),
    ({"smoke": "yes", "lung": "no"}, ["lung"], pl.PGMError, r"\['lung'\] are both queried and observed"),
    ({"smoke": 5}, ["lung"], pl.VariableNotFoundError, "smoke"),
    ({"smoke": ["yes"]}, ["lung"], pl.VariableNotFoundError, "must be a name or an index"),
    ({"smoke": "yes"}, [], pl.PGMError, "empty query"),
    ({"smoke": "yes"}, ["lung", "lung"], pl.PGMError, "more than once"),
])
def test_bad_questions_raise_on_the_first_and_on_a_repeated_call(evidence, query, error, match):
    bn = pl.example("asia")
    pl.query(bn, ["lung"], {"smoke": "yes"})  # a cached call of the same shape for some of these
    for _ in range(2):
        with pytest.raises(error, match=match):
            pl.query(bn, query, evidence)
    assert pl.query(bn, ["lung"], {"smoke": "yes"}).values.round(3).tolist() == [0.1, 0.9]


def test_an_unhashable_state_takes_the_full_path_and_is_refused():
    bn = pl.example("asia")
    with pytest.raises(pl.VariableNotFoundError, match="must be a name or an index"):
        pl.query(bn, "lung", {"smoke": {"yes": 1}})
    assert pl.query(bn, "lung", {"smoke": "yes"}).variables == ("lung",)


def test_from_validated_keeps_a_matching_dict_and_copies_any_other():
    states = {"A": ("a0", "a1"), "B": ("b0", "b1", "b2")}
    values = np.arange(6.0).reshape(2, 3)
    f = pl.DiscreteFactor.from_validated(["A", "B"], values, states)
    assert f.variables == ("A", "B") and f.states == states and not f.values.flags.writeable
    f.states["A"] = ("x", "y")  # a copy: the factor is unchanged
    assert f.states["A"] == ("a0", "a1")
    g = pl.DiscreteFactor.from_validated(("B",), np.ones(3), states)  # a subset: copied
    assert g.states == {"B": ("b0", "b1", "b2")}
    h = pl.DiscreteFactor.from_validated(("B", "A"), values.T, states)  # another order: copied
    assert list(h.states) == ["B", "A"]
    proxy = types.MappingProxyType(states)
    k = pl.DiscreteFactor.from_validated(("A", "B"), values, proxy)
    assert k.states == states and type(k.states) is dict
    with pytest.raises(KeyError):
        pl.DiscreteFactor.from_validated(("C",), np.ones(2), states)


@pytest.mark.parametrize("name", ["asia", "child", "win95pts"])
def test_the_walk_finds_every_relevant_factor_once(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    c = compiled(bn)
    n = len(c.names)
    rng = np.random.default_rng(5)
    for _ in range(6):
        picked = [int(i) for i in rng.choice(n, size=4, replace=False)]
        query, evidence = (picked[0],), tuple(sorted(picked[1:]))
        main, sides, relevant = prune(c, query, evidence, need_value=False)
        plain, plain_sides, plain_relevant = prune(c, query, evidence, need_value=False, collapse=False)
        assert relevant == plain_relevant
        assert len(set(main)) == len(main)
        covered = set()  # the CPDs each found factor stands for (its own and those summed in)
        for f in main:
            if f < n:
                covered.add(f)
            else:
                mask = c.collapsed_shapes[f - n][1]
                covered |= {f - n} | {v for v in range(n) if mask >> v & 1}
        assert covered == set(plain)
        assert len(sides) == len(plain_sides)
