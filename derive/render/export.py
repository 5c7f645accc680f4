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

    from derive.commands.output import UserError, check_writable, plural, unknown_ids, write_text

    message = unknown_ids(args.ids, derive.names())
    if message:
        raise UserError(message)
    check_writable(args.output)
    start = time.perf_counter()
    derivations, reports, missing = collect(args.ids, check=not args.no_check, seed=args.seed)
    if missing:
        print(f"derive export: not yet in the catalogue, left out: {', '.join(missing)}", file=sys.stderr)
    text = json.dumps(export(derivations, reports, missing=missing), indent=args.indent or None)
    if write_text(args.output, text + "\n"):
        print(f"wrote {args.output}: {plural(len(derivations), 'derivation')} "
              f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    failed = [d.id for d in derivations if d.id in reports and not reports[d.id].ok]
    if failed:
        print(f"derive export: steps failed in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
