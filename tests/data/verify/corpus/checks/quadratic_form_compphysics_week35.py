"""Checks for quadratic-form-compphysics-week35 (numpy, random A, and a random symmetric A)."""
import numpy as np
from checklib import gradient_fd, num_equal


def sample(r, n=4):
    return {"A": r.normal(size=(n, n)), "x": r.normal(size=n)}


def sym(r, n=4):
    B = r.normal(size=(n, n))
    return {"A": B + B.T, "x": r.normal(size=n)}


n = 4
CHECKS = {
    "double_sum": lambda: num_equal(lambda A, x: x @ A @ x, lambda A, x: sum(x[i] * A[i, j] * x[j] for i in range(n) for j in range(n)), sample),
    "partial": lambda: gradient_fd(lambda A, x: x @ A @ x, lambda A, x: np.array([sum(A[i, k] * x[i] for i in range(n)) + sum(A[k, j] * x[j] for j in range(n)) for k in range(n)]), sample),
    "row_gradient": lambda: gradient_fd(lambda A, x: x @ A @ x, lambda A, x: x @ (A.T + A), sample),
    "symmetric": lambda: num_equal(lambda A, x: x @ (A.T + A), lambda A, x: 2 * x @ A, sym),
}
