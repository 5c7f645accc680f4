"""Checks for mle-bernoulli-roualdes on a concrete 0/1 sample, p in (0, 1)."""
import numpy as np
import sympy as sp
from scipy.stats import bernoulli
from checklib import num_equal, same_solutions, sym_equal

p = sp.symbols("p", positive=True)
xs = [1, 0, 0, 1, 1, 1, 0]
N = len(xs)
D = {"p": (0, 1)}
L = sp.Mul(*[p**x * (1 - p) ** (1 - x) for x in xs])
ell = sum(x * sp.log(p) + (1 - x) * sp.log(1 - p) for x in xs)
score = sum(x / p - (1 - x) / (1 - p) for x in xs)

CHECKS = {
    "subst": lambda: num_equal(lambda q: np.log(np.prod(bernoulli.pmf(xs, q))), lambda q: float(sp.log(L).subs(p, q)),
                               lambda r: {"q": float(r.uniform(0.05, 0.95))}),
    "log_sum": lambda: sym_equal(sp.log(L), ell, domain=D),
    "score": lambda: sym_equal(sp.diff(ell, p), score, domain=D),
    "set_zero": lambda: same_solutions(score, sum(x / p for x in xs) - sum((1 - x) / (1 - p) for x in xs), p, sp.Interval.open(0, 1)),
    "solve": lambda: same_solutions(sum(x / p for x in xs) - sum((1 - x) / (1 - p) for x in xs), p - sp.Rational(sum(xs), N), p, sp.Interval.open(0, 1)),
}
