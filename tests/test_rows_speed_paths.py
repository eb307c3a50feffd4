"""The row-throughput paths: byte-guided forward draws, the one encoder, chunked counts, block Gibbs."""

import itertools

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite._data import encode_columns, encode_table
from pgm_lite.learning._counts import count_all, families_of
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network


def _within(counts, p, n, k=5.0, n_eff=None):
    """Frequencies ``counts / n`` within ``k`` standard errors (of ``n_eff`` draws) of ``p``."""
    se = np.sqrt(p * (1 - p) / (n if n_eff is None else n_eff))
    bad = np.abs(counts / n - p) > k * se + 1e-12
    assert not bad.any(), f"{(counts / n)[bad]} vs {p[bad]}"


# -- forward draws ---------------------------------------------------------------------------
# bucket edges (multiples of 1/256), a bound just inside a bucket, tiny and zero probabilities
AWKWARD = np.array([0.25, 0.25 + 2**-40, 1e-4, 0.0, 1 / 3, 0.125 - 2**-40 - 1e-4, 1e-9,
                    1 - (0.25 + 0.25 + 2**-40 + 1e-4 + 1 / 3 + 0.125 - 2**-40 - 1e-4 + 1e-9)])


@pytest.mark.parametrize("generator", [np.random.PCG64, np.random.MT19937, np.random.Philox])
def test_one_variable_draws_match_awkward_probabilities(generator):
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", AWKWARD)])
    n = 1_000_000
    codes = pl.sample(bn, n, rng=np.random.Generator(generator(3)), as_codes=True)[:, 0]
    counts = np.bincount(codes, minlength=len(AWKWARD)).astype(float)
    assert counts[3] == 0  # probability zero is never drawn
    _within(counts, AWKWARD, n)


@pytest.mark.parametrize("cells", [tuning.SAMPLE_GUIDE_CELLS, 64, 1])
def test_conditional_draws_with_fewer_buckets_per_row(monkeypatch, cells):
    monkeypatch.setattr(tuning, "SAMPLE_GUIDE_CELLS", cells)  # 256, 8 and 1 bucket(s) per row
    model = random_network(3, 2, 5, rng=4, zero_fraction=0.3)
    n = 300_000
    df = pl.sample(model, n, rng=1)
    joint = brute_force_joint(model)
    for a, b in itertools.combinations(model.variables, 2):
        exact = joint.marginalize([v for v in model.variables if v not in (a, b)]).transpose([a, b]).values
        counts = df.groupby([a, b], observed=False).size().to_numpy().reshape(exact.shape)
        _within(counts, exact, n)


def test_more_than_127_states_use_int16_guides_and_codes():
    p = np.random.default_rng(0).dirichlet(np.ones(300))
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", p)])
    codes = pl.sample(bn, 400_000, rng=2, as_codes=True)[:, 0]
    assert codes.dtype == np.int16
    _within(np.bincount(codes, minlength=300).astype(float), p, 400_000)


def test_seeded_samples_are_deterministic_across_chunks(monkeypatch):
    monkeypatch.setattr(tuning, "SAMPLE_CHUNK", 1000)
    model = random_network(8, 3, 4, rng=5)
    a = pl.sample(model, 4321, rng=7, as_codes=True)
    b = pl.sample(model, 4321, rng=np.random.default_rng(7), as_codes=True)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, pl.sample(model, 4321, rng=8, as_codes=True))


def test_likelihood_weights_are_the_evidence_probabilities(asia):
    evidence = {"xray": "yes", "dysp": "no"}
    codes, weights = pl.sample(asia, 3000, rng=0, evidence=evidence, method="likelihood", as_codes=True)
    column = {v: j for j, v in enumerate(asia.variables)}
    expected = np.ones(len(codes))
    for v, s in evidence.items():
        cpd = asia.cpd(v)
        index = tuple(codes[:, column[p]].astype(np.intp) for p in cpd.parents)
        expected *= cpd.table[(*index, asia.states(v).index(s))]
    np.testing.assert_allclose(weights, expected)


def test_progress_for_big_samples_only_when_asked_or_on_a_terminal(asia, monkeypatch, capsys):
    monkeypatch.setattr(tuning, "SAMPLE_CHUNK", 100)
    pl.sample(asia, 1000, rng=0, progress=True)
    assert "sampling" in capsys.readouterr().err
    pl.sample(asia, 1000, rng=0)  # stderr is not a terminal under pytest
    pl.sample(asia, 1000, rng=0, progress=False)
    pl.sample(asia, 50, rng=0, progress=True)  # one chunk: nothing to show
    assert capsys.readouterr().err == ""


# -- the encoder -----------------------------------------------------------------------------
@pytest.fixture()
def rows_and_model():
    model = random_network(7, 2, 4, rng=9)
    return model, pl.sample(model, 2000, rng=3)


def test_every_input_form_gives_the_same_codes(rows_and_model, monkeypatch):
    model, df = rows_and_model
    monkeypatch.setattr(tuning, "TRANSPOSE_BLOCK_ROWS", 7)  # blocks that do not divide the rows
    expected = np.stack([df[v].cat.codes.to_numpy() for v in model.variables])
    array = expected.T.copy()  # (n, d), C order
    forms = {
        "categorical": df, "strings": df.astype(str), "codes frame": df.apply(lambda c: c.cat.codes),
        "float codes": df.apply(lambda c: c.cat.codes.astype(float)), "array": array,
        "F-order array": np.asfortranarray(array), "int64 array": array.astype(np.int64),
        "uint8 array": array.astype(np.uint8), "shuffled columns": df[model.variables[::-1]],
    }
    for name, data in forms.items():
        codes = encode_columns(model, data)
        assert codes.dtype == np.int8 and codes.flags.c_contiguous, name
        np.testing.assert_array_equal(codes, expected, err_msg=name)
    np.testing.assert_array_equal(encode_table(model, array), array)


@pytest.mark.parametrize("dtype", [object, "string", "string[pyarrow]", "str"])
def test_text_columns_of_every_pandas_string_dtype_give_the_same_codes(dtype):
    # pandas 3 reads and casts text as a pyarrow-backed "str" dtype: hashed in C, no str per cell
    bn = pl.BayesianNetwork([("A", "B")], states={"A": ["no", "yes"], "B": ["lo", "mid", "hi"]})
    data = pd.DataFrame({"A": ["yes", "no", None, "yes"], "B": ["hi", "lo", "mid", None]}).astype(dtype)
    assert encode_columns(bn, data, allow_missing=True).tolist() == [[1, 0, -1, 1], [2, 0, 1, -1]]
    with pytest.raises(pl.PGMError, match=r"column 'A' has 1 missing value\(s\)"):
        encode_columns(bn, data)
    bad = pd.DataFrame({"A": ["no", "maybe"], "B": ["lo", "hi"]}).astype(dtype)
    with pytest.raises(pl.VariableNotFoundError, match=r"column 'A' has unknown state 'maybe'; choose from"):
        encode_columns(bn, bad)
    fitted = pl.fit(bn, data.dropna())
    np.testing.assert_allclose(fitted.cpd("A").table, [0.5, 0.5], rtol=0, atol=1e-15)


def test_numbers_that_spell_state_names_are_read_as_names():
    bn = pl.BayesianNetwork([("A", "B")], states={"A": ["10", "5", "7"], "B": ["x", "y"]})
    data = pd.DataFrame({"A": [7, 10, 5, 5, np.nan], "B": ["y", "x", "x", "y", None]})
    codes = encode_columns(bn, data, allow_missing=True)
    assert codes.tolist() == [[2, 0, 1, 1, -1], [1, 0, 0, 1, -1]]
    nullable = pd.DataFrame({"A": pd.array([7, None, 10], dtype="Int64"), "B": ["x", "y", "x"]})
    assert encode_columns(bn, nullable, allow_missing=True).tolist() == [[2, -1, 0], [0, 1, 0]]


@pytest.mark.parametrize(("data", "error", "match"), [
    (np.array([[0, 1], [2, 0]]), pl.VariableNotFoundError, r"column 'A' has code 2, outside 0\.\.1"),
    (np.array([[0, -1]]), pl.VariableNotFoundError, r"column 'B' has code -1, outside 0\.\.1"),
    (pd.DataFrame({"A": [0, 3], "B": [0, 1]}), pl.VariableNotFoundError,
     r"column 'A' has value 3, which is neither a state code 0\.\.1 nor a state name"),
    (pd.DataFrame({"A": [0.5, 1], "B": [0, 1]}), pl.VariableNotFoundError, r"column 'A' has value 0\.5"),
    (pd.DataFrame({"A": ["no", "maybe"], "B": [0, 1]}), pl.VariableNotFoundError,
     r"column 'A' has unknown state 'maybe'; choose from \['no', 'yes'\]"),
    (pd.DataFrame({"A": [0, None], "B": [0, 1]}), pl.PGMError, r"column 'A' has 1 missing value\(s\)"),
    (pd.DataFrame({"A": [None, None], "B": [0, 1]}), pl.PGMError, "column 'A' has no observed value"),
    (pd.DataFrame({"A": [0], "B": [0], "C": [1]}), pl.VariableNotFoundError, r"column\(s\) \['C'\] that are not"),
    (pd.DataFrame({"A": [0]}), pl.VariableNotFoundError, r"lacks column\(s\) \['B'\]"),
    (pd.DataFrame([[0, 0, 1]], columns=["A", "B", "A"]), pl.ShapeError, r"duplicate column name\(s\) \['A'\]"),
    (np.zeros((2, 3), dtype=int), pl.ShapeError, r"needs shape \(n_rows, 2\)"),
    (np.zeros((0, 2), dtype=int), pl.PGMError, "data has no rows"),
])
def test_encoder_errors(data, error, match):
    bn = pl.BayesianNetwork([("A", "B")], states={"A": ["no", "yes"]})
    with pytest.raises(error, match=match):
        encode_columns(bn, data)


# -- counts ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("chunk", "group"), [(7, 1), (7, 4096), (10**6, 64)])
def test_chunked_counts_equal_a_direct_count(rows_and_model, monkeypatch, chunk, group):
    model, df = rows_and_model
    monkeypatch.setattr(tuning, "FIT_CHUNK", chunk)
    monkeypatch.setattr(tuning, "FIT_GROUP_CELLS", group)
    codes = encode_columns(model, df)
    weights = np.random.default_rng(0).random(codes.shape[1])
    families = families_of(model)
    for w in (None, weights):
        for fam, counts in zip(families, count_all(families, codes, w)):
            cells = np.ravel_multi_index(tuple(codes[j].astype(np.intp) for j in fam.scope), fam.shape)
            np.testing.assert_allclose(counts, np.bincount(cells, weights=w, minlength=fam.size))


def test_fit_is_the_same_for_every_input_form(rows_and_model):
    model, df = rows_and_model
    reference = pl.fit(model, df)
    array = np.column_stack([df[v].cat.codes for v in model.variables])
    for data in (array, df.astype(str), df.apply(lambda c: c.cat.codes)):
        fitted = pl.fit(model, data)
        for v in model.variables:
            np.testing.assert_allclose(fitted.cpd(v).table, reference.cpd(v).table)


# -- block Gibbs -----------------------------------------------------------------------------
def _gibbs_marginals_match(model, evidence=None, n_chains=2000, per_chain=40):
    n = n_chains * per_chain
    codes = pl.gibbs_sample(model, n, evidence=evidence, n_chains=n_chains, burn_in=50, rng=4, as_codes=True)
    joint = brute_force_joint(model)
    if evidence:
        joint = joint.reduce(evidence)
    joint = joint.values / joint.values.sum()
    free = [v for v in model.variables if v not in (evidence or {})]
    for v in free:
        exact = joint.sum(axis=tuple(i for i, u in enumerate(free) if u != v))
        counts = np.bincount(codes[:, model.variables.index(v)], minlength=len(exact)).astype(float)
        # draws of one chain are correlated: count them as a quarter as many independent ones
        _within(counts, exact, n, n_eff=n / 4)


def test_block_gibbs_on_a_triangle_with_unary_factors():
    rng = np.random.default_rng(1)  # odd cycle: three colours; unary + pairwise scopes mixed
    factors = [pl.DiscreteFactor(e, rng.uniform(0.2, 3.0, (3, 3))) for e in (("A", "B"), ("B", "C"), ("A", "C"))]
    factors += [pl.DiscreteFactor(["A"], [1.0, 2.0, 0.5]), pl.DiscreteFactor(["C", "D"], [[1.0, 0.0], [2.0, 1.0], [0.5, 3.0]])]
    mn = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")], factors)
    _gibbs_marginals_match(mn)


def test_block_gibbs_on_a_grid_and_random_models():
    rng = np.random.default_rng(2)
    names = [[f"x{i}{j}" for j in range(3)] for i in range(3)]
    edges = [(names[i][j], names[i + di][j + dj]) for i in range(3) for j in range(3)
             for di, dj in ((0, 1), (1, 0)) if i + di < 3 and j + dj < 3]
    spin = np.array([[1.0, -1.0], [-1.0, 1.0]])
    grid = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, np.exp(rng.uniform(-0.8, 0.8) * spin)) for e in edges])
    _gibbs_marginals_match(grid)
    _gibbs_marginals_match(random_markov_network(6, 8, max_scope=3, rng=5))
    bn = random_network(7, 2, 3, rng=6)
    _gibbs_marginals_match(bn, evidence={bn.variables[-1]: bn.states(bn.variables[-1])[0]})
