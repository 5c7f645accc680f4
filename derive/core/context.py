"""What the assumptions of a derivation tell the checker, gathered once per check."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

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
        return out
