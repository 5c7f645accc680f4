"""Checks for gaussian-likelihood-mse-mathse-3108223 (alpha read as x, theta = mu)."""
import numpy as np
import sympy as sp
from checklib import same_minimiser, sym_equal

x, mu = sp.symbols("x mu", real=True)
s = sp.symbols("sigma", positive=True)
f = sp.exp(-(x - mu) ** 2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)

CHECKS = {
    "log_density": lambda: sym_equal(sp.log(f), -sp.log(2 * sp.pi * s**2) / 2 - (x - mu) ** 2 / (2 * s**2)),
    "same_optimiser": lambda: same_minimiser(lambda t, x, s: np.exp(-(x - t[0]) ** 2 / (2 * s**2)) / np.sqrt(2 * np.pi * s**2),
                                             lambda t, x, s: (x - t[0]) ** 2, lambda r: {"x": float(r.normal()), "s": float(r.uniform(0.5, 2))},
                                             lambda r: np.array([r.normal() * 0.3]), maximise=(True, False)),
}
