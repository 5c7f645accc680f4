"""Gradient descent: the update for the MSE, the first-order Taylor argument that it descends,
and the two worked examples of seed post 000 recomputed in exact rational arithmetic.

The example tables are extras computed from the derived update maps, as tuples of rows of
SymPy Rationals; nothing in them is typed in.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.least_squares import mse
from derive.catalog.symbols import X, d, eta, n, t, y
from derive.core.algebra import expand_matrix, linear_coefficients
from derive.core.derivation import (
    Assumption,
    Derivation,
    approx,
    definition,
    equal,
    gradient,
    implies,
)

SIZES = (
    Assumption.positive_integer(n, "$n$ is a positive integer (samples)"),
    Assumption.positive_integer(d, "$d$ is a positive integer (parameters)"),
)

#: the gradient of a general f at the current point x_k (a d-vector)
g = sp.MatrixSymbol("g", d, 1)
x_k = sp.MatrixSymbol("x", d, 1)
#: a general smooth objective, written in coordinates for the Taylor step
f = sp.Function("f", real=True)
TAYLOR_DIM = 2


def instantiate(expr, sizes, values):
    """Replace symbolic sizes, then matrix symbols and scalars by concrete values.

    Products of explicit matrices stay unevaluated (call .doit() to compute them), so the
    instantiated formula can be displayed as written.
    """
    expr = expr.xreplace(sizes)
    mapping = {}
    for symbol, value in values.items():
        if isinstance(symbol, sp.MatrixSymbol):
            shape = tuple(sp.sympify(s, strict=True).xreplace(sizes) for s in symbol.shape)
            mapping[sp.MatrixSymbol(symbol.name, *shape)] = value
        else:
            mapping[symbol] = value
    return expr.xreplace(mapping)


def _evaluate_inner_sums(expr):
    """Evaluate the matrix sums inside a product (X t0 - y -> its value), keep the product."""
    return expr.func(*[a.doit() if isinstance(a, sp.MatAdd) else a for a in expr.args])


def _scalar(value):
    """The number inside an explicit 1x1 matrix."""
    if isinstance(value, sp.MatrixBase):
        if value.shape != (1, 1):
            raise ValueError(f"expected a 1x1 matrix, got shape {value.shape}")
        return value[0, 0]
    return value


# --- the update for the MSE -------------------------------------------------------------------


def gd_update_mse() -> Derivation:
    """t_{k+1} = t_k - eta (2/n) X^T (X t_k - y): gradient descent on the MSE."""
    from derive.catalog import get

    loss = mse(t)
    grad = get("mse-gradient").result
    update = t - eta * grad
    M, c = linear_coefficients(update, t)
    affine = expand_matrix(update)
    steps = (
        definition(loss, "the mean squared error at the current iterate $t = t_k$", lhs="L(t_k)"),
        gradient(grad, "the gradient of the MSE (mse-gradient)", wrt=t, lhs=r"\nabla L(t_k)"),
        definition(update, r"the gradient-descent rule $t_{k+1} = t_k - \eta \nabla L(t_k)$, $\eta > 0$, with the gradient above", lhs=r"t_{k+1}"),
        equal(affine, "distribute: the update is affine in $t_k$"),
    )
    return Derivation(
        id="gd-update-mse",
        title="Gradient descent on the mean squared error",
        statement=r"Gradient descent with step size $\eta$ on $L(t) = (1/n)\lVert X t - y\rVert^2$ updates $t_{k+1} = t_k - \eta (2/n) X^\top (X t_k - y)$.",
        topic="descent",
        assumptions=(*SIZES, Assumption.positive(eta, r"$\eta > 0$")),
        steps=steps,
        result=affine,
        claim=t - eta * sp.Rational(2) / n * X.T * (X * t - y),
        variables=(t,),
        extras={
            "gradient": grad,
            "affine": affine,
            "iteration_matrix": M,
            "offset": c,
        },
    )


# --- why it descends --------------------------------------------------------------------------


def gd_taylor() -> Derivation:
    """To first order in eta, one gradient step lowers f by eta ||grad f||^2 > 0."""
    xs = sp.symbols(f"x1:{TAYLOR_DIM + 1}", real=True)
    fx = f(*xs)
    partials = [fx.diff(x) for x in xs]
    stepped = f(*[x - eta * p for x, p in zip(xs, partials)])
    first_order = fx + eta * stepped.diff(eta).subs(eta, 0).doit()
    collected = sp.expand(first_order)  # f(x) - eta * sum_i (d_i f)^2, computed
    squared_norm = sp.Add(*[p**2 for p in partials])
    decreases = sp.StrictLessThan(collected, fx, evaluate=False)
    steps = (
        definition(stepped, f"$f$ after one gradient step $x - \\eta \\nabla f(x)$, in coordinates "
                   f"(a general smooth $f$ on $\\mathbb{{R}}^{TAYLOR_DIM}$)",
                   lhs=r"f(x_k - \eta \nabla f(x_k))"),
        approx(first_order, "first-order Taylor expansion $f(x + \\delta) = f(x) + \\nabla f(x)^\\top "
               "\\delta + O(\\|\\delta\\|^2)$ with the step $\\delta = -\\eta \\nabla f(x) = O(\\eta)$",
               small=eta, order=1),
        equal(collected, "the chain rule: the first-order change is "
              "$\\nabla f(x)^\\top \\delta = -\\eta \\|\\nabla f(x)\\|^2$"),
        implies(decreases, "$\\eta > 0$ and $\\nabla f(x_k) \\ne 0$: to first order the step lowers $f$",
                uses=(r"$\eta > 0$", r"$\nabla f(x_k) \neq 0$")),
    )
    return Derivation(
        id="gd-taylor",
        title="Gradient descent from the first-order Taylor expansion",
        statement=r"With the step $\delta = -\eta \nabla f(x)$, $f(x + \delta) = f(x) - \eta \lVert \nabla f(x) \rVert^2 + O(\eta^2)$, so for $\eta > 0$ and $\nabla f(x) \neq 0$ a small enough gradient step decreases $f$.",
        topic="descent",
        assumptions=(
            Assumption.positive(eta, r"$\eta > 0$"),
            Assumption.positive(squared_norm, r"$\nabla f(x_k) \neq 0$"),
        ),
        steps=steps,
        result=collected,
        claim=fx - eta * squared_norm,
        variables=(),
        extras={
            "update": x_k - eta * g,
            "first_order_value": first_order,
            "first_order_change": sp.expand(collected - fx),
            "squared_gradient_norm": squared_norm,
            "coordinates": xs,
        },
        references=("J. Nocedal, S. J. Wright, Numerical Optimization (2006), sec. 2.2",),
    )


# --- f(x) = x^2 -------------------------------------------------------------------------------

X_SQUARED_ETA = sp.Rational(1, 10)
X_SQUARED_START = sp.Integer(2)
X_SQUARED_COLUMNS = ("k", "x_k", "gradient", "step", "x_next", "f(x_k)")


def gd_x_squared() -> Derivation:
    """On f(x) = x^2 with eta = 1/10, gradient descent is x_{k+1} = (4/5) x_k."""
    x = sp.Symbol("x", real=True)
    fx = x**2
    grad = fx.diff(x)
    rule = sp.Add(x, sp.Mul(-X_SQUARED_ETA, grad, evaluate=False), evaluate=False)
    update = sp.expand(rule)
    rows = []
    current = X_SQUARED_START
    for k in range(6):
        slope = grad.subs(x, current)
        following = update.subs(x, current)
        rows.append((sp.Integer(k), current, slope, X_SQUARED_ETA * slope, following,
                     fx.subs(x, current)))
        current = following
    steps = (
        definition(fx, "the objective", lhs="f(x)"),
        gradient(grad, "power rule", wrt=x, lhs="f'(x)"),
        definition(rule, r"the gradient-descent rule $x_{k+1} = x_k - \eta f'(x_k)$ with $\eta = 1/10$",
                   lhs=r"x_{k+1}"),
        equal(update, "collect: $x - (1/10)(2x) = (4/5) x$"),
    )
    return Derivation(
        id="gd-x-squared",
        title="Gradient descent on $f(x) = x^2$",
        statement=r"On $f(x) = x^2$ with $\eta = 1/10$ gradient descent is $x_{k+1} = 0.8 x_k$; from $x_0 = 2$ the iterates are $2, 1.6, 1.28, 1.024, 0.8192, 0.65536, \dots$.",
        topic="descent",
        assumptions=(),
        steps=steps,
        result=update,
        claim=sp.Rational(8, 10) * x,
        variables=(x,),
        extras={
            "gradient": grad,
            "eta": X_SQUARED_ETA,
            "x0": X_SQUARED_START,
            "table": tuple(rows),
            "table_columns": X_SQUARED_COLUMNS,
        },
    )


# --- the quadratic regression of seed 000 -----------------------------------------------------

REGRESSION_X = (0, 1, 2, 3)
REGRESSION_Y = (1, 2, 5, 10)
REGRESSION_ETA = sp.Rational(1, 100)
REGRESSION_ITERATIONS = 10
REGRESSION_COLUMNS = ("k", "t1", "t2", "t3", "L(t_k)")


def regression_data():
    """The design with rows [x^2, x, 1] and the targets, as exact matrices."""
    design = sp.ImmutableMatrix([[x**2, x, 1] for x in REGRESSION_X])
    targets = sp.ImmutableMatrix(REGRESSION_Y)
    return design, targets


def gd_quadratic_regression() -> Derivation:
    """Ten exact gradient steps on the quadratic regression of seed 000 (eta = 1/100, t_0 = 0)."""
    from derive.catalog import get

    design, targets = regression_data()
    rows, cols = design.shape
    sizes = {n: sp.Integer(rows), d: sp.Integer(cols)}
    t0 = sp.ImmutableMatrix.zeros(cols, 1)
    data = {X: design, y: targets, eta: REGRESSION_ETA}
    grad = get("mse-gradient").result
    update = get("gd-update-mse").result
    loss = mse(t)

    grad_0 = instantiate(grad, sizes, {**data, t: t0})
    grad_0_residual = _evaluate_inner_sums(grad_0)
    grad_0_value = sp.ImmutableMatrix(grad_0.doit())
    loss_0 = instantiate(loss, sizes, {**data, t: t0})
    loss_0_value = _scalar(sp.ImmutableMatrix(loss_0.doit()))
    step_1 = instantiate(update, sizes, {**data, t: t0})
    t1_value = sp.ImmutableMatrix(step_1.doit())

    t_k = sp.MatrixSymbol("t", cols, 1)
    update_map = instantiate(update, sizes, {**data, t: t_k})
    M, c = linear_coefficients(update_map.doit(), t_k)
    M, c = sp.ImmutableMatrix(M.doit()), sp.ImmutableMatrix(c.doit())
    affine = M * t_k + c

    table = []
    current = t0
    for k in range(REGRESSION_ITERATIONS + 1):
        value = _scalar(sp.ImmutableMatrix(instantiate(loss, sizes, {**data, t: current}).doit()))
        table.append((sp.Integer(k), *current, value))
        current = sp.ImmutableMatrix(M * current + c)

    steps = (
        definition(grad_0, r"the gradient $(2/n) X^\top (X t - y)$ (mse-gradient) at the data: rows $[x^2, x, 1]$ for $x = 0, 1, 2, 3$, $y = (1, 2, 5, 10)$, $n = 4$, $t_0 = 0$",
                   lhs=r"\nabla L(t_0)"),
        equal(grad_0_residual, "the residual $r_0 = X t_0 - y = (-1, -2, -5, -10)$"),
        equal(grad_0_value, r"$(1/2) X^\top r_0$"),
        definition(loss_0, r"the loss $(1/n)\lVert X t - y\rVert^2$ at $t_0 = 0$", lhs=r"L(t_0)"),
        equal(loss_0_value, "$(1 + 4 + 25 + 100)/4$"),
        definition(step_1, r"the update $t - \eta (2/n) X^\top (X t - y)$ (gd-update-mse) at $t_0 = 0$ with $\eta = 1/100$", lhs=r"t_1"),
        equal(t1_value, r"$t_0 - (1/100) \nabla L(t_0) = (0.56, 0.21, 0.09)$"),
        definition(update_map, r"the update (gd-update-mse) at the data with $\eta = 1/100$, for any iterate $t_k$", lhs=r"t_{k+1}"),
        equal(affine, r"multiply out: $t_{k+1} = (I - (1/200) X^\top X) t_k + (1/200) X^\top y$"),
    )
    return Derivation(
        id="gd-quadratic-regression",
        title="Gradient descent on a quadratic regression, exactly",
        statement=r"For $x = (0, 1, 2, 3)$, $y = (1, 2, 5, 10)$, the model $t_1 x^2 + t_2 x + t_3$, the MSE, $\eta = 1/100$ and $t_0 = 0$, the first gradient is $(-56, -21, -9)$, the first loss $32.5$, and ten exact gradient steps reproduce the table of seed post 000.",
        topic="descent",
        assumptions=(),
        steps=steps,
        result=affine,
        claim=t_k - sp.Rational(1, 100) * sp.Rational(2, 4) * design.T * (design * t_k - targets),
        variables=(t_k,),
        extras={
            "X": design,
            "y": targets,
            "eta": REGRESSION_ETA,
            "t0": t0,
            "gradient_0": grad_0_value,
            "loss_0": loss_0_value,
            "t1": t1_value,
            "iteration_matrix": M,
            "offset": c,
            "table": tuple(table),
            "table_columns": REGRESSION_COLUMNS,
        },
    )
