"""A derivation is a frozen value: a statement, named assumptions and a chain of checked steps.

Nothing here simplifies or checks anything: constructing these objects is free of SymPy work.
The checker (`derive.core.check`) decides each step; the renderers (`derive.render`) print them,
and this module never imports them: `d.latex()` and the notebook displays are attached by
`derive/__init__.py` (`derive.render.hooks.attach`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pragma: no cover
    import sympy

    from derive.core.check import Report


class Relation(enum.Enum):
    """How a step's expression relates to the expression of the step before it."""

    DEFINITION = "definition"  # a premise or a new quantity: stated, not checked
    EQUAL = "equal"  # the same value for every admissible input
    SAME_MINIMISER = "same-minimiser"  # after = alpha * before + beta, alpha > 0, beta free of wrt
    MAX_TO_MIN = "max-to-min"  # argmax before = argmin after: after = -alpha * before + beta
    IFF = "iff"  # two equations with the same solution set in wrt
    IMPLIES = "implies"  # after follows from before (and the assumptions)
    APPROX = "approx"  # equal up to terms of order small**(order + 1)
    GRADIENT = "gradient"  # after is the gradient of before with respect to wrt (denominator layout)
    STATIONARY = "stationary"  # after is Eq(G, 0): G is the gradient wrt wrt of an objective before it


def _tex(subject) -> str:
    """SymPy's own LaTeX for a default assumption text (``$\\sigma > 0$``); no renderer involved."""
    import sympy

    return sympy.latex(subject)


@dataclass(frozen=True)
class Assumption:
    """A named hypothesis such as `sigma > 0` or `X has full column rank`.

    `kind` is what the checker understands (positive, nonzero, positive_integer, symmetric,
    positive_definite, full_column_rank); `subject` is the SymPy object it is about; `text`
    is how a person reads it: plain English with inline mathematics in ``$...$`` (LaTeX).
    """

    kind: str
    subject: Any
    text: str

    KINDS = (
        "positive",
        "nonzero",
        "positive_integer",
        "symmetric",
        "positive_definite",
        "full_column_rank",
    )

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(
                f"unknown assumption kind {self.kind!r}; expected one of {', '.join(self.KINDS)}"
            )

    @classmethod
    def positive(cls, subject, text: str | None = None) -> Assumption:
        return cls("positive", subject, text or f"${_tex(subject)} > 0$")

    @classmethod
    def nonzero(cls, subject, text: str | None = None) -> Assumption:
        return cls("nonzero", subject, text or rf"${_tex(subject)} \neq 0$")

    @classmethod
    def positive_integer(cls, subject, text: str | None = None) -> Assumption:
        return cls("positive_integer", subject, text or f"${_tex(subject)}$ is a positive integer")

    @classmethod
    def symmetric(cls, subject, text: str | None = None) -> Assumption:
        return cls("symmetric", subject, text or f"${_tex(subject)}$ is symmetric")

    @classmethod
    def positive_definite(cls, subject, text: str | None = None) -> Assumption:
        return cls(
            "positive_definite", subject, text or f"${_tex(subject)}$ is symmetric positive definite"
        )

    @classmethod
    def full_column_rank(cls, subject, text: str | None = None) -> Assumption:
        return cls("full_column_rank", subject, text or f"${_tex(subject)}$ has full column rank")


@dataclass(frozen=True)
class Step:
    """One line of a calc chain: a relation to the line before, an expression and its reason.

    `lhs` names what a chain is about (shown where a chain starts, e.g. ``L(w)`` or
    ``\\nabla_w L``); `wrt` holds the decision variables of optimisation relations and the
    variable of a gradient; `alpha`/`beta` witness a same-minimiser step; `factor` witnesses
    an iff/implies step (before = factor * after, residuals of the equations) and, for an
    inequality, the positive factor between its subject and the step before; `order` and
    `small` state an approximation; `uses` names the assumptions the step relies on; `cites`
    holds the indices of earlier steps it rests on (a first-order condition cites the
    convexity step that makes it sufficient); a negative index counts back (-1: the step before).
    """

    expr: Any
    relation: Relation
    reason: str
    source: str = ""
    lhs: Any = None
    wrt: tuple = ()
    alpha: Any = None
    beta: Any = None
    factor: Any = None
    order: int | None = None
    small: Any = None
    uses: tuple[str, ...] = ()
    cites: tuple[int, ...] = ()


def _mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Derivation:
    """A named result derived from its definition: statement, assumptions, steps, result, claim.

    `result` is what SymPy computed (taken from the steps, never typed in; `check()` verifies
    that it is a checked step's expression or a side of a checked equation, with
    `result_substitution` applied when given: e.g. the scale at mu = a median); `claim` is the
    textbook form typed from the literature, compared with `result` in the tests. `extras`
    holds further computed results a program may import (e.g. the regularisation weight).
    """

    id: str
    title: str
    statement: str
    topic: str
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...]
    result: Any
    claim: Any
    variables: tuple = ()
    extras: Mapping[str, Any] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    sizes: Mapping[Any, tuple[int, ...]] = field(default_factory=dict)
    result_substitution: Mapping[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", _mapping(self.extras))
        object.__setattr__(self, "result_substitution", _mapping(self.result_substitution))
        object.__setattr__(self, "sizes", _mapping(self.sizes))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError(f"derivation {self.id!r} has no steps")
        if self.steps[0].relation is not Relation.DEFINITION:
            raise ValueError(
                f"derivation {self.id!r} must start from a definition step, "
                f"got {self.steps[0].relation.value!r}"
            )

    def check(self, *, seed: int = 0, timeout: float | None = None) -> Report:
        """Check every step against the one before it, each under `timeout` seconds (default
        `derive.core.check.DEFAULT_TIMEOUT`; 0 for no limit); see `derive.core.check`."""
        from derive.core.check import DEFAULT_TIMEOUT, check_derivation

        return check_derivation(self, seed=seed,
                                timeout=DEFAULT_TIMEOUT if timeout is None else timeout)

    def solver(self, **options):
        """A numpy callable computing the result; see `derive.codegen`."""
        from derive.codegen import solver_for

        return solver_for(self, **options)

    def __repr__(self) -> str:
        return f"<Derivation {self.id}: {self.title} ({len(self.steps)} steps)>"


def definition(expr: sympy.Basic, reason: str, *, lhs=None, source: str = "", **kw) -> Step:
    """A premise: a definition or a given quantity. Stated, not checked."""
    return Step(expr, Relation.DEFINITION, reason, source=source, lhs=lhs, **kw)


def equal(expr, reason: str, *, source: str = "", **kw) -> Step:
    return Step(expr, Relation.EQUAL, reason, source=source, **kw)


def same_minimiser(expr, reason: str, *, wrt, alpha, beta, source: str = "", **kw) -> Step:
    return Step(
        expr, Relation.SAME_MINIMISER, reason, source=source, wrt=tuple(wrt), alpha=alpha,
        beta=beta, **kw,
    )


def max_to_min(expr, reason: str, *, wrt, alpha=1, beta=0, source: str = "", **kw) -> Step:
    return Step(
        expr, Relation.MAX_TO_MIN, reason, source=source, wrt=tuple(wrt), alpha=alpha,
        beta=beta, **kw,
    )


def iff(expr, reason: str, *, wrt, factor=None, source: str = "", **kw) -> Step:
    return Step(expr, Relation.IFF, reason, source=source, wrt=tuple(wrt), factor=factor, **kw)


def implies(expr, reason: str, *, wrt=(), factor=None, source: str = "", **kw) -> Step:
    return Step(
        expr, Relation.IMPLIES, reason, source=source, wrt=tuple(wrt), factor=factor, **kw
    )


def approx(expr, reason: str, *, small, order: int, source: str = "", **kw) -> Step:
    return Step(expr, Relation.APPROX, reason, source=source, small=small, order=order, **kw)


def gradient(expr, reason: str, *, wrt, source: str = "", **kw) -> Step:
    return Step(expr, Relation.GRADIENT, reason, source=source, wrt=(wrt,), **kw)


def stationary(expr, reason: str, *, wrt, source: str = "", cites=(), **kw) -> Step:
    """A first-order condition Eq(G, 0), checked: G is the gradient of the chain's objective.
    `cites` names the earlier convexity (concavity) step that makes it sufficient."""
    return Step(expr, Relation.STATIONARY, reason, source=source, wrt=(wrt,),
                cites=tuple(cites), **kw)
