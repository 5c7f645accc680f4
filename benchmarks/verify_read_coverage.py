"""How much of a set of documents the read stage of `derive verify` reads (run by hand).

    python benchmarks/verify_read_coverage.py                 # the corpus (dev and test) and the seeds
    python benchmarks/verify_read_coverage.py -v FILE ...     # and every formula it could not read

Counts, per set, the sides of relations (members of chains, what steps are made of) that the
reader turned into a tree, and lists the reasons of the others, most frequent first. No step is
judged: this measures reading only, in seconds (`benchmarks/verify_corpus.py` scores verdicts).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derive.verify.read.extract import ExtractError, extract_file  # noqa: E402
from derive.verify.read.parse import Notation  # noqa: E402
from derive.verify.steps.segment import chains_of_block  # noqa: E402

SETS = {
    "corpus dev": sorted((ROOT / "tests/data/verify/corpus/dev").glob("*.md")),
    "corpus test": sorted((ROOT / "tests/data/verify/corpus/test").glob("*.md")),
    "seeds": sorted(Path("/work/shared/seeds").glob("*.txt")),
}


def coverage(paths, verbose: bool):
    read = unread = 0
    reasons: collections.Counter = collections.Counter()
    for path in paths:
        try:
            doc = extract_file(str(path))
        except ExtractError as exc:
            print(f"{path}: {exc}")
            continue
        notation = Notation(**doc.notation_hints())
        for k, block in enumerate(doc.blocks):
            for chain in chains_of_block(doc, block, k, notation).chains:
                if chain.error is not None:
                    unread += 1
                    reasons[re.sub(r"\\[a-zA-Z]+", lambda m: m.group(0), chain.error)] += 1
                    if verbose:
                        print(f"{path.name}:{chain.error_line}: {chain.error}: {chain.error_text[:100]}")
                    continue
                for m in chain.members:
                    if m.node is not None:
                        read += 1
                    else:
                        unread += 1
                        reasons[m.error] += 1
                        if verbose:
                            print(f"{path.name}:{m.line}: {m.error}: {m.text[:100]}")
    return read, unread, reasons


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", action="store_true", help="list every formula that was not read")
    ap.add_argument("files", nargs="*", type=Path)
    args = ap.parse_args(argv)
    sets = {"files": args.files} if args.files else SETS
    print("| set | documents | sides read | not read | read % |")
    print("|---|---|---|---|---|")
    all_reasons: collections.Counter = collections.Counter()
    for name, paths in sets.items():
        r, u, reasons = coverage(paths, args.v)
        all_reasons.update(reasons)
        total = r + u
        print(f"| {name} | {len(paths)} | {r} | {u} | {100 * r / total if total else 100:.1f} |")
    if all_reasons:
        print("\nreasons (most frequent first):")
        for reason, count in all_reasons.most_common(25):
            print(f"  {count:4d}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
