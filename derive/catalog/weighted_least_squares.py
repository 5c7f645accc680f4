"""Generalised and weighted least squares: with y ~ N(X w, sigma^2 W^{-1}) the maximum-likelihood
w solves the weighted normal equations X^T W X w = X^T W y.

Weighted least squares is the case of a diagonal W = diag(omega_i) (independent samples, the
i-th with variance sigma^2 / omega_i); ordinary least squares is W = I.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import X, d, n, sigma, w, y
from derive.core.algebra import expand_matrix, linear_coefficients, solve_stationary, split_scale, use_symmetry
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    gradient,
    iff,
    same_minimiser,
    stationary,
)

AITKEN = "A. C. Aitken, On least squares and linear combination of observations (1935)"
W = sp.MatrixSymbol("W", n, n)


def gls_normal_equations() -> Derivation:
    """argmax_w N(y; X w, sigma^2 W^{-1}) = (X^T W X)^{-1} X^T W y."""
    residual = y - X * w
    covariance_log_det = sp.log(sp.Determinant(2 * sp.pi * sigma**2 * W.I))
    quadratic = (residual.T * W * residual) / (2 * sigma**2)
    constant = covariance_log_det / 2
    nll = constant * sp.Identity(1) + quadratic
    data_term = quadratic
    Q = sp.MatMul(2 * sigma**2, data_term).doit()
    grad = use_symmetry(Q.diff(w), [W])
    M, c = linear_coefficients(expand_matrix(grad), w)
    scale, gram = split_scale(M)
    normal = sp.Eq(gram * w, (-c / scale).doit())
    solution = solve_stationary(normal.lhs - normal.rhs, w, invertible=(gram,))
    steps = (
        definition(nll, "the negative log-likelihood of $y \\sim \\mathcal{N}(Xw, \\Sigma)$ with "
                   "$\\Sigma = \\sigma^2 W^{-1}$: $\\frac12 \\log\\det(2\\pi\\Sigma) + \\frac12 "
                   "(y - Xw)^\\top \\Sigma^{-1} (y - Xw)$, and $\\Sigma^{-1} = W / \\sigma^2$",
                   lhs="-\\log p(y \\mid w)"),
        same_minimiser(data_term, "drop $\\frac12 \\log\\det(2\\pi\\sigma^2 W^{-1})$, free of $w$",
                       wrt=(w,), alpha=1, beta=-constant),
        same_minimiser(Q, "multiply by $2\\sigma^2 > 0$: the weighted sum of squares", wrt=(w,),
                       alpha=2 * sigma**2, beta=0, lhs="Q(w)"),
        gradient(grad, "the gradient of the quadratic form, with $W$ symmetric", wrt=w,
                 lhs="\\nabla_w Q(w)", uses=("$W$ is symmetric positive definite",)),
        stationary(sp.Eq(grad, sp.ZeroMatrix(d, 1)), "a minimiser of the convex $Q$ is a stationary point",
                   wrt=w),
        iff(normal, f"multiply by the nonzero constant ${sp.latex(1 / scale)}$: the weighted normal "
            "equations", wrt=(w,), factor=scale),
        iff(sp.Eq(w, solution), "$X^\\top W X$ is positive definite, hence invertible",
            wrt=(w,), factor=gram, uses=("$X^\\top W X$ is positive definite",)),
    )
    return Derivation(
        id="gls-normal-equations",
        title="Generalised (weighted) least squares",
        statement='If $y \\sim \\mathcal{N}(X w, \\sigma^2 W^{-1})$ with $W$ symmetric positive definite, the maximum-likelihood $w$ minimises $(y - X w)^\\top W (y - X w)$ and solves $X^\\top W X w = X^\\top W y$: $w = (X^\\top W X)^{-1} X^\\top W y$ when $X$ has full column rank (weighted least squares: $W$ diagonal).',
        topic="weighted_least_squares",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
            Assumption.positive(sigma, "$\\sigma > 0$"),
            Assumption.positive_definite(W, "$W$ is symmetric positive definite"),
            Assumption.full_column_rank(X),
            Assumption.positive_definite(X.T * W * X, "$X^\\top W X$ is positive definite "
                                         "($W$ positive definite and $X$ of full column rank)"),
        ),
        steps=steps,
        result=solution,
        claim=(X.T * W * X).I * X.T * W * y,
        variables=(w,),
        extras={"gradient": grad, "normal_equation": normal, "weighted_sum_of_squares": Q},
        references=(AITKEN,),
    )
