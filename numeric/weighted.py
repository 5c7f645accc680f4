"""Generalised and weighted least squares by hand: whiten with a Cholesky factor of the weight
matrix, then solve ordinary least squares with LAPACK (no normal equations, no inverse).

    argmin_w (y - X w)^T W (y - X w),  W = L L^T  <=>  argmin_w ||L^T X w - L^T y||^2
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import LinAlgError, cholesky

from numeric._validate import NumericInputError, RankDeficientError, as_array, check_same_length

__all__ = ["gls", "wls"]


def _whitened_lstsq(Xw, yw, func):
    coef, _, rank, _ = np.linalg.lstsq(Xw, yw, rcond=None)
    d = Xw.shape[1]
    if rank < d:
        raise RankDeficientError(f"{func}: the weighted design has rank {rank} < d = {d}; the solution is not unique.", rank=rank, d=d)
    return coef


def gls(X, y, W) -> np.ndarray:
    """argmin_w (y - X w)^T W (y - X w) for a symmetric positive definite W (n x n)."""
    func = "gls"
    X = as_array(X, "X", func, ndim=2)
    y = as_array(y, "y", func, ndim=1)
    check_same_length(X, y, ("X", "y"), func)
    W = as_array(W, "W", func, ndim=2)
    n = X.shape[0]
    if W.shape != (n, n):
        raise NumericInputError(f"{func}: W must be n x n = {n} x {n}; got {W.shape}.")
    if not np.allclose(W, W.T, rtol=1e-12, atol=1e-12 * np.abs(W).max()):
        raise NumericInputError(f"{func}: W must be symmetric; got a W with max |W - W^T| = {np.abs(W - W.T).max():.3g}.")
    try:
        U = cholesky(W, lower=False)  # W = U^T U
    except LinAlgError as exc:
        raise NumericInputError(f"{func}: W must be positive definite (a weight/precision matrix); Cholesky failed: {exc}") from exc
    return _whitened_lstsq(U @ X, U @ y, func)


def wls(X, y, weights) -> np.ndarray:
    """argmin_w sum_i weights_i (y_i - x_i^T w)^2 for positive weights."""
    func = "wls"
    X = as_array(X, "X", func, ndim=2)
    y = as_array(y, "y", func, ndim=1)
    check_same_length(X, y, ("X", "y"), func)
    weights = as_array(weights, "weights", func, ndim=1)
    check_same_length(X, weights, ("X", "weights"), func)
    if np.any(weights <= 0):
        raise NumericInputError(f"{func}: weights must be positive; got {weights[weights <= 0][:3].tolist()}.")
    r = np.sqrt(weights)
    return _whitened_lstsq(X * r[:, None], y * r, func)
