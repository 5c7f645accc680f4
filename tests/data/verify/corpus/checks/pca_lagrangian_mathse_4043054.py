"""Checks for pca-lagrangian-mathse-4043054: random symmetric S, random v and lambda; gradients in v."""
import numpy as np
from checklib import gradient_fd, num_equal


def sample(r, d=4):
    B = r.normal(size=(d, d))
    return {"S": B @ B.T, "x": r.normal(size=d), "lam": float(r.normal())}  # x is v_1


L = lambda S, x, lam: x @ S @ x + lam * (1 - x @ x)  # noqa: E731
I = np.eye(4)
CHECKS = {
    "rewrite": lambda: num_equal(L, lambda S, x, lam: x @ (S - lam * I) @ x + lam, sample),
    "d_lambda": lambda: num_equal(lambda S, x, lam: (L(S, x, lam + 1e-6) - L(S, x, lam - 1e-6)) / 2e-6, lambda S, x, lam: 1 - x @ x, sample, rtol=1e-6),
    "missing_two": lambda: gradient_fd(L, lambda S, x, lam: (S - lam * I) @ x, sample),
    "grad_norm": lambda: gradient_fd(lambda S, x, lam: lam * (x @ x), lambda S, x, lam: 2 * lam * x, sample),
    "grad_quadratic": lambda: gradient_fd(lambda S, x, lam: x @ (S - lam * I) @ x, lambda S, x, lam: 2 * (S - lam * I) @ x, sample),
    "double_count": lambda: gradient_fd(L, lambda S, x, lam: 2 * (S - lam * I) @ x - 2 * lam * x, sample),
    "half_double_count": lambda: gradient_fd(L, lambda S, x, lam: (S - lam * I) @ x - lam * x, sample),
}
