"""Checks for fisher-exponential-mathse-1899995: symbolic theta, a symbolic sum S of the y_i (E S = n theta)."""
import sympy as sp
from checklib import sym_equal

th, n, S, y = sp.symbols("theta n S y", positive=True)
L = sp.exp(-S / th) / th**n
l = -n * sp.log(th) - S / th
score = sp.diff(l, th)
j = -sp.diff(score, th)
ell = -y / th - sp.log(th)

CHECKS = {
    "log_lik": lambda: sym_equal(sp.log(L), l),
    "score": lambda: sym_equal(score, -n / th + S / th**2),
    "observed": lambda: sym_equal(j, -(n / th**2 - 2 * S / th**3)),
    "expectation": lambda: sym_equal(j.subs(S, n * th), -n / th**2 + 2 / th**3 * n * th),
    "simplify": lambda: sym_equal(-n / th**2 + 2 / th**3 * n * th, n / th**2),
    "log_one": lambda: sym_equal(sp.log(sp.exp(-y / th) / th), ell),
    "score_one": lambda: sym_equal(sp.diff(ell, th), y / th**2 - 1 / th),
    "second_one": lambda: sym_equal(sp.diff(ell, th, 2), -2 * y / th**3 + 1 / th**2),
    "plug_second": lambda: sym_equal(-sp.diff(ell, th, 2), -(-2 * y / th**3 + 1 / th**2)),
    "expectation_one": lambda: sym_equal(sp.integrate(-(-2 * y / th**3 + 1 / th**2) * sp.exp(-y / th) / th, (y, 0, sp.oo)), 2 * th / th**3 - 1 / th**2),
    "simplify_one": lambda: sym_equal(2 * th / th**3 - 1 / th**2, 1 / th**2),
}
