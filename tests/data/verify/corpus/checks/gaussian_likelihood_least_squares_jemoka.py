"""Checks for gaussian-likelihood-least-squares-jemoka with a linear f_theta(x) = theta x on random data."""
import numpy as np
from scipy.stats import norm
from checklib import num_equal


def sample(r):
    return {"t": float(r.normal()), "x": r.normal(size=6), "y": r.normal(size=6), "s": float(r.uniform(0.5, 2))}


CHECKS = {
    "model": lambda: num_equal(lambda t, x, y, s: np.sum(norm.logpdf(y, loc=t * x, scale=s)),
                               lambda t, x, y, s: np.sum(np.log(norm.pdf(y, loc=t * x, scale=s))), sample),
    "density": lambda: num_equal(lambda t, x, y, s: np.sum(norm.logpdf(y, loc=t * x, scale=s)),
                                 lambda t, x, y, s: np.sum(np.log(1 / np.sqrt(2 * np.pi * s**2) * np.exp(-(y - t * x) ** 2 / (2 * s**2)))), sample),
}
