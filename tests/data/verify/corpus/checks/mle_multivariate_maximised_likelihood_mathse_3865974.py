"""Checks for mle-multivariate-maximised-likelihood-mathse-3865974 on random numpy data (p = 3, n = 6)."""
import numpy as np
from checklib import Result, not_conformable, num_equal

p, n = 3, 6


def sample(r):
    A = r.normal(size=(p, p))
    return {"Sig": A @ A.T + p * np.eye(p), "X": r.normal(size=(n, p)), "mu": r.normal(size=p)}


def q(Sig, X, mu):
    inv = np.linalg.inv(Sig)
    return np.array([(x - mu) @ inv @ (x - mu) for x in X])


def S(X, mu):
    return sum(np.outer(x - mu, x - mu) for x in X)


def at_estimate(r):
    X, mu = r.normal(size=(n, p)), r.normal(size=p)
    return {"Sig": S(X, mu) / n, "X": X, "mu": mu}


CHECKS = {
    "product": lambda: num_equal(lambda Sig, X, mu: np.prod((2 * np.pi) ** (-p / 2) * np.linalg.det(Sig) ** -0.5 * np.exp(-0.5 * q(Sig, X, mu))),
                                 lambda Sig, X, mu: (2 * np.pi) ** (-n * p / 2) * np.linalg.det(Sig) ** (-n / 2) * np.exp(-0.5 * q(Sig, X, mu).sum()), sample),
    "undefined_aA": lambda: not_conformable((p, 1), (p, p)),
    "undefined_aA_2": lambda: not_conformable((p, 1), (p, p), (1, p)),
    "trace_trick": lambda: num_equal(lambda Sig, X, mu: q(Sig, X, mu).sum(), lambda Sig, X, mu: np.trace(np.linalg.inv(Sig) @ S(X, mu)), sample),
    "plug_sigma": lambda: num_equal(lambda Sig, X, mu: np.trace(np.linalg.inv(Sig) @ S(X, mu)), lambda Sig, X, mu: n * np.trace(np.linalg.inv(Sig) @ Sig), at_estimate),
    "inverse": lambda: num_equal(lambda Sig, X, mu: n * np.trace(np.linalg.inv(Sig) @ Sig), lambda Sig, X, mu: n * np.trace(np.eye(p)), sample),
    "trace_identity": lambda: Result(np.trace(np.eye(p)) * n == n * p, "exact: trace of the identity of size p is p"),
}
