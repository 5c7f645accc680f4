"""Checks for mle-poisson-mathse-2254268 (x > 0, k a positive integer)."""
import sympy as sp
from checklib import sym_equal

x = sp.symbols("x", positive=True)
k = sp.symbols("k", positive=True, integer=True)

CHECKS = {
    "cancel": lambda: sym_equal(1 / sp.exp(-x) * (-sp.exp(-x)), -1),
    "log_expand": lambda: sym_equal(sp.diff(sp.log(x**k * sp.exp(-x) / sp.factorial(k)), x), sp.diff(k * sp.log(x) - x - sp.log(sp.factorial(k)), x)),
    "differentiate": lambda: sym_equal(sp.diff(k * sp.log(x) - x - sp.log(sp.factorial(k)), x), k / x - 1),
}
