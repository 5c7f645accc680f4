"""Generated least-squares solvers against `numeric` and scikit-learn, and the accuracy guard.

Tolerances scale with what the problem allows: a normal-equations solve loses about
eps * cond(X)^2 (relative to ||w|| + ||y|| / sigma_min), so the bound is that times a margin.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from derive import catalog
from derive.codegen import IllConditionedWarning
from derive.codegen.validate import RankDeficientError
from tests.strategies import design_from, penalties, regression_problems, seeds

EPS = np.finfo(float).eps

ols = catalog.get("normal-equations").solver()
ridge = catalog.get("ridge-solution").solver()
gradient = catalog.get("mse-gradient").solver()
hessian = catalog.get("mse-hessian").solver()


def tolerance(X, y, w) -> float:
    s = np.linalg.svd(X, compute_uv=False)
    cond = s[0] / s[-1]
    return 100 * EPS * cond**2 * (np.linalg.norm(w) + np.linalg.norm(y) / s[-1] + 1.0)


def assert_close(a, b, tol):
    assert np.linalg.norm(np.asarray(a) - np.asarray(b)) <= tol, (a, b, tol)


@given(regression_problems(max_n=30, max_d=5))
def test_ols_matches_numeric_and_sklearn(problem):
    from sklearn.linear_model import LinearRegression

    X, y = problem
    w = ols(X, y)
    ref = numeric.ols(X, y)
    tol = tolerance(X, y, ref)
    assert_close(w, ref, tol)
    sk = LinearRegression(fit_intercept=False).fit(X, y).coef_
    assert_close(w, sk, tol)


@given(regression_problems(max_n=30, max_d=5), penalties())
def test_ridge_matches_numeric_and_sklearn(problem, lam):
    from sklearn.linear_model import Ridge

    X, y = problem
    w = ridge(X, y, lam)
    ref = numeric.ridge(X, y, lam)
    tol = tolerance(X, y, ref)
    assert_close(w, ref, tol)
    sk = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y).coef_
    assert_close(w, sk, tol)


@given(regression_problems(max_n=30, max_d=5), st.integers(0, 2**16))
def test_mse_gradient_and_hessian_match_finite_algebra(problem, seed):
    X, y = problem
    n, d = X.shape
    t = np.random.default_rng(seed).standard_normal(d)
    g = gradient(X, y, t)
    expected = (2.0 / n) * (X.T @ (X @ t - y))
    scale = np.linalg.norm(X) * (np.linalg.norm(X) * np.linalg.norm(t) + np.linalg.norm(y))
    assert_close(g, expected, 1e-13 * scale / n + 1e-300)
    H = (2.0 / n) * X.T @ X
    np.testing.assert_allclose(hessian(X), H, rtol=0, atol=1e-14 * np.abs(H).max() * (n + 1))


@given(regression_problems(max_n=30, max_d=5), st.integers(0, 2**16))
def test_expanded_mse_is_the_mse(problem, seed):
    X, y = problem
    t = np.random.default_rng(seed).standard_normal(X.shape[1])
    expanded = catalog.get("mse-expansion").solver()(X, y, t)
    ref = numeric.mse(y, X @ t)
    scale = (np.linalg.norm(X, 2) * np.linalg.norm(t) + np.linalg.norm(y)) ** 2 / len(y)
    assert abs(expanded - ref) <= 1e-13 * scale  # cancellation: bounded by the terms' size


def test_map_gaussian_prior_ridge_is_ridge_with_lam_sigma2_over_tau2():
    D = catalog.get("map-gaussian-prior-ridge")
    X = design_from(20, 3, 1, [1.0, 2.0, 5.0])
    y = np.arange(20.0)
    lam = D.solver(part="lam")
    assert lam(sigma=1.5, tau=0.5) == pytest.approx(9.0)
    np.testing.assert_allclose(D.solver()(X, y, sigma=1.5, tau=0.5), ridge(X, y, 9.0), rtol=1e-12)


# -------------------------------------------------------------------------- accuracy guard


def problem_with_condition(cond, n=200, d=6, seed=0):
    X = design_from(n, d, seed, np.logspace(0, -np.log10(cond), d))
    w = np.random.default_rng(seed).standard_normal(d)
    return X, X @ w, w


def test_well_conditioned_uses_cholesky_without_warning():
    X, y, w = problem_with_condition(10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        got = ols(X, y)
    assert np.linalg.norm(got - w) / np.linalg.norm(w) <= 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_cond_1e7_falls_back_to_qr_with_a_warning_naming_the_condition(seed):
    X, y, w = problem_with_condition(1e7, seed=seed)
    # cond(X^T X) = 1e14; LAPACK's 1-norm estimate (of the equilibrated matrix) is within a
    # small factor of it
    with pytest.warns(IllConditionedWarning, match=r"estimated cond = \d\.\d+e\+1[345]") as rec:
        got = ols(X, y)
    assert 1e13 < rec[0].message.cond < 1e16
    assert np.linalg.norm(got - w) / np.linalg.norm(w) <= 1e-9


def test_normal_equations_alone_would_have_failed_at_cond_1e7():
    X, y, w = problem_with_condition(1e7)
    plain = np.linalg.solve(X.T @ X, X.T @ y)
    assert np.linalg.norm(plain - w) / np.linalg.norm(w) > 1e-6  # why the guard exists


def test_ridge_falls_back_to_the_stacked_qr_problem():
    X, y, _ = problem_with_condition(1e7)
    lam = 1e-12
    with pytest.warns(IllConditionedWarning, match=r"X\^T X \+ lam I"):
        got = ridge(X, y, lam)
    Xs = np.vstack([X, np.sqrt(lam) * np.eye(X.shape[1])])
    ys = np.concatenate([y, np.zeros(X.shape[1])])
    ref = np.linalg.lstsq(Xs, ys, rcond=None)[0]
    assert np.linalg.norm(got - ref) / np.linalg.norm(ref) <= 1e-9


def test_rank_deficient_design_is_refused_with_its_rank():
    X = np.ones((5, 2))
    y = np.arange(5.0)
    with pytest.raises(RankDeficientError, match="numerical rank 1 < d = 2") as info:
        ols(X, y)
    assert (info.value.rank, info.value.d) == (1, 2)
    assert str(info.value).startswith("normal_equations: ")


@given(st.integers(2, 30), st.integers(2, 6), st.integers(1, 5), seeds)
def test_minimum_norm_fallback_matches_lstsq(n, d, rank, seed):
    """fallback='lstsq' on a rank-deficient (or short and wide) X: numpy.linalg.lstsq's answer."""
    rank = min(rank, d - 1, n)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, d))
    y = rng.standard_normal(n)
    ref = np.linalg.lstsq(X, y, rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)
        got = ols(X, y, fallback="lstsq")
    assert np.linalg.norm(got - ref) <= 1e-9 * (1 + np.linalg.norm(ref))
    # minimum norm: no component in the null space of X
    null = np.linalg.svd(X)[2][rank:]
    assert np.linalg.norm(null @ got) <= 1e-9 * (1 + np.linalg.norm(ref))


def test_a_duplicated_column_is_refused_not_answered_with_huge_coefficients():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((30, 2))
    X = np.column_stack([a, a[:, 0]])
    with pytest.raises(RankDeficientError, match=r"involves columns \[0, 2\]"):
        ols(X, rng.standard_normal(30))


def test_data_scaled_by_1e_minus_300_is_solved_not_called_zero():
    X, y, w = problem_with_condition(10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IllConditionedWarning)  # X^T X underflows: QR on X
        got = ols(X * 1e-300, y)
    np.testing.assert_allclose(got * 1e-300, w, rtol=1e-9)


def test_cond_limit_is_an_option():
    X, y, w = problem_with_condition(1e2)
    strict = catalog.get("normal-equations").solver(cond_limit=10.0)
    with pytest.warns(IllConditionedWarning, match="cond_limit = 10"):
        strict(X, y)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones(4), np.ones(4), "2-D"),
        (np.ones((4, 2)), np.ones(3), "X and y must have the same number of rows"),
        (np.ones((4, 2)), np.ones((4, 2)), r"shape \(k,\) \(or a \(k, 1\) column\)"),
    ],
    ids=["X-1d", "y-short", "y-matrix"],
)
def test_bad_shapes_say_what_was_expected(X, y, match):
    with pytest.raises(ValueError, match=match):
        ols(X, y)
