"""Least squares: the MSE, its expansion, gradient and Hessian, the normal equations, ridge
regression and Newton's step, derived from the definitions.

The loss is the 1x1 matrix expression L(t) = (1/n) (X t - y)^T (X t - y), never an entry of it.
"""

from __future__ import annotations

import functools

import sympy as sp

from derive.catalog.calculus import (
    COOKBOOK,
    gradient_by_rules,
    reverse_transpose,
    scale_and_matrices,
)
from derive.catalog.symbols import I_d, X, d, h, lam, n, t, v, w, y
from derive.core.algebra import (
    split_scale,
    expand_matrix,
    linear_coefficients,
    matrix_terms,
    orient_towards,
    scalar_transpose,
    solve_stationary,
    use_symmetry,
)
from derive.core.derivation import (
    Assumption,
    Derivation,
    definition,
    equal,
    gradient,
    iff,
    implies,
    stationary,
)
from derive.render.latex import expression_latex as tex

#: Newton's method: the Hessian and the gradient at the current point.
H = sp.MatrixSymbol("H", d, d)
g = sp.MatrixSymbol("g", d, 1)
#: a scalar step along a direction
s = sp.Symbol("s", real=True)

SIZES = (
    Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
    Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
)


def mse(weights=w):
    """L(w) = (1/n) (X w - y)^T (X w - y), the mean squared error as a 1x1 matrix expression."""
    residual = X * weights - y
    return (residual.T * residual) / n


# --- small rewrites ---------------------------------------------------------------------------


def _sum(parts):
    return sp.MatAdd(*parts) if len(parts) > 1 else parts[0]


def common_scalar(expr):
    """The greatest common scalar factor of the terms of a matrix sum (1 if none)."""
    scales = [scale_and_matrices(term)[0] for term in matrix_terms(expr)]
    return functools.reduce(sp.gcd, scales)


def divide_terms(expr, c):
    """Each term of a matrix sum divided by the scalar c (evaluated term by term)."""
    return _sum([(term / c).doit() for term in matrix_terms(expr)])


def factor_scalar(expr):
    """sum_k c a_k M_k -> c * (sum_k a_k M_k) with c the common scalar factor, unevaluated."""
    c = common_scalar(expr)
    return sp.MatMul(c, divide_terms(expr, c))


def factor_left(expr, left):
    """sum_k c a_k left M_k -> c * left * (sum_k a_k M_k): pull a common scalar and a common
    leftmost factor out of a matrix sum."""
    c = common_scalar(expr)
    inner = []
    for term in matrix_terms(expr):
        scale, mats = scale_and_matrices(term)
        if not mats or mats[0] != left:
            raise ValueError(f"term {term} does not start with {left}")
        rest = mats[1:]
        core = sp.MatMul(*rest) if len(rest) > 1 else rest[0]
        inner.append(core if scale == c else (scale / c) * core)
    return sp.MatMul(c, left, _sum(inner))


def squared_norms(expr, vec):
    """c v^T Z^T Z v -> c (Z v)^T (Z v) for each term of a sum of quadratic forms in vec:
    exhibits a quadratic form as a weighted sum of squared norms (terms c v^T v stay)."""
    out = []
    for term in matrix_terms(expand_matrix(expr)):
        c, mats = scale_and_matrices(term)
        if len(mats) < 2 or mats[0] != vec.T or mats[-1] != vec:
            raise ValueError(f"term {term} is not a quadratic form in {vec}")
        middle = mats[1:-1]
        half = len(middle) // 2
        if not middle:
            core = sp.MatMul(vec.T, vec)
        elif len(middle) % 2 == 0 and sp.MatMul(*middle[:half]).T.doit() == sp.MatMul(*middle[half:]).doit():
            Zv = sp.MatMul(*middle[half:], vec)
            core = sp.MatMul(sp.Transpose(Zv), Zv)
        else:
            raise ValueError(f"the middle of {term} is not of the form Z^T Z")
        out.append(core if c == 1 else sp.MatMul(c, core))
    return _sum(out)


def drop_zero_terms(expr):
    """Remove the terms of a matrix sum that evaluated to explicit zero matrices."""
    kept = [term for term in matrix_terms(expr)
            if not (isinstance(term, sp.MatrixBase) and term.is_zero_matrix)]
    return _sum(kept) if kept else sp.ZeroMatrix(*expr.shape)


def pull_scalar_from_inverse(expr):
    """(c M)^{-1} -> (1/c) M^{-1} for every inverse of a scaled matrix (c != 0)."""

    def scaled(node):
        return isinstance(node, sp.Inverse) and split_scale(node.arg)[0] != 1

    def rule(node):
        c, core = split_scale(node.arg)
        return sp.MatMul(1 / c, sp.Inverse(core))

    return expr.replace(scaled, rule)


def mse_expansion_steps(weights=t):
    """L, its expansion, the cross terms oriented and combined (shared by several results)."""
    loss = mse(weights)
    expanded = expand_matrix(loss)
    oriented = orient_towards(expanded, weights)
    combined = oriented.doit()
    return loss, expanded, oriented, combined


def _mse_definition(loss, var):
    return definition(loss, f"the mean squared error of the linear model $X {tex(var)}$, "
                      f"$\\frac{{1}}{{n}} \\lVert X {tex(var)} - y \\rVert^2$", lhs=f"L({tex(var)})")


# --- derivations ------------------------------------------------------------------------------


def mse_expansion() -> Derivation:
    """(1/n)||X t - y||^2 = (1/n)(t^T X^T X t - 2 y^T X t + y^T y): the 1/n multiplies every term."""
    loss, expanded, oriented, combined = mse_expansion_steps(t)
    factored = factor_scalar(combined)
    steps = (
        _mse_definition(loss, t),
        equal(expanded, "distribute the product: four terms, each with the factor $1/n$"),
        equal(oriented, r"$t^\top X^\top y = y^\top X t$: a $1 \times 1$ matrix equals its transpose",
              source="scalar-transpose"),
        equal(combined, "collect the two equal cross terms"),
        equal(factored, "take the common factor $1/n$ out of every term"),
    )
    return Derivation(
        id="mse-expansion",
        title="Expanding the mean squared error",
        statement=r"$(1/n)\lVert X t - y\rVert^2 = (1/n)(t^\top X^\top X t - 2 y^\top X t + y^\top y)$, with the factor $1/n$ on every term.",
        topic="least_squares",
        assumptions=SIZES,
        steps=steps,
        result=factored,
        claim=(t.T * X.T * X * t - 2 * y.T * X * t + y.T * y) / n,
        variables=(t,),
        extras={"terms": combined},
    )


def mse_gradient() -> Derivation:
    """grad L(t) = (2/n) X^T (X t - y), by the linear- and quadratic-form rules."""
    gram = X.T * X
    gram_T = sp.Transpose(gram)
    gram_T_reversed = reverse_transpose(gram)
    gram_T_value = gram_T_reversed.doit()
    loss, expanded, oriented, combined = mse_expansion_steps(t)
    by_rules = gradient_by_rules(combined, t)
    symmetric = use_symmetry(by_rules, [gram])
    factored = factor_left(symmetric, X.T)
    steps = (
        definition(gram_T, r"the transpose of the Gram matrix $X^\top X$", lhs=r"(X^\top X)^\top"),
        equal(gram_T_reversed, "the transpose of a product reverses the factors",
              source=r"$(AB)^\top = B^\top A^\top$"),
        equal(gram_T_value, r"$(X^\top)^\top = X$: $X^\top X$ is symmetric"),
        _mse_definition(loss, t),
        equal(expanded, "distribute the product"),
        equal(oriented, r"$t^\top X^\top y = y^\top X t$: a $1 \times 1$ matrix equals its transpose",
              source="scalar-transpose"),
        equal(combined, "collect the two equal cross terms"),
        gradient(by_rules, r"term by term: $\nabla (t^\top A t) = (A + A^\top) t$ with $A = X^\top X$ (quadratic-form-gradient); $\nabla (b^\top t) = b$ with $b = X^\top y$ (linear-form-gradient); $y^\top y$ does not depend on $t$", wrt=t,
                 lhs=r"\nabla_t L(t)", source="Matrix Cookbook eqs. 69, 81"),
        equal(symmetric, r"$X^\top X$ is symmetric (shown above): $(X^\top X)^\top + X^\top X = 2 X^\top X$"),
        equal(factored, r"take out the common factor $(2/n) X^\top$"),
    )
    return Derivation(
        id="mse-gradient",
        title="Gradient of the mean squared error",
        statement=r"The gradient of $L(t) = (1/n)\lVert X t - y\rVert^2$ is $(2/n) X^\top (X t - y)$.",
        topic="least_squares",
        assumptions=SIZES,
        steps=steps,
        result=factored,
        claim=sp.Rational(2) / n * X.T * (X * t - y),
        variables=(t,),
        extras={"expanded": symmetric, "gram_symmetric": sp.Eq(gram_T, gram_T_value, evaluate=False)},
        references=(f"{COOKBOOK}, eqs. 69, 81",),
    )


def normal_equations() -> Derivation:
    """The MSE is stationary exactly where X^T X w = X^T y; with full column rank, w = (X^T X)^{-1} X^T y."""
    loss = mse()
    expanded = expand_matrix(loss)
    combined = scalar_transpose(expanded)
    grad = loss.diff(w)
    first_order = sp.Eq(grad, sp.ZeroMatrix(d, 1))
    M, c = linear_coefficients(grad, w)
    scale, gram = split_scale(M)
    normal = sp.Eq(gram * w, (-c / scale).doit())
    solution = solve_stationary(normal.lhs - normal.rhs, w, invertible=(gram,))
    closed_form = sp.Eq(w, solution)
    steps = (
        definition(loss, "the mean squared error of the linear model $X w$", lhs="L(w)"),
        equal(expanded, "distribute the product"),
        equal(combined, r"$y^\top X w = w^\top X^\top y$, a $1 \times 1$ matrix equals its transpose"),
        gradient(grad, "gradient of the linear and quadratic forms", wrt=w,
                 lhs=r"\nabla_w L(w)", source="Matrix Cookbook eqs. 69, 81"),
        stationary(first_order, "set the gradient to zero: $L$ is convex (its Hessian "
                   "$\\frac{2}{n} X^\\top X$ is positive semidefinite, mse-hessian), so its "
                   "stationary points are exactly its minimisers", wrt=w),
        iff(normal, f"multiply by the nonzero constant ${tex(1 / scale)}$", wrt=(w,), factor=scale),
        iff(closed_form, r"$X^\top X$ is invertible when $X$ has full column rank", wrt=(w,),
            factor=gram, uses=("$X$ has full column rank",)),
    )
    return Derivation(
        id="normal-equations",
        title="The normal equations",
        statement=r"The mean squared error $(1/n)\lVert Xw - y\rVert^2$ is stationary exactly where $X^\top X w = X^\top y$, and when $X$ has full column rank its unique minimiser is $w = (X^\top X)^{-1} X^\top y$.",
        topic="least_squares",
        assumptions=(
            Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
            Assumption.positive_integer(d, "$d$ is a positive integer (features)"),
            Assumption.full_column_rank(X, "$X$ has full column rank"),
        ),
        steps=steps,
        result=solution,
        claim=(X.T * X).I * X.T * y,
        variables=(w,),
        extras={"gradient": grad, "normal_equation": normal},
    )


#: A 3x2 design whose second column is twice the first: rank 1, so X^T X is singular.
COLLINEAR_X = sp.ImmutableMatrix([[1, 2], [2, 4], [3, 6]])
#: X v0 = 0 for this direction.
COLLINEAR_NULL = sp.ImmutableMatrix([2, -1])


def _collinear_example():
    """H for the collinear design, its exact eigenvalues, and a loss invariant along v0."""
    rows, cols = COLLINEAR_X.shape
    gram_hessian = mse_hessian_expr()
    Hc = sp.ImmutableMatrix(
        gram_hessian.xreplace({n: rows, d: cols}).xreplace(
            {sp.MatrixSymbol("X", rows, cols): COLLINEAR_X}
        ).doit()
    )
    yc = sp.MatrixSymbol("y", rows, 1)
    tc = sp.MatrixSymbol("t", cols, 1)

    def loss(point):
        r = COLLINEAR_X * point - yc
        return r.T * r / rows

    moved = loss(tc + s * COLLINEAR_NULL)
    residual = drop_zero_terms(expand_matrix(COLLINEAR_X * (tc + s * COLLINEAR_NULL) - yc))
    unmoved = residual.T * residual / rows
    return Hc, moved, unmoved


@functools.cache
def mse_hessian_expr():
    """(2/n) X^T X, computed: the derivative of the MSE gradient."""
    return mse(t).diff(t).diff(t)


def mse_hessian() -> Derivation:
    """H = (2/n) X^T X is positive semidefinite; definite iff X has full column rank."""
    from derive.catalog import get

    loss = mse(t)
    grad = get("mse-gradient").result
    hessian = grad.diff(t)
    form = sp.MatMul(v.T, hessian, v)
    norms = squared_norms(form, v)
    nonnegative = sp.GreaterThan(norms, 0, evaluate=False)
    positive = sp.StrictGreaterThan(norms, 0, evaluate=False)
    Hc, moved, unmoved = _collinear_example()
    steps = (
        _mse_definition(loss, t),
        gradient(grad, "the gradient of the MSE (mse-gradient)", wrt=t, lhs=r"\nabla_t L(t)"),
        gradient(hessian, r"differentiate the gradient: $\nabla_t (M t) = M^\top$ and $X^\top X$ is symmetric",
                 wrt=t, lhs=r"H = \nabla^2_t L(t)", source="Matrix Cookbook eq. 69"),
        implies(sp.GreaterThan(form, 0, evaluate=False),
                "the quadratic form of $H$ in a direction $v$: $H$ is $\\frac{2}{n} Z^\\top Z$ "
                "with $Z = X$, positive semidefinite for every $X$ (no rank assumption needed), "
                "so $L$ is convex"),
        implies(nonnegative, "$v^\\top X^\\top X v = (X v)^\\top (X v) = \\|X v\\|^2$"),
        implies(positive, r"with full column rank $X v \neq 0$ for $v \neq 0$, so $\lVert X v \rVert^2 > 0$: "
                r"$H$ is positive definite (conversely, $X v = 0$ with $v \neq 0$ gives $v^\top H v = 0$)",
                uses=("$X$ has full column rank (for the positive definite line; the example after it is another design, $X_0$)", r"$v \neq 0$")),
        definition(moved, "collinear columns, without full column rank: the 3 x 2 design with "
                   r"rows $(1, 2)$, $(2, 4)$, $(3, 6)$ and the direction $v_0 = (2, -1)$, for which "
                   r"$X v_0 = 0$; the loss moved along $v_0$", lhs=r"L(t + s v_0)"),
        equal(unmoved, r"$X (t + s v_0) = X t + s X v_0 = X t$, so $L(t + s v_0) = L(t)$ for every $s$: "
              r"if $t$ minimises $L$, so does every $t + s v_0$, and the minimiser is not unique; "
              r"$H v_0 = 0$, so $0$ is an eigenvalue of $H$"),
    )
    eigenvalues = Hc.eigenvals()
    return Derivation(
        id="mse-hessian",
        title="Hessian of the mean squared error",
        statement=r"The Hessian of $L(t) = (1/n)\lVert X t - y\rVert^2$ is $H = (2/n) X^\top X$, with $v^\top H v = (2/n)\lVert X v\rVert^2 \geq 0$ (positive semidefinite); it is positive definite exactly when $X$ has full column rank; with collinear columns $H$ is singular and the minimiser is not unique.",
        topic="least_squares",
        assumptions=(
            *SIZES,
            Assumption.nonzero(v, r"$v \neq 0$"),
            Assumption.full_column_rank(X, "$X$ has full column rank (for the positive definite line; the example after it is another design, $X_0$)"),
        ),
        steps=steps,
        result=hessian,
        claim=sp.Rational(2) / n * X.T * X,
        variables=(t,),
        extras={
            "gradient": grad,
            "quadratic_form": norms,
            "collinear_X": COLLINEAR_X,
            "collinear_H": Hc,
            "collinear_eigenvalues": eigenvalues,
            "collinear_null_direction": COLLINEAR_NULL,
            "collinear_rank": COLLINEAR_X.rank(),
        },
        references=(f"{COOKBOOK}, eq. 69",),
    )


def ridge_solution() -> Derivation:
    """argmin ||X w - y||^2 + lam ||w||^2 = (X^T X + lam I)^{-1} X^T y for every X when lam > 0."""
    objective = (X * w - y).T * (X * w - y) + lam * w.T * w
    grad = objective.diff(w)
    hessian = grad.diff(w)
    half = common_scalar(hessian)
    system = divide_terms(hessian, half)  # X^T X + lam I
    form = sp.MatMul(v.T, system, v)
    norms = squared_norms(form, v)
    positive = sp.StrictGreaterThan(norms, 0, evaluate=False)
    first_order = sp.Eq(grad, sp.ZeroMatrix(d, 1))
    M, c = linear_coefficients(grad, w)
    scale = common_scalar(M)
    rhs = (-c / scale).doit()
    system_matrix = divide_terms(M, scale)  # X^T X + lambda I
    normal = sp.Eq(system_matrix * w, rhs)
    solution = solve_stationary(normal.lhs - normal.rhs, w, invertible=(system_matrix,))
    closed_form = sp.Eq(w, solution)
    steps = (
        definition(objective, r"squared error plus an L2 penalty with weight $\lambda > 0$",
                   lhs=r"J(w)"),
        gradient(grad, "gradient of the quadratic and linear forms", wrt=w,
                 lhs=r"\nabla_w J(w)", source="Matrix Cookbook eqs. 69, 81"),
        gradient(hessian, "differentiate the gradient once more", wrt=w, lhs=r"\nabla^2_w J(w)"),
        implies(sp.StrictGreaterThan(form, 0, evaluate=False),
                f"the quadratic form of $H/{half} = X^\\top X + \\lambda I$ in a direction $v \\ne 0$",
                factor=1 / half, uses=(r"$\lambda > 0$", r"$v \neq 0$")),
        implies(positive, "$v^\\top X^\\top X v = \\|X v\\|^2 \\ge 0$ and $\\lambda \\|v\\|^2 > 0$ "
                "for $v \\ne 0$: $X^\\top X + \\lambda I$ is positive definite for every $X$ (no "
                "rank assumption), so $J$ is strictly convex", uses=(r"$\lambda > 0$", r"$v \neq 0$")),
        stationary(first_order, "set the gradient to zero: for the strictly convex $J$ (the step "
                   "before) the stationary point is the unique minimiser", wrt=w, cites=(-1,)),
        iff(normal, f"divide by {scale}", wrt=(w,), factor=scale),
        iff(closed_form, r"$X^\top X + \lambda I$ is positive definite (above), hence invertible",
            wrt=(w,), factor=system_matrix, uses=(r"$\lambda > 0$",)),
    )
    return Derivation(
        id="ridge-solution",
        title="Ridge regression in closed form",
        statement=r"For $\lambda > 0$ the objective $\lVert X w - y\rVert^2 + \lambda \lVert w\rVert^2$ has the unique minimiser $w = (X^\top X + \lambda I)^{-1} X^\top y$ for every $X$: $X^\top X + \lambda I$ is positive definite without any rank assumption.",
        topic="least_squares",
        assumptions=(
            *SIZES,
            Assumption.positive(lam, r"$\lambda > 0$"),
            Assumption.nonzero(v, r"$v \neq 0$"),
        ),
        steps=steps,
        result=solution,
        claim=(X.T * X + lam * I_d).I * X.T * y,
        variables=(w,),
        extras={
            "gradient": grad,
            "hessian": hessian,
            "system_matrix": system_matrix,
            "normal_equation": normal,
        },
        references=(f"{COOKBOOK}, eqs. 69, 81",),
    )


def newton_step() -> Derivation:
    """Newton's step -H^{-1} g minimises the second-order model; on the MSE it lands on the
    normal-equations solution from any t."""
    from derive.catalog import get

    model = g.T * h + sp.Rational(1, 2) * h.T * H * h
    model_grad = model.diff(h)
    model_grad_sym = use_symmetry(model_grad, [H])
    model_hessian = model_grad_sym.diff(h)
    model_hessian_sym = use_symmetry(model_hessian, [H])
    curvature = sp.StrictGreaterThan(v.T * model_hessian_sym * v, 0, evaluate=False)
    first_order = sp.Eq(model_grad_sym, sp.ZeroMatrix(d, 1))
    step = solve_stationary(model_grad_sym, h, invertible=(H,))
    solved = sp.Eq(h, step)
    mse_grad = get("mse-gradient").result
    mse_hess = get("mse-hessian").result
    newton_mse = t + step.xreplace({g: mse_grad, H: mse_hess})
    pulled = pull_scalar_from_inverse(newton_mse)
    landing = expand_matrix(pulled)
    steps = (
        definition(model, r"the second-order Taylor model of $f(t + h) - f(t)$, with $g = \nabla f(t)$ and $H$ the Hessian of $f$ at $t$ (symmetric positive definite)",
                   lhs=r"m(h)"),
        gradient(model_grad, "gradient of the linear and quadratic forms in $h$", wrt=h,
                 lhs=r"\nabla_h m(h)", source="Matrix Cookbook eqs. 69, 81"),
        equal(model_grad_sym, r"$H$ is symmetric: $(H + H^\top)/2 = H$", uses=("$H$ is symmetric positive definite",)),
        gradient(model_hessian, "the model's Hessian", wrt=h, lhs=r"\nabla^2_h m(h)"),
        equal(model_hessian_sym, "$H$ is symmetric", uses=("$H$ is symmetric positive definite",)),
        implies(curvature, "H is positive definite, so the model is strictly convex and its "
                "stationary point is its unique minimiser", uses=("$H$ is symmetric positive definite", r"$v \neq 0$")),
        stationary(first_order, "set the gradient to zero: for the strictly convex model (the "
                   "step before) the stationary point is the unique minimiser", wrt=h, cites=(-1,)),
        iff(solved, "$H$ is invertible (positive definite): the Newton step", wrt=(h,), factor=H,
            uses=("$H$ is symmetric positive definite",)),
        definition(newton_mse, r"one Newton step $t + h$ on the MSE: $g = (2/n) X^\top (X t - y)$ "
                   r"(mse-gradient) and $H = (2/n) X^\top X$ (mse-hessian)", lhs=r"t_{+}"),
        equal(pulled, r"$((2/n) X^\top X)^{-1} = (n/2) (X^\top X)^{-1}$"),
        equal(landing, r"distribute: $(X^\top X)^{-1} X^\top X t = t$ cancels the $t$ ($X$ has full column rank)",
              uses=("$X$ has full column rank",)),
    )
    return Derivation(
        id="newton-step",
        title="Newton's step",
        statement=r"Minimising the second-order model $f(t) + g^\top h + (1/2) h^\top H h$ with $H$ positive definite gives the step $h = -H^{-1} g$; on the MSE one Newton step from any $t$ lands on $(X^\top X)^{-1} X^\top y$, the normal-equations solution.",
        topic="least_squares",
        assumptions=(
            *SIZES,
            Assumption.positive_definite(H, "$H$ is symmetric positive definite"),
            Assumption.nonzero(v, r"$v \neq 0$"),
            Assumption.full_column_rank(X, "$X$ has full column rank"),
        ),
        steps=steps,
        result=step,
        claim=-H.I * g,
        variables=(h,),
        extras={
            "update": t + step,
            "model_gradient": model_grad_sym,
            "mse_update": newton_mse,
            "mse_landing": landing,
        },
        references=("J. Nocedal, S. J. Wright, Numerical Optimization (2006), sec. 2.2",),
    )
