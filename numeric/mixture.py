"""One EM iteration for a Gaussian mixture with full covariances, by hand with NumPy."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from numeric._validate import ParameterError, ShapeError, as_array

__all__ = ["MixtureParameters", "em_step"]


class MixtureParameters(NamedTuple):
    weights: np.ndarray  # (K,)
    means: np.ndarray  # (K, d)
    covariances: np.ndarray  # (K, d, d)
    responsibilities: np.ndarray  # (n, K): the E-step that produced them


def _log_gaussian(X, mean, cov):
    L = np.linalg.cholesky(cov)
    z = np.linalg.solve(L, (X - mean).T)  # (d, n)
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum() + (z * z).sum(axis=0))


def em_step(X, weights, means, covariances) -> MixtureParameters:
    """E-step r_nk = pi_k N(x_n | mu_k, S_k) / sum_j (...), then the M-step
    pi_k = N_k / n, mu_k = sum_n r_nk x_n / N_k, S_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k.

    X is (n, d) (a 1-D array is n samples of dimension 1); no regularisation is added.
    """
    f = "em_step"
    X = as_array(X, "X", f, ndim=(1, 2))
    X = X[:, None] if X.ndim == 1 else X
    w = as_array(weights, "weights", f, ndim=1)
    K, d = w.shape[0], X.shape[1]
    mu = as_array(means, "means", f, ndim=(1, 2)).reshape(K, -1) if np.size(means) == K * d else None
    if mu is None:
        raise ShapeError(f"{f}: means must have {K} x {d} entries; got shape {np.shape(means)}")
    S = as_array(covariances, "covariances", f, ndim=(1, 2, 3)).reshape(K, d, d) \
        if np.size(covariances) == K * d * d else None
    if S is None:
        raise ShapeError(f"{f}: covariances must have {K} x {d} x {d} entries; got shape {np.shape(covariances)}")
    if np.any(w <= 0) or abs(w.sum() - 1) > 1e-8:
        raise ParameterError(f"{f}: weights must be positive and sum to 1; got {w}")
    try:
        log_joint = np.stack([np.log(w[c]) + _log_gaussian(X, mu[c], S[c]) for c in range(K)], axis=1)
    except np.linalg.LinAlgError as exc:
        raise ParameterError(f"{f}: every covariance must be symmetric positive definite") from exc
    top = log_joint.max(axis=1, keepdims=True)
    resp = np.exp(log_joint - top)
    resp /= resp.sum(axis=1, keepdims=True)
    Nk = resp.sum(axis=0)
    if np.any(Nk <= 0):
        raise ParameterError(f"{f}: a component received no responsibility (N_k = 0)")
    new_mu = (resp.T @ X) / Nk[:, None]
    new_S = np.empty((K, d, d))
    for c in range(K):
        D = X - new_mu[c]
        new_S[c] = (resp[:, c, None] * D).T @ D / Nk[c]
    return MixtureParameters(Nk / X.shape[0], new_mu, new_S, resp)
