"""The message-passing benchmark keeps running (tiny settings; the table in benchmarks/results is a full run)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_message_passing_benchmark_writes_its_tables(tmp_path):
    out = tmp_path / "message_passing.md"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "message_passing.py"), "--networks", "alarm",
                           "--grids", "8", "--gibbs", "200", "--exact-grid", "5", "--output", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text()
    assert "\n| alarm | 37 | 5 |" in table and "\n| 8x8 |" in table
    assert "| loopy BP (damping 0.2) |" in table and "| Gibbs (200 samples, 100 chains) |" in table
