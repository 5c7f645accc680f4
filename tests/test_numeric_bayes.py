"""numeric's KL divergences and conjugate posteriors: edge cases and input checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import numeric


def test_kl_bernoulli_handles_a_certain_outcome():
    assert numeric.kl_bernoulli(0.0, 0.25) == pytest.approx(-np.log(0.75))
    assert numeric.kl_bernoulli(1.0, 0.25) == pytest.approx(-np.log(0.25))
    assert numeric.kl_bernoulli(0.3, 0.3) == 0.0


def test_kl_mvn_is_zero_for_equal_laws_and_matches_the_univariate_case():
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert numeric.kl_mvn([1, 2], S, [1, 2], S) == pytest.approx(0.0, abs=1e-14)
    assert numeric.kl_mvn([0.3], [[2.25]], [-1.0], [[0.49]]) == pytest.approx(
        numeric.kl_gaussian(0.3, 1.5, -1.0, 0.7), rel=1e-12)


def test_kl_standard_normal_sums_over_coordinates():
    mu, sigma = np.array([0.5, -1.0]), np.array([0.8, 1.2])
    each = [numeric.kl_gaussian(m, s, 0.0, 1.0) for m, s in zip(mu, sigma)]
    assert numeric.kl_standard_normal(mu, sigma) == pytest.approx(sum(each))


def test_posteriors_against_scipy():
    x = np.array([1, 0, 1, 1, 0, 1])
    a_n, b_n = numeric.beta_bernoulli(x, 2.0, 3.0)
    assert (a_n, b_n) == (6.0, 5.0)
    # the posterior density is proportional to prior times likelihood
    grid = np.linspace(0.05, 0.95, 7)
    unnorm = stats.beta(2, 3).pdf(grid) * grid**4 * (1 - grid) ** 2
    ratio = stats.beta(a_n, b_n).pdf(grid) / unnorm
    assert np.allclose(ratio, ratio[0])
    shape, rate = numeric.gamma_poisson(np.array([3, 0, 2]), 1.5, 2.0)
    assert (shape, rate) == (6.5, 5.0)
    mean, var = numeric.normal_known_variance(np.array([1.0, 2.0, 3.0]), 0.0, 1.0, 1.0)
    assert (mean, var) == pytest.approx((1.5, 0.25))


@pytest.mark.parametrize("call, error", [
    (lambda: numeric.kl_gaussian(0, -1, 0, 1), numeric.ParameterError),
    (lambda: numeric.kl_bernoulli(0.5, 1.0), numeric.ParameterError),
    (lambda: numeric.kl_mvn([0, 0], [[1, 2], [2, 1]], [0, 0], np.eye(2)), numeric.ParameterError),
    (lambda: numeric.kl_mvn([0, 0], np.eye(3), [0, 0], np.eye(2)), numeric.ShapeError),
    (lambda: numeric.beta_bernoulli([0, 2], 1, 1), numeric.SupportError),
    (lambda: numeric.gamma_poisson([-1], 1, 1), numeric.SupportError),
    (lambda: numeric.bayesian_linear_regression(np.ones((3, 2)), np.ones(4), 1, 1), numeric.ShapeError),
    (lambda: numeric.normal_known_variance([1.0], 0, 0, 1), numeric.ParameterError),
], ids=["sigma<0", "q=1", "not-pd", "shapes", "not-binary", "negative-count", "lengths", "tau0=0"])
def test_bad_input(call, error):
    with pytest.raises(error):
        call()
