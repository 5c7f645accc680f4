"""Checks for hessian-quadratic-hw-mae984 with a random non-symmetric A (n = 4), numpy."""
import numpy as np
from checklib import Result, gradient_fd, num_equal

n = 4


def sample(r):
    return {"A": r.normal(size=(n, n)), "b": r.normal(size=n), "x": r.normal(size=n)}


def their_gradient(A, b, x):
    g = A @ x + A.T @ x
    g[-1] = A[-1] @ x + A[-1, 0] * np.sum(x)  # the last entry as written: a_ni x_i + a_n1 x_i
    return g


def hessian_fd(A, b, x, h=1e-5):
    g = lambda z: (A + A.T) @ z  # noqa: E731  (the exact gradient)
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(n)]).T


def their_hessian(A, b, x):
    H = A + A.T
    np.fill_diagonal(H, np.diag(A))
    return H


def null_sample(r):
    A, y = r.normal(size=(n, n)), r.normal(size=n)
    A = A - np.outer(y, y @ A) / (y @ y)  # now y^T A = 0, i.e. A^T y = 0
    x = r.normal(size=n)
    return {"A": A, "y": y, "x": x, "b": A @ x}


CHECKS = {
    "grad_linear": lambda: gradient_fd(lambda A, b, x: b @ x, lambda A, b, x: b, sample),
    "row_is_not_column": lambda: Result(np.atleast_2d(np.ones(n)).shape == np.atleast_2d(np.ones(n)).T.shape,
                                        "shapes: b^T is 1 x 4, the column (b1, ..., b4) is 4 x 1"),
    "last_entry_index": lambda: gradient_fd(lambda A, b, x: x @ A @ x, their_gradient, sample),
    "hessian_diagonal": lambda: num_equal(hessian_fd, their_hessian, sample),
    "transpose_both": lambda: num_equal(lambda A, y, x, b: A.T @ y, lambda A, y, x, b: (A.T @ y).T, null_sample),
    "transpose_product": lambda: num_equal(lambda A, y, x, b: (A.T @ y).T, lambda A, y, x, b: y @ A, null_sample),
    "multiply_left": lambda: num_equal(lambda A, y, x, b: y @ A @ x, lambda A, y, x, b: y @ b, null_sample),
    "substitute_zero": lambda: num_equal(lambda A, y, x, b: np.zeros(n) @ x, lambda A, y, x, b: y @ b, null_sample),
}
