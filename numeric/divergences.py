"""Kullback-Leibler divergences in closed form, by hand with NumPy (independent of derive)."""

from __future__ import annotations

import numpy as np

from numeric._validate import ParameterError, ShapeError, as_array, check_scalar

__all__ = ["kl_bernoulli", "kl_gaussian", "kl_mvn", "kl_standard_normal"]


def kl_gaussian(mu1, sigma1, mu2, sigma2) -> float:
    """KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)) = log(sigma2/sigma1) + (sigma1^2 + (mu1-mu2)^2)/(2 sigma2^2) - 1/2."""
    f = "kl_gaussian"
    mu1, mu2 = check_scalar(mu1, "mu1", f), check_scalar(mu2, "mu2", f)
    s1 = check_scalar(sigma1, "sigma1", f, low=0.0, strict=True)
    s2 = check_scalar(sigma2, "sigma2", f, low=0.0, strict=True)
    r = s1 / s2
    return float(-np.log(r) + 0.5 * (r * r + ((mu1 - mu2) / s2) ** 2) - 0.5)


def kl_standard_normal(mu, sigma) -> float:
    """KL(N(mu, sigma^2) || N(0, 1)) summed over coordinates: sum (sigma^2 + mu^2 - 1 - log sigma^2) / 2."""
    f = "kl_standard_normal"
    mu = as_array(mu, "mu", f, ndim=(0, 1))
    sigma = as_array(sigma, "sigma", f, ndim=(0, 1))
    if np.shape(mu) != np.shape(sigma):
        raise ShapeError(f"{f}: mu and sigma must have the same shape; got {np.shape(mu)} and {np.shape(sigma)}")
    if np.any(sigma <= 0):
        raise ParameterError(f"{f}: every sigma must be > 0; got {sigma}")
    return float(np.sum(0.5 * (sigma**2 + mu**2 - 1.0) - np.log(sigma)))


def kl_bernoulli(p, q) -> float:
    """KL(Bern(p) || Bern(q)) = p log(p/q) + (1-p) log((1-p)/(1-q)), with 0 log 0 = 0 for p in {0, 1}."""
    f = "kl_bernoulli"
    p = check_scalar(p, "p", f, low=0.0)
    q = check_scalar(q, "q", f, low=0.0, strict=True)
    if p > 1 or q >= 1:
        raise ParameterError(f"{f}: need 0 <= p <= 1 and 0 < q < 1; got p={p:g}, q={q:g}")
    out = 0.0
    if p > 0:
        out += p * np.log(p / q)
    if p < 1:
        out += (1 - p) * np.log((1 - p) / (1 - q))
    return float(out)


def kl_mvn(mu1, cov1, mu2, cov2) -> float:
    """KL(N(mu1, cov1) || N(mu2, cov2)) = (tr(cov2^-1 cov1) + d^T cov2^-1 d - k + log|cov2|/|cov1|) / 2, d = mu2 - mu1.

    Computed through Cholesky factors: cov = L L^T, log|cov| = 2 sum log diag L.
    """
    f = "kl_mvn"
    mu1, mu2 = as_array(mu1, "mu1", f, ndim=1), as_array(mu2, "mu2", f, ndim=1)
    cov1, cov2 = as_array(cov1, "cov1", f, ndim=2), as_array(cov2, "cov2", f, ndim=2)
    k = mu1.shape[0]
    if mu2.shape != (k,) or cov1.shape != (k, k) or cov2.shape != (k, k):
        raise ShapeError(f"{f}: need mu1, mu2 of shape ({k},) and covariances ({k}, {k}); got "
                         f"{mu2.shape}, {cov1.shape}, {cov2.shape}")
    try:
        L1, L2 = np.linalg.cholesky(cov1), np.linalg.cholesky(cov2)
    except np.linalg.LinAlgError as exc:
        raise ParameterError(f"{f}: both covariances must be symmetric positive definite") from exc
    M = np.linalg.solve(L2, L1)  # L2^-1 L1: tr(cov2^-1 cov1) = ||M||_F^2
    z = np.linalg.solve(L2, mu2 - mu1)
    logdet = 2 * (np.sum(np.log(np.diag(L2))) - np.sum(np.log(np.diag(L1))))
    return float(0.5 * (np.sum(M * M) + z @ z - k + logdet))
