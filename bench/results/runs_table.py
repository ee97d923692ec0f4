#!/usr/bin/env python3
"""Print the small-round-trip targets of several pingpong runs as one
markdown table: each run's p50s and the three ratios the foundation issue
sets (uipc/floor <= 1.15, uds/uipc >= 100, uds-poll/uipc >= 10), then the
medians.  The README's table is this output, copied.

    runs_table.py [--size 32] run1.json run2.json ...
"""
import argparse
import json
import statistics
import sys

TARGETS = (("uipc / floor", "<=", 1.15), ("uds / uipc", ">=", 100), ("uds-poll / uipc", ">=", 10))


def p50s(path, size):
    with open(path) as f:
        rep = json.load(f)
    got = {r["transport"]: r["p50_ns"] for r in rep["results"]
           if r.get("bench") == "pingpong" and r.get("size") == size and r.get("count")}
    missing = [t for t in ("uipc", "floor", "uds", "uds-poll") if t not in got]
    if missing:
        sys.exit("runs_table.py: %s has no %d B pingpong row for %s" % (path, size, ", ".join(missing)))
    return got


def met(value, op, bound):
    return value <= bound if op == "<=" else value >= bound


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=32, help="message size in bytes (default 32)")
    ap.add_argument("runs", nargs="+", help="pingpong JSON reports, one per run")
    a = ap.parse_args()

    print("| run | uipc p50 | floor p50 | uds p50 | uds-poll p50 | uipc / floor "
          "| uds / uipc | uds-poll / uipc | all three met |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    ratios = []
    for i, path in enumerate(a.runs, 1):
        p = p50s(path, a.size)
        r = (p["uipc"] / p["floor"], p["uds"] / p["uipc"], p["uds-poll"] / p["uipc"])
        ratios.append(r)
        ok = all(met(v, op, b) for v, (_, op, b) in zip(r, TARGETS))
        print("| %d | %d | %d | %d | %d | %.3f | %.0f | %.0f | %s |"
              % (i, p["uipc"], p["floor"], p["uds"], p["uds-poll"], r[0], r[1], r[2],
                 "yes" if ok else "no"))
    med = [statistics.median(r[k] for r in ratios) for k in range(3)]
    print()
    print("Medians of %d runs: uipc / floor %.3f, uds / uipc %.0f, uds-poll / uipc %.0f; "
          "all three met in %d of %d."
          % (len(ratios), med[0], med[1], med[2],
             sum(all(met(v, op, b) for v, (_, op, b) in zip(r, TARGETS)) for r in ratios),
             len(ratios)))


if __name__ == "__main__":
    main()
