"""Checks for mle-laplace-freshrimpsushi on random samples (numpy) and symbolic b."""
import numpy as np
import sympy as sp
from checklib import num_equal, same_minimiser, same_solutions, sym_equal


def dens(x, mu, b):
    return np.exp(-abs(x - mu) / b) / (2 * b)


def sample(r):
    return {"x": r.laplace(size=7), "mu": float(r.normal()), "b": float(r.uniform(0.3, 3))}


def data(r):
    return {"x": r.laplace(size=7), "b": float(r.uniform(0.3, 3))}


b, S, n = sp.symbols("b S n", positive=True)

CHECKS = {
    "log_product": lambda: num_equal(lambda x, mu, b: np.log(np.prod(dens(x, mu, b))), lambda x, mu, b: np.sum(np.log(dens(x, mu, b))), sample),
    "subst_density": lambda: num_equal(lambda x, mu, b: np.sum(np.log(dens(x, mu, b))),
                                       lambda x, mu, b: np.sum(np.log(1 / (2 * b) * np.exp(-abs(x - mu) / b))), sample),
    "log_expand": lambda: num_equal(lambda x, mu, b: np.sum(np.log(dens(x, mu, b))),
                                    lambda x, mu, b: -len(x) * np.log(2 * b) - np.sum(abs(x - mu)) / b, sample),
    "drop_constants": lambda: same_minimiser(lambda t, x, b: -len(x) * np.log(2 * b) - np.sum(abs(x - t[0])) / b,
                                             lambda t, x, b: -np.sum(abs(x - t[0])), data, lambda r: np.array([r.normal()]),
                                             maximise=(True, True)),
    "max_to_min": lambda: same_minimiser(lambda t, x, b: -np.sum(abs(x - t[0])), lambda t, x, b: np.sum(abs(x - t[0])),
                                         data, lambda r: np.array([r.normal()]), maximise=(True, False)),
    "score_b": lambda: sym_equal(sp.diff(-n * sp.log(2 * b) - S / b, b), -n / b + S / b**2),
    "solve_b": lambda: same_solutions(-n / b + S / b**2, b - S / n, b),
}
