"""The solvers' calling convention: intercepts against scikit-learn, estimators that return what
the estimator is, argument errors that name the arguments, docstrings that help() shows."""

from __future__ import annotations

import pydoc
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from derive import catalog
from tests.strategies import design_from, gaussian_samples, regression_problems, seeds

OLS = catalog.get("normal-equations").solver()
RIDGE = catalog.get("ridge-solution").solver()
LASSO = catalog.get("map-laplace-prior-lasso").solver(tol=1e-12, max_iter=100_000)
LAD = catalog.get("laplace-nll-mae").solver(part="lad")


def offset_problem(seed, n=60, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-50, 50, d)
    y = X @ rng.standard_normal(d) + 7.0 + rng.standard_normal(n)
    return X, y


# ------------------------------------------------------------------------------ intercepts


@given(seeds)
def test_ols_and_ridge_intercepts_match_sklearn(seed):
    from sklearn.linear_model import LinearRegression, Ridge

    X, y = offset_problem(seed)
    fit = OLS(X, y, fit_intercept=True)
    sk = LinearRegression().fit(X, y)
    np.testing.assert_allclose(fit.coef, sk.coef_, rtol=1e-9, atol=1e-9)
    assert fit.intercept == pytest.approx(sk.intercept_, rel=1e-9, abs=1e-8)
    fit = RIDGE(X, y, 3.0, fit_intercept=True)
    sk = Ridge(alpha=3.0, solver="cholesky").fit(X, y)  # the intercept is not penalised
    np.testing.assert_allclose(fit.coef, sk.coef_, rtol=1e-9, atol=1e-9)
    assert fit.intercept == pytest.approx(sk.intercept_, rel=1e-9, abs=1e-8)


@given(seeds, st.floats(0.05, 0.8))
def test_lasso_intercept_matches_sklearn_with_lam_2n_alpha(seed, fraction):
    from sklearn.linear_model import Lasso

    X, y = offset_problem(seed)
    n = X.shape[0]
    Xc, yc = X - X.mean(0), y - y.mean()
    alpha = fraction * np.max(np.abs(Xc.T @ yc)) / n  # below alpha_max: some survive
    fit = LASSO(X, y, 2 * n * alpha, fit_intercept=True)
    sk = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(fit.coef, sk.coef_, rtol=1e-6, atol=1e-6)
    assert fit.intercept == pytest.approx(sk.intercept_, rel=1e-6, abs=1e-5)


@given(regression_problems(max_n=30, max_d=4), st.floats(0.05, 0.8))
def test_lasso_lam_is_2n_times_sklearn_alpha(problem, fraction):
    """The docstring's relation, checked: sklearn's objective is ours divided by 2n."""
    from sklearn.linear_model import Lasso

    X, y = problem
    n = X.shape[0]
    alpha = fraction * np.max(np.abs(X.T @ y)) / n
    ours = LASSO(X, y, 2 * n * alpha)
    sk = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    np.testing.assert_allclose(ours, sk, rtol=1e-6, atol=1e-6)
    wrong = LASSO(X, y, n * alpha)  # lam = n alpha would be a different problem
    assert np.linalg.norm(wrong - sk) > 1e-6 or np.allclose(sk, 0)


def test_lad_intercept_matches_quantile_regression():
    from sklearn.linear_model import QuantileRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)) + 5.0
    y = X @ np.array([1.0, -2.0, 0.5]) + 3.0 + rng.laplace(size=200)
    fit = LAD(X, y, fit_intercept=True)
    qr = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    ours = np.abs(y - X @ fit.coef - fit.intercept).sum()
    theirs = np.abs(y - X @ qr.coef_ - qr.intercept_).sum()
    assert ours <= theirs * (1 + 1e-9)
    np.testing.assert_allclose(fit.coef, qr.coef_, atol=1e-6)


def test_lad_on_collinear_columns_reaches_the_lp_optimum():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 2))
    X = np.column_stack([a, a[:, 0] + a[:, 1]])  # rank 2
    y = a @ np.array([1.0, 2.0]) + rng.laplace(size=40)
    info = LAD(X, y, return_info=True)
    lp = numeric.lad(a, y)  # the LP on the independent columns: the same column space
    best = np.abs(y - a @ lp).sum()
    assert info.objective == pytest.approx(np.abs(y - X @ info.coef).sum(), rel=1e-12)
    assert info.objective <= best * (1 + 1e-9)


# ------------------------------------------------------------------------------ estimators


@given(gaussian_samples(min_size=2))
def test_gaussian_variance_from_samples_alone_is_the_joint_mle(x):
    var = catalog.get("gaussian-mle-variance").solver()
    scale = 1e-12 * (1 + np.abs(x).max()) ** 2
    assert abs(var(x) - np.var(x)) <= scale  # the mean estimated too
    assert abs(var(x, mu=1.5) - np.mean((x - 1.5) ** 2)) <= scale  # the known-mean form


def test_laplace_mle_returns_location_and_scale():
    fit = catalog.get("laplace-mle").solver()(np.array([1.0, 2.0, 10.0]))
    assert (fit.location, fit.scale) == (2.0, pytest.approx(3.0))
    location, scale = fit
    assert location == 2.0


def test_gd_x_squared_takes_the_step_size():
    gd = catalog.get("gd-x-squared").solver()
    assert gd(2.0) == pytest.approx(1.6)  # the derivation's eta = 1/10 by default
    assert gd(2.0, eta=0.25) == pytest.approx(1.0)
    np.testing.assert_allclose(gd.iterate(2.0, 3, eta=0.25), [2.0, 1.0, 0.5, 0.25])


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    "name, call, fragment",
    [
        ("normal-equations", lambda s: s(np.eye(2)), "missing y. It takes normal_equations(X, y, *"),
        ("normal-equations", lambda s: s(np.eye(2), np.ones(2), lam=1.0),
         "unknown argument(s) 'lam'. It takes normal_equations(X, y, *, fit_intercept=False"),
        ("ridge-solution", lambda s: s(np.eye(2), np.ones(2)), "missing lam"),
        ("gd-x-squared", lambda s: s.iterate(2.0, 3, step=0.1),
         "unknown argument(s) 'step'. It takes iterate(x0, n_iter, eta=0.1)"),
        ("gd-update-mse", lambda s: s.iterate(np.zeros(2), 3, X=np.eye(2)),
         "missing y, eta. It takes iterate(x0, n_iter, X, y, eta)"),
        ("exponential-mle", lambda s: s(), "missing x. It takes exponential_mle(x)"),
    ],
    ids=["ols-missing-y", "ols-unknown-lam", "ridge-missing-lam", "gd-unknown-step",
         "gd-iterate-missing", "exponential-missing-x"],
)
def test_argument_errors_name_the_arguments(name, call, fragment):
    solver = catalog.get(name).solver()
    with pytest.raises(TypeError) as info:
        call(solver)
    assert fragment in str(info.value)


@pytest.mark.parametrize("name", ["normal-equations", "ridge-solution", "map-laplace-prior-lasso",
                                  "gaussian-mle-variance", "laplace-mle", "poisson-mle"])
def test_help_shows_parameters_returns_and_the_equivalent(name):
    text = pydoc.render_doc(catalog.get(name).solver(), renderer=pydoc.plaintext)
    for section in ("Parameters", "Returns", "Equivalent"):
        assert section in text, text
    if name == "map-laplace-prior-lasso":
        assert "lam = 2 n alpha" in text


def test_badly_scaled_columns_are_not_ill_conditioned():
    """The normal equations are equilibrated: a column in other units needs no fallback."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3)) @ np.diag([1, 1, 1e-8])
    w = np.array([1.0, 2.0, 3e8])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = OLS(X, X @ w)
    np.testing.assert_allclose(got, w, rtol=1e-10)


def test_a_warning_points_at_the_caller():
    X = design_from(50, 3, 0, [1.0, 1e-2, 1e-7])  # cond 1e7: QR, with a warning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        OLS(X, np.ones(50))
    assert rec and rec[0].filename == __file__


# ------------------------------------------------------------------------------ numeric, item 7


def test_numeric_exponential_mle_of_huge_values_does_not_overflow_to_zero():
    assert numeric.exponential_mle([1e308, 1e308]) == pytest.approx(1e-308)
    assert catalog.get("exponential-mle").solver()  # built
    with pytest.raises(ValueError, match="overflowed"):  # the generated n / sum x overflows:
        catalog.get("exponential-mle").solver()([1e308, 1e308])  # an error, not 0.0


def test_numeric_ols_on_data_scaled_by_1e_minus_300():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 3))
    w = numeric.ols(X * 1e-300, X @ np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(w * 1e-300, [1.0, 2.0, 3.0], rtol=1e-10)
