"""Checks for quadratic-form-product-rule-mathse-2643857 with random non-symmetric A (numpy)."""
import numpy as np
from checklib import Result, gradient_fd, num_equal


def sample(r, n=4):
    return {"A": r.normal(size=(n, n)), "x": r.normal(size=n), "y": r.normal(size=n),
            "dx": r.normal(size=n), "dy": r.normal(size=n)}


def q(A, x, y=None, dx=None, dy=None):
    return x @ A @ x


def product_rule_as_written():
    # the right side: A^T x (a column) plus x^T A (a row); the true gradient is (A + A^T) x
    r = np.random.default_rng(0)
    A, x = r.normal(size=(4, 4)), r.normal(size=(4, 1))
    col, row = A.T @ x, x.T @ A
    true = gradient_fd(lambda A, x: (x.T @ A @ x).item(), lambda A, x: (A + A.T) @ x, lambda r: {"A": A, "x": x})
    return Result(col.shape == row.shape and true.holds,
                  f"shapes: A^T x is {col.shape}, x^T A is {row.shape}: the sum is not the gradient ({true.how})")


def directional(f, lin):
    """lin(point) is the first-order change of f along (dx, dy): central differences."""
    def check():
        r = np.random.default_rng(1)
        for _ in range(4):
            p = sample(r)
            h = 1e-6
            plus = f(p["A"], p["x"] + h * p["dx"], p["y"] + h * p["dy"])
            minus = f(p["A"], p["x"] - h * p["dx"], p["y"] - h * p["dy"])
            if not np.isclose((plus - minus) / (2 * h), lin(**p), rtol=1e-6, atol=1e-8):
                return Result(False, "finite differences: the differential is not the first-order change")
        return Result(True, "finite differences: the differential matches along 4 random directions")
    return check


CHECKS = {
    "regroup": lambda: num_equal(lambda A, x, y, dx, dy: x @ A @ x, lambda A, x, y, dx, dy: (x @ A) @ x, sample),
    "mixed_layout_product_rule": product_rule_as_written,
    "substitute": lambda: num_equal(lambda A, x, y, dx, dy: A.T @ x + (x @ A) @ np.eye(len(x)), lambda A, x, y, dx, dy: A.T @ x + x @ A, sample),
    "scalar_transpose": lambda: num_equal(lambda A, x, y, dx, dy: x @ A @ y, lambda A, x, y, dx, dy: y @ A.T @ x, sample),
    "differential": directional(lambda A, x, y: x @ A @ y, lambda A, x, y, dx, dy: x @ A @ dy + y @ A.T @ dx),
    "differential_xx": directional(lambda A, x, y: x @ A @ x, lambda A, x, y, dx, dy: x @ (A + A.T) @ dx),
    "gradient_row": lambda: gradient_fd(lambda A, x, y, dx, dy: x @ A @ x, lambda A, x, y, dx, dy: x @ (A + A.T), sample),
    "gradient_column": lambda: gradient_fd(lambda A, x, y, dx, dy: x @ A @ x, lambda A, x, y, dx, dy: (A + A.T) @ x, sample),
}
