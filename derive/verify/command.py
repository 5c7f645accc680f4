"""The `derive verify FILE` subcommand."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a Markdown (.md, .txt, anything but .tex) or LaTeX (.tex) file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    parser.add_argument("--inline", action="store_true", help="also check inline $...$ math")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds allowed per step (default 5); a step past it is undecided")
    parser.add_argument("--jobs", type=int, default=2, help="checks run at once (default 2)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also list definitions and conditions, and reasons of every step")


def run(args) -> int:
    """Exit status: 0 no step wrong, 1 some step wrong, 2 the file could not be read."""
    from derive.verify import verify_file
    from derive.verify.read.extract import ExtractError
    from derive.verify.report import as_json, as_text

    if args.timeout <= 0:
        print("derive verify: --timeout must be a positive number of seconds, e.g. --timeout 5", file=sys.stderr)
        return 2
    try:
        results, problems = verify_file(args.file, inline=args.inline, timeout=args.timeout, jobs=args.jobs)
    except ExtractError as exc:
        print(f"derive verify: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(as_json(args.file, results, problems))
    else:
        print(as_text(args.file, results, verbose=args.verbose, problems=problems))
    return 1 if any(r.outcome.verdict == "wrong" for r in results) else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="derive verify", description="check a derivation step by step")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
