"""Solvers for catalogue III (part A): logistic regression, softmax, determinants, PCA.

`solvers.solver_for` sends these ids here (SOLVERS). What each computes:

- logistic-nll / -gradient / -hessian: the per-sample pieces compiled from the catalogue (the
  binary cross-entropy term and its derivative sigma(z) - y from bernoulli-nll-bce, the weight
  sigma(z)(1 - sigma(z)) from sigmoid-derivative), applied to the logits X w and assembled as
  the derivations assemble them: sum, X^T r, X^T diag(s) X.
- logistic-irls: Newton's method = IRLS (logistic-irls) with those pieces: at each step the
  weighted Gram matrix X^T S X and one Cholesky solve. Before iterating it checks that the
  maximum-likelihood estimate exists: with (quasi-)separable classes there is a direction w
  with (2 y_i - 1) x_i^T w >= 0 for every i and > 0 for some, the likelihood increases forever
  along it, and the solver raises SeparableDataError instead of looping.
- softmax-jacobian / softmax-cross-entropy-gradient / log-sum-exp-gradient /
  multinomial-logistic-gradient: diag(p) - p p^T, p - y, softmax(z), X^T (P - Y) for any number
  of classes (the derivations check these forms at K = 3; the tests compare the two), with a
  shifted (overflow-free) softmax.
- determinant-gradient: det(X) X^{-T} (the printer has no numpy spelling for a determinant).
- pca-lagrange: the principal directions, the eigenvectors S w = lambda w of the sample
  covariance, by a symmetric eigensolver, in decreasing order of eigenvalue;
  pca-variance: the Rayleigh quotient w^T S w / w^T w.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh
from scipy.optimize import linprog

from derive.codegen import compile_expr, kernels
from derive.codegen.drivers import ConvergenceWarning

__all__ = ["SOLVERS", "SeparableDataError", "solver_for", "IRLSResult"]


class SeparableDataError(ValueError):
    """The classes are (quasi-)separable: the unpenalised logistic MLE does not exist."""


# --------------------------------------------------------------------------- input checks


def _finite(a, name):
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity; expected finite numbers. Drop or impute them.")
    return a


def _design(X, y=None):
    X = _finite(kernels.as_matrix(X, "X"), "X")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    if y is None:
        return X
    y = _finite(kernels.as_vector(y, "y"), "y")
    if y.shape[0] != X.shape[0]:
        raise ValueError(kernels.shape_message("y", y, 0, "n", X.shape[0]))
    return X, y


def _labels(y):
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"y must hold binary labels 0 or 1; got {y[bad][:5].tolist()} at positions "
            f"{np.flatnonzero(bad)[:5].tolist()}. Encode the classes as 0 and 1."
        )
    return y


def _weights(X, w):
    w = _finite(kernels.as_vector(w, "w"), "w")
    if w.shape[0] != X.shape[1]:
        raise ValueError(kernels.shape_message("w", w, 0, "d", X.shape[1]))
    return w


# --------------------------------------------------------------------------- compiled pieces


@functools.lru_cache(maxsize=None)
def _pieces():
    """The per-sample functions of the logit z, compiled from the catalogue."""
    from derive import catalog

    bce = catalog.get("bernoulli-nll-bce")
    per_sample = bce.extras["per_sample"]  # -(y log sigma(z) + (1 - y) log(1 - sigma(z)))
    residual = bce.extras["gradient"]  # sigma(z) - y
    weight = catalog.get("sigmoid-derivative").result  # sigma(z) (1 - sigma(z))
    loss = compile_expr(per_sample, name="bce_term", inputs=("z", "y"))
    resid = compile_expr(residual, name="bce_residual", inputs=("z", "y"))
    slope = compile_expr(weight, name="sigmoid_slope", inputs=("z",))
    return loss, resid, slope


def _stable_bce(z, y):
    # the compiled term is log(sigma(z)) etc.; for |z| large it rounds to log(0): use the same
    # formula in the overflow-free form log(1 + e^{-|z|}) + max(z, 0) - y z (equal for finite z)
    return np.logaddexp(0.0, -np.abs(z)) + np.maximum(z, 0.0) - y * z


def logistic_nll(X, y, w):
    """L(w) = sum_i bce(x_i^T w, y_i) (logistic-nll)."""
    X, y = _design(X, y)
    w = _weights(X, w)
    z = X @ w
    loss, _, _ = _pieces()
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        values = np.asarray(loss(z=z, y=y), dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        values[bad] = _stable_bce(z[bad], y[bad])
    return float(values.sum())


def logistic_gradient(X, y, w):
    """X^T (sigma(X w) - y) (logistic-gradient)."""
    X, y = _design(X, y)
    w = _weights(X, w)
    _, resid, _ = _pieces()
    with np.errstate(over="ignore"):
        r = np.asarray(resid(z=X @ w, y=y), dtype=float)
    return X.T @ r


def logistic_hessian(X, w):
    """X^T diag(sigma'(X w)) X (logistic-hessian)."""
    X = _design(X)
    w = _weights(X, w)
    _, _, slope = _pieces()
    with np.errstate(over="ignore"):
        s = np.asarray(slope(z=X @ w), dtype=float)
    return (X * s[:, None]).T @ X


# --------------------------------------------------------------------------- IRLS


class IRLSResult(tuple):
    """(coef, n_iter, converged): the fit and how Newton's method ended."""

    __slots__ = ()

    def __new__(cls, coef, n_iter, converged):
        return super().__new__(cls, (coef, n_iter, converged))

    coef = property(lambda self: self[0])
    n_iter = property(lambda self: self[1])
    converged = property(lambda self: self[2])


def separating_direction(X, y, tol=1e-9):
    """A w != 0 with (2 y_i - 1) x_i^T w >= 0 for all i and > 0 for some, or None.

    Linear programme: maximise sum_i m_i subject to m = diag(2y - 1) X w >= 0, |w_j| <= 1. Its
    optimum is 0 exactly when no such direction exists, which (with X of full column rank) is
    when the maximum-likelihood estimate exists (Albert & Anderson, 1984).
    """
    signs = 2.0 * y - 1.0
    A = X * signs[:, None]
    scale = np.abs(A).max() or 1.0
    A = A / scale
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(A.shape[0]),
                  bounds=[(-1.0, 1.0)] * A.shape[1], method="highs")
    if res.status != 0:
        raise RuntimeError(f"the separation check's linear programme failed: {res.message}")
    margins = A @ res.x
    if margins.sum() > tol * max(1.0, np.abs(A).sum()):
        return res.x
    return None


def _full_rank(X):
    s = np.linalg.svd(X, compute_uv=False)
    if s.size == 0 or s[-1] <= s[0] * max(X.shape) * np.finfo(float).eps:
        raise ValueError(
            f"X must have full column rank (d = {X.shape[1]}) for the logistic MLE to be unique; "
            f"its smallest singular value is {s[-1]:.3g} against {s[0]:.3g}. Drop or combine "
            "the collinear columns."
        )


def logistic_irls(X, y, tol=1e-10, max_iter=100, check_separation=True, return_info=False):
    """The unpenalised logistic-regression MLE by Newton's method = IRLS (logistic-irls).

    Raises SeparableDataError when the classes are (quasi-)separable (no MLE exists), ValueError
    for bad input; warns ConvergenceWarning if max_iter steps do not reach tol (on the step).
    """
    X, y = _design(X, y)
    y = _labels(y)
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number; got {tol!r}")
    if X.shape[0] < X.shape[1]:
        raise ValueError(f"X has n = {X.shape[0]} rows < d = {X.shape[1]} columns: the MLE is not unique")
    _full_rank(X)
    if check_separation:
        direction = separating_direction(X, y)
        if direction is not None:
            raise SeparableDataError(
                "the classes are separable (or quasi-separable) by the direction "
                f"w = {np.round(direction, 6).tolist()}: (2y - 1) x_i^T w >= 0 for every sample, "
                "so the likelihood grows without bound along w and the unpenalised "
                "maximum-likelihood estimate does not exist. Add a penalty (ridge: minimise "
                "L(w) + lam ||w||^2) or remove the separating feature(s)."
            )
    _, resid, slope = _pieces()
    w = np.zeros(X.shape[1])
    for it in range(1, max_iter + 1):
        z = X @ w
        s = np.asarray(slope(z=z), dtype=float)
        g = X.T @ np.asarray(resid(z=z, y=y), dtype=float)
        H = (X * s[:, None]).T @ X  # X^T S X
        try:
            step = cho_solve(cho_factor(H, check_finite=False), -g, check_finite=False)
        except LinAlgError:
            step = np.linalg.lstsq(H, -g, rcond=None)[0]
        w = w + step  # = (X^T S X)^{-1} X^T S z, z the working response
        if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(w))):
            return IRLSResult(w, it, True) if return_info else w
    warnings.warn(
        f"IRLS did not converge in {max_iter} steps (last step {np.max(np.abs(step)):.3g}); "
        "raise max_iter or check the data for near-separation",
        ConvergenceWarning, stacklevel=2,
    )
    return IRLSResult(w, max_iter, False) if return_info else w


# --------------------------------------------------------------------------- softmax


def _logits(z, name="z"):
    z = _finite(np.asarray(z, dtype=float), name)
    if z.ndim == 2 and z.shape[1] == 1:
        z = z[:, 0]
    if z.ndim != 1 or z.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of logits; got shape {z.shape}")
    return z


def _softmax(Z, axis=-1):
    Z = Z - Z.max(axis=axis, keepdims=True)  # shift: the softmax is unchanged, exp cannot overflow
    E = np.exp(Z)
    return E / E.sum(axis=axis, keepdims=True)


def softmax_jacobian(z):
    """diag(p) - p p^T, p = softmax(z) (softmax-jacobian)."""
    p = _softmax(_logits(z))
    return np.diag(p) - np.outer(p, p)


def _simplex(y, K, name="y"):
    y = _finite(np.asarray(y, dtype=float), name)
    if y.shape[-1] != K:
        raise ValueError(f"{name} must have {K} entries per sample (one per class); got shape {y.shape}")
    sums = y.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"the labels {name} must sum to 1 (one-hot or a distribution); sums are {np.atleast_1d(sums)[:5].tolist()}")
    return y


def softmax_cross_entropy_gradient(z, y):
    """p - y for p = softmax(z), labels y summing to 1 (softmax-cross-entropy-gradient)."""
    z = _logits(z)
    y = _simplex(y.ravel() if hasattr(y, "ravel") else y, z.shape[0])
    return _softmax(z) - y


def log_sum_exp_gradient(z):
    """softmax(z), the gradient of log sum exp (log-sum-exp-gradient)."""
    return _softmax(_logits(z))


def multinomial_logistic_gradient(X, W, Y):
    """X^T (softmax(X W) - Y) row by row (multinomial-logistic-gradient)."""
    X = _design(X)
    W = _finite(kernels.as_matrix(W, "W"), "W")
    if W.shape[0] != X.shape[1]:
        raise ValueError(kernels.shape_message("W", W, 0, "d", X.shape[1]))
    Y = _finite(kernels.as_matrix(Y, "Y"), "Y")
    if Y.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"Y must have shape (n, K) = {(X.shape[0], W.shape[1])}; got {Y.shape}")
    _simplex(Y, W.shape[1], "Y")
    return X.T @ (_softmax(X @ W, axis=1) - Y)


# --------------------------------------------------------------------------- determinants, PCA


def determinant_gradient(X):
    """det(X) X^{-T} (determinant-gradient), by one LU solve: X^T G = det(X) I."""
    X = _finite(kernels.as_matrix(X, "X"), "X")
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"X must be square; got shape {X.shape}")
    det = np.linalg.det(X)
    if det == 0:
        raise ValueError("X is singular (det X = 0): det(X) X^{-T} is undefined there (the gradient is the adjugate transposed)")
    return np.linalg.solve(X.T, det * np.eye(X.shape[0]))


class PCAResult(tuple):
    """(components, explained_variance, mean): rows of components are principal directions."""

    __slots__ = ()

    def __new__(cls, components, explained_variance, mean):
        return super().__new__(cls, (components, explained_variance, mean))

    components = property(lambda self: self[0])
    explained_variance = property(lambda self: self[1])
    mean = property(lambda self: self[2])


def pca(X, n_components=None):
    """The principal directions: eigenvectors of S = X_c^T X_c / (n - 1) (pca-lagrange), by
    decreasing eigenvalue, each the variance captured (pca-variance)."""
    X = _design(X)
    n, dim = X.shape
    if n < 2:
        raise ValueError(f"PCA needs at least 2 samples to estimate a covariance; got n = {n}")
    k = dim if n_components is None else n_components
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= dim):
        raise ValueError(f"n_components must be an integer in 1..{dim}; got {n_components!r}")
    mean = X.mean(axis=0)
    Xc = X - mean
    S = Xc.T @ Xc / (n - 1)
    values, vectors = eigh(S, subset_by_index=[dim - k, dim - 1])
    order = np.argsort(values)[::-1]
    return PCAResult(vectors[:, order].T, np.maximum(values[order], 0.0), mean)


def rayleigh_quotient(S, w):
    """w^T S w / w^T w (pca-variance)."""
    S = _finite(kernels.as_matrix(S, "S"), "S")
    w = _finite(kernels.as_vector(w, "w"), "w")
    if S.shape != (w.shape[0], w.shape[0]):
        raise ValueError(f"S must be {w.shape[0]} x {w.shape[0]} to match w; got {S.shape}")
    ww = float(w @ w)
    if ww == 0:
        raise ValueError("w must be nonzero: the Rayleigh quotient divides by w^T w")
    return float(w @ S @ w) / ww


# --------------------------------------------------------------------------- dispatch

SOLVERS = {
    "logistic-nll": (logistic_nll, ()),
    "logistic-gradient": (logistic_gradient, ()),
    "logistic-hessian": (logistic_hessian, ()),
    "logistic-irls": (logistic_irls, ("tol", "max_iter", "check_separation")),
    "softmax-jacobian": (softmax_jacobian, ()),
    "softmax-cross-entropy-gradient": (softmax_cross_entropy_gradient, ()),
    "log-sum-exp-gradient": (log_sum_exp_gradient, ()),
    "multinomial-logistic-gradient": (multinomial_logistic_gradient, ()),
    "determinant-gradient": (determinant_gradient, ()),
    "pca-lagrange": (pca, ("n_components",)),
    "pca-variance": (rayleigh_quotient, ()),
}


def solver_for(derivation, **options):
    """The solver of a catalogue-III (A) result, options bound (functools.partial)."""
    fn, allowed = SOLVERS[derivation.id]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"unknown solver option(s) {', '.join(map(repr, unknown))} for {derivation.id!r}; "
            f"expected: {', '.join(allowed) or 'none'}"
        )
    bound = functools.partial(fn, **options)
    functools.update_wrapper(bound, fn)
    params = inspect.signature(fn).parameters.values()
    bound.inputs = tuple(p.name for p in params if p.default is inspect.Parameter.empty)
    bound.source = inspect.getsource(fn)  # hand-written numpy around the compiled pieces
    return bound
