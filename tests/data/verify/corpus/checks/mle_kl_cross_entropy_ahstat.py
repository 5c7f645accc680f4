"""Checks for mle-kl-cross-entropy-ahstat with p = N(0, 1) and q = p_theta = N(theta, 1)."""
import numpy as np
from scipy.integrate import quad
from scipy.stats import norm
from checklib import num_equal


def sample(r):
    return {"theta": float(r.normal()), "x": r.normal(size=8)}


def closed_form(theta, x):  # E_{N(0,1)}[-log N(X; theta, 1)]
    return 0.5 * np.log(2 * np.pi) + (1 + theta**2) / 2


def integral(theta, x):
    return -quad(lambda t: norm.logpdf(t, theta, 1) * norm.pdf(t), -30, 30)[0]


q = lambda theta: (lambda t: norm.pdf(t, theta, 1))  # noqa: E731
p = norm.pdf

CHECKS = {
    "log_product": lambda: num_equal(lambda theta, x: -np.log(np.prod(norm.pdf(x, theta, 1))) / len(x),
                                     lambda theta, x: -np.sum(norm.logpdf(x, theta, 1)) / len(x), sample),
    "expectation": lambda: num_equal(closed_form, integral, sample, trials=4),
    "rename": lambda: num_equal(integral, lambda theta, x: -quad(lambda t: np.log(q(theta)(t)) * p(t), -30, 30)[0], sample, trials=4),
}
