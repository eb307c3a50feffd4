"""Every tuning threshold of the engines, in one place, with the measurement it came from.

Engines read these as ``tuning.NAME`` at call time, so a test or an experiment can change one
with ``monkeypatch.setattr(pgm_lite.tuning, "NAME", value)``. Numbers marked *bench* were
chosen from the tables written by the named script in ``benchmarks/`` (2-core machine).
"""

from __future__ import annotations

__all__ = [
    "AUTO_ORDER_COST",
    "BATCH_TABLE_LIMIT",
    "COMPILED_AXIS_NS",
    "COMPILED_BATCH_NS",
    "COMPILED_BATCH_RUN_NS",
    "COMPILED_BIG_ENTRY_NS",
    "COMPILED_CACHE_ENTRIES",
    "COMPILED_CALL_NS",
    "COMPILED_ENTRY_NS",
    "BROADCAST_MIN_ENTRIES",
    "COMPILED_GATHER_NS",
    "COMPILED_LOOP_ROW_NS",
    "COMPILED_MEMORY_NS",
    "COMPILED_PAIR_NS",
    "COMPILED_PATH_CALL_NS",
    "COMPILED_RUN_NS",
    "COMPILED_TABLE_ROW_NS",
    "COMPILED_TABLE_ROWS",
    "COMPILED_WARN_RATIO",
    "COMPILED_WARN_SECONDS",
    "DEFAULT_MAX_MEMORY",
    "EINSUM_COST",
    "EXACT_SUM_ENTRIES",
    "EM_CHUNK_ENTRIES",
    "EM_MAX_COMPONENT",
    "EM_ONEHOT_CACHE_BYTES",
    "FIT_GROUP_CELLS",
    "FREEZE_MAX_ENTRIES",
    "FUSE_LIMIT",
    "ONE_EINSUM_WORK",
    "UNFOLDED_PIECE_FACTORS",
    "FOLD_TREE_ENTRIES",
    "LISTED_ENTRIES",
    "LISTED_QUOTIENTS",
    "LAZY_STRUCTURE_VARIABLES",
    "JOINT_MARGINALS_WORK",
    "MAX_CACHED_PLANS",
    "MAX_EINSUM_OPERANDS",
    "MIN_FILL_SECONDS",
    "OPTIMIZE_LIMIT",
    "PSI_FOLD_ENTRIES",
    "PLAN_COST_PER_EVIDENCE",
    "SAMPLE_CHUNK",
    "SAMPLE_GUIDE_CELLS",
    "ENCODE_THREADS_FROM",
    "ENCODE_BINCOUNT_RANGE",
    "TRANSPOSE_BLOCK_ROWS",
    "FIT_CHUNK",
    "SCALING_LOG10_LIMIT",
    "SAMPLE_MAX_MEMORY",
    "SIDE_LIMIT",
    "SIDE_ROWS",
    "SS_MAX_ENTRIES",
    "SS_MAX_OUTPUTS",
    "VE_MARGIN",
    "VE_MIN_TREE",
    "VE_SAMPLE",
    "VE_SAMPLE_MARGIN",
    "WITNESS_LIST_ENTRIES",
    "WHOLE_LIMIT",
    "CLOSURE_MAX_VARIABLES",
    "CLOSURE_LIST_MAX_VARIABLES",
    "IMPLIES_MAX_STEPS",
    "STRUCTURE_BATCH_ENTRIES",
    "STRUCTURE_COUNT_CACHE_CELLS",
    "STRUCTURE_DENSE_CELLS",
    "STRUCTURE_MAX_CELLS",
    "STRUCTURE_MIN_GAIN",
    "STRUCTURE_TIE",
    "TABU_PATIENCE",
    "STRUCTURE_PERTURB_ROUNDS",
    "STRUCTURE_PERTURB_WORK",
    "READ_MAX_GZIP_BYTES",
    "READ_MAX_TABLE_BYTES",
]

# -- memory --------------------------------------------------------------------------------------
#: Bytes the largest intermediate table of a plan may take unless the caller says otherwise.
DEFAULT_MAX_MEMORY = 2 * 2**30

# -- query planning (benchmarks/inference.py, single posteriors cold and warm) -------------------
#: A side piece's CPD of at most this many entries is checked for a possible assignment from Python
#: lists (its rows' most likely states and positive entries, made on a plan's second check) instead of a numpy
#: row and argmax per call (bench: benchmarks/inference.py's warm single posteriors on munin, counted
#: with callgrind: 612k -> 558k instructions per call).
WITNESS_LIST_ENTRIES = 2**12
#: Merge small elimination steps whose joint iteration space is at most this many entries.
FUSE_LIMIT = 128
#: A query piece whose iteration space times its operand count is at most this runs as one einsum
#: without ordering or simulating steps (bench: cold single posteriors, commit ade7dcf).
WHOLE_LIMIT = 24_576
#: ... and a piece past FUSE_LIMIT still runs as one einsum when its iteration space times its
#: operand count is at most this: planning it step by step costs 3x more on a new question and
#: its warm runs are no faster (bench: /tmp/plancold/pieceab.py on child's pieces, 2.1k-4.1k:
#: first call 53-84 us one einsum vs 150-250 us planned, warm 11-25 us either way; past 8k the
#: planned pieces run warm 1.5x faster). Raised from 4,096 to 8,192 with callgrind counts of
#: benchmarks/inference.py's fixed cases (win95pts, whose LclGrbld piece has work 5,120: cold
#: 424k -> 310k instructions per question, warm 108k -> 116k; the tree before
#: the re-cut, f5f2108, had 307k / 123k); no other shipped network has a piece between the two.
ONE_EINSUM_WORK = 8_192
#: A single posterior's piece of at most this many CPDs is planned from the CPDs as they are; a
#: bigger one first sums single-child parents into their child's table (cached per model); 0:
#: every piece is folded. Bench (/tmp A/B of vs_pyagrum.py's cases, interleaved, 2-core machine
#: at load 2-3): never folding makes the first question 5-20% faster (insurance 1.30 -> 1.08 ms,
#: munin 2.75 -> 2.42) but every later one slower (warm andes 281 -> 369 us, sachs 22 -> 26,
#: win95pts 10.6 -> 12.8): folded tables make each run's einsum smaller. So: always fold.
UNFOLDED_PIECE_FACTORS = 0
#: A CPD with single-child parents summed in is computed by one einsum over the CPDs it absorbs
#: when their variables span at most this many entries (else one einsum per parent). Bench
#: (/tmp/coldq/count.py, vs_pyagrum.py's cold single posteriors): andes 133 -> 103 einsums per
#: first question (its largest private trees span 2,048 entries); hailfinder's 83k-209k
#: trees stay folded parent by parent.
FOLD_TREE_ENTRIES = 4_096
#: Row sums and zero checks of CPD tables up to this many entries are made in Python: a list
#: costs less than numpy's reductions, each of which is slow the first time after the CPU caches
#: were flushed (bench: vs_pyagrum.py "one posterior, cold", asia..survey).
LISTED_ENTRIES = 256
#: A CPD table of at most this many entries is first checked for rows summing exactly to one with
#: ``math.fsum`` (then kept as read, with no numpy reduction): a first question on a network of
#: such tables runs no numpy reduction at all (bench: interleaved A/B of vs_pyagrum.py's "one
#: posterior, cold" on asia, cancer, earthquake and survey, 2-7% faster; callgrind counts of a
#: first question: asia -1.3%, alarm and win95pts +0.5-0.7%; at 256 entries alarm was +3.7%).
EXACT_SUM_ENTRIES = 32
#: A plan's first run divides a posterior of up to this many entries in Python (the same IEEE
#: quotients as numpy's, so every run gives the same bits): a first question pays no cold numpy
#: division (bench: /tmp/coldq/quick.py, cold asia/cancer/earthquake ~10-20 us). A tiny model's
#: marginals of up to this many entries (``junction_tree._JointPlan``) are summed (``math.fsum``)
#: and divided in Python on every run (bench: interleaved A/B of a first ``pl.marginals`` on a
#: model just read, collected first, as vs_pyagrum.py times it; medians of 3 rounds of 30: asia
#: 0.99 -> 0.92 ms, cancer 0.80 -> 0.71, survey 0.83 -> 0.75, earthquake 0.79 -> 0.75).
LISTED_QUOTIENTS = 64
#: A Bayesian network with more variables reads each variable's parents and children when a
#: question first needs them; a smaller one reads all its children in one pass over its CPDs
#: (bench: vs_pyagrum.py "one posterior, cold": munin 12-14 ms -> 3.0-3.2 ms read lazily; on
#: networks of 5-76 variables the one pass is the cheaper of the two).
LAZY_STRUCTURE_VARIABLES = 128
#: Entries a query plan may keep of the tables its evidence never reaches (computed on its first
#: run, reused by every later one; 1 MiB a plan, at most MAX_CACHED_PLANS plans a model). The warm
#: single posteriors of benchmarks/inference.py keep at most a few thousand.
FREEZE_MAX_ENTRIES = 2**17
#: Steps iterating over more entries contract pairwise (BLAS) along a fixed path.
OPTIMIZE_LIMIT = 2**14
#: A big step whose other operands span at most this many entries multiplies those first, then
#: runs one plain two-operand einsum with its big table (benchmarks/partition.py, Ising grids:
#: 2-3 ms a step of 2**21 entries where numpy's pairwise BLAS route took 25 ms).
SIDE_LIMIT = 2**10
#: Rows of one BLAS call in such a step (the rest is a batch axis): small calls run on one thread
#: and in cache (benchmarks/partition.py: a (2**19 x 2) @ (2 x 2) product took 1-2 ms cut into
#: blocks, 1-375 ms as one multi-threaded call on the shared 2-core machine).
SIDE_ROWS = 2**14
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
#: The "auto" order (the default of exact queries and partition functions) also tries reverse
#: Cuthill-McKee when min-fill's order iterates over more entries than this (~4 ms of einsum work;
#: trying it costs a few ms of Python on 1000-variable networks). benchmarks/partition.py: on an
#: L x L Ising grid min-fill reaches width ~1.4 L (L=20: 2**29 entries, refused) where it finds L.
AUTO_ORDER_COST = 2**22

# -- all marginals (benchmarks/inference.py, "all marginals" rows) ------------------------------
#: Cliques with at most this many wanted outputs skip building their belief table.
SS_MAX_OUTPUTS = 2
#: ... and so do cliques of at most this many entries (evidence sliced out), whatever their
#: outputs: a belief costs one einsum more, and each non-unit downward message three numpy calls
#: more (divide by the upward message), which outweighs the work on small tables (vs_pyagrum.py
#: networks, 0 vs 2**8 interleaved in one process, load ~5: warm all marginals alarm 0.61 -> 0.57
#: ms, win95pts 1.46 -> 1.40, hailfinder 0.94 -> 0.92; cold the same within noise).
SS_MAX_ENTRIES = 2**8
#: A clique message over more entries than this is broadcast along the clique variables none
#: of its operands hold (np.broadcast_to, ~4 us); smaller ones multiply by ones vectors (all
#: marginals warm: barley's 7M-entry cliques iterate ~10x less; alarm's small ones 15 us faster).
BROADCAST_MIN_ENTRIES = 2**12
#: A clique table with more than two inputs and more than this many entries times inputs is
#: built by pairwise products rather than one einsum (benchmarks/vs_pyagrum.py, all marginals
#: cold: andes' 17-input cliques 3x, barley's potentials 589 -> 176 ms; small cliques: one call).
PSI_FOLD_ENTRIES = 2**14
#: All marginals of a model whose unobserved variables' joint table, times its number of
#: factors, is at most this come from one einsum per variable, not from a junction tree
#: (benchmarks/vs_pyagrum.py, all marginals cold: asia, cancer, earthquake, survey).
JOINT_MARGINALS_WORK = 2**12
#: Trees with fewer table entries (after slicing evidence) always calibrate (entries, not the
#: cost estimate: insurance's 19 cliques, 29k entries, made 3 plans per cold call otherwise;
#: benchmarks/vs_pyagrum.py, all marginals cold).
VE_MIN_TREE = 2**16
#: Per-variable elimination must look this many times cheaper than calibrating the tree.
VE_MARGIN = 2
#: Before planning one elimination per variable, this many spread-out variables are planned; if
#: their mean cost times the number of variables is over VE_SAMPLE_MARGIN times the budget, the
#: tree is calibrated without planning the rest (benchmarks/vs_pyagrum.py, andes all marginals cold).
VE_SAMPLE = 8
VE_SAMPLE_MARGIN = 2
#: Fixed cost of one einsum call, in table entries (0.75 us per call at ~1.5 ns per entry).
EINSUM_COST = 500
#: Planning one variable's elimination costs about this many table entries per observed variable
#: (~0.5 us each; a 4001-node chain with 2000 observations: tests/test_numerics.py).
PLAN_COST_PER_EVIDENCE = 300

# -- compiled (batched) queries (benchmarks/inference.py batched rows; benchmarks/compiled.py) ---
#: A compiled query whose evidence x query joint has at most this many entries may precompute the table.
BATCH_TABLE_LIMIT = 2**22
#: The cost model of ``compile_query(strategy="auto")`` (``inference/_compiled_cost.py``), in
#: nanoseconds, fitted (robust least squares on log time) to the per-row loop and per-call batch
#: timings of 11 networks x 5 evidence sizes (alarm .. munin, water, pathfinder, mildew: the
#: scratch fit behind benchmarks/compiled.py, 2-core machine shared with other jobs, so +-2x):
#: one einsum call inside a plan run, plus per axis of its operands and result, and one with a
#: contraction path,
COMPILED_CALL_NS = 14_000.0
COMPILED_AXIS_NS = 1_500.0
COMPILED_PATH_CALL_NS = 40_000.0
#: per entry of iteration space per operand of a plain step (one over COMPILED_CACHE_ENTRIES
#: entries: BIG, e.g. alarm's 11-operand 2M-entry table step, 12 ns) and of a batched step (rows on an axis),
COMPILED_ENTRY_NS = 2.5
COMPILED_BIG_ENTRY_NS = 10.0
COMPILED_CACHE_ENTRIES = 2**16
COMPILED_BATCH_NS = 3.0
#: per entry of a pairwise (BLAS) step's space and per entry it reads or writes (memory bound:
#: water's 5-7M-entry steps, 10-60 ns per entry moved),
COMPILED_PAIR_NS = 1.0
COMPILED_MEMORY_NS = 10.0
#: per entry of input a batch copies out for each of its rows,
COMPILED_GATHER_NS = 30.0
#: Python overhead of one run of one plan piece (single row; batch: per chunk), of one row of the
#: loop strategy, and of one row (plus 1 ns per query state) of the table strategy.
COMPILED_RUN_NS = 2_000.0
COMPILED_BATCH_RUN_NS = 60_000.0
COMPILED_LOOP_ROW_NS = 3_000.0
COMPILED_TABLE_ROW_NS = 30.0
#: "auto" builds the table at compile time when that costs less than looping over this many rows
#: (otherwise each call decides, once its rows are known).
COMPILED_TABLE_ROWS = 1000
#: An explicit strategy estimated at more than COMPILED_WARN_SECONDS and more than this many times
#: the best strategy's estimate warns (PerformanceWarning).
COMPILED_WARN_RATIO = 3.0
COMPILED_WARN_SECONDS = 0.1

# -- sampling (benchmarks/sampling.py) -----------------------------------------------------------
#: Entries of one CPD's guide table (rows x 256 buckets, one byte each); CPDs with more rows use
#: fewer buckets per row (more draws settle against the cumulative bounds).
SAMPLE_GUIDE_CELLS = 2**22
#: Rows per forward pass (2x faster than one pass for a million rows).
SAMPLE_CHUNK = 100_000
#: Bytes of codes an in-memory sample may take before it is refused with MemoryLimitError
#: (1M rows of munin, 1041 variables, take about 1 GB); ``pgm-lite sample -o`` streams instead.
SAMPLE_MAX_MEMORY = 8 * 2**30

# -- encoding data (benchmarks/sampling.py, fit rows) --------------------------------------------
#: Frames with at least this many cells encode their text columns on up to 4 threads.
ENCODE_THREADS_FROM = 4_000_000
#: Integer-valued columns spanning fewer values than this find their distinct values by bincount.
ENCODE_BINCOUNT_RANGE = 2**20
#: Rows per block when an (n, d) array of codes is transposed (5x faster than one copy, 1M x 1041).
TRANSPOSE_BLOCK_ROWS = 256

# -- learning (benchmarks/sampling.py, fit rows) -------------------------------------------------
#: Rows counted per pass, so the flat cell indices stay in cache.
FIT_CHUNK = 65_536
#: Families are counted in one bincount while the product of their sizes fits in this.
FIT_GROUP_CELLS = 4096
#: Joint states of one EM component enumerated directly; larger components use batched inference.
EM_MAX_COMPONENT = 2**12
#: Rows x joint states per direct EM step (16 MiB of float64).
EM_CHUNK_ENTRIES = 2**21
#: Bytes of the one-hot rows (float64) an EM component keeps between iterations
#: (benchmarks/latent.py: 100,000 rows x 64 pixels x 10 components take 103 MB; rebuilding them
#: every update cost more than the two matrix products of the update).
EM_ONEHOT_CACHE_BYTES = 2**28

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
#: together: 2**19 entries (4 MiB, in cache); benchmarks/structure.py at 50k rows: 2**18-2**19 ran
#: 5-15% faster than 2**21 (alarm, child), no different at 5k rows.
STRUCTURE_BATCH_ENTRIES = 2**19
#: Slot counts (family cells x every variable's values) the search keeps, so that a family one
#: parent short (a deletion or reversal) is a marginal instead of a pass over the data: 2**22
#: int64 cells (32 MiB) hold every kept family of hailfinder at 50k rows.
STRUCTURE_COUNT_CACHE_CELLS = 2**22
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
#: Hill climbing's perturbation phase stops after this many accepted trials: a safety cap, not a
#: tuned value (benchmarks/structure.py: alarm, child, insurance at 500-50k rows accept 1 to 8).
STRUCTURE_PERTURB_ROUNDS = 1000
#: Moves hill climbing's perturbation trials may make, per move of the first climb (at least one
#: per variable) and per unit of ``ln(rows)``: 0.75 x the first climb at 500 rows, 1.0 x at 5,000,
#: 1.3 x at 50,000. benchmarks/structure.py (alarm, child, insurance, hailfinder at 500 / 5,000 /
#: 50,000 rows, rng=0 samples): 0.10 already keeps the BIC >= pyAgrum's greedy search in all 12
#: cells (but by 1.8 on alarm at 5,000 rows), 0.12 by >= 8.8 everywhere; the unbounded phase
#: made 2-3 x the first climb's moves, so 0.12 halves the phase's cost at 500 rows.
STRUCTURE_PERTURB_WORK = 0.12

# -- reading files (tests/test_hardening_io.py bombs; benchmarks/io.py files are far below) ------
#: Bytes a ``.gz`` file may inflate to before a reader refuses it (streamed, so a 4 MB gzip bomb
#: is refused after inflating this much). munin.bif is 1.2 MB, barley.bif 2 MB, the largest UAI
#: competition instances tens of MB.
READ_MAX_GZIP_BYTES = 2**28
#: Bytes one table may need while it is read (entries, row bookkeeping, the CPD's own copy and
#: state names), checked before allocating; barley's largest table (~200,000 entries) needs ~4 MB.
READ_MAX_TABLE_BYTES = 2**30

# -- message passing (benchmarks/message_passing.py) --
#: Loopy BP (parallel schedule) updates table shapes with fewer factors than this in one flat
#: pass over all their (entry, axis) pairs instead of a few calls per shape: on bnlearn networks
#: (dozens of shapes of a few factors each) that is ~10x fewer numpy calls per sweep, while the
#: 19,800 pairwise factors of a 100x100 Ising grid stay one broadcast group.
LOOPY_FLAT_BELOW = 256
#: Factor-graph plans (and their colourings and flat bundles) kept per model version, one set per
#: set of observed variables; past this the cache is emptied (a plan of munin takes ~50 ms).
MAX_CACHED_FACTOR_GRAPHS = 48
