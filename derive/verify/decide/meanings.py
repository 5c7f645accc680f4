"""The SymPy meaning of the notation the read stage added: one function per node type.

Hadamard and Kronecker products, expectations over a written distribution, integrals,
evaluation bars, case distinctions, the densities of the usual families, and the 1-, infinity-
and Frobenius norms. Each function takes the `Builder` that calls it and raises `BuildError`
(an undecided step, never a wrong one) where the notation has no single meaning: an
expectation whose distribution is not written, a Gamma density (shape-rate or shape-scale?),
an induced matrix 1-norm.
"""

from __future__ import annotations

import sympy as sp

from derive.verify.read import nodes as N

CONTINUOUS_SUPPORT = {
    "normal": (-sp.oo, sp.oo), "laplace": (-sp.oo, sp.oo), "exponential": (0, sp.oo), "beta": (0, 1),
}
DISCRETE_SUPPORT = {"bernoulli": (0, 1), "poisson": (0, sp.oo)}


def _error(message):
    from derive.verify.decide.build import BuildError

    return BuildError(message)


def elementwise(builder, node: N.Elementwise):
    from derive.verify.decide.build import is_matrix

    a, b = builder.build(node.left), builder.build(node.right)
    if not (is_matrix(a) and is_matrix(b)):
        return a * b  # a scalar times anything
    if node.kind == "hadamard":
        if a.shape != b.shape:
            raise _error(f"a Hadamard product of shapes {a.shape} and {b.shape}")
        return sp.HadamardProduct(a, b)
    return sp.KroneckerProduct(a, b)


def density(builder, node: N.Density, x, params):
    """The density (or mass) of `node`'s family at x."""
    from derive.verify.decide.build import is_matrix, scalarize

    family = node.family
    if is_matrix(x) or any(is_matrix(p) for p in params):
        raise _error(f"a multivariate {family} distribution is not checked")
    x = scalarize(x)
    p = [scalarize(v) for v in params]
    if family == "bernoulli":
        return p[0] ** x * (1 - p[0]) ** (1 - x)
    if family == "poisson":
        return p[0] ** x * sp.exp(-p[0]) / sp.factorial(x)
    if family == "exponential":
        return p[0] * sp.exp(-p[0] * x)  # Exp(lambda): the rate, as ML texts write it
    if family == "beta":
        a, b = p
        return x ** (a - 1) * (1 - x) ** (b - 1) * sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b))
    if family == "uniform":
        a, b = p
        return 1 / (b - a)
    if family == "binomial":
        n, q = p
        return sp.binomial(n, x) * q**x * (1 - q) ** (n - x)
    if family == "gamma":
        raise _error("a Gamma density is written with a rate or a scale; declare which")
    raise _error(f"the {family} density is not checked")


def _support(family: str):
    if family in CONTINUOUS_SUPPORT:
        return "integral", CONTINUOUS_SUPPORT[family]
    if family in DISCRETE_SUPPORT:
        return "sum", DISCRETE_SUPPORT[family]
    return None, None


def expectation(builder, node: N.Expect):
    """E_{x ~ p}[f], Var, Cov: an integral (or sum) over the written distribution."""
    dist = node.dist
    if node.given:
        raise _error("a conditional expectation is not checked")
    if not isinstance(dist, N.Density) or dist.x is not None or not isinstance(node.var, (N.Sym, N.Indexed)):
        raise _error("an expectation whose distribution is not written under it (E_{x \\sim p}) is not checked")
    how, (lo, hi) = _support(dist.family)
    if how is None:
        raise _error(f"an expectation over a {dist.family} distribution is not checked")
    if isinstance(node.var, N.Sym):
        # the variable of a univariate law is a number, whatever its letter: read it as one
        point = N.Sym("\\xi_{\\mathrm{E}}")
        node = N.Expect(node.op, tuple(_swap(a, node.var, point) for a in node.args), node.given, point, dist)
    var = builder.build(node.var)
    if not isinstance(var, sp.Symbol):
        raise _error("an expectation over something that is not a scalar variable")
    pdf = builder.build(N.Density(dist.family, node.var, dist.params))

    def mean(expr):
        if how == "integral":
            value = sp.integrate(expr * pdf, (var, lo, hi))
            if value.has(sp.Integral):
                raise _error("SymPy cannot evaluate this expectation")
            return value
        if hi == sp.oo:
            value = sp.summation(expr * pdf, (var, lo, hi))
            if value.has(sp.Sum):
                raise _error("SymPy cannot evaluate this expectation")
            return value
        return sum((expr * pdf).subs(var, k) for k in range(int(lo), int(hi) + 1))

    from derive.verify.decide.build import scalarize

    args = [scalarize(builder.build(a)) for a in node.args]
    if node.op == "E":
        return sp.simplify(mean(args[0]))
    if node.op == "Var":
        return sp.simplify(mean(args[0] ** 2) - mean(args[0]) ** 2)
    a, b = args
    return sp.simplify(mean(a * b) - mean(a) * mean(b))


def _swap(node, old: N.Sym, new: N.Sym):
    from derive.verify.steps.terms import substitute

    return substitute(node, {old.name: new})


def integral(builder, node: N.Integral):
    from derive.verify.decide.build import is_matrix, scalarize

    var = builder.build(node.var)
    if not isinstance(var, sp.Symbol):
        raise _error("an integral in something that is not a scalar variable")
    if node.lo is None:
        families = {d.family for d in node.body.walk() if isinstance(d, N.Density) and d.x == node.var}
        supports = {CONTINUOUS_SUPPORT.get(f) for f in families}
        if len(supports) != 1 or None in supports:
            raise _error("an integral without bounds (write them, or integrate a density over its support)")
        lo, hi = supports.pop()
    else:
        lo, hi = scalarize(builder.build(node.lo)), scalarize(builder.build(node.hi))
    body = builder.build(node.body)
    if is_matrix(body) and body.shape != (1, 1):
        raise _error("an integral of a matrix")
    value = sp.integrate(scalarize(body), (var, lo, hi))
    if value.has(sp.Integral):
        raise _error("SymPy cannot evaluate this integral")
    return value


def evaluated(builder, node: N.Evaluated):
    from derive.verify.decide.build import scalarize

    body = scalarize(builder.build(node.body))
    if node.var is not None:
        var = builder.build(node.var)
    else:
        free = [s for s in getattr(body, "free_symbols", set()) if isinstance(s, sp.Symbol)]
        if len(free) != 1:
            raise _error("an evaluation bar |_a^b without its variable (write |_{x=a})")
        var = free[0]
    hi = scalarize(builder.build(node.hi))
    if node.lo is None:
        return body.subs(var, hi)
    return body.subs(var, hi) - body.subs(var, scalarize(builder.build(node.lo)))


def cases(builder, node: N.Cases):
    from derive.verify.decide.build import scalarize

    pieces = []
    for value, condition in node.pieces:
        v = scalarize(builder.build(value))
        if condition is None:
            pieces.append((v, True))
            continue
        lhs, rhs = scalarize(builder.build(condition.lhs)), scalarize(builder.build(condition.rhs))
        rel = {"<": sp.StrictLessThan, ">": sp.StrictGreaterThan, "<=": sp.LessThan, ">=": sp.GreaterThan,
               "=": sp.Eq, "!=": sp.Ne}[condition.rel]
        pieces.append((v, rel(lhs, rhs)))
    return sp.Piecewise(*pieces)


def norm(builder, node: N.Norm, inner):
    """\\|v\\|_1, \\|v\\|_\\infty of a vector, \\|A\\|_F; None for the norms build.py reads itself."""
    from derive.verify.decide.build import is_matrix

    p = str(node.p).replace("{", "").replace("}", "").strip()
    if p in ("2", "", "None"):
        return None
    if not is_matrix(inner):
        return sp.Abs(inner)
    rows, cols = inner.shape
    if p == "F":
        return sp.sqrt(sp.Trace(inner.T * inner))
    if cols != 1 and rows != 1:
        raise _error(f"the matrix norm \\|.\\|_{p} (induced or entrywise?) is not checked")
    vector = inner if cols == 1 else inner.T
    n = vector.shape[0]
    if p == "1":
        if isinstance(n, sp.Integer):
            return sp.Add(*[sp.Abs(vector[k, 0]) for k in range(int(n))])
        k = sp.Dummy("k", integer=True)
        return sp.Sum(sp.Abs(vector[k, 0]), (k, 0, n - 1))
    if p in ("\\infty", "oo", "max"):
        if isinstance(n, sp.Integer):
            return sp.Max(*[sp.Abs(vector[k, 0]) for k in range(int(n))])
        raise _error("the max norm of a vector of symbolic length (give its size)")
    raise _error(f"the norm \\|.\\|_{p} is not checked")


def limit(builder, node: N.Limit):
    from derive.verify.decide.build import is_matrix, scalarize

    var = builder.build(node.var)
    if not isinstance(var, sp.Symbol):
        raise _error("a limit in something that is not a scalar variable")
    body = builder.build(node.body)
    if is_matrix(body) and body.shape != (1, 1):
        raise _error("a limit of a matrix")
    value = sp.limit(scalarize(body), var, scalarize(builder.build(node.point)))
    if value.has(sp.Limit) or value.has(sp.AccumBounds):
        raise _error("SymPy cannot evaluate this limit")
    return value
