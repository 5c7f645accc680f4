"""Checks for conjugate-normal-normal-fonnesbeck-notebook: mu varies; X, mu_0, tau_0, tau fixed."""
import numpy as np
from scipy.stats import norm
from checklib import num_equal, proportional

X, mu0, tau0, tau = 1.6, 1.0, 1.0, 10.0
mus = np.linspace(-1, 3, 7)
k0 = lambda m: -tau0 / 2 * (m - mu0) ** 2  # noqa: E731  (log kernels)
k1 = lambda m: -tau / 2 * (X - m) ** 2  # noqa: E731
prior = lambda m: norm.logpdf(m, mu0, 1 / np.sqrt(tau0))  # noqa: E731
lik = lambda m: norm.logpdf(X, m, 1 / np.sqrt(tau))  # noqa: E731
evidence = norm.logpdf(X, mu0, np.sqrt(1 / tau0 + 1 / tau))

CHECKS = {
    "drop_constant": lambda: proportional(lambda m: np.log(np.sqrt(tau0 / (2 * np.pi))) + k0(m), k0, mus, "mu"),
    "likelihood_kernel": lambda: proportional(lik, k1, mus, "mu"),
    "bayes": lambda: proportional(lambda m: lik(m) + prior(m) - evidence, lambda m: lik(m) + prior(m), mus, "mu"),
    "kernels": lambda: proportional(lambda m: lik(m) + prior(m), lambda m: k1(m) + k0(m), mus, "mu"),
    "merge_exp": lambda: num_equal(lambda m: np.exp(k1(m)) * np.exp(k0(m)), lambda m: np.exp(k1(m) + k0(m)), lambda r: {"m": float(r.normal())}),
}
