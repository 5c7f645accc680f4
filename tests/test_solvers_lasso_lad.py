"""Iterative solvers driven by derived updates: the lasso (soft-threshold coordinate descent)
and least absolute deviations (IRLS from the Laplace likelihood's majoriser)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from derive import catalog
from derive.codegen import drivers
from tests.strategies import regression_problems, seeds, well_conditioned_designs

LASSO = catalog.get("map-laplace-prior-lasso")


def lasso_objective(X, y, w, lam):
    r = y - X @ w
    return r @ r + lam * np.abs(w).sum()


def lad_objective(X, y, w):
    return np.abs(y - X @ w).sum()


# ------------------------------------------------------------------------------- lasso


def test_the_lasso_loop_is_driven_by_the_derived_soft_threshold():
    solver = LASSO.solver()
    assert solver.inputs == ("X", "y", "lam")
    assert solver.update.expr == LASSO.extras["soft_threshold"]
    assert "_d.lasso_gram(" in solver.source and "_k.gram_xy(X, y)" in solver.source


@given(regression_problems(max_n=30, max_d=5), st.floats(0.01, 0.9))
def test_lasso_matches_numeric_at_tight_tolerance(problem, fraction):
    X, y = problem
    lam = fraction * 2 * np.max(np.abs(X.T @ y))  # below lam_max: some coefficients survive
    info = LASSO.solver(tol=1e-13, max_iter=100_000)(X, y, lam, return_info=True)
    ref = numeric.lasso(X, y, lam, tol=1e-13, return_info=True)
    yy = y @ y
    # both gaps are at most tol * ||y||^2 (ours on the half objective): objectives agree to that
    p, q = lasso_objective(X, y, info.coef, lam), lasso_objective(X, y, ref.coef, lam)
    assert abs(p - q) <= 2 * info.tol + ref.gap + 1e-12 * yy
    # X has sigma_min >= 1: the objective is 2-strongly convex, so coefficients agree too
    assert np.linalg.norm(info.coef - ref.coef) <= np.sqrt(2 * info.tol + ref.gap) + 1e-9


@given(regression_problems(max_n=30, max_d=5), st.floats(0.01, 0.9))
def test_lasso_stops_like_sklearn(problem, fraction):
    from sklearn.linear_model import Lasso

    X, y = problem
    n = X.shape[0]
    lam = fraction * 2 * np.max(np.abs(X.T @ y))
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        info = LASSO.solver()(X, y, lam, return_info=True)  # tol 1e-4, max_iter 1000: sklearn's
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        sk = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-4).fit(X, y)
    if info.gap > info.tol:  # correlated columns: cyclic CD needs more sweeps, for both of us
        assert any(issubclass(w.category, drivers.ConvergenceWarning) for w in ours)
        assert sk.n_iter_ == 1000 and theirs
        return
    # sklearn's gap is on (1/2n)||y - Xw||^2 + alpha||w||_1 = P(w) / (2n), stopped at tol ||y||^2 / n
    p, q = lasso_objective(X, y, info.coef, lam), lasso_objective(X, y, sk.coef_, lam)
    assert abs(p - q) <= 2 * info.tol + 2 * sk.dual_gap_ * 2 * n + 1e-10 * (y @ y)


def test_lasso_zero_above_lam_max_and_ols_as_lam_vanishes():
    X = np.random.default_rng(0).standard_normal((50, 4))
    y = X @ np.array([1.0, -2.0, 0.0, 3.0])
    lam_max = 2 * np.max(np.abs(X.T @ y))
    solver = LASSO.solver(tol=1e-14, max_iter=100_000)
    assert np.all(solver(X, y, 1.01 * lam_max) == 0)
    np.testing.assert_allclose(solver(X, y, 1e-9), np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-8)


def test_lasso_warns_when_max_iter_is_too_small():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((80, 1))
    X = base + 0.01 * rng.standard_normal((80, 6))  # strongly correlated columns: slow CD
    y = X @ rng.standard_normal(6)
    with pytest.warns(drivers.ConvergenceWarning, match="duality gap"):
        LASSO.solver(tol=1e-14, max_iter=2)(X, y, 0.01)


def test_lasso_lam_zero_is_least_squares_and_negative_lam_is_refused():
    X = np.random.default_rng(2).standard_normal((40, 3))
    y = X @ np.array([1.0, 2.0, 3.0]) + 0.1
    solver = LASSO.solver()
    np.testing.assert_allclose(solver(X, y, 0.0), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        solver(X, y, -1.0)


def test_unknown_solver_options_are_refused():
    with pytest.raises(TypeError, match="expected: max_iter, tol"):
        LASSO.solver(cond_limit=1e3)
    with pytest.raises(TypeError, match="expected: cond_limit, mu"):
        catalog.get("normal-equations").solver(tol=1e-3)


def test_lasso_lam_relation():
    lam = LASSO.solver(part="lam")
    assert lam(b=0.5, sigma=2.0) == pytest.approx(2 * 4 / 0.5)


# ------------------------------------------------------------------------------- LAD


@st.composite
def lad_problems(draw):
    X = draw(well_conditioned_designs(min_n=1, max_n=40, max_d=4))
    rng = np.random.default_rng(draw(seeds, label="noise_seed"))
    n, d = X.shape
    y = X @ rng.normal(0, 2, d) + rng.laplace(0, 1, n)
    return X, y


@pytest.fixture(scope="module")
def lad():
    return catalog.get("laplace-nll-mae").solver(part="lad") if _has("laplace-nll-mae") else (
        _fallback_lad()
    )


def _has(name):
    try:
        catalog.get(name)
        return True
    except Exception:
        return False


def _fallback_lad():  # until the likelihood module lands: same driver, weight derived here
    from derive.codegen.solvers import _lad

    class Stub:
        id = "laplace-nll-mae"
        extras = {}

    return _lad(Stub())


@given(lad_problems())
def test_lad_reaches_the_lp_optimum(lad, problem):
    X, y = problem
    info = lad(X, y, return_info=True)
    ref = numeric.lad(X, y)  # HiGHS LP
    best = lad_objective(X, y, ref)
    assert info.objective == pytest.approx(lad_objective(X, y, info.coef), rel=1e-12, abs=1e-12)
    assert info.objective <= best * (1 + 1e-8) + 1e-9


def test_lad_matches_quantile_regression_and_is_certified(lad):
    from sklearn.linear_model import QuantileRegressor

    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 5))
    y = X @ rng.standard_normal(5) + rng.laplace(size=400)
    info = lad(X, y, return_info=True)
    assert info.certified
    qr = QuantileRegressor(quantile=0.5, alpha=0.0, fit_intercept=False, solver="highs").fit(X, y)
    assert info.objective <= lad_objective(X, y, qr.coef_) * (1 + 1e-8)
    np.testing.assert_allclose(info.coef, qr.coef_, atol=1e-6)


def test_the_irls_weight_is_derived_from_the_majoriser():
    from derive.codegen.solvers import irls_weight_expr

    import sympy as sp

    r0 = sp.Symbol("r0", real=True)
    assert sp.simplify(irls_weight_expr() - 1 / (2 * r0)) == 0


@st.composite
def integer_lad_problems(draw):
    """Small integer data: ties, zero rows and degenerate vertices."""
    d = draw(st.integers(1, 3))
    n = draw(st.integers(d, 20))
    rng = np.random.default_rng(draw(seeds))
    X = rng.integers(-3, 4, (n, d)).astype(float)
    y = rng.integers(-5, 6, n).astype(float)
    return X, y


@given(integer_lad_problems())
def test_lad_on_degenerate_integer_data_still_reaches_the_optimum(lad, problem):
    X, y = problem
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return  # LAD needs full column rank for the LP reference to be unique enough
    info = lad(X, y, return_info=True)
    best = lad_objective(X, y, numeric.lad(X, y))
    assert info.objective <= best * (1 + 1e-8) + 1e-9
