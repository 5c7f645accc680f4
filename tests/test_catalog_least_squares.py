"""Catalogue I, least squares: the MSE expansion, gradient, Hessian, normal equations, ridge
regression and Newton's step.

Each derivation checks with every step decided and its result equals its claim; the MSE and ridge
gradients and Hessians are confirmed against exact central differences (plain rational
arithmetic, no SymPy diff) at random sizes; the collinear example is computed exactly.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.catalog import least_squares as ls
from derive.catalog.symbols import I_d, X, d, lam, n, t, v, w, y
from derive.core.check import (
    FAILED,
    PASSED,
    UNDECIDED,
    check_pair,
    prove_equal,
)
from derive.core.context import Context
from derive.core.derivation import Assumption, Relation
from tests.test_catalog_calculus import (
    as_fractions,
    central_gradient,
    central_hessian,
    evaluate,
)

IDS = ("mse-expansion", "mse-gradient", "normal-equations", "mse-hessian", "ridge-solution", "newton-step")
SIZES = (Assumption.positive_integer(n), Assumption.positive_integer(d))


def ctx_of(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


@pytest.mark.parametrize("name", IDS)
def test_steps_use_only_stated_assumptions(name):
    d_ = derive.get(name)
    texts = {a.text for a in d_.assumptions}
    for step in d_.steps:
        assert set(step.uses) <= texts, (step.reason, step.uses)
        assert step.reason


@pytest.mark.parametrize("name", IDS)
def test_result_is_a_computed_step(name):
    d_ = derive.get(name)
    exprs = [s.expr for s in d_.steps]
    rhs = [e.rhs for e in exprs if isinstance(e, sp.Equality)]
    assert d_.result in exprs or d_.result in rhs


# --- mse-expansion ----------------------------------------------------------------------------


def test_mse_expansion_has_the_factor_on_every_term():
    d_ = derive.get("mse-expansion")
    scale, inner = d_.result.args
    assert scale == 1 / n
    assert isinstance(inner, sp.MatAdd) and len(inner.args) == 3
    assert prove_equal(d_.extras["terms"], d_.claim, ctx_of(d_)).status == PASSED


def test_seed_000_misplaced_factor_is_wrong():
    """Seed 000 writes (1/n) t^T X^T X t - 2 y^T X t + y^T y: the 1/n is missing on two terms."""
    d_ = derive.get("mse-expansion")
    seed = t.T * X.T * X * t / n - 2 * y.T * X * t + y.T * y
    verdict = prove_equal(d_.steps[0].expr, seed, ctx_of(d_))
    assert verdict.status == FAILED and verdict.counterexample


# --- mse-gradient -----------------------------------------------------------------------------


def test_mse_gradient_uses_symmetry_as_a_step():
    d_ = derive.get("mse-gradient")
    gram = X.T * X
    assert d_.steps[0].expr == sp.Transpose(gram)
    assert d_.steps[2].expr == gram
    by_rules = next(s.expr for s in d_.steps if s.relation is Relation.GRADIENT)
    assert by_rules.has(sp.Transpose(gram))  # (X^T X)^T left for the symmetry step
    assert not d_.steps[-2].expr.has(sp.Transpose(gram))
    assert d_.extras["gram_symmetric"].rhs == gram


def test_mse_gradient_agrees_with_sympy_diff():
    d_ = derive.get("mse-gradient")
    assert prove_equal(d_.result, ls.mse(t).diff(t), ctx_of(d_)).status == PASSED


# --- normal equations -------------------------------------------------------------------------


def test_normal_equations_extras():
    d_ = derive.get("normal-equations")
    assert d_.extras["normal_equation"] == sp.Eq(X.T * X * w, X.T * y)


# --- mse-hessian ------------------------------------------------------------------------------


def test_mse_hessian_semidefinite_without_rank_assumption():
    """The >= 0 step holds for every X; the > 0 step needs full column rank."""
    d_ = derive.get("mse-hessian")
    norms = d_.extras["quadratic_form"]
    nonneg = check_pair(norms, sp.GreaterThan(norms, 0, evaluate=False), Relation.IMPLIES,
                        assumptions=SIZES)
    assert nonneg.status == PASSED
    strict_without_rank = check_pair(norms, sp.StrictGreaterThan(norms, 0, evaluate=False),
                                     Relation.IMPLIES, assumptions=(*SIZES, Assumption.nonzero(v)))
    assert strict_without_rank.status == UNDECIDED
    uses = [s.uses for s in d_.steps if isinstance(s.expr, sp.StrictGreaterThan)]
    assert uses == [("$X$ has full column rank (for the positive definite line; the example after it is another design, $X_0$)", r"$v \neq 0$")]


def test_mse_hessian_witness():
    d_ = derive.get("mse-hessian")
    form = sp.MatMul(v.T, d_.result, v)
    assert prove_equal(form, 2 * (X * v).T * (X * v) / n, ctx_of(d_)).status == PASSED


def test_collinear_example_is_singular_and_has_many_minimisers():
    d_ = derive.get("mse-hessian")
    Xc = d_.extras["collinear_X"]
    assert Xc.shape == (3, 2) and d_.extras["collinear_rank"] == 1
    Hc = d_.extras["collinear_H"]
    assert Hc == sp.Rational(2, 3) * Xc.T * Xc
    assert Hc == sp.Matrix([[sp.Rational(28, 3), sp.Rational(56, 3)], [sp.Rational(56, 3), sp.Rational(112, 3)]])
    assert d_.extras["collinear_eigenvalues"] == {0: 1, sp.Rational(140, 3): 1}
    assert Hc.det() == 0
    v0 = d_.extras["collinear_null_direction"]
    assert Xc * v0 == sp.zeros(3, 1) and Hc * v0 == sp.zeros(2, 1)
    # two different minimisers with the same loss, computed exactly
    yc = sp.Matrix([1, 2, 4])
    t_star = sp.Matrix([sp.Rational(17, 14), 0])  # X t = c (t1 + 2 t2), c = (1, 2, 3): s* = c.y / c.c
    loss = lambda p: ((Xc * p - yc).T * (Xc * p - yc))[0, 0] / 3
    grad = lambda p: sp.Rational(2, 3) * Xc.T * (Xc * p - yc)
    assert grad(t_star) == sp.zeros(2, 1)
    assert grad(t_star + 5 * v0) == sp.zeros(2, 1)
    assert loss(t_star) == loss(t_star + 5 * v0)


# --- ridge ------------------------------------------------------------------------------------


def test_ridge_needs_no_rank_assumption():
    d_ = derive.get("ridge-solution")
    assert all(a.kind != "full_column_rank" for a in d_.assumptions)
    assert prove_equal(d_.extras["system_matrix"], X.T * X + lam * I_d, ctx_of(d_)).status == PASSED
    assert d_.extras["normal_equation"].rhs == X.T * y


def test_ridge_solves_a_collinear_design_exactly():
    d_ = derive.get("ridge-solution")
    Xc = ls.COLLINEAR_X
    yc = [[1], [2], [4]]
    values = {X: Xc, y: yc, lam: sp.Rational(1, 2)}
    sizes = {n: 3, d: 2}
    w_star = evaluate(d_.result, sizes, values)
    grad = evaluate(d_.extras["gradient"], sizes, {**values, w: w_star})
    assert grad == sp.zeros(2, 1)


# --- newton -----------------------------------------------------------------------------------


def test_newton_lands_on_the_normal_equations_solution():
    d_ = derive.get("newton-step")
    target = derive.get("normal-equations").result
    assert prove_equal(d_.extras["mse_landing"], target, ctx_of(d_)).status == PASSED
    # from a concrete starting point, in exact arithmetic
    Xv = sp.Matrix([[1, 2], [0, 1], [3, -1], [1, 1]])
    yv = sp.Matrix([1, -2, 3, sp.Rational(1, 2)])
    tv = sp.Matrix([7, sp.Rational(-3, 5)])
    got = evaluate(d_.extras["mse_update"], {n: 4, d: 2}, {X: Xv, y: yv, t: tv})
    assert got == (Xv.T * Xv).inv() * Xv.T * yv


def test_newton_update_extra():
    d_ = derive.get("newton-step")
    assert d_.extras["update"] == t - ls.H.I * ls.g


# --- Hypothesis: MSE and ridge gradients against exact central differences ---------------------

rationals = st.fractions(min_value=-4, max_value=4, max_denominator=3)


def draw_problem(data):
    rows = data.draw(st.integers(1, 4), label="n")
    cols = data.draw(st.integers(1, 3), label="d")
    Xv = [[data.draw(rationals) for _ in range(cols)] for _ in range(rows)]
    yv = [data.draw(rationals) for _ in range(rows)]
    tv = [data.draw(rationals) for _ in range(cols)]
    return rows, cols, Xv, yv, tv


def sse(Xv, yv, point):
    return sum((sum(a * p for a, p in zip(row, point)) - target) ** 2 for row, target in zip(Xv, yv))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_mse_gradient_and_hessian_match_central_differences(data):
    rows, cols, Xv, yv, tv = draw_problem(data)

    def f(point):
        return sse(Xv, yv, point) / rows

    sizes = {n: rows, d: cols}
    values = {X: Xv, y: [[v_] for v_ in yv], t: [[v_] for v_ in tv]}
    grad = evaluate(derive.get("mse-gradient").result, sizes, values)
    assert as_fractions(grad) == central_gradient(f, tv)
    hess = evaluate(derive.get("mse-hessian").result, sizes, values)
    assert as_fractions(hess) == [x for row in central_hessian(f, tv) for x in row]


@settings(max_examples=25, deadline=None)
@given(st.data(), st.fractions(min_value=Fraction(1, 4), max_value=4, max_denominator=4))
def test_ridge_gradient_and_hessian_match_central_differences(data, penalty):
    rows, cols, Xv, yv, wv = draw_problem(data)

    def f(point):
        return sse(Xv, yv, point) + penalty * sum(p * p for p in point)

    sizes = {n: rows, d: cols}
    values = {X: Xv, y: [[v_] for v_ in yv], w: [[v_] for v_ in wv], lam: sp.Rational(penalty.numerator, penalty.denominator)}
    ridge = derive.get("ridge-solution")
    grad = evaluate(ridge.extras["gradient"], sizes, values)
    assert as_fractions(grad) == central_gradient(f, wv)
    hess = evaluate(ridge.extras["hessian"], sizes, values)
    assert as_fractions(hess) == [x for row in central_hessian(f, wv) for x in row]
    # the closed form zeroes the gradient exactly, whatever the rank of X
    w_star = evaluate(ridge.result, sizes, values)
    assert evaluate(ridge.extras["gradient"], sizes, {**values, w: w_star}) == sp.zeros(cols, 1)
