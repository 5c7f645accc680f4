"""Matrix calculus from the differential: the textbook claims, planted errors rejected at the
right step, and the rules at other sizes."""

from __future__ import annotations

import functools

import pytest
import sympy as sp

import derive
from derive.catalog import matrix_calculus as mc
from derive.core import matrix_rules as rules
from derive.core.check import FAILED, PASSED, check_pair, check_step, prove_equal
from derive.core.context import Context
from derive.core.derivation import Relation, Step

IDS = [name for name, module, _ in derive.catalog.INDEX if module == "matrix_calculus"]


@functools.cache
def built(name):
    return derive.get(name)


def ctx_of(D):
    return Context.from_assumptions(D.assumptions, D.sizes)


@pytest.mark.parametrize("name", IDS)
def test_result_equals_the_cookbook_form(name):
    D = built(name)
    verdict = prove_equal(D.result, D.claim, ctx_of(D))
    assert verdict.status == PASSED, verdict


@pytest.mark.parametrize("name", [n for n in IDS if n not in ("inverse-differential", "symmetric-log-determinant-gradient", "quadratic-affine-hessian")])
def test_the_last_step_confirms_the_gradient_against_f_itself(name):
    D = built(name)
    assert D.steps[-1].relation is Relation.GRADIENT
    assert D.steps[-2].relation is Relation.DEFINITION
    assert D.steps[-1].expr == D.result


def _replace_step(D, index, expr):
    """Check step `index` of D with its expression replaced (the planted error)."""
    step = D.steps[index]
    planted = Step(expr, step.relation, step.reason, wrt=step.wrt, small=step.small, order=step.order,
                   factor=step.factor, alpha=step.alpha, beta=step.beta)
    return check_step(D.steps[index - 1].expr, planted, ctx_of(D), seed=index,
                      history=tuple(enumerate(D.steps[:index])))




PLANTED = {
    # a wrong transpose: (BA) instead of (BA)^T = A^T B^T needs d = k to typecheck: use tr(X^2)
    "trace-square-gradient": 2 * mc.Xs,
    "trace-xtbx-gradient": 2 * mc.B_dd * mc.X,  # B + B^T replaced by 2B (B is not symmetric)
    "determinant-gradient": sp.Determinant(mc.Xs) * mc.Xs.I,  # X^{-1} instead of X^{-T}
    "log-determinant-gradient": mc.Xs.I,
    "inverse-form-gradient": -mc.Xs.I * mc.a_d * mc.b_d.T * mc.Xs.I,  # transposes dropped
    "frobenius-norm-gradient": mc.X,  # the factor 2 dropped
    "trace-affine-square-gradient": 2 * mc.A_dd * (mc.A_dd * mc.X * mc.B_kk + mc.C_dk) * mc.B_kk,
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_wrong_gradient_fails_at_both_gradient_steps(name):
    D = built(name)
    last = len(D.steps) - 1
    assert _replace_step(D, last, PLANTED[name]).status == FAILED
    # the same wrong matrix read off the trace (the first chain's gradient step) fails too
    index = next(i for i, s in enumerate(D.steps) if s.relation is Relation.GRADIENT)
    assert _replace_step(D, index, PLANTED[name]).status == FAILED


def test_a_wrong_transpose_of_the_trace_gradient_is_rejected():
    # tr(AXB): the gradient is A^T B^T; (BA) has the transposed shape k x d, and at d = k the
    # values differ: check at a square X
    d = mc.d
    A, X, B = (sp.MatrixSymbol(s, d, d) for s in "AXB")
    f = sp.Trace(A * X * B)
    assert check_pair(f, A.T * B.T, Relation.GRADIENT, wrt=(X,)).status == PASSED
    assert check_pair(f, B * A, Relation.GRADIENT, wrt=(X,)).status == FAILED


def test_a_wrong_differential_rule_is_caught_at_the_approximation():
    D = built("inverse-differential")
    index = next(i for i, s in enumerate(D.steps) if s.relation is Relation.APPROX)
    wrong = mc.Xs.I * mc.Hs * mc.Xs.I  # the sign dropped
    assert _replace_step(D, index, wrong).status == FAILED
    assert _replace_step(D, index, -mc.Hs * mc.Xs.I * mc.Xs.I).status == FAILED  # order swapped


def test_symmetric_log_det_differs_from_the_general_gradient_and_is_checked():
    D = built("symmetric-log-determinant-gradient")
    ctx = ctx_of(D)
    # over the distinct entries the plain X^{-1} is wrong: the concrete chain rejects it
    Xu = mc.symmetric_from_entries()
    wrong = mc.half_vector(Xu.inv())
    index = next(i for i, s in enumerate(D.steps) if s.relation is Relation.GRADIENT)
    assert _replace_step(D, index, wrong).status == FAILED
    assert prove_equal(D.result, mc.Xs.I, ctx).status == FAILED


@pytest.mark.parametrize("size", [3, 4])
def test_symmetric_log_det_rule_at_larger_sizes(size):
    u = sp.MatrixSymbol("u", size * (size + 1) // 2, 1)
    Xu = mc.symmetric_from_entries(u, size)
    point = {u[q, 0]: sp.Rational(q % 3 + 1, q + 2) + (size + 2 if q in (0, size, 2 * size - 1, 3 * size - 3) else 0)
             for q in range(u.shape[0])}
    X0 = Xu.xreplace(point)
    f = sp.log(sp.Matrix(Xu).det())
    grad = [sp.diff(f, u[q, 0]).xreplace(point) for q in range(u.shape[0])]
    inv0 = X0.inv()
    expected = mc.half_vector(2 * inv0 - sp.diag(*[inv0[r, r] for r in range(size)]), size)
    assert all(sp.cancel(g - e) == 0 for g, e in zip(grad, expected))
    wrong = mc.half_vector(inv0, size)  # X^{-1}: the off-diagonal entries are half what they must be
    assert not all(sp.cancel(g - e) == 0 for g, e in zip(grad, wrong))


def test_the_rules_refuse_what_they_do_not_know():
    X = mc.Xs
    with pytest.raises(rules.NoRule):
        rules.differential(sp.exp(sp.Trace(X)) * sp.sin(sp.Trace(X)), X, mc.Hs)


def test_every_gradient_step_is_confirmed_by_instantiation_not_by_sympy_alone():
    for name in IDS:
        report = built(name).check()
        assert report.ok and report.decided, name
        for s in report.steps:
            if s.step.relation is Relation.GRADIENT:
                assert s.verdict.method in ("instantiated", "symbolic"), (name, s.index)
                assert "entry by entry" in s.verdict.detail, (name, s.index, s.verdict.detail)
