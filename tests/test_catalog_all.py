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


@functools.cache
def report(name):
    return derive.get(name).check()


def test_the_catalogue_holds_every_result_of_the_issues():
    assert len(ALL) == len(set(ALL)) == 32 + 30  # seeds + catalogue III part A
    assert {topic for _, topic, _ in INDEX} <= set(TOPICS)


@pytest.mark.parametrize("name", ALL)
def test_every_step_passes_and_none_is_undecided(name):
    r = report(name)
    assert r.ok, [(s.index, s.verdict.detail) for s in r.failures]
    assert r.decided, [(s.index, s.verdict.detail) for s in r.undecided]
    for s in r.steps:
        if s.step.relation is Relation.DEFINITION:
            assert s.verdict.status == "given"
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
    # the result is computed: it appears in the steps (or, for laplace-mle, is the scale of
    # step 13 at the location the subdifferential steps identify: a median)
    exprs = [s.expr for s in d.steps]
    if name == "laplace-mle":
        mu = next(iter(s for s in exprs[13].rhs.free_symbols if s.name == "mu"))
        exprs = [exprs[13].rhs.xreplace({mu: d.extras["location"]})]
    assert any(e == d.result or getattr(e, "has", lambda x: False)(d.result) for e in exprs), name


def test_friendly_names_import():
    from derive.catalog import normal_equations, gaussian_nll_mse

    assert normal_equations is derive.get("normal-equations")
    assert gaussian_nll_mse.id == "gaussian-nll-mse"


def test_importing_derive_derives_nothing_and_does_not_load_sympy():
    code = "import sys, derive; derive.names(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
