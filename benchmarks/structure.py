"""Benchmark: structure learning, pgm_lite vs pgmpy ``HillClimbSearch`` and pyAgrum's greedy hill climbing.

For each network (alarm, child, insurance, hailfinder from /work/shared/networks, else the shipped
examples) and each sample size (500 / 5,000 / 50,000 rows, ``pl.sample(bn, n, rng=0)``), every
learner gets the same DataFrame in the same run:

- pgm_lite: ``pl.learn_structure(data, m)`` for m in hill_climb (BIC), tabu (BIC), pc (G test,
  alpha 0.01), chow_liu; the time includes encoding the DataFrame (cold, one call). The row
  "hill_climb (plain greedy)" is hill_climb without its perturbation phase
  (``tuning.STRUCTURE_PERTURB_ROUNDS = 0``);
- pyAgrum: ``BNLearner(data)`` + ``useGreedyHillClimbing()`` + ``useScoreBIC()`` + ``learnDAG()``;
  the time is ``learnDAG()`` alone (reading the DataFrame into the learner, ``BNLearner(data)``, is
  reported apart in the "load s" column, next to our own encoding of the same DataFrame, which our
  time includes), with its default threads and with
  ``setNumberOfThreads(1)`` (on a loaded 2-core machine one thread is often much faster); the
  comparison takes the faster of the two;
- hill_climb and pyAgrum with one thread are timed ``--rounds`` times, interleaved, and the
  minimum is reported, wall ("seconds") and CPU time of the process ("CPU s", which multi-threaded
  runs can push above wall); pyAgrum with its default threads and the other learners once;
- pgmpy: ``HillClimbSearch(data).estimate(scoring_method="bic-d", show_progress=False)`` (its
  defaults: tabu_length=100, epsilon=1e-4), run in a subprocess killed after ``--pgmpy-timeout``
  seconds; only up to ``--pgmpy-max-rows`` rows (it is the slow one).

Every result is scored with ``pl.score(dag, data, score="bic")`` (PC: a member of its CPDAG; BIC is
score-equivalent) and compared with the true network by the CPDAG structural Hamming distance.

Run from the repository root::

    .venv/bin/python benchmarks/structure.py                 # full grid, ~10-15 minutes on 2 cores (pgmpy on alarm only)
    .venv/bin/python benchmarks/structure.py --quick         # alarm at 5,000 rows only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402
from pgm_lite.learning.structure import _Data  # noqa: E402

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


def run_pyagrum(data, true, threads=None):
    """Return (learnDAG wall seconds, its CPU seconds, load seconds, learned network)."""
    import pyagrum as gum

    start = time.perf_counter()
    learner = gum.BNLearner(data.astype(str))
    load_time = time.perf_counter() - start
    learner.useGreedyHillClimbing()
    learner.useScoreBIC()
    if threads is not None:
        learner.setNumberOfThreads(threads)
    start, cpu = time.perf_counter(), time.process_time()
    dag = learner.learnDAG()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    names = learner.names()
    return seconds, cpu, load_time, as_network([(names[a], names[b]) for a, b in dag.arcs()], true)


def encoding_seconds(data):
    """Wall seconds of our DataFrame -> codes step alone (what learn_structure does first)."""
    start = time.perf_counter()
    _Data(data)
    return time.perf_counter() - start


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


def row(network, n, method, seconds, learned, true, data, note="", cpu=None, load=None):
    dag = learned.to_dag() if isinstance(learned, pl.CPDAG) else learned
    bic = pl.score(dag, data, score="bic")
    BIC[(network, n, method)] = (bic, seconds, cpu)
    shd = pl.structural_hamming_distance(true, learned)
    cpu_text = "-" if cpu is None else f"{cpu:.3f}"
    load_text = "-" if load is None else f"{load:.3f}"
    return (f"| {network} | {n:,} | {method} | {seconds:.3f} | {cpu_text} | {load_text} | {bic:,.1f} | "
            f"{pl.score(true, data, score='bic'):,.1f} | {shd} | {len(dag.edges)} | {note} |")


BIC: dict[tuple[str, int, str], tuple[float, float, float | None]] = {}
LOAD: dict[tuple[str, int], tuple[float, float]] = {}  # pyAgrum's loading, our encoding
AGRUM = ("pyAgrum greedy HC", "pyAgrum greedy HC (1 thread)")


def summary(networks, sizes):
    """Lines of the hill_climb vs pyAgrum table (BIC difference and time ratios per cell)."""
    out = ["", "## hill_climb against pyAgrum's greedy hill climbing, cell by cell", "",
           "BIC difference (ours minus pyAgrum's; >= 0 means ours is at least as good; both pyAgrum runs "
           "learn the same DAG) and time ratios, ours (whole call, encoding included) over pyAgrum's "
           "faster `learnDAG()` (default threads or one thread): wall, CPU, and wall over its load + learn. "
           "Below 1 means ours is faster. Last columns: pyAgrum's DataFrame loading against our encoding.", "",
           "| network | rows | BIC diff (hill_climb) | BIC diff (plain greedy) | wall ratio | CPU ratio | "
           "wall ratio (load + learn) | pyAgrum load s | our encoding s |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in networks:
        for n in sizes:
            ours, plain = BIC.get((name, n, "hill_climb")), BIC.get((name, n, "hill_climb (plain greedy)"))
            theirs = [BIC[(name, n, m)] for m in AGRUM if (name, n, m) in BIC]
            if ours is None or plain is None or not theirs:
                continue
            wall = min(t[1] for t in theirs)
            cpu = min(t[2] for t in theirs)
            load, encode = LOAD[(name, n)]
            out.append(f"| {name} | {n:,} | {ours[0] - theirs[0][0]:+,.1f} | {plain[0] - theirs[0][0]:+,.1f} | "
                       f"{ours[1] / wall:.2f} | {ours[2] / cpu:.2f} | {ours[1] / (wall + load):.2f} | "
                       f"{load:.3f} | {encode:.3f} |")
    return out


def timed_pair(data, true, rounds):
    """hill_climb and pyAgrum interleaved ``rounds`` times (its default threads once: slow under load); minima."""
    ours, agrum = [], {m: [] for m in AGRUM}
    for i in range(rounds):
        ours.append(learn(data, "hill_climb", {}))
        for method, threads in zip(AGRUM, (None, 1)):
            if threads == 1 or i == 0:
                agrum[method].append(run_pyagrum(data, true, threads))
    best = (min(r[0] for r in ours), min(r[1] for r in ours), ours[-1][2])
    return best, {m: (min(r[0] for r in runs), min(r[1] for r in runs), min(r[2] for r in runs), runs[-1][3])
                  for m, runs in agrum.items()}


def grid_lines(name, true, n, args):
    data = pl.sample(true, n, rng=0)
    lines = []
    try:
        import pyagrum  # noqa: F401
        have_agrum = True
    except ImportError:
        have_agrum = False
    for method, options in OURS:
        try:
            if method == "hill_climb" and have_agrum:
                (seconds, cpu, learned), agrum = timed_pair(data, true, args.rounds)
            else:
                seconds, cpu, learned = learn(data, method, options)
            lines.append(row(name, n, method, seconds, learned, true, data, cpu=cpu))
        except pl.PGMError as err:  # reported, so one failure does not lose the whole grid
            lines.append(f"| {name} | {n:,} | {method} | - | - | - | - | - | - | - | error: {err} |")
        print(lines[-1], flush=True)
    if have_agrum:
        LOAD[(name, n)] = (min(r[2] for r in agrum.values()), min(encoding_seconds(data) for _ in range(3)))
        lines.append(f"| {name} | {n:,} | (our encoding of the DataFrame, inside our seconds) | - | - | "
                     f"{LOAD[(name, n)][1]:.3f} | - | - | - | - |  |")
        for method, (seconds, cpu, load_time, learned) in agrum.items():
            lines.append(row(name, n, method, seconds, learned, true, data, cpu=cpu, load=load_time))
            print(lines[-1], flush=True)
    else:
        lines.append(f"| {name} | {n:,} | pyAgrum greedy HC | - | - | - | - | - | - | - | not installed |")
    if args.no_pgmpy or n > args.pgmpy_max_rows or name not in args.pgmpy_networks:
        return lines
    result = run_pgmpy(data, true, args.pgmpy_timeout)
    if result is None:
        lines.append(f"| {name} | {n:,} | pgmpy HillClimbSearch | >{args.pgmpy_timeout:.0f} | - | - | - | - | - "
                     f"| - | killed after {args.pgmpy_timeout:.0f} s |")
    else:
        lines.append(row(name, n, "pgmpy HillClimbSearch", result[0], result[1], true, data))
    print(lines[-1], flush=True)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="alarm at 5,000 rows only")
    parser.add_argument("--pgmpy-max-rows", type=int, default=5_000)
    parser.add_argument("--pgmpy-networks", nargs="+", default=["alarm"], help="networks pgmpy runs on")
    parser.add_argument("--pgmpy-timeout", type=float, default=120.0)
    parser.add_argument("--no-pgmpy", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of hill_climb and pyAgrum")
    parser.add_argument("--networks", nargs="+", default=NETWORKS, help="networks (bnlearn names or examples)")
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES, help="rows per sample")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "structure.md"))
    args = parser.parse_args()
    networks, sizes = (["alarm"], [5_000]) if args.quick else (args.networks, args.sizes)
    load_before = os.getloadavg()
    warm = pl.sample(pl.example("asia"), 200, rng=0)  # first calls pay one-off import costs: not timed
    for method, options in OURS:
        learn(warm, method, options)
    try:
        run_pyagrum(warm, pl.example("asia"))
    except ImportError:
        pass
    table = []
    for name in networks:
        true = load(name)
        for n in sizes:
            table += grid_lines(name, true, n, args)
    load_after = os.getloadavg()
    lines = [
        "# Structure learning: pgm_lite vs pyAgrum vs pgmpy", "",
        f"Python {platform.python_version()}, pgm_lite {pl.__version__}, {platform.machine()}; "
        f"{os.cpu_count()} cores shared with other jobs (timings are noisy): load average "
        f"{load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f} (1 / 5 / 15 min) at the start, "
        f"{load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f} at the end. Command: "
        f"`.venv/bin/python benchmarks/structure.py{''.join(' ' + a for a in sys.argv[1:])}`.", "",
        "Seconds are wall time after one untimed warm-up call of each learner (pgm_lite: the whole call "
        "including encoding; pyAgrum: `learnDAG()` only; pgmpy: `estimate()`), CPU s the process CPU time "
        "of the same call; load s: pyAgrum's `BNLearner(DataFrame)` (not in its seconds) and, on its own "
        "row, our encoding of the same DataFrame (in our seconds); hill_climb and pyAgrum (1 thread): the "
        f"minimum of {args.rounds} interleaved rounds. "
        "BIC of the result on the same data (higher is better) next to the BIC of the true network; "
        "SHD between CPDAGs.", "",
        "| network | rows | method | seconds | CPU s | load s | BIC | BIC (true) | SHD | edges | note |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *table,
        *summary(networks, sizes),
    ]
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
