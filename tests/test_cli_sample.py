"""The ``sample`` and ``fit`` commands, run in-process."""

import io
import sys

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _frame(text):
    return pd.read_csv(io.StringIO(text), dtype=str)


# -- sample ----------------------------------------------------------------------------------
def test_sample_csv_on_stdout_is_reproducible(capsys):
    code, out, err = run(capsys, "sample", "asia", "-n", "50", "--seed", "3")
    assert code == 0 and err == ""
    df = _frame(out)
    assert list(df.columns) == pl.example("asia").variables and len(df) == 50
    assert run(capsys, "sample", "asia", "-n", "50", "--seed", "3")[1] == out
    assert run(capsys, "sample", "asia", "-n", "50", "--seed", "4")[1] != out


def test_sample_matches_the_library(capsys):
    out = run(capsys, "sample", "asia", "-n", "40", "--seed", "1")[1]
    expected = pl.sample(pl.example("asia"), 40, rng=np.random.default_rng(1)).astype(str)
    pd.testing.assert_frame_equal(_frame(out), expected.reset_index(drop=True))


def test_sample_in_chunks_streams_every_row(capsys, monkeypatch):
    monkeypatch.setattr(cli.tuning, "SAMPLE_CHUNK", 7)
    code, out, err = run(capsys, "sample", "asia", "-n", "30", "--seed", "0")
    df = _frame(out)
    assert code == 0 and len(df) == 30 and "asia" not in df["asia"].tolist()


def test_sample_with_evidence_defaults_to_rejection(capsys):
    code, out, _ = run(capsys, "sample", "asia", "-n", "100", "--seed", "0", "-e", "smoke=yes",
                       "-e", "xray=yes")
    df = _frame(out)
    assert code == 0 and (df["smoke"] == "yes").all() and (df["xray"] == "yes").all()
    assert "_weight" not in df


def test_sample_likelihood_and_gibbs(capsys):
    out = run(capsys, "sample", "asia", "-n", "20", "--method", "likelihood", "-e", "dysp=yes")[1]
    df = _frame(out)
    assert df.columns[-1] == "_weight" and (df["_weight"].astype(float) > 0).all()
    out = run(capsys, "sample", "asia", "-n", "20", "--method", "gibbs", "--burn-in", "5",
              "-e", "dysp=yes", "--seed", "2")[1]
    assert (_frame(out)["dysp"] == "yes").all()


def test_sample_markov_network_uses_gibbs(capsys, monkeypatch, ising4):
    monkeypatch.setattr(cli, "_load", lambda net: ising4)
    code, out, _ = run(capsys, "sample", "grid.uai", "-n", "10", "--seed", "0")
    assert code == 0 and list(_frame(out).columns) == ["A", "B", "C", "D"]


def test_sample_to_csv_file(capsys, tmp_path):
    for name in ("out.csv", "out.csv.gz"):
        path = tmp_path / name
        code, out, err = run(capsys, "sample", "asia", "-n", "25", "--seed", "1", "-o", str(path))
        assert code == 0 and out == "" and err == ""
        assert pd.read_csv(path).shape == (25, 8)


def test_sample_progress_only_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(cli.tuning, "SAMPLE_CHUNK", 10)
    assert run(capsys, "sample", "asia", "-n", "30")[2] == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    err = run(capsys, "sample", "asia", "-n", "30")[2]
    assert "\rsampling: 10/30 rows (33%)" in err and err.endswith("30/30 rows (100%)\n")


def test_sample_parquet_needs_pyarrow(capsys, monkeypatch, tmp_path):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    code, out, err = run(capsys, "sample", "asia", "-n", "5", "-o", str(tmp_path / "s.parquet"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "needs pyarrow, which is not installed (pip install 'pgm_lite[parquet]')" in err


def test_sample_parquet_when_pyarrow_exists(capsys, monkeypatch, tmp_path):
    import importlib.util

    written = {}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(pd.DataFrame, "to_parquet",
                        lambda self, path, index=True: written.update(path=path, shape=self.shape))
    target = str(tmp_path / "s.parquet")
    assert run(capsys, "sample", "asia", "-n", "12", "-o", target)[0] == 0
    assert written == {"path": target, "shape": (12, 8)}


@pytest.mark.parametrize("argv,message", [
    (["-n", "0"], "n_samples must be a positive integer, got 0"),
    (["-n", "5", "-o", "out.xlsx"], "cannot tell the output format of 'out.xlsx'"),
    (["-n", "5", "-e", "smok=yes"], "unknown variable 'smok'"),
    (["-n", "5", "-e", "smoke=maybe"], "unknown state 'maybe' of variable 'smoke'; choose from"),
    (["-n", "5", "-e", "smoke"], "evidence must look like VAR=STATE"),
    (["-n", "5", "--method", "likelihood", "-e", "either=no", "-e", "lung=yes"], "weight 0"),
    (["-n", "5", "--method", "forward", "-e", "lung=yes"], "forward sampling ignores evidence"),
])
def test_sample_errors_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, "sample", "asia", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("pgm-lite sample: error: ") and message in err


def test_sample_missing_network_file(capsys, tmp_path):
    code, _, err = run(capsys, "sample", str(tmp_path / "nope.bif"), "-n", "3")
    assert code == 2 and "nope.bif" in err and err.count("\n") == 1


# -- fit -------------------------------------------------------------------------------------
def test_fit_round_trip(capsys, tmp_path):
    truth = pl.example("asia")
    data = tmp_path / "data.csv"
    pl.sample(truth, 50_000, rng=0).to_csv(data, index=False)
    out = tmp_path / "fitted.bif"
    code, stdout, err = run(capsys, "fit", "asia", str(data), "-o", str(out))
    assert code == 0 and stdout == "" and "fitted 8 CPDs from 50,000 rows" in err
    fitted = pl.read(str(out))
    assert fitted.edges == truth.edges
    for v in truth.variables:
        np.testing.assert_allclose(fitted.cpd(v).table, truth.cpd(v).table, atol=0.05)


def test_fit_to_stdout_with_bayes(capsys, tmp_path):
    data = tmp_path / "d.csv"
    pl.sample(pl.example("asia"), 100, rng=0).to_csv(data, index=False)
    code, out, err = run(capsys, "fit", "asia", str(data), "--method", "bayes", "--pseudo-count", "2")
    assert code == 0 and out.startswith("network asia {") and "bayes" in err
    assert pl.read_bif(io.StringIO(out)).variables == pl.example("asia").variables


def test_fit_with_empty_cells_runs_em(capsys, tmp_path):
    df = pl.sample(pl.example("asia"), 500, rng=0).astype(object)
    df.iloc[::3, 1] = None
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    code, out, err = run(capsys, "fit", "asia", str(data), "-o", str(tmp_path / "f.bif.gz"))
    assert code == 0 and "EM:" in err and "log-likelihood" in err
    assert pl.read(str(tmp_path / "f.bif.gz")).is_fully_specified()


@pytest.mark.parametrize("column,value,message", [
    ("smoke", "maybe", "column 'smoke' has unknown state 'maybe'"),
    ("extra", "x", "column(s) ['extra'] that are not variables"),
])
def test_fit_bad_data_exit_2(capsys, tmp_path, column, value, message):
    df = pl.sample(pl.example("asia"), 10, rng=0).astype(str)
    df[column] = value
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    code, out, err = run(capsys, "fit", "asia", str(data), "-o", str(tmp_path / "f.bif"))
    assert code == 2 and err.count("\n") == 1 and message in err


def test_fit_other_errors(capsys, tmp_path, monkeypatch, ising4):
    data = tmp_path / "d.csv"
    pl.sample(pl.example("asia"), 10, rng=0).to_csv(data, index=False)
    code, _, err = run(capsys, "fit", "asia", str(data), "-o", str(tmp_path / "f.json"))
    assert code == 2 and "written as .bif or .bif.gz" in err
    code, _, err = run(capsys, "fit", "asia", str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv" in err and err.count("\n") == 1
    monkeypatch.setattr(cli, "_load", lambda net: ising4)
    code, _, err = run(capsys, "fit", "grid.uai", str(data))
    assert code == 2 and "this is a Markov network" in err
