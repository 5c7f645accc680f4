"""Principal component analysis: maximising the variance w^T S w of a projection on the unit
sphere w^T w = 1 by a Lagrange multiplier gives S w = lambda w; the variance captured by an
eigenvector is its eigenvalue; the Rayleigh quotient lies between the extreme eigenvalues, so
the first principal direction is the top eigenvector.
"""

from __future__ import annotations

import sympy as sp

from derive.catalog.symbols import d, w
from derive.core.algebra import use_symmetry
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

BISHOP = "C. M. Bishop, Pattern Recognition and Machine Learning (2006), sec. 12.1.1"
HORN = "R. A. Horn, C. R. Johnson, Matrix Analysis (2nd ed., 2013), thm. 4.2.2 (Rayleigh quotient)"
S = sp.MatrixSymbol("S", d, d)  # the sample covariance (1/n) X_c^T X_c, symmetric
lam = sp.Symbol("lambda", real=True)  # the Lagrange multiplier

SIZES = (Assumption.positive_integer(d, "$d$ is a positive integer (features)"),)
SYMMETRIC = Assumption.symmetric(S, "$S$ is symmetric (a covariance matrix)")


def pca_lagrange() -> Derivation:
    """The stationary points of w^T S w on w^T w = 1 are the eigenvectors: S w = lambda w."""
    lagrangian = w.T * S * w - lam * (w.T * w - sp.Identity(1))
    grad = use_symmetry(lagrangian.diff(w), [S])
    condition = sp.Eq(grad, sp.ZeroMatrix(d, 1))
    eigen = sp.Eq(S * w, lam * w)
    steps = (
        definition(lagrangian, "maximise the variance $w^\\top S w$ of the projection on $w$ subject "
                   "to $w^\\top w = 1$: the Lagrangian with multiplier $\\lambda$",
                   lhs="\\mathcal{L}(w, \\lambda)"),
        gradient(grad, "the gradients of the quadratic forms, with $S$ symmetric", wrt=w,
                 lhs="\\nabla_w \\mathcal{L}", uses=("$S$ is symmetric (a covariance matrix)",)),
        stationary(condition, "at a constrained maximum the gradient of the Lagrangian in $w$ vanishes",
                   wrt=w),
        iff(eigen, "divide by 2 and move $2\\lambda w$ across: $w$ is an eigenvector of $S$ with "
            "eigenvalue $\\lambda$", wrt=(w,), factor=2),
    )
    return Derivation(
        id="pca-lagrange",
        title="Principal directions are eigenvectors of the covariance",
        statement='The stationary points of the projected variance $w^\\top S w$ on the unit sphere $w^\\top w = 1$ ($S$ symmetric) are the eigenvectors of $S$: $S w = \\lambda w$, $\\lambda$ the Lagrange multiplier.',
        topic="pca",
        assumptions=(*SIZES, SYMMETRIC),
        steps=steps,
        result=eigen,
        claim=sp.Eq(S * w, lam * w),
        variables=(w,),
        extras={"lagrangian_gradient": grad},
        references=(BISHOP + ", eqs. 12.3-12.5",),
    )


def pca_variance() -> Derivation:
    """At an eigenvector the captured variance w^T S w / w^T w is the eigenvalue."""
    eigen = sp.Eq(S * w, lam * w)
    times_w = sp.Eq(w.T * S * w, lam * w.T * w)
    quotient = sp.Eq(sp.MatMul(w.T, S, w) * sp.Inverse(w.T * w), lam * sp.Identity(1))
    steps = (
        definition(eigen, "an eigenvector $w \\ne 0$ of $S$ (pca-lagrange)", lhs=None),
        implies(times_w, "multiply on the left by $w^\\top$", factor=w.T),
        implies(quotient, "divide by $w^\\top w > 0$: the Rayleigh quotient at $w$ is $\\lambda$, "
                "so on the unit sphere the variance captured is the eigenvalue",
                factor=sp.Inverse(w.T * w)),
    )
    return Derivation(
        id="pca-variance",
        title="The variance captured by a principal direction is its eigenvalue",
        statement='If $S w = \\lambda w$ with $w \\neq 0$, then $w^\\top S w / w^\\top w = \\lambda$: on the unit sphere the variance of the projection on an eigenvector is its eigenvalue.',
        topic="pca",
        assumptions=(*SIZES, SYMMETRIC, Assumption.nonzero(w, "$w \\ne 0$")),
        steps=steps,
        result=quotient,
        claim=sp.Eq(w.T * S * w * (w.T * w).I, lam * sp.Identity(1)),
        variables=(w,),
        references=(BISHOP + ", eq. 12.5",),
    )


# --- Rayleigh quotient bounds, in the eigenbasis at d = 3 ------------------------------------

EIGEN_SIZE = 3


def rayleigh_parts(size=EIGEN_SIZE):
    """Eigenvalues lambda_1 >= ... >= lambda_d written with nonnegative gaps, coordinates c of w."""
    top = sp.Symbol("lambda_1", real=True)
    gaps = sp.symbols(f"g_2:{size + 1}", nonnegative=True)
    values = [top]
    for g in gaps:
        values.append(values[-1] - g)
    c = sp.symbols(f"c_1:{size + 1}", real=True)
    return top, gaps, values, c


def rayleigh_bounds() -> Derivation:
    """lambda_min <= w^T S w / w^T w <= lambda_max, at d = 3 in the eigenbasis."""
    top, gaps, values, c = rayleigh_parts()
    norm = sp.Add(*[ci**2 for ci in c])
    quotient = sp.Add(*[v * ci**2 for v, ci in zip(values, c)]) / norm
    numerator = sp.Add(*[v * ci**2 for v, ci in zip(values, c)])
    # lambda_1 - R and R - lambda_d over the common denominator, numerators expanded
    gap_top = sp.expand(top * norm - numerator) / norm
    gap_bottom = sp.expand(numerator - values[-1] * norm) / norm
    upper = top - gap_top  # R over the common denominator, as lambda_1 minus a nonnegative ratio
    lower = values[-1] + gap_bottom  # and as lambda_d plus one
    restated = f"the Rayleigh quotient $w^\\top S w / w^\\top w$ in the eigenbasis of " \
        "$S = Q \\Lambda Q^\\top$ (the spectral theorem, $Q$ orthogonal): with " \
        "$c = Q^\\top w \\ne 0$ it is $\\sum_i \\lambda_i c_i^2 / \\sum_i c_i^2$; at " \
        f"$d = {EIGEN_SIZE}$, the eigenvalues in decreasing order written " \
        "$\\lambda_{i+1} = \\lambda_i - g_{i+1}$ with gaps $g \\ge 0$"
    steps = (
        definition(quotient, restated, lhs="R(w)", source=HORN),
        equal(upper, "over the common denominator: $R = \\lambda_1 - \\sum_i (\\lambda_1 - "
              "\\lambda_i) c_i^2 / \\sum_i c_i^2$"),
        implies(sp.LessThan(upper, top, evaluate=False), "a ratio of sums of nonnegative terms is "
                "subtracted from $\\lambda_1$: $R \\le \\lambda_{\\max}$, with equality at the top "
                "eigenvector ($c = e_1$)"),
        definition(quotient, "the same quotient, for the lower bound", lhs="R(w)"),
        equal(lower, "likewise $R = \\lambda_d + \\sum_i (\\lambda_i - \\lambda_d) c_i^2 / "
              "\\sum_i c_i^2$"),
        implies(sp.GreaterThan(lower, values[-1], evaluate=False), "a ratio of sums of nonnegative "
                "terms is added to $\\lambda_d$: $R \\ge \\lambda_{\\min}$, with equality at the bottom "
                "eigenvector"),
    )
    return Derivation(
        id="rayleigh-bounds",
        title="Rayleigh quotient bounds; the first principal direction",
        statement=r"For symmetric $S$ and $w \neq 0$, $\lambda_{\min} \leq w^\top S w / w^\top w \leq \lambda_{\max}$, with "
        "equality at the extreme eigenvectors: the variance on the unit sphere is maximised by the "
        f"top eigenvector (derived at $d = {EIGEN_SIZE}$ in the eigenbasis).",
        topic="pca",
        assumptions=(Assumption.positive(norm, "$c \\ne 0$, so $\\sum_i c_i^2 > 0$"),),
        steps=steps,
        result=upper,
        claim=top - sp.Add(*[(top - v) * ci**2 for v, ci in zip(values, c)]) / norm,
        variables=c,
        extras={"upper_gap": gap_top, "lower_gap": gap_bottom},
        references=(HORN, BISHOP),
    )
