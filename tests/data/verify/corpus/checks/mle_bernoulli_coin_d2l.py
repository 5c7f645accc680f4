"""Checks for mle-bernoulli-coin-d2l: symbolic theta; the natural logarithm for the numeric claim."""
import math

import numpy as np
import sympy as sp
from scipy.stats import norm
from checklib import Result, num_equal, sym_equal

t = sp.symbols("theta", positive=True)
nH, nT = sp.symbols("n_H n_T", positive=True)
P = t**9 * (1 - t) ** 4
D = {"theta": (0, 1)}

def log_power():
    """log(a^N) = N log(a) at a = 1/2, N = 10^9, in 50-digit floating point (mpmath)."""
    import mpmath
    mpmath.mp.dps = 50
    lhs = mpmath.log(mpmath.power(mpmath.mpf("0.5"), 1000000000))
    rhs = 1000000000 * mpmath.log(mpmath.mpf("0.5"))
    return Result(abs(lhs - rhs) < mpmath.mpf(10) ** -30, f"50-digit arithmetic: log((1/2)^(10^9)) = {mpmath.nstr(lhs, 12)}")


CHECKS = {
    "subst": lambda: sym_equal(sp.diff(sp.Mul(*[t if c == "H" else 1 - t for c in "HHHTHTTHHHHHT"]), t), sp.diff(t**9 * (1 - t) ** 4, t)),
    "product_rule": lambda: sym_equal(sp.diff(P, t), 9 * t**8 * (1 - t) ** 4 - 4 * t**9 * (1 - t) ** 3),
    "factor": lambda: sym_equal(9 * t**8 * (1 - t) ** 4 - 4 * t**9 * (1 - t) ** 3, t**8 * (1 - t) ** 3 * (9 - 13 * t)),
    "log_power": log_power,
    "log_base": lambda: Result(abs(1e9 * math.log(0.5) - (-301029995.6)) < 1,
                               f"exact: 10^9 ln(1/2) = {1e9 * math.log(0.5):.2f}; 10^9 log10(1/2) = {1e9 * math.log10(0.5):.2f}"),
    "coin_likelihood": lambda: num_equal(lambda th, x: -np.log(np.prod(np.where(x == 1, th, 1 - th))),
                  lambda th, x: -np.log(th ** np.sum(x) * (1 - th) ** np.sum(1 - x)),
                  lambda r: {"th": float(r.uniform(0.1, 0.9)), "x": r.integers(0, 2, size=13)}),
    "log_expand": lambda: sym_equal(-sp.log(t**nH * (1 - t) ** nT), -(nH * sp.log(t) + nT * sp.log(1 - t)), domain=D),
    "independence": lambda: num_equal(lambda m, x: -np.log(np.prod(norm.pdf(x, m, 1))), lambda m, x: -np.sum(norm.logpdf(x, m, 1)),
                                      lambda r: {"m": float(r.normal()), "x": r.normal(size=6)}),
    "as_sum": lambda: num_equal(lambda m, x: -sum(norm.logpdf(xi, m, 1) for xi in x), lambda m, x: -np.sum(norm.logpdf(x, m, 1)),
                                lambda r: {"m": float(r.normal()), "x": r.normal(size=6)}),
}
