"""Principal component analysis by hand: the SVD of the centred data.

X_c = U diag(s) V^T: the rows of V^T are the principal directions and s^2 / (n - 1) the
variances they capture (the eigenvalues of the sample covariance).
"""

from __future__ import annotations

import numpy as np

from numeric._validate import NumericInputError, as_array, check_integer

__all__ = ["pca_svd"]


def pca_svd(X, n_components=None):
    """(components, explained_variance): the top principal directions (rows) by the SVD."""
    func = "pca_svd"
    X = as_array(X, "X", func, ndim=2)
    n, d = X.shape
    if n < 2:
        raise NumericInputError(f"{func}: need at least 2 samples; got n = {n}.")
    k = d if n_components is None else check_integer(n_components, "n_components", func, low=1)
    if k > d:
        raise NumericInputError(f"{func}: n_components must be <= d = {d}; got {k}.")
    Xc = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    variance = s**2 / (n - 1)
    return vt[:k], np.concatenate([variance, np.zeros(max(0, d - variance.size))])[:k]
