"""Checks for softmax-cross-entropy-sunhaozhe with three classes, symbolic logits, k = 0, every i."""
import sympy as sp
from checklib import Result, sym_equal

o = sp.symbols("o0:3", real=True)
S = sum(sp.exp(t) for t in o)
p = [sp.exp(t) / S for t in o]
y = [sp.Integer(0), sp.Integer(1), sp.Integer(0)]  # one-hot
k = 0
L = -sum(y[i] * sp.log(p[i]) for i in range(3))


def all_i(pairs, what):
    for a, b in pairs:
        r = sym_equal(a, b)
        if not r.holds:
            return r
    return Result(True, f"symbolic: {what} for every i (3 classes, k = 0)")


def quotient(i):
    return (sp.diff(sp.exp(o[i]), o[k]) * S - sp.diff(S, o[k]) * sp.exp(o[i])) / S**2


CHECKS = {
    "subst_p": lambda: all_i([(sp.diff(p[i], o[k]), sp.diff(sp.exp(o[i]) / S, o[k])) for i in range(3)], "substitution"),
    "quotient": lambda: all_i([(sp.diff(sp.exp(o[i]) / S, o[k]), quotient(i)) for i in range(3)], "quotient rule"),
    "case_eq_1": lambda: sym_equal(sp.diff(p[k], o[k]), (sp.exp(o[k]) * S - sp.exp(o[k]) * sp.exp(o[k])) / S**2),
    "case_eq_2": lambda: sym_equal((sp.exp(o[k]) * S - sp.exp(o[k]) ** 2) / S**2, sp.exp(o[k]) / S * (S - sp.exp(o[k])) / S),
    "case_eq_3": lambda: sym_equal(sp.exp(o[k]) / S * (S - sp.exp(o[k])) / S, p[k] * (1 - p[k])),
    "case_ne_1": lambda: all_i([(sp.diff(p[i], o[k]), quotient(i)) for i in (1, 2)], "quotient rule"),
    "case_ne_2": lambda: all_i([(quotient(i), -sp.exp(o[k]) * sp.exp(o[i]) / (S * S)) for i in (1, 2)], "i != k"),
    "case_ne_3": lambda: all_i([(-sp.exp(o[k]) * sp.exp(o[i]) / (S * S), -p[k] * p[i]) for i in (1, 2)], "softmax"),
    "grad_1": lambda: sym_equal(sp.diff(L, o[k]), -sum(y[i] * sp.diff(sp.log(p[i]), o[k]) for i in range(3))),
    "grad_2": lambda: sym_equal(-sum(y[i] * sp.diff(sp.log(p[i]), o[k]) for i in range(3)), -sum(y[i] * (1 / p[i]) * sp.diff(p[i], o[k]) for i in range(3))),
    "grad_3": lambda: sym_equal(-sum(y[i] * (1 / p[i]) * sp.diff(p[i], o[k]) for i in range(3)), -sum(y[i] / p[i] * sp.diff(p[i], o[k]) for i in range(3))),
    "grad_4": lambda: sym_equal(-sum(y[i] / p[i] * sp.diff(p[i], o[k]) for i in range(3)), -y[k] * (1 - p[k]) + sum(y[i] * p[k] for i in range(3) if i != k)),
    "grad_5": lambda: sym_equal(-y[k] * (1 - p[k]) + sum(y[i] * p[k] for i in range(3) if i != k), -y[k] + sum(y[i] * p[k] for i in range(3))),
    "grad_6": lambda: sym_equal(-y[k] + sum(y[i] * p[k] for i in range(3)), p[k] - y[k]),
}
