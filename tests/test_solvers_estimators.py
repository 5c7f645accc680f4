"""Generated estimators and losses against `numeric` and outside references (scipy.stats)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import numeric
from derive import catalog
from tests.strategies import (
    bernoulli_samples,
    exponential_samples,
    gaussian_samples,
    laplace_samples,
    mvn_samples,
    poisson_samples,
    positive_scales,
)


def derivation(name):
    try:
        return catalog.get(name)
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"{name} is not in the catalogue yet ({exc})")


def call(solver, *args, **kwargs):
    return solver(*args, **kwargs)


def rel(a, b, scale=1.0):
    return abs(float(a) - float(b)) / max(abs(float(b)), scale)


@given(gaussian_samples(min_size=2))
def test_gaussian_mean_and_variance(x):
    mean = derivation("gaussian-mle-mean").solver()
    var = derivation("gaussian-mle-variance")
    ref = numeric.gaussian_mle(x)
    m = mean(x)
    assert rel(m, ref.mean, 1.0) <= 1e-12 * (1 + np.abs(x).max())
    # the variance formula with the mean given, and with the mean's MLE plugged in (joint MLE)
    v_given = var.solver()(x, mu=ref.mean)
    v_joint = var.solver(mu="mle")(x)
    scale = 1e-12 * (1 + np.abs(x).max()) ** 2
    assert abs(v_given - ref.variance) <= scale
    assert abs(v_joint - ref.variance) <= scale
    if np.ptp(x) > 0:
        loc, sd = stats.norm.fit(x)
        assert abs(v_joint - sd**2) <= 1e-9 * (1 + sd**2)


@given(bernoulli_samples())
def test_bernoulli_mle(x):
    p = derivation("bernoulli-mle").solver()(x)
    assert p == pytest.approx(numeric.bernoulli_mle(x), abs=1e-15)
    assert p == pytest.approx(np.mean(x), abs=1e-15)


@given(poisson_samples())
def test_poisson_mle(x):
    rate = derivation("poisson-mle").solver()(x)
    assert rate == pytest.approx(numeric.poisson_mle(x), rel=1e-14, abs=1e-14)


@given(exponential_samples())
def test_exponential_mle(x):
    rate = derivation("exponential-mle").solver()(x)
    assert rate == pytest.approx(numeric.exponential_mle(x), rel=1e-12)
    _, scale = stats.expon.fit(x, floc=0)
    assert rate == pytest.approx(1 / scale, rel=1e-9)


@given(laplace_samples(min_size=1))
def test_laplace_mle_location_is_the_median_and_scale_the_mean_absolute_deviation(x):
    D = derivation("laplace-mle")
    loc = D.solver(part="location")(x)
    fit = D.solver()(x)  # location and scale: what the estimator is
    assert fit.location == loc
    scale = fit.scale
    ref = numeric.laplace_mle(x)
    # any point between the two middle order statistics minimises sum |x_i - mu|
    obj = lambda m: np.abs(x - m).sum()  # noqa: E731
    assert obj(loc) <= obj(ref.location) * (1 + 1e-12) + 1e-12
    assert loc == pytest.approx(np.median(x), rel=1e-15, abs=1e-300)
    assert scale == pytest.approx(ref.scale, rel=1e-12, abs=1e-12 * (1 + np.abs(x).max()))
    if np.ptp(x) > 0 and x.size % 2 == 1:
        sloc, sscale = stats.laplace.fit(x)
        assert loc == pytest.approx(sloc, rel=1e-12)
        assert scale == pytest.approx(sscale, rel=1e-6)


@given(st.data())
def test_gaussian_and_laplace_nll_reduce_to_mse_and_mae(data):
    n = data.draw(st.integers(1, 20))
    y = data.draw(gaussian_samples(min_size=n, max_size=n, max_abs=100))
    f = data.draw(gaussian_samples(min_size=n, max_size=n, max_abs=100))
    mse = derivation("gaussian-nll-mse").solver()(y=y, f=f)
    assert mse == pytest.approx(numeric.mse(y, f), rel=1e-12, abs=1e-12)
    sigma = data.draw(positive_scales())
    nll = derivation("gaussian-nll-mse").solver(part="nll")(y=y, f=f, sigma=sigma)
    assert nll == pytest.approx(numeric.gaussian_nll(y - f, sigma), rel=1e-12, abs=1e-12)
    if np.max(np.abs(y - f)) / sigma < 30:  # scipy's logpdf under/overflows far in the tails
        expected = -stats.norm.logpdf(y, loc=f, scale=sigma).sum()
        assert nll == pytest.approx(expected, rel=1e-6, abs=1e-9)
    mae = derivation("laplace-nll-mae").solver()(y=y, f=f)
    assert mae == pytest.approx(numeric.mae(y, f), rel=1e-12, abs=1e-12)
    b = data.draw(positive_scales())
    lnll = derivation("laplace-nll-mae").solver(part="nll")(y=y, f=f, b=b)
    assert lnll == pytest.approx(numeric.laplace_nll(y - f, b), rel=1e-12, abs=1e-12)
    if np.max(np.abs(y - f)) / b < 30:  # scipy's logpdf under/overflows far in the tails
        expected = -stats.laplace.logpdf(y, loc=f, scale=b).sum()
        assert lnll == pytest.approx(expected, rel=1e-6, abs=1e-9)


@given(st.data())
def test_binary_cross_entropy_from_logits(data):
    n = data.draw(st.integers(1, 20))
    y = data.draw(bernoulli_samples(min_size=n, max_size=n)).astype(float)
    z = np.array(data.draw(st.lists(st.floats(-800, 800), min_size=n, max_size=n)))
    bce = derivation("bernoulli-nll-bce").solver()(y=y, z=z)
    assert np.isfinite(bce)
    ref = numeric.binary_cross_entropy_with_logits(y, z)
    assert bce == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_binary_cross_entropy_gradient_is_p_minus_y():
    grad = derivation("bernoulli-nll-bce").solver(part="gradient")
    y = np.array([0.0, 1.0, 1.0])
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(grad(y=y, z=z), 1 / (1 + np.exp(-z)) - y, rtol=1e-14)


@given(mvn_samples(min_n=2))
def test_mvn_mean_and_covariance(X):
    # the catalogue's data matrix D is k x N: one sample per column
    D = X.T
    ref = numeric.mvn_mle(X)
    mean = derivation("mvn-mle-mean").solver()(D)
    scale = 1.0 + np.abs(X).max()
    np.testing.assert_allclose(mean, ref.mean, rtol=0, atol=1e-12 * scale)
    cov = derivation("mvn-mle-covariance")
    given_mean = cov.solver()(D, mu=ref.mean)
    joint = cov.solver(mu="mle")(D)
    np.testing.assert_allclose(given_mean, ref.covariance, rtol=0, atol=1e-11 * scale**2)
    np.testing.assert_allclose(joint, ref.covariance, rtol=0, atol=1e-11 * scale**2)
    if X.shape[0] > X.shape[1]:
        np.testing.assert_allclose(joint, np.cov(X, rowvar=False, bias=True), atol=1e-10 * scale**2)


@given(poisson_samples(max_count=1000), st.floats(0.1, 50))
def test_poisson_log_likelihood_matches_scipy_without_overflow(x, rate):
    ll = derivation("poisson-mle").solver(part="log_likelihood")(x=x, lam=rate)
    assert np.isfinite(ll)  # log(k!) is printed as lgamma(k + 1): no overflow at k > 170
    assert ll == pytest.approx(stats.poisson.logpmf(x, rate).sum(), rel=1e-10, abs=1e-10)


@given(gaussian_samples(max_abs=100), st.floats(-10, 10), positive_scales(0.1, 10))
def test_gaussian_log_likelihood_matches_scipy(x, mu, sigma):
    ll = derivation("gaussian-mle-mean").solver(part="log_likelihood")(x=x, mu=mu, sigma=sigma)
    assert ll == pytest.approx(stats.norm.logpdf(x, mu, sigma).sum(), rel=1e-10, abs=1e-8)
