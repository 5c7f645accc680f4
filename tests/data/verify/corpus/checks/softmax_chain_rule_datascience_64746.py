"""Checks for softmax-chain-rule-datascience-64746 at the asker's numbers (two outputs, n = 1)."""
import numpy as np
from checklib import Result, num_equal

Z = np.array([1.75, 1.75])
T = np.array([0.0, 1.0])


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def E_of_z(z):
    return -np.sum(T * np.log(softmax(z)))


def fd(f, x, h=1e-6):
    g = np.zeros((np.size(f(x)), len(x)))
    for j in range(len(x)):
        e = np.zeros(len(x))
        e[j] = h
        g[:, j] = (np.atleast_1d(f(x + e)) - np.atleast_1d(f(x - e))) / (2 * h)
    return g


def at_point(a, b, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = a.shape == b.shape and np.allclose(a, b, atol=1e-6)
    return Result(bool(ok), f"finite differences at Z = (1.75, 1.75): {what}: {np.round(a, 6).tolist()} vs {np.round(b, 6).tolist()}")


A = softmax(Z)
CHECKS = {
    "ce_def": lambda: at_point(fd(E_of_z, Z)[0], fd(lambda z: -np.sum(T * np.log(softmax(z))), Z)[0], "same function"),
    "activation": lambda: at_point(fd(lambda z: -np.sum(T * np.log(softmax(z))), Z)[0], fd(E_of_z, Z)[0], "A = softmax(Z)"),
    "ce_softmax_gradient": lambda: at_point(fd(E_of_z, Z)[0], A - T, "gradient vs A - T"),
    "numbers": lambda: at_point(A - T, [0.5, -0.5], "A - T"),
    "ce_def_a": lambda: at_point(fd(lambda a: -np.sum(T * np.log(a)), A)[0], -T / A, "gradient in A"),
    "ce_grad_a": lambda: at_point(fd(lambda a: -np.sum(T * np.log(a)), A)[0], -T / A, "-T/A"),
    "plug": lambda: at_point(-T / A, [-0 / 0.5, -1 / 0.5], "numbers"),
    "arith": lambda: at_point([-0 / 0.5, -1 / 0.5], [0, -2], "arithmetic"),
    "jacobian_in_z": lambda: at_point(fd(softmax, Z), [[Z[0] * (1 - Z[0]), -Z[0] * Z[1]], [-Z[1] * Z[0], Z[1] * (1 - Z[1])]], "Jacobian vs the matrix in Z"),
}
