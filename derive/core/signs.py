"""Side conditions proved from the assumptions: positivity, invertibility, signs of quadratic forms.

SymPy's `ask(Q.invertible(X.T*X), Q.fullrank(X))` is unsound (it says True for a 2x5 X), so the
rules here are few and explicit, each one a textbook fact with its hypothesis named:
X^T X is positive definite when X has full column rank; P + c I is positive definite for P
positive semidefinite and c > 0; Z^T Z is positive semidefinite; products and inverses of
invertible matrices are invertible.
"""

from __future__ import annotations

import sympy as sp

from derive.core.algebra import is_matrix
from derive.core.context import Context


def is_positive(expr, ctx: Context):
    """True / False when SymPy decides the sign of a scalar under the assumptions, else None."""
    expr = sp.sympify(expr, strict=True)
    expr = expr.xreplace(ctx.positive_dummies())
    return expr.is_positive


def is_nonzero(expr, ctx: Context):
    expr = sp.sympify(expr, strict=True).xreplace(ctx.positive_dummies())
    if expr.is_nonzero:
        return True
    for s in ctx.nonzero:
        if expr == s:
            return True
    return expr.is_nonzero


def _scale_and_core(M):
    if isinstance(M, sp.MatMul):
        coeff, rest = M.as_coeff_mmul()
        args = rest.args if isinstance(rest, sp.MatMul) else (rest,)
        scalars = [a for a in args if not is_matrix(a)]
        mats = [a for a in args if is_matrix(a)]
        core = sp.MatMul(*mats) if len(mats) > 1 else (mats[0] if mats else sp.Integer(1))
        return coeff * sp.Mul(*scalars), core
    return sp.Integer(1), M


def positive_semidefinite(M, ctx: Context) -> str | None:
    """The reason M is positive semidefinite, or None."""
    M = M.doit() if is_matrix(M) else M
    if M in ctx.positive_definite:
        return f"{M} is positive definite by assumption"
    if isinstance(M, sp.Identity):
        return "the identity is positive definite"
    if isinstance(M, sp.MatMul):
        scale, core = _scale_and_core(M)
        if scale != 1:
            if is_positive(scale, ctx):
                inner = positive_semidefinite(core, ctx)
                return inner and f"{inner}, times a positive scalar"
            return None
        factors = core.args if isinstance(core, sp.MatMul) else (core,)
        if len(factors) % 2 == 0:
            half = len(factors) // 2
            left, right = sp.MatMul(*factors[:half]), sp.MatMul(*factors[half:])
            if left.T.doit() == right.doit():
                return f"Z^T Z with Z = {right} is positive semidefinite"
    if isinstance(M, sp.MatAdd):
        reasons = [positive_semidefinite(t, ctx) for t in M.args]
        if all(reasons):
            return "a sum of positive semidefinite matrices"
    return None


def positive_definite(M, ctx: Context) -> str | None:
    """The reason M is positive definite, or None."""
    M = M.doit() if is_matrix(M) else M
    if M in ctx.positive_definite:
        return f"{M} is positive definite by assumption"
    if isinstance(M, sp.Identity):
        return "the identity is positive definite"
    if isinstance(M, sp.Inverse):
        inner = positive_definite(M.arg, ctx)
        return inner and f"the inverse of a positive definite matrix ({inner})"
    if isinstance(M, sp.MatMul):
        scale, core = _scale_and_core(M)
        if scale != 1:
            if is_positive(scale, ctx):
                inner = positive_definite(core, ctx)
                return inner and f"{inner}, times a positive scalar"
            return None
        factors = core.args if isinstance(core, sp.MatMul) else (core,)
        if len(factors) == 2 and isinstance(factors[0], sp.Transpose):
            Z = factors[1]
            if factors[0].arg == Z and Z in ctx.full_column_rank:
                return f"{Z}^T {Z} is positive definite because {Z} has full column rank"
    if isinstance(M, sp.MatAdd):
        definite = [positive_definite(t, ctx) for t in M.args]
        semi = [positive_semidefinite(t, ctx) for t in M.args]
        if any(definite) and all(d or s for d, s in zip(definite, semi)):
            return "positive semidefinite plus positive definite: " + next(d for d in definite if d)
    return None


def invertible(M, ctx: Context) -> str | None:
    """The reason M (a scalar or a square matrix) is invertible, or None."""
    if not is_matrix(M):
        if is_nonzero(M, ctx):
            return f"{M} != 0"
        return None
    M = M.doit()
    pd = positive_definite(M, ctx)
    if pd:
        return pd
    if isinstance(M, sp.Inverse):
        return invertible(M.arg, ctx)
    if isinstance(M, sp.MatMul):
        scale, core = _scale_and_core(M)
        if not is_nonzero(scale, ctx):
            return None
        factors = core.args if isinstance(core, sp.MatMul) else (core,)
        if all(f.is_square for f in factors):
            reasons = [invertible(f, ctx) for f in factors]
            if all(reasons):
                return "a product of invertible matrices"
    return None


SIGNS = ("positive", "nonnegative", "zero", "nonpositive", "negative")


def sign(expr, ctx: Context) -> str | None:
    """The sign of a scalar or 1x1 expression proved under the assumptions, or None."""
    if is_matrix(expr):
        return _matrix_sign(expr, ctx)
    dummies = ctx.positive_dummies()  # before expand: assumed-positive sums must stay whole
    e = sp.expand(sp.sympify(expr, strict=True).xreplace(dummies)).xreplace(dummies)
    if e.is_zero:
        return "zero"
    if e.is_positive:
        return "positive"
    if e.is_negative:
        return "negative"
    if e.is_nonnegative:
        return "nonnegative"
    if e.is_nonpositive:
        return "nonpositive"
    factored = sp.factor_terms(sp.sympify(expr, strict=True))  # -eta a - eta b -> -eta (a + b)
    if factored != expr and dummies:
        f = factored.xreplace(dummies)
        for name in ("positive", "negative", "nonnegative", "nonpositive"):
            if getattr(f, f"is_{name}"):
                return name
    return _scaled_trace_sign(e, ctx)


def _scaled_trace_sign(e, ctx: Context) -> str | None:
    """Sign of c * tr(M) for M = P H P H (P positive definite, H symmetric): the trace is
    ||P^(1/2) H P^(1/2)||_F^2 >= 0, and > 0 when H != 0; likewise tr(Z^T Z) = ||Z||_F^2."""
    coeff, rest = e.as_independent(sp.Trace, as_Add=False)
    if not isinstance(rest, sp.Trace):
        return None
    scale, core = _scale_and_core(rest.arg)
    factors = list(core.args) if isinstance(core, sp.MatMul) else [core]
    inner = None
    if len(factors) == 2 and factors[0] == factors[1].T:
        inner = "positive" if factors[1] in ctx.nonzero else "nonnegative"
    elif len(factors) == 4 and factors[0] == factors[2] and factors[1] == factors[3]:
        for P, H in ((factors[0], factors[1]), (factors[1], factors[0])):
            if H in ctx.symmetric and positive_definite(P, ctx):
                inner = "positive" if H in ctx.nonzero else "nonnegative"
    if inner is None:
        return None
    s = sign(coeff * scale, ctx)
    if s == "positive":
        return inner
    if s == "negative":
        return {"positive": "negative", "nonnegative": "nonpositive"}[inner]
    return None


def _quadratic_form_sign(term, ctx: Context) -> str | None:
    """Sign of c * v^T M v or c * Z^T Z for one product term."""
    scale, core = _scale_and_core(term)
    factors = list(core.args) if isinstance(core, sp.MatMul) else [core]
    inner = None
    if len(factors) >= 2 and isinstance(factors[0], sp.Transpose):
        v = factors[0].arg
        if factors[-1] == v and len(factors) >= 2:
            middle = factors[1:-1]
            if not middle:
                inner = "positive" if (v in ctx.nonzero) else "nonnegative"
            else:
                M = sp.MatMul(*middle) if len(middle) > 1 else middle[0]
                if positive_definite(M, ctx) and v in ctx.nonzero:
                    inner = "positive"
                elif positive_semidefinite(M, ctx) or positive_definite(M, ctx):
                    inner = "nonnegative"
    if inner is None:
        whole = sp.MatMul(*factors)
        if positive_semidefinite(whole, ctx):
            inner = "nonnegative"
    if inner is None:
        return None
    s = sign(scale, ctx)
    if s == "positive":
        return inner
    if s == "negative":
        return {"positive": "negative", "nonnegative": "nonpositive"}[inner]
    if s == "nonnegative":
        return "nonnegative"
    return None


def _matrix_sign(expr, ctx: Context) -> str | None:
    expr = expr.doit()
    terms = expr.args if isinstance(expr, sp.MatAdd) else (expr,)
    signs = [_quadratic_form_sign(t, ctx) for t in terms]
    if any(s is None for s in signs):
        return None
    if all(s in ("positive", "nonnegative") for s in signs):
        return "positive" if "positive" in signs else "nonnegative"
    if all(s in ("negative", "nonpositive") for s in signs):
        return "negative" if "negative" in signs else "nonpositive"
    return None


def holds(relation: sp.core.relational.Relational, ctx: Context) -> tuple[bool | None, str]:
    """Decide an inequality lhs REL rhs from signs of lhs - rhs. Returns (verdict, reason)."""
    lhs, rhs = relation.lhs, relation.rhs
    if is_matrix(lhs) and (rhs == 0):
        diff = lhs
    elif is_matrix(lhs) and is_matrix(rhs):
        diff = lhs - rhs
    else:
        diff = lhs - rhs
    s = sign(diff, ctx)
    need = {
        sp.StrictGreaterThan: ("positive",),
        sp.GreaterThan: ("positive", "nonnegative", "zero"),
        sp.StrictLessThan: ("negative",),
        sp.LessThan: ("negative", "nonpositive", "zero"),
    }.get(type(relation))
    if need is None:
        return None, f"unsupported relation {type(relation).__name__}"
    if s is None:
        return None, f"the sign of {diff} is not decided by the assumptions"
    if s in need:
        return True, f"{diff} is {s} under the assumptions"
    opposite = {
        sp.StrictGreaterThan: ("negative", "nonpositive", "zero"),
        sp.GreaterThan: ("negative",),
        sp.StrictLessThan: ("positive", "nonnegative", "zero"),
        sp.LessThan: ("positive",),
    }[type(relation)]
    if s in opposite:
        return False, f"{diff} is {s}, so the inequality fails"
    return None, f"{diff} is only known to be {s}"
