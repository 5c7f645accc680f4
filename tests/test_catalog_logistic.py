"""Logistic regression, softmax, GLS and PCA derivations: claims, planted errors at the right step."""

from __future__ import annotations

import functools

import pytest
import sympy as sp

import derive
from derive.catalog import logistic as lg
from derive.catalog import pca as pc
from derive.catalog import softmax as sm
from derive.catalog.likelihood import sigmoid
from derive.catalog.symbols import X, n, w, y
from derive.core.check import FAILED, PASSED, check_step, prove_equal
from derive.core.context import Context
from derive.core.derivation import Relation, Step

MODULES = ("logistic", "softmax", "weighted_least_squares", "pca")
IDS = [name for name, module, _ in derive.catalog.INDEX if module in MODULES]


@functools.cache
def built(name):
    return derive.get(name)


def ctx_of(D):
    return Context.from_assumptions(D.assumptions, D.sizes)


def residual(e):
    return e.lhs - e.rhs if isinstance(e, sp.Equality) else e


@pytest.mark.parametrize("name", IDS)
def test_checks_and_matches_the_textbook_claim(name):
    D = built(name)
    report = D.check()
    assert report.ok and report.decided, [(s.index, s.verdict.detail) for s in report.steps if not s.verdict.passed]
    verdict = prove_equal(residual(D.result), residual(D.claim), ctx_of(D))
    assert verdict.status == PASSED, verdict


def planted(D, index, expr):
    step = D.steps[index]
    wrong = Step(expr, step.relation, step.reason, wrt=step.wrt, factor=step.factor,
                 alpha=step.alpha, beta=step.beta, small=step.small, order=step.order)
    return check_step(D.steps[index - 1].expr, wrong, ctx_of(D), seed=index,
                      history=tuple(enumerate(D.steps[:index])))


def first(D, relation):
    return next(i for i, s in enumerate(D.steps) if s.relation is relation)


def test_sigmoid_derivative_with_a_wrong_sign_is_rejected():
    D = built("sigmoid-derivative")
    z = lg.z
    assert planted(D, len(D.steps) - 1, sigmoid(z) * (1 + sigmoid(z))).status == FAILED


def test_logistic_gradient_with_y_minus_p_is_rejected_at_the_gradient_step():
    D = built("logistic-gradient")
    wrong = X.T * (y - lg.sigma_of(X * w))
    assert planted(D, first(D, Relation.GRADIENT), wrong).status == FAILED


def test_logistic_hessian_missing_s_is_rejected():
    D = built("logistic-hessian")
    assert planted(D, first(D, Relation.GRADIENT), X.T * X).status == FAILED


def test_logistic_hessian_definiteness_needs_the_weights_positive_definite():
    D = built("logistic-hessian")
    index = len(D.steps) - 1
    without = [a for a in D.assumptions if a.kind != "positive_definite"]
    ctx = Context.from_assumptions(without, D.sizes)
    verdict = check_step(D.steps[index - 1].expr, D.steps[index], ctx, seed=index)
    assert verdict.status != PASSED


def test_irls_working_response_with_a_wrong_sign_is_rejected():
    D = built("logistic-irls")
    wrong = (lg.X.T * lg.S * lg.X).I * lg.X.T * lg.S * (lg.X * lg.w + lg.S.I * (lg.p_vec - lg.y))
    assert planted(D, len(D.steps) - 1, wrong).status == FAILED


def test_softmax_gradient_y_minus_p_is_rejected_at_the_gradient_step():
    D = built("softmax-cross-entropy-gradient")
    zv = sm.logits()
    p = sm.softmax(zv)
    y_s, _ = sm.labels_on_simplex()
    assert planted(D, first(D, Relation.GRADIENT), y_s - p).status == FAILED
    assert planted(D, len(D.steps) - 1, y_s - p).status == FAILED


def test_softmax_jacobian_without_the_outer_product_is_rejected():
    D = built("softmax-jacobian")
    p = sm.softmax(sm.logits())
    assert planted(D, first(D, Relation.GRADIENT), sp.ImmutableMatrix(sp.diag(*p))).status == FAILED


@pytest.mark.parametrize("K", [2, 4])
def test_softmax_forms_at_other_class_counts(K):
    zv, p, J = sm.softmax_jacobian_at(K)
    point = {zv[j, 0]: sp.Rational(j + 1, 3) for j in range(K)}
    textbook = sp.diag(*p) - p * p.T
    assert all(sp.simplify(e) == 0 for e in (J - textbook).xreplace(point))
    zv, p, y_s, _, _, grad = sm.softmax_cross_entropy_gradient_at(K)
    assert all(sp.simplify(e) == 0 for e in (grad - (p - y_s)))


def test_multinomial_gradient_with_the_residual_reversed_is_rejected():
    D = built("multinomial-logistic-gradient")
    Xm, W, Y = sm.multinomial_symbols()
    wrong = sp.MatMul(Xm.T, Y - sm.RowSoftmax(Xm * W))
    assert planted(D, first(D, Relation.GRADIENT), wrong).status == FAILED
    # and labels whose rows do not sum to 1 break the textbook form: P - Y needs sum_k Y_ik = 1
    U = sp.MatrixSymbol("U", sm.n_, sm.K_)
    loose = D.steps[0].expr.xreplace({Y: U})
    verdict = check_step(loose, D.steps[1], ctx_of(D), seed=1)
    assert verdict.status == FAILED


def test_gls_normal_equations_missing_the_weights_are_rejected():
    D = built("gls-normal-equations")
    index = first(D, Relation.IFF)
    wrong = sp.Eq(X.T * X * w, X.T * y)
    assert planted(D, index, wrong).status == FAILED


def test_gls_without_the_rank_assumption_cannot_divide():
    D = built("gls-normal-equations")
    index = len(D.steps) - 1
    without = [a for a in D.assumptions if not (a.kind == "positive_definite" and a.subject != D.assumptions[3].subject)]
    ctx = Context.from_assumptions(without, D.sizes)
    assert check_step(D.steps[index - 1].expr, D.steps[index], ctx, seed=index).status == FAILED


def test_pca_eigen_equation_with_a_wrong_factor_is_rejected():
    D = built("pca-lagrange")
    wrong = sp.Eq(pc.S * w, 2 * pc.lam * w)
    assert planted(D, len(D.steps) - 1, wrong).status == FAILED


def test_rayleigh_bound_the_wrong_way_round_is_rejected():
    D = built("rayleigh-bounds")
    index = first(D, Relation.IMPLIES)
    bound = D.steps[index].expr
    assert planted(D, index, bound).status == PASSED
    wrong_way = sp.StrictGreaterThan(bound.lhs, bound.rhs, evaluate=False)  # R > lambda_max
    assert planted(D, index, wrong_way).status == FAILED
