"""Checks for quadratic-form-gradient-mathse-3222371 with a random non-symmetric A (numpy)."""
import numpy as np
from checklib import Result, gradient_fd, num_equal


def sample(r, n=4):
    return {"A": r.normal(size=(n, n)), "x": r.normal(size=(n, 1))}


CHECKS = {
    "rule": lambda: gradient_fd(lambda A, x: (x.T @ A @ x).item(), lambda A, x: (x.T @ (A.T + A)).T, sample),
    "not_symmetric": lambda: num_equal(lambda A, x: x.T @ (A.T + A), lambda A, x: x.T @ (A.T + A.T), sample),
    "collect": lambda: num_equal(lambda A, x: x.T @ (A.T + A.T), lambda A, x: x.T @ (2 * A.T), sample),
    "row_is_not_column": lambda: num_equal(lambda A, x: x.T @ (2 * A.T), lambda A, x: (x.T @ (2 * A.T)).T, sample),
    "transpose_product": lambda: num_equal(lambda A, x: (x.T @ (2 * A.T)).T, lambda A, x: 2 * A @ x, sample),
}
