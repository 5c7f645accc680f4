"""Matrix calculus from differentials: the scalar transpose, gradients of linear and quadratic
forms, and the Hessian of a quadratic form.

`gradient_by_rules` applies the derived linear- and quadratic-form gradients term by term; the
least-squares derivations use it to differentiate the expanded MSE "by the rules".
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import A, X, b, d, h, n, t, y
from derive.core.algebra import (
    expand_matrix,
    factor_sides,
    is_matrix,
    matrix_terms,
    orient_towards,
    part_of_degree,
    use_symmetry,
)
from derive.core.derivation import (
    Assumption,
    Derivation,
    approx,
    definition,
    equal,
    gradient,
)

COOKBOOK = "K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (2012)"

SIZES = (
    Assumption.positive_integer(n, "$n$ is a positive integer"),
    Assumption.positive_integer(d, "$d$ is a positive integer"),
)


# --- small rewrites ---------------------------------------------------------------------------


def reverse_transpose(product):
    """(A B C)^T -> C^T B^T A^T, one factor at a time and left unevaluated ((y^T)^T stays)."""
    factors = product.args if isinstance(product, sp.MatMul) else (product,)
    return sp.MatMul(*[sp.Transpose(f) for f in reversed(factors)])


def scale_and_matrices(term):
    """A product term as (scalar coefficient, [matrix factors])."""
    coeff, rest = term.as_coeff_mmul()
    factors = list(rest.args) if isinstance(rest, sp.MatMul) else [rest]
    scalars = [f for f in factors if not is_matrix(f)]
    matrices = [f for f in factors if is_matrix(f)]
    return coeff * sp.Mul(*scalars), matrices


def _product(matrices, size):
    if not matrices:
        return sp.Identity(size)
    return sp.MatMul(*matrices) if len(matrices) > 1 else matrices[0]


def _scaled(c, M):
    """c * M without letting SymPy evaluate the product (which would resolve transposes)."""
    return M if c == 1 else sp.MatMul(c, M)


def gradient_by_rules(expr, var):
    """The gradient of a sum of 1x1 terms c t^T M t, c P t, c t^T P and constants, by the rules.

    Quadratic terms use the derived rule grad(t^T A t) = (A + A^T) t with A := M (the
    transpose left unevaluated, so a later step can use the symmetry of M); linear terms use
    grad(b^T t) = grad(t^T b) = b; constants contribute nothing. Raises ValueError on any
    other term.
    """
    from derive.catalog import get

    quadratic_rule = get("quadratic-form-gradient").result  # (A + A^T) t
    linear_rule = get("linear-form-gradient").result  # b
    size = var.shape[0]
    parts = []
    for term in matrix_terms(expand_matrix(expr)):
        if not term.has(var):
            continue
        c, mats = scale_and_matrices(term)
        if c.has(var):
            raise ValueError(f"the scalar factor of {term} depends on {var}")
        count = sum(1 for m in mats if m.has(var))
        if count == 2 and mats[0] == var.T and mats[-1] == var:
            M = _product(mats[1:-1], size)
            parts.append(_scaled(c, quadratic_rule.xreplace({A: M, t: var})))
        elif count == 1 and mats[-1] == var:
            bT = _product(mats[:-1], size)  # the row b^T
            parts.append(_scaled(c, linear_rule.xreplace({b: bT.T})))
        elif count == 1 and mats[0] == var.T:
            column = _product(mats[1:], size)  # t^T b with b a column
            parts.append(_scaled(c, linear_rule.xreplace({b: column})))
        else:
            raise ValueError(f"term {term} is not a linear or quadratic form in {var}")
    if not parts:
        return sp.ZeroMatrix(*var.shape)
    return sp.MatAdd(*parts) if len(parts) > 1 else parts[0]


# --- derivations ------------------------------------------------------------------------------


def scalar_transpose() -> Derivation:
    """y^T X t = t^T X^T y: a 1x1 matrix equals its transpose, and (ABC)^T = C^T B^T A^T."""
    s = y.T * X * t
    flipped = sp.Transpose(s)
    reversed_factors = reverse_transpose(s)
    result = reversed_factors.doit()
    steps = (
        definition(s, r"a $1 \times 1$ matrix: $(1 \times n)(n \times d)(d \times 1)$", lhs="s"),
        equal(flipped, r"$s = s^\top$ for every $1 \times 1$ matrix (a scalar is its own transpose)"),
        equal(reversed_factors, "the transpose of a product reverses the order of the factors",
              source=r"$(ABC)^\top = C^\top B^\top A^\top$; Matrix Cookbook eq. 6"),
        equal(result, r"$(y^\top)^\top = y$"),
    )
    return Derivation(
        id="scalar-transpose",
        title="The scalar-transpose identity",
        statement=r"For $X \in \mathbb{R}^{n \times d}$, $y \in \mathbb{R}^n$ and $t \in \mathbb{R}^d$, $y^\top X t = t^\top X^\top y$.",
        topic="calculus",
        assumptions=SIZES,
        steps=steps,
        result=result,
        claim=t.T * X.T * y,
        variables=(t,),
        extras={"identity": sp.Eq(s, result, evaluate=False)},
        references=(f"{COOKBOOK}, eq. 6",),
    )


def linear_form_gradient() -> Derivation:
    """grad_t (b^T t) = grad_t (t^T b) = b, read off the differential."""
    increment_bt = b.T * (t + h) - b.T * t
    linear_bt = expand_matrix(increment_bt)
    grad_bt = linear_bt.diff(h)
    increment_tb = (t + h).T * b - t.T * b
    linear_tb = expand_matrix(increment_tb)
    oriented = orient_towards(linear_tb, h)
    grad_tb = oriented.diff(h)
    steps = (
        definition(increment_bt, r"the increment of $f(t) = b^\top t$ along a perturbation $h$",
                   lhs=r"f(t + h) - f(t)"),
        equal(linear_bt, r"distribute the product; $b^\top t$ cancels; nothing of higher order is left"),
        gradient(grad_bt, r"$df = (\nabla f)^\top h$ identifies the gradient", wrt=h,
                 lhs=r"\nabla_t (b^\top t)", source="Matrix Cookbook eq. 69"),
        definition(increment_tb, r"the increment of $g(t) = t^\top b$ along $h$", lhs=r"g(t + h) - g(t)"),
        equal(linear_tb, r"distribute the product; $t^\top b$ cancels"),
        equal(oriented, r"a $1 \times 1$ matrix equals its transpose: $h^\top b = b^\top h$"),
        gradient(grad_tb, r"$dg = (\nabla g)^\top h$ identifies the gradient", wrt=h,
                 lhs=r"\nabla_t (t^\top b)", source="Matrix Cookbook eq. 69"),
    )
    return Derivation(
        id="linear-form-gradient",
        title="Gradient of a linear form",
        statement=r"For $b$, $t \in \mathbb{R}^d$, the gradients of $b^\top t$ and of $t^\top b$ with respect to $t$ are both $b$.",
        topic="calculus",
        assumptions=(SIZES[1],),
        steps=steps,
        result=grad_tb,
        claim=b,
        variables=(t,),
        extras={"gradient_bt": grad_bt, "gradient_tb": grad_tb},
        references=(f"{COOKBOOK}, eq. 69",),
    )


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
            increment, r"the increment of $f(t) = t^\top A t$ along a perturbation $h$",
            lhs=r"f(t + h) - f(t)",
        ),
        equal(expanded, r"distribute the product; $t^\top A t$ cancels"),
        approx(linear, r"drop $h^\top A h$, which is of second order in $h$", small=h, order=1),
        equal(oriented, r"a $1 \times 1$ matrix equals its transpose: $h^\top A t = t^\top A^\top h$",
              source=r"$(ABC)^\top = C^\top B^\top A^\top$"),
        equal(factored, r"collect $t^\top$ on the left and $h$ on the right"),
        gradient(grad, r"$df = (\nabla f)^\top h$ identifies the gradient", wrt=h,
                 lhs=r"\nabla_t f(t)", source="Matrix Cookbook eq. 81"),
    )
    return Derivation(
        id="quadratic-form-gradient",
        title="Gradient of a quadratic form",
        statement=r"For $f(t) = t^\top A t$ with $A$ square, the gradient is $(A + A^\top) t$; for symmetric $A$ it is $2 A t$.",
        topic="calculus",
        assumptions=(Assumption.positive_integer(d, r"$d$ is a positive integer ($t \in \mathbb{R}^d$)"),),
        steps=steps,
        result=grad,
        claim=(A + A.T) * t,
        variables=(t,),
        extras={"symmetric": use_symmetry(grad, [A])},
        references=(f"{COOKBOOK}, eq. 81",),
    )


def quadratic_form_hessian() -> Derivation:
    """The Hessian of f(t) = t^T A t is A + A^T (2A for symmetric A), the same at every t."""
    from derive.catalog import get

    f = t.T * A * t
    grad = get("quadratic-form-gradient").result
    hessian = grad.diff(t)
    steps = (
        definition(f, "a quadratic form with a square $A$, not necessarily symmetric", lhs="f(t)"),
        gradient(grad, "the gradient of a quadratic form (quadratic-form-gradient)", wrt=t,
                 lhs=r"\nabla_t f(t)", source="Matrix Cookbook eq. 81"),
        gradient(hessian, r"differentiate the gradient once more: $\nabla_t (M t) = M^\top$, and $(A + A^\top)^\top = A^\top + A$", wrt=t, lhs=r"\nabla^2_t f(t)",
                 source="Matrix Cookbook eq. 69"),
    )
    return Derivation(
        id="quadratic-form-hessian",
        title="Hessian of a quadratic form",
        statement=r"For $f(t) = t^\top A t$ with $A$ square, the Hessian is $A + A^\top$ at every $t$; $2A$ when $A$ is symmetric.",
        topic="calculus",
        assumptions=(SIZES[1],),
        steps=steps,
        result=hessian,
        claim=A + A.T,
        variables=(t,),
        extras={"gradient": grad, "symmetric": use_symmetry(hessian, [A])},
        references=(f"{COOKBOOK}, eqs. 69, 81, 98",),
    )
