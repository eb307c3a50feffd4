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
    "OPTIMIZE_LIMIT",
    "SAMPLE_CHUNK",
    "SAMPLE_GUIDE_FROM",
    "SS_MAX_OUTPUTS",
    "VE_MARGIN",
    "VE_MIN_TREE",
    "WHOLE_LIMIT",
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

# -- all marginals (benchmarks/inference.py, "all marginals" rows) ------------------------------
#: Cliques with at most this many wanted outputs skip building their belief table.
SS_MAX_OUTPUTS = 2
#: Trees with fewer table entries (after slicing evidence) always calibrate.
VE_MIN_TREE = 2**16
#: Per-variable elimination must look this many times cheaper than calibrating the tree.
VE_MARGIN = 2
#: Fixed cost of one einsum call, in table entries (0.75 us per call at ~1.5 ns per entry).
EINSUM_COST = 500

# -- compiled (batched) queries (benchmarks/inference.py, batched rows) -------------------------
#: A compiled query whose evidence x query joint has at most this many entries precomputes the table.
BATCH_TABLE_LIMIT = 2**22

# -- sampling (benchmarks/sampling.py) -----------------------------------------------------------
#: Variables with more states than this draw through a guide table.
SAMPLE_GUIDE_FROM = 2
#: Rows per forward pass (2x faster than one pass for a million rows).
SAMPLE_CHUNK = 100_000

# -- learning (benchmarks/sampling.py, fit rows) -------------------------------------------------
#: Families are counted in one bincount while the product of their sizes fits in this.
FIT_GROUP_CELLS = 4096
#: Joint states of one EM component enumerated directly; larger components use batched inference.
EM_MAX_COMPONENT = 2**12
#: Rows x joint states per direct EM step (16 MiB of float64).
EM_CHUNK_ENTRIES = 2**21
