"""The benchmark scripts keep running (tiny settings here; the README numbers come from full runs)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(script, *args):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_io_benchmark_writes_its_table(tmp_path):
    out = tmp_path / "io.md"
    run("io.py", "--networks", "asia", "--repeat", "1", "--pgmpy-repeat", "1", "--output", str(out))
    table = out.read_text()
    assert "| network |" in table and "\n| asia | 8 |" in table


def test_sampling_benchmark_writes_its_table(tmp_path):
    out = tmp_path / "sampling.md"
    run("sampling.py", "--n", "500", "--networks", "asia", "--fit-rows", "1000", "--out", str(out))
    table = out.read_text()
    assert "| asia | 8 |" in table and "Maximum-likelihood fit" in table


def test_cold_floor_benchmark_answers_as_pgm_lite():
    """The floor of benchmarks/cold_floor.py (one einsum, tables as written) answers the same questions."""
    import importlib.util

    import numpy as np

    import pgm_lite as pl

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("cold_floor", ROOT / "benchmarks" / "cold_floor.py")
        floor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(floor)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for name in ("asia", "child"):
        bn = pl.read_bif(ROOT / "tests" / "data" / f"{name}.bif.gz")
        observed = bn.variables[-1]
        evidence = {observed: bn.states(observed)[1]}
        for q in bn.variables[:4]:
            want = pl.query(bn, [q], evidence).values
            np.testing.assert_allclose(floor.floor_posterior(bn, q, evidence), want, rtol=0, atol=1e-6)
        got, want = floor.floor_marginals(bn, evidence), pl.marginals(bn, evidence)
        assert sorted(got) == sorted(set(bn.variables) - {observed})
        for v in got:
            np.testing.assert_allclose(got[v], want[v].values, rtol=0, atol=1e-6)
