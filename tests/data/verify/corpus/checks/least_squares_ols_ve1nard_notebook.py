"""Checks for least-squares-ols-ve1nard-notebook on random numpy data (n = 7, d = 3)."""
import numpy as np
from checklib import Result, gradient_fd, num_equal


def data(r):
    return {"X": r.normal(size=(7, 3)), "y": r.normal(size=7), "x": r.normal(size=3)}  # x is beta-hat


rss = lambda X, y, x: (y - X @ x) @ (y - X @ x)  # noqa: E731
r1 = lambda X, y, x: y @ y - y @ X @ x - x @ X.T @ y + x @ X.T @ X @ x  # noqa: E731
r2 = lambda X, y, x: y @ y - 2 * x @ X.T @ y + x @ X.T @ X @ x  # noqa: E731
grad = lambda X, y, x: 0 - 2 * X.T @ y + 2 * X.T @ X @ x  # noqa: E731


def solutions_agree(f, g):
    """The linear equations f(x) = 0 and g(x) = 0 in x have the same solution (random X of full rank)."""
    def check():
        r = np.random.default_rng(2)
        X, y = r.normal(size=(7, 3)), r.normal(size=7)
        A = np.array([f(X, y, e) - f(X, y, 0 * e) for e in np.eye(3)]).T
        xa = np.linalg.solve(A, -f(X, y, np.zeros(3)))
        ok = np.allclose(g(X, y, xa), 0)
        return Result(bool(ok), "sampled: the solution of the first equation solves the second")
    return check


CHECKS = {
    "expand": lambda: num_equal(rss, r1, data),
    "scalar_t": lambda: num_equal(lambda X, y, x: y @ X @ x, lambda X, y, x: np.transpose(np.atleast_2d(y @ X @ x)).item(), data),
    "transpose_product": lambda: num_equal(lambda X, y, x: (y @ X @ x), lambda X, y, x: x @ X.T @ y, data),
    "collect": lambda: num_equal(r1, r2, data),
    "linearity": lambda: gradient_fd(r2, lambda X, y, x: 0 - 2 * X.T @ y + (X.T @ X + (X.T @ X).T) @ x, data),
    "gradients": lambda: gradient_fd(r2, grad, data),
    "substitute": solutions_agree(grad, lambda X, y, x: -2 * X.T @ y + 2 * X.T @ X @ x),
    "divide": solutions_agree(lambda X, y, x: -2 * X.T @ y + 2 * X.T @ X @ x, lambda X, y, x: X.T @ y - X.T @ X @ x),
    "factor": lambda: num_equal(lambda X, y, x: X.T @ y - X.T @ X @ x, lambda X, y, x: X.T @ (y - X @ x), data),
    "solve": solutions_agree(lambda X, y, x: X.T @ y - X.T @ X @ x, lambda X, y, x: x - np.linalg.inv(X.T @ X) @ X.T @ y),
}
