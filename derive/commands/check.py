"""`derive check [ID ...]`: check every step; a line per derivation as it finishes, counts by method.

The derivations are checked in parallel worker processes (`--jobs`, default 2); the outcomes
are written to the check cache that `derive book` and `derive export` reuse.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

ORDER = ("symbolic", "instantiated", "sampled", "given", "undecided", "failed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strict", action="store_true", help="also fail on undecided steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random instantiations")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="seconds allowed per step; a step past it is undecided")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also list the given steps (definitions, cited theorems) with their citation")


def summary(counts) -> str:
    return ", ".join(f"{counts[k]} {k}" for k in ORDER if counts.get(k))


def validate(args) -> None:
    from derive.commands.output import UserError

    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UserError(f"--timeout must be a positive number of seconds, e.g. --timeout 10; got {args.timeout}")
    if not 1 <= args.jobs <= 64:
        raise UserError(f"--jobs must be between 1 and 64; got {args.jobs}")


def outcome_lines(o, width: int, verbose: bool = False) -> list[str]:
    """The line of one derivation, then its failed and undecided steps (and, verbose, the given)."""
    from derive.render.markup import to_text

    mark = "FAIL" if not o.ok else ("ok?" if not o.decided else "ok")
    lines = [f"{mark:4s} {o.id:{width}s}  {len(o.steps):2d} steps: {summary(o.counts)}  ({o.seconds:.2f} s)"]
    for s in o.steps:
        if s["status"] in ("failed", "undecided"):
            lines.append(f"       step {s['index']} ({s['relation']}: {to_text(s['reason'])}): "
                         f"{s['status']}: {s['detail']}")
        elif verbose and s["status"] == "given":
            cite = f" [{to_text(s['source'])}]" if s["source"] else " [no citation]"
            lines.append(f"       given: step {s['index']} ({s['relation']}): {to_text(s['reason'])}{cite}")
    return lines


def run(args: argparse.Namespace) -> int:
    import derive
    from derive.commands.checking import CheckCache, accepts_timeout, check_many
    from derive.commands.output import UserError, plural, unknown_ids

    validate(args)
    ids = args.ids or derive.names()
    message = unknown_ids(ids, derive.names())
    if message:
        raise UserError(message)
    if args.timeout is not None and not accepts_timeout():
        print("derive check: this checker has no per-step timeout yet; --timeout is ignored", file=sys.stderr)
    width = max(len(name) for name in ids)
    start = time.perf_counter()

    def show(outcome, cached):
        if not args.json:
            print("\n".join(outcome_lines(outcome, width, args.verbose)), flush=True)

    cache = CheckCache.for_source(args.seed, args.timeout)  # `derive check` checks; book reuses
    results = check_many(ids, seed=args.seed, timeout=args.timeout, workers=args.jobs, cache=cache,
                         reuse=False, on_result=show)
    elapsed = time.perf_counter() - start
    failed = sum(1 for o in results.values() for s in o.steps if s["status"] == "failed")
    undecided = sum(1 for o in results.values() for s in o.steps if s["status"] == "undecided")
    if args.json:
        print(json.dumps({
            "ok": failed == 0 and (not args.strict or undecided == 0),
            "seconds": round(elapsed, 3),
            "derivations": [
                {"id": o.id, "ok": o.ok, "decided": o.decided, "counts": o.counts, "seconds": o.seconds,
                 "steps": [{k: s[k] for k in ("index", "relation", "reason", "source", "status", "method", "detail")}
                           for s in o.steps]}
                for o in results.values()
            ],
        }, indent=2))
    else:
        steps = sum(len(o.steps) for o in results.values())
        print(f"{plural(len(results), 'derivation')}, {plural(steps, 'step')}: "
              f"{failed} failed, {undecided} undecided ({elapsed:.1f} s)")
    if failed or (args.strict and undecided):
        return 1
    return 0
