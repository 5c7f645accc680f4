"""Checks for gradient-descent-sgd-convergence-d2l: a logistic loss with ||x|| <= 1 (so L = 1), a
numerical counterexample for the averaging step, and brute-force counts of draws with replacement."""
import math
from itertools import product

import numpy as np
from checklib import Result, num_equal


def loss(x, w):
    return np.log1p(np.exp(x @ w))


def grad(x, w):
    return x / (1 + np.exp(-(x @ w)))


def sample(r, d=3):
    x = r.normal(size=d)
    x /= max(1.0, np.linalg.norm(x))
    return {"x": x, "w": r.normal(size=d), "ws": r.normal(size=d), "eta": float(r.uniform(0.01, 1))}


def holds_everywhere(cond, what):
    r = np.random.default_rng(9)
    ok = all(cond(**sample(r)) for _ in range(50))
    return Result(bool(ok), f"sampled: {what} at 50 random points")


def risk_of_average():
    ws, eta = [0.5, 0.4], [1.0, 1.0]  # R(w) = w^2, deterministic iterates
    lhs = sum(e * w**2 for e, w in zip(eta, ws))
    wbar = sum(e * w for e, w in zip(eta, ws)) / sum(eta)
    rhs = sum(eta) * wbar
    return Result(lhs >= rhs, f"exact: with R(w) = w^2, w = (0.5, 0.4), eta = 1: left {lhs:.2f}, right {rhs:.2f}")


def brute(N):
    seqs = list(product(range(N), repeat=N))
    at_least = sum(0 in s for s in seqs) / len(seqs)
    omitted = sum(0 not in s for s in seqs) / len(seqs)
    return at_least, omitted


def close(a, b, what, tol=1e-12):
    return Result(abs(a - b) <= tol, f"exact: {what}: {a:.6f} vs {b:.6f}")


N = 5
at_least, omitted = brute(N)
CHECKS = {
    "update": lambda: num_equal(lambda x, w, ws, eta: np.sum((w - eta * grad(x, w) - ws) ** 2),
                                lambda x, w, ws, eta: np.sum((w - eta * grad(x, w) - ws) ** 2), sample),
    "expand_norm": lambda: num_equal(lambda x, w, ws, eta: np.sum((w - eta * grad(x, w) - ws) ** 2),
                                     lambda x, w, ws, eta: np.sum((w - ws) ** 2) + eta**2 * np.sum(grad(x, w) ** 2) - 2 * eta * (w - ws) @ grad(x, w), sample),
    "lipschitz": lambda: holds_everywhere(lambda x, w, ws, eta: eta**2 * np.sum(grad(x, w) ** 2) <= eta**2 * 1.0, "the gradient bound with L = 1"),
    "convexity": lambda: holds_everywhere(lambda x, w, ws, eta: loss(x, ws) >= loss(x, w) + (ws - w) @ grad(x, w) - 1e-12, "the convexity inequality"),
    "risk_of_average": risk_of_average,
    "complement": lambda: close(at_least, 1 - omitted, "P(choose) and 1 - P(omit), both counted over the 5^5 draw sequences"),
    "omit": lambda: close(omitted, (1 - 1 / N) ** N, "P(omit) by enumeration vs (1 - 1/N)^N, N = 5"),
    "limit": lambda: close(1 - (1 - 1e-6) ** 1e6, 1 - math.exp(-1), "N = 10^6", tol=1e-6),
    "value": lambda: close(1 - math.exp(-1), 0.63, "1 - 1/e to two digits", tol=5e-3),
    "exponent_slip": lambda: close(math.comb(N, 1) / N * (1 - 1 / N) ** (N - 1), (N - 1) / N * (1 - 1 / N) ** N, "both sides at N = 5"),
    "limit_once": lambda: close((1e6 - 1) / 1e6 * (1 - 1e-6) ** 1e6, math.exp(-1), "N = 10^6", tol=1e-5),
    "value_once": lambda: close(math.exp(-1), 0.37, "1/e to two digits", tol=5e-3),
}
