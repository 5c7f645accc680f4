"""Matrix calculus from the differential: gradients of linear, bilinear and trace forms, of
the determinant, the log-determinant (general and symmetric X), the inverse, a^T X^{-1} b and
the squared Frobenius norm; the Hessian of x^T A x + b^T x.

Each gradient is computed the same way (`derive.core.matrix_rules`): the increment
f(X + H) - f(X) is approximated to first order by the differential, computed by the rules of
the differential; the differential is written as traces, each trace rotated until H stands
last, and collected as tr(M H); the gradient is M^T. A second chain states f(X) and its
gradient, which the checker confirms entry by entry at concrete sizes (never on SymPy's matrix
derivative, which returns 0 for traces and log-determinants).
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import d, k
from derive.core import matrix_rules as rules
from derive.core.algebra import linear_coefficients, use_symmetry
from derive.core.derivation import (
    Assumption,
    Derivation,
    approx,
    definition,
    equal,
    gradient,
)

COOKBOOK = "K. B. Petersen, M. S. Pedersen, The Matrix Cookbook (version of November 15, 2012)"
MAGNUS = "J. R. Magnus, H. Neudecker, Matrix Differential Calculus (3rd ed., 2019), ch. 8-9"

#: concrete sizes for the checker: both worlds differ in shape, small enough for exact inverses
SIZES = {d: (3, 2), k: (2, 3)}
SIZE_ASSUMPTIONS = (
    Assumption.positive_integer(d, "$d$ is a positive integer"),
    Assumption.positive_integer(k, "$k$ is a positive integer"),
)

# rectangular X (d x k) and square Xs (d x d); H is the perturbation (the differential dX)
X = sp.MatrixSymbol("X", d, k)
H = sp.MatrixSymbol("H", d, k)
Xs = sp.MatrixSymbol("X", d, d)
Hs = sp.MatrixSymbol("H", d, d)
a_d = sp.MatrixSymbol("a", d, 1)
b_d = sp.MatrixSymbol("b", d, 1)
a_k = sp.MatrixSymbol("a", k, 1)
b_k = sp.MatrixSymbol("b", k, 1)
c_k = sp.MatrixSymbol("c", k, 1)
A_dd = sp.MatrixSymbol("A", d, d)
A_kd = sp.MatrixSymbol("A", k, d)
A_dk = sp.MatrixSymbol("A", d, k)
B_kd = sp.MatrixSymbol("B", k, d)
B_dd = sp.MatrixSymbol("B", d, d)
B_kk = sp.MatrixSymbol("B", k, k)
C_dd = sp.MatrixSymbol("C", d, d)
C_dk = sp.MatrixSymbol("C", d, k)
x = sp.MatrixSymbol("x", d, 1)
h = sp.MatrixSymbol("h", d, 1)

INVERTIBLE = Assumption.full_column_rank(Xs, "$X$ is square and invertible")


def gradient_steps(f, var, dvar, *, name: str, tidy=None):
    """The differential chain and the direct chain for the gradient of the scalar f(var).

    Returns (steps, gradient, differential). `tidy` rewrites the gradient read off the trace
    (e.g. using a symmetry) in one more checked step.
    """
    increment = f.xreplace({var: var + dvar}) - f
    diff = rules.differential(f, var, dvar)
    terms = rules.trace_terms(diff, dvar)
    traces = rules.as_traces(terms)
    rotated = rules.rotate(terms, dvar)
    shown = rules.rotated_traces(rotated, dvar)
    collected, M = rules.collected(rotated, dvar)
    grad = rules.gradient_from_trace(M)
    V, dV = sp.latex(var), sp.latex(dvar)
    steps = [
        definition(increment, f"the increment of ${name}$ along a perturbation ${dV}$ of ${V}$ "
                   f"(${dV}$ stands for the differential $\\mathrm{{d}}{V}$)",
                   lhs=f"f({V} + {dV}) - f({V})"),
        approx(diff, "the differential, by the rules $\\mathrm{d}(AB) = \\mathrm{d}A B + "
               "A \\mathrm{d}B$, $\\mathrm{d}\\operatorname{tr} A = \\operatorname{tr} "
               "\\mathrm{d}A$, $\\mathrm{d}\\det A = \\det A \\operatorname{tr}(A^{-1}\\mathrm{d}A)$, "
               "$\\mathrm{d}A^{-1} = -A^{-1}\\mathrm{d}A A^{-1}$: what is left after "
               f"dropping the terms of second order in ${dV}$", small=dvar, order=1,
               source=MAGNUS),
        equal(traces, "distribute; the trace is linear, and a $1 \\times 1$ matrix is its own trace"),
        equal(shown, f"rotate each trace until ${dV}$ stands last: $\\operatorname{{tr}}(PQ) = "
              "\\operatorname{tr}(QP)$, and $\\operatorname{tr}(P^\\top) = \\operatorname{tr} P$ "
              f"for a factor ${dV}^\\top$"),
        equal(collected, "collect the terms: the trace is linear"),
        gradient(grad, f"$\\mathrm{{d}}f = \\operatorname{{tr}}(G^\\top \\mathrm{{d}}{V}) = "
                 f"\\sum_{{ij}} G_{{ij}} \\mathrm{{d}}{V}_{{ij}}$ identifies the gradient $G = M^\\top$",
                 wrt=dvar, lhs=f"\\nabla_{{{V}}} f"),
    ]
    if tidy is not None:
        tidied = tidy(grad)
        steps.append(equal(tidied[0], tidied[1]))
        grad = tidied[0]
    steps += [
        definition(f, "the function itself", lhs=f"f({V})"),
        gradient(grad, "the gradient read off the differential, confirmed against the partial "
                 f"derivatives $\\partial f / \\partial {V}_{{ij}}$ entry by entry", wrt=var,
                 lhs=f"\\nabla_{{{V}}} f"),
    ]
    return tuple(steps), grad, diff


def _gradient_derivation(id, title, statement, f, var, dvar, claim, *, name, assumptions=(),
                         references=(COOKBOOK,), tidy=None, extras=None) -> Derivation:
    steps, grad, diff = gradient_steps(f, var, dvar, name=name, tidy=tidy)
    return Derivation(
        id=id,
        title=title,
        statement=statement,
        topic="matrix_calculus",
        assumptions=(*SIZE_ASSUMPTIONS, *assumptions),
        steps=steps,
        result=grad,
        claim=claim,
        variables=(var,),
        extras={"differential": diff, **(extras or {})},
        references=tuple(references),
        sizes=SIZES,
    )


# --- linear and bilinear forms ---------------------------------------------------------------


def bilinear_form_gradient() -> Derivation:
    """grad_X a^T X b = a b^T."""
    return _gradient_derivation(
        "bilinear-form-gradient", r"Gradient of a bilinear form $a^\top X b$",
        'For $a \\in \\mathbb{R}^d$, $b \\in \\mathbb{R}^k$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $a^\\top X b$ in $X$ is $a b^\\top$.',
        a_d.T * X * b_k, X, H, a_d * b_k.T, name="a^\\top X b")


def bilinear_form_transpose_gradient() -> Derivation:
    """grad_X a^T X^T b = b a^T."""
    return _gradient_derivation(
        "bilinear-form-transpose-gradient", r"Gradient of $a^\top X^\top b$",
        'For $a \\in \\mathbb{R}^k$, $b \\in \\mathbb{R}^d$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $a^\\top X^\\top b$ in $X$ is $b a^\\top$.',
        a_k.T * X.T * b_d, X, H, b_d * a_k.T, name="a^\\top X^\\top b")


def gram_form_gradient() -> Derivation:
    """grad_X b^T X^T X c = X (b c^T + c b^T)."""
    return _gradient_derivation(
        "gram-form-gradient", r"Gradient of $b^\top X^\top X c$",
        'For $b, c \\in \\mathbb{R}^k$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $b^\\top X^\\top X c$ in $X$ is $X (b c^\\top + c b^\\top)$.',
        b_k.T * X.T * X * c_k, X, H, X * (b_k * c_k.T + c_k * b_k.T), name="b^\\top X^\\top X c")


# --- traces ----------------------------------------------------------------------------------


def trace_ax_gradient() -> Derivation:
    """grad_X tr(A X) = A^T."""
    return _gradient_derivation(
        "trace-ax-gradient", r"Gradient of $\operatorname{tr}(AX)$",
        'For $A \\in \\mathbb{R}^{k \\times d}$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $\\operatorname{tr}(A X)$ in $X$ is $A^\\top$.',
        sp.Trace(A_kd * X), X, H, A_kd.T, name="\\operatorname{tr}(AX)")


def trace_axb_gradient() -> Derivation:
    """grad_X tr(A X B) = A^T B^T."""
    return _gradient_derivation(
        "trace-axb-gradient", r"Gradient of $\operatorname{tr}(AXB)$",
        'For $A \\in \\mathbb{R}^{d \\times d}$, $X \\in \\mathbb{R}^{d \\times k}$ and $B \\in \\mathbb{R}^{k \\times d}$, the gradient of $\\operatorname{tr}(A X B)$ in $X$ is $A^\\top B^\\top$.',
        sp.Trace(A_dd * X * B_kd), X, H, A_dd.T * B_kd.T, name="\\operatorname{tr}(AXB)")


def trace_xta_gradient() -> Derivation:
    """grad_X tr(X^T A) = A."""
    return _gradient_derivation(
        "trace-xta-gradient", r"Gradient of $\operatorname{tr}(X^\top A)$",
        'For $A$ and $X$ in $\\mathbb{R}^{d \\times k}$, the gradient of $\\operatorname{tr}(X^\\top A)$ in $X$ is $A$.',
        sp.Trace(X.T * A_dk), X, H, A_dk, name="\\operatorname{tr}(X^\\top A)")


def trace_square_gradient() -> Derivation:
    """grad_X tr(X^2) = 2 X^T."""
    return _gradient_derivation(
        "trace-square-gradient", r"Gradient of $\operatorname{tr}(X^2)$",
        'For a square $X$, the gradient of $\\operatorname{tr}(X^2)$ in $X$ is $2 X^\\top$.',
        sp.Trace(Xs * Xs), Xs, Hs, 2 * Xs.T, name="\\operatorname{tr}(X^2)")


def trace_xtbx_gradient() -> Derivation:
    """grad_X tr(X^T B X) = B X + B^T X."""
    return _gradient_derivation(
        "trace-xtbx-gradient", r"Gradient of $\operatorname{tr}(X^\top B X)$",
        'For $B \\in \\mathbb{R}^{d \\times d}$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $\\operatorname{tr}(X^\\top B X)$ in $X$ is $B X + B^\\top X$.',
        sp.Trace(X.T * B_dd * X), X, H, B_dd * X + B_dd.T * X, name="\\operatorname{tr}(X^\\top B X)")


def trace_axbxtc_gradient() -> Derivation:
    """grad_X tr(A X B X^T C) = A^T C^T X B^T + C A X B."""
    return _gradient_derivation(
        "trace-axbxtc-gradient", r"Gradient of $\operatorname{tr}(A X B X^\top C)$",
        'For $A, C \\in \\mathbb{R}^{d \\times d}$, $B \\in \\mathbb{R}^{k \\times k}$ and $X \\in \\mathbb{R}^{d \\times k}$, the gradient of $\\operatorname{tr}(A X B X^\\top C)$ in $X$ is $A^\\top C^\\top X B^\\top + C A X B$.',
        sp.Trace(A_dd * X * B_kk * X.T * C_dd), X, H,
        A_dd.T * C_dd.T * X * B_kk.T + C_dd * A_dd * X * B_kk,
        name="\\operatorname{tr}(A X B X^\\top C)")


def trace_affine_square_gradient() -> Derivation:
    """grad_X tr((A X B + C)(A X B + C)^T) = 2 A^T (A X B + C) B^T."""
    Y = A_dd * X * B_kk + C_dk
    return _gradient_derivation(
        "trace-affine-square-gradient",
        r"Gradient of $\operatorname{tr}((AXB + C)(AXB + C)^\top)$",
        'For $A \\in \\mathbb{R}^{d \\times d}$, $B \\in \\mathbb{R}^{k \\times k}$, $C$ and $X$ in $\\mathbb{R}^{d \\times k}$, the gradient of $\\operatorname{tr}((A X B + C)(A X B + C)^\\top)$ in $X$ is $2 A^\\top (A X B + C) B^\\top$.',
        sp.Trace(Y * Y.T), X, H, 2 * A_dd.T * Y * B_kk.T,
        name="\\operatorname{tr}((AXB + C)(AXB + C)^\\top)")


def frobenius_norm_gradient() -> Derivation:
    """grad_X ||X||_F^2 = 2 X, with ||X||_F^2 = tr(X^T X)."""
    return _gradient_derivation(
        "frobenius-norm-gradient", "Gradient of the squared Frobenius norm",
        'For $X \\in \\mathbb{R}^{d \\times k}$, $\\lVert X \\rVert_F^2 = \\operatorname{tr}(X^\\top X) = \\sum_{ij} X_{ij}^2$ has the gradient $2 X$.',
        sp.Trace(X.T * X), X, H, 2 * X,
        name="\\|X\\|_F^2 = \\operatorname{tr}(X^\\top X)")


# --- determinants and inverses ---------------------------------------------------------------


def determinant_gradient() -> Derivation:
    """grad_X det X = det(X) X^{-T} (Jacobi's formula)."""
    return _gradient_derivation(
        "determinant-gradient", "Gradient of the determinant",
        "For an invertible square $X$, the gradient of $\\det X$ is $\\det(X) X^{-\\top}$ (Jacobi's formula $d \\det X = \\det X \\operatorname{tr}(X^{-1} dX)$).",
        sp.Determinant(Xs), Xs, Hs, sp.Determinant(Xs) * Xs.I.T, name="\\det X",
        assumptions=(INVERTIBLE,), references=(COOKBOOK, MAGNUS))


def log_determinant_gradient() -> Derivation:
    """grad_X log det X = X^{-T}."""
    return _gradient_derivation(
        "log-determinant-gradient", "Gradient of the log-determinant",
        'For an invertible square $X$ with $\\det X > 0$, the gradient of $\\log \\det X$ is $X^{-\\top}$ (for $\\det X < 0$ the same holds for $\\log |\\det X|$).',
        sp.log(sp.Determinant(Xs)), Xs, Hs, Xs.I.T, name="\\log\\det X",
        assumptions=(INVERTIBLE,), references=(COOKBOOK, MAGNUS))


def inverse_differential() -> Derivation:
    """d(X^{-1}) = -X^{-1} dX X^{-1}: the differential of the inverse, a first-order step."""
    increment = (Xs + Hs).I - Xs.I
    diff = rules.differential(Xs.I, Xs, Hs)
    product = Xs * Xs.I
    d_product = rules.differential(product, Xs, Hs)
    steps = (
        definition(product, "$X X^{-1} = I$ for every invertible $X$: its differential vanishes",
                   lhs="X X^{-1}"),
        definition(d_product, "by the product rule, $\\mathrm{d}(X X^{-1}) = \\mathrm{d}X  X^{-1} "
                   "+ X  \\mathrm{d}(X^{-1}) = 0$, so $\\mathrm{d}(X^{-1}) = -X^{-1}  \\mathrm{d}X  X^{-1}$; "
                   "with that rule the differential of $X X^{-1}$ is", lhs="\\mathrm{d}(X X^{-1})"),
        equal(sp.ZeroMatrix(d, d), "$H X^{-1} - X X^{-1} H X^{-1} = H X^{-1} - H X^{-1} = 0$: "
              "the rule is consistent with $X X^{-1} = I$"),
        definition(increment, "the increment of $X^{-1}$ along a perturbation $H$ (the "
                   "differential $\\mathrm{d}X$)", lhs="(X + H)^{-1} - X^{-1}"),
        approx(diff, "the differential of the inverse: what is left after dropping the terms "
               "of second order in $H$", small=Hs, order=1, source=MAGNUS),
    )
    return Derivation(
        id="inverse-differential",
        title="Differential of the matrix inverse",
        statement='For an invertible square $X$, $(X + H)^{-1} = X^{-1} - X^{-1} H X^{-1} + O(\\lVert H \\rVert^2)$: $d(X^{-1}) = -X^{-1} \\, dX \\, X^{-1}$.',
        topic="matrix_calculus",
        assumptions=(*SIZE_ASSUMPTIONS, INVERTIBLE),
        steps=steps,
        result=diff,
        claim=-Xs.I * Hs * Xs.I,
        variables=(Hs,),
        references=(COOKBOOK, MAGNUS),
        sizes={d: (2, 3)},
    )


def inverse_form_gradient() -> Derivation:
    """grad_X a^T X^{-1} b = -X^{-T} a b^T X^{-T}."""
    return _gradient_derivation(
        "inverse-form-gradient", r"Gradient of $a^\top X^{-1} b$",
        'For an invertible square $X$ and $a, b \\in \\mathbb{R}^d$, the gradient of $a^\\top X^{-1} b$ in $X$ is $-X^{-\\top} a b^\\top X^{-\\top}$.',
        a_d.T * Xs.I * b_d, Xs, Hs, -Xs.I.T * a_d * b_d.T * Xs.I.T, name="a^\\top X^{-1} b",
        assumptions=(INVERTIBLE,), references=(COOKBOOK, MAGNUS))


# --- symmetric X: differentiating in the distinct entries ------------------------------------

#: the distinct entries of a symmetric 2 x 2 matrix, u = (x11, x12, x22) (tests: larger sizes)
SYM_SIZE = 2
u = sp.MatrixSymbol("u", SYM_SIZE * (SYM_SIZE + 1) // 2, 1)


def _pairs(size=SYM_SIZE):
    return [(r, c) for r in range(size) for c in range(r, size)]


def symmetric_from_entries(vec=u, size=SYM_SIZE):
    """The symmetric matrix whose distinct (upper-triangle) entries are the coordinates of vec."""
    index = {pair: i for i, pair in enumerate(_pairs(size))}
    return sp.ImmutableMatrix(size, size, lambda r, c: vec[index[(min(r, c), max(r, c))], 0])


def half_vector(M, size=SYM_SIZE):
    """The distinct entries (r <= c) of a square matrix, as a column (the order of u)."""
    return sp.ImmutableMatrix([M[r, c] for r, c in _pairs(size)])


def chain_through_entries(G, size=SYM_SIZE):
    """The chain rule through X(u): d f / d u_k = sum_ij G_ij d X_ij / d u_k, computed by
    differentiating the explicit X(u); returns the column of the d f / d u_k."""
    Xu = symmetric_from_entries(u, size)
    return sp.ImmutableMatrix([
        sum(G[r, c] * sp.diff(Xu[r, c], u[q, 0]) for r in range(size) for c in range(size))
        for q in range(u.shape[0])
    ])


def symmetric_log_determinant_gradient() -> Derivation:
    """For symmetric X, d log det X / d x_ij over the distinct entries is 2X^{-1} - X^{-1} o I."""
    from derive.catalog import get

    general = get("log-determinant-gradient").result  # X^{-T}
    # the chain rule through the symmetric parametrisation: an off-diagonal x_ij stands at
    # (i, j) and (j, i), a diagonal one once: grad_sym = G + G^T - G o I
    G = sp.MatrixSymbol("G", d, d)
    rule = G + G.T - sp.HadamardProduct(G, sp.Identity(d))
    in_X = rule.xreplace({G: general})
    symmetric = use_symmetry(in_X.doit(), [Xs])
    # the same at a concrete size, in the distinct entries themselves
    Xu = symmetric_from_entries()
    f_u = sp.log(sp.Determinant(Xu))
    G_u = sp.ImmutableMatrix(general.xreplace({d: SYM_SIZE}).xreplace(
        {sp.MatrixSymbol("X", SYM_SIZE, SYM_SIZE): Xu}).doit())
    chained = chain_through_entries(G_u).applyfunc(sp.factor)
    closed = half_vector(sp.ImmutableMatrix(symmetric.xreplace({d: SYM_SIZE}).xreplace(
        {sp.MatrixSymbol("X", SYM_SIZE, SYM_SIZE): Xu}).doit())).applyfunc(sp.factor)
    steps = (
        definition(in_X, "for a symmetric $X$ the distinct entries are $x_{ij}$, $i \\le j$: an "
                   "off-diagonal $x_{ij}$ stands at $(i, j)$ and $(j, i)$, so $\\partial f / "
                   "\\partial x_{ij} = G_{ij} + G_{ji}$, a diagonal one once, $\\partial f / "
                   "\\partial x_{ii} = G_{ii}$: the chain rule gives $G + G^\\top - G \\circ I$, "
                   "here with $G = \\nabla_X \\log\\det X = X^{-\\top}$, the gradient over all $d^2$ entries "
                   "taken as independent (log-determinant-gradient; checked at a concrete size below)",
                   lhs="\\nabla^{\\mathrm{sym}}_X \\log\\det X", source=COOKBOOK + ", structured matrices"),
        equal(symmetric, "$X$ is symmetric, so $X^{-\\top} = X^{-1}$",
              uses=("$X$ is symmetric positive definite",)),
        definition(f_u, f"at the concrete size {SYM_SIZE}: $\\log\\det X(u)$ as a function of the "
                   "3 distinct entries $u = (x_{11}, x_{12}, x_{22})$ of a "
                   "symmetric $X(u)$", lhs="f(u)"),
        gradient(chained, "the chain rule through $X(u)$: $\\partial f / \\partial u_q = "
                 "\\sum_{ij} G_{ij}  \\partial X_{ij} / \\partial u_q$ with $G = X(u)^{-\\top}$, "
                 "checked against the partial derivatives of $f(u)$ entry by entry", wrt=u,
                 lhs="\\nabla_u f"),
        equal(closed, "the same numbers are the distinct entries of $2X^{-1} - X^{-1} \\circ I$ "
              "at $X = X(u)$: the general-$d$ result, confirmed at this size"),
    )
    return Derivation(
        id="symmetric-log-determinant-gradient",
        title="Gradient of the log-determinant of a symmetric matrix",
        statement='For a symmetric positive definite $X$, differentiating $\\log \\det X$ in its distinct entries $x_{ij}$ ($i \\leq j$) gives $2 X^{-1} - X^{-1} \\circ I$ ($\\circ$ the entrywise product: the diagonal of $X^{-1}$ counted once); over all $d^2$ entries taken as independent it is $X^{-1}$.',
        topic="matrix_calculus",
        assumptions=(
            *SIZE_ASSUMPTIONS,
            Assumption.positive_definite(Xs, "$X$ is symmetric positive definite"),
        ),
        steps=steps,
        result=symmetric,
        claim=2 * Xs.I - sp.HadamardProduct(Xs.I, sp.Identity(d)),
        variables=(Xs,),
        extras={"rule": rule, "at_size_2": chained},
        references=(COOKBOOK, MAGNUS),
        sizes=SIZES,
    )


# --- a Hessian -------------------------------------------------------------------------------


def quadratic_affine_hessian() -> Derivation:
    """The Hessian of x^T A x + b^T x is A + A^T (2A for symmetric A), at every x."""
    f = x.T * A_dd * x + b_d.T * x
    steps, grad, _ = gradient_steps(f, x, h, name="f(x)")
    dgrad = rules.differential(grad, x, h)  # d(grad) = J dx: read J off, the Hessian is J^T
    jacobian, _ = linear_coefficients(dgrad, h)
    hessian = sp.Transpose(jacobian).doit()
    steps = (
        *steps,
        gradient(hessian, "differentiate the gradient by the same rules: $\\mathrm{d}g = "
                 "J \\mathrm{d}x$ gives the Hessian $J^\\top$ (denominator layout), checked "
                 "entry by entry", wrt=x, lhs="\\nabla^2_x f"),
    )
    return Derivation(
        id="quadratic-affine-hessian",
        title=r"Hessian of $x^\top A x + b^\top x$",
        statement='For $f(x) = x^\\top A x + b^\\top x$ with $A \\in \\mathbb{R}^{d \\times d}$, the gradient is $(A + A^\\top) x + b$ and the Hessian is $A + A^\\top$ at every $x$ ($2A$ for symmetric $A$).',
        topic="matrix_calculus",
        assumptions=SIZE_ASSUMPTIONS,
        steps=steps,
        result=hessian,
        claim=A_dd + A_dd.T,
        variables=(x,),
        extras={"gradient": grad},
        references=(COOKBOOK,),
        sizes=SIZES,
    )
