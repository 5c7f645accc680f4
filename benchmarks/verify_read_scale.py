"""How the read stage of `derive verify` scales (run by hand, never by pytest).

    python benchmarks/verify_read_scale.py           # the sizes of issue 11 (about a minute)
    python benchmarks/verify_read_scale.py --quick   # a tenth of them

Each case reads a generated document at size x and 2x (extract, scan and read every side of
every relation into a tree: the work of the read stage before any step is planned or judged) and prints the seconds and their ratio: about 2
means linear. The cases are the ones issue 11 found slow: 20,000 one-line display blocks, a
2 MB document of valid aligned math, and 1.9 MB of unclosed ``\\begin{align}`` lines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive.verify.read.extract import extract_text  # noqa: E402
from derive.verify.read.parse import ParseError, Reader, items_of, relation_of  # noqa: E402


def one_line_blocks(n: int) -> str:
    return "".join(f"$$a_{{{k}}} = b + {k}$$\n\n" for k in range(n))


def aligned_math(chars: int) -> str:
    row = r"  &= \frac{1}{2}\|X w - y\|^2 + \lambda \sum_{i=1}^n \log(1 + e^{-y_i x_i^\top w}) \\" + "\n"
    block = "$$\n\\begin{aligned}\nL(w) " + row * 20 + "  &= 0\n\\end{aligned}\n$$\n\nSome prose.\n\n"
    return block * max(1, chars // len(block))


def unclosed_align(chars: int) -> str:
    line = "\\begin{align} a &= b \\\\\n"
    return line * max(1, chars // len(line))


def read_all(source: str) -> tuple[int, int]:
    doc = extract_text(source, path="bench.md")
    cells = errors = 0
    for block in doc.blocks:
        for row in block.rows:
            for cell in row.cells:
                if cell.text:
                    cells += 1
                    try:
                        sides: list = [[]]
                        for it in items_of(cell.text):
                            if relation_of(it):
                                sides.append([])
                            else:
                                sides[-1].append(it)
                        for side in sides:
                            if side:
                                Reader().expression(side)
                    except ParseError:
                        errors += 1
    return cells, errors


def timed(source: str) -> tuple[float, float, int, int]:
    """Wall-clock and CPU seconds (the CPU time is what a busy shared machine does not inflate)."""
    start, cpu = time.perf_counter(), time.process_time()
    cells, errors = read_all(source)
    return time.perf_counter() - start, time.process_time() - cpu, cells, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0
    cases = [
        ("one-line blocks", lambda f: one_line_blocks(int(10_000 * scale * f))),
        ("valid aligned math", lambda f: aligned_math(int(1_000_000 * scale * f))),
        ("unclosed \\begin{align}", lambda f: unclosed_align(int(950_000 * scale * f))),
    ]
    read_all("$$x$$")  # import and build the grammar once
    print("| case | size x | CPU s | size 2x | CPU s | wall s | CPU ratio 2x/x | cells (2x) | unread |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, make in cases:
        small, big = make(1), make(2)
        _, c1, _, _ = timed(small)
        w2, c2, cells, errors = timed(big)
        print(f"| {name} | {len(small) / 1e6:.2f} MB | {c1:.2f} | {len(big) / 1e6:.2f} MB | {c2:.2f} | {w2:.2f} | "
              f"{c2 / max(c1, 1e-9):.2f} | {cells} | {errors} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
