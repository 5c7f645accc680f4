"""Checks for mle-laplace-location-mathse-3572774: concrete y_m, z, beta; pi away from every y_m."""
import numpy as np
import sympy as sp
from checklib import Result, num_equal, same_solutions

ys = [0.3, 1.7, 2.2, 4.0]
z, beta = 3.0, 0.8


def L(pi):
    return z * np.log(pi) + 2 * sum(np.log(1 / (2 * beta) * np.exp(-abs(pi - y) / beta)) for y in ys)


def sample(r):
    return {"pi": float(r.uniform(0.05, 5.0))}


def score_fd(pi):
    h = 1e-6
    return (L(pi + h) - L(pi - h)) / (2 * h)


def solve():
    # the condition and the solved form agree wherever sum sgn != 0: sum sgn is a fixed number s there
    s, P = sp.symbols("s P", nonzero=True)
    return same_solutions(sp.Float(z) / P - 2 / sp.Float(beta) * s, P - sp.Float(z) * sp.Float(beta) / (2 * s), P)


CHECKS = {
    "score": lambda: num_equal(score_fd, lambda pi: z / pi - 2 / beta * sum((pi - y) / abs(pi - y) for y in ys), sample, rtol=1e-6),
    "sign": lambda: num_equal(lambda pi: sum((pi - y) / abs(pi - y) for y in ys), lambda pi: sum(np.sign(pi - y) for y in ys), sample),
    "solve": solve,
}
