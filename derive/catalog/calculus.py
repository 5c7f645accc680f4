"""Matrix calculus from differentials: gradients of linear and quadratic forms."""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import A, d, h, t
from derive.core.algebra import expand_matrix, factor_sides, orient_towards, part_of_degree, use_symmetry
from derive.core.derivation import Assumption, Derivation, approx, definition, equal, gradient


def quadratic_form_gradient() -> Derivation:
    """The gradient of f(t) = t^T A t is (A + A^T) t, and 2 A t when A is symmetric."""
    increment = (t + h).T * A * (t + h) - t.T * A * t
    expanded = expand_matrix(increment)
    linear = part_of_degree(expanded, h, 1)
    oriented = orient_towards(linear, h)
    factored = factor_sides(oriented, t.T, h)
    grad = factored.diff(h)
    steps = (
        definition(
            increment, "the increment of f(t) = t^T A t along a perturbation h",
            lhs=r"f(t + h) - f(t)",
        ),
        equal(expanded, "distribute the product; t^T A t cancels"),
        approx(linear, "drop h^T A h, which is of second order in h", small=h, order=1),
        equal(oriented, "a 1x1 matrix equals its transpose: h^T A t = t^T A^T h",
              source="(ABC)^T = C^T B^T A^T"),
        equal(factored, "collect t^T on the left and h on the right"),
        gradient(grad, "df = (grad f)^T h identifies the gradient", wrt=h,
                 lhs=r"\nabla_t f(t)", source="Matrix Cookbook eq. 81"),
    )
    return Derivation(
        id="quadratic-form-gradient",
        title="Gradient of a quadratic form",
        statement="For f(t) = t^T A t with A square, the gradient is (A + A^T) t; for symmetric A it is 2 A t.",
        topic="calculus",
        assumptions=(Assumption.positive_integer(d, "d is a positive integer (t in R^d)"),),
        steps=steps,
        result=grad,
        claim=(A + A.T) * t,
        variables=(t,),
        extras={"symmetric": use_symmetry(grad, [A])},
        references=("K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (2012), eq. 81",),
    )
