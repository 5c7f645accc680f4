"""Checks for laplace-likelihood-mae-crossvalidated-174881 on random data (scipy)."""
import numpy as np
from scipy.stats import laplace
from checklib import num_equal, same_minimiser


def sample(r):
    return {"X": r.normal(size=(7, 2)), "y": r.normal(size=7), "beta": r.normal(size=2), "b": float(r.uniform(0.3, 2))}


def data(r):
    return {"X": r.normal(size=(7, 2)), "y": r.normal(size=7), "b": float(r.uniform(0.3, 2))}


CHECKS = {
    "laplace_nll": lambda: num_equal(lambda X, y, beta, b: -np.sum(laplace.logpdf(y, loc=X @ beta, scale=b)),
                                     lambda X, y, beta, b: len(y) * np.log(2 * b) + np.sum(np.abs(X @ beta - y)) / b, sample),
    "lad": lambda: same_minimiser(lambda t, X, y, b: -np.sum(laplace.logpdf(y, loc=X @ t, scale=b)),
                                  lambda t, X, y, b: np.sum(np.abs(X @ t - y)), data, lambda r: r.normal(size=2) * 0.1),
}
