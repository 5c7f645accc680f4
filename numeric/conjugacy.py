"""Conjugate posteriors by hand with NumPy (independent of derive): updated parameters."""

from __future__ import annotations

import numpy as np

from numeric._validate import ParameterError, ShapeError, SupportError, as_array, check_scalar

__all__ = ["bayesian_linear_regression", "beta_bernoulli", "gamma_poisson", "normal_known_variance"]


def beta_bernoulli(x, a, b) -> tuple[float, float]:
    """Beta(a, b) prior, 0/1 outcomes x: the posterior Beta(a + #ones, b + #zeros)."""
    f = "beta_bernoulli"
    x = as_array(x, "x", f, ndim=1)
    a = check_scalar(a, "a", f, low=0.0, strict=True)
    b = check_scalar(b, "b", f, low=0.0, strict=True)
    if not np.all((x == 0) | (x == 1)):
        raise SupportError(f"{f}: x must hold 0/1 outcomes; got values {np.unique(x)[:5]}")
    ones = float(np.count_nonzero(x == 1))
    return a + ones, b + (x.size - ones)


def gamma_poisson(x, alpha, beta) -> tuple[float, float]:
    """Gamma(shape alpha, rate beta) prior, counts x: the posterior Gamma(alpha + sum x, beta + n)."""
    f = "gamma_poisson"
    x = as_array(x, "x", f, ndim=1)
    alpha = check_scalar(alpha, "alpha", f, low=0.0, strict=True)
    beta = check_scalar(beta, "beta", f, low=0.0, strict=True)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise SupportError(f"{f}: x must hold non-negative integer counts")
    return alpha + float(x.sum()), beta + x.size


def normal_known_variance(x, mu0, tau0, sigma) -> tuple[float, float]:
    """N(mu0, tau0^2) prior on the mean of N(mu, sigma^2) data: (posterior mean, posterior variance).

    Precisions add: 1/tau_N^2 = 1/tau0^2 + n/sigma^2; the mean is the precision-weighted average.
    """
    f = "normal_known_variance"
    x = as_array(x, "x", f, ndim=1)
    mu0 = check_scalar(mu0, "mu0", f)
    tau0 = check_scalar(tau0, "tau0", f, low=0.0, strict=True)
    sigma = check_scalar(sigma, "sigma", f, low=0.0, strict=True)
    precision = 1.0 / tau0**2 + x.size / sigma**2
    mean = (mu0 / tau0**2 + x.sum() / sigma**2) / precision
    return float(mean), float(1.0 / precision)


def bayesian_linear_regression(X, y, sigma, tau) -> tuple[np.ndarray, np.ndarray]:
    """y = X w + N(0, sigma^2), w ~ N(0, tau^2 I): (posterior mean, posterior covariance).

    Sigma_N = (X^T X / sigma^2 + I / tau^2)^-1, mu_N = Sigma_N X^T y / sigma^2, by Cholesky.
    """
    f = "bayesian_linear_regression"
    X = as_array(X, "X", f, ndim=2)
    y = as_array(y, "y", f, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ShapeError(f"{f}: y has {y.shape[0]} entries but X has {X.shape[0]} rows")
    sigma = check_scalar(sigma, "sigma", f, low=0.0, strict=True)
    tau = check_scalar(tau, "tau", f, low=0.0, strict=True)
    A = X.T @ X / sigma**2 + np.eye(X.shape[1]) / tau**2
    L = np.linalg.cholesky(A)
    Linv = np.linalg.solve(L, np.eye(A.shape[0]))
    cov = Linv.T @ Linv
    mean = cov @ (X.T @ y) / sigma**2
    if not np.all(np.isfinite(mean)):
        raise ParameterError(f"{f}: the posterior is not finite (sigma or tau too extreme)")
    return mean, cov
