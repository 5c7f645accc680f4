"""Checks for conjugate-normal-normal-mathse-imathworks: theta varies, Y = 0.8 and tau = 1.5 fixed."""
import numpy as np
from scipy.stats import norm
from checklib import num_equal, proportional

Y, tau = 0.8, 1.5
thetas = np.linspace(-2, 2, 7)


def log_post(t):  # log of p_theta(Y) pi(theta), normalised densities
    return norm.logpdf(Y, t, 1) + norm.logpdf(t, 0, tau)


b1 = lambda t: t / tau**2 + (Y - t) ** 2 / 2  # noqa: E731
b2 = lambda t: (2 * t**2 + tau**2 * (Y - 2 * t * Y + t**2)) / tau**2  # noqa: E731
b3 = lambda t: t**2 / tau**2 - t / Y + t**2 / 2  # noqa: E731
a2 = lambda t: -(Y - t) ** 2 / 2 - t**2 / (2 * tau**2)  # noqa: E731
a3 = lambda t: -(tau**2 * (Y - t) ** 2 + t**2) / (2 * tau**2)  # noqa: E731
pt = lambda r: {"t": float(r.normal())}  # noqa: E731

CHECKS = {
    "bayes": lambda: proportional(lambda t: log_post(t) - norm.logpdf(Y, 0, np.sqrt(1 + tau**2)), log_post, thetas, "theta"),
    "lost_signs": lambda: num_equal(lambda t: np.exp(log_post(t)), lambda t: np.exp(b1(t)), pt),
    "bad_expansion": lambda: num_equal(lambda t: b1(t), lambda t: b2(t), pt),
    "bad_proportional": lambda: proportional(b2, b3, thetas, "theta"),
    "bayes_answer": lambda: proportional(lambda t: log_post(t) - norm.logpdf(Y, 0, np.sqrt(1 + tau**2)), log_post, thetas, "theta"),
    "kernels": lambda: proportional(log_post, a2, thetas, "theta"),
    "combine": lambda: num_equal(lambda t: a2(t), lambda t: a3(t), pt),
}
