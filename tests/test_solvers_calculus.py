"""Matrix-calculus results and the Newton step as numeric functions, against plain numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from derive import catalog
from tests.strategies import seeds


@st.composite
def square_and_vector(draw, max_d=5):
    d = draw(st.integers(1, max_d), label="d")
    rng = np.random.default_rng(draw(seeds, label="seed"))
    return rng.standard_normal((d, d)), rng.standard_normal(d)


@given(square_and_vector())
def test_quadratic_form_gradient_and_hessian(case):
    A, t = case
    grad = catalog.get("quadratic-form-gradient").solver()
    np.testing.assert_allclose(grad(A, t), (A + A.T) @ t, rtol=1e-13, atol=1e-13)
    sym = catalog.get("quadratic-form-gradient").solver(part="symmetric")
    S = A + A.T
    np.testing.assert_allclose(sym(S, t), 2 * S @ t, rtol=1e-13, atol=1e-13)
    hess = catalog.get("quadratic-form-hessian").solver()
    np.testing.assert_allclose(hess(A), A + A.T, rtol=0, atol=0)


@given(square_and_vector())
def test_linear_form_gradient_returns_a_fresh_copy(case):
    _, b = case
    before = b.copy()
    grad = catalog.get("linear-form-gradient").solver()
    out = grad(b)
    np.testing.assert_array_equal(out, b)
    out[...] = 12345.0  # writing to the result must not touch the input
    np.testing.assert_array_equal(b, before)


@given(square_and_vector())
def test_newton_step_solves_without_inverting(case):
    A, g = case
    H = A @ A.T + np.eye(len(g))  # a positive definite Hessian
    step = catalog.get("newton-step").solver()
    assert "inv(" not in step.source
    got = step(H, g)
    np.testing.assert_allclose(H @ got, -g, rtol=1e-10, atol=1e-10 * (1 + np.abs(g).max()))


def test_newton_lands_on_the_least_squares_minimiser_in_one_step():
    D = catalog.get("newton-step")
    landing = D.solver(part="mse_landing")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = rng.standard_normal(30)
    np.testing.assert_allclose(landing(X, y), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
