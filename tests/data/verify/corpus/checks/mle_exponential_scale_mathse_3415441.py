"""Checks for mle-exponential-scale-mathse-3415441 on a concrete sample, beta > 0."""
import sympy as sp
from checklib import same_solutions, sym_equal

b = sp.symbols("beta", positive=True)
xs = [sp.Rational(1, 2), 3, 2, sp.Rational(7, 4)]
n, S = len(xs), sum(xs)
p = sp.Mul(*[sp.exp(-x / b) / b for x in xs])

CHECKS = {
    "product": lambda: sym_equal(p, sp.exp(-S / b) / b**n),
    "nll": lambda: sym_equal(-sp.log(sp.exp(-S / b) / b**n), n * sp.log(b) + S / b),
    "minimiser": lambda: same_solutions(sp.diff(n * sp.log(b) + S / b, b), b - S / n, b),
}
