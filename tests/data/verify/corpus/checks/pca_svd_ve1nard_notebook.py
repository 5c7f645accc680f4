"""Checks for pca-svd-ve1nard-notebook with numpy's SVD of random 6 x 3 matrices (rank 3)."""
import numpy as np
from checklib import num_equal


def sample(r):
    A = r.normal(size=(6, 3))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return {"A": A, "U": U, "s": s, "V": Vt.T}


def u(A, s, V, i):
    return A @ V[:, i] / s[i]


def last_sigma1(A, U, s, V):
    terms = [np.outer(U[:, k], V[:, k]) * s[k] for k in range(len(s) - 1)]
    return sum(terms) + np.outer(U[:, -1], V[:, -1]) * s[0]


i, j = 0, 2
CHECKS = {
    "sigma1_in_last_term": lambda: num_equal(lambda A, U, s, V: U @ np.diag(s) @ V.T, last_sigma1, sample),
    "norm": lambda: num_equal(lambda A, U, s, V: np.linalg.norm(u(A, s, V, i)) ** 2, lambda A, U, s, V: u(A, s, V, i) @ u(A, s, V, i), sample),
    "u_def": lambda: num_equal(lambda A, U, s, V: u(A, s, V, i) @ u(A, s, V, i), lambda A, U, s, V: V[:, i] @ A.T @ A @ V[:, i] / s[i] ** 2, sample),
    "eigen": lambda: num_equal(lambda A, U, s, V: V[:, i] @ A.T @ A @ V[:, i] / s[i] ** 2, lambda A, U, s, V: V[:, i] @ (s[i] ** 2 * V[:, i]) / s[i] ** 2, sample),
    "cancel": lambda: num_equal(lambda A, U, s, V: V[:, i] @ (s[i] ** 2 * V[:, i]) / s[i] ** 2, lambda A, U, s, V: V[:, i] @ V[:, i], sample),
    "unit": lambda: num_equal(lambda A, U, s, V: V[:, i] @ V[:, i], lambda A, U, s, V: 1.0, sample),
    "u_def_ij": lambda: num_equal(lambda A, U, s, V: u(A, s, V, i) @ u(A, s, V, j), lambda A, U, s, V: (A @ V[:, i]) / s[i] @ (A @ V[:, j]) / s[j], sample),
    "transpose": lambda: num_equal(lambda A, U, s, V: (A @ V[:, i]) / s[i] @ (A @ V[:, j]) / s[j], lambda A, U, s, V: V[:, i] @ A.T @ A @ V[:, j] / (s[i] * s[j]), sample),
    "eigen_ij": lambda: num_equal(lambda A, U, s, V: V[:, i] @ A.T @ A @ V[:, j] / (s[i] * s[j]), lambda A, U, s, V: V[:, i] @ (s[j] ** 2 * V[:, j]) / (s[i] * s[j]), sample),
    "scalar_out": lambda: num_equal(lambda A, U, s, V: V[:, i] @ (s[j] ** 2 * V[:, j]) / (s[i] * s[j]), lambda A, U, s, V: s[j] ** 2 / (s[i] * s[j]) * (V[:, i] @ V[:, j]), sample),
    "orthogonal": lambda: num_equal(lambda A, U, s, V: s[j] ** 2 / (s[i] * s[j]) * (V[:, i] @ V[:, j]), lambda A, U, s, V: 0.0, sample),
}
