"""Checks for mle-exponential-rhea-lyles (one observation x > 0, rate lambda > 0)."""
import sympy as sp
from checklib import same_solutions, sym_equal

lam, x = sp.symbols("lambda x", positive=True)
L = sp.symbols("L", real=True)  # a real unknown for lambda, to solve without the sign assumption

CHECKS = {
    "deriv_sign": lambda: sym_equal(sp.diff(lam * sp.exp(-lam * x), lam), -sp.exp(-lam * x) - lam * x * sp.exp(-lam * x)),
    "solve_their_eq": lambda: same_solutions(-sp.exp(-L * x) - L * x * sp.exp(-L * x), L * x - 1, L),
    "divide": lambda: same_solutions(L * x - 1, L - 1 / x, L),
}
