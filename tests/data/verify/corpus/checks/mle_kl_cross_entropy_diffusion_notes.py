"""Checks for mle-kl-cross-entropy-diffusion-notes with p_data = N(0, 1), p_phi = N(0.7, 1.5^2) (quad)."""
import numpy as np
from scipy.integrate import quad
from scipy.stats import norm
from checklib import Result

pd = lambda x: norm.pdf(x, 0, 1)  # noqa: E731
lpd = lambda x: norm.logpdf(x, 0, 1)  # noqa: E731
lpf = lambda x: norm.logpdf(x, 0.7, 1.5)  # noqa: E731
E = lambda g: quad(lambda x: pd(x) * g(x), -30, 30)[0]  # noqa: E731
D = quad(lambda x: pd(x) * np.log(pd(x) / norm.pdf(x, 0.7, 1.5)), -20, 20)[0]
H = -E(lpd)


def close(a, b, what):
    return Result(bool(np.isclose(a, b, rtol=1e-9)), f"numerical integration: {what}: {a:.8f} vs {b:.8f}")


CHECKS = {
    "as_expectation": lambda: close(D, E(lambda x: lpd(x) - lpf(x)), "integral vs expectation of the log difference"),
    "linearity": lambda: close(E(lambda x: lpd(x) - lpf(x)), E(lpd) - E(lpf), "linearity"),
    "entropy": lambda: close(E(lpd) - E(lpf), -E(lpf) - H, "with the entropy"),
}
