"""numeric/ twins of catalogue III (A): logistic regression, GLS/WLS, PCA, checked by hand
(finite differences, optimality conditions), independent of derive."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from tests.strategies import seeds


@given(seeds, st.integers(1, 4))
def test_logistic_gradient_and_hessian_are_derivatives_of_the_nll(seed, d):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((15, d))
    y = (rng.random(15) < 0.5).astype(float)
    w = rng.standard_normal(d)
    h = 1e-6
    eye = np.eye(d)
    fd = np.array([(numeric.logistic_nll(X, y, w + h * e) - numeric.logistic_nll(X, y, w - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(numeric.logistic_gradient(X, y, w), fd, rtol=1e-5, atol=1e-6)
    fdh = np.array([(numeric.logistic_gradient(X, y, w + h * e) - numeric.logistic_gradient(X, y, w - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(numeric.logistic_hessian(X, w), fdh, rtol=1e-5, atol=1e-6)


def test_logistic_fit_is_stationary():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 3))
    y = (rng.random(80) < 1 / (1 + np.exp(-X @ [1.0, -0.5, 0.2]))).astype(float)
    w = numeric.logistic_fit(X, y)
    assert np.abs(numeric.logistic_gradient(X, y, w)).max() < 1e-8


@pytest.mark.parametrize("X, y, error", [
    (np.array([[1.0], [2.0], [-1.0]]), np.array([1.0, 1.0, 0.0]), numeric.SeparationError),
    (np.ones((3, 1)), np.array([0.0, 2.0, 1.0]), numeric.SupportError),
    (np.array([[1.0, 2.0], [2.0, 4.0], [1.0, 2.0]]), np.array([0.0, 1.0, 1.0]), numeric.RankDeficientError),
], ids=["separable", "labels", "collinear"])
def test_logistic_fit_refuses_bad_problems(X, y, error):
    with pytest.raises(error):
        numeric.logistic_fit(X, y)


@given(seeds)
def test_gls_satisfies_the_weighted_normal_equations(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
    B = rng.standard_normal((12, 12))
    W = B @ B.T + np.eye(12)
    w = numeric.gls(X, y, W)
    np.testing.assert_allclose(X.T @ W @ X @ w, X.T @ W @ y, rtol=1e-8, atol=1e-8 * np.abs(X.T @ W @ y).max())


def test_gls_refuses_a_weight_that_is_not_positive_definite():
    X, y = np.ones((3, 1)), np.ones(3)
    with pytest.raises(numeric.NumericInputError, match="positive definite"):
        numeric.gls(X, y, -np.eye(3))
    with pytest.raises(numeric.NumericInputError, match="symmetric"):
        numeric.gls(X, y, np.triu(np.ones((3, 3))))
    with pytest.raises(numeric.NumericInputError, match="positive"):
        numeric.wls(X, y, np.array([1.0, 0.0, 1.0]))


@given(seeds)
def test_pca_svd_directions_are_eigenvectors_of_the_covariance(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 4)) * [3, 2, 1, 0.5]
    comps, var = numeric.pca_svd(X)
    S = np.cov(X, rowvar=False)
    for c, v in zip(comps, var):
        np.testing.assert_allclose(S @ c, v * c, atol=1e-10 * var[0])
    assert np.all(np.diff(var) <= 0)
