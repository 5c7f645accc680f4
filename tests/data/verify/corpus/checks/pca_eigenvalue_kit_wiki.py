"""Checks for pca-eigenvalue-kit-wiki with the leading unit eigenvector of a random covariance matrix."""
import numpy as np
from checklib import num_equal


def sample(r, d=4):
    X = r.normal(size=(20, d))
    S = np.cov(X.T)
    w, U = np.linalg.eigh(S)
    return {"S": S, "u": U[:, -1], "lam": float(w[-1])}


CHECKS = {
    "eigen": lambda: num_equal(lambda S, u, lam: u @ S @ u, lambda S, u, lam: u @ (lam * u), sample),
    "scalar_out": lambda: num_equal(lambda S, u, lam: u @ (lam * u), lambda S, u, lam: lam * (u @ u), sample),
    "unit": lambda: num_equal(lambda S, u, lam: lam * (u @ u), lambda S, u, lam: lam, sample),
}
