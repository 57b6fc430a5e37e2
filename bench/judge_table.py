#!/usr/bin/python3
"""Prints the Markdown table of bench/README.md from the judge benchmark's JSON
(argv[1]) and the lines of bench/scipy_mannwhitneyu.py (stdin)."""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        ours = json.load(f)
    # Medians of the repetitions, in seconds (the benchmark reports microseconds).
    median = {b["run_name"]: b["real_time"] / 1e6 for b in ours["benchmarks"]
              if b.get("aggregate_name") == "median"}
    print("| n per side | std::sort pooled (floor) | U + p | U + p + HL + CI | full / floor "
          "| scipy U + p | scipy / ours (U + p) | scipy / ours (full) |")
    print("|---|---|---|---|---|---|---|---|")
    for line in sys.stdin:
        scipy = json.loads(line)
        n, theirs = scipy["size"], scipy["seconds"]
        floor = median[f"BM_SortPooled/{n}"]
        test = median[f"BM_RankSumTest/{n}"]
        full = median[f"BM_RankSumShiftInterval/{n}"]
        print(f"| {n:,} | {ms(floor)} | {ms(test)} | {ms(full)} | {full / floor:.2f}x "
              f"| {ms(theirs)} | {theirs / test:.1f}x | {theirs / full:.1f}x |")


def ms(seconds):
    return f"{seconds * 1e3:.3g} ms"


if __name__ == "__main__":
    main()
