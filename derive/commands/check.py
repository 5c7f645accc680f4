"""`derive check [ID ...]`: check every step; one line per derivation, counts by method."""

from __future__ import annotations

import argparse
import json
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strict", action="store_true", help="also fail on undecided steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random instantiations")


def _summary(report) -> str:
    order = ("symbolic", "instantiated", "sampled", "given", "undecided", "failed")
    parts = [f"{report.counts[k]} {k}" for k in order if report.counts.get(k)]
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    import derive
    from derive.commands.progress import Progress

    ids = args.ids or derive.names()
    unknown = [i for i in ids if i not in derive.names()]
    if unknown:
        known = ", ".join(derive.names())
        print(f"derive check: unknown id(s) {', '.join(unknown)}; known ids: {known}", file=sys.stderr)
        return 2
    progress = Progress(len(ids), "checking")
    results, failed, undecided = [], 0, 0
    start = time.perf_counter()
    for number, name in enumerate(ids, 1):
        progress.update(number, name)
        t0 = time.perf_counter()
        report = derive.get(name).check(seed=args.seed)
        results.append((name, report, time.perf_counter() - t0))
        failed += len(report.failures)
        undecided += len(report.undecided)
    progress.close()
    elapsed = time.perf_counter() - start
    if args.json:
        print(json.dumps({
            "ok": failed == 0 and (not args.strict or undecided == 0),
            "seconds": round(elapsed, 3),
            "derivations": [
                {
                    "id": name, "ok": r.ok, "decided": r.decided, "counts": dict(r.counts),
                    "seconds": round(sec, 3),
                    "steps": [
                        {"index": s.index, "relation": s.step.relation.value, "reason": s.step.reason,
                         "status": s.verdict.status, "method": s.verdict.method, "detail": s.verdict.detail}
                        for s in r.steps
                    ],
                }
                for name, r, sec in results
            ],
        }, indent=2))
    else:
        width = max(len(name) for name, _, _ in results)
        for name, r, sec in results:
            mark = "FAIL" if not r.ok else ("ok?" if not r.decided else "ok")
            print(f"{mark:4s} {name:{width}s}  {len(r.steps):2d} steps: {_summary(r)}  ({sec:.2f} s)")
            for s in r.steps:
                if s.verdict.status in ("failed", "undecided"):
                    print(f"       step {s.index} ({s.step.relation.value}: {s.step.reason}): "
                          f"{s.verdict.status}: {s.verdict.detail}")
        print(f"{len(results)} derivations, {sum(len(r.steps) for _, r, _ in results)} steps: "
              f"{failed} failed, {undecided} undecided ({elapsed:.1f} s)")
    if failed or (args.strict and undecided):
        return 1
    return 0
