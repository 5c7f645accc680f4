"""Checks for fisher-bernoulli-mathse-newbedev: expectations computed exactly over X in {0, 1}."""
import sympy as sp
from checklib import sym_equal

p = sp.symbols("p", positive=True)
X = sp.symbols("X")
D01 = {"p": (0, 1)}


def E(g):
    return sp.simplify((1 - p) * g.subs(X, 0) + p * g.subs(X, 1))


score = sp.diff(X * sp.log(p) + (1 - X) * sp.log(1 - p), p)
info = E(score**2)
E1 = E(X**2 / p**2) - 2 * E((X - X**2) / (p * (1 - p))) + E((X**2 - 2 * X + 1) / (1 - p)**2)
S1 = p / p**2 - 2 * 0 / (p * (1 - p)) + (p - 2 * p + 1) / (1 - p)**2
S2 = 1 / p - (p - 1) / (1 - p)**2
S3 = 1 / p - 1 / (p - 1)
T0 = -E(sp.diff(X * sp.log(p) + (1 - X) * sp.log(1 - p), p, 2))
T1 = -E(-X / p**2 - (1 - X) / (1 - p)**2)
T2 = E(X) / p**2 + E(1 - X) / (1 - p)**2

CHECKS = {
    "expand_square": lambda: sym_equal(info, E1, domain=D01),
    "mean_def": lambda: sym_equal(E(X), 0 * (1 - p) + 1 * p, domain=D01),
    "mean_value": lambda: sym_equal(0 * (1 - p) + 1 * p, p),
    "second_def": lambda: sym_equal(E(X**2), 0**2 * (1 - p) + 1**2 * p, domain=D01),
    "plug_moments": lambda: sym_equal(E1, S1, domain=D01),
    "simplify_1": lambda: sym_equal(S1, S2, domain=D01),
    "simplify_2": lambda: sym_equal(S2, S3, domain=D01),
    "sign_slip": lambda: sym_equal(S3, 1 / (p * (p - 1)), domain=D01),
    "information_identity": lambda: sym_equal(info, T0, domain=D01),
    "second_derivative": lambda: sym_equal(T0, T1, domain=D01),
    "linearity": lambda: sym_equal(T1, T2, domain=D01),
    "plug_mean": lambda: sym_equal(T2, p / p**2 + (1 - p) / (1 - p)**2, domain=D01),
    "cancel": lambda: sym_equal(p / p**2 + (1 - p) / (1 - p)**2, 1 / p + 1 / (1 - p), domain=D01),
    "common_denominator": lambda: sym_equal(1 / p + 1 / (1 - p), 1 / (p * (1 - p)), domain=D01),
}
