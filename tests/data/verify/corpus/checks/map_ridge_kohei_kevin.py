"""Checks for map-ridge-kohei-kevin: exact second moments under w ~ N(0, lambda I), random Phi."""
import numpy as np
from checklib import Result, num_equal, same_minimiser

H, n = 3, 5


def sample(r):
    return {"Phi": r.normal(size=(n, H)), "lam": float(r.uniform(0.2, 0.9))}


def Eww(lam):  # E[w w^T]
    return lam * np.eye(H)


def pull_out():
    r = np.random.default_rng(0)
    Phi, lam = r.normal(size=(n, H)), 0.5
    left = np.trace(Phi.T @ Phi @ Eww(lam))  # E[w^T Phi^T Phi w], a scalar
    right = Phi.T * np.trace(Eww(lam)) @ Phi  # Phi^T E[w^T w] Phi, an H x H matrix
    return Result(np.shape(left) == np.shape(right), f"exact moments: the left side is a scalar ({left:.3f}), the right an {right.shape} matrix")


def posterior(t, Phi, y, lam):
    return -0.5 * np.sum((y - Phi @ t) ** 2) - t @ t / (2 * lam)


def map_solution():
    def data(r):
        return {"Phi": r.normal(size=(n, H)), "y": r.normal(size=n), "lam": float(r.uniform(0.2, 2))}
    # compare the numerical maximiser with the closed form by optimising a function minimised exactly there
    return same_minimiser(lambda t, Phi, y, lam: posterior(t, Phi, y, lam),
                          lambda t, Phi, y, lam: -np.sum((t - np.linalg.solve(Phi.T @ Phi + np.eye(H) / lam, Phi.T @ y)) ** 2),
                          data, lambda r: r.normal(size=H), maximise=(True, True))


def gauss_logpdf(w, lam):
    return -0.5 * H * np.log(2 * np.pi * lam) - w @ w / (2 * lam)


def bayes():
    """log p(w|y) - log p(y|w) p(w) is the same at every w (the conjugate Gaussian posterior)."""
    r = np.random.default_rng(3)
    Phi, y, lam = r.normal(size=(n, H)), r.normal(size=n), 0.7
    S = np.linalg.inv(Phi.T @ Phi + np.eye(H) / lam)
    m = S @ Phi.T @ y
    def log_post(w):
        return -0.5 * (w - m) @ np.linalg.solve(S, w - m) - 0.5 * np.log(np.linalg.det(2 * np.pi * S))
    def log_joint(w):
        return -0.5 * np.sum((y - Phi @ w) ** 2) - 0.5 * n * np.log(2 * np.pi) + gauss_logpdf(w, lam)
    gaps = [log_post(w) - log_joint(w) for w in r.normal(size=(6, H))]
    return Result(bool(np.ptp(gaps) < 1e-9), f"sampled: log posterior - log(likelihood x prior) is constant in w (spread {np.ptp(gaps):.1e})")


CHECKS = {
    "substitute_y": lambda: num_equal(lambda Phi, lam: np.trace(Phi @ Eww(lam) @ Phi.T), lambda Phi, lam: np.trace(Phi.T @ Phi @ Eww(lam)), sample),
    "pull_out": pull_out,
    "second_moment": lambda: num_equal(lambda Phi, lam: Phi.T @ Phi * np.trace(Eww(lam)), lambda Phi, lam: lam**2 * Phi.T @ Phi, sample),
    "bayes": bayes,
    "prior_density": lambda: num_equal(lambda w, lam: gauss_logpdf(w, lam) - gauss_logpdf(np.zeros(H), lam),
                                       lambda w, lam: -w @ w / (2 * lam), lambda r: {"w": r.normal(size=H), "lam": float(r.uniform(0.2, 3))}),
    "map_solution": map_solution,
}
