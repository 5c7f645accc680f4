"""Checks for mle-bernoulli-crossvalidated-imathworks on a concrete 0/1 sample, p in (0, 1)."""
import sympy as sp
from checklib import same_solutions, sym_equal

p = sp.symbols("p", positive=True)
xs = [1, 1, 0, 1, 0, 0, 1, 1]
n, k = len(xs), sum(xs)
D = {"p": (0, 1)}
L = sp.Mul(*[p**x * (1 - p) ** (1 - x) for x in xs])
ll = sp.log(p) * k + sp.log(1 - p) * (n - k)
score = k / p - (n - k) / (1 - p)

CHECKS = {
    "log_lik": lambda: sym_equal(sp.log(L), ll, domain=D),
    "score": lambda: sym_equal(sp.diff(ll, p), score, domain=D),
    "clear_denominators": lambda: same_solutions(score, k - p * k - p * (n - k), p, sp.Interval.open(0, 1)),
    "solve": lambda: same_solutions(k - p * k - p * (n - k), p - sp.Rational(k, n), p, sp.Interval.open(0, 1)),
    "second": lambda: sym_equal(sp.diff(ll, p, 2), -k / p**2 - (n - k) / (1 - p) ** 2, domain=D),
}
