"""Conjugate posteriors: the textbook parameters, the ridge link, and planted errors."""

from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.catalog.conjugacy import S_count, a, alpha, b, beta, mu0, n, tau0, xr
from derive.catalog.symbols import X, d, i, sigma, tau, y
from derive.core.check import PASSED, prove_equal
from derive.core.context import Context
from tests.planted import assert_rejected

IDS = ["beta-bernoulli-posterior", "beta-posterior-mean", "beta-posterior-mode",
       "gamma-poisson-posterior", "normal-normal-posterior", "bayesian-linear-regression"]


@pytest.mark.parametrize("name", IDS)
def test_checks_with_every_step_decided(name):
    report = derive.get(name).check()
    assert report.ok and report.decided, [(s.index, s.verdict.detail) for s in report.steps]


def _ctx(dv):
    return Context.from_assumptions(dv.assumptions, dv.sizes)


def test_posterior_parameters_are_the_textbook_ones():
    assert derive.get("beta-bernoulli-posterior").result == sp.ImmutableMatrix([a + S_count, b + n - S_count])
    assert derive.get("gamma-poisson-posterior").result == sp.ImmutableMatrix([alpha + S_count, beta + n])
    nn = derive.get("normal-normal-posterior")
    mean, precision = nn.result
    assert sp.simplify(precision - (1 / tau0**2 + n / sigma**2)) == 0
    total = sp.Sum(xr[i], (i, 1, n))
    assert sp.simplify(mean - (mu0 / tau0**2 + total / sigma**2) / precision) == 0


def test_the_bayesian_regression_mean_is_the_map_ridge_solution():
    blr = derive.get("bayesian-linear-regression")
    ridge = derive.get("map-gaussian-prior-ridge")
    assert ridge.extras["lam"] == sigma**2 / tau**2
    verdict = prove_equal(blr.result, ridge.result, _ctx(blr))
    assert verdict.status == PASSED, verdict
    precision = blr.extras["posterior_precision"]
    claim = X.T * X / sigma**2 + sp.Identity(d) / tau**2
    assert prove_equal(precision, claim, _ctx(blr)).status == PASSED


def test_a_posterior_precision_that_adds_instead_of_multiplies_is_rejected():
    nn = derive.get("normal-normal-posterior")
    last = len(nn.steps) - 1
    mu = [s for s in nn.variables][0]
    mean, precision = nn.result
    wrong_precision = 1 / tau0**2 + n + 1 / sigma**2  # n added to the precision, not multiplying it
    constant = sp.expand(nn.steps[last].expr + precision * (mu - mean) ** 2 / 2)
    wrong = -wrong_precision * (mu - mean) ** 2 / 2 + constant
    assert_rejected(nn, last, wrong)
    # and in Bayesian linear regression: X^T X + 1/sigma^2 instead of X^T X / sigma^2
    blr = derive.get("bayesian-linear-regression")
    hessian_step = 2
    wrong_h = -(X.T * X + sp.Identity(d) / sigma**2 + sp.Identity(d) / tau**2)
    assert_rejected(blr, hessian_step, wrong_h)


def test_a_beta_posterior_with_the_counts_swapped_is_rejected():
    d_ = derive.get("beta-bernoulli-posterior")
    last = len(d_.steps) - 1
    expr = d_.steps[last].expr
    swapped = expr.xreplace({a: b, b: a})
    assert_rejected(d_, last, swapped)


def test_posterior_mean_and_mode_with_the_data():
    mean = derive.get("beta-posterior-mean")
    assert sp.simplify(mean.extras["posterior_mean"] - (a + S_count) / (a + b + n)) == 0
    mode = derive.get("beta-posterior-mode")
    assert sp.simplify(mode.result - mode.claim) == 0


@pytest.mark.parametrize("name", ["beta-bernoulli-posterior", "gamma-poisson-posterior",
                                  "normal-normal-posterior"])
def test_posterior_parameters_are_read_off_the_checked_kernel(name):
    """The parameters are the checked kernel's coefficients put through the law's
    parametrisation: a parameter typed in wrong fails the derivation."""
    import dataclasses

    d_ = derive.get(name)
    assert d_.check().result.status == "passed"
    wrong = dataclasses.replace(d_, result=d_.result + sp.ImmutableMatrix([0, 1]))
    assert wrong.check().result.status == "failed"
