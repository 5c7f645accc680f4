"""Checks for mle-bernoulli-rain-crossvalidated-115753: a concrete 0/1 sequence and symbolic rho."""
import sympy as sp
from checklib import Result, same_solutions, sym_equal

rho = sp.symbols("rho", positive=True)
n1s, n0s = sp.symbols("n_1 n_0", positive=True)
r = [1, 0, 1, 1, 0, 1, 0]
n1, n0 = sum(r), len(r) - sum(r)
lik = sp.Mul(*[rho**t * (1 - rho)**(1 - t) for t in r])
loglik = n1s * sp.log(rho) + n0s * sp.log(1 - rho)

CHECKS = {
    "counts": lambda: sym_equal(lik, rho**n1 * (1 - rho)**n0, positive=[rho]),
    "log_lik": lambda: sym_equal(sp.log(rho**n1s * (1 - rho)**n0s), loglik, positive=[rho]),
    "score_sign": lambda: sym_equal(sp.diff(loglik, rho), n1s / rho + n0s / (1 - rho), domain={"rho": (0, 1)}),
    "solve_their_score": lambda: same_solutions(n1s / rho + n0s / (1 - rho), rho - n1s / (n1s - n0s), rho, sp.S.Reals - {0, 1}),
    "plug_in": lambda: sym_equal((n1s / (n1s - n0s)).subs({n1s: 217, n0s: 148}), sp.Rational(217, 217 - 148)),
    "rounded": lambda: Result(abs(sp.Rational(217, 69) - sp.Rational(3145, 1000)) < sp.Rational(5, 10000),
                              "exact rationals: 217/69 = 3.14493 rounds to 3.145"),
}
