"""Checks for softmax-backprop-crossvalidated-235528 with three symbolic logits."""
import sympy as sp
from checklib import sym_equal

za, zb, zc, w, oi, b, t = sp.symbols("z_a z_b z_c w o_i b t", real=True)
S = sp.exp(za) + sp.exp(zb) + sp.exp(zc)
ob = sp.exp(zb) / S
o = sp.symbols("o", positive=True)

CHECKS = {
    "dz_dw": lambda: sym_equal(sp.diff(w * oi + b, w), oi),
    "dE_do": lambda: sym_equal(sp.diff(-t * sp.log(o), o), -t / o),
    "three_classes": lambda: sym_equal(ob, sp.exp(zb) / (sp.exp(za) + sp.exp(zb) + sp.exp(zc))),
    "quotient": lambda: sym_equal(sp.diff(ob, zb), (sp.exp(zb) * S - sp.exp(zb) ** 2) / S**2),
    "split": lambda: sym_equal((sp.exp(zb) * S - sp.exp(zb) ** 2) / S**2, sp.exp(zb) / S - sp.exp(zb) ** 2 / S**2),
    "name": lambda: sym_equal(sp.exp(zb) / S - sp.exp(zb) ** 2 / S**2, ob - ob**2),
    "rename": lambda: sym_equal(ob - ob**2, ob - ob**2),
    "factor": lambda: sym_equal(ob - ob**2, ob * (1 - ob)),
}
