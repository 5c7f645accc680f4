"""Checks for softmax-cross-entropy-d2l: four classes, symbolic logits, a one-hot label (class 2)."""
import numpy as np
import sympy as sp
from checklib import num_equal, sym_equal

o = sp.symbols("o0:4", real=True)
q = 4
y = [0, 0, 1, 0]
Z = sum(sp.exp(t) for t in o)
yhat = [sp.exp(t) / Z for t in o]
S1 = -sum(y[j] * sp.log(sp.exp(o[j]) / Z) for j in range(q))
S2 = sum(y[j] * sp.log(Z) for j in range(q)) - sum(y[j] * o[j] for j in range(q))
S3 = sp.log(Z) - sum(y[j] * o[j] for j in range(q))


def sample(r):
    P = r.dirichlet(np.ones(3), size=5)
    labels = r.integers(0, 3, size=5)
    return {"P": P, "labels": labels}


CHECKS = {
    "log_product": lambda: num_equal(lambda P, labels: -np.log(np.prod(P[np.arange(5), labels])),
                                     lambda P, labels: np.sum(-np.log(P[np.arange(5), labels])), sample),
    "one_hot_ce": lambda: num_equal(lambda P, labels: np.sum(-np.log(P[np.arange(5), labels])),
                                    lambda P, labels: np.sum(-np.sum(np.eye(3)[labels] * np.log(P), axis=1)), sample),
    "softmax_in": lambda: sym_equal(-sum(y[j] * sp.log(yhat[j]) for j in range(q)), S1),
    "log_quotient": lambda: sym_equal(S1, S2),
    "sum_one": lambda: sym_equal(S2, S3),
    "derivative": lambda: sym_equal(sp.diff(S3, o[1]), sp.exp(o[1]) / Z - y[1]),
    "softmax_name": lambda: sym_equal(sp.exp(o[1]) / Z - y[1], yhat[1] - y[1]),
}
