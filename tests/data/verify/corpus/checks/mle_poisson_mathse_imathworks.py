"""Checks for mle-poisson-mathse-imathworks on a concrete sample."""
import numpy as np
import sympy as sp
from scipy.optimize import minimize_scalar
from checklib import Result, same_solutions, sym_equal

lam = sp.symbols("lambda", positive=True)
xs = [2, 0, 3, 1, 4]
N = len(xs)
l = sum(-lam - sp.log(sp.factorial(x)) + x * sp.log(lam) for x in xs)


def argmax_is_not_zero():
    f = sp.lambdify(lam, -l)
    best = minimize_scalar(f, bounds=(1e-9, 50), method="bounded").x
    return Result(abs(best) < 1e-6, f"optimised numerically: the log-likelihood is maximal at lambda = {best:.6f} (the mean is {np.mean(xs)}), not 0")


CHECKS = {
    "argmax_is_not_zero": argmax_is_not_zero,
    "score": lambda: sym_equal(sp.diff(l, lam), sum(-1 + x / lam for x in xs)),
    "solve": lambda: same_solutions(sum(-1 + x / lam for x in xs), lam - sp.Rational(sum(xs), N), lam),
}
