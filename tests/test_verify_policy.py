"""The judging policy of derive verify (issue 14), one row per rule: the document is the
context, a wrong step is pointed at with an exact counterexample, and an assumption the
document does not state leaves the step undecided with the assumption named."""

import pytest

from derive.verify import verify_text


def _last(text):
    results, _ = verify_text(text, timeout=30)
    assert results, "no step planned"
    return results[-1].outcome


ROWS = {
    "a restated definition that differs is wrong": (
        "$$L(w) = \\|y - Xw\\|^2$$\n\nAgain:\n\n$$L(w) = (y - Xw)^\\top (y - Xw) + 1$$\n", "wrong", None),
    "a restated definition that agrees is verified": (
        "$$L(w) = \\|y - Xw\\|^2$$\n\nAgain:\n\n$$L(w) = (y - Xw)^\\top (y - Xw)$$\n", "verified", None),
    "a restatement after a heading is still checked against the definition": (
        "$$L(w) = \\|y - Xw\\|^2$$\n\n## Later\n\n$$L(w) = 2(y - Xw)^\\top (y - Xw)$$\n", "wrong", None),
    "a substituted density that contradicts the stated distribution is wrong": (
        "We assume $y_i \\sim \\mathcal{N}(x_i^\\top w, \\sigma^2)$.\n\n"
        "$$p(y_i \\mid x_i, w) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}} \\exp\\left(-\\frac{(y_i - x_i^\\top w)^2}{\\sigma^2}\\right)$$\n",
        "wrong", None),
    "a substituted density that agrees with the stated distribution is verified": (
        "We assume $y_i \\sim \\mathcal{N}(x_i^\\top w, \\sigma^2)$.\n\n"
        "$$p(y_i \\mid x_i, w) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}} \\exp\\left(-\\frac{(y_i - x_i^\\top w)^2}{2\\sigma^2}\\right)$$\n",
        "verified", None),
    "a density proportional to the stated prior is verified": (
        "Prior: $w \\sim \\mathcal{N}(0, \\tau^2)$.\n\n$$p(w) \\propto \\exp\\left(-\\frac{w^2}{2\\tau^2}\\right)$$\n",
        "verified", None),
    "a density not proportional to the stated prior is wrong": (
        "Prior: $w \\sim \\mathcal{N}(0, \\tau^2)$.\n\n$$p(w) \\propto \\exp\\left(-\\frac{w^2}{\\tau^2}\\right)$$\n",
        "wrong", None),
    "a posterior proportional to likelihood times prior is verified": (
        "Prior $w \\sim \\mathcal{N}(0, \\tau^2)$ and $y \\sim \\mathcal{N}(w, \\sigma^2)$.\n\n"
        "$$p(w \\mid y) \\propto \\exp\\left(-\\frac{(y - w)^2}{2\\sigma^2}\\right) \\exp\\left(-\\frac{w^2}{2\\tau^2}\\right)$$\n",
        "verified", None),
    "a posterior with the prior's scale wrong is wrong": (
        "Prior $w \\sim \\mathcal{N}(0, \\tau^2)$ and $y \\sim \\mathcal{N}(w, \\sigma^2)$.\n\n"
        "$$p(w \\mid y) \\propto \\exp\\left(-\\frac{(y - w)^2}{2\\sigma^2}\\right) \\exp\\left(-\\frac{w^2}{\\tau^2}\\right)$$\n",
        "wrong", None),
    "a stationarity solution that does not solve its equation is wrong (scalar)": (
        "$$\\frac{\\partial}{\\partial \\mu} \\sum_{i=1}^n (x_i - \\mu)^2 = -2\\sum_{i=1}^n (x_i - \\mu) = 0$$\n\n"
        "$$\\hat\\mu = \\frac{1}{n-1}\\sum_{i=1}^n x_i$$\n", "wrong", None),
    "a stationarity solution that solves its equation is verified (scalar)": (
        "$$\\frac{\\partial}{\\partial \\mu} \\sum_{i=1}^n (x_i - \\mu)^2 = -2\\sum_{i=1}^n (x_i - \\mu) = 0$$\n\n"
        "$$\\hat\\mu = \\frac{1}{n}\\sum_{i=1}^n x_i$$\n", "verified", None),
    "a stationarity solution that does not solve its equation is wrong (vector)": (
        "$$\\nabla_w \\|y - Xw\\|^2 = -2X^\\top(y - Xw) = 0$$\n\n$$\\hat w = (X^\\top X + I)^{-1} X^\\top y$$\n",
        "wrong", None),
    "a stationarity solution that solves its equation is verified (vector)": (
        "$$\\nabla_w \\|y - Xw\\|^2 = -2X^\\top(y - Xw) = 0$$\n\n$$\\hat w = (X^\\top X)^{-1} X^\\top y$$\n",
        "verified", None),
    "a vector gradient off by a factor is wrong": (
        "$$\\nabla_w (y - Xw)^\\top (y - Xw) = -X^\\top (y - Xw)$$\n", "wrong", None),
    "a vector gradient off by a sign is wrong": (
        "$$\\nabla_w (y - Xw)^\\top (y - Xw) = 2X^\\top (y - Xw)$$\n", "wrong", None),
    "a vector gradient off by a transpose is wrong": (
        "$$\\nabla_w (a^\\top w)(b^\\top w) = (a^\\top b + b^\\top a) w$$\n", "wrong", None),
    "a vector gradient with its transposes right is verified": (
        "$$\\nabla_w (a^\\top w)(b^\\top w) = (a b^\\top + b a^\\top) w$$\n", "verified", None),
    "a correct vector gradient is verified": (
        "$$\\nabla_w (y - Xw)^\\top (y - Xw) = -2X^\\top (y - Xw)$$\n", "verified", None),
    "a matrix gradient off by a factor is wrong": (
        "$$\\nabla_W \\operatorname{tr}(W^\\top A W) = 2(A + A^\\top) W$$\n", "wrong", None),
    "a matrix gradient off by a sign is wrong": (
        "$$\\nabla_W \\operatorname{tr}(W^\\top A W) = -(A + A^\\top) W$$\n", "wrong", None),
    "a matrix gradient off by a transpose is wrong": (
        "$$\\nabla_W \\operatorname{tr}(W^\\top a b^\\top) = b a^\\top$$\n", "wrong", None),
    "a matrix gradient with its transposes right is verified": (
        "$$\\nabla_W \\operatorname{tr}(W^\\top a b^\\top) = a b^\\top$$\n", "verified", None),
    "a correct matrix gradient (trace) is verified entry by entry": (
        "$$\\nabla_W \\operatorname{tr}(W^\\top A W) = (A + A^\\top) W$$\n", "verified", None),
    "a correct matrix gradient (log-determinant) is verified entry by entry": (
        "$$\\nabla_A \\log\\det A = (A^{-1})^\\top$$\n", "verified", None),
    "a name used as a number in the step is not an unknown function: p(p - 1) is a product": (
        "$$p^2 + p = p(p - 1)$$\n", "wrong", None),
    "an = that only holds to first order is wrong": (
        "$$e^{x} = 1 + x$$\n", "wrong", None),
    "the same step written with approx is a verified Taylor step": (
        "$$e^{x} \\approx 1 + x$$\n", "verified", None),
    "an unstated symmetry leaves a step undecided and names it": (
        "$$\\nabla_x x^\\top A x = 2 A x$$\n", "undecided", "symmetric"),
    "stating the symmetry verifies the step": (
        "<!-- derive: A symmetric -->\n\n$$\\nabla_x x^\\top A x = 2 A x$$\n", "verified", None),
    "an unstated symmetry of a matrix variable leaves log det undecided and names it": (
        "$$\\nabla_M \\log\\det M = M^{-1}$$\n", "undecided", "symmetric"),
    "stating the symmetry of the matrix variable verifies log det": (
        "<!-- derive: M symmetric -->\n\n$$\\nabla_M \\log\\det M = M^{-1}$$\n", "verified", None),
}


@pytest.mark.parametrize("rule", list(ROWS))
def test_policy(rule):
    text, verdict, named = ROWS[rule]
    outcome = _last(text)
    assert outcome.verdict == verdict, outcome.reason
    if named is not None:
        assert named in outcome.reason
    if verdict == "wrong":
        assert outcome.counterexample, "a wrong step shows its counterexample"


def test_a_counterexample_is_deterministic_and_seeded():
    text = "$$\\nabla_w (y - Xw)^\\top (y - Xw) = 2X^\\top (y - Xw)$$\n"
    first, again = _last(text), _last(text)
    assert first.counterexample == again.counterexample


def test_the_seed_chooses_the_counterexample():
    text = "$$e^{x} = 1 + x$$\n"
    results0, _ = verify_text(text, seed=0)
    results1, _ = verify_text(text, seed=1)
    assert results0[0].outcome.verdict == results1[0].outcome.verdict == "wrong"
    assert results0[0].outcome.counterexample != results1[0].outcome.counterexample
