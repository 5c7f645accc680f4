"""KL divergences: the textbook forms, planted errors, and non-negativity."""

from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.catalog.kl import m1, m2, mv1, p, s1, s2
from derive.core.check import PASSED, prove_equal
from derive.core.context import Context
from tests.planted import assert_rejected

IDS = ["kl-gaussian", "kl-mvn", "kl-bernoulli", "kl-bernoulli-nonnegative", "kl-vae"]


@pytest.mark.parametrize("name", IDS)
def test_checks_with_every_step_decided(name):
    report = derive.get(name).check()
    assert report.ok and report.decided, [(s.index, s.verdict.detail) for s in report.steps]


@pytest.mark.parametrize("name", IDS)
def test_the_result_is_the_textbook_form(name):
    d = derive.get(name)
    verdict = prove_equal(d.result, d.claim, Context.from_assumptions(d.assumptions, d.sizes))
    assert verdict.status == PASSED, verdict


def test_the_vae_term_is_the_gaussian_kl_at_the_standard_normal():
    general = derive.get("kl-gaussian").result.xreplace({m2: 0, s2: 1})
    assert sp.simplify(general - derive.get("kl-vae").result) == 0


def test_a_kl_missing_its_trace_term_is_rejected():
    d = derive.get("kl-mvn")
    last = len(d.steps) - 1
    trace = [t for t in sp.Add.make_args(d.steps[last].expr) if t.has(sp.Trace) and not t.has(mv1)]
    assert len(trace) == 1
    verdict = assert_rejected(d, last, d.steps[last].expr - trace[0])
    assert verdict.counterexample and verdict.counterexample["k"] in (2, 3)


def test_a_univariate_kl_with_the_wrong_variance_ratio_is_rejected():
    d = derive.get("kl-gaussian")
    last = len(d.steps) - 1
    wrong = sp.log(s2 / s1) + (s2**2 + (m1 - m2) ** 2) / (2 * s1**2) - sp.Rational(1, 2)  # p and q swapped
    assert_rejected(d, last, wrong)


def test_non_negativity_finds_the_minimum_at_q_equal_p():
    d = derive.get("kl-bernoulli-nonnegative")
    assert d.result == p
    assert d.extras["minimum"] == 0
    # a concave claim (curvature < 0) is refused
    curvature = d.steps[2].expr
    assert_rejected(d, 3, sp.StrictLessThan(curvature, 0, evaluate=False))
