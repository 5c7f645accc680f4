"""`derive export`: every derivation as JSON (format: derive/render/FORMAT.md).

    derive export -o results.json            # the whole catalogue, with check verdicts
    derive export normal-equations --no-check

Read it back without eval: ``derive.render.json.load_export(json.load(f))`` -> {id: Derivation}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (default: all)")
    parser.add_argument("-o", "--output", default=None, help="output file (default: standard output)")
    parser.add_argument("--no-check", action="store_true", help="leave out the check verdicts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the checker's instantiations")
    parser.add_argument("--indent", type=int, default=1, help="JSON indentation (0: one line)")


def export(derivations, reports=None, *, missing=()) -> dict:
    """The export document: format, version, derive's version and every derivation."""
    from derive import __version__
    from derive.render.json import EXPORT_FORMAT, VERSION, derivation_json

    reports = reports or {}
    return {
        "format": EXPORT_FORMAT,
        "version": VERSION,
        "derive_version": __version__,
        "derivations": [derivation_json(d, reports.get(d.id)) for d in derivations],
        "missing": list(missing),
    }


def run(args: argparse.Namespace) -> int:
    import derive
    from derive.render.book import collect

    unknown = [i for i in args.ids if i not in derive.names()]
    if unknown:
        print(f"derive export: unknown id(s) {', '.join(unknown)}; known ids: {', '.join(derive.names())}",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    derivations, reports, missing = collect(args.ids, check=not args.no_check, seed=args.seed)
    if missing:
        print(f"derive export: not yet in the catalogue, left out: {', '.join(missing)}", file=sys.stderr)
    text = json.dumps(export(derivations, reports, missing=missing), indent=args.indent or None)
    if args.output and args.output != "-":
        path = Path(args.output)
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
        path.write_text(text + "\n")
        print(f"wrote {path}: {len(derivations)} derivations ({time.perf_counter() - start:.1f} s)",
              file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    failed = [d.id for d in derivations if d.id in reports and not reports[d.id].ok]
    if failed:
        print(f"derive export: steps failed in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
