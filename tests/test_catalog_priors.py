"""MAP and priors: Bayes' rule, flat prior = MLE, Gaussian prior = ridge, precision prior = weight
decay (lambda/2), Laplace prior = lasso with soft-thresholding.

Symbolic results are compared with their textbook claims through the checker's prove_equal;
the regularisation weights are compared with SymPy equality; numeric tests minimise the
negative log-posterior written in numpy (with scipy.stats densities, constants included) and
compare the minimiser with the closed forms derive computed.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import derive
from derive.catalog import priors
from derive.catalog.symbols import X, d, lam, n, scale_b, sigma, tau, w, y
from derive.core.check import PASSED, SYMBOLIC, check_pair, prove_equal
from derive.core.context import Context
from derive.core.derivation import Assumption, Relation

IDS = (
    "bayes-rule",
    "map-uniform-prior-mle",
    "map-gaussian-prior-ridge",
    "map-precision-prior-weight-decay",
    "map-laplace-prior-lasso",
)


@functools.cache
def _report(name):
    return derive.get(name).check()


def _ctx(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


def _explicit(expr, matrices, scalars, sizes):
    """Evaluate a matrix expression exactly: matrices first (their shapes name n, d), then sizes."""
    e = expr.xreplace(matrices).xreplace(scalars).xreplace(sizes).doit()
    return sp.ImmutableMatrix(e.as_explicit() if hasattr(e, "as_explicit") else e)


# --- every derivation checks --------------------------------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_metadata(name):
    d_ = derive.get(name)
    assert d_.id == name and d_.topic == "priors"
    assert d_.title and d_.statement and d_.references and d_.variables
    assert d_.steps[0].relation is Relation.DEFINITION
    assert all(s.reason for s in d_.steps)
    texts = {a.text for a in d_.assumptions}
    for step in d_.steps:
        assert set(step.uses) <= texts, (step.reason, step.uses)


# --- Bayes' rule --------------------------------------------------------------------------------


def test_bayes_rule_result_is_the_textbook_formula():
    d_ = derive.get("bayes-rule")
    assert sp.simplify(d_.result - priors.P_D_given_theta * priors.P_theta / priors.P_D) == 0


def test_bayes_rule_needs_p_d_positive():
    """Without P(D) > 0 the division step is not allowed."""
    d_ = derive.get("bayes-rule")
    before, after = d_.steps[0].expr, d_.steps[1]
    verdict = check_pair(before, after.expr, Relation.IFF, wrt=after.wrt,
                         factor=sp.Symbol(r"P(D)", real=True))
    assert verdict.status != PASSED


def test_bayes_rule_on_a_joint_table():
    rng = np.random.default_rng(0)
    joint = rng.random((3, 4))
    joint /= joint.sum()  # P(theta = a, D = b)
    p_theta, p_data = joint.sum(axis=1), joint.sum(axis=0)
    f = sp.lambdify([priors.P_D_given_theta, priors.P_theta, priors.P_D], derive.get("bayes-rule").result)
    for a in range(3):
        for b in range(4):
            posterior_direct = joint[a, b] / p_data[b]
            likelihood = joint[a, b] / p_theta[a]
            assert f(likelihood, p_theta[a], p_data[b]) == pytest.approx(posterior_direct, rel=1e-12)


# --- flat prior --------------------------------------------------------------------------------


def test_uniform_prior_drops_only_constants():
    d_ = derive.get("map-uniform-prior-mle")
    const = d_.extras["dropped_constant"]
    assert not const.has(priors.theta_s)
    assert sp.expand(const - (sp.log(priors.flat) - sp.log(priors.evidence))) == 0
    relations = [s.relation for s in d_.steps]
    assert Relation.SAME_MINIMISER in relations and relations[-1] is Relation.MAX_TO_MIN


def test_uniform_prior_numeric_argmax():
    """Bernoulli data, flat prior on (0, 1): the derived objective (the negative log-posterior
    up to the dropped constant) has its minimum on a grid at the sample mean, where the
    derived Bernoulli MLE puts it, and it differs from the log-posterior by a constant."""
    x = np.array([1, 0, 1, 1, 0, 1, 1])
    d_ = derive.get("map-uniform-prior-mle")
    theta = priors.theta_s
    likelihood = theta ** int(x.sum()) * (1 - theta) ** int(len(x) - x.sum())
    objective = d_.result.replace(priors.likelihood_f, sp.Lambda(theta, likelihood))
    first = d_.steps[0].expr.replace(priors.likelihood_f, sp.Lambda(theta, likelihood))
    grid = np.linspace(1e-4, 1 - 1e-4, 20001)
    values = sp.lambdify(theta, objective, "numpy")(grid)
    mode = grid[np.argmin(values)]
    assert mode == pytest.approx(x.mean(), abs=1e-4)
    mle = derive.get("bernoulli-mle").result
    from derive.catalog import estimators as est
    from derive.catalog.symbols import i

    at_data = mle.xreplace({n: len(x)}).doit().xreplace(
        {est.counts_x[j + 1]: int(v) for j, v in enumerate(x)})
    assert float(at_data) == pytest.approx(mode, abs=1e-4)
    consts = {priors.flat: 1.0, priors.evidence: 0.37}
    log_post = sp.lambdify(theta, first.xreplace(consts), "numpy")(grid)
    gap = log_post + values  # log posterior = -objective + constant
    assert np.ptp(gap) < 1e-9


# --- Gaussian prior: ridge -------------------------------------------------------------------------


def test_ridge_lambda_is_sigma2_over_tau2():
    d_ = derive.get("map-gaussian-prior-ridge")
    assert d_.extras["lam"] == sigma**2 / tau**2
    assert sp.simplify(d_.extras["lam"] - sigma**2 / tau**2) == 0


def test_ridge_objective_equals_claim():
    d_ = derive.get("map-gaussian-prior-ridge")
    verdict = prove_equal(d_.extras["objective"], d_.extras["objective_claim"], _ctx(d_))
    assert verdict.status == PASSED, verdict


def test_ridge_hessian_is_positive_definite_step():
    report = _report("map-gaussian-prior-ridge")
    inequality = [s for s in report.steps if isinstance(s.step.expr, sp.StrictGreaterThan)]
    assert len(inequality) == 1 and inequality[0].verdict.status == PASSED


def test_ridge_links_to_ridge_solution():
    """derive.get('ridge-solution') with lambda = sigma^2 / tau^2 is the MAP estimate."""
    d_ = derive.get("map-gaussian-prior-ridge")
    ridge = derive.get("ridge-solution")
    substituted = ridge.result.xreplace({lam: d_.extras["lam"]})
    verdict = prove_equal(substituted, d_.result, _ctx(d_))
    assert verdict.status == PASSED, verdict
    objective = ridge.steps[0].expr.xreplace({lam: d_.extras["lam"]})
    verdict = prove_equal(objective, d_.extras["objective"], _ctx(d_))
    assert verdict.status == PASSED, verdict


@pytest.mark.parametrize("seed", range(4))
def test_ridge_map_minimiser_numeric(seed):
    """scipy minimises the full negative log-posterior; the minimiser is the ridge closed form."""
    rng = np.random.default_rng(seed)
    n_, d_ = 12, 4
    Xv = np.round(rng.standard_normal((n_, d_)), 2)  # short decimals: exact rationals stay small
    yv = np.round(Xv @ rng.standard_normal(d_) + 0.5 * rng.standard_normal(n_), 2)
    s, t = np.round(rng.uniform(0.3, 2.0), 2), np.round(rng.uniform(0.2, 1.5), 2)

    def nlp(wv):
        log_lik = stats.norm.logpdf(yv, loc=Xv @ wv, scale=s).sum()
        log_prior = stats.norm.logpdf(wv, loc=0.0, scale=t).sum()
        return -(log_lik + log_prior)

    def grad(wv):
        return -Xv.T @ (yv - Xv @ wv) / s**2 + wv / t**2

    found = optimize.minimize(nlp, np.zeros(d_), jac=grad, method="BFGS", options={"gtol": 1e-11}).x
    D = derive.get("map-gaussian-prior-ridge")
    lam_value = float(D.extras["lam"].subs({sigma: s, tau: t}))
    closed = np.linalg.solve(Xv.T @ Xv + lam_value * np.eye(d_), Xv.T @ yv)
    np.testing.assert_allclose(found, closed, rtol=1e-6, atol=1e-8)
    # derive's own result, evaluated exactly at rational approximations of the same data
    S, T = sp.nsimplify(s, rational=True), sp.nsimplify(t, rational=True)
    Xq = sp.ImmutableMatrix(Xv.tolist()).applyfunc(lambda q: sp.nsimplify(q, rational=True))
    yq = sp.ImmutableMatrix(yv.reshape(-1, 1).tolist()).applyfunc(lambda q: sp.nsimplify(q, rational=True))
    exact = _explicit(D.result, {X: Xq, y: yq}, {sigma: S, tau: T}, {n: n_, d: d_})
    np.testing.assert_allclose(np.array(exact, dtype=float).ravel(), closed, rtol=1e-9)


# --- weight decay -----------------------------------------------------------------------------------


def test_weight_decay_coefficient_is_half_lambda():
    d_ = derive.get("map-precision-prior-weight-decay")
    assert d_.extras["coefficient"] == lam / 2
    assert d_.extras["coefficient"] != lam  # seed 004 writes lambda ||w||^2
    assert sp.expand(d_.extras["decay_factor"] - (1 - priors.eta * lam)) == 0
    verdict = prove_equal(d_.extras["gradient"], lam * w, _ctx(d_))
    assert verdict.status == PASSED


@pytest.mark.parametrize("seed", range(3))
def test_weight_decay_penalty_numeric(seed):
    """-log N(w | 0, lambda^{-1} I) - (lambda/2)||w||^2 does not depend on w."""
    rng = np.random.default_rng(seed)
    dim, precision = 5, rng.uniform(0.1, 10.0)
    prior = stats.multivariate_normal(mean=np.zeros(dim), cov=np.eye(dim) / precision)
    D = derive.get("map-precision-prior-weight-decay")
    half = float(D.extras["coefficient"].subs(lam, precision))
    values = []
    for _ in range(6):
        wv = rng.standard_normal(dim) * 3
        values.append(-prior.logpdf(wv) - half * wv @ wv)
    np.testing.assert_allclose(values, values[0], rtol=1e-10, atol=1e-10)
    constant = float(D.extras["dropped_constant"].subs({lam: precision, d: dim}))
    assert values[0] == pytest.approx(constant, rel=1e-9, abs=1e-10)


# --- Laplace prior: lasso ----------------------------------------------------------------------------


def test_lasso_lambda_is_two_sigma2_over_b():
    d_ = derive.get("map-laplace-prior-lasso")
    assert d_.extras["lam"] == 2 * sigma**2 / scale_b
    assert sp.simplify(d_.extras["lam"] - 2 * sigma**2 / scale_b) == 0


def _soft(expr, zv, lv):
    return expr.xreplace({priors.z: zv, lam: lv})


@pytest.mark.parametrize(
    "zv", [sp.Integer(3), sp.Rational(-7, 2), sp.Rational(1, 4), sp.Integer(-1), sp.Integer(1), 0],
    ids=["above", "below", "inside", "at-minus", "at-plus", "zero"],
)
def test_soft_threshold_equals_claim_in_each_case(zv):
    """lambda = 2: threshold 1; every case and both edges, in exact arithmetic."""
    d_ = derive.get("map-laplace-prior-lasso")
    got = _soft(d_.extras["soft_threshold"], zv, sp.Integer(2))
    want = _soft(d_.extras["soft_threshold_claim"], zv, sp.Integer(2))
    assert got == want


def test_soft_threshold_symbolic_claim():
    d_ = derive.get("map-laplace-prior-lasso")
    verdict = prove_equal(d_.extras["soft_threshold"], d_.extras["soft_threshold_claim"], _ctx(d_))
    assert verdict.status == PASSED, verdict
    branches = d_.extras["branches"]
    assert branches["positive"][0] == priors.z - lam / 2
    assert branches["negative"][0] == priors.z + lam / 2


def test_soft_threshold_brute_force():
    d_ = derive.get("map-laplace-prior-lasso")
    soft = sp.lambdify([priors.z, lam], d_.extras["soft_threshold"], "numpy")
    objective = sp.lambdify([priors.u, priors.z, lam], d_.extras["one_coordinate_objective"], "numpy")
    rng = np.random.default_rng(1)
    for zv, lv in zip(rng.uniform(-5, 5, 60), rng.uniform(0.1, 6, 60)):
        res = optimize.minimize_scalar(objective, bounds=(-10, 10), args=(zv, lv),
                                       method="bounded", options={"xatol": 1e-10})
        assert float(soft(zv, lv)) == pytest.approx(res.x, abs=1e-6)
        grid = np.linspace(-10, 10, 20001)
        assert objective(float(soft(zv, lv)), zv, lv) <= objective(grid, zv, lv).min() + 1e-12


def _lasso_problem(seed):
    rng = np.random.default_rng(seed)
    n_, d_ = 10, 4
    q, r = np.linalg.qr(rng.standard_normal((n_, d_)))
    Xv = q * np.sign(np.diag(r))  # orthonormal columns
    yv = Xv @ np.array([3.0, -2.0, 0.1, 0.0]) + 0.3 * rng.standard_normal(n_)
    return Xv, yv, rng.uniform(0.5, 1.5), rng.uniform(0.3, 1.0)


@pytest.mark.parametrize("seed", range(3))
def test_lasso_objective_is_the_negative_log_posterior_up_to_scale(seed):
    """NLP(w) * 2 sigma^2 - (||y - X w||^2 + lambda ||w||_1) is the same for every w."""
    Xv, yv, s, b = _lasso_problem(seed)
    lam_value = float(derive.get("map-laplace-prior-lasso").extras["lam"].subs({sigma: s, scale_b: b}))
    rng = np.random.default_rng(seed + 100)
    values = []
    for _ in range(5):
        wv = rng.standard_normal(4) * 2
        nlp = -(stats.norm.logpdf(yv, Xv @ wv, s).sum() + stats.laplace.logpdf(wv, 0, b).sum())
        values.append(2 * s**2 * nlp - (np.sum((yv - Xv @ wv) ** 2) + lam_value * np.abs(wv).sum()))
    np.testing.assert_allclose(values, values[0], rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_lasso_map_orthonormal_design_is_soft_threshold(seed):
    """Orthonormal X: the MAP estimate is S(X^T y, lambda/2) coordinatewise, lambda = 2 sigma^2 / b."""
    Xv, yv, s, b = _lasso_problem(seed)
    D = derive.get("map-laplace-prior-lasso")
    lam_value = float(D.extras["lam"].subs({sigma: s, scale_b: b}))
    soft = sp.lambdify([priors.z, lam], D.extras["soft_threshold"], "numpy")
    candidate = np.array([float(soft(zv, lam_value)) for zv in Xv.T @ yv])

    def nlp(wv):
        return -(stats.norm.logpdf(yv, Xv @ wv, s).sum() + stats.laplace.logpdf(wv, 0, b).sum())

    best = min(
        (optimize.minimize(nlp, start, method="Powell", options={"xtol": 1e-10, "ftol": 1e-14})
         for start in (np.zeros(4), Xv.T @ yv, candidate + 0.3)),
        key=lambda r: r.fun,
    )
    np.testing.assert_allclose(best.x, candidate, atol=1e-5)
    assert nlp(candidate) <= best.fun + 1e-10
    rng = np.random.default_rng(seed)
    for _ in range(50):
        assert nlp(candidate) <= nlp(candidate + rng.normal(scale=1e-3, size=4)) + 1e-12


# --- the engine change: an inequality from the previous equation --------------------------------


def test_implies_inequality_from_previous_equation():
    u_pos, z, a = sp.Symbol("u", positive=True), sp.Symbol("z", real=True), sp.Symbol("a", positive=True)
    before = sp.Eq(u_pos, z - a)
    good = check_pair(before, sp.StrictGreaterThan(z, a, evaluate=False), Relation.IMPLIES,
                      assumptions=(Assumption.positive(a),))
    assert good.status == PASSED and good.method == SYMBOLIC
    bad = check_pair(before, sp.StrictLessThan(z, a, evaluate=False), Relation.IMPLIES,
                     assumptions=(Assumption.positive(a),))
    assert bad.status == "failed"
    free = sp.Symbol("q", real=True)
    unknown = check_pair(sp.Eq(free, z - a), sp.StrictGreaterThan(z, a, evaluate=False),
                         Relation.IMPLIES, assumptions=(Assumption.positive(a),))
    assert unknown.status == "undecided"
