"""Rewrites SymPy lacks: Sum linearity, log of a product, the 1x1 transpose, symmetric collection,
and a small solver for stationarity conditions.

Each rewrite returns an expression equal to its input (the checker re-proves every step that
uses one, so a bug here shows up as a failed step, never as a silent wrong result).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr


def is_matrix(expr) -> bool:
    """True for matrix expressions and explicit matrices."""
    return isinstance(expr, (MatrixExpr, sp.MatrixBase))


def is_one_by_one(expr) -> bool:
    return is_matrix(expr) and expr.shape == (1, 1)


# --- sums -------------------------------------------------------------------------------------


def _split_sum(summand, limits, expand=True):
    index = limits[0]
    summand = sp.expand(summand) if expand else summand
    terms = sp.Add.make_args(summand)
    out = []
    for term in terms:
        coeff, dependent = term.as_independent(index, as_Add=False)
        if dependent == 1:
            lower, upper = limits[1], limits[2]
            out.append(coeff * (upper - lower + 1))
        else:
            out.append(coeff * sp.Sum(dependent, limits))
    return sp.Add(*out)


def sum_linearity(expr, expand=True):
    """Split every Sum over +, pull index-free factors out, and evaluate Sum of a constant.

    Sum(a*f(i) + g(i) + c, (i, 1, n)) -> a*Sum(f(i)) + Sum(g(i)) + c*n. With expand=False the
    summand is split only on its own top-level + (squares stay squares).
    """

    def rewrite(node):
        if isinstance(node, sp.Sum) and len(node.limits) == 1:
            return _split_sum(node.function, node.limits[0], expand)
        return node

    previous = None
    while previous != expr:
        previous = expr
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), rewrite)
    return expr


def log_of_product(expr):
    """log(prod_i f_i) -> sum_i log f_i, log(a*b) -> log a + log b, log(a**k) -> k log a.

    Valid for the positive quantities it is used on (densities, scales); the expansion is
    forced, so callers apply it only to logs of positive factors.
    """

    def rewrite(node):
        arg = node.args[0]
        if isinstance(arg, sp.Product) and len(arg.limits) == 1:
            return sp.Sum(sp.log(arg.function), arg.limits[0])
        return node

    expr = expr.replace(lambda e: isinstance(e, sp.log), rewrite)
    expr = sp.expand_log(expr, force=True)
    return expr.replace(
        lambda e: isinstance(e, sp.Sum),
        lambda s: sp.Sum(sp.expand_log(s.function, force=True), *s.limits),
    )


# --- matrices ---------------------------------------------------------------------------------


def _sort_key(expr) -> str:
    return sp.srepr(expr)


def scalar_transpose(expr):
    """Write every 1x1 product term in one canonical orientation: s = s^T for 1x1 s.

    y.T*X*w and w.T*X.T*y become the same term, so their difference cancels.
    """
    if not is_matrix(expr):
        return expr
    expr = expr.doit()
    if not isinstance(expr, sp.MatAdd):
        return _orient(expr)
    return sp.MatAdd(*[_orient(term) for term in expr.args]).doit()


def _orient(term):
    if not is_one_by_one(term):
        return term
    flipped = term.T.doit()
    if _sort_key(flipped) < _sort_key(term):
        return flipped
    return term


def use_symmetry(expr, symmetric):
    """Replace A^T by A for every symmetric A, then let SymPy collect A w + A w into 2 A w."""
    mapping = {sp.Transpose(a): a for a in symmetric}
    if not mapping:
        return expr
    out = expr.xreplace(mapping)
    inverse_mapping = {sp.Inverse(a).T: sp.Inverse(a) for a in symmetric}
    out = out.xreplace(inverse_mapping)
    return out.doit() if is_matrix(out) else out


def expand_matrix(expr):
    """Distribute products over sums in a matrix expression."""
    return expr.expand().doit() if is_matrix(expr) else sp.expand(expr)


def linear_coefficients(expr, var):
    """Write a matrix expression linear in `var` as M*var + c and return (M, c).

    Raises ValueError when a term is not of the form P*var or free of var.
    """
    expr = sp.expand(expr).doit()
    terms = sp.MatAdd.make_args(expr) if isinstance(expr, sp.MatAdd) else (expr,)
    matrix_parts, constant_parts = [], []
    rows = var.shape[0]
    for term in terms:
        if not term.has(var):
            constant_parts.append(term)
            continue
        coeff, factors = term.as_coeff_mmul()
        factors = list(factors.args) if isinstance(factors, sp.MatMul) else [factors]
        scalars = [f for f in factors if not is_matrix(f)]
        matrices = [f for f in factors if is_matrix(f)]
        if not matrices or matrices[-1] != var or any(m.has(var) for m in matrices[:-1]):
            raise ValueError(f"term {term} is not linear in {var} of the form P*{var}")
        left = matrices[:-1]
        scale = coeff * sp.Mul(*scalars)
        if any(s.has(var) for s in scalars):
            raise ValueError(f"term {term} is not linear in {var}")
        if left:
            matrix_parts.append(scale * sp.MatMul(*left))
        else:
            matrix_parts.append(scale * sp.Identity(rows))
    if not matrix_parts:
        raise ValueError(f"{expr} does not depend on {var}")
    M = sp.MatAdd(*matrix_parts).doit() if len(matrix_parts) > 1 else matrix_parts[0]
    if constant_parts:
        c = sp.MatAdd(*constant_parts).doit() if len(constant_parts) > 1 else constant_parts[0]
    else:
        c = sp.ZeroMatrix(*var.shape)
    return M, c


# --- solving stationarity conditions ---------------------------------------------------------


class NotSolvable(ValueError):
    """The stationarity condition is outside what the small solver handles."""


def solve_stationary(lhs, var, *, invertible=()):
    """Solve lhs = 0 for var.

    Scalars: Sum linearity, then `solve(..., simplify=False, check=False)` (30x faster than the
    default and it does not wander into cube roots). Matrices: lhs = M*var + c is solved as
    var = M^{-1}(-c) only when M is in `invertible` (the caller proves that from the
    assumptions); otherwise NotSolvable says what is missing.
    """
    if is_matrix(lhs):
        M, c = linear_coefficients(lhs, var)
        M_plain = _strip_scalar(M)
        if M not in invertible and M_plain not in invertible:
            raise NotSolvable(
                f"solving {lhs} = 0 for {var} needs {M} invertible; state an assumption "
                f"that makes it so (e.g. full column rank)"
            )
        scale, core = split_scale(M)
        return (sp.Inverse(core) * (-c / scale)).doit() if scale != 1 else (
            sp.Inverse(core) * (-c)
        ).doit()
    expr = sum_linearity(sp.expand(lhs))
    solutions = sp.solve(expr, var, simplify=False, check=False, dict=False)
    if not solutions:
        raise NotSolvable(f"no solution of {expr} = 0 for {var}")
    return solutions


def split_scale(M):
    """c * P as (c, P): the scalar factor of a matrix product and the matrices it multiplies."""
    if isinstance(M, sp.MatMul):
        coeff, rest = M.as_coeff_mmul()
        scalars = [f for f in rest.args if not is_matrix(f)]
        matrices = [f for f in rest.args if is_matrix(f)]
        scale = coeff * sp.Mul(*scalars)
        core = sp.MatMul(*matrices) if len(matrices) > 1 else matrices[0]
        return scale, core
    return sp.Integer(1), M


def _strip_scalar(M):
    return split_scale(M)[1]


# --- perturbations and differentials --------------------------------------------------------


def _factors(term):
    coeff, rest = term.as_coeff_mmul()
    args = list(rest.args) if isinstance(rest, sp.MatMul) else [rest]
    return coeff, args


def degree_in(term, var) -> int:
    """How many factors of a product term are var or var^T."""
    _, factors = _factors(term)
    return sum(1 for f in factors if f == var or f == var.T)


def matrix_terms(expr):
    expr = expr.doit()
    return list(expr.args) if isinstance(expr, sp.MatAdd) else [expr]


def part_of_degree(expr, var, max_degree: int):
    """The terms of an expanded matrix expression of degree <= max_degree in var."""
    kept = [t for t in matrix_terms(expand_matrix(expr)) if degree_in(t, var) <= max_degree]
    if not kept:
        return sp.ZeroMatrix(*expr.shape)
    return sp.MatAdd(*kept).doit() if len(kept) > 1 else kept[0]


def orient_towards(expr, var):
    """Transpose each 1x1 term that starts with var^T so that var stands last: s = s^T."""
    out = []
    for term in matrix_terms(expr):
        _, factors = _factors(term)
        if is_one_by_one(term) and factors and factors[0] == var.T:
            out.append(term.T.doit())
        else:
            out.append(term)
    return sp.MatAdd(*out) if len(out) > 1 else out[0]


def factor_sides(expr, left, right):
    """sum_k c_k * left * M_k * right -> left * (sum_k c_k M_k) * right."""
    middles = []
    for term in matrix_terms(expr):
        coeff, factors = _factors(term)
        scalars = [f for f in factors if not is_matrix(f)]
        mats = [f for f in factors if is_matrix(f)]
        if len(mats) < 2 or mats[0] != left or mats[-1] != right:
            raise ValueError(f"term {term} is not of the form {left} * M * {right}")
        inner = mats[1:-1]
        middle = sp.MatMul(*inner) if len(inner) > 1 else (inner[0] if inner else sp.Identity(left.shape[1]))
        middles.append(coeff * sp.Mul(*scalars) * middle)
    total = sp.MatAdd(*middles) if len(middles) > 1 else middles[0]
    return sp.MatMul(left, total, right)


def log_rules(expr):
    """One application of log(ab) = log a + log b, log(a^k) = k log a, log(exp x) = x.

    Unlike `expand_log(force=True)` this does not take apart the inside of the logs it keeps
    (log(2 pi sigma^2) stays whole). Factors must be positive: densities and scales.
    """

    def rule(node):
        arg = node.args[0]
        if isinstance(arg, sp.Mul):
            return sp.Add(*[rule(sp.log(f, evaluate=False)) for f in arg.args])
        if isinstance(arg, sp.Pow):
            return arg.exp * rule(sp.log(arg.base, evaluate=False))
        if isinstance(arg, sp.exp):
            return arg.args[0]
        if isinstance(arg, sp.Product) and len(arg.limits) == 1:
            return sp.Sum(rule(sp.log(arg.function, evaluate=False)), arg.limits[0])
        return sp.log(arg)

    return expr.replace(lambda e: isinstance(e, sp.log), rule)
