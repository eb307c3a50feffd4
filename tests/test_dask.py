"""Dask scale-out, on a real dask.distributed LocalCluster (2 worker processes): same results."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def asia_rows():
    return pl.sample(pl.example("asia"), 4_000, rng=0)


def test_nothing_imports_dask_unless_given_a_dask_object():
    code = ("import sys, json, pandas as pd\nimport pgm_lite as pl\nasia = pl.example('asia')\n"
            "df = pl.sample(asia, 50, rng=0)\npl.fit(asia, df); pl.log_likelihood(asia, df)\n"
            "pl.predict(asia, df.drop(columns=['lung']))\n"
            "pl.compile_query(asia, ['lung'], ['smoke'])(df[['smoke']])\n"
            "print(json.dumps([m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_fit_is_exactly_the_in_memory_fit(client, asia_rows):
    asia = pl.example("asia")
    ddf = dd.from_pandas(asia_rows, npartitions=4)
    for kwargs in [{}, {"method": "bayes", "pseudo_count": 2.0, "prior": "bdeu"}]:
        ours, ref = pl.fit(asia, ddf, **kwargs), pl.fit(asia, asia_rows, **kwargs)
        for v in asia.variables:
            assert ours.parents(v) == ref.parents(v)
            np.testing.assert_array_equal(ours.cpd(v).table, ref.cpd(v).table)


def test_log_likelihood_equals_in_memory(client, asia_rows):
    asia = pl.example("asia")
    assert pl.log_likelihood(asia, dd.from_pandas(asia_rows, npartitions=3)) == pl.log_likelihood(asia, asia_rows)
    holes = asia_rows.astype(object)
    holes.loc[::5, "lung"] = None
    got = pl.log_likelihood(asia, dd.from_pandas(holes, npartitions=3))
    assert got == pytest.approx(pl.log_likelihood(asia, holes), rel=1e-12)   # summed in another order


def test_predict_per_row_equals_in_memory(client, asia_rows):
    asia = pl.example("asia")
    holes = asia_rows.astype(object).drop(columns=["tub"])
    holes.loc[::3, "smoke"] = None
    ddf = dd.from_pandas(holes, npartitions=3)
    proba = pl.predict(asia, ddf, kind="proba").compute()
    ref = pl.predict(asia, holes, kind="proba")
    assert list(proba.columns) == [f"{v}={s}" for v, s in ref.columns]
    np.testing.assert_allclose(proba.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-15)
    best = pl.predict(asia, ddf, ["lung", "bronc"]).compute()
    pd.testing.assert_frame_equal(best, pl.predict(asia, holes, ["lung", "bronc"]))


def test_compiled_query_on_a_dask_dataframe(client, asia_rows):
    asia = pl.example("asia")
    cq = pl.compile_query(asia, ["lung"], ["smoke", "xray"])
    post, p_e = cq(dd.from_pandas(asia_rows[["smoke", "xray"]], npartitions=4))
    ref = cq(asia_rows[["smoke", "xray"]])
    np.testing.assert_allclose(post.compute(), ref.posterior, rtol=0, atol=1e-15)
    np.testing.assert_allclose(p_e.compute(), ref.evidence_probability, rtol=1e-15)


def test_sampling_is_reproducible_and_streams_are_independent(client):
    alarm = pl.example("alarm")
    a = pl.sample(alarm, 9_000, chunks=2_500, rng=7)
    assert a.npartitions == 4
    first = a.compute()
    assert len(first) == 9_000 and list(first.index) == list(range(9_000))
    pd.testing.assert_frame_equal(first, pl.sample(alarm, 9_000, chunks=2_500, rng=7).compute())
    assert not first.equals(pl.sample(alarm, 9_000, chunks=2_500, rng=8).compute())
    parts = [first.iloc[i:i + 2_500].reset_index(drop=True) for i in (0, 2_500)]
    assert not parts[0].equals(parts[1])   # each partition has its own stream
    # the marginals match the model's (5 standard errors)
    p = pl.query(alarm, ["HYPOVOLEMIA"]).values[0]
    share = (first["HYPOVOLEMIA"] == alarm.states("HYPOVOLEMIA")[0]).mean()
    assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / 9_000)


def test_dask_errors(client, asia_rows):
    asia = pl.example("asia")
    ddf = dd.from_pandas(asia_rows, npartitions=2)
    with pytest.raises(pl.PGMError, match="weights"):
        pl.fit(asia, ddf, weights=np.ones(len(asia_rows)))
    with pytest.raises(pl.PGMError, match="nothing to predict"):
        pl.predict(asia, ddf)
    with pytest.raises(pl.OptionError, match="chunks"):
        pl.sample(asia, 100, chunks=0)
