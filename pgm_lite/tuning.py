"""Every tuning threshold of the engines, in one place, with the measurement it came from.

Engines read these as ``tuning.NAME`` at call time, so a test or an experiment can change one
with ``monkeypatch.setattr(pgm_lite.tuning, "NAME", value)``. Numbers marked *bench* were
chosen from the tables written by the named script in ``benchmarks/`` (2-core machine).
"""

from __future__ import annotations

__all__ = [
    "BATCH_TABLE_LIMIT",
    "DEFAULT_MAX_MEMORY",
    "EINSUM_COST",
    "EM_CHUNK_ENTRIES",
    "EM_MAX_COMPONENT",
    "FIT_GROUP_CELLS",
    "FUSE_LIMIT",
    "MAX_CACHED_PLANS",
    "MAX_EINSUM_OPERANDS",
    "MIN_FILL_SECONDS",
    "OPTIMIZE_LIMIT",
    "PLAN_COST_PER_EVIDENCE",
    "SAMPLE_CHUNK",
    "SAMPLE_GUIDE_FROM",
    "SCALING_LOG10_LIMIT",
    "SAMPLE_MAX_MEMORY",
    "SS_MAX_OUTPUTS",
    "VE_MARGIN",
    "VE_MIN_TREE",
    "WHOLE_LIMIT",
    "CLOSURE_MAX_VARIABLES",
    "CLOSURE_LIST_MAX_VARIABLES",
    "IMPLIES_MAX_STEPS",
    "STRUCTURE_BATCH_ENTRIES",
    "STRUCTURE_DENSE_CELLS",
    "STRUCTURE_MAX_CELLS",
    "STRUCTURE_MIN_GAIN",
    "STRUCTURE_TIE",
    "TABU_PATIENCE",
]

# -- memory --------------------------------------------------------------------------------------
#: Bytes the largest intermediate table of a plan may take unless the caller says otherwise.
DEFAULT_MAX_MEMORY = 2 * 2**30

# -- query planning (benchmarks/inference.py, single posteriors cold and warm) -------------------
#: Merge small elimination steps whose joint iteration space is at most this many entries.
FUSE_LIMIT = 128
#: A query piece whose iteration space times its operand count is at most this runs as one einsum
#: without ordering or simulating steps (bench: cold single posteriors, commit ade7dcf).
WHOLE_LIMIT = 24_576
#: Steps iterating over more entries contract pairwise (BLAS) along a fixed path.
OPTIMIZE_LIMIT = 2**14
#: Plans kept per model (query variables x observed variables); the oldest are dropped beyond it.
MAX_CACHED_PLANS = 512
#: Most operands one einsum call gets; steps with more contract pairwise (numpy 2 refuses 64+,
#: numpy 1 refuses 32+: tests/test_numerics.py, the 64-factor Markov network).
MAX_EINSUM_OPERANDS = 31
#: A plan whose tables are bounded (from the inputs' ranges) within 10**+-this runs without
#: scaling; others carry a power-of-two exponent per table. float64 spans 10**+-308; the margin
#: covers partial products (tests/test_numerics.py; costs nothing per run on the
#: benchmarks/inference.py networks, which all stay inside it).
SCALING_LOG10_LIMIT = 250.0

# -- elimination orders (benchmarks/inference.py, "orderings" rows) -----------------------------
#: Seconds min-fill may run before it orders the remaining variables by min-degree.
MIN_FILL_SECONDS = 5.0

# -- all marginals (benchmarks/inference.py, "all marginals" rows) ------------------------------
#: Cliques with at most this many wanted outputs skip building their belief table.
SS_MAX_OUTPUTS = 2
#: Trees with fewer table entries (after slicing evidence) always calibrate.
VE_MIN_TREE = 2**16
#: Per-variable elimination must look this many times cheaper than calibrating the tree.
VE_MARGIN = 2
#: Fixed cost of one einsum call, in table entries (0.75 us per call at ~1.5 ns per entry).
EINSUM_COST = 500
#: Planning one variable's elimination costs about this many table entries per observed variable
#: (~0.5 us each; a 4001-node chain with 2000 observations: tests/test_numerics.py).
PLAN_COST_PER_EVIDENCE = 300

# -- compiled (batched) queries (benchmarks/inference.py, batched rows) -------------------------
#: A compiled query whose evidence x query joint has at most this many entries precomputes the table.
BATCH_TABLE_LIMIT = 2**22

# -- sampling (benchmarks/sampling.py) -----------------------------------------------------------
#: Variables with more states than this draw through a guide table.
SAMPLE_GUIDE_FROM = 2
#: Rows per forward pass (2x faster than one pass for a million rows).
SAMPLE_CHUNK = 100_000
#: Bytes of codes an in-memory sample may take before it is refused with MemoryLimitError
#: (1M rows of munin, 1041 variables, take about 1 GB); ``pgm-lite sample -o`` streams instead.
SAMPLE_MAX_MEMORY = 8 * 2**30

# -- learning (benchmarks/sampling.py, fit rows) -------------------------------------------------
#: Families are counted in one bincount while the product of their sizes fits in this.
FIT_GROUP_CELLS = 4096
#: Joint states of one EM component enumerated directly; larger components use batched inference.
EM_MAX_COMPONENT = 2**12
#: Rows x joint states per direct EM step (16 MiB of float64).
EM_CHUNK_ENTRIES = 2**21

# -- independence reasoning (tests/test_independence.py brute-force closure; 784-pixel chain) -------
#: Variables the exact semi-graphoid closure handles (n(n-1)/2 * 2**(n-2) elementary triples:
#: a 10-variable Markov chain takes about 2 s, 12 variables 15 s; 5 variables take milliseconds).
CLOSURE_MAX_VARIABLES = 10
#: Variables ``pl.closure`` lists the maximal statements of (it visits all 4**n triples: 8 variables,
#: 65,536 triples, take a few seconds; pl.implies checks one statement on up to CLOSURE_MAX_VARIABLES).
CLOSURE_LIST_MAX_VARIABLES = 8
#: Sub-goals the targeted contraction search may open per variable before giving up (the 784-pixel
#: Markov chain needs 2 per variable; naive Bayes 4).
IMPLIES_MAX_STEPS = 20_000

# -- structure learning (benchmarks/structure.py; set by reasoning, not yet swept) ---------------
#: Cell indices (rows x candidate families) built at once when a child's candidates are counted
#: together: 2**21 entries (8-16 MiB); alarm at 50k rows still takes one bincount per child.
STRUCTURE_BATCH_ENTRIES = 2**21
#: Families with up to this many cells are counted densely (bincount); bigger ones with np.unique.
STRUCTURE_DENSE_CELLS = 2**20
#: Families with more cells than this are never proposed (their index would overflow int64).
STRUCTURE_MAX_CELLS = 2**62
#: A move must raise the score by more than this to count as an improvement (float noise of a
#: sum of ~1e5-sized local scores is ~1e-10).
STRUCTURE_MIN_GAIN = 1e-7
#: With ``rng`` given, moves within this of the best are tied and one is drawn at random.
STRUCTURE_TIE = 1e-7
#: Tabu search stops after this many moves without a new best score.
TABU_PATIENCE = 30
