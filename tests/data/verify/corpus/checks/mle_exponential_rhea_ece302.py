"""Checks for mle-exponential-rhea-ece302 (one observation x > 0, rate lambda > 0)."""
import sympy as sp
from checklib import same_solutions, sym_equal

lam, x = sp.symbols("lambda x", positive=True)
L = sp.symbols("L", real=True)

CHECKS = {
    "deriv_missing_x": lambda: sym_equal(sp.diff(lam * sp.exp(-lam * x), lam), sp.exp(-lam * x) - lam * sp.exp(-lam * x)),
    "solve_their_eq": lambda: same_solutions(sp.exp(-L * x) - L * sp.exp(-L * x), L - 1 / x, L),
}
