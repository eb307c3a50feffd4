"""Benchmark: ``pl.predict`` on 100,000 rows of alarm samples vs a loop of single queries and pgmpy.

Scenarios (rows drawn with ``pl.sample(alarm, n, rng=0)``, target column removed):

- *complete*: predict one target from the 36 other columns (one observed pattern);
- *mixed*: the same, with 20% of the cells of 4 evidence columns missing (16 patterns);
- *all missing variables*: 20% of the cells of 4 columns missing and ``variables=None``: those 4
  columns and the removed target are all predicted.

pgm_lite is timed warm and cold (cold: the first call, which also compiles and plans). The
``pl.query`` loop and pgmpy's ``DiscreteBayesianNetwork.predict`` (when pgmpy is installed) are
timed on ``--loop-rows`` rows (default 1,000) and scaled linearly to ``--n``: the table marks it.

Run from the repository root::

    .venv/bin/python benchmarks/predict.py [--n 100000]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import best_time  # noqa: E402

import pgm_lite as pl  # noqa: E402

TARGET = "HYPOVOLEMIA"
HOLES = ["CVP", "PCWP", "HISTORY", "BP"]


def _scenarios(alarm, n):
    data = pl.sample(alarm, n, rng=0).drop(columns=[TARGET])
    rng = np.random.default_rng(1)
    holes = data.copy()
    for c in HOLES:
        holes[c] = holes[c].astype(object).mask(rng.random(n) < 0.2, None)
    return [("complete", data, [TARGET]), ("mixed", holes, [TARGET]),
            ("all missing variables", holes, None)]


def _query_loop(alarm, frame, variables):
    rows = frame.astype(object).to_dict("records")
    for row in rows:
        evidence = {k: v for k, v in row.items() if v is not None and v == v and k not in (variables or ())}
        for t in variables or [TARGET, *HOLES]:
            if t not in evidence:
                pl.query(alarm, [t], evidence=evidence)


def _pgmpy_time(alarm, frame, variables):
    try:
        theirs = pl.to_pgmpy(alarm)
    except Exception:  # noqa: BLE001 - pgmpy not installed: the column stays empty
        return None
    if variables is None:
        return None  # pgmpy predicts the absent columns only; no missing cells
    sub = frame.astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        theirs.predict(sub, n_jobs=1)
        return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--loop-rows", type=int, default=1_000)
    args = parser.parse_args(argv)
    alarm = pl.example("alarm")
    lines = [
        "### Batch prediction (`pl.predict`) on alarm", "",
        f"`pl.predict(alarm, data, variables, kind=\"proba\")` on {args.n:,} rows; best of 3 warm calls, "
        f"cold = first call (compiles the batched queries). Loops of `pl.query` and pgmpy "
        f"`predict` (complete rows without missing cells only) are timed on {args.loop_rows:,} rows and "
        f"scaled to {args.n:,} (~). Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}; 2 shared cores, so timings are noisy.", "",
        "| scenario | patterns | targets | pgm_lite cold (s) | pgm_lite warm (s) | rows/s (warm) "
        "| `pl.query` loop (s) | pgmpy predict (s) | vs loop | vs pgmpy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, frame, variables in _scenarios(alarm, args.n):
        model = alarm.copy()  # a fresh model: its plan cache starts empty
        start = time.perf_counter()
        out = pl.predict(model, frame, variables, kind="proba")
        cold = time.perf_counter() - start
        warm, _ = best_time(lambda m=model, f=frame, v=variables: pl.predict(m, f, v, kind="proba"), 3)
        patterns = len(frame.isna().drop_duplicates())
        targets = len(dict.fromkeys(out.columns.get_level_values(0)))
        small = frame.iloc[:args.loop_rows]
        loop, _ = best_time(lambda f=small, v=variables: _query_loop(alarm, f, v), 1)
        loop *= args.n / len(small)
        theirs = _pgmpy_time(alarm, small, variables) if name == "complete" else None
        theirs = None if theirs is None else theirs * args.n / len(small)
        cell = "" if theirs is None else f"~{theirs:.1f}"
        ratio = "" if theirs is None else f"{theirs / warm:.0f}x"
        lines.append(f"| {name} | {patterns} | {targets} | {cold:.3f} | {warm:.3f} | {args.n / warm:,.0f} "
                     f"| ~{loop:.1f} | {cell} | {loop / warm:.0f}x | {ratio} |")
        print(lines[-1], flush=True)
    lines += ["", "Command: `.venv/bin/python benchmarks/predict.py`", ""]
    path = ROOT / "benchmarks" / "results" / "predict.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
