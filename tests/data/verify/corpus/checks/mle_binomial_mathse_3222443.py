"""Checks for mle-binomial-mathse-3222443 with a concrete sample (n = 4) and symbolic p."""
import sympy as sp
from checklib import Result, same_solutions, sym_equal

p = sp.symbols("p", positive=True)
xs = [2, 0, 1, 3]
n, k = len(xs), sum(xs)
xbar = sp.Rational(k, n)
K, N = sp.symbols("k n", positive=True, integer=True)
bern = sp.Mul(*[p**x * (1 - p)**(1 - x) for x in xs])
binom = sp.Mul(*[p**x * (1 - p)**(5 - x) for x in xs])
logL = n * xbar * sp.log(p) + (5 * n - n * xbar) * sp.log(1 - p)


def wrong_derivative():
    true = sp.diff(p**K * (1 - p)**(N - K), p)
    return sym_equal(true, K * p**(K - 1) * (1 - p)**K + (1 - K) * (1 - p)**(-K), positive=[p])


def not_a_root():
    # at k = 2 the claimed root k/(2k-1) = 2/3 does not make the expression of line 20 zero
    kk = 2
    val = (kk * p**(kk - 1) * (1 - p)**kk + (1 - kk) * (1 - p)**(-kk)).subs(p, sp.Rational(kk, 2 * kk - 1))
    return Result(val == 0, f"exact rationals: at k = 2, p = 2/3 the expression is {val}")


CHECKS = {
    "subst_L": lambda: sym_equal(sp.diff(bern, p), sp.diff(sp.exp(sum(x * sp.log(p) + (1 - x) * sp.log(1 - p) for x in xs)), p), domain={"p": (0, 1)}),
    "product_of_powers": lambda: sym_equal(bern, p**k * (1 - p)**sum(1 - x for x in xs), positive=[p]),
    "rename_k": lambda: sym_equal(p**sum(xs) * (1 - p)**(n - sum(xs)), (p**K * (1 - p)**(N - K)).subs({K: k, N: n})),
    "wrong_derivative": wrong_derivative,
    "not_a_root": not_a_root,
    "subst_k": lambda: sym_equal(sp.Rational(k, 2 * k - 1), sp.Rational(sum(xs), 2 * sum(xs) - 1)),
    "binom_powers": lambda: sym_equal(binom, p**sum(xs) * (1 - p)**sum(5 - x for x in xs), positive=[p]),
    "binom_xbar": lambda: sym_equal(p**sum(xs) * (1 - p)**sum(5 - x for x in xs), p**(n * xbar) * (1 - p)**(5 * n - n * xbar)),
    "binom_log": lambda: sym_equal(sp.log(binom), logL, positive=[p]),
    "binom_score": lambda: sym_equal(sp.diff(logL, p), n * xbar / p - (n - n * xbar) / (1 - p)),
    "binom_implies": lambda: same_solutions(n * xbar / p - (n - n * xbar) / (1 - p), n * xbar * (1 - p) - n * p * (5 - xbar), p, sp.Interval.open(0, 1)),
    "binom_expand": lambda: sym_equal(n * xbar * (1 - p) - n * p * (5 - xbar), (n * xbar - n * p * xbar) - (5 * n * p - n * p * xbar)),
    "binom_solve": lambda: same_solutions(n * xbar - n * p * xbar - (5 * n * p - n * p * xbar), p - xbar / 5, p),
    "binom_mean": lambda: sym_equal(xbar / 5, sp.Rational(sum(xs), 5 * n)),
}
