"""Checks for kl-gaussians-polonsky-notebook by numerical integration (scipy.integrate.quad) at
random parameters; sigma is the standard deviation, as the notebook's densities use it."""
import numpy as np
from scipy.integrate import quad
from scipy.stats import norm
from checklib import num_equal


def sample(r):
    return {"m1": float(r.normal()), "s1": float(r.uniform(0.5, 2)), "m2": float(r.normal()), "s2": float(r.uniform(0.5, 2))}


def pdf(x, m, s):
    return np.exp(-(x - m) ** 2 / (2 * s**2)) / np.sqrt(2 * np.pi * s**2)


def logpdf(x, m, s):
    return -(x - m) ** 2 / (2 * s**2) - 0.5 * np.log(2 * np.pi * s**2)


def integral(g):
    return quad(g, -30, 30, limit=200)[0]


def cross(m1, s1, m2, s2):
    return integral(lambda x: pdf(x, m1, s1) * logpdf(x, m2, s2))


def R2(m1, s1, m2, s2):
    return integral(lambda x: pdf(x, m1, s1) * (np.log(1 / np.sqrt(2 * np.pi * s2**2)) - (x - m2) ** 2 / (2 * s2**2)))


def R3(m1, s1, m2, s2):
    return (-0.5 * np.log(2 * np.pi * s2**2) * integral(lambda x: pdf(x, m1, s1))
            - integral(lambda x: pdf(x, m1, s1) * (x - m2) ** 2) / (2 * s2**2))


def R4(m1, s1, m2, s2):
    return -0.5 * np.log(2 * np.pi * s2**2) - integral(lambda x: pdf(x, m1, s1) * (x**2 - 2 * m2 * x + m2**2)) / (2 * s2**2)


def H1(m1, s1, m2, s2):
    return -0.5 * np.log(2 * np.pi * s2**2) - (s1**2 + m1**2 - 2 * m1 * m2 + m2**2) / (2 * s2**2)


def H2(m1, s1, m2, s2):
    return -0.5 * np.log(2 * np.pi * s2**2) - (s1**2 + (m1 - m2) ** 2) / (2 * s2**2)


def kl(m1, s1, m2, s2):
    return integral(lambda x: pdf(x, m1, s1) * (logpdf(x, m1, s1) - logpdf(x, m2, s2)))


T = dict(trials=4, rtol=1e-9)
CHECKS = {
    "subst_q": lambda: num_equal(lambda m1, s1, m2, s2: integral(lambda x: norm.pdf(x, m1, s1) * norm.logpdf(x, m2, s2)), cross, sample, **T),
    "log_split": lambda: num_equal(cross, R2, sample, **T),
    "linearity": lambda: num_equal(R2, R3, sample, **T),
    "unit_mass": lambda: num_equal(R3, R4, sample, **T),
    "second_moment": lambda: num_equal(lambda m1, s1, m2, s2: integral(lambda x: pdf(x, m1, s1) * x**2), lambda m1, s1, m2, s2: s1**2 + m1**2, sample, **T),
    "plug_moments": lambda: num_equal(cross, H1, sample, **T),
    "complete_square": lambda: num_equal(H1, H2, sample, **T),
    "kl_closed_form": lambda: num_equal(kl, lambda m1, s1, m2, s2: np.log(s2 / s1) - 0.5 + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2), sample, **T),
}
