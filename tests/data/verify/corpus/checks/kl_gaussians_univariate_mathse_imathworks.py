"""Checks for kl-gaussians-univariate-mathse-imathworks by numerical integration at random parameters."""
import numpy as np
from scipy.integrate import quad
from scipy.stats import norm
from checklib import num_equal

I = lambda g: quad(g, -40, 40, limit=200)[0]  # noqa: E731


def sample(r):
    return {"mp": float(r.normal()), "sp": float(r.uniform(0.5, 2)), "mq": float(r.normal()), "sq": float(r.uniform(0.5, 2))}


p = lambda x, m, s: norm.pdf(x, m, s)  # noqa: E731
r1 = lambda mp, sp, mq, sq: I(lambda x: p(x, mp, sp) * (norm.logpdf(x, mp, sp) - norm.logpdf(x, mq, sq)))  # noqa: E731
r2 = lambda mp, sp, mq, sq: I(lambda x: p(x, mp, sp) * (np.log(1 / np.sqrt(2 * np.pi * sp**2)) - (x - mp) ** 2 / (2 * sp**2)  # noqa: E731
                                                         - np.log(1 / np.sqrt(2 * np.pi * sq**2)) + (x - mq) ** 2 / (2 * sq**2)))
r3 = lambda mp, sp, mq, sq: (0.5 * I(lambda x: np.log(sq**2 / sp**2) * p(x, mp, sp)) - I(lambda x: (x - mp) ** 2 * p(x, mp, sp)) / (2 * sp**2)  # noqa: E731
                             + I(lambda x: (x - mq) ** 2 * p(x, mp, sp)) / (2 * sq**2))
r4 = lambda mp, sp, mq, sq: 0.5 * (np.log(sq**2 / sp**2) - 1 + I(lambda x: (x - mp + mp - mq) ** 2 * p(x, mp, sp)) / sq**2)  # noqa: E731
r5 = lambda mp, sp, mq, sq: 0.5 * (np.log(sq**2 / sp**2) - 1 + I(lambda x: ((x - mp) ** 2 + 2 * (x - mp) * (mp - mq) + (mp - mq) ** 2) * p(x, mp, sp)) / sq**2)  # noqa: E731
r6 = lambda mp, sp, mq, sq: 0.5 * (np.log(sq**2 / sp**2) - 1 + (sp**2 + (mp - mq) ** 2) / sq**2)  # noqa: E731
T = dict(trials=2, rtol=1e-8)

CHECKS = {
    "densities": lambda: num_equal(r1, r2, sample, **T),
    "log_ratio": lambda: num_equal(r2, r3, sample, **T),
    "second_moment_p": lambda: num_equal(r3, r4, sample, **T),
    "expand": lambda: num_equal(r4, r5, sample, **T),
    "moments": lambda: num_equal(r5, r6, sample, **T),
}
