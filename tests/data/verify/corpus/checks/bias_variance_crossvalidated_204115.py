"""Checks for bias-variance-crossvalidated-204115, exactly, on a discrete model: the prediction f_k
takes 1, 2, 4 with probabilities 1/4, 1/2, 1/4; the noise is +-1 with probability 1/2 each,
independent of f_k; f(x) = 3."""
from fractions import Fraction as F
from itertools import product

from checklib import Result

FK = [(F(1), F(1, 4)), (F(2), F(1, 2)), (F(4), F(1, 4))]
EPS = [(F(-1), F(1, 2)), (F(1), F(1, 2))]
f = F(3)


def E(g):
    return sum(pk * pe * g(k, e) for (k, pk), (e, pe) in product(FK, EPS))


mean_k = E(lambda k, e: k)
var_k = E(lambda k, e: (k - mean_k) ** 2)
bias2 = (f - mean_k) ** 2
sigma2 = E(lambda k, e: e**2)
mse = E(lambda k, e: (f + e - k) ** 2)
expanded = E(lambda k, e: (f - k) ** 2) + 2 * E(lambda k, e: (f - k) * e) + E(lambda k, e: e**2)


def same(a, b, what):
    return Result(a == b, f"exact rationals on the discrete model: {what}: {a} {'==' if a == b else '!='} {b}")


CHECKS = {
    "book_identity": lambda: same(mse, sigma2 + bias2 + var_k, "E(Y - f_k)^2 vs sigma^2 + Bias^2 + Var"),
    "model": lambda: same(mse, E(lambda k, e: (f + e - k) ** 2), "Y = f + eps"),
    "expand": lambda: same(mse, expanded, "expansion"),
    "mse_is_not_var": lambda: same(expanded, var_k + 2 * E(lambda k, e: (f - k) * e) + sigma2, "with Var(f_k) for E(f - f_k)^2"),
    "add_subtract": lambda: same(expanded, E(lambda k, e: (f - mean_k + mean_k - k) ** 2) + 2 * E(lambda k, e: (f - k) * e) + sigma2, "add and subtract"),
    "decompose": lambda: same(E(lambda k, e: (f - mean_k + mean_k - k) ** 2) + 2 * E(lambda k, e: (f - k) * e) + sigma2,
                              var_k + bias2 + sigma2, "decomposition"),
    "constant_out": lambda: same(E(lambda k, e: (k - mean_k) * (f - mean_k)), E(lambda k, e: k - mean_k) * (f - mean_k), "constant factor"),
    "centred": lambda: same(E(lambda k, e: k - mean_k) * (f - mean_k), F(0), "centred"),
}
