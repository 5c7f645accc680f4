"""Checks for mle-gaussian-variance-mathse-2965114; S stands for sum (x_i - mu)^2 (free of sigma)."""
import sympy as sp
from checklib import same_solutions, sym_equal

n, s, S = sp.symbols("n sigma S", positive=True)
l = -n / 2 * sp.log(2 * sp.pi * s**2) - S / (2 * s**2)

CHECKS = {
    "dl_dsigma_asker": lambda: sym_equal(sp.diff(l, s), (-n * s**3 + 2 * s**2 * S) / (2 * s**5)),
    "solve_asker": lambda: same_solutions(-n * s**3 + 2 * s**2 * S, s**2 - s**3 * n / (2 * S), s, sp.Interval.open(0, sp.oo)),
    "expand_log": lambda: sym_equal(l, -n / 2 * sp.log(2 * sp.pi) - n / 2 * sp.log(s**2) - S / 2 * s**-2),
    "dl_dsigma_answer": lambda: sym_equal(sp.diff(l, s), -n / s + S / s**3),
    "times_sigma3": lambda: same_solutions(-n / s + S / s**3, -n * s**2 + S, s, sp.Interval.open(0, sp.oo)),
    "solve_answer": lambda: same_solutions(-n * s**2 + S, s**2 - S / n, s, sp.Interval.open(0, sp.oo)),
}
