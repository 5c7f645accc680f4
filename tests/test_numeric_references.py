"""numeric agrees with outside references (scikit-learn, SciPy) over Hypothesis draws.

Tolerances come from error bounds, not from trial and error:
- least squares by normal equations: relative error ~ cond(X)^2 * eps;
- lasso: P(w) - P* >= sigma_min(X)^2 ||w - w*||^2, so a duality gap g bounds the distance
  to the minimiser by sqrt(g) / sigma_min(X);
- LAD minimisers need not be unique, so objectives are compared.
"""

from __future__ import annotations

import statistics
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import expit, log_expit
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.linear_model import Lasso, LinearRegression, QuantileRegressor, Ridge
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error

import numeric
from tests.strategies import (
    bernoulli_samples,
    exponential_samples,
    gaussian_samples,
    laplace_samples,
    mvn_samples,
    penalties,
    poisson_samples,
    positive_scales,
    regression_problems,
    seeds,
    targets,
    well_conditioned_designs,
)

EPS = np.finfo(float).eps


def _svals(X: np.ndarray) -> np.ndarray:
    return np.linalg.svd(X, compute_uv=False)


def _normal_equations_tol(X: np.ndarray, y: np.ndarray, w_ref: np.ndarray) -> float:
    """Forward-error allowance for a normal-equations solve: C * cond^2 * eps * scale."""
    s = _svals(X)
    cond = s[0] / s[-1]
    return 100 * cond**2 * EPS * (np.linalg.norm(w_ref) + np.linalg.norm(y) / s[-1] + 1.0)


# ---------------------------------------------------------------------------------------------
# Least squares
# ---------------------------------------------------------------------------------------------


@given(regression_problems(max_cond=1e3))
def test_ols_matches_sklearn_linear_regression(problem):
    X, y = problem
    ref = LinearRegression(fit_intercept=False).fit(X, y).coef_
    w = numeric.ols(X, y)
    assert np.linalg.norm(w - ref) <= _normal_equations_tol(X, y, ref)


@given(regression_problems(max_cond=1e2), st.integers(0, 3))
def test_ols_lstsq_fallback_is_minimum_norm_on_duplicated_columns(problem, j):
    X, y = problem
    Xdup = np.column_stack([X, X[:, j % X.shape[1]]])  # exactly collinear
    with pytest.raises(numeric.RankDeficientError):
        numeric.ols(Xdup, y)
    ref = LinearRegression(fit_intercept=False).fit(Xdup, y).coef_
    w = numeric.ols(Xdup, y, fallback="lstsq")
    assert np.allclose(w, ref, rtol=1e-8, atol=1e-8 * (1 + np.linalg.norm(ref)))


@given(regression_problems(max_cond=1e2), st.lists(st.integers(-8, 8), min_size=4, max_size=4))
def test_ols_is_equivariant_to_column_units(problem, exponents):
    X, y = problem
    d = X.shape[1]
    units = 10.0 ** np.asarray(exponents[:d], dtype=float)  # e.g. metres vs nanometres
    w = numeric.ols(X, y)
    w_scaled = numeric.ols(X * units, y)  # equilibration makes the rank test unit-free
    assert np.allclose(w_scaled * units, w, rtol=1e-9, atol=1e-9 * (1 + np.linalg.norm(w)))


@given(regression_problems(max_cond=1e3), penalties())
def test_ridge_matches_sklearn_ridge(problem, lam):
    X, y = problem
    ref = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
    s = _svals(X)
    cond = (s[0] ** 2 + lam) / (s[-1] ** 2 + lam)  # cond(X^T X + lam I)
    w = numeric.ridge(X, y, lam)
    assert np.linalg.norm(w - ref) <= 100 * cond * EPS * (np.linalg.norm(ref) + 1.0)


@given(well_conditioned_designs(min_n=2, max_n=6, max_d=6, max_cond=1e2), seeds, penalties())
def test_ridge_wide_design_uses_the_dual_system_and_matches_sklearn(design, seed, lam):
    X = design.T  # d rows, n >= d columns: a short-and-wide design
    y = np.random.default_rng(seed).standard_normal(X.shape[0])
    ref = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
    s = _svals(X)
    cond = (s[0] ** 2 + lam) / lam
    assert np.linalg.norm(numeric.ridge(X, y, lam) - ref) <= 100 * cond * EPS * (
        np.linalg.norm(ref) + 1.0
    )


@given(regression_problems(max_cond=1e2))
def test_ridge_with_zero_penalty_is_ols(problem):
    X, y = problem
    assert np.allclose(
        numeric.ridge(X, y, 0.0),
        numeric.ols(X, y),
        rtol=0,
        atol=1e-12 * (1 + np.linalg.norm(y)) * 1e4,
    )


def _lasso_objective(X, y, w, lam):
    return float(np.sum((y - X @ w) ** 2) + lam * np.sum(np.abs(w)))


def _lasso_gap_direct(X, y, w, lam):
    """Duality gap of ||y - Xw||^2 + lam ||w||_1, computed from X (not from the Gram matrix)."""
    r = y - X @ w
    xtr = np.max(np.abs(X.T @ r))
    s = 1.0 if xtr <= lam / 2 else (lam / 2) / xtr
    theta = s * r
    dual = 2 * y @ theta - theta @ theta
    return max(_lasso_objective(X, y, w, lam) - dual, 0.0)


@given(regression_problems(max_cond=30.0), penalties(1e-2, 1e2))
def test_lasso_matches_sklearn_lasso(problem, lam):
    X, y = problem
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        ref = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-14, max_iter=200_000)
        ref = ref.fit(X, y).coef_
    res = numeric.lasso(X, y, lam, return_info=True)
    assert res.converged
    gap_ours = _lasso_gap_direct(X, y, res.coef, lam)
    gap_ref = _lasso_gap_direct(X, y, ref, lam)
    assert gap_ours <= 1e-10 * (y @ y) + 1e-9 * (1 + y @ y) * EPS * 1e6
    p_ours, p_ref = _lasso_objective(X, y, res.coef, lam), _lasso_objective(X, y, ref, lam)
    assert abs(p_ours - p_ref) <= max(gap_ours, gap_ref) + 1e-12 * (1 + y @ y)
    s_min = _svals(X)[-1]
    bound = (np.sqrt(gap_ours) + np.sqrt(gap_ref)) / s_min
    assert np.linalg.norm(res.coef - ref) <= bound + 1e-10 * (1 + np.linalg.norm(ref))


@given(regression_problems(max_cond=5.0, max_d=3), penalties(1e-2, 1e2))
def test_plain_coordinate_descent_without_polish_matches_sklearn(problem, lam):
    X, y = problem
    n = X.shape[0]
    ref = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-14, max_iter=200_000)
    ref = ref.fit(X, y).coef_
    res = numeric.lasso(X, y, lam, polish=False, return_info=True)
    assert res.converged
    gap = _lasso_gap_direct(X, y, res.coef, lam) + _lasso_gap_direct(X, y, ref, lam)
    assert np.linalg.norm(res.coef - ref) <= 2 * np.sqrt(gap) / _svals(X)[-1] + 1e-10


@given(well_conditioned_designs(min_n=3, max_n=6, max_d=6, max_cond=10.0), seeds, penalties(0.1))
def test_lasso_on_a_wide_design_reaches_sklearns_objective(design, seed, lam):
    # Fewer rows than columns: minimisers need not be unique, so objectives are compared.
    # lam >= 0.1: as lam -> 0 a wide lasso approaches interpolation, where coordinate descent
    # (ours and scikit-learn's) needs far more than 10^4 sweeps; lasso then warns.
    X = design.T
    n = X.shape[0]
    y = np.random.default_rng(seed).standard_normal(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        ref = Lasso(alpha=lam / (2 * n), fit_intercept=False, tol=1e-14, max_iter=200_000)
        ref = ref.fit(X, y).coef_
    res = numeric.lasso(X, y, lam, return_info=True)
    assert res.converged
    p_ours, p_ref = _lasso_objective(X, y, res.coef, lam), _lasso_objective(X, y, ref, lam)
    # each objective exceeds the optimum by at most its own duality gap
    slack = 1e-13 * (1 + y @ y)
    assert p_ours - p_ref <= _lasso_gap_direct(X, y, res.coef, lam) + slack
    assert p_ref - p_ours <= _lasso_gap_direct(X, y, ref, lam) + slack


@given(
    well_conditioned_designs(min_n=2, max_n=8, max_d=7, max_cond=10.0),
    seeds,
    st.floats(-4, 1).map(lambda e: 10.0**e),
)
def test_lasso_converges_on_wide_designs_even_for_tiny_penalties(design, seed, lam):
    # n < d and lam -> 0 is where plain coordinate descent crawls; the active-set polish
    # (including its null-space steps) must still reach the duality-gap tolerance.
    X = design.T
    y = np.random.default_rng(seed).standard_normal(X.shape[0])
    res = numeric.lasso(X, y, lam, return_info=True)
    assert res.converged
    assert _lasso_gap_direct(X, y, res.coef, lam) <= 1e-9 * (y @ y) + 1e-12


@given(regression_problems(max_cond=30.0), penalties(1e-2, 1e2))
def test_lasso_satisfies_kkt_conditions(problem, lam):
    X, y = problem
    w = numeric.lasso(X, y, lam)
    corr = X.T @ (y - X @ w)  # stationarity: X^T r in (lam/2) * subdifferential of |w|
    slack = 1e-4 * lam + 1e-6 * np.linalg.norm(X.T @ y)
    active = w != 0
    assert np.all(np.abs(corr[~active]) <= lam / 2 + slack)
    assert np.allclose(corr[active], lam / 2 * np.sign(w[active]), atol=slack)


@given(regression_problems(max_cond=1e2, max_n=15))
def test_lad_objective_matches_sklearn_quantile_regressor(problem):
    X, y = problem
    ref = QuantileRegressor(quantile=0.5, alpha=0.0, fit_intercept=False, solver="highs")
    ref = ref.fit(X, y).coef_
    w = numeric.lad(X, y)
    obj, obj_ref = np.sum(np.abs(y - X @ w)), np.sum(np.abs(y - X @ ref))
    scale = max(obj_ref, 1e-4 * (1 + np.sum(np.abs(y))))  # floor: rounding when obj ~ 0
    assert obj <= obj_ref + 1e-6 * scale  # ours is at least as good...
    assert obj_ref <= obj + 1e-6 * scale  # ...and not better than an optimum can be


@given(regression_problems(max_cond=1e2, max_n=15))
def test_lad_is_no_worse_than_the_ols_fit(problem):
    X, y = problem
    obj = np.sum(np.abs(y - X @ numeric.lad(X, y)))
    assert obj <= np.sum(np.abs(y - X @ numeric.ols(X, y))) * (1 + 1e-9) + 1e-12


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


@given(st.integers(1, 20).flatmap(lambda n: st.tuples(targets(n), targets(n))))
def test_mse_and_mae_match_sklearn_metrics(pair):
    y, yhat = pair
    assert numeric.mse(y, yhat) == pytest.approx(mean_squared_error(y, yhat), rel=1e-12, abs=1e-300)
    assert numeric.mae(y, yhat) == pytest.approx(
        mean_absolute_error(y, yhat), rel=1e-12, abs=1e-300
    )


@given(gaussian_samples(max_abs=1e2), positive_scales())
def test_gaussian_nll_matches_scipy_logpdf(r, sigma):
    ref = -np.sum(ss.norm.logpdf(r, loc=0.0, scale=sigma))
    assert numeric.gaussian_nll(r, sigma) == pytest.approx(ref, rel=1e-10, abs=1e-9 * r.size)


@given(laplace_samples(max_abs=1e2), positive_scales())
def test_laplace_nll_matches_scipy_logpdf(r, b):
    # scipy's laplace.logpdf is log(pdf): pdf underflows to subnormals past |r|/b ~ 700 and
    # loses digits (e.g. r=92, b=0.125 is off by 2e-4), so stay where scipy is accurate.
    assume(np.max(np.abs(r)) / b < 600)
    ref = -np.sum(ss.laplace.logpdf(r, loc=0.0, scale=b))
    assert numeric.laplace_nll(r, b) == pytest.approx(ref, rel=1e-10, abs=1e-9 * r.size)


@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            bernoulli_samples(n, n), st.lists(st.floats(1e-6, 1 - 1e-6), min_size=n, max_size=n)
        )
    )
)
def test_binary_cross_entropy_matches_sklearn_log_loss(pair):
    y, p = pair
    ref = log_loss(y, p, labels=[0, 1])
    assert numeric.binary_cross_entropy(y, p) == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert numeric.binary_cross_entropy(y, p, reduction="sum") == pytest.approx(
        ref * len(y), rel=1e-9, abs=1e-12
    )


@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            bernoulli_samples(n, n), st.lists(st.floats(-30, 30), min_size=n, max_size=n)
        )
    )
)
def test_bce_with_logits_equals_bce_of_sigmoid(pair):
    y, z = pair
    z = np.asarray(z)
    # log sigmoid(z) and log(1 - sigmoid(z)) = log sigmoid(-z), each by scipy's log_expit
    ref = -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))
    assert numeric.binary_cross_entropy_with_logits(y, z) == pytest.approx(
        ref, rel=1e-12, abs=1e-15
    )
    # and, where 1 - p keeps its digits, the same as the probability form
    if np.max(np.abs(z)) < 15:
        assert numeric.binary_cross_entropy(y, expit(z)) == pytest.approx(ref, rel=1e-9)


def test_bce_with_logits_is_stable_for_huge_logits():
    got = numeric.binary_cross_entropy_with_logits([1, 0, 1, 0], [800.0, -800.0, -800.0, 800.0])
    assert got == pytest.approx(400.0)  # terms 0, 0, 800, 800: mean 400, no overflow


# ---------------------------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------------------------


@given(gaussian_samples())
def test_gaussian_mle_matches_scipy_norm_fit(x):
    loc, scale = ss.norm.fit(x)
    mean, var = numeric.gaussian_mle(x)
    spread = np.max(np.abs(x)) + 1.0
    assert mean == pytest.approx(loc, rel=1e-12, abs=1e-12 * spread)
    assert np.sqrt(var) == pytest.approx(scale, rel=1e-9, abs=1e-9 * spread)


@given(laplace_samples())
def test_laplace_mle_matches_scipy_laplace_fit(x):
    loc, scale = ss.laplace.fit(x)
    location, b = numeric.laplace_mle(x)
    spread = np.max(np.abs(x)) + 1.0
    assert location == pytest.approx(loc, rel=1e-12, abs=1e-12 * spread)
    assert b == pytest.approx(scale, rel=1e-9, abs=1e-9 * spread)


@given(exponential_samples())
def test_exponential_mle_matches_scipy_expon_fit(x):
    _, scale = ss.expon.fit(x, floc=0)
    assert numeric.exponential_mle(x) == pytest.approx(1.0 / scale, rel=1e-12)


@given(poisson_samples())
def test_poisson_mle_is_the_exact_sample_mean(x):
    exact = Fraction(int(x.sum()), x.size)
    assert numeric.poisson_mle(x) == pytest.approx(float(exact), rel=1e-15, abs=0)
    assert numeric.poisson_mle(x) == pytest.approx(statistics.fmean(x.tolist()), rel=1e-15)


@given(bernoulli_samples())
def test_bernoulli_mle_is_the_exact_success_fraction(x):
    assert numeric.bernoulli_mle(x) == float(Fraction(int(x.sum()), x.size))
    assert numeric.bernoulli_mle(x.astype(bool)) == numeric.bernoulli_mle(x)


@given(mvn_samples(min_n=2))
def test_mvn_mle_matches_scipy_and_biased_numpy_cov(X):
    mean, cov = numeric.mvn_mle(X)
    ref_cov = np.atleast_2d(np.cov(X, rowvar=False, bias=True))
    scale = 1.0 + np.max(np.abs(X)) ** 2
    assert np.allclose(mean, X.mean(axis=0), rtol=1e-12, atol=1e-12 * scale)
    assert np.allclose(cov, ref_cov, rtol=1e-10, atol=1e-12 * scale)
    assert np.allclose(cov, cov.T)


@given(mvn_samples(min_n=8, max_d=3))
def test_mvn_mle_matches_scipy_multivariate_normal_fit(X):
    assume(np.linalg.matrix_rank(X - X.mean(axis=0)) == X.shape[1])  # scipy needs full rank
    ref_mean, ref_cov = ss.multivariate_normal.fit(X)
    mean, cov = numeric.mvn_mle(X)
    assert np.allclose(mean, ref_mean, rtol=1e-10, atol=1e-10)
    assert np.allclose(cov, ref_cov, rtol=1e-8, atol=1e-10 * (1 + np.max(np.abs(ref_cov))))


# An MLE maximises the log-likelihood: nudging any parameter must not increase it.
_LOGLIK = {
    "gaussian": (
        gaussian_samples(min_size=2),
        lambda x: numeric.gaussian_mle(x),
        lambda x, t: np.sum(ss.norm.logpdf(x, t[0], np.sqrt(t[1]))),
    ),
    "laplace": (
        laplace_samples(min_size=2),
        lambda x: numeric.laplace_mle(x),
        lambda x, t: np.sum(ss.laplace.logpdf(x, t[0], t[1])),
    ),
    "exponential": (
        exponential_samples(),
        lambda x: (numeric.exponential_mle(x),),
        lambda x, t: np.sum(ss.expon.logpdf(x, scale=1 / t[0])),
    ),
    "poisson": (
        poisson_samples(),
        lambda x: (numeric.poisson_mle(x),),
        lambda x, t: np.sum(ss.poisson.logpmf(x, t[0])),
    ),
    "bernoulli": (
        bernoulli_samples(),
        lambda x: (numeric.bernoulli_mle(x),),
        lambda x, t: np.sum(ss.bernoulli.logpmf(x, t[0])),
    ),
}


@pytest.mark.parametrize("family", sorted(_LOGLIK))
@given(data=st.data())
def test_mle_is_a_local_maximum_of_the_scipy_log_likelihood(family, data):
    samples, fit, loglik = _LOGLIK[family]
    x = data.draw(samples, label="x")
    theta = np.asarray(fit(x), dtype=float)
    assume(np.all(theta[1:] > 1e-6) if family in ("gaussian", "laplace") else theta[0] > 1e-6)
    assume(family != "bernoulli" or theta[0] < 1 - 1e-6)
    best = loglik(x, theta)
    assert np.isfinite(best)
    for i in range(theta.size):
        for step in (1e-3, -1e-3):
            nudged = theta.copy()
            nudged[i] *= 1 + step
            nudged[i] += step * 1e-3 if theta[i] == 0 else 0.0
            assert loglik(x, nudged) <= best + 1e-9 * (1 + abs(best))
