"""Checks for logistic-regression-ve1nard-notebook on random data (numpy, finite differences)."""
import numpy as np
import sympy as sp
from checklib import gradient_fd, num_equal, sym_equal

sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731


def data(r, n=6, d=3):
    return {"X": r.normal(size=(n, d)), "y": r.integers(0, 2, size=n).astype(float), "x": r.normal(size=d) * 0.5}  # x is beta


def lik(X, y, x):
    s = sig(X @ x)
    return np.prod(s**y * (1 - s) ** (1 - y))


def loglik(X, y, x):
    s = sig(X @ x)
    return np.sum(y * np.log(s) + (1 - y) * np.log(1 - s))


t = sp.symbols("t", real=True)
s_sym = 1 / (1 + sp.exp(-t))

CHECKS = {
    "independence": lambda: num_equal(lik, lambda X, y, x: np.prod([sig(X[i] @ x) ** y[i] * (1 - sig(X[i] @ x)) ** (1 - y[i]) for i in range(len(y))]), data),
    "bernoulli": lambda: num_equal(lambda X, y, x: np.prod(np.where(y == 1, sig(X @ x), 1 - sig(X @ x))), lik, data),
    "log_lik": lambda: num_equal(lambda X, y, x: np.log(lik(X, y, x)), loglik, data),
    "sigmoid_derivative": lambda: sym_equal(sp.diff(s_sym, t), s_sym * (1 - s_sym)),
    "likelihood_not_log": lambda: gradient_fd(lik, lambda X, y, x: X.T @ (y - sig(X @ x)), data),
    "likelihood_not_log_grad": lambda: gradient_fd(lik, lambda X, y, x: X.T @ (y - sig(X @ x)), data),
    "substitute_gradient": lambda: num_equal(lambda X, y, x: x + 0.1 / len(y) * (X.T @ (y - sig(X @ x))), lambda X, y, x: x + 0.1 / len(y) * X.T @ (y - sig(X @ x)), data),
}
