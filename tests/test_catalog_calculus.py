"""Catalogue I, matrix calculus: the scalar transpose, linear/quadratic-form gradients, the Hessian.

Every derivation checks with every step decided; each result equals its textbook claim; and a
Hypothesis test confirms the gradients and Hessians against exact central differences computed
in plain rational arithmetic, without SymPy's diff.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.catalog.calculus import gradient_by_rules
from derive.catalog.symbols import A, X, b, d, n, t, y
from derive.core.check import FAILED, PASSED, prove_equal
from derive.core.context import Context

IDS = ("scalar-transpose", "linear-form-gradient", "quadratic-form-gradient", "quadratic-form-hessian")


def ctx_of(derivation):
    return Context.from_assumptions(derivation.assumptions, derivation.sizes)


def evaluate(expr, sizes, values):
    """expr with sizes and then matrix symbols / scalars replaced by concrete values, computed."""
    e = expr.xreplace(sizes)
    mapping = {}
    for symbol, value in values.items():
        if isinstance(symbol, sp.MatrixSymbol):
            shape = tuple(sp.sympify(s).xreplace(sizes) for s in symbol.shape)
            mapping[sp.MatrixSymbol(symbol.name, *shape)] = sp.ImmutableMatrix(value)
        else:
            mapping[symbol] = value
    out = e.xreplace(mapping).doit()
    return sp.ImmutableMatrix(out.as_explicit() if hasattr(out, "as_explicit") else out)


@pytest.mark.parametrize("name", IDS)
def test_steps_use_only_stated_assumptions(name):
    d_ = derive.get(name)
    texts = {a.text for a in d_.assumptions}
    for step in d_.steps:
        assert set(step.uses) <= texts, (step.reason, step.uses)
        assert step.reason


@pytest.mark.parametrize("name", IDS)
def test_result_is_the_last_step(name):
    d_ = derive.get(name)
    assert d_.result == d_.steps[-1].expr


def test_scalar_transpose_identity():
    d_ = derive.get("scalar-transpose")
    assert d_.result == t.T * X.T * y
    identity = d_.extras["identity"]
    assert identity.lhs == y.T * X * t
    assert d_.steps[0].expr.shape == (1, 1)
    # the unevaluated (y^T)^T appears before it is simplified
    assert any(isinstance(a, sp.Transpose) and a.arg == y.T for a in sp.preorder_traversal(d_.steps[2].expr))


def test_linear_form_both_orientations():
    d_ = derive.get("linear-form-gradient")
    assert d_.extras["gradient_bt"] == b
    assert d_.extras["gradient_tb"] == b


def test_quadratic_form_symmetric_corollary():
    d_ = derive.get("quadratic-form-gradient")
    ctx = Context.from_assumptions(())
    assert prove_equal(d_.extras["symmetric"], 2 * A * t, ctx).status == PASSED
    # the corollary needs symmetry: (A + A^T) t is not 2 A t for a general A
    assert prove_equal(d_.result, 2 * A * t, ctx).status == FAILED


def test_quadratic_form_hessian_extras_by_finite_differences():
    """The Hessian result is the matrix of second differences of t^T A t (exact for a
    quadratic, so plain fractions decide it), for a random non-symmetric A: A + A^T, not 2 A."""
    import random

    d_ = derive.get("quadratic-form-hessian")
    rng = random.Random(5)
    size = 3
    Ac = [[Fraction(rng.randint(-9, 9)) for _ in range(size)] for _ in range(size)]

    def f(v):
        return sum(v[r] * Ac[r][c] * v[c] for r in range(size) for c in range(size))

    base = [Fraction(rng.randint(-9, 9)) for _ in range(size)]

    def second_difference(r, c):
        def at(dr, dc):
            v = list(base)
            v[r] += dr
            v[c] += dc
            return f(v)
        return at(1, 1) - at(1, 0) - at(0, 1) + at(0, 0)

    expected = [[second_difference(r, c) for c in range(size)] for r in range(size)]
    Am = sp.ImmutableMatrix(Ac)
    A3 = sp.MatrixSymbol(A.name, size, size)

    def at(expr, value):
        return sp.ImmutableMatrix(expr.xreplace({d: size}).xreplace({A3: value}).doit())

    computed = at(d_.result, Am)
    assert [[Fraction(int(computed[r, c].p), int(computed[r, c].q)) for c in range(size)]
            for r in range(size)] == expected
    assert at(d_.extras["symmetric"], Am) != computed  # 2 A is the Hessian only for a symmetric A
    assert at(d_.extras["symmetric"], (Am + Am.T) / 2) == computed


def test_hessian_reproduces_the_quadratic_exactly():
    """f(t + h) - f(t) = grad^T h + (1/2) h^T H h holds exactly for a quadratic form."""
    from derive.catalog.symbols import h

    hess = derive.get("quadratic-form-hessian")
    grad = hess.extras["gradient"]
    increment = (t + h).T * A * (t + h) - t.T * A * t
    taylor = grad.T * h + sp.Rational(1, 2) * h.T * hess.result * h
    assert prove_equal(increment, taylor, Context.from_assumptions(())).status == PASSED


def test_gradient_by_rules_rejects_other_terms():
    with pytest.raises(ValueError):
        gradient_by_rules(t.T * A * t * t.T * b, t)


# --- Hypothesis: gradients and Hessians against exact central differences --------------------

rationals = st.fractions(min_value=-4, max_value=4, max_denominator=3)


def vector(draw, size):
    return [draw(rationals) for _ in range(size)]


def matrix(draw, rows, cols):
    return [[draw(rationals) for _ in range(cols)] for _ in range(rows)]


def central_gradient(f, point, step=Fraction(1)):
    """(f(t + h e_j) - f(t - h e_j)) / (2h): exact for polynomials of degree <= 2."""
    out = []
    for j in range(len(point)):
        up = list(point)
        down = list(point)
        up[j] += step
        down[j] -= step
        out.append((f(up) - f(down)) / (2 * step))
    return out


def central_hessian(f, point, step=Fraction(1)):
    """Second central differences: exact for polynomials of degree <= 2."""
    size = len(point)
    out = [[Fraction(0)] * size for _ in range(size)]
    for i in range(size):
        for j in range(size):
            def shifted(si, sj, i=i, j=j):
                p = list(point)
                p[i] += si * step
                p[j] += sj * step
                return f(p)

            out[i][j] = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / (4 * step**2)
    return out


def as_fractions(matrix_value):
    return [Fraction(int(sp.fraction(v)[0]), int(sp.fraction(v)[1])) for v in matrix_value]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_linear_form_gradient_matches_central_differences(data):
    size = data.draw(st.integers(1, 4), label="d")
    bv = vector(data.draw, size)
    tv = vector(data.draw, size)

    def f(point):
        return sum(bi * ti for bi, ti in zip(bv, point))

    expected = central_gradient(f, tv)
    d_ = derive.get("linear-form-gradient")
    for grad in (d_.result, d_.extras["gradient_bt"], d_.extras["gradient_tb"]):
        got = evaluate(grad, {d: size}, {b: [[v] for v in bv], t: [[v] for v in tv]})
        assert as_fractions(got) == expected


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_quadratic_form_gradient_and_hessian_match_central_differences(data):
    size = data.draw(st.integers(1, 3), label="d")
    Av = matrix(data.draw, size, size)
    tv = vector(data.draw, size)

    def f(point):
        return sum(point[i] * Av[i][j] * point[j] for i in range(size) for j in range(size))

    values = {A: Av, t: [[v] for v in tv]}
    grad = evaluate(derive.get("quadratic-form-gradient").result, {d: size}, values)
    assert as_fractions(grad) == central_gradient(f, tv)
    hess = evaluate(derive.get("quadratic-form-hessian").result, {d: size}, values)
    expected = central_hessian(f, tv)
    assert as_fractions(hess) == [v for row in expected for v in row]


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_scalar_transpose_in_exact_arithmetic(data):
    rows = data.draw(st.integers(1, 4), label="n")
    cols = data.draw(st.integers(1, 3), label="d")
    Xv = matrix(data.draw, rows, cols)
    yv = vector(data.draw, rows)
    tv = vector(data.draw, cols)
    values = {X: Xv, y: [[v] for v in yv], t: [[v] for v in tv]}
    sizes = {n: rows, d: cols}
    d_ = derive.get("scalar-transpose")
    left = sum(yv[i] * Xv[i][j] * tv[j] for i in range(rows) for j in range(cols))
    assert as_fractions(evaluate(d_.result, sizes, values)) == [left]
