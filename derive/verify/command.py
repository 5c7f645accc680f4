"""The `derive verify FILE` subcommand."""

from __future__ import annotations

import argparse
import math
import os
import sys

MAX_JOBS = max(4, min(os.cpu_count() or 1, 32))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a Markdown (.md, .txt, anything but .tex) or LaTeX (.tex) file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--format", choices=("text", "json", "github"), default=None,
                        help="text (default), json (as --json) or github (::error annotations for CI)")
    parser.add_argument("--inline", action="store_true", help="also check inline $...$ math")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds allowed per step (default 5); a step past it is undecided")
    parser.add_argument("--deadline", type=float, default=None,
                        help="seconds allowed for the whole document (default 30 + 1 per step); "
                             "steps after it are undecided")
    parser.add_argument("--memory", type=int, default=None,
                        help="megabytes of memory a check may use (default 1024); past it the step is undecided")
    parser.add_argument("--jobs", type=int, default=2, help=f"checks run at once (default 2, at most {MAX_JOBS})")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random instances used to refute steps (default 0: same file, same report)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also list definitions and conditions, and reasons of every step")


def _limit_error(args) -> str | None:
    for name, value, example in (("--timeout", args.timeout, "--timeout 5"), ("--deadline", args.deadline, "--deadline 120")):
        if value is not None and not (math.isfinite(value) and value > 0):
            return f"{name} must be a finite positive number of seconds, got {value!r}; e.g. {example}"
    if args.memory is not None and not 64 <= args.memory <= 1 << 20:
        return f"--memory must be a number of megabytes from 64 to {1 << 20}, got {args.memory}; e.g. --memory 2048"
    if not 1 <= args.jobs <= MAX_JOBS:
        return f"--jobs must be from 1 to {MAX_JOBS}, got {args.jobs}; e.g. --jobs 2"
    return None


def run(args) -> int:
    """Exit status: 0 no step wrong, 1 some step wrong, 2 the file or an option could not be used."""
    from derive.verify import verify_file
    from derive.verify.model.shapes import DeclarationError
    from derive.verify.read.extract import ExtractError
    from derive.verify.report import as_github, as_json, problem_lines, step_lines, summary_line

    problem = _limit_error(args)
    if problem is not None:
        print(f"derive verify: {problem}", file=sys.stderr)
        return 2
    fmt = args.format or ("json" if args.json else "text")
    stream = None
    if fmt == "text":
        def stream(result):
            for line in step_lines(args.file, result, verbose=args.verbose):
                print(line, flush=True)
    try:
        results, problems = verify_file(args.file, inline=args.inline, timeout=args.timeout, jobs=args.jobs,
                                        deadline=args.deadline, memory_mb=args.memory, seed=args.seed,
                                        on_result=stream)
    except (ExtractError, DeclarationError) as exc:
        print(f"derive verify: {exc}", file=sys.stderr)
        return 2
    if fmt == "json":
        print(as_json(args.file, results, problems))
    elif fmt == "github":
        print(as_github(args.file, results, problems))
    else:
        for line in problem_lines(args.file, problems):
            print(line)
        print(summary_line(args.file, results))
    return 1 if any(r.outcome.verdict == "wrong" for r in results) else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="derive verify", description="check a derivation step by step")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
