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
