"""What the assumptions of a derivation tell the checker, gathered once per check."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.core.derivation import Assumption


@dataclass
class Context:
    """The assumptions, sorted by what they let the checker do."""

    positive: set = field(default_factory=set)
    nonzero: set = field(default_factory=set)
    integer: set = field(default_factory=set)
    symmetric: set = field(default_factory=set)
    positive_definite: set = field(default_factory=set)
    full_column_rank: set = field(default_factory=set)
    sizes: dict = field(default_factory=dict)
    names: tuple[str, ...] = ()

    @classmethod
    def from_assumptions(cls, assumptions=(), sizes=None) -> Context:
        ctx = cls(sizes=dict(sizes or {}))
        for a in assumptions:
            if not isinstance(a, Assumption):
                raise TypeError(f"expected an Assumption, got {type(a).__name__}: {a!r}")
            if a.kind == "positive_integer":
                ctx.integer.add(a.subject)
                ctx.positive.add(a.subject)
            elif a.kind == "positive_definite":
                ctx.positive_definite.add(a.subject)
                ctx.symmetric.add(a.subject)
            else:
                getattr(ctx, a.kind).add(a.subject)
        ctx.names = tuple(a.text for a in assumptions)
        return ctx

    def is_positive_symbol(self, s) -> bool:
        return s in self.positive or bool(getattr(s, "is_positive", False))

    def is_integer_symbol(self, s) -> bool:
        return s in self.integer or bool(getattr(s, "is_integer", False))

    def is_nonzero_symbol(self, s) -> bool:
        return s in self.nonzero or self.is_positive_symbol(s)

    def positive_dummies(self) -> dict:
        """Replacements that let SymPy's assumption system see `positive` facts."""
        out = {}
        for s in self.positive:
            if isinstance(s, sp.Symbol) and not s.is_positive:
                out[s] = sp.Dummy(s.name, positive=True)
            elif _scalar_expression(s):
                # an assumed-positive expression such as sum_i x_i or 1 - p: replacing the
                # whole subtree by a positive dummy is sound (it generalises, never specialises)
                out[s] = sp.Dummy("positive", positive=True)
        return out


def _scalar_expression(s) -> bool:
    """A compound scalar expression (not a symbol, number, indexed object or matrix) with no
    free summation index: 1 - x[i] inside a sum over i is not one value, Sum(x[i], (i, 1, n)) is."""
    if not (
        isinstance(s, sp.Expr)
        and not isinstance(s, (sp.Symbol, sp.Indexed, sp.IndexedBase, MatrixExpr))
        and not s.is_number
        and s.free_symbols
    ):
        return False
    free = s.free_symbols
    return not any(
        sp.sympify(index, strict=True).free_symbols & free for atom in s.atoms(sp.Indexed) for index in atom.indices
    )
