"""Checks for bias-variance-estimator-d2l: an estimator with a known discrete distribution (exact
rationals), and a one-sided z-test at alpha = 0.05 (scipy)."""
from fractions import Fraction as F

from scipy.stats import norm
from checklib import Result

theta = F(2)
dist = [(F(1), F(1, 5)), (F(3, 2), F(1, 2)), (F(4), F(3, 10))]  # values of theta_n and their probabilities
E = lambda g: sum(p * g(v) for v, p in dist)  # noqa: E731
m = E(lambda v: v)
var = E(lambda v: (v - m) ** 2)


def same(a, b, what):
    return Result(a == b, f"exact rationals: {what}: {a} {'==' if a == b else '!='} {b}")


def type_one_error():
    alpha = 0.05
    z = norm.ppf(1 - alpha)
    p_reject = 1 - norm.cdf(z)  # under H0 the statistic is N(0, 1)
    return Result(abs(p_reject - (1 - alpha)) < 1e-9, f"sampled exactly: under H0 the test rejects with probability {p_reject:.3f}, alpha = {alpha}")


CHECKS = {
    "linearity": lambda: same(E(lambda v: v - theta), m - theta, "E(theta_n - theta)"),
    "variance_def": lambda: same(var, E(lambda v: (v - m) ** 2), "Var as E(theta_n - E theta_n)^2"),
    "add_subtract": lambda: same(E(lambda v: (v - theta) ** 2), E(lambda v: (v - m + m - theta) ** 2), "add and subtract"),
    "cross_term": lambda: same(E(lambda v: (v - m + m - theta) ** 2), E(lambda v: (v - m) ** 2) + (m - theta) ** 2, "without the cross term"),
    "names": lambda: same(E(lambda v: (v - m) ** 2) + (m - theta) ** 2, var + (m - theta) ** 2, "Var + bias^2"),
    "type_one_error": type_one_error,
}
