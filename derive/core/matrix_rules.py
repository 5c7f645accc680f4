"""Matrix differentials by the rules of the differential, and gradients read off tr(M dX).

SymPy's own matrix derivative returns silent zeros for traces and log-determinants, so the
catalogue computes differentials here, rule by rule:

    d(X) = H,  d(C) = 0,  d(A + B) = dA + dB,  d(AB) = dA B + A dB,  d(A^T) = (dA)^T,
    d(X^{-1}) = -X^{-1} dX X^{-1},  d tr(A) = tr(dA),  d det(A) = det(A) tr(A^{-1} dA),
    d log u = du / u,  d u^k = k u^{k-1} du  (u scalar).

A scalar differential is then written c_1 tr(F_1) + ... (trace linearity; a 1x1 matrix is its
own trace), each trace rotated until H stands last (tr(P H Q) = tr(Q P H), and
tr(P H^T Q) = tr(P^T Q^T H) by transposing), and collected as tr(M H): the gradient in the
denominator layout is M^T, because df = tr(G^T dX) = sum_ij G_ij dX_ij.

Every result of these rules is re-checked by `derive.core.check` (the differential as a
first-order approximation of the increment, the gradient entry by entry at concrete sizes),
so a wrong rule shows up as a failed step, never as a silent wrong gradient.
"""

from __future__ import annotations

import sympy as sp

from derive.core.algebra import is_matrix


class NoRule(ValueError):
    """An expression outside what the differential rules here handle."""


def _sum(parts, like=None):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return sp.MatAdd(*parts) if is_matrix(parts[0]) else sp.Add(*parts)


def _product(args):
    if any(is_matrix(a) for a in args):
        return sp.MatMul(*args)
    return sp.Mul(*args)


def differential(expr, var, dvar):
    """The differential of `expr` in the direction `dvar` of the variable `var`, by the rules
    above, left unevaluated (no transposes resolved, nothing cancelled). Zero if `expr` is free
    of `var`; raises NoRule for an operation with no rule here."""
    out = _d(expr, var, dvar)
    if out is None:
        return sp.ZeroMatrix(*expr.shape) if is_matrix(expr) else sp.Integer(0)
    return out


def _d(e, var, dvar):
    if not e.has(var):
        return None
    if e == var:
        return dvar
    if isinstance(e, sp.Transpose):
        inner = _d(e.arg, var, dvar)
        return None if inner is None else sp.Transpose(inner)
    if isinstance(e, (sp.MatAdd, sp.Add)):
        return _sum([_d(a, var, dvar) for a in e.args])
    if isinstance(e, (sp.MatMul, sp.Mul)):
        parts = []
        for k, a in enumerate(e.args):
            da = _d(a, var, dvar)
            if da is not None:
                parts.append(_product([*e.args[:k], da, *e.args[k + 1:]]))
        return _sum(parts)
    if isinstance(e, sp.MatPow) and e.exp.is_Integer and e.exp > 0:
        return _d(sp.MatMul(*[e.base] * int(e.exp)), var, dvar)
    if isinstance(e, sp.Inverse):
        dm = _d(e.arg, var, dvar)
        return None if dm is None else sp.MatMul(-1, e, dm, e)
    if isinstance(e, sp.Trace):
        dm = _d(e.arg, var, dvar)
        if isinstance(dm, sp.MatAdd):  # tr is linear: one trace per term of the product rule
            return sp.Add(*[sp.Trace(t) for t in dm.args])
        return None if dm is None else sp.Trace(dm)
    if isinstance(e, sp.Determinant):
        dm = _d(e.arg, var, dvar)
        return None if dm is None else sp.Mul(e, sp.Trace(sp.MatMul(sp.Inverse(e.arg), dm)))
    if isinstance(e, sp.log):
        du = _d(e.args[0], var, dvar)
        return None if du is None else sp.Mul(du, sp.Pow(e.args[0], -1))
    if isinstance(e, sp.Pow) and not e.exp.has(var):
        du = _d(e.base, var, dvar)
        return None if du is None else sp.Mul(e.exp, sp.Pow(e.base, e.exp - 1), du)
    raise NoRule(
        f"no differential rule for {type(e).__name__} in {e}; the rules cover sums, products, "
        "transposes, inverses, positive integer powers, traces, determinants, log and scalar powers"
    )


# --- reading the gradient off tr(M dX) ---------------------------------------------------------


def _factors(term):
    """A product as (scalar coefficient, [matrix factors]); a lone matrix is one factor."""
    if isinstance(term, sp.MatMul):
        coeff, rest = term.as_coeff_mmul()
        args = list(rest.args) if isinstance(rest, sp.MatMul) else [rest]
        scalars = [a for a in args if not is_matrix(a)]
        return coeff * sp.Mul(*scalars), [a for a in args if is_matrix(a)]
    return sp.Integer(1), [term]


def _transpose(f):
    """f^T, with (A^T)^T written A (nothing else evaluated)."""
    return f.arg if isinstance(f, sp.Transpose) else sp.Transpose(f)


def _distribute(m, dvar):
    """m as a list of (scalar, [factors]) products, distributing only over the sums that hold
    dvar: (A X B + C)^T stays one factor, (A H B)^T becomes B^T H^T A^T."""
    if isinstance(m, sp.MatAdd):
        return [t for a in m.args for t in _distribute(a, dvar)]
    if isinstance(m, sp.Transpose):
        inner = m.arg
        if not inner.has(dvar):
            return [(sp.Integer(1), [m])]
        return [(c, [_transpose(f) for f in reversed(fs)]) for c, fs in _distribute(inner, dvar)]
    if isinstance(m, sp.MatMul):
        coeff, factors = _factors(m)
        out = [(coeff, [])]
        for f in factors:
            parts = _distribute(f, dvar) if f.has(dvar) else [(sp.Integer(1), [f])]
            out = [(c0 * c1, fs0 + fs1) for c0, fs0 in out for c1, fs1 in parts]
        return out
    if isinstance(m, sp.Transpose) or not m.has(dvar):
        return [(sp.Integer(1), [m])]
    return [(sp.Integer(1), [m])]


def _matrix_terms(m, dvar=None):
    """A matrix expression distributed into products: a list of (scalar, [factors])."""
    if dvar is not None:
        return _distribute(m, dvar)
    m = m.expand()
    terms = m.args if isinstance(m, sp.MatAdd) else (m,)
    return [_factors(t) for t in terms]


def trace_terms(dexpr, dvar=None):
    """A scalar differential as a list of (c, [F_1, ..., F_k]) with dexpr = sum c tr(F_1...F_k).

    Uses the linearity of the trace, and tr(s) = s for a 1x1 product s. With `dvar`, products
    are distributed only over the sums that hold dvar (the other factors stay whole)."""
    out = []
    # expand the scalar level only: the matrices inside the traces are distributed below
    expanded = sp.expand(dexpr, deep=False) if not is_matrix(dexpr) else dexpr
    if is_matrix(expanded):  # a 1x1 differential such as a^T H b
        for c, fs in _matrix_terms(expanded, dvar):
            out.append((c, fs))
        return out
    for term in sp.Add.make_args(expanded):
        traces = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Trace)]
        mats = [f for f in sp.Mul.make_args(term) if is_matrix(f)]
        if len(traces) + len(mats) != 1:
            raise NoRule(f"term {term} is not a scalar times one trace or one 1x1 product")
        inner = traces[0].arg if traces else mats[0]
        scale = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not inner and f not in traces])
        for c, fs in _matrix_terms(inner, dvar):
            out.append((scale * c, fs))
    return out


def as_traces(terms):
    """sum c tr(F...) as a SymPy expression (each trace left unevaluated)."""
    return sp.Add(*[c * sp.Trace(sp.MatMul(*fs) if len(fs) > 1 else fs[0]) for c, fs in terms])


def rotate(terms, dvar):
    """Each c tr(P H Q) as c tr(M H): M = Q P; for c tr(P H^T Q), M = (Q P)^T = P^T Q^T
    (tr(P H^T Q) = tr(Q P H^T) = tr(H P^T Q^T) = tr(P^T Q^T H))."""
    out = []
    for c, fs in terms:
        spots = [k for k, f in enumerate(fs) if f.has(dvar)]
        if len(spots) != 1 or fs[spots[0]] not in (dvar, dvar.T):
            raise NoRule(f"tr({sp.MatMul(*fs)}) is not linear in {dvar} with {dvar} a factor")
        k = spots[0]
        P, Q = fs[:k], fs[k + 1:]
        if fs[k] == dvar:
            M = [*Q, *P]
        else:
            M = [_transpose(f) for f in reversed(P)] + [_transpose(f) for f in reversed(Q)]
        out.append((c, M))
    return out


def _mat(fs, size):
    if not fs:
        return sp.Identity(size)
    return sp.MatMul(*fs) if len(fs) > 1 else fs[0]


def rotated_traces(rotated, dvar):
    """sum c tr(M_k H), each trace shown with H last."""
    size = dvar.shape[0]
    return sp.Add(*[c * sp.Trace(sp.MatMul(_mat(M, size), dvar)) for c, M in rotated])


def collected(rotated, dvar):
    """tr(M H) with M = sum c_k M_k: the trace is linear."""
    size = dvar.shape[0]
    merged: dict = {}
    for c, M in rotated:  # equal products add their coefficients: c1 M + c2 M = (c1 + c2) M
        key = sp.srepr(_mat(M, size).doit().expand().doit())
        shown, total = merged.get(key, (M, 0))
        merged[key] = (shown, total + c)
    parts = [_mat(M, size) if c == 1 else sp.MatMul(c, _mat(M, size))
             for M, c in merged.values() if c != 0]
    M = sp.MatAdd(*parts) if len(parts) > 1 else parts[0]
    return sp.Trace(sp.MatMul(M, dvar)), M


def gradient_from_trace(M):
    """df = tr(M dX) gives the gradient M^T (denominator layout), transposes distributed."""
    return sp.Transpose(M).doit()
