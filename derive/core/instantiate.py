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

from derive.core.algebra import is_matrix
from derive.core.context import Context

SAMPLE_COUNT_NAMES = {"n", "N", "m", "M"}


class CannotInstantiate(Exception):
    """The expression holds something that has no concrete value here."""


def _dims_of(expr) -> set:
    dims = set()
    for m in expr.atoms(sp.MatrixSymbol):
        for s in m.shape:
            dims |= sp.sympify(s).free_symbols
    for ident in expr.atoms(sp.Identity, sp.ZeroMatrix, sp.OneMatrix):
        for s in ident.shape:
            dims |= sp.sympify(s).free_symbols
    for s in expr.atoms(sp.Sum, sp.Product):
        for limit in s.limits:
            for bound in limit[1:]:
                dims |= sp.sympify(bound).free_symbols
    return dims


class Instance:
    """One concrete world: sizes and values for every symbol it is asked about."""

    def __init__(self, ctx: Context, seed: int = 0, plan: int = 0, keep=()):
        self.ctx = ctx
        self.rng = random.Random(seed * 7919 + plan)
        self.plan = plan
        self.keep = set(keep)
        self.dims: dict = {}
        self.values: dict = {}
        self.functions: dict = {}

    # --- choosing values ------------------------------------------------------------------
    def _rational(self, positive=False, nonzero=False):
        while True:
            num = self.rng.randint(1 if positive else -9, 9)
            den = self.rng.randint(1, 4)
            value = sp.Rational(num, den)
            if value != 0 or not (positive or nonzero):
                return value

    def _dim(self, s) -> int:
        if s not in self.dims:
            if s in self.ctx.sizes:
                choices = self.ctx.sizes[s]
                self.dims[s] = int(choices[self.plan % len(choices)])
            elif s.name in SAMPLE_COUNT_NAMES or self._is_row_dim_of_full_rank(s):
                self.dims[s] = (5, 4, 6)[self.plan % 3]
            else:
                self.dims[s] = (3, 2, 3)[self.plan % 3]
        return self.dims[s]

    def _is_row_dim_of_full_rank(self, s) -> bool:
        for m in self.ctx.full_column_rank:
            if getattr(m, "shape", None) and s in sp.sympify(m.shape[0]).free_symbols:
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
            B = sp.Matrix(rows, cols, lambda i, j: self._rational())
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

    def _scalar(self, s):
        if s not in self.values:
            if self.ctx.is_integer_symbol(s):
                self.values[s] = sp.Integer(self.rng.randint(1, 4))
            else:
                self.values[s] = self._rational(
                    positive=self.ctx.is_positive_symbol(s),
                    nonzero=self.ctx.is_nonzero_symbol(s),
                )
        return self.values[s]

    def _indexed(self, atom):
        key = (atom.base.label, atom.indices)
        if key not in self.values:
            positive = atom.base in self.ctx.positive or atom.base.label in self.ctx.positive
            self.values[key] = self._rational(positive=positive)
        return self.values[key]

    def _function(self, f, nargs: int = 1):
        """A random polynomial standing for the undefined function f: degree 4 in one
        argument; with several arguments, every monomial of total degree <= 3."""
        key = f if nargs == 1 else (f, nargs)
        if key not in self.functions:
            if nargs == 1:
                t = sp.Dummy("t")
                coeffs = [self._rational() for _ in range(5)]
                self.functions[key] = sp.Lambda(t, sum(c * t**p for p, c in enumerate(coeffs)))
            else:
                ts = sp.symbols(f"t0:{nargs}", cls=sp.Dummy)
                monomials = sorted(sp.itermonomials(ts, 3), key=sp.default_sort_key)
                body = sum(self._rational() * m for m in monomials)
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
            return sp.sympify(expr)
        sizes = sizes if sizes is not None else self.size_map(expr)
        e = expr.xreplace(sizes) if sizes else expr
        for app in e.atoms(AppliedUndef):
            f = app.func
            if f not in self.keep:
                e = e.replace(f, self._function(f, len(app.args)))
        e = e.doit() if e.has(sp.Sum, sp.Product, sp.Derivative, sp.Lambda, sp.Subs) else e
        mapping = {}
        for m in e.atoms(sp.MatrixSymbol):
            if m in self.keep or m.name in {getattr(k, "name", None) for k in self.keep}:
                continue
            if not all(sp.sympify(s).is_Integer for s in m.shape):
                raise CannotInstantiate(f"{m} has a shape with no concrete size: {m.shape}")
            mapping[m] = self._matrix(m, tuple(int(s) for s in m.shape))
        for atom in e.atoms(sp.Indexed):
            if atom.base in self.keep or atom in self.keep:
                continue
            if not all(sp.sympify(i).is_Integer for i in atom.indices):
                raise CannotInstantiate(f"{atom} has a symbolic index")
            mapping[atom] = self._indexed(atom)
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s not in self.keep and s not in mapping:
                mapping[s] = self._scalar(s)
        e = e.xreplace(mapping)
        e = e.doit()
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
