"""Checks for map-lasso-laplace-crossvalidated-182098: a proportionality in mu (or beta) holds when the
log-ratio of the two sides is the same at random values of the variable."""
import numpy as np
from scipy.stats import laplace, norm
from checklib import Result


def constant_in(logratio, draws, what):
    values = [logratio(v) for v in draws]
    spread = float(np.ptp(values))
    return Result(spread < 1e-9, f"sampled: the log-ratio of the sides varies by {spread:.3g} over {len(draws)} values of {what}")


r = np.random.default_rng(0)
y, sigma, lam, tau = 0.7, 1.3, 0.8, 0.6


def joint(mu):  # N(y; mu, sigma^2) Laplace(mu; rate lam), flat prior on sigma
    return norm.logpdf(y, mu, sigma) + np.log(lam / 2) - lam * abs(mu)


def their(mu):
    return -np.log(sigma) - (y - mu) ** 2 / sigma**2 + np.log(2 * lam) - lam * abs(mu)


X, yv = r.normal(size=(5, 2)), r.normal(size=5)

CHECKS = {
    "missing_two": lambda: constant_in(lambda m: joint(m) - their(m), r.normal(size=6), "mu"),
    "log_of_line_14": lambda: constant_in(lambda m: their(m) - (-(y - m) ** 2 / sigma**2 - lam * abs(m)), r.normal(size=6), "mu"),
    "laplace_scale": lambda: constant_in(lambda b: laplace.logpdf(b, 0, tau).sum() - (-np.sum(np.abs(b)) / (2 * tau)), r.normal(size=(6, 3)), "beta"),
    "gaussian_likelihood": lambda: constant_in(lambda b: norm.logpdf(yv, X @ b, sigma).sum()
                                               - (-len(yv) / 2 * np.log(sigma**2) - (yv - X @ b) @ (yv - X @ b) / (2 * sigma**2)),
                                               r.normal(size=(6, 2)), "beta"),
}
