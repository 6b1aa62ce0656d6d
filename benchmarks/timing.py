"""Timing shared by the benchmarks: the best of a few runs, so a busy moment of the machine does not count."""
from __future__ import annotations

import time


def best_of(fn, repeats: int = 3):
    """The fastest of `repeats` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result
