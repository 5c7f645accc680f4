"""Analysis of an expression before printing: shapes, costs, what is positive definite by
construction, which products to fuse, which inputs the code needs. SymPy in, plain data out."""

from __future__ import annotations

import math

import sympy as sp

__all__ = [
    "NotPrintable",
    "UnsafeNameError",
    "free_inputs",
    "positive_definite_by_construction",
]


class UnsafeNameError(ValueError):
    """A symbol's name cannot be used as a Python identifier in generated code."""


class NotPrintable(TypeError):
    """The expression contains something with no numeric meaning (or no numpy spelling)."""


def _is_matrix(e) -> bool:
    return getattr(e, "is_Matrix", False) or isinstance(e, sp.MatrixExpr)


def _is_vector_shape(shape) -> bool:
    return len(shape) == 2 and shape[1] == 1


#: Size guesses for ordering matrix chains: sample counts are large, everything else moderate.
_LARGE_DIMS = {"n", "N", "m"}


def _dim_estimate(dim) -> float:
    if getattr(dim, "is_Integer", False) or isinstance(dim, int):
        return float(dim)
    if isinstance(dim, sp.Symbol):
        return 1e6 if dim.name in _LARGE_DIMS else 1e2
    try:
        return float(dim.subs({s: _dim_estimate(s) for s in dim.free_symbols}))
    except (TypeError, ValueError):
        return 1e2


def _canonical(e):
    """A form in which equal matrix expressions written differently compare equal (lookup only:
    never printed, since doit() may merge 1 1^T into an n x n OneMatrix)."""
    try:
        return e.doit()
    except Exception:  # pragma: no cover - doit on an exotic node
        return e


def _gram_parts(M):
    """(A, shift) for M = A.T*A (+ shift*I); (None, None) otherwise."""
    terms = M.args if isinstance(M, sp.MatAdd) else (M,)
    A = None
    shift = sp.Integer(0)
    for t in terms:
        if isinstance(t, sp.MatMul):
            c, ms = t.as_coeff_matrices()
            if len(ms) == 1 and isinstance(ms[0], sp.Identity):
                shift += c
                continue
            if c == 1 and len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
                if A is not None:
                    return None, None
                A = ms[1]
                continue
            return None, None
        if isinstance(t, sp.Identity):
            shift += 1
            continue
        return None, None
    if A is None:
        return None, None
    return A, shift


def positive_definite_by_construction(M) -> str:
    """A reason when M is symmetric positive definite by its form, else ''.

    A.T*A is PD when A has full column rank (the solver checks, and falls back if not);
    c*I with c > 0 is PD; a positive combination of such terms is PD.
    """
    terms = M.args if isinstance(M, sp.MatAdd) else (M,)
    reasons = []
    for t in terms:
        c, ms = t.as_coeff_matrices() if isinstance(t, sp.MatMul) else (sp.Integer(1), [t])
        if not (c.is_positive or c == 1):
            return ""
        if len(ms) == 1 and isinstance(ms[0], sp.Identity):
            reasons.append("c I, c > 0")
        elif len(ms) == 2 and isinstance(ms[0], sp.Transpose) and ms[0].arg == ms[1]:
            reasons.append("Gram matrix, full column rank")
        else:
            return ""
    return " + ".join(reasons)


def _chain_order(shapes):
    """Optimal parenthesisation (classic DP) with estimated sizes; returns a nested pair tree."""
    dims = [_dim_estimate(shapes[0][0])] + [_dim_estimate(s[1]) for s in shapes]
    k = len(shapes)
    cost = [[0.0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            cost[i][j] = math.inf
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def tree(i, j):
        if i == j:
            return i
        s = split[i][j]
        return (tree(i, s), tree(s + 1, j))

    return tree(0, k - 1)


def _scan_fusions(expr) -> dict:
    """A -> v when both A.T*A and A.T*v occur as adjacent factors somewhere in expr."""
    grams, pairs = set(), {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.MatMul):
            _, ms = node.as_coeff_matrices()
            for a, b in zip(ms, ms[1:]):
                if isinstance(a, sp.Transpose) and isinstance(a.arg, sp.MatrixSymbol):
                    if b == a.arg:
                        grams.add(b)
                    elif _is_vector_shape(b.shape) and not isinstance(b, (sp.Inverse,)):
                        pairs.setdefault(a.arg, b)
    return {A: v for A, v in pairs.items() if A in grams}


def free_inputs(expr):
    """The symbols the numeric code needs from the caller, before size binding."""
    mats = set()
    arrays = set()
    scalars = set()
    for s in expr.atoms(sp.MatrixSymbol):
        mats.add(s)
    for s in expr.atoms(sp.IndexedBase):
        arrays.add(s.label)
    bound = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            for lim in node.limits:
                bound.add(lim[0])
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy):
            if s in bound or s in arrays:
                continue
            scalars.add(s)
    for s in expr.atoms(sp.Dummy):
        if s not in bound:
            raise NotPrintable(f"dummy symbol {s} left free in {expr}")
    return mats, arrays, scalars


#: Data first, then parameters, in this order; everything else alphabetically after them.
_INPUT_PRIORITY = ("X", "y", "x", "Y", "A", "b", "w", "theta", "t")


def _order_inputs(objs):
    def key(o):
        name = o.name
        pri = _INPUT_PRIORITY.index(name) if name in _INPUT_PRIORITY else len(_INPUT_PRIORITY)
        return (pri, name)

    return sorted(objs, key=key)
