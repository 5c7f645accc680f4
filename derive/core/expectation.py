"""The expectation operator: unevaluated E[.] and Var[.] nodes, their rewrite rules, and their
exact value in a concrete world.

`E(body, x, law)` is the expectation of `body` over the random variable `x` drawn from `law`
(a Symbol: one draw; an IndexedBase: iid draws x[1], x[2], ... each from `law`; a k x 1
MatrixSymbol: one random vector). The node carries its law, so it is self-contained: nothing
else in a derivation needs to know which symbols are random.

The rules are named functions, each returning an expression equal to its input:
`linearity` (E[a f + b g] = a E[f] + b E[g], E[sum_i f_i] = sum_i E[f_i], E[c] = c),
`pair_split` (E[sum_i f(x_i) sum_j g(x_j)] = n E[f(x_1) g(x_1)] + n(n-1) E[f(x_1) g(x_2)]),
`independence` (E[f(x_1) g(x_2)] = E[f(x_1)] E[g(x_2)]), `moments` (E[x^k] of the named laws,
from their moment generating functions), `gaussian_quadratic_form`
(E[(x - b)^T A (x - b)] = tr(A S) + (m - b)^T A (m - b)), `variance_definition`
(Var[f] = E[(f - E f)^2]) and its reverse `variance_fold`.

The checker never trusts them: `replace_expectations(world, expr)` (called by
`Instance.evaluate`) replaces every node by its exact value in a concrete world, with the law's
parameters drawn at random, the samples drawn independently, and the moments taken from textbook
formulas (or the finite support), not from the rules. A wrong rule, or a wrong step, then
shows up as two different exact numbers: a counterexample.
"""

from __future__ import annotations

import itertools
import math

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.core.instantiate import CannotInstantiate

_t = sp.Dummy("t")


# --- laws -------------------------------------------------------------------------------------


class Law(sp.Basic):
    """A named distribution; its arguments are its parameters (SymPy expressions)."""

    latex_name = ""
    univariate = True

    def mgf(self, t):  # pragma: no cover - every univariate family defines it
        raise NotImplementedError

    def moment(self, k: int):
        """E[x^k], symbolic in the parameters: the k-th derivative of the MGF at 0."""
        if k == 0:
            return sp.Integer(1)
        return sp.factor(sp.simplify(sp.diff(self.mgf(_t), _t, k).subs(_t, 0)))

    @property
    def mean(self):
        return self.moment(1)

    @property
    def variance(self):
        return sp.factor(sp.expand(self.moment(2) - self.moment(1) ** 2))

    # concrete worlds ---------------------------------------------------------------------
    def validate(self) -> None:
        """Raise CannotInstantiate unless the (concrete) parameters are admissible."""

    def exact_moment(self, k: int):
        """E[x^k] at concrete parameters, from a textbook formula (not from the MGF)."""
        raise CannotInstantiate(f"no exact moments for {self}")

    def support(self):
        """[(value, probability)] for a finite support, else None."""
        return None

    def _latex(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return rf"{self.latex_name}\left({args}\right)"

    def _sympystr(self, printer):
        return f"{type(self).__name__}({', '.join(printer._print(a) for a in self.args)})"


def _positive(value, what: str, law) -> None:
    if not (value.is_number and value.is_positive):
        raise CannotInstantiate(f"{law}: the {what} {value} is not a positive number (assume it positive)")


class Normal(Law):
    """N(mean, variance)."""

    latex_name = r"\mathcal{N}"

    def mgf(self, t):
        m, v = self.args
        return sp.exp(m * t + v * t**2 / 2)

    def validate(self):
        _positive(self.args[1], "variance", self)

    def exact_moment(self, k):
        # E[(m + z)^k] with E[z^j] = (j - 1)!! v^(j/2) for even j, 0 for odd j
        m, v = self.args
        return sum(
            sp.binomial(k, j) * m ** (k - j) * sp.factorial2(j - 1) * v ** (j // 2)
            for j in range(0, k + 1, 2)
        )


class Bernoulli(Law):
    """Bernoulli(p): 1 with probability p, else 0."""

    latex_name = r"\operatorname{Bern}"

    def mgf(self, t):
        (p,) = self.args
        return 1 - p + p * sp.exp(t)

    def validate(self):
        (p,) = self.args
        if not (p.is_number and 0 < p < 1):
            raise CannotInstantiate(f"{self}: p = {p} is not in (0, 1) (assume p > 0 and 1 - p > 0)")

    def exact_moment(self, k):
        return sp.Integer(1) if k == 0 else self.args[0]

    def support(self):
        (p,) = self.args
        return [(sp.Integer(0), 1 - p), (sp.Integer(1), p)]


class Poisson(Law):
    """Poisson(rate)."""

    latex_name = r"\operatorname{Poisson}"

    def mgf(self, t):
        (r,) = self.args
        return sp.exp(r * (sp.exp(t) - 1))

    def validate(self):
        _positive(self.args[0], "rate", self)

    def exact_moment(self, k):
        # Touchard: E[x^k] = sum_j S(k, j) rate^j, S the Stirling numbers of the second kind
        from sympy.functions.combinatorial.numbers import stirling

        (r,) = self.args
        return sum(stirling(k, j) * r**j for j in range(k + 1))


class Exponential(Law):
    """Exponential(rate), density rate exp(-rate x) on x > 0."""

    latex_name = r"\operatorname{Exp}"

    def mgf(self, t):
        (r,) = self.args
        return r / (r - t)

    def validate(self):
        _positive(self.args[0], "rate", self)

    def exact_moment(self, k):
        (r,) = self.args
        return sp.factorial(k) / r**k


class Laplace(Law):
    """Laplace(location, scale), density exp(-|x - location| / scale) / (2 scale)."""

    latex_name = r"\operatorname{Laplace}"

    def mgf(self, t):
        m, b = self.args
        return sp.exp(m * t) / (1 - b**2 * t**2)

    def validate(self):
        _positive(self.args[1], "scale", self)

    def exact_moment(self, k):
        # E[(m + z)^k] with E[z^j] = j! b^j for even j, 0 for odd j
        m, b = self.args
        return sum(sp.binomial(k, j) * m ** (k - j) * sp.factorial(j) * b**j for j in range(0, k + 1, 2))


class Beta(Law):
    """Beta(a, b), density p^(a-1) (1-p)^(b-1) / B(a, b) on (0, 1)."""

    latex_name = r"\operatorname{Beta}"

    def moment(self, k):
        # E[p^k] = prod_{r<k} (a + r) / (a + b + r); the Beta MGF is not elementary
        a, b = self.args
        return sp.factor(sp.Mul(*[(a + r) / (a + b + r) for r in range(k)]))

    def validate(self):
        _positive(self.args[0], "shape a", self)
        _positive(self.args[1], "shape b", self)

    def exact_moment(self, k):
        # the Beta integral: E[p^k] = B(a + k, b) / B(a, b)
        a, b = self.args
        return sp.gammasimp(sp.gamma(a + k) * sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(a + b + k)))


class AnyLaw(Law):
    """Any distribution with this mean and variance (nothing else about it is known).

    The rules know only E[x] and E[x^2]; a concrete world instantiates it as a Normal (plan 0)
    or as the two-point law mean +- sqrt(variance) with probability 1/2 each (plan 1), so a
    step that relies on more than the two moments fails in one of them.
    """

    latex_name = r"P"

    def _latex(self, printer):
        return "P"  # the parameters are named in the derivation's text

    def moment(self, k):
        m, v = self.args
        known = {0: sp.Integer(1), 1: m, 2: v + m**2}
        if k not in known:
            raise NotImplementedError(f"only the mean and variance of {self} are known, not E[x^{k}]")
        return known[k]

    def validate(self):
        _positive(self.args[1], "variance", self)

    def concrete(self, plan: int) -> Law:
        m, v = self.args
        return Normal(m, v) if plan % 2 == 0 else _TwoPoint(m - sp.sqrt(v), m + sp.sqrt(v))


class _TwoPoint(Law):
    """The values a and b with probability 1/2 each (an instance of AnyLaw, never symbolic)."""

    def support(self):
        a, b = self.args
        return [(a, sp.Rational(1, 2)), (b, sp.Rational(1, 2))]


class MvNormal(Law):
    """N(mean, covariance) on R^k: mean a k x 1 matrix, covariance k x k positive definite."""

    latex_name = r"\mathcal{N}"
    univariate = False

    def validate(self):
        m, S = self.args
        if not (isinstance(S, sp.MatrixBase) and S.is_symmetric() and S.is_positive_definite):
            raise CannotInstantiate(f"the covariance {S} is not symmetric positive definite")


LAWS = (Normal, Bernoulli, Poisson, Exponential, Laplace, Beta, AnyLaw, MvNormal)


# --- the nodes --------------------------------------------------------------------------------


def _rv_atoms(expr, rv) -> set:
    """The random atoms of rv in expr: rv itself, or its entries x[i] for an IndexedBase."""
    if isinstance(rv, sp.IndexedBase):
        return {a for a in expr.atoms(sp.Indexed) if a.base == rv}
    return {rv} if expr.has(rv) else set()


class Expectation(sp.Expr):
    """E[body] with rv ~ law (iid entries rv[i] when rv is an IndexedBase). Never evaluates."""

    is_commutative = True

    def __new__(cls, body, rv, law):
        if not isinstance(law, Law):
            raise TypeError(f"expected a Law (Normal, Bernoulli, ...), got {type(law).__name__}: {law!r}")
        if not isinstance(rv, (sp.Symbol, sp.IndexedBase, sp.MatrixSymbol)):
            raise TypeError(f"the random variable must be a Symbol, IndexedBase or MatrixSymbol, got {rv!r}")
        return sp.Expr.__new__(cls, sp.sympify(body, strict=True), rv, law)

    @property
    def body(self):
        return self.args[0]

    @property
    def rv(self):
        return self.args[1]

    @property
    def law(self):
        return self.args[2]

    @property
    def free_symbols(self):
        inner = self.body.free_symbols - _rv_atoms(self.body, self.rv) - {self.rv}
        if isinstance(self.rv, sp.IndexedBase):
            inner -= {self.rv.label}
        return inner | self.law.free_symbols

    _symbol = r"\mathbb{E}"

    def _subscript(self, printer):
        return printer._print(self.law)  # the law alone: short lines; the reasons name the variable

    def _latex(self, printer):
        return rf"{self._symbol}_{{{self._subscript(printer)}}}\left[{printer._print(self.body)}\right]"

    def _sympystr(self, printer):
        name = "E" if type(self) is Expectation else "Var"
        return f"{name}[{printer._print(self.body)}; {printer._print(self.rv)} ~ {printer._print(self.law)}]"


class Variance(Expectation):
    """Var[body] = E[(body - E[body])^2] with rv ~ law."""

    _symbol = r"\operatorname{Var}"


def E(body, rv, law) -> Expectation:
    return Expectation(body, rv, law)


def Var(body, rv, law) -> Variance:
    return Variance(body, rv, law)


NODES = (Expectation, Variance, *LAWS)


def has_expectation(expr) -> bool:
    return isinstance(expr, (sp.Basic, sp.MatrixBase)) and expr.has(Expectation)


def opaque(expr):
    """expr with every outermost E/Var node replaced by its own Dummy (equal nodes by the same
    one): a sound view for symbolic simplification, which need not look inside the nodes."""
    if not has_expectation(expr):
        return expr
    nodes = {}

    def name(node):
        if node not in nodes:
            nodes[node] = sp.Dummy("E")
        return nodes[node]

    return expr.replace(lambda e: isinstance(e, Expectation), name)


def _mentions(expr, rv) -> bool:
    """True when expr depends on rv outside nested expectations (those are constants)."""
    if isinstance(expr, Expectation):
        return False
    if expr == rv or (isinstance(rv, sp.IndexedBase) and isinstance(expr, sp.Indexed) and expr.base == rv):
        return True
    return any(_mentions(a, rv) for a in expr.args if isinstance(a, sp.Basic))


def _rewrite(expr, rule, kinds=(Expectation,), repeat=True):
    """Apply rule to every node of exactly these kinds, bottom up, until nothing changes (or
    once, in one pass, without repeat)."""
    if not repeat:
        return expr.replace(lambda e: type(e) in kinds, rule)
    previous = None
    while previous != expr:
        previous = expr
        expr = expr.replace(lambda e: type(e) in kinds, rule)
    return expr


# --- rules ------------------------------------------------------------------------------------


def linearity(expr, expand: bool = False, repeat: bool = True):
    """E[a f + b g] = a E[f] + b E[g] (a, b free of the random variable), E[sum_i f_i] =
    sum_i E[f_i] (limits free of it) and E[c] = c. With expand, the body is expanded first;
    without repeat, one pass (the expectations it creates are left as they are)."""

    def rule(node):
        body, rv, law = node.args
        if expand:
            body = sp.expand(body)
        if not _mentions(body, rv):
            return body
        if isinstance(body, sp.Add):
            return sp.Add(*[Expectation(term, rv, law) for term in body.args])
        if isinstance(body, sp.Mul):
            const = [f for f in body.args if not _mentions(f, rv)]
            if const:
                rest = sp.Mul(*[f for f in body.args if _mentions(f, rv)])
                return sp.Mul(*const) * Expectation(rest, rv, law)
        if isinstance(body, sp.Sum) and not any(_mentions(lim, rv) for lim in body.limits):
            return sp.Sum(Expectation(body.function, rv, law), *body.limits)
        if isinstance(body, sp.Trace) and isinstance(body.arg, sp.MatAdd):
            return sp.Add(*[Expectation(sp.Trace(term), rv, law) for term in body.arg.args])
        if isinstance(body, sp.Trace):
            scale, core = body.arg.as_coeff_mmul()
            if scale != 1:
                return scale * Expectation(sp.Trace(core), rv, law)
        return node

    return _rewrite(expr, rule, repeat=repeat)


def _as_sum_over_sample(factor, rv):
    """(summand, index, upper) for Sum(f(x_i), (i, 1, n)) with f depending on x_i only."""
    if not (isinstance(factor, sp.Sum) and len(factor.limits) == 1):
        return None
    index, low, high = factor.limits[0]
    atoms = _rv_atoms(factor.function, rv)
    if low != 1 or not atoms or any(a.indices != (index,) for a in atoms):
        return None
    return factor.function, index, high


def pair_split(expr):
    """E[sum_i f(x_i) sum_j g(x_j)] = n E[f(x_1) g(x_1)] + n(n-1) E[f(x_1) g(x_2)] for iid x:
    the n diagonal terms (i = j) and the n(n-1) off-diagonal ones (i != j) each have the same
    expectation, the samples being identically distributed."""

    def rule(node):
        body, rv, law = node.args
        if not isinstance(rv, sp.IndexedBase):
            return node
        if isinstance(body, sp.Pow) and body.exp == 2:
            factors = [body.base, body.base]
        elif isinstance(body, sp.Mul) and len(body.args) == 2:
            factors = list(body.args)
        else:
            return node
        parts = [_as_sum_over_sample(f, rv) for f in factors]
        if None in parts or parts[0][2] != parts[1][2]:
            return node
        (f, i, n), (g, j, _) = parts
        diagonal = f.xreplace({i: 1}) * g.xreplace({j: 1})
        off = f.xreplace({i: 1}) * g.xreplace({j: 2})
        return n * Expectation(diagonal, rv, law) + n * (n - 1) * Expectation(off, rv, law)

    return _rewrite(expr, rule)


def independence(expr):
    """E[f(x_a) g(x_b)] = E[f(x_a)] E[g(x_b)] for distinct (concrete) samples a != b of an iid
    sample: the factors are grouped by the sample they depend on."""

    def rule(node):
        body, rv, law = node.args
        if not (isinstance(rv, sp.IndexedBase) and isinstance(body, sp.Mul)):
            return node
        groups: dict = {}
        for f in body.args:
            indices = {a.indices for a in _rv_atoms(f, rv)}
            if len(indices) != 1 or not all(sp.sympify(i, strict=True).is_Integer for i in next(iter(indices))):
                return node
            groups.setdefault(next(iter(indices)), []).append(f)
        if len(groups) < 2:
            return node
        return sp.Mul(*[Expectation(sp.Mul(*fs), rv, law) for fs in groups.values()])

    return _rewrite(expr, rule)


def moments(expr):
    """E[sum_k c_k x^k] = sum_k c_k E[x^k] with E[x^k] the law's k-th moment, for a body
    polynomial in one draw x (or one sample x_i: every sample has the same law)."""

    def rule(node):
        body, rv, law = node.args
        if not law.univariate:
            return node
        atoms = _rv_atoms(body, rv)
        if len(atoms) != 1 or body.has(Expectation):
            return node
        (atom,) = atoms
        poly = sp.expand(body).as_poly(atom)
        if poly is None:
            return node
        try:
            return sp.Add(*[c * law.moment(k) for (k,), c in poly.terms()])
        except NotImplementedError:
            return node

    return _rewrite(expr, rule)


def gaussian_quadratic_form(expr):
    """E[tr((x - b)^T A (x - b))] = tr(A S) + tr((m - b)^T A (m - b)) for x ~ N(m, S), from
    E[x] = m and E[x x^T] = S + m m^T."""

    def rule(node):
        body, rv, law = node.args
        if not (isinstance(law, MvNormal) and isinstance(body, sp.Trace)):
            return node
        m, S = law.args
        arg = body.arg
        if not isinstance(arg, sp.MatMul):
            return node
        scale, core = arg.as_coeff_mmul()
        mats = list(core.args)
        if len(mats) < 3 or mats[0] != mats[-1].T:
            return node
        centred, A = mats[-1], sp.MatMul(*mats[1:-1]) if len(mats) > 3 else mats[1]
        shift = (centred - rv).doit()
        if _mentions(shift, rv) or _mentions(A, rv) or not _mentions(centred, rv):
            return node
        moved = (m + shift).doit()
        return scale * (sp.Trace(A * S) + sp.Trace(moved.T * A * moved))

    return _rewrite(expr, rule)


def variance_definition(expr):
    """Var[f] = E[(f - E[f])^2]."""

    def rule(node):
        body, rv, law = node.args
        return Expectation((body - Expectation(body, rv, law)) ** 2, rv, law)

    return _rewrite(expr, rule, kinds=(Variance,))


def variance_fold(expr):
    """E[(f - E[f])^2] = Var[f] (the definition read backwards)."""

    def rule(node):
        body, rv, law = node.args
        if isinstance(body, sp.Pow) and body.exp == 2:
            inner = body.base
            for term in sp.Add.make_args(inner):
                f = inner - term
                if -term == Expectation(f, rv, law):
                    return Variance(f, rv, law)
        return node

    return _rewrite(expr, rule)


def expectation_value(expr):
    """Every rule to a fixed point: the value of each expectation in closed form, when the rules
    reach one (nodes they cannot reduce stay)."""
    previous = None
    while previous != expr:
        previous = expr
        expr = variance_definition(expr)
        expr = linearity(expr, expand=True)
        expr = pair_split(expr)
        expr = independence(expr)
        expr = gaussian_quadratic_form(expr)
        expr = moments(expr)
        expr = expr.doit() if expr.has(sp.Sum) else expr
    return expr


# --- exact values in a concrete world ------------------------------------------------------


def _concrete_law(world, law) -> Law:
    values = [world.evaluate(p) for p in law.args]
    concrete = type(law)(*[sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v for v in values])
    concrete.validate()
    if isinstance(concrete, AnyLaw):
        concrete = concrete.concrete(world.plan)
    return concrete


def _polynomial_expectation(value, draws: dict):
    """E of a polynomial in independent draws {atom: law}, moments by exact formulas."""
    poly = sp.expand(value).as_poly(*draws)
    if poly is None:
        poly = sp.expand(sp.expand_log(value, force=True)).as_poly(*draws)
    if poly is None:
        raise CannotInstantiate(f"the body {value} is not a polynomial in the draws {list(draws)}")
    atoms = list(draws)
    total = sp.Integer(0)
    for powers, c in poly.terms():
        term = c
        for atom, k in zip(atoms, powers):
            if k:
                term *= draws[atom].exact_moment(k)
        total += term
    return total


def _finite_expectation(value, draws: dict):
    atoms = list(draws)
    total = sp.Integer(0)
    for combo in itertools.product(*[draws[a].support() for a in atoms]):
        weight = math.prod((prob for _, prob in combo), start=sp.Integer(1))
        total += weight * value.xreplace({a: v for a, (v, _) in zip(atoms, combo)})
    return sp.expand(total)


def _vector_expectation(value, entries, law: MvNormal):
    """E of a polynomial of degree <= 2 in x ~ N(m, S): x = m + L z with S = L D L^T (exact, no
    square roots) and z_a ~ N(0, D_aa) independent."""
    m, S = law.args
    L, Dm = S.LDLdecomposition()
    z = [sp.Dummy(f"z{a}") for a in range(len(entries))]
    x = sp.ImmutableMatrix(m) + L * sp.Matrix(z)
    value = sp.expand(value.xreplace(dict(zip(entries, x))))
    poly = value.as_poly(*z)
    if poly is None or poly.total_degree() > 2:
        raise CannotInstantiate(f"only polynomials of degree <= 2 in a Gaussian vector are evaluated, got {value}")
    return _polynomial_expectation(value, {za: Normal(0, Dm[a, a]) for a, za in enumerate(z)})


def _exact(world, node):
    body, rv, law = node.args
    concrete = _concrete_law(world, law)
    world.values[f"{rv} ~"] = str(concrete)
    if isinstance(rv, sp.MatrixSymbol):
        shape = tuple(int(s) for s in rv.shape.__iter__()) if all(sp.sympify(s, strict=True).is_Integer for s in rv.shape) else None
        if shape is None:
            raise CannotInstantiate(f"{rv} has no concrete size")
        entries = sp.ImmutableMatrix(shape[0], shape[1], lambda r, c: sp.Dummy(f"{rv.name}{r}{c}"))
        world.values[(rv.name, shape)] = entries
        try:
            value = world.evaluate(body)
        finally:
            del world.values[(rv.name, shape)]
        value = sp.sympify(value, strict=True)
        return _vector_expectation(value, list(entries), concrete)
    kept = {rv, rv.label} if isinstance(rv, sp.IndexedBase) else {rv}
    added = kept - world.keep
    world.keep |= added
    try:
        value = sp.sympify(world.evaluate(body), strict=True)
    finally:
        world.keep -= added
    draws = {a: concrete for a in _rv_atoms(value, rv)}
    if any(not all(sp.sympify(i, strict=True).is_Integer for i in a.indices) for a in draws if isinstance(a, sp.Indexed)):
        raise CannotInstantiate(f"a sample of {rv} has a symbolic index in {value}")
    if not draws:
        return value
    if concrete.support() is not None:
        return _finite_expectation(value, draws)
    return sp.expand(_polynomial_expectation(value, draws))


def replace_expectations(world, expr):
    """Every E and Var node of expr replaced by its exact value in this world, innermost first."""
    while expr.has(Expectation):
        node = next(e for e in sp.preorder_traversal(expr)
                    if isinstance(e, Expectation) and not e.body.has(Expectation))
        if type(node) is Variance:
            mean = _exact(world, Expectation(node.body, node.rv, node.law))
            value = sp.expand(_exact(world, Expectation(node.body**2, node.rv, node.law)) - mean**2)
        else:
            value = _exact(world, node)
        expr = expr.xreplace({node: value})
    return expr
