"""Solvers of the expectation, Fisher, KL and conjugacy results against numeric/, scipy and sklearn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

import numeric
from derive import catalog
from derive.codegen import NoNumericMeaning
from tests.strategies import (
    bernoulli_samples,
    poisson_samples,
    positive_scales,
    regression_problems,
    seeds,
)

means = st.floats(-20, 20, allow_nan=False)
scales = st.floats(0.05, 20, allow_nan=False)
probs = st.floats(1e-3, 1 - 1e-3, allow_nan=False)


def solver(name):
    return catalog.get(name).solver()


@given(means, scales, means, scales)
def test_kl_gaussian(m1, s1, m2, s2):
    got = solver("kl-gaussian")(mu_1=m1, mu_2=m2, sigma_1=s1, sigma_2=s2)
    assert got == pytest.approx(numeric.kl_gaussian(m1, s1, m2, s2), rel=1e-10, abs=1e-12)
    assert got >= -1e-12


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 2), (0.5, 0.3, -1, 1.5), (2, 3, 2, 3)])
def test_kl_gaussian_against_quadrature(m1, s1, m2, s2):
    p, q = stats.norm(m1, s1), stats.norm(m2, s2)
    ref, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), m1 - 12 * s1, m1 + 12 * s1)
    assert solver("kl-gaussian")(m1, m2, s1, s2) == pytest.approx(ref, abs=1e-8)


@given(means, scales)
def test_kl_vae(m, s):
    assert solver("kl-vae")(mu_1=m, sigma_1=s) == pytest.approx(
        numeric.kl_standard_normal(m, s), rel=1e-10, abs=1e-12)
    assert solver("kl-vae")(mu_1=m, sigma_1=s) == pytest.approx(
        solver("kl-gaussian")(m, 0.0, s, 1.0), rel=1e-10, abs=1e-12)


@given(probs, probs)
def test_kl_bernoulli_against_scipy_entropy(p, q):
    got = solver("kl-bernoulli")(p=p, q=q)
    assert got == pytest.approx(stats.entropy([p, 1 - p], [q, 1 - q]), rel=1e-9, abs=1e-12)
    assert got == pytest.approx(numeric.kl_bernoulli(p, q), rel=1e-9, abs=1e-12)
    assert got >= -1e-15  # kl-bernoulli-nonnegative


def _spd(rng, k, cond):
    Q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    return Q @ np.diag(np.geomspace(1.0, cond, k)) @ Q.T


@given(seeds, st.integers(1, 5), st.sampled_from([1.0, 10.0, 1e6]))
def test_kl_mvn(seed, k, cond):
    rng = np.random.default_rng(seed)
    m1, m2 = rng.standard_normal(k), rng.standard_normal(k)
    S1, S2 = _spd(rng, k, cond), _spd(rng, k, 3.0)
    got = solver("kl-mvn")(m1, S1, m2, S2)
    assert got == pytest.approx(numeric.kl_mvn(m1, S1, m2, S2), rel=1e-8, abs=1e-9)
    assert solver("kl-mvn")(m1, S1, m1, S1) == pytest.approx(0.0, abs=1e-7 * cond)


def test_kl_mvn_at_k_1_is_the_univariate_kl():
    got = solver("kl-mvn")([0.3], [[2.25]], [-1.0], [[0.49]])
    assert got == pytest.approx(solver("kl-gaussian")(0.3, -1.0, 1.5, 0.7), rel=1e-12)


def test_kl_mvn_against_monte_carlo():
    rng = np.random.default_rng(0)
    m1, m2 = np.array([0.5, -1.0]), np.array([0.0, 0.3])
    S1, S2 = np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[2.0, -0.4], [-0.4, 1.0]])
    z = rng.multivariate_normal(m1, S1, size=400_000)
    mc = np.mean(stats.multivariate_normal(m1, S1).logpdf(z) - stats.multivariate_normal(m2, S2).logpdf(z))
    assert solver("kl-mvn")(m1, S1, m2, S2) == pytest.approx(mc, abs=5e-3)


@pytest.mark.parametrize("name, law, score, value", [
    ("fisher-bernoulli", stats.bernoulli(0.3), lambda x: x / 0.3 - (1 - x) / 0.7, {"p": 0.3}),
    ("fisher-poisson", stats.poisson(2.5), lambda x: x / 2.5 - 1, {"lam": 2.5}),
    ("fisher-exponential", stats.expon(scale=1 / 1.7), lambda x: 1 / 1.7 - x, {"lam": 1.7}),
    ("fisher-gaussian-mean", stats.norm(0.4, 1.3), lambda x: (x - 0.4) / 1.69, {"sigma_sq": 1.69}),
    ("fisher-gaussian-variance", stats.norm(0.4, 1.3),
     lambda x: -1 / (2 * 1.69) + (x - 0.4) ** 2 / (2 * 1.69**2), {"sigma_sq": 1.69}),
])
def test_fisher_information_against_scipy_expectations(name, law, score, value):
    assert solver(name)(**value) == pytest.approx(law.expect(lambda x: score(x) ** 2), rel=1e-7)


@given(bernoulli_samples(), positive_scales(0.1, 10), positive_scales(0.1, 10))
def test_beta_bernoulli(x, a, b):
    a_n, b_n = solver("beta-bernoulli-posterior")(x=x, a=a, b=b)
    ref = numeric.beta_bernoulli(x, a, b)
    assert (a_n, b_n) == pytest.approx(ref, rel=1e-12)
    mean = solver("beta-posterior-mean")(a_N=a_n, b_N=b_n)
    assert mean == pytest.approx(stats.beta(a_n, b_n).mean(), rel=1e-12)
    if a_n > 1 and b_n > 1:
        mode = solver("beta-posterior-mode")(a_N=a_n, b_N=b_n)
        grid = np.linspace(1e-6, 1 - 1e-6, 20001)
        assert abs(mode - grid[np.argmax(stats.beta(a_n, b_n).logpdf(grid))]) < 1e-3


@given(poisson_samples(), positive_scales(0.1, 10), positive_scales(0.1, 10))
def test_gamma_poisson(x, alpha, beta):
    shape, rate = solver("gamma-poisson-posterior")(x=x, alpha=alpha, beta=beta)
    assert (shape, rate) == pytest.approx(numeric.gamma_poisson(x, alpha, beta), rel=1e-12)


@given(st.lists(means, min_size=1, max_size=20), means, scales, scales)
def test_normal_normal(x, mu0, tau0, sigma):
    x = np.array(x)
    mean, precision = solver("normal-normal-posterior")(x=x, mu_0=mu0, sigma=sigma, tau_0=tau0)
    ref_mean, ref_var = numeric.normal_known_variance(x, mu0, tau0, sigma)
    assert mean == pytest.approx(ref_mean, rel=1e-9, abs=1e-9)
    assert 1 / precision == pytest.approx(ref_var, rel=1e-9)


@given(regression_problems(), positive_scales(0.1, 10), positive_scales(0.1, 10))
def test_bayesian_linear_regression_is_ridge(problem, sigma, tau):
    from sklearn.linear_model import Ridge

    X, y = problem
    mean = solver("bayesian-linear-regression")(X, y, sigma, tau)
    ref_mean, _ = numeric.bayesian_linear_regression(X, y, sigma, tau)
    scale = 1e-8 * (1 + np.abs(ref_mean).max())
    assert np.allclose(mean, ref_mean, rtol=1e-7, atol=scale)
    ridge = Ridge(alpha=sigma**2 / tau**2, fit_intercept=False, solver="cholesky", tol=1e-12).fit(X, y)
    assert np.allclose(mean, ridge.coef_, rtol=1e-6, atol=scale)


def test_bayesian_linear_regression_badly_conditioned():
    rng = np.random.default_rng(1)
    U, _ = np.linalg.qr(rng.standard_normal((40, 3)))
    X = U @ np.diag([1.0, 1e-3, 1e-6])
    y = rng.standard_normal(40)
    mean = solver("bayesian-linear-regression")(X, y, 0.5, 2.0)
    ref, _ = numeric.bayesian_linear_regression(X, y, 0.5, 2.0)
    assert np.allclose(mean, ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name, kwargs, match", [
    ("kl-gaussian", dict(mu_1=0, mu_2=0, sigma_1=-1.0, sigma_2=1.0), "sigma_1 must be positive"),
    ("kl-bernoulli", dict(p=1.0, q=0.5), "strictly between 0 and 1"),
    ("kl-bernoulli", dict(p=float("nan"), q=0.5), "finite"),
    ("beta-bernoulli-posterior", dict(x=np.array([0, 2]), a=1.0, b=1.0), "0/1 outcomes"),
    ("gamma-poisson-posterior", dict(x=np.array([1.5]), alpha=1.0, beta=1.0), "integer counts"),
    ("bayesian-linear-regression", dict(X=np.ones(3), y=np.ones(3), sigma=1.0, tau=1.0), "2-D array"),
    ("fisher-poisson", dict(lam=0.0), "positive"),
], ids=lambda v: v if isinstance(v, str) and "-" in v else None)
def test_bad_input_is_refused_with_a_clear_error(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        solver(name)(**kwargs)


def test_kl_mvn_refuses_a_covariance_that_is_not_positive_definite():
    with pytest.raises(ValueError, match="positive definite"):
        solver("kl-mvn")([0, 0], [[1, 2], [2, 1]], [0, 0], np.eye(2))
    with pytest.raises(ValueError, match="2 x 2"):
        solver("kl-mvn")([0, 0], np.eye(3), [0, 0], np.eye(2))


@pytest.mark.parametrize("name", ["sample-mean-unbiased", "bias-variance-decomposition",
                                  "kl-bernoulli-nonnegative"])
def test_statements_have_no_solver(name):
    with pytest.raises(NoNumericMeaning, match="no numeric solver"):
        catalog.get(name).solver()


def test_variance_results_as_numbers():
    assert solver("mle-variance-biased")(n=4, sigma=2.0) == pytest.approx(3.0)
    assert solver("sample-mean-variance")(n=4, sigma=2.0) == pytest.approx(1.0)
    assert solver("cramer-rao-sample-mean")(n=4, sigma_sq=4.0) == pytest.approx(1.0)
