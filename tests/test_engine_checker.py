"""The checker rejects planted errors at the right step and says how it knows.

That every catalogue step passes, decided, and every result equals its claim is in
test_catalog_all.py."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

import derive
from derive.catalog.symbols import A, X, d, f_, h, i, n, sigma, t, w, y, y_
from derive.core.check import FAILED, PASSED, UNDECIDED, check_pair, prove_equal
from derive.core.context import Context
from derive.core.derivation import Assumption, Relation

ENGINE_IDS = ("quadratic-form-gradient", "normal-equations", "gaussian-nll-mse")


def test_result_is_taken_from_the_last_step_not_typed_in():
    d = derive.get("normal-equations")
    assert d.result == d.steps[-1].expr.rhs
    q = derive.get("quadratic-form-gradient")
    assert q.result == q.steps[-1].expr


def test_symmetric_corollary_is_two_a_t():
    q = derive.get("quadratic-form-gradient")
    assert q.extras["symmetric"] == 2 * A * t


def test_gaussian_nll_matches_the_textbook_constant():
    d = derive.get("gaussian-nll-mse")
    ctx = Context.from_assumptions(d.assumptions)
    assert prove_equal(d.extras["nll"], d.extras["nll_claim"], ctx).status == PASSED


# --- planted errors -----------------------------------------------------------------------------

def _replace_step(d, index, **changes):
    steps = list(d.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)
    return dataclasses.replace(d, steps=tuple(steps))


def _first_failure(d):
    report = d.check()
    assert not report.ok
    return report.failures[0].index


def test_dropped_factor_is_rejected_at_that_step():
    d = derive.get("normal-equations")
    wrong = _replace_step(d, 1, expr=d.steps[1].expr * n)  # forgot to keep 1/n
    assert _first_failure(wrong) == 1


def test_wrong_sign_is_rejected_at_that_step():
    d = derive.get("normal-equations")
    bad = (w.T * X.T * X * w + 2 * y.T * X * w + y.T * y) / n
    wrong = _replace_step(d, 2, expr=bad)
    assert _first_failure(wrong) == 2


def test_missing_transpose_is_rejected():
    d = derive.get("normal-equations")
    # (2/n) X (Xw - y) has the wrong shape for d != n; (2/n) X^T X^T... : use the gradient without
    # the transpose on the y term, the shape-preserving mistake
    bad = (2 / n) * (X.T * X * w - X.T * X * X.T * y)
    wrong = _replace_step(d, 3, expr=bad)
    report = wrong.check()
    assert report.steps[3].verdict.status == FAILED


def test_missing_transpose_in_a_quadratic_form_gradient():
    verdict = check_pair(t.T * A * t, 2 * A * t, Relation.GRADIENT, wrt=(t,))
    assert verdict.status == FAILED  # true only for symmetric A
    ok = check_pair(t.T * A * t, 2 * A * t, Relation.GRADIENT, wrt=(t,),
                    assumptions=(Assumption.symmetric(A),))
    assert ok.status == PASSED


def test_wrong_constant_in_a_same_minimiser_step_is_rejected():
    d = derive.get("gaussian-nll-mse")
    # claim alpha = sigma**2 where the step really multiplies by 2 sigma^2
    wrong = _replace_step(d, 4, alpha=sigma**2)
    assert _first_failure(wrong) == 4


def test_negative_alpha_is_rejected():
    d = derive.get("gaussian-nll-mse")
    step = d.steps[5]
    wrong = _replace_step(d, 5, expr=-step.expr, alpha=-1 / n)
    report = wrong.check()
    assert report.steps[5].verdict.status == FAILED
    assert "not positive" in report.steps[5].verdict.detail


def test_beta_that_depends_on_the_variables_is_rejected():
    d = derive.get("gaussian-nll-mse")
    wrong = _replace_step(d, 3, beta=d.steps[3].beta + f_[1])
    assert _first_failure(wrong) == 3


def test_same_minimiser_without_witnesses_finds_alpha_and_beta():
    before = sp.Sum((y_[i] - f_[i]) ** 2, (i, 1, n)) / (2 * sigma**2) + n * sp.log(sigma)
    after = sp.Sum((y_[i] - f_[i]) ** 2, (i, 1, n))
    ok = check_pair(before, after, Relation.SAME_MINIMISER, wrt=(f_,),
                    assumptions=(Assumption.positive(sigma),))
    assert ok.status == PASSED
    bad = check_pair(before, -after, Relation.SAME_MINIMISER, wrt=(f_,),
                     assumptions=(Assumption.positive(sigma),))
    assert bad.status == FAILED


def test_stationary_point_without_the_rank_assumption_is_rejected():
    d = derive.get("normal-equations")
    no_rank = dataclasses.replace(
        d, assumptions=tuple(a for a in d.assumptions if a.kind != "full_column_rank")
    )
    report = no_rank.check()
    assert [s.index for s in report.failures] == [6]
    assert "invertible" in report.failures[0].verdict.detail


def test_approx_of_the_wrong_order_is_rejected():
    d = derive.get("quadratic-form-gradient")
    wrong = _replace_step(d, 2, order=2)  # dropped h^T A h is second order, not third
    assert _first_failure(wrong) == 2
    assert "order" in wrong.check().failures[0].verdict.detail


def test_approx_that_drops_a_first_order_term_is_rejected():
    d = derive.get("quadratic-form-gradient")
    wrong = _replace_step(d, 2, expr=t.T * A * h)
    assert _first_failure(wrong) == 2


# --- what the checker reports ------------------------------------------------------------------

def test_counterexample_names_concrete_values():
    verdict = check_pair((X * w - y).T * (X * w - y), w.T * X.T * X * w + y.T * y, Relation.EQUAL)
    assert verdict.status == FAILED
    assert verdict.method == "instantiated"
    assert {"X", "w", "y", "n", "d"} <= set(verdict.counterexample)


def test_spurious_symbolic_zero_is_caught_by_the_probe():
    # SymPy 1.14 differentiates a sum of traces to a silent 0 (measured); the checker's
    # entry-by-entry derivative at concrete values does not believe it.
    E = sp.MatrixSymbol("E", d, d)
    objective = sp.Trace(E) + sp.Trace(E.T * E)
    sympy_says = objective.diff(E)
    verdict = check_pair(objective, sympy_says, Relation.GRADIENT, wrt=(E,))
    assert verdict.status == FAILED, (sympy_says, verdict)
    right = check_pair(objective, sp.Identity(d) + 2 * E, Relation.GRADIENT, wrt=(E,))
    assert right.status == PASSED, right


def test_undecided_is_reported_not_passed():
    g = sp.Function("g")
    x = sp.Symbol("x", real=True)
    # an inequality about an unknown function: nothing can decide it
    verdict = check_pair(g(x), sp.Ge(g(x), 0, evaluate=False), Relation.IMPLIES)
    assert verdict.status == UNDECIDED


def test_iff_by_a_zero_factor_is_rejected():
    e1 = sp.Eq(X.T * X * w, X.T * y)
    verdict = check_pair(e1, e1, Relation.IFF, wrt=(w,), factor=sp.Integer(0))
    assert verdict.status == FAILED


def test_definition_steps_are_given_not_checked():
    verdict = check_pair(None, w, Relation.DEFINITION)
    assert verdict.status == "given"


def test_unknown_assumption_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown assumption kind"):
        Assumption("convex", A, "A is convex")


def test_derivation_must_start_with_a_definition():
    d = derive.get("normal-equations")
    with pytest.raises(ValueError, match="must start from a definition"):
        dataclasses.replace(d, steps=d.steps[1:])


# --- the step must follow from the one before --------------------------------------------------


def test_a_true_inequality_about_something_else_fails():
    """gaussian-mle-mean's concavity step replaced by -n/sigma < 0: true, but not about the
    second derivative -n/sigma^2 before it."""
    positive = [Assumption.positive(sigma), Assumption.positive_integer(n)]
    before = -n / sigma**2
    assert check_pair(before, sp.StrictLessThan(before, 0, evaluate=False), Relation.IMPLIES,
                      assumptions=positive).status == PASSED
    other = sp.StrictLessThan(-n / sigma, 0, evaluate=False)
    assert check_pair(before, other, Relation.IMPLIES, assumptions=positive).status == FAILED
    # with the positive multiple named as the witness it is about the step before again
    assert check_pair(before, other, Relation.IMPLIES, factor=sigma,
                      assumptions=positive).status == PASSED


def test_a_solved_form_must_name_the_root_the_assumptions_select():
    x = sp.Symbol("x", real=True)
    square = sp.Eq(x**2 - 1, 0)
    one = sp.Eq(x, 1)
    assert check_pair(square, one, Relation.IMPLIES, wrt=(x,)).status == FAILED
    xp = sp.Symbol("x", real=True)
    positive = [Assumption.positive(xp, "x > 0")]
    verdict = check_pair(sp.Eq(xp**2 - 1, 0), sp.Eq(xp, 1), Relation.IMPLIES, wrt=(xp,),
                         assumptions=positive)
    assert verdict.status == PASSED and "x > 0" in verdict.detail


def test_a_second_derivative_set_to_zero_is_not_a_first_order_condition():
    from derive.core.check import check_derivation
    from derive.core.derivation import Derivation, definition, gradient, stationary

    m = sp.Symbol("m", real=True)
    objective = (m - 3) ** 2 + m**3
    first, second = objective.diff(m), objective.diff(m, 2)
    steps = [definition(objective, "an objective"), gradient(first, "differentiate", wrt=m),
             gradient(second, "again", wrt=m)]

    def last(condition):
        d = Derivation("t", "t", "t.", "calculus", (), tuple(steps + [condition]), result=objective,
                       claim=objective)
        return check_derivation(d).steps[-1].verdict.status

    assert last(stationary(sp.Eq(first, 0), "set the derivative to zero", wrt=m)) == PASSED
    assert last(stationary(sp.Eq(second, 0), "mistyped", wrt=m)) == FAILED
    assert last(stationary(sp.Eq(first + 1, 0), "mistyped", wrt=m)) == FAILED


def test_a_step_wrong_only_at_a_tie_is_caught_by_the_boundary_worlds():
    """sign(u) = H(u) - H(-u) holds for every value of H(0) used on both sides, but not with
    H(0) = 1/2 on one side only: a difference at u = 0 alone, which random worlds never meet."""
    x = sp.IndexedBase("x", real=True)
    mu = sp.Symbol("mu", real=True)
    total = sp.Sum(sp.sign(mu - x[i]), (i, 1, n))
    right = sp.Sum(sp.Heaviside(mu - x[i], 0), (i, 1, n)) - sp.Sum(sp.Heaviside(x[i] - mu, 0), (i, 1, n))
    wrong = sp.Sum(sp.Heaviside(mu - x[i], sp.Rational(1, 2)), (i, 1, n)) - sp.Sum(
        sp.Heaviside(x[i] - mu, 0), (i, 1, n))
    samples = [Assumption.positive_integer(n)]
    assert check_pair(total, right, Relation.EQUAL, assumptions=samples).status == PASSED
    verdict = check_pair(total, wrong, Relation.EQUAL, assumptions=samples)
    assert verdict.status == FAILED


def test_a_slow_step_is_undecided_with_a_time_limit():
    d = derive.get("mvn-mle-covariance")
    report = d.check(timeout=1e-4)
    statuses = {s.verdict.status for s in report.steps if s.step.relation is not Relation.DEFINITION}
    assert statuses == {UNDECIDED}
    assert all(s.verdict.detail.startswith("time limit") for s in report.undecided)
