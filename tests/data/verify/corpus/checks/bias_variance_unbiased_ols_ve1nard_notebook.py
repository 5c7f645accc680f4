"""Checks for bias-variance-unbiased-ols-ve1nard-notebook with exact expectations: the noise takes
the 2^n sign patterns of +-s with equal probability (mean 0, covariance s^2 I), X and beta fixed."""
from itertools import product

import numpy as np
from checklib import Result, num_equal

n, d, s = 5, 2, 0.7
r = np.random.default_rng(4)
X, beta = r.normal(size=(n, d)), r.normal(size=d)
P = np.linalg.inv(X.T @ X) @ X.T
noise = [np.array(e) * s for e in product((-1.0, 1.0), repeat=n)]


def E(f):
    return sum(f(e) for e in noise) / len(noise)


def same(a, b, what):
    ok = np.allclose(a, b)
    return Result(bool(ok), f"exact expectation over 2^{n} noise patterns: {what} {'agree' if ok else 'differ'}")


Y = lambda e: X @ beta + e  # noqa: E731
Eb = E(lambda e: P @ Y(e))
Var_b = E(lambda e: np.outer(P @ Y(e) - Eb, P @ Y(e) - Eb))

CHECKS = {
    "linear_expectation": lambda: same(Eb, P @ E(Y), "E[P Y] and P E[Y]"),
    "model": lambda: same(P @ E(Y), P @ E(lambda e: X @ beta + e), "Y = X beta + eps"),
    "additive": lambda: same(P @ E(lambda e: X @ beta + e), P @ (X @ beta + E(lambda e: e)), "expectation of a sum"),
    "constant": lambda: same(E(lambda e: X @ beta), X @ E(lambda e: beta), "E[X beta] and X E[beta]"),
    "zero_mean": lambda: same(E(lambda e: e), np.zeros(n), "E eps = 0"),
    "drop_zero": lambda: same(P @ (X @ beta + 0), P @ X @ beta, "dropping the zero"),
    "group": lambda: same(P @ X @ beta, np.linalg.inv(X.T @ X) @ (X.T @ X) @ beta, "regrouping"),
    "inverse": lambda: same(np.linalg.inv(X.T @ X) @ (X.T @ X) @ beta, beta, "inverse times matrix"),
    "constant_beta": lambda: same(E(lambda e: beta), beta, "E[beta] = beta"),
    "sandwich": lambda: same(Var_b, P @ (s**2 * np.eye(n)) @ P.T, "Var(beta-hat) and P sigma^2 I P^T"),
    "scalar": lambda: same(P @ (s**2 * np.eye(n)) @ P.T, s**2 * P @ P.T, "moving sigma^2 out"),
    "simplify": lambda: same(s**2 * P @ P.T, s**2 * np.linalg.inv(X.T @ X), "sigma^2 (X^T X)^-1"),
}
