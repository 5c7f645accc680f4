"""Maximum-likelihood estimators: Gaussian mean and variance, multivariate Gaussian mean and
covariance, Bernoulli, Laplace (median and mean absolute deviation), Poisson, exponential.

Each derivation checks with every step decided; each result equals its textbook claim (the
checker's prove_equal); each carries a checked maximum step (a negative curvature or Hessian).
Numerically, every estimator evaluated on random samples (numpy, fixed seeds) agrees with a
numeric maximisation of the log-likelihood written here in numpy / scipy.stats
(scipy.optimize.minimize_scalar / minimize on the negative log-likelihood), and the covariance
gradient agrees with central finite differences in 50-digit arithmetic.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from scipy import optimize, stats

import derive
from derive.catalog import estimators as est
from derive.catalog.symbols import N, i, k, mu, n, p, rate, sigma, x_
from derive.core.check import PASSED, SYMBOLIC, check_pair, prove_equal
from derive.core.context import Context
from derive.core.derivation import Assumption, Relation
from tests.strategies import (
    bernoulli_samples,
    exponential_samples,
    gaussian_samples,
    poisson_samples,
)

SCALAR_IDS = ("gaussian-mle-mean", "gaussian-mle-variance", "bernoulli-mle", "laplace-mle",
              "poisson-mle", "exponential-mle")
MATRIX_IDS = ("mvn-mle-mean", "mvn-mle-covariance")
IDS = SCALAR_IDS + MATRIX_IDS


@functools.cache
def _report(name):
    return derive.get(name).check()


def _ctx(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


# --- evaluating results on data (the test's own translation, not derive's codegen) -----------


def _evaluate(expr, data, scalars=None):
    """A scalar result on a 1-d sample: each Sum over i is computed with numpy, Median(x) is
    numpy's median, n is the sample size, other symbols come from `scalars`."""
    data = np.asarray(data, dtype=float)
    scalars = dict(scalars or {})
    u = sp.Symbol("u")
    expr = expr.xreplace({n: len(data)})
    expr = expr.replace(lambda e: isinstance(e, est.Median), lambda e: sp.Float(float(np.median(data)), 30))

    def numeric_sum(node):
        body = node.function.replace(lambda e: isinstance(e, sp.Indexed), lambda e: u)
        fn = sp.lambdify([u, *scalars], body, "numpy")
        values = np.broadcast_to(fn(data, *scalars.values()), data.shape)
        return sp.Float(float(np.sum(values)), 30)

    expr = expr.replace(lambda e: isinstance(e, sp.Sum), numeric_sum)
    return float(expr.xreplace(scalars))


def _evaluate_matrix(expr, data, matrices=None):
    """A matrix result on an (N, k) sample: D is the k x N data matrix."""
    size, dim = data.shape
    values = {est.D: sp.ImmutableMatrix(data.T)}
    values.update(matrices or {})
    e = expr.xreplace(values).xreplace({N: size, k: dim}).doit()  # matrices first: their shapes name N, k
    e = e.as_explicit() if hasattr(e, "as_explicit") else e
    return np.array(e.tolist(), dtype=float)


# --- every derivation checks ----------------------------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_a_maximum_not_only_a_stationary_point(name):
    """A checked implication with a strict inequality (negative curvature / Hessian)."""
    report = _report(name)
    inequalities = [
        s for s in report.steps
        if s.step.relation is Relation.IMPLIES and isinstance(s.step.expr, sp.StrictLessThan)
    ]
    assert inequalities, f"{name} has no maximum check"
    assert all(s.verdict.status == PASSED and s.verdict.method == SYMBOLIC for s in inequalities)


@pytest.mark.parametrize("name", IDS)
def test_the_estimator_is_solved_from_the_first_order_condition(name):
    """The solution step comes after a first-order condition and is checked by solving it."""
    d = derive.get(name)
    solved = [s for s in d.steps if s.relation is Relation.IMPLIES and isinstance(s.expr, sp.Equality)
              and s.wrt and s.expr.lhs in s.wrt]
    assert solved
    assert any(prove_equal(s.expr.rhs, d.result if name != "laplace-mle" else d.extras["scale"],
                           _ctx(d)).status == PASSED for s in solved)


def test_results_in_their_stated_forms():
    """The exact forms codegen receives (documented in the report)."""
    assert derive.get("gaussian-mle-mean").result == sp.Sum(x_[i], (i, 1, n)) / n
    assert derive.get("gaussian-mle-variance").result == sp.Sum((x_[i] - mu) ** 2, (i, 1, n)) / n
    assert derive.get("bernoulli-mle").result == sp.Sum(est.counts_x[i], (i, 1, n)) / n
    assert derive.get("poisson-mle").result == sp.Sum(est.counts_x[i], (i, 1, n)) / n
    assert derive.get("exponential-mle").result == n / sp.Sum(est.positive_x[i], (i, 1, n))
    assert derive.get("laplace-mle").result == sp.Sum(sp.Abs(x_[i] - est.Median(x_)), (i, 1, n)) / n
    assert derive.get("mvn-mle-mean").result == est.D * est.ones / N
    A = est.D - est.mu_v * est.ones.T
    assert prove_equal(derive.get("mvn-mle-covariance").result, A * A.T / N,
                       _ctx(derive.get("mvn-mle-covariance"))).status == PASSED


def test_extras_of_the_scalar_estimators():
    d = derive.get("gaussian-mle-mean")
    assert d.extras["curvature"] == -n / sigma**2
    d = derive.get("exponential-mle")
    assert d.extras["curvature"] == -n / rate**2
    d = derive.get("laplace-mle")
    ctx = _ctx(d)
    assert prove_equal(d.extras["scale"], d.extras["scale_claim"], ctx).status == PASSED


def _optimality_at(d, data, location):
    """The derived optimality step (0 in the subdifferential), evaluated on a sample at mu."""
    condition = next(s.expr for s in d.steps if isinstance(s.expr, sp.And))
    concrete = condition.xreplace({n: len(data)}).doit()
    values = {x_[j + 1]: sp.Rational(str(v)) for j, v in enumerate(data)}
    return concrete.xreplace(values).xreplace({mu: sp.Rational(str(location))})


@pytest.mark.parametrize("data", [(0.0, 0.1, 0.2, 0.3, 10.0), (1.0, 2.0, 2.0, 5.0), (3.0, 1.0)])
def test_the_derived_optimality_condition_holds_exactly_at_the_medians(data):
    """The condition the steps derive (from the one-sided derivatives of F) holds at numpy's
    median and fails at a point with more than half of the samples on one side."""
    d = derive.get("laplace-mle")
    data = np.array(data)
    assert _optimality_at(d, data, float(np.median(data))) == sp.true
    below_all = float(data.min()) - 1
    assert _optimality_at(d, data, below_all) == sp.false
    if len(data) == 5:
        assert _optimality_at(d, data, float(np.mean(data))) == sp.false


# --- the helpers' rules -----------------------------------------------------------------------


def test_trace_trick_and_differentials_against_the_checker():
    """Each rewrite used by the matrix derivations is re-proved by instantiation."""
    ctx = Context.from_assumptions([Assumption.positive_definite(est.Sigma)])
    P = est.Sigma.I
    x_i = est.column(est.D, i)
    s = sp.Sum(sp.Trace((x_i - est.mu_v).T * P * (x_i - est.mu_v)), (i, 1, N))
    assert prove_equal(s, est.trace_trick(s), ctx).status == PASSED
    # d log|S| and d S^-1 by the rules, compared with the first-order part by the checker
    f = sp.log(sp.Determinant(est.Sigma)) + sp.Trace(P * est.D * est.D.T)
    df = est.differential(f, est.Sigma, est.H)
    increment = f.xreplace({est.Sigma: est.Sigma + est.H}) - f
    verdict = check_pair(increment, df, Relation.APPROX, small=est.H, order=1,
                         assumptions=[Assumption.positive_definite(est.Sigma), Assumption.symmetric(est.H)])
    assert verdict.status == PASSED, verdict.detail
    G = est.trace_coefficient(df, est.H)
    assert prove_equal(df, sp.Trace(G * est.H), ctx).status == PASSED
    # a wrong rule would be caught: d S^-1 = +S^-1 dS S^-1
    wrong = sp.Trace(P * est.H) + sp.Trace(P * est.H * P * est.D * est.D.T)
    bad = check_pair(increment, wrong, Relation.APPROX, small=est.H, order=1,
                     assumptions=[Assumption.positive_definite(est.Sigma)])
    assert bad.status == "failed"


# --- numeric agreement: scalar estimators -----------------------------------------------------


def _argmax(negative_log_likelihood, bounds):
    res = optimize.minimize_scalar(negative_log_likelihood, bounds=bounds, method="bounded",
                                   options={"xatol": 1e-11})
    return res.x


@pytest.mark.parametrize("seed", range(4))
def test_gaussian_mean_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(rng.uniform(-5, 5), rng.uniform(0.5, 3), size=rng.integers(5, 60))
    s = 1.7
    estimate = _evaluate(derive.get("gaussian-mle-mean").result, data)
    best = _argmax(lambda m: -np.sum(stats.norm.logpdf(data, m, s)), (data.min() - 1, data.max() + 1))
    assert estimate == pytest.approx(best, abs=1e-6)
    assert estimate == pytest.approx(np.mean(data), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_gaussian_variance_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(rng.uniform(-5, 5), rng.uniform(0.5, 3), size=rng.integers(5, 60))
    result = derive.get("gaussian-mle-variance").result
    m = 0.25  # a known mean
    estimate = _evaluate(result, data, {mu: m})
    best = _argmax(lambda v: -np.sum(stats.norm.logpdf(data, m, np.sqrt(v))), (1e-6, 100.0))
    assert estimate == pytest.approx(best, rel=1e-6)
    # jointly with the mean estimate: (mean, variance at the mean) maximise over both
    m_hat = np.mean(data)
    joint = _evaluate(result, data, {mu: m_hat})
    res = optimize.minimize(lambda q: -np.sum(stats.norm.logpdf(data, q[0], np.exp(q[1] / 2))),
                            x0=[0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert res.x[0] == pytest.approx(m_hat, abs=1e-5)
    assert np.exp(res.x[1]) == pytest.approx(joint, rel=1e-5)
    assert joint == pytest.approx(np.var(data), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_bernoulli_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(4, 80))
    data = rng.binomial(1, rng.uniform(0.1, 0.9), size=size)
    data[0], data[1] = 0, 1  # at least one failure and one success (the assumptions)
    estimate = _evaluate(derive.get("bernoulli-mle").result, data)
    best = _argmax(lambda q: -np.sum(stats.bernoulli.logpmf(data, q)), (1e-9, 1 - 1e-9))
    assert estimate == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_poisson_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    data = rng.poisson(rng.uniform(0.3, 20), size=rng.integers(3, 60))
    data[0] = max(data[0], 1)  # not every count zero
    estimate = _evaluate(derive.get("poisson-mle").result, data)
    best = _argmax(lambda lam: -np.sum(stats.poisson.logpmf(data, lam)), (1e-9, 100.0))
    assert estimate == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_exponential_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    data = rng.exponential(rng.uniform(0.1, 10), size=rng.integers(2, 60))
    estimate = _evaluate(derive.get("exponential-mle").result, data)
    best = _argmax(lambda lam: -np.sum(stats.expon.logpdf(data, scale=1 / lam)), (1e-6, 1e3))
    assert estimate == pytest.approx(best, rel=1e-6)
    assert estimate == pytest.approx(1 / np.mean(data), rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_laplace_maximises_the_likelihood(seed):
    """Location: the median minimises sum |x_i - mu| (bounded search, convex) and satisfies the
    count condition; scale: the derived b at the median maximises over b; jointly, no (mu, b)
    found by Nelder-Mead beats (median, b)."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(3, 40))
    data = rng.laplace(rng.uniform(-3, 3), rng.uniform(0.2, 3), size=size)
    d = derive.get("laplace-mle")
    med = np.median(data)
    below, above = np.sum(data < med), np.sum(data > med)
    condition = d.extras["location_condition"].xreplace({est.n_below: below, est.n_above: above, n: size})
    assert condition == sp.true
    deviations = lambda m: np.sum(np.abs(data - m))
    m_best = _argmax(deviations, (data.min(), data.max()))
    assert deviations(med) == pytest.approx(deviations(m_best), rel=1e-9)
    if size % 2 == 1:
        assert med == pytest.approx(m_best, abs=1e-6)
    b_hat = _evaluate(d.result, data)
    b_best = _argmax(lambda b: -np.sum(stats.laplace.logpdf(data, med, b)), (1e-6, 50.0))
    assert b_hat == pytest.approx(b_best, rel=1e-6)
    assert _evaluate(d.extras["scale"], data, {mu: med}) == pytest.approx(b_hat, rel=1e-12)
    nll = lambda q: -np.sum(stats.laplace.logpdf(data, q[0], np.exp(q[1])))
    res = optimize.minimize(nll, x0=[np.mean(data), 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert nll([med, np.log(b_hat)]) <= res.fun + 1e-9


def test_laplace_median_is_not_the_mean():
    """A skewed sample: the mean is not a maximiser (the median condition fails there)."""
    data = np.array([0.0, 0.1, 0.2, 0.3, 10.0])
    med, mean = np.median(data), np.mean(data)
    nll = lambda m: -np.sum(stats.laplace.logpdf(data, m, 1.0))
    assert nll(med) < nll(mean)
    cond = derive.get("laplace-mle").extras["location_condition"]
    at_mean = cond.xreplace({est.n_below: int(np.sum(data < mean)), est.n_above: int(np.sum(data > mean)), n: 5})
    assert at_mean == sp.false


@settings(max_examples=25, deadline=None)
@given(gaussian_samples(min_size=2, max_size=30), exponential_samples(), poisson_samples(), bernoulli_samples())
def test_estimators_equal_the_textbook_formulas_on_any_sample(gs, es, ps, bs):
    """Hypothesis: on arbitrary samples the derived formulas equal numpy's (mean, var, 1/mean, median)."""
    assert _evaluate(derive.get("gaussian-mle-mean").result, gs) == pytest.approx(np.mean(gs), rel=1e-9, abs=1e-9)
    m = float(np.mean(gs))
    assert _evaluate(derive.get("gaussian-mle-variance").result, gs, {mu: m}) == pytest.approx(
        np.var(gs), rel=1e-9, abs=1e-6)
    assert _evaluate(derive.get("exponential-mle").result, es) == pytest.approx(1 / np.mean(es), rel=1e-9)
    assert _evaluate(derive.get("poisson-mle").result, ps) == pytest.approx(np.mean(ps), rel=1e-12, abs=1e-12)
    assert _evaluate(derive.get("bernoulli-mle").result, bs) == pytest.approx(np.mean(bs), rel=1e-12, abs=1e-12)
    assert _evaluate(derive.get("laplace-mle").result, gs) == pytest.approx(
        np.mean(np.abs(gs - np.median(gs))), rel=1e-9, abs=1e-9)


# --- numeric agreement: the multivariate Gaussian ---------------------------------------------


def _spd(rng, dim):
    B = rng.standard_normal((dim, dim))
    return B @ B.T + dim * np.eye(dim)


@pytest.mark.parametrize("seed", range(3))
def test_mvn_mean_maximises_the_likelihood(seed):
    rng = np.random.default_rng(seed)
    dim, size = int(rng.integers(1, 4)), int(rng.integers(3, 25))
    cov = _spd(rng, dim)
    data = rng.multivariate_normal(rng.uniform(-5, 5, size=dim), cov, size=size)
    estimate = _evaluate_matrix(derive.get("mvn-mle-mean").result, data).ravel()
    res = optimize.minimize(lambda m: -np.sum(stats.multivariate_normal.logpdf(data, m, cov)),
                            x0=np.zeros(dim), method="BFGS", options={"gtol": 1e-10})
    assert np.allclose(estimate, res.x, atol=1e-5)
    assert np.allclose(estimate, data.mean(axis=0), rtol=1e-12, atol=1e-12)


def _cholesky_params(dim):
    rows, cols = np.tril_indices(dim)
    return rows, cols


@pytest.mark.parametrize("seed", range(3))
def test_mvn_covariance_maximises_the_likelihood(seed):
    """Maximise over Sigma = L L^T (L lower triangular, any real entries) with BFGS."""
    rng = np.random.default_rng(seed)
    dim = int(rng.integers(1, 4))
    size = int(rng.integers(dim + 3, 30))
    data = rng.multivariate_normal(rng.uniform(-3, 3, size=dim), _spd(rng, dim), size=size)
    m = data.mean(axis=0)
    estimate = _evaluate_matrix(derive.get("mvn-mle-covariance").result, data,
                                {est.mu_v: sp.ImmutableMatrix(m.reshape(dim, 1))})
    rows, cols = _cholesky_params(dim)

    def nll(q):
        L = np.zeros((dim, dim))
        L[rows, cols] = q
        S = L @ L.T + 1e-12 * np.eye(dim)
        return -np.sum(stats.multivariate_normal.logpdf(data, m, S))

    start = np.linalg.cholesky(np.cov(data.T, bias=True).reshape(dim, dim) + np.eye(dim))[rows, cols]
    res = optimize.minimize(nll, x0=start, method="BFGS", options={"gtol": 1e-9})
    L = np.zeros((dim, dim))
    L[rows, cols] = res.x
    assert np.allclose(estimate, L @ L.T, rtol=1e-4, atol=1e-6)
    assert np.allclose(estimate, np.cov(data.T, bias=True).reshape(dim, dim), rtol=1e-12, atol=1e-12)
    assert nll(np.linalg.cholesky(estimate)[rows, cols]) <= res.fun + 1e-9


def test_mvn_covariance_gradient_by_finite_differences_in_50_digits():
    """The derived gradient G (d ell = tr(G H)) against central differences of ell in mpmath."""
    mpmath.mp.dps = 50
    try:
        d = derive.get("mvn-mle-covariance")
        rng = np.random.default_rng(7)
        dim, size = 3, 6
        data = rng.integers(-5, 6, size=(size, dim))
        Sigma0 = np.array([[4, 1, 0], [1, 3, 1], [0, 1, 5]])
        mean = np.array([1, -1, 2])
        Hd = np.array([[1, 2, 0], [2, -1, 1], [0, 1, 3]])
        values = {N: size, k: dim}
        mats = {est.D: sp.ImmutableMatrix(data.T), est.mu_v: sp.ImmutableMatrix(mean.reshape(dim, 1)),
                est.Sigma: sp.ImmutableMatrix(Sigma0)}
        G = d.extras["gradient"].xreplace(mats).xreplace(values).doit()
        G = sp.ImmutableMatrix(G.as_explicit() if hasattr(G, "as_explicit") else G)
        directional = sum(G[a, b] * int(Hd[a, b]) for a in range(dim) for b in range(dim))

        def ell(S):
            S = mpmath.matrix(S)
            centred = [mpmath.matrix([int(v) for v in row]) - mpmath.matrix(mean.tolist()) for row in data]
            quad = sum((c.T * mpmath.inverse(S) * c)[0] for c in centred)
            return -size * dim / 2 * mpmath.log(2 * mpmath.pi) - size / 2 * mpmath.log(mpmath.det(S)) - quad / 2

        eps = mpmath.mpf("1e-20")
        S0 = mpmath.matrix(Sigma0.tolist())
        Hm = mpmath.matrix(Hd.tolist())
        fd = (ell(S0 + eps * Hm) - ell(S0 - eps * Hm)) / (2 * eps)
        assert abs(fd - mpmath.mpf(sp.Rational(directional).p) / sp.Rational(directional).q) < mpmath.mpf("1e-30")
    finally:
        mpmath.mp.dps = 15


# --- the seed posts ---------------------------------------------------------------------------


def test_seed_002_transpose_step_is_wrong():
    """Seed 002 writes -x_i^T Sigma^-1 = (-x_i^T Sigma^-1)^T = Sigma^-1 x_i: a 1 x k row cannot
    equal a k x 1 column, and the transpose of -x^T S^-1 is -S^-1 x (the sign is lost)."""
    S, xv = est.Sigma, sp.MatrixSymbol("x", k, 1)
    assumptions = [Assumption.positive_definite(S)]
    transposed = (-xv.T * S.I).T
    assert check_pair(transposed, S.I * xv, Relation.EQUAL, assumptions=assumptions).status == "failed"
    assert check_pair(transposed, -S.I * xv, Relation.EQUAL, assumptions=assumptions).status == PASSED


def test_seed_000_variance_derivative_is_right():
    """Seed 000's d ell / d sigma = -n/sigma + sum (x_i - mu)^2 / sigma^3 checks."""
    d = derive.get("gaussian-mle-mean")
    loglik = d.extras["log_likelihood"]
    claimed = -n / sigma + sp.Sum((x_[i] - mu) ** 2, (i, 1, n)) / sigma**3
    verdict = check_pair(loglik, claimed, Relation.GRADIENT, wrt=(sigma,), assumptions=d.assumptions)
    assert verdict.status == PASSED, verdict.detail


# --- the engine extensions these derivations rely on ------------------------------------------


def test_iff_with_a_two_sided_factor():
    S, G = est.Sigma, sp.MatrixSymbol("G", k, k)
    assumptions = [Assumption.positive_definite(S)]
    before = sp.Eq(S.I * G * S.I, sp.ZeroMatrix(k, k))
    after = sp.Eq(G, sp.ZeroMatrix(k, k))
    ok = check_pair(before, after, Relation.IFF, wrt=(G,), factor=(S.I, S.I), assumptions=assumptions)
    assert ok.status == PASSED, ok.detail
    wrong = check_pair(before, after, Relation.IFF, wrt=(G,), factor=(S.I, S), assumptions=assumptions)
    assert wrong.status == "failed"
    singular = check_pair(sp.Eq(G * G, sp.ZeroMatrix(k, k)), after, Relation.IFF, wrt=(G,),
                          factor=(G, sp.Identity(k)), assumptions=assumptions)
    assert singular.status == "failed" and "invertible" in singular.detail


def test_positive_sums_decide_signs_and_summands_stay_unknown():
    from derive.core import signs

    total = sp.Sum(x_[i], (i, 1, n))
    ctx = Context.from_assumptions([Assumption.positive_integer(n), Assumption.positive(total)])
    assert signs.sign(-total / p**2, ctx) == "negative"
    assert signs.sign(-total / p**2, Context.from_assumptions([Assumption.positive_integer(n)])) is None
    # a summand with its free index is not one value: never replaced by a positive constant
    inner = Context.from_assumptions([Assumption.positive(1 - x_[i])])
    assert (1 - x_[i]) not in inner.positive_dummies()


def test_trace_of_p_h_p_h_is_positive_only_with_its_hypotheses():
    from derive.core import signs

    S, Hm = est.Sigma, est.H
    expr = -N * sp.Trace(S.I * Hm * S.I * Hm) / 2
    full = Context.from_assumptions([Assumption.positive_integer(N), Assumption.positive_definite(S),
                                     Assumption.symmetric(Hm), Assumption.nonzero(Hm)])
    assert signs.sign(expr, full) == "negative"
    no_zero = Context.from_assumptions([Assumption.positive_integer(N), Assumption.positive_definite(S),
                                        Assumption.symmetric(Hm)])
    assert signs.sign(expr, no_zero) == "nonpositive"
    not_symmetric = Context.from_assumptions([Assumption.positive_integer(N), Assumption.positive_definite(S),
                                              Assumption.nonzero(Hm)])
    assert signs.sign(expr, not_symmetric) is None


def test_instances_respect_declared_domains():
    from derive.core.instantiate import Instance

    q = sp.Symbol("q", positive=True)
    ctx = Context.from_assumptions([Assumption.positive(1 - q), Assumption.positive_integer(n)])
    dens = sp.Function("g", positive=True)
    for plan in range(5):
        world = Instance(ctx, seed=3, plan=plan)
        assert 0 < world.evaluate(q) < 1
        count = world.evaluate(est.counts_x[2])
        assert count.is_Integer and count >= 0
        assert world.evaluate(dens(sp.Rational(1, 3), x_[1])) > 0
        # traces, ones vectors and column slices evaluate to numbers
        x_i = est.column(est.D, i)
        value = world.evaluate(sp.Sum(sp.Trace(x_i.T * x_i), (i, 1, N)) - sp.Trace(est.D.T * est.D))
        assert value == 0
        assert world.evaluate(sp.Trace(est.ones.T * est.ones)) == world.evaluate(N)
