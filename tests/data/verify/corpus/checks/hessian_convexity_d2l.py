"""Checks for hessian-convexity-d2l on the convex f(x) = exp(x) + x^2 at random points; the mean
value points are computed (f' is strictly increasing, so alpha and beta are found by bisection)."""
import numpy as np
from scipy.optimize import brentq
from checklib import Result

f = lambda x: np.exp(x) + x**2  # noqa: E731
f1 = lambda x: np.exp(x) + 2 * x  # noqa: E731
f2 = lambda x: np.exp(x) + 2  # noqa: E731
r = np.random.default_rng(7)
pts = [tuple(sorted(r.uniform(-2, 2, size=3))) for _ in range(6)]  # a < x < b


def all_hold(cond, what):
    ok = all(cond(*p) for p in pts)
    return Result(bool(ok), f"sampled: {what} at 6 random (a, x, b)")


def mvt(lo, hi):
    slope = (f(hi) - f(lo)) / (hi - lo)
    return brentq(lambda t: f1(t) - slope, lo, hi)


lam = 0.3
CHECKS = {
    "strict_mix": lambda: all_hold(lambda a, x, b: (f(b) < f(x)) <= (f(x) > lam * f(x) + (1 - lam) * f(b)), "f(x) > mix when f(x') < f(x)"),
    "convexity": lambda: all_hold(lambda a, x, b: lam * f(x) + (1 - lam) * f(b) >= f(lam * x + (1 - lam) * b), "the convexity inequality"),
    "midpoint": lambda: all_hold(lambda a, x, b: 0.5 * f(x + b) + 0.5 * f(x - b) >= f((x + b) / 2 + (x - b) / 2), "the midpoint inequality"),
    "average": lambda: all_hold(lambda a, x, b: np.isclose(f((x + b) / 2 + (x - b) / 2), f(x)), "the two halves add to x"),
    "second_difference": lambda: all_hold(lambda a, x, b: np.isclose((f(x + 1e-4) + f(x - 1e-4) - 2 * f(x)) / 1e-8, f2(x), rtol=1e-4), "second differences vs f''"),
    "nonnegative": lambda: all_hold(lambda a, x, b: (f(x + 1e-3) + f(x - 1e-3) - 2 * f(x)) / 1e-6 >= 0, "second differences >= 0"),
    "mvt_a": lambda: all_hold(lambda a, x, b: a <= mvt(a, x) <= x and np.isclose(f(x) - f(a), (x - a) * f1(mvt(a, x))), "alpha in [a, x]"),
    "mvt_b": lambda: all_hold(lambda a, x, b: x <= mvt(x, b) <= b and np.isclose(f(b) - f(x), (b - x) * f1(mvt(x, b))), "beta in [x, b]"),
    "telescope": lambda: all_hold(lambda a, x, b: np.isclose(f(b) - f(a), f(b) - f(x) + f(x) - f(a)), "telescoping"),
    "mvt_both": lambda: all_hold(lambda a, x, b: np.isclose(f(b) - f(x) + f(x) - f(a), (b - x) * f1(mvt(x, b)) + (x - a) * f1(mvt(a, x))), "both identities"),
    "monotone": lambda: all_hold(lambda a, x, b: (b - x) * f1(mvt(x, b)) + (x - a) * f1(mvt(a, x)) >= (b - a) * f1(mvt(a, x)), "the inequality"),
}
