"""Checks for kl-gaussians-multivariate-crossvalidated-imathworks: sample means over the same draws
from p (d = 2); the log-density difference is scipy's, the asker's integrand is as written."""
import numpy as np
from scipy.stats import multivariate_normal as mvn
from checklib import Result

r = np.random.default_rng(12)
d = 2
m1, m2 = np.array([0.2, 0.4]), np.array([-0.5, 1.0])
A, B = r.normal(size=(d, d)), r.normal(size=(d, d))
S1, S2 = A @ A.T + np.eye(d), B @ B.T + np.eye(d)
X = r.multivariate_normal(m1, S1, size=20000)
q2 = np.einsum("ij,jk,ik->i", X - m2, np.linalg.inv(S2), X - m2)
q1_with_S2 = np.einsum("ij,jk,ik->i", X - m1, np.linalg.inv(S2), X - m1)
theirs = d / 2 * np.log(np.linalg.det(S2) / np.linalg.det(S1)) + 0.5 * (q2 - q1_with_S2)
true = mvn.logpdf(X, m1, S1) - mvn.logpdf(X, m2, S2)


def close(a, b, what, tol):
    return Result(bool(abs(a - b) <= tol), f"sampled over 20000 draws: {what}: {a:.4f} vs {b:.4f}")


CHECKS = {
    "wrong_log_density_ratio": lambda: close(np.mean(true), np.mean(theirs), "the divergence vs the asker's integral", 0.05),
    "as_expectation": lambda: close(np.mean(theirs), np.mean(theirs * 1.0), "the integral against p and the expectation under p, same draws", 1e-12),
}
