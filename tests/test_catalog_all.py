"""Every derivation in the catalogue: builds, checks with every step decided, matches its claim."""

from __future__ import annotations

import functools
import subprocess
import sys

import pytest
import sympy as sp

import derive
from derive.catalog import INDEX, TOPICS
from derive.core.check import PASSED, prove_equal
from derive.core.context import Context
from derive.core.derivation import Relation

ALL = derive.names()
SEVERAL = {"beta-bernoulli-posterior", "gamma-poisson-posterior", "normal-normal-posterior"}


@functools.cache
def report(name):
    return derive.get(name).check()


# the results of the seed posts (catalogue I and II); later catalogues only add to them
SEED_RESULTS = {
    "scalar-transpose", "linear-form-gradient", "quadratic-form-gradient", "quadratic-form-hessian",
    "mse-expansion", "mse-gradient", "normal-equations", "mse-hessian", "ridge-solution",
    "newton-step", "log-likelihood-iid", "gaussian-nll-mse", "laplace-nll-mae", "mle-cross-entropy",
    "bernoulli-nll-bce", "gaussian-mle-mean", "gaussian-mle-variance", "mvn-mle-mean",
    "mvn-mle-covariance", "bernoulli-mle", "laplace-mle", "poisson-mle", "exponential-mle",
    "bayes-rule", "map-uniform-prior-mle", "map-gaussian-prior-ridge",
    "map-precision-prior-weight-decay", "map-laplace-prior-lasso", "gd-update-mse", "gd-taylor",
    "gd-x-squared", "gd-quadratic-regression",
}


def test_the_catalogue_holds_every_result_of_the_issues():
    assert len(ALL) == len(set(ALL))
    assert SEED_RESULTS <= set(ALL), SEED_RESULTS - set(ALL)
    assert {topic for _, topic, _ in INDEX} <= set(TOPICS)


@pytest.mark.parametrize("name", ALL)
def test_every_step_passes_and_none_is_undecided(name):
    r = report(name)
    assert r.ok, [(s.index, s.verdict.detail) for s in r.failures]
    assert r.decided, [(s.index, s.verdict.detail) for s in r.undecided]
    for s in r.steps:
        if s.step.relation is Relation.DEFINITION and not s.step.cites:
            assert s.verdict.status == "given"
        elif s.step.relation is Relation.DEFINITION:  # a premise made of cited steps
            assert s.verdict.status in ("given", "passed"), (s.index, s.verdict)
        else:
            assert s.verdict.method in ("symbolic", "instantiated"), (s.index, s.verdict)


@pytest.mark.parametrize("name", ALL)
def test_the_computed_result_equals_the_textbook_claim(name):
    d = derive.get(name)
    ctx = Context.from_assumptions(d.assumptions, d.sizes)
    result, claim = d.result, d.claim
    if isinstance(result, sp.Equality) and isinstance(claim, sp.Equality):  # compare residuals
        result, claim = result.lhs - result.rhs, claim.lhs - claim.rhs
    verdict = prove_equal(result, claim, ctx)
    assert verdict.status == PASSED, verdict


@pytest.mark.parametrize("name", ALL)
def test_a_derivation_is_well_formed(name):
    d = derive.get(name)
    assert d.id == name
    assert d.title and d.statement.endswith(".")
    assert d.topic in TOPICS
    assert all(step.reason for step in d.steps)
    # the result is computed: the checker ties it to a checked step
    r = report(name)
    assert r.result is not None and r.result.status == PASSED, r.result


def test_a_typed_in_result_fails_the_check():
    """A result that no checked step computes fails the derivation, even when every step passes."""
    import dataclasses

    d = derive.get("normal-equations")
    typed = dataclasses.replace(d, result=d.claim.T)
    r = typed.check()
    assert r.result.status == "failed" and not r.ok
    assert all(s.verdict.passed for s in r.steps)


def test_friendly_names_import():
    from derive.catalog import normal_equations, gaussian_nll_mse

    assert normal_equations is derive.get("normal-equations")
    assert gaussian_nll_mse.id == "gaussian-nll-mse"


def test_importing_derive_derives_nothing_and_does_not_load_sympy():
    code = "import sys, derive; derive.names(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
