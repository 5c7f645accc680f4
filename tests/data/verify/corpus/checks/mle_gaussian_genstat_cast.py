"""Checks for mle-gaussian-genstat-cast on a concrete sample, symbolic mu and v = sigma^2 > 0."""
import sympy as sp
from checklib import same_solutions, sym_equal

mu, x = sp.symbols("mu x", real=True)
v = sp.symbols("v", positive=True)  # sigma^2
xs = [sp.Rational(3, 2), -1, 2, sp.Rational(7, 3), 0]
n = len(xs)
xbar = sum(xs) / n
f = sp.exp(-(x - mu) ** 2 / (2 * v)) / (sp.sqrt(2 * sp.pi) * sp.sqrt(v))
logf = -sp.log(v) / 2 - (x - mu) ** 2 / (2 * v) - sp.log(2 * sp.pi) / 2
ll = -n * sp.log(v) / 2 - sum((xi - mu) ** 2 for xi in xs) / (2 * v) - n * sp.log(2 * sp.pi) / 2
score_v = -n / (2 * v) + sum((xi - mu) ** 2 for xi in xs) / (2 * v**2)

CHECKS = {
    "log_density": lambda: sym_equal(sp.log(f), logf),
    "sum_logs": lambda: sym_equal(sum(logf.subs(x, xi) for xi in xs), ll),
    "score_mu": lambda: sym_equal(sp.diff(ll, mu), sum(xi - mu for xi in xs) / v),
    "score_var": lambda: sym_equal(sp.diff(ll, v), score_v),
    "split_sum": lambda: sym_equal(sum(xi - mu for xi in xs), sum(xs) - n * mu),
    "solve_mu": lambda: same_solutions(sum(xs) - n * mu, mu - xbar, mu),
    "times_sigma2": lambda: same_solutions(score_v.subs(mu, xbar), -sp.Rational(n, 2) + sum((xi - xbar) ** 2 for xi in xs) / (2 * v), v),
    "solve_var": lambda: same_solutions(-sp.Rational(n, 2) + sum((xi - xbar) ** 2 for xi in xs) / (2 * v), v - sum((xi - xbar) ** 2 for xi in xs) / n, v),
}
