"""Checks for least-squares-gradient-primes-mathse-2811811 (' is the transpose), on random numpy data."""
import numpy as np
from checklib import Result, gradient_fd, not_conformable, num_equal


def data(r, n=5, d=3):
    return {"X": r.normal(size=(n, d)), "y": r.normal(size=(n, 1)), "w": r.normal(size=(d, 1))}


def loss(X, y, w):
    return ((y - X @ w).T @ (y - X @ w)).item()


def xwx_is_not_xtxw():
    # X(w'X') needs X (n x d) times w' (1 x d): defined only for d = 1, and then it is n x n.
    undefined = not_conformable((5, 3), (1, 3))
    r = np.random.default_rng(1)
    X, w = r.normal(size=(5, 1)), r.normal(size=(1, 1))
    shapes_differ = (X @ (w.T @ X.T)).shape != (X.T @ (X @ w)).shape
    return Result(undefined.holds or not shapes_differ,
                  f"{undefined.how}; with d = 1 the sides have shapes (5, 5) and (1, 1)")


def chain_rule_no_transpose():
    undefined = not_conformable((5, 1), (5, 3))
    true_grad = gradient_fd(lambda X, y, w: loss(X, y, w), lambda X, y, w: -2 * X.T @ (y - X @ w), data, var="w")
    return Result(undefined.holds and true_grad.holds, undefined.how + "; the gradient is -2X'(y - Xw) ("
                  + true_grad.how + ")")


def distribute_n1():
    def sample(r):
        return {"X": r.normal(size=(1, 3)), "y": r.normal(size=(1, 1)), "w": r.normal(size=(3, 1))}
    return num_equal(lambda X, y, w: 2 * (y - X @ w) @ (-X), lambda X, y, w: -2 * y @ X + 2 * (X @ w) @ X, sample)


CHECKS = {
    "transpose_of_difference": lambda: num_equal(lambda X, y, w: loss(X, y, w), lambda X, y, w: ((y.T - w.T @ X.T) @ (y - X @ w)).item(), data),
    "expand_product": lambda: num_equal(lambda X, y, w: ((y.T - w.T @ X.T) @ (y - X @ w)).item(),
                                        lambda X, y, w: (y.T @ y - y.T @ X @ w - w.T @ X.T @ y + w.T @ X.T @ X @ w).item(), data),
    "scalar_transpose": lambda: num_equal(lambda X, y, w: (w.T @ X.T @ y).item(), lambda X, y, w: (y.T @ X @ w).item(), data),
    "collect": lambda: num_equal(lambda X, y, w: (-y.T @ X @ w - y.T @ X @ w).item(), lambda X, y, w: (-2 * y.T @ X @ w).item(), data),
    "xwx_is_not_xtxw": xwx_is_not_xtxw,
    "collect_2": lambda: num_equal(lambda X, y, w: X.T @ (X @ w) + X.T @ (X @ w), lambda X, y, w: 2 * X.T @ (X @ w), data),
    "chain_rule_no_transpose": chain_rule_no_transpose,
    "distribute": distribute_n1,
}
