"""Checks for kl-gaussians-multivariate-mr-easy: every member evaluated as a sample mean over the same
20000 draws from p (k = 2), so expectation identities hold to rounding; the closed form checks the first."""
import numpy as np
from scipy.stats import multivariate_normal as mvn
from checklib import Result

r = np.random.default_rng(11)
k = 2
mp, mq = np.array([0.3, -1.0]), np.array([1.0, 0.5])
A, B = r.normal(size=(k, k)), r.normal(size=(k, k))
Sp, Sq = A @ A.T + np.eye(k), B @ B.T + np.eye(k)
X = r.multivariate_normal(mp, Sp, size=20000)
Qp = np.einsum("ij,jk,ik->i", X - mp, np.linalg.inv(Sp), X - mp)
Qq = np.einsum("ij,jk,ik->i", X - mq, np.linalg.inv(Sq), X - mq)
ld = np.log(np.linalg.det(Sq) / np.linalg.det(Sp))

m0 = np.mean(mvn.logpdf(X, mp, Sp) - mvn.logpdf(X, mq, Sq))
m1 = np.mean(0.5 * ld - 0.5 * Qp + 0.5 * Qq)
m2 = 0.5 * np.mean(np.full(len(X), ld)) - 0.5 * np.mean(Qp) + 0.5 * np.mean(Qq)
m3 = 0.5 * ld - 0.5 * np.mean(Qp) + 0.5 * np.mean(Qq)
closed = 0.5 * (ld - k + np.trace(np.linalg.inv(Sq) @ Sp) + (mq - mp) @ np.linalg.inv(Sq) @ (mq - mp))


def close(a, b, what, tol=1e-9):
    return Result(bool(abs(a - b) <= tol * (1 + abs(a))), f"sampled: {what}: {a:.6f} vs {b:.6f}")


CHECKS = {
    "kl_expectation": lambda: close(m0, closed, "the sample mean of log p - log q vs the closed-form divergence", tol=0.03),
    "log_densities": lambda: close(m0, m1, "scipy's log-densities vs the written difference"),
    "linearity": lambda: close(m1, m2, "linearity"),
    "constant": lambda: close(m2, m3, "the constant out of the mean"),
}
