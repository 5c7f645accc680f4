"""Checks for mle-multivariate-covariance-mathse-2118535: gradients in Sigma by central differences
over every entry, at a random symmetric positive definite Sigma."""
import numpy as np
import sympy as sp
from checklib import gradient_fd, num_equal, sym_equal

d, n = 3, 5


def sample(r):
    A = r.normal(size=(d, d))
    X = r.normal(size=(n, d))
    mu = r.normal(size=d)
    return {"x": A @ A.T + d * np.eye(d), "X": X, "mu": mu}  # x is Sigma


def S(X, mu):
    return sum(np.outer(xi - mu, xi - mu) for xi in X)


def F1(x, X, mu):
    inv = np.linalg.inv(x)
    return sum(-0.5 * np.log((2 * np.pi) ** d * np.linalg.det(x)) - (xi - mu) @ inv @ (xi - mu) for xi in X)


def F2(x, X, mu):
    return -n / 2 * np.log(np.linalg.det(x)) - 0.5 * np.trace(np.linalg.inv(x) @ S(X, mu))


def fd(f, x, X, mu, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e, X, mu) - f(x - e, X, mu)) / (2 * h)
    return g


a, xx = sp.symbols("a x", positive=True)
p, q, rr, s, u, v = sp.symbols("x y a b c d")
vec = sp.Matrix([[p, q]])
M = sp.Matrix([[rr, s], [u, v]])

CHECKS = {
    "half_appears": lambda: num_equal(lambda x, X, mu: fd(F1, x, X, mu), lambda x, X, mu: fd(F2, x, X, mu), sample, trials=3, rtol=1e-6),
    "inverse_squared": lambda: gradient_fd(F2, lambda x, X, mu: -n / 2 * np.linalg.inv(x) + 0.5 * np.linalg.inv(x) @ np.linalg.inv(x) @ S(X, mu), sample),
    "constant_drops": lambda: num_equal(lambda x, X, mu: fd(lambda y, X, mu: -n / 2 * np.log((2 * np.pi) ** d * np.linalg.det(y)), x, X, mu),
                                        lambda x, X, mu: fd(lambda y, X, mu: -n / 2 * np.log(np.linalg.det(y)), x, X, mu), sample, trials=3, rtol=1e-6),
    "chain": lambda: sym_equal(sp.diff(sp.log(a * xx), xx), 1 / (a * xx) * a),
    "cancel": lambda: sym_equal(1 / (a * xx) * a, 1 / xx),
    "logdet": lambda: gradient_fd(lambda x, X, mu: np.log(np.linalg.det(x)), lambda x, X, mu: np.linalg.inv(x), sample),
    "trace_trick": lambda: num_equal(lambda x, X, mu: (X[0] - mu) @ np.linalg.inv(x) @ (X[0] - mu),
                                     lambda x, X, mu: np.trace(np.linalg.inv(x) @ np.outer(X[0] - mu, X[0] - mu)), sample),
    "two_by_two": lambda: sym_equal((vec * M * vec.T)[0, 0], rr * p**2 + (s + u) * p * q + v * q**2),
}
