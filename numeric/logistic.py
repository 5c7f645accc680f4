"""Logistic regression by hand: the negative log-likelihood, its gradient and Hessian, and the
unpenalised maximum-likelihood fit by Newton's method, with NumPy and SciPy only.

    L(w) = sum_i log(1 + exp(-s_i x_i^T w)),  s_i = 2 y_i - 1   (the Bernoulli NLL)
    grad = X^T (p - y),  Hessian = X^T diag(p (1 - p)) X,  p = 1 / (1 + exp(-X w))

The fit refuses (quasi-)separable classes, where no maximum-likelihood estimate exists: it
looks for a ray along which the likelihood keeps growing before it iterates.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import linprog
from scipy.special import expit

from numeric._validate import (
    ConvergenceWarning,
    NumericInputError,
    RankDeficientError,
    SupportError,
    as_array,
    check_integer,
    check_same_length,
    check_scalar,
)

__all__ = ["SeparationError", "logistic_fit", "logistic_gradient", "logistic_hessian", "logistic_nll"]


class SeparationError(NumericInputError):
    """The two classes are (quasi-)separable: the likelihood has no maximiser."""


def _design(X, y, func):
    X = as_array(X, "X", func, ndim=2)
    y = as_array(y, "y", func, ndim=1)
    check_same_length(X, y, ("X", "y"), func)
    if not np.all((y == 0) | (y == 1)):
        bad = y[(y != 0) & (y != 1)][:3].tolist()
        raise SupportError(f"{func}: y must contain only the labels 0 and 1; got values such as {bad}. Encode the classes as 0/1.")
    return X, y


def _coef(w, d, func):
    w = as_array(w, "w", func, ndim=1)
    if w.shape[0] != d:
        raise NumericInputError(f"{func}: w must have d = {d} entries (one per column of X); got {w.shape[0]}.")
    return w


def logistic_nll(X, y, w) -> float:
    """sum_i log(1 + exp(-(2 y_i - 1) x_i^T w)), computed without overflow."""
    X, y = _design(X, y, "logistic_nll")
    w = _coef(w, X.shape[1], "logistic_nll")
    margins = (2 * y - 1) * (X @ w)
    return float(np.logaddexp(0.0, -margins).sum())


def logistic_gradient(X, y, w) -> np.ndarray:
    """X^T (expit(X w) - y)."""
    X, y = _design(X, y, "logistic_gradient")
    w = _coef(w, X.shape[1], "logistic_gradient")
    return X.T @ (expit(X @ w) - y)


def logistic_hessian(X, w) -> np.ndarray:
    """sum_i p_i (1 - p_i) x_i x_i^T."""
    X = as_array(X, "X", "logistic_hessian", ndim=2)
    w = _coef(w, X.shape[1], "logistic_hessian")
    p = expit(X @ w)
    return np.einsum("i,ij,ik->jk", p * (1 - p), X, X)


def _separable(X, y) -> bool:
    # Is there a w with s_i x_i^T w >= 0 for all i, not all zero? Maximise the total margin over
    # the box |w| <= 1 (a linear programme); a positive optimum is such a ray.
    A = (2 * y - 1)[:, None] * X
    A = A / (np.abs(A).max() or 1.0)
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(y)), bounds=(-1, 1), method="highs")
    return res.status == 0 and -res.fun > 1e-9 * max(1.0, np.abs(A).sum())


def logistic_fit(X, y, *, tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """The unpenalised logistic MLE by Newton's method with a backtracking line search.

    Raises SeparationError for (quasi-)separable classes, RankDeficientError without full column
    rank; warns ConvergenceWarning when max_iter steps do not converge.
    """
    func = "logistic_fit"
    X, y = _design(X, y, func)
    tol = check_scalar(tol, "tol", func, low=0, strict=True)
    max_iter = check_integer(max_iter, "max_iter", func, low=1)
    n, d = X.shape
    rank = np.linalg.matrix_rank(X)
    if rank < d:
        raise RankDeficientError(f"{func}: X has rank {rank} < d = {d}; the MLE is not unique. Drop collinear columns.", rank=rank, d=d)
    if _separable(X, y):
        raise SeparationError(
            f"{func}: the classes are (quasi-)separable by a hyperplane, so the likelihood keeps "
            "increasing along a direction and the unpenalised MLE does not exist. Use a penalty "
            "(e.g. L2) or drop the separating feature."
        )
    w = np.zeros(d)
    nll = logistic_nll(X, y, w)
    for _ in range(max_iter):
        p = expit(X @ w)
        g = X.T @ (p - y)
        H = np.einsum("i,ij,ik->jk", p * (1 - p), X, X)
        step = np.linalg.solve(H, -g)
        t = 1.0
        while True:  # backtracking: Newton's step with the Armijo condition
            trial = w + t * step
            new = logistic_nll(X, y, trial)
            if new <= nll + 1e-4 * t * (g @ step) or t < 1e-10:
                break
            t /= 2
        w, nll = trial, new
        if np.max(np.abs(t * step)) <= tol * (1 + np.max(np.abs(w))):
            return w
    warnings.warn(f"{func}: Newton's method did not converge in {max_iter} iterations", ConvergenceWarning, stacklevel=2)
    return w
