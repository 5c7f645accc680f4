"""Replace every symbol by a concrete admissible value: exact rationals at concrete sizes.

An `Instance` fixes sizes (n = 5, d = 3, ...), random rational matrices that respect the
assumptions (symmetric, positive definite, full column rank), positive scalars where positivity
is assumed, and a random polynomial for every undefined function. Evaluating two expressions in
the same instance and comparing the numbers exactly is the checker's `instantiated` method.
"""

from __future__ import annotations

import random

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.core.algebra import is_matrix
from derive.core.context import Context

SAMPLE_COUNT_NAMES = {"n", "N", "m", "M"}

# Random values are num / 10^8 with |num| <= NUMERATOR_RANGE (so within +-10: exp and log of
# them stay computable to 50 digits): any one value is drawn with probability at most
# 1 / NUMERATOR_RANGE (see derive.core.check for the bound this
# gives). Integer symbols, matrix entries, polynomial coefficients and whatever stands in an
# exponent or a factorial are drawn with |num| <= 9: exact arithmetic on them must stay cheap.
NUMERATOR_RANGE = 10**9
WIDE_DENOMINATOR = 10**8


class CannotInstantiate(Exception):
    """The expression holds something that has no concrete value here."""


def _explicit(e):
    """Evaluate, bottom up, what doit leaves behind once every symbol has a value: matrix
    expressions of concrete shape with no MatrixSymbol left (OneMatrix, slices of explicit
    matrices, products inside a trace) become explicit; traces and determinants of explicit
    matrices become numbers."""
    if isinstance(e, sp.MatrixBase) or not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    args = tuple(_explicit(a) for a in e.args)
    if args != e.args:
        e = e.func(*args)
    if (
        isinstance(e, MatrixExpr)
        and not e.atoms(sp.MatrixSymbol)
        and all(sp.sympify(s, strict=True).is_Integer for s in e.shape)
    ):
        explicit = all(isinstance(a, sp.MatrixBase) or not is_matrix(a) for a in e.args)
        if explicit and isinstance(e, sp.MatMul):  # explicit arithmetic: far faster than _entry
            return sp.ImmutableMatrix(_explicit_product(e.args))
        if explicit and isinstance(e, sp.MatAdd):
            return sp.ImmutableMatrix(sum(e.args[1:], e.args[0]))
        if explicit and isinstance(e, sp.Transpose):
            return e.arg.T
        if explicit and isinstance(e, sp.Inverse):
            if e.arg.free_symbols:  # a kept variable: adj/det, no elimination with simplification
                return sp.ImmutableMatrix(e.arg.adjugate() / e.arg.det())
            return sp.ImmutableMatrix(e.arg.inv())
        return sp.ImmutableMatrix(e.as_explicit())
    if isinstance(e, (sp.Trace, sp.Determinant)) and isinstance(e.arg, sp.MatrixBase):
        return e.doit()
    return e


def _unroll(e):
    """Sum/Product with integer bounds -> the explicit Add/Mul of their terms (no doit on the
    terms: that waits until every symbol has a value, which is much cheaper for matrices)."""

    def rewrite(node):
        if len(node.limits) != 1:
            return node
        index, low, high = node.limits[0]
        if not (low.is_Integer and high.is_Integer):
            return node
        terms = [node.function.xreplace({index: sp.Integer(j)}) for j in range(int(low), int(high) + 1)]
        return (sp.Add if isinstance(node, sp.Sum) else sp.Mul)(*terms)

    return e.replace(lambda x: isinstance(x, (sp.Sum, sp.Product)), rewrite)


def _explicit_product(args):
    out = sp.Integer(1)
    for a in args:
        out = out * a
    return out


def _dims_of(expr) -> set:
    dims = set()
    for m in expr.atoms(sp.MatrixSymbol):
        for s in m.shape:
            dims |= sp.sympify(s, strict=True).free_symbols
    for ident in expr.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix):
        for s in ident.shape:
            dims |= sp.sympify(s, strict=True).free_symbols
    for s in expr.atoms(sp.Sum, sp.Product):
        for limit in s.limits:
            for bound in limit[1:]:
                dims |= sp.sympify(bound, strict=True).free_symbols
    return dims


def _exponent_atoms(e) -> set:
    """Symbols and samples standing in an exponent or a factorial: drawn from the small set,
    since (a + b)^(10^9) or (10^9)! cannot be computed exactly."""
    out = set()
    for node in e.atoms(sp.Pow, sp.factorial, sp.gamma, sp.binomial):
        parts = (node.exp,) if isinstance(node, sp.Pow) else node.args
        for part in parts:
            out |= part.atoms(sp.Symbol, sp.Indexed)
    return out


class Instance:
    """One concrete world: sizes and values for every symbol it is asked about."""

    def __init__(self, ctx: Context, seed: int = 0, plan: int = 0, keep=(), *, forced=None,
                 small_sizes: bool = False, wide: bool = True):
        self.ctx = ctx
        self.wide = wide  # False: every value from the small set (cheap symbolic fits)
        self.rng = random.Random(seed * 7919 + plan)
        self.plan = plan
        self.keep = set(keep)
        self.dims: dict = {}
        self.values: dict = {}
        self.functions: dict = {}
        # boundary worlds: values chosen by the checker for some atoms (x[1], mu), smallest sizes
        self.forced = dict(forced or {})
        self.small_sizes = small_sizes

    # --- choosing values ------------------------------------------------------------------
    def _rational(self, positive=False, nonzero=False, wide=True):
        """A random rational: `wide`, num / 10^8 with |num| <= NUMERATOR_RANGE (values within
        +-10, no one value likelier than 1 / NUMERATOR_RANGE); otherwise num/den with |num| <= 9
        and 1 <= den <= 4 (cheap exact arithmetic)."""
        wide = wide and self.wide
        while True:
            if wide:
                num = self.rng.randint(1 if positive else -NUMERATOR_RANGE, NUMERATOR_RANGE)
                value = sp.Rational(num, WIDE_DENOMINATOR)
            else:
                num = self.rng.randint(1 if positive else -9, 9)
                value = sp.Rational(num, self.rng.randint(1, 4))
            if value != 0 or not (positive or nonzero):
                return value

    def _dim(self, s) -> int:
        if s not in self.dims:
            if s in self.ctx.sizes:
                choices = self.ctx.sizes[s]
                self.dims[s] = int(choices[self.plan % len(choices)])
            elif self.small_sizes:
                self.dims[s] = 3 if s.name in SAMPLE_COUNT_NAMES else 2
            elif s.name in SAMPLE_COUNT_NAMES or self._is_row_dim_of_full_rank(s):
                self.dims[s] = (5, 4, 6)[self.plan % 3]
            else:
                self.dims[s] = (3, 2, 3)[self.plan % 3]
        return self.dims[s]

    def _is_row_dim_of_full_rank(self, s) -> bool:
        for m in self.ctx.full_column_rank:
            if getattr(m, "shape", None) and s in sp.sympify(m.shape[0], strict=True).free_symbols:
                return True
        return False

    def _matrix(self, m: sp.MatrixSymbol, shape):
        key = (m.name, shape)
        if key in self.values:
            return self.values[key]
        rows, cols = shape
        names = {getattr(x, "name", None) for x in self.ctx.positive_definite}
        sym_names = {getattr(x, "name", None) for x in self.ctx.symmetric}
        rank_names = {getattr(x, "name", None) for x in self.ctx.full_column_rank}
        nonzero_names = {getattr(x, "name", None) for x in self.ctx.nonzero}
        for _ in range(50):
            B = sp.Matrix(rows, cols, lambda i, j: self._rational(wide=False))
            if m.name in names:
                B = B * B.T + sp.eye(rows)
            elif m.name in sym_names:
                B = (B + B.T) / 2
            if m.name in rank_names and B.rank() < min(rows, cols):
                continue
            if m.name in nonzero_names and B.is_zero_matrix:
                continue
            break
        value = sp.ImmutableMatrix(B)
        self.values[key] = value
        return value

    def _scalar(self, s, wide=True):
        if s not in self.values:
            bound = self._upper_bound(s)
            if s in self.forced:
                self.values[s] = self.forced[s]
            elif s in self.ctx.sizes:  # a declared size keeps its sizes where it is a scalar too
                self.values[s] = sp.Integer(self._dim(s))
            elif self.ctx.is_integer_symbol(s):
                self.values[s] = sp.Integer(self.rng.randint(1, 4))
            elif bound is not None and self.ctx.is_positive_symbol(s):  # 0 < s < bound
                top = NUMERATOR_RANGE
                self.values[s] = sp.Rational(self.rng.randint(1, top - 1), top) * bound
            else:
                self.values[s] = self._rational(
                    positive=self.ctx.is_positive_symbol(s),
                    nonzero=self.ctx.is_nonzero_symbol(s),
                    wide=wide,
                )
        return self.values[s]

    def _upper_bound(self, s):
        """c when `c - s > 0` is assumed for a positive number c (e.g. p < 1), else None."""
        for subject in self.ctx.positive:
            if isinstance(subject, sp.Expr) and not isinstance(subject, sp.Symbol) and subject.has(s):
                c = sp.expand(subject + s)
                if c.is_number and c.is_positive:
                    return c
        return None

    def _indexed(self, atom, wide=True):
        key = (atom.base.label, atom.indices)
        if key not in self.values and atom in self.forced:
            self.values[key] = self.forced[atom]
        if key not in self.values:
            positive = atom.base in self.ctx.positive or atom.base.label in self.ctx.positive
            if atom.is_integer:  # declared on the IndexedBase, e.g. counts: integer, >= 0
                low = 1 if positive or atom.is_positive else (0 if atom.is_nonnegative else -9)
                self.values[key] = sp.Integer(self.rng.randint(low, 9))
            else:
                self.values[key] = self._rational(positive=positive or bool(atom.is_positive), wide=wide)
        return self.values[key]

    def _function(self, f, nargs: int = 1):
        """A random polynomial standing for the undefined function f: degree 4 in one
        argument; with several arguments, every monomial of total degree <= 3."""
        key = f if nargs == 1 else (f, nargs)
        if key not in self.functions:
            if nargs == 1:
                t = sp.Dummy("t")
                coeffs = [self._rational(wide=False) for _ in range(5)]
                self.functions[key] = sp.Lambda(t, sum(c * t**p for p, c in enumerate(coeffs)))
            else:
                ts = sp.symbols(f"t0:{nargs}", cls=sp.Dummy)
                monomials = sorted(sp.itermonomials(ts, 3), key=sp.default_sort_key)
                body = sum(self._rational(wide=False) * m for m in monomials)
                self.functions[key] = sp.Lambda(ts, body)
        return self.functions[key]

    # --- evaluating -----------------------------------------------------------------------
    def size_map(self, *exprs) -> dict:
        dims = set()
        for e in exprs:
            dims |= _dims_of(e)
        return {s: sp.Integer(self._dim(s)) for s in dims if s not in self.keep}

    def evaluate(self, expr, *, sizes=None):
        """The value of `expr` in this world: an exact number or explicit matrix."""
        if isinstance(expr, sp.Basic) is False:
            return sp.sympify(expr, strict=True)
        sizes = sizes if sizes is not None else self.size_map(expr)
        e = expr.xreplace(sizes) if sizes else expr
        for app in e.atoms(AppliedUndef):
            f = app.func
            if f not in self.keep:
                g = self._function(f, len(app.args))
                if app.is_positive:  # a function declared positive (a density): 1 + poly^2
                    g = sp.Lambda(g.variables, 1 + g.expr**2)
                e = e.replace(f, g)
        e = _unroll(e) if e.has(sp.Sum, sp.Product) else e
        e = e.doit() if e.has(sp.Sum, sp.Product, sp.Derivative, sp.Lambda, sp.Subs) else e
        from derive.core import expectation  # E[.] nodes: exact values in this world

        if expectation.has_expectation(e):
            e = expectation.replace_expectations(self, e)
        mapping = {}
        small = _exponent_atoms(e)
        for m in e.atoms(sp.MatrixSymbol):
            if m in self.keep or m.name in {getattr(k, "name", None) for k in self.keep}:
                continue
            if not all(sp.sympify(s, strict=True).is_Integer for s in m.shape):
                raise CannotInstantiate(f"{m} has a shape with no concrete size: {m.shape}")
            mapping[m] = self._matrix(m, tuple(int(s) for s in m.shape))
        for atom in e.atoms(sp.Indexed):
            if atom.base in self.keep or atom in self.keep:
                continue
            if not all(sp.sympify(i, strict=True).is_Integer for i in atom.indices):
                raise CannotInstantiate(f"{atom} has a symbolic index")
            mapping[atom] = self._indexed(atom, wide=atom not in small)
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s not in self.keep and s not in mapping:
                mapping[s] = self._scalar(s, wide=s not in small)
        e = e.xreplace(mapping)
        if e.has(MatrixExpr):  # explicit matrix arithmetic first: cheaper than doit on them
            e = _explicit(e)
        e = e.doit()
        if e.has(MatrixExpr):
            e = _explicit(e)
        if is_matrix(e):
            e = sp.ImmutableMatrix(e.as_explicit() if hasattr(e, "as_explicit") else e)
            e = e.applyfunc(lambda v: v.doit() if isinstance(v, sp.Basic) else v)
            if e.shape == (1, 1):
                return e[0, 0]
        return e

    def describe(self) -> dict:
        """The concrete values used, for a counterexample a person can read."""
        out = {}
        for s, v in self.dims.items():
            out[str(s)] = int(v)
        for key, v in self.values.items():
            if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], tuple) and key[1] and isinstance(key[1][0], int):
                out[str(key[0])] = v.tolist()
            elif isinstance(key, tuple):
                label, indices = key
                out[f"{label}[{','.join(str(i) for i in indices)}]"] = str(v)
            else:
                out[str(key)] = str(v)
        return out
