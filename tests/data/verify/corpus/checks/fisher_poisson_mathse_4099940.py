"""Checks for fisher-poisson-mathse-4099940: exact values and a truncated Poisson expectation."""
import math

import sympy as sp
from checklib import Result, sym_equal

mu = sp.symbols("mu", positive=True)
x = sp.symbols("x", positive=True, integer=True)
l = -mu + x * sp.log(mu) - sp.log(sp.factorial(x))


def log_factorial():
    for k in range(2, 8):
        if not math.isclose(math.log(math.factorial(k)), sum(range(1, k + 1))):
            return Result(False, f"exact: at x = {k}, ln x! = {math.log(math.factorial(k)):.4f} but the sum of i is {sum(range(1, k + 1))}")
    return Result(True, "exact: equal for x = 2..7")


def poisson_mean():
    m = sp.Rational(7, 3)
    mean = sum(k * sp.exp(-m) * m**k / sp.factorial(k) for k in range(0, 80))
    expect = -sum(sp.diff(l, mu, 2).subs({mu: m, x: k}) * sp.exp(-m) * m**k / sp.factorial(k) for k in range(1, 80))
    ok = abs(float(expect) - float(1 / m)) < 1e-12 and abs(float(mean) - float(m)) < 1e-12
    return Result(ok, "sampled exactly: the Poisson(7/3) expectation, truncated at 80 terms, of -l'' is 3/7 = 1/mu")


CHECKS = {
    "log_factorial": log_factorial,
    "score": lambda: sym_equal(sp.diff(l, mu), -1 + x / mu),
    "second": lambda: sym_equal(sp.diff(-1 + x / mu, mu), -x / mu**2),
    "linearity": lambda: sym_equal(-(-x / mu**2), x / mu**2),
    "poisson_mean": poisson_mean,
}
