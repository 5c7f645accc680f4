"""Expectations of estimators and Fisher information: the textbook values, and planted errors."""

from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.catalog.estimators import variance
from derive.catalog.symbols import mu, n, p, rate, sigma
from derive.core.expectation import Expectation, Variance
from tests.planted import assert_rejected, check_planted

IDS = ["sample-mean-unbiased", "sample-mean-variance", "mle-variance-biased",
       "sample-variance-unbiased", "bias-variance-decomposition", "fisher-gaussian-mean",
       "fisher-gaussian-variance", "fisher-gaussian-cross", "fisher-bernoulli", "fisher-poisson",
       "fisher-exponential", "cramer-rao-sample-mean"]


@pytest.mark.parametrize("name", IDS)
def test_checks_with_every_step_decided(name):
    report = derive.get(name).check()
    assert report.ok and report.decided, [(s.index, s.verdict.detail) for s in report.steps]


def test_textbook_values():
    assert sp.simplify(derive.get("mle-variance-biased").result - (n - 1) * sigma**2 / n) == 0
    assert derive.get("mle-variance-biased").extras["bias"] == -sigma**2 / n
    assert derive.get("sample-variance-unbiased").result == sigma**2
    assert derive.get("sample-mean-variance").result == sigma**2 / n
    assert derive.get("fisher-gaussian-mean").result == 1 / variance
    assert derive.get("fisher-gaussian-variance").result == 1 / (2 * variance**2)
    assert derive.get("fisher-gaussian-cross").result == 0
    assert sp.simplify(derive.get("fisher-bernoulli").result - 1 / (p * (1 - p))) == 0
    assert derive.get("fisher-poisson").result == 1 / rate
    assert derive.get("fisher-exponential").result == rate**-2
    assert sp.simplify(derive.get("fisher-poisson").extras["cramer_rao_bound"] - rate / n) == 0


def test_fisher_information_is_computed_not_typed():
    # the first step is the definition with the derivative unevaluated
    d = derive.get("fisher-poisson")
    first = d.steps[0].expr
    assert isinstance(first, Expectation) and first.body.has(sp.Derivative)
    assert not d.result.has(Expectation)


def test_the_sample_mean_attains_the_cramer_rao_bound():
    d = derive.get("cramer-rao-sample-mean")
    info = derive.get("fisher-gaussian-mean").result
    assert sp.simplify(d.extras["variance_of_mean"] - 1 / (n * info)) == 0


# --- planted errors ---------------------------------------------------------------------------


def test_a_dropped_bias_term_is_rejected_at_the_last_step():
    d = derive.get("bias-variance-decomposition")
    var_T = d.result.atoms(Variance).pop()
    verdict = assert_rejected(d, len(d.steps) - 1, var_T)  # Var[T] alone: the squared bias dropped
    assert verdict.counterexample


def test_a_cross_term_that_does_not_vanish_is_rejected():
    # E[T - E T] replaced by E[T]: the cross term 2 (E T - theta) E[T] kept, wrongly
    d = derive.get("bias-variance-decomposition")
    linear = d.steps[3].expr
    centred = [e for e in linear.atoms(Expectation)
               if type(e) is Expectation and isinstance(e.body, sp.Add) and e.body.has(Expectation)]
    assert len(centred) == 1
    T = [a for a in centred[0].body.args if not isinstance(-a, Expectation)][0]
    wrong = linear.xreplace({centred[0]: Expectation(T, centred[0].rv, centred[0].law)})
    assert_rejected(d, 4, wrong)


def test_n_instead_of_n_minus_1_is_rejected():
    d = derive.get("mle-variance-biased")
    last = len(d.steps) - 1
    assert_rejected(d, last, sigma**2)  # claiming the 1/n estimator unbiased
    u = derive.get("sample-variance-unbiased")
    assert_rejected(u, len(u.steps) - 1, (n - 1) * sigma**2 / n)  # the n - 1 one biased


def test_a_variance_of_the_mean_without_the_one_over_n_is_rejected():
    d = derive.get("sample-mean-variance")
    assert_rejected(d, len(d.steps) - 1, sigma**2)


def test_independence_applied_to_the_diagonal_is_rejected():
    # E[x_1^2] -> E[x_1]^2: independence of a sample with itself, dropping sigma^2
    d = derive.get("sample-mean-variance")
    step = d.steps[4].expr
    e11 = [e for e in step.atoms(Expectation) if e.body.has(sp.Pow)].pop()
    wrong = step.xreplace({e11: Expectation(e11.body.base, e11.rv, e11.law) ** 2})
    assert_rejected(d, 4, wrong)


def test_a_fisher_information_with_the_wrong_sign_is_rejected():
    d = derive.get("fisher-bernoulli")  # I = -E[second derivative]
    assert_rejected(d, len(d.steps) - 1, -1 / (p * (1 - p)))
    # and the curvature step with its sign flipped
    flipped = Expectation(-d.steps[1].expr.body, d.steps[1].expr.rv, d.steps[1].expr.law)
    assert_rejected(d, 1, flipped)


def test_a_wrong_score_is_rejected_at_the_differentiation_step():
    d = derive.get("fisher-gaussian-mean")
    e = d.steps[1].expr
    x = e.rv
    wrong = Expectation(((x - mu) / sp.sqrt(variance)) ** 2, x, e.law)  # divided by sigma, not sigma^2
    verdict = assert_rejected(d, 1, wrong)
    assert verdict.method == "instantiated"


def test_the_gaussian_variance_information_needs_the_fourth_moment():
    d = derive.get("fisher-gaussian-variance")
    # 1/sigma^4 (as if E[(x - mu)^4] were sigma^4) is wrong
    assert check_planted(d, len(d.steps) - 1, 1 / variance**2).status == "failed"
