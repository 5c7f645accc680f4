"""Checks for mle-gaussian-bourbaki: the sheet's expression on a concrete sample, v = sigma^2 > 0."""
import sympy as sp
from checklib import Result, same_solutions, sym_equal

mu = sp.symbols("mu", real=True)
v = sp.symbols("v", positive=True)
xs = [1, 3, sp.Rational(5, 2), -1]
n = len(xs)
ell = sum((x - mu) ** 2 / (2 * v) - sp.log(2 * sp.pi * v) / 2 for x in xs)
S = sum((x - mu) ** 2 for x in xs)
sheet_dv = -S / (2 * v**2) - 1 / (2 * v)


def zero_of_d_var():
    at = {mu: sp.Rational(1, 2)}
    true_dv = sp.diff(ell, v).subs(at)
    roots_true = sp.solveset(true_dv, v, sp.Interval.open(0, sp.oo))
    roots_sheet = sp.solveset(sheet_dv.subs(at), v, sp.Interval.open(0, sp.oo))
    claimed = S.subs(at)
    ok = claimed in roots_true or claimed in roots_sheet
    return Result(ok, f"symbolic: positive zeros of the derivative: {roots_true} (true), {roots_sheet} (sheet); the claim is sigma^2 = {claimed}")


CHECKS = {
    "d_mu": lambda: sym_equal(sp.diff(ell, mu), -sum((x - mu) / v for x in xs)),
    "d_var_missing_n": lambda: sym_equal(sp.diff(ell, v), sheet_dv),
    "zero_of_d_var": zero_of_d_var,
}
