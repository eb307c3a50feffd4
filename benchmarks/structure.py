"""Benchmark: structure learning, pgm_lite vs pgmpy ``HillClimbSearch`` and pyAgrum's greedy hill climbing.

For each network (alarm, child, insurance, hailfinder from /work/shared/networks, else the shipped
examples) and each sample size (500 / 5,000 / 50,000 rows, ``pl.sample(bn, n, rng=0)``), every
learner gets the same DataFrame in the same run:

- pgm_lite: ``pl.learn_structure(data, m)`` for m in hill_climb (BIC), tabu (BIC), pc (G test,
  alpha 0.01), chow_liu; the time includes encoding the DataFrame (cold, one call). The row
  "hill_climb (plain greedy)" is hill_climb without its perturbation phase
  (``tuning.STRUCTURE_PERTURB_ROUNDS = 0``);
- pyAgrum: ``BNLearner(data)`` + ``useGreedyHillClimbing()`` + ``useScoreBIC()`` + ``learnDAG()``;
  the time is ``learnDAG()`` alone (reading the DataFrame into the learner is reported apart);
- pgmpy: ``HillClimbSearch(data).estimate(scoring_method="bic-d", show_progress=False)`` (its
  defaults: tabu_length=100, epsilon=1e-4), run in a subprocess killed after ``--pgmpy-timeout``
  seconds; only up to ``--pgmpy-max-rows`` rows (it is the slow one).

Every result is scored with ``pl.score(dag, data, score="bic")`` (PC: a member of its CPDAG; BIC is
score-equivalent) and compared with the true network by the CPDAG structural Hamming distance.

Run from the repository root::

    .venv/bin/python benchmarks/structure.py                 # full grid, ~15 minutes on 2 cores
    .venv/bin/python benchmarks/structure.py --quick         # alarm at 5,000 rows only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402

NETWORKS = ["alarm", "child", "insurance", "hailfinder"]
SIZES = [500, 5_000, 50_000]
OURS = [("hill_climb", {}), ("hill_climb (plain greedy)", {}), ("tabu", {}), ("pc", {}), ("chow_liu", {})]
SHARED = Path("/work/shared/networks")


def load(name):
    path = SHARED / f"{name}.bif.gz"
    return pl.read_bif(path) if path.exists() else pl.example(name)


def as_network(edges, true):
    return pl.BayesianNetwork(list(edges), variables=true.variables,
                              states={v: true.states(v) for v in true.variables})


def run_pyagrum(data, true):
    import pyagrum as gum

    start = time.perf_counter()
    learner = gum.BNLearner(data.astype(str))
    load_time = time.perf_counter() - start
    learner.useGreedyHillClimbing()
    learner.useScoreBIC()
    start = time.perf_counter()
    dag = learner.learnDAG()
    seconds = time.perf_counter() - start
    names = learner.names()
    return seconds, load_time, as_network([(names[a], names[b]) for a, b in dag.arcs()], true)


def _pgmpy_child(data, queue):
    warnings.filterwarnings("ignore")
    from pgmpy.estimators import HillClimbSearch

    start = time.perf_counter()
    dag = HillClimbSearch(data).estimate(scoring_method="bic-d", show_progress=False)
    queue.put((time.perf_counter() - start, list(dag.edges())))


def run_pgmpy(data, true, timeout):
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_pgmpy_child, args=(data.astype(str), queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    seconds, edges = queue.get()
    return seconds, as_network(edges, true)


def learn(data, method, options):
    """Run one of our learners; return (wall seconds, CPU seconds, result)."""
    rounds = pl.tuning.STRUCTURE_PERTURB_ROUNDS
    if method.endswith("(plain greedy)"):
        pl.tuning.STRUCTURE_PERTURB_ROUNDS = 0
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        learned = pl.learn_structure(data, method.split()[0], **options)
        return time.perf_counter() - wall, time.process_time() - cpu, learned
    finally:
        pl.tuning.STRUCTURE_PERTURB_ROUNDS = rounds


def row(network, n, method, seconds, learned, true, data, note=""):
    dag = learned.to_dag() if isinstance(learned, pl.CPDAG) else learned
    bic = pl.score(dag, data, score="bic")
    BIC[(network, n, method)] = (bic, seconds)
    shd = pl.structural_hamming_distance(true, learned)
    return (f"| {network} | {n:,} | {method} | {seconds:.3f} | {bic:,.1f} | "
            f"{pl.score(true, data, score='bic'):,.1f} | {shd} | {len(dag.edges)} | {note} |")


BIC: dict[tuple[str, int, str], tuple[float, float]] = {}


def summary(networks, sizes):
    """Lines of the hill_climb vs pyAgrum table (BIC difference and time ratio per cell)."""
    out = ["", "## hill_climb against pyAgrum's greedy hill climbing, cell by cell", "",
           "BIC difference (ours minus pyAgrum's; >= 0 means ours is at least as good) and wall-time "
           "ratio (ours, whole call, over pyAgrum's `learnDAG()` alone / over its load + learn).", "",
           "| network | rows | BIC diff (hill_climb) | BIC diff (plain greedy) | time ratio (learn) | "
           "time ratio (load + learn) |", "|---|---:|---:|---:|---:|---:|"]
    for name in networks:
        for n in sizes:
            ours, plain, theirs = (BIC.get((name, n, m)) for m in
                                   ("hill_climb", "hill_climb (plain greedy)", "pyAgrum greedy HC"))
            if ours is None or theirs is None or plain is None:
                continue
            out.append(f"| {name} | {n:,} | {ours[0] - theirs[0]:+,.1f} | {plain[0] - theirs[0]:+,.1f} | "
                       f"{ours[1] / theirs[1]:.2f} | {ours[1] / (theirs[1] + LOAD[(name, n)]):.2f} |")
    return out


LOAD: dict[tuple[str, int], float] = {}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="alarm at 5,000 rows only")
    parser.add_argument("--pgmpy-max-rows", type=int, default=5_000)
    parser.add_argument("--pgmpy-timeout", type=float, default=120.0)
    parser.add_argument("--no-pgmpy", action="store_true")
    parser.add_argument("--networks", nargs="+", default=NETWORKS, help="networks (bnlearn names or examples)")
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES, help="rows per sample")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "structure.md"))
    args = parser.parse_args()
    networks, sizes = (["alarm"], [5_000]) if args.quick else (args.networks, args.sizes)
    lines = [
        "# Structure learning: pgm_lite vs pyAgrum vs pgmpy", "",
        f"Python {platform.python_version()}, pgm_lite {pl.__version__}, {platform.machine()}; "
        "2 cores shared with other jobs (timings are noisy). Command: "
        f"`.venv/bin/python benchmarks/structure.py{''.join(' ' + a for a in sys.argv[1:])}`.", "",
        "Wall time in seconds after one untimed warm-up call of each learner (pgm_lite: whole call "
        "including encoding, its CPU time in the note; pyAgrum: `learnDAG()` only, its DataFrame "
        "loading in the note; pgmpy: `estimate()`). BIC of the result on the same data "
        "(higher is better) next to the BIC of the true network; SHD between CPDAGs.", "",
        "| network | rows | method | seconds | BIC | BIC (true) | SHD | edges | note |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    warm = pl.sample(pl.example("asia"), 200, rng=0)  # first calls pay one-off import costs: not timed
    for method, options in OURS:
        learn(warm, method, options)
    try:
        run_pyagrum(warm, pl.example("asia"))
    except ImportError:
        pass
    for name in networks:
        true = load(name)
        for n in sizes:
            data = pl.sample(true, n, rng=0)
            for method, options in OURS:
                try:
                    seconds, cpu, learned = learn(data, method, options)
                    lines.append(row(name, n, method, seconds, learned, true, data, f"CPU {cpu:.3f} s"))
                except pl.PGMError as err:  # reported, so one failure does not lose the whole grid
                    lines.append(f"| {name} | {n:,} | {method} | - | - | - | - | - | error: {err} |")
                print(lines[-1], flush=True)
            try:
                seconds, load_time, learned = run_pyagrum(data, true)
                LOAD[(name, n)] = load_time
                lines.append(row(name, n, "pyAgrum greedy HC", seconds, learned, true, data,
                                 f"load {load_time:.3f} s, load + learn {load_time + seconds:.3f} s"))
            except ImportError:
                lines.append(f"| {name} | {n:,} | pyAgrum greedy HC | - | - | - | - | - | not installed |")
            print(lines[-1], flush=True)
            if args.no_pgmpy or n > args.pgmpy_max_rows:
                continue
            result = run_pgmpy(data, true, args.pgmpy_timeout)
            if result is None:
                lines.append(f"| {name} | {n:,} | pgmpy HillClimbSearch | >{args.pgmpy_timeout:.0f} | - | - | - "
                             f"| - | killed after {args.pgmpy_timeout:.0f} s |")
            else:
                lines.append(row(name, n, "pgmpy HillClimbSearch", result[0], result[1], true, data))
            print(lines[-1], flush=True)
    lines += summary(networks, sizes)
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
