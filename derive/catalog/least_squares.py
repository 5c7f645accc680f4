"""Least squares: the MSE, its gradient and the normal equations, derived from the definition."""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import X, d, n, w, y
from derive.core.algebra import (
    expand_matrix,
    linear_coefficients,
    scalar_transpose,
    solve_stationary,
    _split_scale,
)
from derive.core.derivation import Assumption, Derivation, definition, equal, gradient, iff


def mse(weights=w):
    """L(w) = (1/n) (X w - y)^T (X w - y), the mean squared error as a 1x1 matrix expression."""
    residual = X * weights - y
    return (residual.T * residual) / n


def normal_equations() -> Derivation:
    """The MSE is stationary exactly where X^T X w = X^T y; with full column rank, w = (X^T X)^{-1} X^T y."""
    loss = mse()
    expanded = expand_matrix(loss)
    combined = scalar_transpose(expanded)
    grad = loss.diff(w)
    stationary = sp.Eq(grad, sp.ZeroMatrix(d, 1))
    M, c = linear_coefficients(grad, w)
    scale, gram = _split_scale(M)
    normal = sp.Eq(gram * w, (-c / scale).doit())
    solution = solve_stationary(normal.lhs - normal.rhs, w, invertible=(gram,))
    closed_form = sp.Eq(w, solution)
    steps = (
        definition(loss, "the mean squared error of the linear model X w", lhs="L(w)"),
        equal(expanded, "distribute the product"),
        equal(combined, "y^T X w = w^T X^T y, a 1x1 matrix equals its transpose"),
        gradient(grad, "gradient of the linear and quadratic forms", wrt=w,
                 lhs=r"\nabla_w L(w)", source="Matrix Cookbook eqs. 69, 81"),
        definition(stationary, "a minimiser of the convex L is a stationary point", lhs=None),
        iff(normal, f"multiply by the nonzero constant {sp.latex(1 / scale)}", wrt=(w,), factor=scale),
        iff(closed_form, "X^T X is invertible when X has full column rank", wrt=(w,),
            factor=gram, uses=("X has full column rank",)),
    )
    return Derivation(
        id="normal-equations",
        title="The normal equations",
        statement="The mean squared error (1/n)||Xw - y||^2 is stationary exactly where X^T X w = X^T y, "
        "and when X has full column rank its unique minimiser is w = (X^T X)^{-1} X^T y.",
        topic="least_squares",
        assumptions=(
            Assumption.positive_integer(n, "n is a positive integer (samples)"),
            Assumption.positive_integer(d, "d is a positive integer (features)"),
            Assumption.full_column_rank(X),
        ),
        steps=steps,
        result=solution,
        claim=(X.T * X).I * X.T * y,
        variables=(w,),
        extras={"gradient": grad, "normal_equation": normal},
    )
