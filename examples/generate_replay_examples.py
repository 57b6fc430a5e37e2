#!/usr/bin/env python3
"""Writes examples/replay-*.json: recorded timelines for `kanaryactl replay`.

5-second ticks of Poisson traffic split by the canary weight (steps of 10 %,
25 %, 50 %), 5xx counts and per-tick latency samples. The bad canary starts
returning twice the errors and 20 % slower responses from the first tick.
Rerun with a fixed seed: python3 examples/generate_replay_examples.py
"""
import json
import math
import random
from datetime import datetime, timedelta, timezone


def poisson(rng, mean):
    # Knuth's method for small means, normal approximation for large ones.
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def binomial(rng, n, p):
    return poisson(rng, n * p)  # rare events


def timeline(seed, bad_from):
    rng = random.Random(seed)
    start = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    ticks = []
    for t in range(120):
        weight = 10 if t < 40 else (25 if t < 80 else 50)
        bad = bad_from is not None and t >= bad_from
        requests = 4000
        canary_total = poisson(rng, requests * weight / 100)
        baseline_total = poisson(rng, requests * (100 - weight) / 100)
        rate = 0.004
        ticks.append({
            "time": (start + timedelta(seconds=5 * t)).isoformat().replace("+00:00", "Z"),
            "canaryWeight": weight,
            "metrics": {
                "http_5xx": {
                    "baselineEvents": binomial(rng, baseline_total, rate),
                    "baselineTotal": baseline_total,
                    "canaryEvents": binomial(rng, canary_total, rate * (2 if bad else 1)),
                    "canaryTotal": canary_total,
                },
                "latency_ms": {
                    "baseline": [round(rng.gauss(120, 12), 2) for _ in range(4)],
                    "canary": [round(rng.gauss(144 if bad else 120, 12), 2)],
                },
            },
        })
    return ticks


ANALYSIS = {
    "alpha": 0.05,
    "minTicks": 12,
    "metrics": [
        {"name": "http_5xx", "kind": "METRIC_KIND_COUNT", "direction": "DIRECTION_INCREASE",
         "tolerance": 0.5, "critical": True},
        {"name": "latency_ms", "kind": "METRIC_KIND_CONTINUOUS",
         "direction": "DIRECTION_INCREASE", "tolerance": 0.1},
    ],
}

for name, seed, bad_from in [("bad", 7, 0), ("good", 8, None)]:
    with open(f"examples/replay-{name}-canary.json", "w") as f:
        json.dump({"analysis": ANALYSIS, "ticks": timeline(seed, bad_from)}, f, indent=1)
        f.write("\n")
