"""Likelihood to loss: iid log-likelihood, Gaussian -> MSE, Laplace -> MAE, MLE = cross-entropy =
KL minimisation, Bernoulli -> binary cross-entropy with gradient p - y.

Every derivation checks with every step decided (symbolic or instantiated); results are compared
with their textbook claims through the checker's prove_equal; numeric tests evaluate the SymPy
results on random data (fixed seeds) and compare with independent numpy / scipy computations:
log densities from scipy.stats, minimisers from scipy.optimize, gradients by finite differences.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, special, stats

import derive
from derive.catalog import likelihood as lk
from derive.catalog.symbols import f_, i, n, scale_b, sigma, x_, y_
from derive.core.check import (
    FAILED,
    PASSED,
    check_pair,
    prove_equal,
)
from derive.core.context import Context
from derive.core.derivation import Relation

IDS = ("log-likelihood-iid", "gaussian-nll-mse", "laplace-nll-mae", "mle-cross-entropy", "bernoulli-nll-bce")


@functools.cache
def _report(name):
    return derive.get(name).check()


def _ctx(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


def _sum_values(expr, arrays, scalars):
    """Evaluate expr with every Sum over i computed in numpy on the arrays ({IndexedBase: array})
    and the remaining symbols from `scalars`: the test's own translation, not derive's codegen."""
    size = len(next(iter(arrays.values())))
    stand_in = {base: sp.Symbol(f"_{base.label}") for base in arrays}

    def numeric_sum(node):
        (index, _low, _high), = node.limits
        body = node.function.replace(
            lambda e: isinstance(e, sp.Indexed) and e.indices == (index,),
            lambda e: stand_in[e.base],
        )
        fn = sp.lambdify(list(stand_in.values()) + list(scalars), body, "numpy")
        values = np.broadcast_to(fn(*arrays.values(), *scalars.values()), (size,))
        return sp.Float(float(np.sum(values)), 30)

    out = expr.xreplace({n: size}).replace(lambda e: isinstance(e, sp.Sum), numeric_sum)
    return float(out.xreplace(scalars))


# --- every derivation checks ----------------------------------------------------------------


@pytest.mark.parametrize("name", IDS)
def test_result_is_the_last_chain_value_or_named(name):
    """The result is computed (taken from a step), never typed in."""
    d = derive.get(name)
    assert any(step.expr == d.result for step in d.steps)


def test_every_dropped_constant_is_named():
    """Constants leave through same-minimiser steps with explicit alpha and beta."""
    for name in ("gaussian-nll-mse", "laplace-nll-mae", "mle-cross-entropy", "bernoulli-nll-bce"):
        d = derive.get(name)
        for step in d.steps:
            if step.relation in (Relation.SAME_MINIMISER, Relation.MAX_TO_MIN):
                assert step.alpha is not None and step.beta is not None, (name, step.reason)


# --- log-likelihood of iid samples ------------------------------------------------------------


def test_iid_log_likelihood_is_a_sum_and_its_score_is_a_sum():
    d = derive.get("log-likelihood-iid")
    p, theta = lk.density, lk.theta
    assert d.result == sp.Sum(sp.log(p(x_[i], theta)), (i, 1, n))
    score = d.extras["score"]
    expected = sp.Sum(sp.Derivative(p(x_[i], theta), theta) / p(x_[i], theta), (i, 1, n))
    assert prove_equal(score, expected, _ctx(d)).status == PASSED


def test_iid_log_likelihood_numerically():
    """log prod = sum log for a concrete density (Gaussian, scipy) on random data."""
    rng = np.random.default_rng(0)
    data = rng.normal(1.5, 2.0, size=40)
    theta = 0.7
    concrete = sp.Lambda((sp.Symbol("u"), sp.Symbol("th")),
                         lk.gaussian_density(sp.Symbol("u"), sp.Symbol("th"), 2))
    result = derive.get("log-likelihood-iid").result.replace(lk.density, concrete)
    value = _sum_values(result, {x_: data}, {lk.theta: theta})
    assert value == pytest.approx(np.sum(stats.norm.logpdf(data, theta, 2.0)), rel=1e-12)
    assert value == pytest.approx(np.log(np.prod(stats.norm.pdf(data[:20], theta, 2.0)))
                                  + np.sum(stats.norm.logpdf(data[20:], theta, 2.0)), rel=1e-10)


# --- Gaussian -> MSE, Laplace -> MAE ---------------------------------------------------------


def test_gaussian_nll_has_the_textbook_form():
    d = derive.get("gaussian-nll-mse")
    assert prove_equal(d.extras["nll"], d.extras["nll_claim"], _ctx(d)).status == PASSED


def test_laplace_nll_has_the_textbook_form():
    d = derive.get("laplace-nll-mae")
    assert prove_equal(d.extras["nll"], d.extras["nll_claim"], _ctx(d)).status == PASSED


@pytest.mark.parametrize("seed", range(3))
def test_gaussian_and_laplace_nll_values_match_scipy(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=25)
    f = rng.normal(size=25)
    s, b = 0.3 + rng.random(), 0.3 + rng.random()
    g = derive.get("gaussian-nll-mse").extras["nll"]
    lap = derive.get("laplace-nll-mae").extras["nll"]
    arrays = {y_: y, f_: f}
    assert _sum_values(g, arrays, {sigma: s}) == pytest.approx(-np.sum(stats.norm.logpdf(y, f, s)), rel=1e-12)
    assert _sum_values(lap, arrays, {scale_b: b}) == pytest.approx(
        -np.sum(stats.laplace.logpdf(y, f, b)), rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_nll_and_loss_have_the_same_minimiser(seed):
    """Fit a constant model f_i = c: the NLL minimiser is the MSE / MAE minimiser."""
    rng = np.random.default_rng(seed)
    y = rng.standard_t(3, size=31)
    c = sp.Symbol("c")
    for name, scale, pdf in (("gaussian-nll-mse", sigma, stats.norm), ("laplace-nll-mae", scale_b, stats.laplace)):
        d = derive.get(name)
        loss = d.result.xreplace({f_[i]: c})
        by_loss = optimize.minimize_scalar(lambda v, loss=loss: _sum_values(loss, {y_: y}, {c: v}),
                                           bounds=(-5, 5), method="bounded", options={"xatol": 1e-10})
        by_nll = optimize.minimize_scalar(lambda v, pdf=pdf: -np.sum(pdf.logpdf(y, v, 0.7)),
                                          bounds=(-5, 5), method="bounded", options={"xatol": 1e-10})
        expected = np.mean(y) if name == "gaussian-nll-mse" else np.median(y)
        assert by_loss.x == pytest.approx(by_nll.x, abs=1e-6)
        assert by_loss.x == pytest.approx(expected, abs=1e-6)


def test_seed_sign_error_in_gaussian_nll_is_caught():
    """Seed 001 writes -log prod N(...) = -(n/2) log(2 pi sigma^2) - (1/(2 sigma^2)) sum r^2:
    both signs are wrong; the checker rejects the step and accepts the corrected one."""
    d = derive.get("gaussian-nll-mse")
    nll, residuals = d.steps[0].expr, sp.Sum((y_[i] - f_[i]) ** 2, (i, 1, n))
    wrong = -n / 2 * sp.log(2 * sp.pi * sigma**2) - residuals / (2 * sigma**2)
    right = n / 2 * sp.log(2 * sp.pi * sigma**2) + residuals / (2 * sigma**2)
    assumptions = d.assumptions
    assert check_pair(nll, wrong, Relation.EQUAL, assumptions=assumptions).status == FAILED
    assert check_pair(nll, right, Relation.EQUAL, assumptions=assumptions).status == PASSED


# --- MLE = cross-entropy = KL ------------------------------------------------------------------


def test_cross_entropy_extras():
    d = derive.get("mle-cross-entropy")
    ctx = _ctx(d)
    assert prove_equal(d.extras["cross_entropy"], d.extras["cross_entropy_claim"], ctx).status == PASSED
    # KL = cross-entropy - entropy, with the entropy free of theta
    assert prove_equal(d.result, d.extras["cross_entropy"] - d.extras["entropy"], ctx).status == PASSED
    assert not d.extras["entropy"].has(lk.theta)
    assert prove_equal(d.extras["mean_log_likelihood"], -d.extras["cross_entropy"], ctx).status == PASSED


def _categorical(theta, support):
    """A one-parameter model on a finite support: p(z) proportional to exp(theta z - z^2 / 2)."""
    logits = theta * support - support**2 / 2
    return special.softmax(logits)


@pytest.mark.parametrize("seed", range(4))
def test_mle_minimises_kl_numerically(seed):
    """On a concrete support: maximise the mean log-likelihood of a sample over theta, minimise
    the derived KL (evaluated from the SymPy result with c_j/n the empirical distribution) and
    scipy's KL; all three agree, and the grouped form equals the per-sample log-likelihood."""
    rng = np.random.default_rng(seed)
    support = np.array([-1.0, 0.0, 1.5, 3.0])
    sample = rng.choice(support, size=60, p=_categorical(0.8, support))
    counts = np.array([np.sum(sample == z) for z in support])
    keep = counts > 0  # the derivation's support: points that occur (c_j >= 1)
    d = derive.get("mle-cross-entropy")

    def per_sample(t):
        probs = dict(zip(support, _categorical(t, support)))
        return np.mean([np.log(probs[x]) for x in sample])

    def grouped(t):
        probs = _categorical(t, support)[keep]
        return _support_sum(d.extras["mean_log_likelihood"], counts[keep], probs, len(sample))

    def kl_derived(t):
        return _support_sum(d.result, counts[keep], _categorical(t, support)[keep], len(sample))

    def kl_scipy(t):
        return stats.entropy(counts[keep] / len(sample), _categorical(t, support)[keep])

    for t in (-0.5, 0.3, 1.1):
        assert grouped(t) == pytest.approx(per_sample(t), rel=1e-12)
        assert kl_derived(t) == pytest.approx(kl_scipy(t), rel=1e-10, abs=1e-12)
    best = [optimize.minimize_scalar(f, bounds=(-3, 3), method="bounded", options={"xatol": 1e-10}).x
            for f in (lambda t: -per_sample(t), kl_derived, kl_scipy)]
    assert best[0] == pytest.approx(best[1], abs=1e-6)
    assert best[0] == pytest.approx(best[2], abs=1e-6)


def _support_sum(expr, counts, probs, size):
    """Evaluate a Sum over the support j = 1..K with c_j = counts, p(z_j, theta) = probs."""
    K = lk.K

    def numeric_sum(node):
        (index, _low, _high), = node.limits
        total = 0.0
        for j, (c, q) in enumerate(zip(counts, probs), start=1):
            term = node.function.xreplace({index: j})
            term = term.xreplace({lk.counts[j]: sp.Integer(int(c))})
            term = term.replace(lambda e, q=q: e.func == lk.density, lambda e, q=q: sp.Float(q, 30))
            total += float(term.xreplace({n: size}))
        return sp.Float(total, 30)

    return float(expr.replace(lambda e: isinstance(e, sp.Sum), numeric_sum).xreplace({n: size, K: len(counts)}))


# --- Bernoulli -> binary cross-entropy ----------------------------------------------------------


def test_bce_gradient_is_p_minus_y():
    d = derive.get("bernoulli-nll-bce")
    assert d.extras["gradient"] == d.extras["gradient_claim"]


def test_sigmoid_is_the_logistic_function():
    z = sp.Symbol("z", real=True)
    assert sp.simplify(lk.sigmoid(z).rewrite(sp.exp) - 1 / (1 + sp.exp(-z))) == 0
    assert sp.simplify((lk.sigmoid(z).diff(z) - sp.diff(1 / (1 + sp.exp(-z)), z)).rewrite(sp.exp)) == 0
    assert float(lk.sigmoid(sp.Rational(3, 2))) == pytest.approx(special.expit(1.5), rel=1e-15)
    assert float(lk.sigmoid(z).subs(z, 0.25).evalf()) == pytest.approx(special.expit(0.25), rel=1e-15)


@pytest.mark.parametrize("seed", range(3))
def test_bce_value_and_gradient_numerically(seed):
    """The derived BCE equals the Bernoulli NLL / n from scipy; its gradient in z_i equals
    (sigmoid(z_i) - y_i)/n by central finite differences."""
    rng = np.random.default_rng(seed)
    size = 17
    z = rng.normal(scale=2.0, size=size)
    y = rng.integers(0, 2, size=size).astype(float)
    d = derive.get("bernoulli-nll-bce")
    bce = d.result.replace(lk.sigmoid, sp.Lambda(sp.Symbol("s"), 1 / (1 + sp.exp(-sp.Symbol("s")))))

    def value(zz):
        return _sum_values(bce, {lk.logit: zz, y_: y}, {})

    reference = -np.mean(stats.bernoulli.logpmf(y, special.expit(z)))
    assert value(z) == pytest.approx(reference, rel=1e-12)
    grad = d.extras["gradient"]
    for j in range(3):
        e = np.zeros(size)
        e[j] = 1e-6
        fd = (value(z + e) - value(z - e)) / 2e-6
        analytic = float(grad.subs({sp.Symbol("z", real=True): z[j], sp.Symbol("y", real=True): y[j]}).evalf()) / size
        assert fd == pytest.approx(analytic, rel=1e-5, abs=1e-9)
        assert analytic == pytest.approx((special.expit(z[j]) - y[j]) / size, rel=1e-12)
