"""Gradient descent: the MSE update, the Taylor argument, and the two tables of seed post 000.

The seed's numbers are typed in below as expected values; the derivations compute them from the
derived update maps in exact rational arithmetic.
"""

from __future__ import annotations

import dataclasses

import functools
import itertools
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
import sympy as sp

import derive
from derive.catalog import descent
from derive.catalog.symbols import X, d, eta, n, t, y
from derive.core.check import (
    FAILED,
    INSTANTIATED,
    PASSED,
    SYMBOLIC,
    check_pair,
    prove_equal,
)
from derive.core.context import Context
from derive.core.derivation import Relation

IDS = ("gd-update-mse", "gd-taylor", "gd-x-squared", "gd-quadratic-regression")


@functools.cache
def report_of(name):
    return derive.get(name).check()


def ctx_of(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


def exact(text: str) -> sp.Rational:
    """A decimal typed from the seed, as an exact rational."""
    q = Fraction(text)
    return sp.Rational(q.numerator, q.denominator)


@pytest.mark.parametrize("name", IDS)
def test_steps_use_only_stated_assumptions(name):
    d_ = derive.get(name)
    texts = {a.text for a in d_.assumptions}
    for step in d_.steps:
        assert set(step.uses) <= texts, (step.reason, step.uses)
        assert step.reason


@pytest.mark.parametrize("name", IDS)
def test_result_equals_claim_and_is_the_last_step(name):
    d_ = derive.get(name)
    assert prove_equal(d_.result, d_.claim, ctx_of(d_)).status == PASSED
    assert d_.result == d_.steps[-1].expr or (
        isinstance(d_.steps[-1].expr, sp.core.relational.Relational) and d_.result == d_.steps[-1].expr.lhs
    )


# --- gd-update-mse ----------------------------------------------------------------------------


def _fraction_update(Xr, yr, tr, step):
    """t - eta (2/n) X^T (X t - y) with lists of Fractions: no SymPy."""
    rows, cols = len(Xr), len(tr)
    residual = [sum(Xr[r][c] * tr[c] for c in range(cols)) - yr[r] for r in range(rows)]
    grad = [Fraction(2, rows) * sum(Xr[r][c] * residual[r] for r in range(rows)) for c in range(cols)]
    return [tr[c] - step * grad[c] for c in range(cols)]


def test_gd_update_agrees_with_a_hand_written_update():
    """The derived update, and M t + c from its extras, equal the update computed with plain
    fractions on random data."""
    import random

    d_ = derive.get("gd-update-mse")
    rng = random.Random(3)
    rows, cols = 5, 3
    Xr = [[Fraction(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(cols)] for _ in range(rows)]
    yr = [Fraction(rng.randint(-9, 9)) for _ in range(rows)]
    tr = [Fraction(rng.randint(-9, 9)) for _ in range(cols)]
    step = Fraction(1, 7)
    expected = _fraction_update(Xr, yr, tr, step)
    data = {X: sp.Matrix(Xr), y: sp.Matrix(yr), t: sp.Matrix(tr), eta: sp.Rational(1, 7)}
    sizes = {n: rows, d: cols}
    for expr in (d_.result, d_.extras["iteration_matrix"] * t + d_.extras["offset"]):
        value = sp.ImmutableMatrix(descent.instantiate(expr, sizes, data).doit())
        assert [Fraction(int(v.p), int(v.q)) for v in value] == expected


# --- gd-taylor --------------------------------------------------------------------------------


def test_gd_taylor_steps():
    d_ = derive.get("gd-taylor")
    report = report_of("gd-taylor")
    kinds = [(s.step.relation, s.verdict.method) for s in report.steps]
    assert (Relation.APPROX, INSTANTIATED) in kinds
    assert kinds[-1] == (Relation.IMPLIES, SYMBOLIC)
    assert isinstance(d_.steps[-1].expr, sp.StrictLessThan)
    assert d_.steps[1].order == 1 and d_.steps[1].small == eta


def test_gd_taylor_approximation_has_teeth():
    """Dropping the first-order term, or claiming second order, is caught."""
    d_ = derive.get("gd-taylor")
    before, first_order = d_.steps[0].expr, d_.steps[1].expr
    value_only = first_order.subs(eta, 0)
    assert check_pair(before, value_only, Relation.APPROX, small=eta, order=1).status == FAILED
    assert check_pair(before, first_order, Relation.APPROX, small=eta, order=2).status == FAILED
    wrong_sign = 2 * value_only - first_order  # f + eta ||grad||^2
    assert check_pair(before, wrong_sign, Relation.APPROX, small=eta, order=1).status == FAILED


def test_gd_taylor_inequality_needs_a_positive_step_and_a_nonzero_gradient():
    d_ = derive.get("gd-taylor")
    decrease = d_.steps[-1].expr
    assert check_pair(d_.result, decrease, Relation.IMPLIES, assumptions=d_.assumptions).status == PASSED
    # eta is declared positive on the symbol; without grad f != 0 the strict decrease fails
    kept = tuple(a for a in d_.assumptions if a.text != r"$\nabla f(x_k) \neq 0$")
    assert len(kept) == len(d_.assumptions) - 1
    assert check_pair(d_.result, decrease, Relation.IMPLIES, assumptions=kept).status != PASSED


def test_gd_taylor_result_is_the_computed_first_order_value():
    """The first-order value f - eta ||grad f||^2 is the expanded Taylor step, not typed in:
    dropping eta, or a partial, from the step breaks the chain at the equal step."""
    d_ = derive.get("gd-taylor")
    assert d_.check().result.status == PASSED
    wrong = d_.result + eta * d_.extras["squared_gradient_norm"].args[0]
    steps = list(d_.steps)
    steps[2] = dataclasses.replace(steps[2], expr=wrong)
    report = dataclasses.replace(d_, steps=tuple(steps), result=wrong).check()
    assert [s.index for s in report.failures][:1] == [2]


# --- gd-x-squared -----------------------------------------------------------------------------

# seed 000, section 1.2.2: k | x_k | gradient | update "x_k - step = x_{k+1}" | f(x_k)
SEED_X_SQUARED = (
    ("0", "2.0", "4.0", "0.4", "1.6", "4.0"),
    ("1", "1.6", "3.2", "0.32", "1.28", "2.56"),
    ("2", "1.28", "2.56", "0.256", "1.024", "1.6384"),
    ("3", "1.024", "2.048", "0.2048", "0.8192", "1.048576"),
    ("4", "0.8192", "1.6384", "0.16384", "0.65536", "0.67108864"),
    ("5", "0.65536", "1.31072", "0.131072", "0.524288", "0.4294967296"),
)


def test_gd_x_squared_update():
    d_ = derive.get("gd-x-squared")
    x = d_.variables[0]
    assert d_.result == sp.Rational(4, 5) * x
    assert d_.extras["gradient"] == 2 * x
    assert d_.extras["table_columns"] == ("k", "x_k", "gradient", "step", "x_next", "f(x_k)")


def test_gd_x_squared_table_equals_seed_exactly():
    table = derive.get("gd-x-squared").extras["table"]
    assert len(table) == len(SEED_X_SQUARED)
    for row, seed_row in zip(table, SEED_X_SQUARED):
        assert all(isinstance(v, sp.Rational) for v in row)
        assert row == tuple(exact(v) for v in seed_row)


def test_gd_x_squared_table_follows_the_derived_update():
    d_ = derive.get("gd-x-squared")
    x = d_.variables[0]
    table = d_.extras["table"]
    for row, following in itertools.pairwise(table):
        assert following[1] == row[4] == d_.result.subs(x, row[1])


# --- gd-quadratic-regression ------------------------------------------------------------------

# seed 000, section 2.3: k | theta_1 | theta_2 | theta_3 | L(theta_k), six decimals
SEED_REGRESSION = (
    (0, "0.000000", "0.000000", "0.000000", "32.500000"),
    (1, "0.560000", "0.210000", "0.090000", "6.291950"),
    (2, "0.801500", "0.301800", "0.132700", "1.377884"),
    (3, "0.905152", "0.342423", "0.154887", "0.453345"),
    (4, "0.949149", "0.360879", "0.168156", "0.276331"),
    (5, "0.967337", "0.369726", "0.177526", "0.239449"),
    (6, "0.974364", "0.374399", "0.185170", "0.228903"),
    (7, "0.976572", "0.377250", "0.192029", "0.223371"),
    (8, "0.976705", "0.379299", "0.198511", "0.218856"),
    (9, "0.975950", "0.380986", "0.204793", "0.214608"),
    (10, "0.974821", "0.382502", "0.210951", "0.210484"),
)


def six_decimals(value: sp.Rational) -> str:
    q = Decimal(int(value.p)) / Decimal(int(value.q))
    return str(q.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def test_regression_table_reproduces_every_seed_entry():
    table = derive.get("gd-quadratic-regression").extras["table"]
    assert len(table) == len(SEED_REGRESSION) == 11
    for row, seed_row in zip(table, SEED_REGRESSION):
        assert row[0] == seed_row[0]
        for value, typed in zip(row[1:], seed_row[1:]):
            assert isinstance(value, sp.Rational)
            assert abs(value - exact(typed)) <= sp.Rational(1, 2 * 10**6)
            assert six_decimals(value) == typed


def test_regression_first_step_is_checked():
    d_ = derive.get("gd-quadratic-regression")
    report = report_of("gd-quadratic-regression")
    gradient_0 = sp.ImmutableMatrix([-56, -21, -9])
    t1 = sp.ImmutableMatrix([exact("0.56"), exact("0.21"), exact("0.09")])
    assert d_.extras["gradient_0"] == gradient_0
    assert d_.extras["loss_0"] == exact("32.5")
    assert d_.extras["t1"] == t1
    passed = {str(s.step.expr) for s in report.steps
              if s.step.relation is not Relation.DEFINITION and s.verdict.status == PASSED}
    for value in (gradient_0, exact("32.5"), t1):
        assert str(value) in passed


def test_regression_definitions_equal_a_hand_written_update():
    """The data steps (gradient and update at t_0 = 0) equal the plain-fraction computation of
    the seed's loop, not a copy of how the catalogue built them."""
    d_ = derive.get("gd-quadratic-regression")
    xs, ys = (0, 1, 2, 3), (1, 2, 5, 10)
    Xr = [[Fraction(x * x), Fraction(x), Fraction(1)] for x in xs]
    yr = [Fraction(v) for v in ys]
    t0 = [Fraction(0)] * 3
    step = Fraction(1, 100)
    update = _fraction_update(Xr, yr, t0, step)
    grad = [(a - b) / step for a, b in zip(t0, update)]
    grad_step = sp.ImmutableMatrix(d_.steps[0].expr.doit())
    assert [Fraction(int(v.p), int(v.q)) for v in grad_step] == grad
    update_step = sp.ImmutableMatrix(d_.steps[5].expr.doit())
    assert [Fraction(int(v.p), int(v.q)) for v in update_step] == update


def test_regression_table_matches_an_independent_loop():
    """Plain fractions, no SymPy: the textbook loop gives the same exact iterates."""
    xs, ys = (0, 1, 2, 3), (1, 2, 5, 10)
    rows = [(x * x, x, 1) for x in xs]
    theta = [Fraction(0)] * 3
    table = derive.get("gd-quadratic-regression").extras["table"]
    for k in range(11):
        residual = [sum(a * p for a, p in zip(r, theta)) - target for r, target in zip(rows, ys)]
        loss = sum(e * e for e in residual) / 4
        expected = (k, *theta, loss)
        assert tuple(Fraction(int(sp.fraction(v)[0]), int(sp.fraction(v)[1])) for v in table[k]) == expected
        grad = [Fraction(2, 4) * sum(rows[i][j] * residual[i] for i in range(4)) for j in range(3)]
        theta = [p - Fraction(1, 100) * g for p, g in zip(theta, grad)]


def test_regression_update_map():
    d_ = derive.get("gd-quadratic-regression")
    Xc, yc = d_.extras["X"], d_.extras["y"]
    M, c = d_.extras["iteration_matrix"], d_.extras["offset"]
    assert M == sp.eye(3) - sp.Rational(1, 200) * Xc.T * Xc
    assert c == sp.Rational(1, 200) * Xc.T * yc
