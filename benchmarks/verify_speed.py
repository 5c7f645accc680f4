"""Speed of `derive verify` (run by hand, never by pytest): a 30-step post, and planning 20,000 blocks.

    python benchmarks/verify_speed.py

Prints the wall time of `verify_text` on a generated 30-step post (identities, a gradient, a
stationarity solution, a density against its stated distribution: the kinds of step real posts
have), best of 3, and the time to extract and plan 20,000 one-line blocks with --inline
(issue 11: planning is linear; the target is well under 30 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = [
    r"(a + b)^2 = a^2 + 2ab + b^2",
    r"(a - b)(a + b) = a^2 - b^2",
    r"\log(x y) = \log x + \log y",
    r"\frac{d}{dx} x^3 = 3x^2",
    r"\frac{d}{dx} e^{2x} = 2 e^{2x}",
    r"\sum_{i=1}^n (x_i - \mu) = \sum_{i=1}^n x_i - n\mu",
    r"\nabla_w (y - Xw)^\top (y - Xw) = -2X^\top (y - Xw)",
    r"(Xw - y)^\top (Xw - y) = w^\top X^\top X w - 2 y^\top X w + y^\top y",
    r"\nabla_W \operatorname{tr}(W^\top A W) = (A + A^\top) W",
    r"e^{x} \approx 1 + x",
]


def post() -> str:
    blocks = ["We assume $y_i \\sim \\mathcal{N}(x_i^\\top w, \\sigma^2)$."]
    for k in range(27):
        blocks.append(f"Step {k}:\n\n$${STEPS[k % len(STEPS)]}$$")
    blocks.append("$$p(y_i \\mid x_i, w) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}} "
                  "\\exp\\left(-\\frac{(y_i - x_i^\\top w)^2}{2\\sigma^2}\\right)$$")
    blocks.append("$$\\frac{\\partial}{\\partial \\mu} \\sum_{i=1}^n (x_i - \\mu)^2 = -2\\sum_{i=1}^n (x_i - \\mu) = 0$$")
    blocks.append("$$\\hat\\mu = \\frac{1}{n}\\sum_{i=1}^n x_i$$")
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    from derive.verify import verify_text
    from derive.verify.model.plan import plan_document
    from derive.verify.read.extract import extract_text

    text = post()
    best = None
    for _ in range(3):
        start = time.perf_counter()
        results, _ = verify_text(text, jobs=2)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    checked = [r for r in results if r.step.check not in ("definition", "condition")]
    verdicts = {}
    for r in results:
        verdicts[r.outcome.verdict] = verdicts.get(r.outcome.verdict, 0) + 1
    print(f"30-step post: {len(results)} steps ({len(checked)} checked), best of 3: {best:.2f} s; verdicts {verdicts}")

    big = "\n\n".join(f"$$a_{{{k}}} = {k} + 1$$" if k % 2 else f"Text $x_{{{k}}} = {k}$ here." for k in range(20000))
    start = time.perf_counter()
    doc = extract_text(big, path="big.md", inline=True)
    extracted = time.perf_counter() - start
    plan = plan_document(doc)
    planned = time.perf_counter() - start - extracted
    print(f"20,000 one-line blocks (--inline): extract {extracted:.1f} s, plan {planned:.1f} s, {len(plan.steps)} steps")


if __name__ == "__main__":
    main()
