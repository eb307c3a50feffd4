"""Timing helper shared by the benchmark scripts (run them from the repository root)."""

import gc
import time


def best_time(fn, repeat):
    """Best wall time of ``repeat`` calls (garbage collected in between); return (seconds, result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result
