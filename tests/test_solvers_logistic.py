"""Logistic-regression solvers (derived IRLS, gradient, Hessian, NLL) against numeric/ and
scikit-learn, on well and badly conditioned data; separable data and bad input are refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import numeric
from derive import catalog
from derive.codegen.solvers_more import SeparableDataError
from tests.strategies import seeds


def solver(name, **options):
    return catalog.get(name).solver(**options)


@st.composite
def classification(draw, conditioned=True):
    n = draw(st.integers(30, 120), label="n")
    d = draw(st.integers(1, 4), label="d")
    rng = np.random.default_rng(draw(seeds, label="seed"))
    X = rng.standard_normal((n, d))
    if not conditioned:  # columns on different scales, one nearly collinear pair
        X = X * np.logspace(0, draw(st.integers(1, 3), label="decades"), d)
        if d >= 2:
            X[:, 1] = X[:, 0] * (X[:, 1].std() / X[:, 0].std()) + 1e-2 * X[:, 1]
    w_true = rng.standard_normal(d) / (np.abs(X).max(axis=0) + 1e-12)
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    return X, y


def _fit_all(X, y):
    """(derive IRLS, numeric Newton) or the separation errors both must raise together."""
    fit = solver("logistic-irls")
    try:
        ours = fit(X, y)
    except SeparableDataError:
        with pytest.raises(numeric.SeparationError):
            numeric.logistic_fit(X, y)
        return None
    twin = numeric.logistic_fit(X, y)
    return ours, twin


def _sklearn(X, y):
    model = LogisticRegression(C=np.inf, fit_intercept=False, solver="newton-cholesky",
                               tol=1e-14, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y).coef_[0]


@given(classification())
def test_irls_agrees_with_numeric_and_sklearn_on_well_conditioned_data(case):
    X, y = case
    out = _fit_all(X, y)
    if out is None:
        return
    ours, twin = out
    scale = 1 + np.abs(twin).max()
    np.testing.assert_allclose(ours, twin, rtol=1e-7, atol=1e-8 * scale)
    np.testing.assert_allclose(ours, _sklearn(X, y), rtol=1e-5, atol=1e-6 * scale)
    # the fit is a stationary point of the derived gradient
    g = solver("logistic-gradient")(X, y, ours)
    assert np.abs(g).max() <= 1e-7 * (1 + np.abs(X).sum())


@given(classification(conditioned=False))
def test_irls_agrees_with_numeric_on_badly_conditioned_data(case):
    X, y = case
    out = _fit_all(X, y)
    if out is None:
        return
    ours, twin = out
    # compare predictions (well determined) and the loss, not the ill-determined coefficients
    np.testing.assert_allclose(X @ ours, X @ twin, rtol=1e-6, atol=1e-6 * (1 + np.abs(X @ twin).max()))
    nll = solver("logistic-nll")
    assert nll(X, y, ours) <= numeric.logistic_nll(X, y, twin) * (1 + 1e-9) + 1e-9


@given(classification(), seeds)
def test_gradient_hessian_and_nll_match_the_numeric_twins(case, seed):
    X, y = case
    w = np.random.default_rng(seed).standard_normal(X.shape[1])
    np.testing.assert_allclose(solver("logistic-gradient")(X, y, w), numeric.logistic_gradient(X, y, w), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(solver("logistic-hessian")(X, w), numeric.logistic_hessian(X, w), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(solver("logistic-nll")(X, y, w), numeric.logistic_nll(X, y, w), rtol=1e-10)


def test_nll_survives_huge_logits():
    X = np.array([[1.0], [-1.0]])
    y = np.array([0.0, 1.0])
    w = np.array([1000.0])
    assert np.isclose(solver("logistic-nll")(X, y, w), numeric.logistic_nll(X, y, w))


def test_separable_data_is_refused_with_a_clear_error_and_no_loop():
    X = np.array([[1.0, 0.5], [2.0, -1.0], [-1.0, 0.3], [-2.0, 1.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    with pytest.raises(SeparableDataError, match="separable"):
        solver("logistic-irls")(X, y)
    with pytest.raises(numeric.SeparationError):
        numeric.logistic_fit(X, y)


def test_quasi_separable_data_is_refused_too():
    X = np.array([[1.0], [0.0], [0.0], [-1.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])  # the two x = 0 points tie; the rest separate
    with pytest.raises(SeparableDataError):
        solver("logistic-irls")(X, y)


def test_without_the_separation_check_newton_stops_at_max_iter_with_a_warning():
    X = np.array([[1.0], [2.0], [-1.0], [-2.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    fit = solver("logistic-irls", check_separation=False, max_iter=25)
    with pytest.warns(Warning, match="did not converge"):
        fit(X, y)


@pytest.mark.parametrize("X, y, match", [
    (np.ones((3, 2)), np.array([0.0, 1.0, 2.0]), "binary labels"),
    (np.ones((3, 2)), np.array([0.0, 1.0]), "y"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([0.0, 1.0]), "NaN"),
    (np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]), np.array([0.0, 1.0, 0.0]), "full column rank"),
    (np.ones(3), np.array([0.0, 1.0, 0.0]), "2-D"),
], ids=["labels-not-binary", "lengths-differ", "nan", "collinear", "X-not-2d"])
def test_bad_input_is_refused_with_a_message(X, y, match):
    with pytest.raises(ValueError, match=match):
        solver("logistic-irls")(X, y)


def test_unknown_options_are_refused():
    with pytest.raises(TypeError, match="unknown solver option"):
        catalog.get("logistic-irls").solver(penalty="l2")
