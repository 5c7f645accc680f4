"""Checks for logistic-regression-gradient-crossvalidated-258709 by finite differences on random data."""
import numpy as np
import sympy as sp
from checklib import gradient_fd, sym_equal


def s(z):
    return 1 / (1 + np.exp(-z))


def data(r, n=6, d=3):
    return {"X": r.normal(size=(n, d)), "y": r.integers(0, 2, size=n).astype(float), "x": r.normal(size=d)}


def nll(X, y, x):  # x is w
    z = X @ x
    return -np.sum((1 - y) * np.log(1 - s(z)) + y * np.log(s(z)))


def claimed(X, y, x):
    z = X @ x
    return sum((1 - y[i]) * X[i] * (1 - s(z[i])) * s(z[i]) / (1 - s(z[i])) - y[i] * X[i] * (1 - s(z[i])) * s(z[i]) / s(z[i])
               for i in range(len(y)))


t = sp.symbols("t", real=True)
sig = 1 / (sp.exp(-t) + 1)

CHECKS = {
    "sigmoid_derivative": lambda: sym_equal(sp.diff(sig, t), sig * (1 - sig)),
    "sigmoid_chain": lambda: gradient_fd(lambda X, y, x: s(X[0] @ x), lambda X, y, x: X[0] * (1 - s(X[0] @ x)) * s(X[0] @ x), data),
    "log_derivative": lambda: sym_equal(sp.diff(sp.log(t), t), 1 / t, positive=[t]),
    "nll_gradient": lambda: gradient_fd(nll, claimed, data),
}
