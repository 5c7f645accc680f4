"""Mutation benchmark: mutate every step of every catalogue derivation, report the kill rate.

    python benchmarks/mutations.py [--per-kind 3] [--seed 0] [--ids a,b] [--timeout 20]

A mutant is killed when the checker rejects it (a failed or undecided step) at the mutated step
or after it. Mutants reviewed as equivalent (tests/test_checker_mutations.py, EQUIVALENT) are
counted apart. Prints one line per derivation as it finishes (a progress line on a terminal),
then the kill rate per relation and per kind, and every surviving mutant.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import derive  # noqa: E402
from derive.core.mutate import mutants, run  # noqa: E402


def _equivalent() -> dict:
    try:
        from test_checker_mutations import EQUIVALENT  # the reviewed list lives with the test
    except Exception:  # noqa: BLE001 - run without the tests directory: nothing is excused
        return {}
    return EQUIVALENT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ids", default="")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)
    ids = [s for s in args.ids.split(",") if s] or derive.names()
    equivalent = _equivalent()
    tty = sys.stdout.isatty()
    by_relation: Counter = Counter()
    killed_by_relation: Counter = Counter()
    by_kind: Counter = Counter()
    killed_by_kind: Counter = Counter()
    survivors, excused = [], []
    start = time.perf_counter()
    total = 0
    for name in ids:
        d = derive.get(name)
        t0 = time.perf_counter()
        ms = mutants(d, seed=args.seed, per_kind=args.per_kind)
        killed_here = 0
        for k, m in enumerate(ms):
            if tty:
                print(f"\r{name}: {k + 1}/{len(ms)} mutants", end="", flush=True)
            outcome = run(d, m, timeout=args.timeout)
            relation = d.steps[m.index].relation.value
            if m.key in equivalent:
                excused.append(outcome)
                continue
            total += 1
            by_relation[relation] += 1
            by_kind[m.kind] += 1
            if outcome.killed:
                killed_here += 1
                killed_by_relation[relation] += 1
                killed_by_kind[m.kind] += 1
            else:
                survivors.append(outcome)
        counted = len(ms) - sum(1 for o in excused if o.mutant.derivation_id == name)
        line = (f"{name:34s} {killed_here:4d}/{counted:<4d} killed "
                f"({time.perf_counter() - t0:5.1f} s)")
        print(("\r" if tty else "") + line, flush=True)
    print()
    print(f"{'relation':16s} {'killed':>7s} {'mutants':>7s} {'rate':>7s}")
    for relation in sorted(by_relation):
        n, k = by_relation[relation], killed_by_relation[relation]
        print(f"{relation:16s} {k:7d} {n:7d} {100 * k / n:6.1f}%")
    print()
    for kind in sorted(by_kind):
        n, k = by_kind[kind], killed_by_kind[kind]
        print(f"{kind:16s} {k:7d} {n:7d} {100 * k / n:6.1f}%")
    killed = sum(killed_by_relation.values())
    rate = 100 * killed / total if total else 100.0
    print(f"\n{killed}/{total} non-equivalent mutants killed ({rate:.2f} %), "
          f"{len(excused)} reviewed as equivalent, {time.perf_counter() - start:.1f} s")
    for o in survivors:
        m = o.mutant
        print(f"SURVIVED {m.derivation_id}[{m.index}] {m.kind}: {m.description}")
    return 0 if not survivors else 1


if __name__ == "__main__":
    raise SystemExit(main())
