"""Checks for mle-exponential-statsclick on a concrete sample and symbolic theta > 0."""
import sympy as sp
from checklib import same_solutions, sym_equal

th = sp.symbols("theta", positive=True)
xs = [sp.Rational(3, 2), 2, sp.Rational(1, 3), 5]
n, S = len(xs), sum(xs)
f = lambda x: sp.exp(-x / th) / th  # noqa: E731
L = sp.Mul(*[f(x) for x in xs])
logL = -n * sp.log(th) - S / th

CHECKS = {
    "subst_f": lambda: sym_equal(sp.Mul(*[f(x) for x in xs]), sp.Mul(*[sp.exp(-x / th) / th for x in xs])),
    "product": lambda: sym_equal(L, sp.exp(-S / th) / th**n),
    "log_of_L": lambda: sym_equal(sp.log(L), sp.log(sp.exp(-S / th) / th**n)),
    "log_expand": lambda: sym_equal(sp.log(sp.exp(-S / th) / th**n), logL),
    "score": lambda: sym_equal(sp.diff(logL, th), -n / th + S / th**2),
    "move_term": lambda: same_solutions(-n / th + S / th**2, S / th**2 - n / th, th),
    "times_theta2": lambda: same_solutions(S / th**2 - n / th, S - n * th, th),
    "solve": lambda: same_solutions(S - n * th, th - S / n, th),
}
