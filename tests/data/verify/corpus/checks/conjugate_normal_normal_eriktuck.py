"""Checks for conjugate-normal-normal-eriktuck: mu varies; a fixed sample, sigma, M, mu_0."""
import numpy as np
from scipy.stats import norm
from checklib import proportional

x = np.array([1.2, 0.4, 2.1, 1.7])
n, xbar = len(x), x.mean()
sigma, M, mu0 = 1.3, 2.0, -0.5
mus = np.linspace(-2, 3, 7)

prior = lambda m: norm.logpdf(m, mu0, sigma / np.sqrt(M))  # noqa: E731
lik = lambda m: norm.logpdf(x, m, sigma).sum()  # noqa: E731
p1 = lambda m: -M / (2 * sigma**2) * (m - mu0) ** 2  # noqa: E731
p2 = lambda m: -(M * m**2 - 2 * M * mu0 * m) / (2 * sigma**2)  # noqa: E731
l1 = lambda m: -np.sum((x - m) ** 2) / (2 * sigma**2)  # noqa: E731
l2 = lambda m: -(n * m**2 - 2 * m * n * xbar) / (2 * sigma**2)  # noqa: E731
q1 = lambda m: -((n + M) * m**2 - (2 * n * xbar - 2 * M * mu0) * m) / (2 * sigma**2)  # noqa: E731
q2 = lambda m: -(n + M) / (2 * sigma**2) * (m - (n * xbar + M * mu0) / (n + M)) ** 2  # noqa: E731

CHECKS = {
    "prior_kernel": lambda: proportional(prior, p1, mus, "mu"),
    "prior_expand": lambda: proportional(p1, p2, mus, "mu"),
    "lik_kernel": lambda: proportional(lik, l1, mus, "mu"),
    "lik_expand": lambda: proportional(l1, l2, mus, "mu"),
    "wrong_sign_mu0": lambda: proportional(lambda m: prior(m) + lik(m), q1, mus, "mu"),
    "square_not_of_line_before": lambda: proportional(q1, q2, mus, "mu"),
}
