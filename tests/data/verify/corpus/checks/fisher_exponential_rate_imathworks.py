"""Checks for fisher-exponential-rate-imathworks by symbolic integration (lambda > 0)."""
import sympy as sp
from checklib import sym_equal

lam, x = sp.symbols("lambda x", positive=True)
f = lam * sp.exp(-lam * x)
score = sp.diff(sp.log(f), lam)

CHECKS = {
    "expectation_integral": lambda: sym_equal(sp.integrate(score**2 * f, (x, 0, sp.oo)), sp.integrate(sp.expand(score**2) * f, (x, 0, sp.oo))),
    "square_score": lambda: sym_equal(sp.expand(score**2), 1 / lam**2 - 2 * x / lam + x**2),
    "integrate": lambda: sym_equal(sp.integrate((1 / lam**2 - 2 * x / lam + x**2) * f, (x, 0, sp.oo)), 1 / lam**2),
}
