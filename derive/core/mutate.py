"""Mutants of a derivation's steps, and the step at which the checker rejects each one.

A mutant changes one step the way a slip of the pen would: a constant changed, a term dropped,
a sign flipped, a transpose removed, a witness (alpha, beta, factor) altered, an inequality made
about something else, a first-order condition mistyped, a root changed. The checker keeps its
promise when every mutant that is not equivalent to the original step is rejected (failed or
undecided) at its step or at a later one. `tests/test_checker_mutations.py` runs a sample;
`benchmarks/mutations.py` runs them all.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any, Iterator

import sympy as sp

from derive.core.algebra import is_matrix
from derive.core.check import FAILED, PASSED, UNDECIDED, StepTimeout, Verdict, check_step, time_limit
from derive.core.context import Context
from derive.core.derivation import Derivation, Relation, Step

KINDS = ("constant", "drop-term", "flip-sign", "transpose", "witness", "subject", "stationary", "root")
PER_KIND = 3  # mutants of one kind per step, chosen by the seed among all the sites


@dataclass(frozen=True)
class Mutant:
    """One changed step of one derivation; `result` is the derivation's result, changed along
    when the step computed it (so that only the steps can reject the mutant)."""

    derivation_id: str
    index: int
    kind: str
    description: str
    step: Step
    result: Any

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.derivation_id, self.index, self.kind, self.description)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    rejected_at: int | None  # the first step that fails or is undecided; None: it survived
    verdict: Verdict | None

    @property
    def killed(self) -> bool:
        return self.rejected_at is not None and self.rejected_at >= self.mutant.index


# --- changing expressions -----------------------------------------------------------------------


def _sites(expr, path=()) -> Iterator[tuple[tuple, Any]]:
    """Every subexpression with the path of argument positions leading to it."""
    yield path, expr
    if isinstance(expr, sp.Basic) and not expr.is_Atom and not isinstance(expr, sp.MatrixSymbol):
        args = expr.args
        if isinstance(expr, sp.Inverse):  # Inverse(M) stores an exponent -1 it never reads
            args = args[:1]
        for k, arg in enumerate(args):
            yield from _sites(arg, path + (k,))


def _replace(expr, path, new):
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)


def _changes(expr) -> Iterator[tuple[str, str, Any]]:
    """(kind, description, changed expression) for every one-place change of expr."""
    for path, node in _sites(expr):
        where = f"at {'.'.join(map(str, path)) or 'top'}"
        if isinstance(node, sp.Number) and node != 0 and not isinstance(node, sp.Float):
            yield "constant", f"{node} -> {node + 1} {where}", (path, node + 1)
        if isinstance(node, (sp.Add, sp.MatAdd)) and len(node.args) >= 2:
            for k, term in enumerate(node.args):
                rest = node.args[:k] + node.args[k + 1:]
                dropped = rest[0] if len(rest) == 1 else node.func(*rest)
                yield "drop-term", f"drop {term} {where}", (path, dropped)
                flipped = node.func(*(node.args[:k] + (-term,) + node.args[k + 1:]))
                yield "flip-sign", f"negate {term} {where}", (path, flipped)
        if isinstance(node, sp.Transpose):
            yield "transpose", f"drop the transpose of {node.arg} {where}", (path, node.arg)
    if not isinstance(expr, (sp.Add, sp.MatAdd, sp.core.relational.Relational, sp.logic.boolalg.Boolean)):
        yield "flip-sign", "negate the whole expression", ((), -expr)


def _apply(expr, change):
    path, new = change
    return _replace(expr, path, new)


# --- mutants of one step -------------------------------------------------------------------------


def _positive_symbols(derivation):
    out = []
    for a in derivation.assumptions:
        if a.kind in ("positive", "positive_integer") and isinstance(a.subject, sp.Symbol):
            out.append(a.subject)
    return out


def _step_mutants(derivation: Derivation, index: int) -> Iterator[tuple[str, str, Step]]:
    step = derivation.steps[index]
    expr = step.expr
    if not isinstance(expr, sp.Basic):
        return
    for kind, description, change in _changes(expr):
        try:
            changed = _apply(expr, change)
        except Exception:  # noqa: BLE001 - an ill-formed change (shapes): not a mutant
            continue
        if changed == expr or changed in (sp.true, sp.false):
            continue
        yield kind, description, dataclasses.replace(step, expr=changed)
    for name in ("alpha", "beta", "factor"):
        value = getattr(step, name)
        if value is None:
            continue
        if isinstance(value, tuple):
            changed = (2 * value[0],) + tuple(value[1:])
        elif name == "beta":
            changed = value + (sp.Identity(1) if is_matrix(value) else 1)
        elif value == 0:
            continue
        else:
            changed = 2 * value
        yield "witness", f"{name}: {value} -> {changed}", dataclasses.replace(step, **{name: changed})
    relational = isinstance(expr, sp.core.relational.Relational)
    if step.relation is Relation.IMPLIES and relational and not isinstance(expr, sp.Equality):
        previous = [s.expr for s in derivation.steps[:index - 1]
                    if isinstance(s.expr, sp.Expr) and not is_matrix(s.expr) and not s.expr.is_number]
        lhs, rhs = expr.lhs, expr.rhs
        for s in _positive_symbols(derivation)[:2]:
            if not is_matrix(lhs):
                yield ("subject", f"the subject times {s}",
                       dataclasses.replace(step, expr=expr.func(lhs * s, rhs * s, evaluate=False)))
        if previous and not is_matrix(lhs):
            other = previous[-1]
            yield ("subject", "the subject replaced by an earlier expression",
                   dataclasses.replace(step, expr=expr.func(other, rhs, evaluate=False)))
    if step.relation is Relation.STATIONARY and isinstance(expr, sp.Equality):
        G = expr.lhs
        earlier = [s for s in derivation.steps[:index] if s.relation is Relation.GRADIENT]
        for s in earlier[-2:]:
            if s.expr != G and getattr(s.expr, "shape", ()) == getattr(G, "shape", ()):
                yield ("stationary", "set another gradient step to zero",
                       dataclasses.replace(step, expr=sp.Eq(s.expr, expr.rhs, evaluate=False)))
        for kind, description, change in _changes(G):
            try:
                changed = sp.Eq(_apply(G, change), expr.rhs, evaluate=False)
            except Exception:  # noqa: BLE001
                continue
            if changed != expr:
                yield "stationary", f"in the gradient: {description}", dataclasses.replace(step, expr=changed)
    if step.relation is Relation.IMPLIES and isinstance(expr, sp.Equality) and step.wrt \
            and expr.lhs in step.wrt:
        root = expr.rhs
        one = sp.Identity(root.shape[0]) if is_matrix(root) and root.shape[0] == root.shape[1] else None
        candidates = [("the root negated", -root), ("the root doubled", 2 * root)]
        if not is_matrix(root):
            candidates.append(("the root plus 1", root + 1))
        elif one is not None:
            candidates.append(("the root plus I", root + one))
        for description, value in candidates:
            yield "root", description, dataclasses.replace(step, expr=sp.Eq(expr.lhs, value, evaluate=False))


def mutants(derivation: Derivation, *, seed: int = 0, per_kind: int = PER_KIND) -> list[Mutant]:
    """Mutants of every step: at most `per_kind` of each kind per step, chosen by `seed`."""
    out = []
    for index in range(len(derivation.steps)):
        by_kind: dict[str, list] = {}
        for kind, description, step in _step_mutants(derivation, index):
            by_kind.setdefault(kind, []).append((description, step))
        rng = random.Random(f"{derivation.id}:{index}:{seed}")
        for kind in KINDS:
            found = by_kind.get(kind, [])
            seen, unique = set(), []
            for description, step in found:
                if description not in seen:
                    seen.add(description)
                    unique.append((description, step))
            chosen = unique if len(unique) <= per_kind else rng.sample(unique, per_kind)
            for description, step in chosen:
                description = " ".join(description.split())  # matrices print on several lines
                out.append(Mutant(derivation.id, index, kind, description, step,
                                  _mutated_result(derivation, index, step)))
    return out


def _mutated_result(derivation: Derivation, index: int, step: Step):
    """The result follows the mutated step when that step computed it."""
    old = derivation.steps[index].expr
    result = derivation.result
    mapping = dict(derivation.result_substitution)
    target = old.xreplace(mapping) if mapping else old
    if target == result:
        return step.expr.xreplace(mapping) if mapping else step.expr
    if isinstance(old, sp.Equality) and isinstance(step.expr, sp.Equality):
        rhs = old.rhs.xreplace(mapping) if mapping else old.rhs
        if rhs == result:
            return step.expr.rhs.xreplace(mapping) if mapping else step.expr.rhs
    return result


# --- running a mutant ---------------------------------------------------------------------------


def run(derivation: Derivation, mutant: Mutant, *, seed: int = 0, timeout: float | None = 20.0) -> Outcome:
    """Check the mutated derivation from the mutated step on; stop at the first rejection.

    Steps before the mutant are unchanged, so their verdicts are the original ones (passed).
    A rejection is a failed or undecided step, or a result the steps no longer compute.
    """
    from derive.core.check import check_result, StepReport

    steps = list(derivation.steps)
    steps[mutant.index] = mutant.step
    ctx = Context.from_assumptions(derivation.assumptions, derivation.sizes)
    verdicts = {k: Verdict(PASSED, None, "unchanged") if s.relation is not Relation.DEFINITION
                else Verdict("given", None, "") for k, s in enumerate(steps[:mutant.index])}
    reports = [StepReport(k, s, verdicts[k]) for k, s in enumerate(steps[:mutant.index])]
    for index in range(mutant.index, len(steps)):
        before = steps[index - 1].expr if index else None
        try:
            with time_limit(timeout):
                verdict = check_step(before, steps[index], ctx, seed=seed + index,
                                     history=tuple(enumerate(steps[:index])), verdicts=verdicts)
        except StepTimeout:
            verdict = Verdict(UNDECIDED, None, "time limit")
        except Exception as exc:  # noqa: BLE001
            verdict = Verdict(UNDECIDED, None, f"the checker raised {type(exc).__name__}: {exc}")
        verdicts[index] = verdict
        reports.append(StepReport(index, steps[index], verdict))
        if verdict.status in (FAILED, UNDECIDED):
            return Outcome(mutant, index, verdict)
    mutated = dataclasses.replace(derivation, steps=tuple(steps), result=mutant.result)
    tie = check_result(mutated, reports)
    if tie.status == FAILED:
        return Outcome(mutant, len(steps), tie)
    return Outcome(mutant, None, None)
