"""Checks for least-squares-normal-equations-mathse-4822462, on random numpy data."""
import numpy as np
from checklib import Result, gradient_fd, num_equal


def data(r, n=6, d=3):
    return {"X": r.normal(size=(n, d)), "Y": r.normal(size=(n, 1)), "theta": r.normal(size=(d, 1))}


def L(X, Y, theta):
    return float(np.sum((X @ theta - Y) ** 2))


def expanded(X, Y, theta):
    return (theta.T @ X.T @ X @ theta - theta.T @ X.T @ Y - Y.T @ X @ theta + Y.T @ Y).item()


def gradient_with_row():
    # 2X^T X theta - X^T Y - Y^T X adds a d x 1 column and a 1 x d row: numpy broadcasting makes a d x d
    # matrix, which is not a gradient; compare with finite differences.
    return gradient_fd(expanded, lambda X, Y, theta: 2 * X.T @ X @ theta - X.T @ Y - Y.T @ X, data, var="theta")


CHECKS = {
    "norm_as_inner_product": lambda: num_equal(L, lambda X, Y, theta: ((X @ theta - Y).T @ (X @ theta - Y)).item(), data),
    "expand": lambda: num_equal(lambda X, Y, theta: ((X @ theta - Y).T @ (X @ theta - Y)).item(), expanded, data),
    "gradient_with_row": gradient_with_row,
    "chain_rule": lambda: gradient_fd(L, lambda X, Y, theta: X.T @ (2 * (X @ theta - Y)), data, var="theta"),
    "gradient": lambda: num_equal(lambda X, Y, theta: X.T @ (2 * (X @ theta - Y)), lambda X, Y, theta: 2 * X.T @ (X @ theta - Y), data),
}
