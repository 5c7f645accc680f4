"""Checks for least-squares-normal-equations-d2l on random numpy data."""
import numpy as np
from checklib import Result, gradient_fd


def data(r):
    return {"X": r.normal(size=(8, 3)), "y": r.normal(size=8), "x": r.normal(size=3)}  # x is w


def solve_check(first, second):
    r = np.random.default_rng(5)
    X, y = r.normal(size=(8, 3)), r.normal(size=8)
    w = np.linalg.solve(X.T @ X, X.T @ y)  # solves the first equation
    ok = np.allclose(first(X, y, w), 0) and np.allclose(second(X, y, w), 0)
    return Result(bool(ok), "sampled: the solution of the first equation solves the second")


CHECKS = {
    "gradient": lambda: gradient_fd(lambda X, y, x: np.sum((y - X @ x) ** 2), lambda X, y, x: 2 * X.T @ (X @ x - y), data),
    "normal_equations": lambda: solve_check(lambda X, y, w: 2 * X.T @ (X @ w - y), lambda X, y, w: X.T @ y - X.T @ X @ w),
    "solve": lambda: solve_check(lambda X, y, w: X.T @ y - X.T @ X @ w, lambda X, y, w: w - np.linalg.inv(X.T @ X) @ X.T @ y),
}
