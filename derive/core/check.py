"""Proving one step: symbolically first, then by exact instantiation, then by sampling.

Every verdict says how it knows:

- ``symbolic``: SymPy reduced the difference to zero (for matrix expressions this zero is
  confirmed by an exact instantiation before it counts: SymPy returns silent wrong zeros);
- ``instantiated``: exact rational arithmetic with every matrix replaced by an explicit random
  rational matrix at concrete sizes and every sum expanded at a concrete n, in two worlds;
- ``sampled``: the values agree to 40 significant digits but the exact difference could not be
  reduced to zero (it involves logarithms or roots of the sampled numbers).

A step that none of these decides is ``undecided``; it never passes silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from derive.core import signs
from derive.core.algebra import (
    NotSolvable,
    expand_matrix,
    is_matrix,
    linear_coefficients,
    scalar_transpose,
    solve_stationary,
    split_scale,
    sum_linearity,
    use_symmetry,
)
from derive.core.context import Context
from derive.core.derivation import Derivation, Relation, Step
from derive.core.instantiate import CannotInstantiate, Instance

PASSED, FAILED, UNDECIDED, GIVEN = "passed", "failed", "undecided", "given"
SYMBOLIC, INSTANTIATED, SAMPLED = "symbolic", "instantiated", "sampled"
WORLDS = 2
NUMERIC_DIGITS = 50
NUMERIC_TOLERANCE = sp.Float("1e-40", NUMERIC_DIGITS)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one step, and how the checker knows."""

    status: str
    method: str | None
    detail: str
    counterexample: Mapping[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.status in (PASSED, GIVEN)


@dataclass(frozen=True)
class StepReport:
    index: int
    step: Step
    verdict: Verdict


@dataclass(frozen=True)
class Report:
    """Verdicts for every step of one derivation."""

    derivation_id: str
    steps: tuple[StepReport, ...]
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No step failed."""
        return all(s.verdict.status != FAILED for s in self.steps)

    @property
    def decided(self) -> bool:
        """No step is undecided."""
        return all(s.verdict.status != UNDECIDED for s in self.steps)

    @property
    def failures(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.verdict.status == FAILED)

    @property
    def undecided(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.verdict.status == UNDECIDED)


# --- comparing values -------------------------------------------------------------------------


class _Mismatch(Exception):
    def __init__(self, left, right, world):
        super().__init__("values differ")
        self.left, self.right, self.world = left, right, world


def _entries(value):
    if isinstance(value, sp.MatrixBase):
        return list(value)
    return [value]


def _shape(value):
    return value.shape if isinstance(value, sp.MatrixBase) else ()


def _compare_numbers(a, b) -> str:
    """'exact' if a == b exactly, 'numeric' if equal to 40 digits only; raises ValueError if not."""
    if _shape(a) != _shape(b):
        raise ValueError(f"shapes differ: {_shape(a)} vs {_shape(b)}")
    how = "exact"
    for x, y in zip(_entries(a), _entries(b)):
        d = sp.expand(sp.sympify(x, strict=True) - sp.sympify(y, strict=True))
        if d == 0:
            continue
        if d.free_symbols:
            d = sp.simplify(d)
            if d == 0:
                continue
            raise ValueError(f"difference {d} still has symbols")
        value = sp.N(d, NUMERIC_DIGITS)
        scale = 1
        for side in (x, y):
            side = sp.sympify(side, strict=True)
            if side.is_number:
                scale = max(scale, abs(sp.N(side, NUMERIC_DIGITS)))
        if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ValueError(f"difference {d} is not a finite number")
        if abs(value) > NUMERIC_TOLERANCE * scale:
            raise ValueError(f"difference {sp.N(d, 12)}")
        if sp.simplify(sp.expand_log(d, force=True)) == 0:
            continue
        how = "numeric"
    return how


def _worlds(ctx, seed, keep=()):
    return [Instance(ctx, seed=seed, plan=p, keep=keep) for p in range(WORLDS)]


def _instantiate_compare(a, b, ctx: Context, seed: int, keep=()) -> str:
    """Compare a and b in several concrete worlds. Returns 'exact' or 'numeric'; raises
    _Mismatch with a counterexample, or CannotInstantiate."""
    how = "exact"
    for world in _worlds(ctx, seed, keep):
        sizes = world.size_map(a, b)
        va, vb = world.evaluate(a, sizes=sizes), world.evaluate(b, sizes=sizes)
        try:
            result = _compare_numbers(va, vb)
        except ValueError as exc:
            raise _Mismatch(va, vb, world) from exc
        if result == "numeric":
            how = "numeric"
    return how


def _symbolic_zero(diff, ctx: Context) -> bool:
    """True when SymPy reduces diff to zero using the assumptions (matrix-aware)."""
    if is_matrix(diff):
        d = use_symmetry(diff, ctx.symmetric)
        d = scalar_transpose(expand_matrix(d))
        d = use_symmetry(d, ctx.symmetric)
        return d == 0 or d.is_ZeroMatrix or (isinstance(d, sp.MatrixBase) and d.is_zero_matrix)
    from derive.core.expectation import opaque  # E[.] nodes: opaque constants here

    d = sp.expand(opaque(diff))
    if d == 0:
        return True
    d = sp.expand(sum_linearity(d))
    if d == 0:
        return True
    d2 = d.xreplace(ctx.positive_dummies())
    d2 = sp.expand(sp.expand_log(d2))
    if d2 == 0:
        return True
    if d2.has(sp.Sum):
        return False
    try:
        return sp.simplify(d2) == 0
    except Exception:  # noqa: BLE001 - simplify can raise on odd inputs; undecided then
        return False


def _difference(a, b):
    if is_matrix(a) and not is_matrix(b):
        if b == 0:
            return a
        b = b * sp.Identity(1) if a.shape == (1, 1) else b
    if is_matrix(b) and not is_matrix(a):
        if a == 0:
            return -b
        a = a * sp.Identity(1) if b.shape == (1, 1) else a
    return a - b


def _counterexample(mismatch: _Mismatch) -> dict:
    out = mismatch.world.describe()
    out["before"] = str(mismatch.left)
    out["after"] = str(mismatch.right)
    return out


def prove_equal(a, b, ctx: Context, *, seed: int = 0, keep=()) -> Verdict:
    """Decide a == b for every admissible value of the symbols."""
    try:
        diff = _difference(a, b)
    except Exception as exc:  # noqa: BLE001
        return Verdict(FAILED, None, f"the two sides cannot be compared: {exc}")
    symbolic = False
    try:
        symbolic = _symbolic_zero(diff, ctx)
    except Exception:  # noqa: BLE001 - a rewrite SymPy cannot do: fall through to instances
        symbolic = False
    try:
        how = _instantiate_compare(a, b, ctx, seed, keep)
    except _Mismatch as m:
        if symbolic:
            note = "SymPy reduced the difference to zero, but exact instantiation disagrees"
        else:
            note = "the two sides differ at concrete values"
        return Verdict(FAILED, INSTANTIATED, note, _counterexample(m))
    except (CannotInstantiate, Exception) as exc:  # noqa: BLE001
        if symbolic and not is_matrix(diff):
            return Verdict(PASSED, SYMBOLIC, "SymPy reduces the difference to 0")
        if symbolic:
            return Verdict(
                UNDECIDED, None,
                f"SymPy reduces the matrix difference to 0 but no probe could confirm it ({exc})",
            )
        return Verdict(UNDECIDED, None, f"no method decided the step ({exc})")
    if symbolic:
        return Verdict(PASSED, SYMBOLIC, "SymPy reduces the difference to 0 (confirmed at concrete values)")
    if how == "exact":
        return Verdict(
            PASSED, INSTANTIATED, f"equal in exact arithmetic in {WORLDS} random worlds at concrete sizes"
        )
    return Verdict(PASSED, SAMPLED, f"equal to 40 digits in {WORLDS} random worlds")


# --- relations --------------------------------------------------------------------------------


def _free_of(expr, variables) -> bool:
    expr = sp.sympify(expr, strict=True)
    for v in variables:
        if expr.has(v):
            return False
        if isinstance(v, sp.IndexedBase) and any(a.base == v for a in expr.atoms(sp.Indexed)):
            return False
    return True


def _affine(alpha, a, beta):
    if is_matrix(a):
        if not is_matrix(beta):
            beta = beta * sp.Identity(1) if beta != 0 else sp.ZeroMatrix(*a.shape)
        return alpha * a + beta
    return alpha * a + beta


def _check_same_minimiser(before, after, step: Step, ctx, seed, sign=1) -> Verdict:
    wrt = step.wrt
    if not wrt:
        return Verdict(FAILED, None, "a same-minimiser step must name its decision variables (wrt)")
    if step.alpha is None or step.beta is None:
        return _find_alpha_beta(before, after, wrt, ctx, seed, sign)
    alpha, beta = sp.sympify(step.alpha, strict=True), sp.sympify(step.beta, strict=True)
    if not _free_of(alpha, wrt):
        return Verdict(FAILED, None, f"alpha = {alpha} depends on the decision variables")
    if not _free_of(beta, wrt):
        return Verdict(FAILED, None, f"beta = {beta} depends on the decision variables {wrt}")
    positive = signs.is_positive(alpha, ctx)
    if positive is False:
        return Verdict(FAILED, None, f"alpha = {alpha} is not positive, so minimisers are not kept")
    if positive is None:
        return Verdict(UNDECIDED, None, f"cannot prove alpha = {alpha} > 0 from the assumptions")
    eq = prove_equal(after, _affine(sign * alpha, before, beta), ctx, seed=seed)
    if eq.status != PASSED:
        word = "-alpha" if sign < 0 else "alpha"
        return Verdict(
            eq.status, eq.method,
            f"after != {word}*before + beta with alpha = {alpha}, beta = {beta}: {eq.detail}",
            eq.counterexample,
        )
    return Verdict(
        PASSED, eq.method,
        f"after = {'-' if sign < 0 else ''}alpha*before + beta with alpha = {alpha} > 0, "
        f"beta = {beta} free of {', '.join(map(str, wrt))}; {eq.detail}",
    )


def _symbolic_unknowns(world: Instance, wrt, sizes) -> list:
    """Make the decision variables symbolic in this world; return their scalar unknowns."""
    unknowns = []
    for var in wrt:
        if isinstance(var, sp.MatrixSymbol):
            concrete = var.xreplace(sizes)
            rows, cols = (int(x) for x in concrete.shape)
            entries = sp.Matrix(rows, cols, lambda r, c: sp.Dummy(f"{var.name}{r}{c}"))
            world.values[(var.name, (rows, cols))] = sp.ImmutableMatrix(entries)
            unknowns += list(entries)
        else:
            world.keep.add(var)
    return unknowns


def _find_alpha_beta(before, after, wrt, ctx, seed, sign) -> Verdict:
    """Find alpha, beta with after = sign*alpha*before + beta in concrete worlds."""
    found = []
    try:
        for world in _worlds(ctx, seed):
            sizes = world.size_map(before, after)
            unknowns = _symbolic_unknowns(world, wrt, sizes)
            a_expr = sp.sympify(world.evaluate(before, sizes=sizes), strict=True)
            b_expr = sp.sympify(world.evaluate(after, sizes=sizes), strict=True)
            kept = [s for s in (a_expr.free_symbols | b_expr.free_symbols) if s in world.keep]
            indexed = {x for e in (a_expr, b_expr) for x in e.atoms(sp.Indexed)}
            variables = sorted(set(unknowns) | set(kept) | indexed, key=str)
            if not variables:
                return Verdict(UNDECIDED, None, "neither side depends on the decision variables")
            points = [{v: world._rational() for v in variables} for _ in range(3)]
            va = [a_expr.xreplace(p) for p in points]
            vb = [b_expr.xreplace(p) for p in points]
            if va[0] == va[1]:
                return Verdict(UNDECIDED, None, "the objective did not vary at the sampled points")
            alpha = sp.nsimplify(sp.simplify((vb[0] - vb[1]) / (va[0] - va[1]) * sign))
            beta = sp.simplify(vb[0] - sign * alpha * va[0])
            if sp.simplify(vb[2] - (sign * alpha * va[2] + beta)) != 0:
                return Verdict(
                    FAILED, INSTANTIATED,
                    "the new objective is not an increasing affine function of the old one "
                    "(no alpha, beta fit three points)",
                    world.describe(),
                )
            if not (alpha > 0):
                return Verdict(
                    FAILED, INSTANTIATED,
                    f"after = {'-' if sign < 0 else ''}alpha*before + beta needs alpha > 0, "
                    f"found alpha = {alpha}",
                    world.describe(),
                )
            found.append((alpha, beta))
    except CannotInstantiate as exc:
        return Verdict(UNDECIDED, None, f"no method decided the step ({exc})")
    return Verdict(
        PASSED, INSTANTIATED,
        "after = alpha*before + beta with alpha > 0 in each concrete world "
        f"(alpha = {', '.join(str(a) for a, _ in found)})",
    )


def _residual(eq):
    if isinstance(eq, sp.Equality):
        return _difference(eq.lhs, eq.rhs)
    return eq


def _check_iff(before, after, step: Step, ctx, seed) -> Verdict:
    ra, rb = _residual(before), _residual(after)
    factor = step.factor
    if factor is None:
        if is_matrix(ra):
            return Verdict(UNDECIDED, None, "an iff between matrix equations needs a factor")
        try:
            factor = sp.simplify(ra / rb)
        except Exception as exc:  # noqa: BLE001
            return Verdict(UNDECIDED, None, f"no factor found: {exc}")
        if not _free_of(factor, step.wrt or tuple(rb.free_symbols)):
            return Verdict(UNDECIDED, None, f"the ratio {factor} depends on the unknowns")
    if isinstance(factor, tuple):  # (left, right): before = left * after * right
        reasons = [signs.invertible(f, ctx) for f in factor]
        reason = " and ".join(reasons) if all(reasons) else None
        factor_desc = " and ".join(str(f) for f in factor)
        scaled = factor[0] * rb * factor[1]
    else:
        reason = signs.invertible(factor, ctx)
        factor_desc = str(factor)
        scaled = _multiply(factor, rb) if reason else None
    if not reason:
        return Verdict(
            FAILED, None,
            f"the step divides by {factor_desc}, which the assumptions do not make invertible "
            "(state the missing assumption, e.g. full column rank)",
        )
    eq = prove_equal(ra, scaled, ctx, seed=seed)
    shape = f"({factor[0]}) * after * ({factor[1]})" if isinstance(factor, tuple) else f"({factor}) * after"
    if eq.status != PASSED:
        return Verdict(eq.status, eq.method, f"before != {shape}: {eq.detail}", eq.counterexample)
    return Verdict(PASSED, eq.method, f"before = {shape} and {reason}; {eq.detail}")


def _multiply(factor, expr):
    if is_matrix(factor) or is_matrix(expr):
        return factor * expr
    return factor * expr


def _check_implies(before, after, step: Step, ctx, seed) -> Verdict:
    if isinstance(after, sp.core.relational.Relational) and not isinstance(after, sp.Equality):
        ok, reason = signs.holds(after, ctx)
        if ok is None and isinstance(before, sp.Equality):
            ok, reason = _holds_given(before, after, ctx, reason)
        if ok is True:
            return Verdict(PASSED, SYMBOLIC, reason)
        if ok is False:
            return Verdict(FAILED, SYMBOLIC, reason)
        return Verdict(UNDECIDED, None, reason)
    if not isinstance(after, sp.Equality):
        return Verdict(UNDECIDED, None, "an implication must end in an equation or inequality")
    if step.factor is not None:
        eq = prove_equal(_residual(after), _multiply(step.factor, _residual(before)), ctx, seed=seed)
        return Verdict(eq.status, eq.method, f"after = ({step.factor}) * before; {eq.detail}", eq.counterexample)
    var = after.lhs
    if step.wrt and var in step.wrt and isinstance(before, sp.Equality):
        return _check_solution(before, after, var, ctx, seed)
    eq = prove_equal(_residual(after), _residual(before), ctx, seed=seed)
    return Verdict(eq.status, eq.method, f"same residual; {eq.detail}", eq.counterexample)


def _holds_given(equation, relation, ctx, reason: str):
    """Decide an inequality from the previous scalar equation and the assumptions.

    If the equation is linear in a symbol s of the inequality with a coefficient proved nonzero,
    it fixes s = value; the inequality with s replaced by value is decided by its sign. Sound:
    every solution of the equation is that value. Returns (verdict or None, reason).
    """
    residual = _residual(equation)
    if is_matrix(residual) or is_matrix(relation.lhs) or is_matrix(relation.rhs):
        return None, reason
    residual = sp.expand(residual)
    candidates = relation.free_symbols & residual.free_symbols
    # eliminate free variables first; symbols with a known sign carry the information
    def order(s):
        return (bool(ctx.is_positive_symbol(s) or s.is_negative), str(s))

    for s in sorted(candidates, key=order):
        poly = residual.as_poly(s)
        if poly is None or poly.degree() != 1:
            continue
        lead = poly.coeff_monomial(s)
        if not signs.is_nonzero(lead, ctx):
            continue
        value = -poly.coeff_monomial(1) / lead
        replaced = relation.func(
            relation.lhs.xreplace({s: value}), relation.rhs.xreplace({s: value}), evaluate=False
        )
        ok, why = signs.holds(replaced, ctx)
        if ok is not None:
            return ok, f"with {s} = {value} from the previous equation, {why}"
    return None, reason


def _check_solution(before, after, var, ctx, seed) -> Verdict:
    """before => var = value: solve before for var under the assumptions and compare."""
    ra = _residual(before)
    invertible_known = ()
    if is_matrix(ra):
        try:
            M, _ = linear_coefficients(ra, var)
        except ValueError as exc:
            return Verdict(UNDECIDED, None, str(exc))
        core = split_scale(M)[1]
        reason = signs.invertible(core, ctx)
        if not reason:
            return Verdict(
                FAILED, None,
                f"solving for {var} divides by {core}, which the assumptions do not make "
                "invertible (add e.g. 'X has full column rank')",
            )
        invertible_known = (core,)
    try:
        solution = solve_stationary(ra, var, invertible=invertible_known)
    except NotSolvable as exc:
        return Verdict(UNDECIDED, None, str(exc))
    if isinstance(solution, list):
        for candidate in solution:
            eq = prove_equal(after.rhs, candidate, ctx, seed=seed)
            if eq.status == PASSED:
                return Verdict(PASSED, eq.method, f"the equation's solution is {candidate}; {eq.detail}")
        return Verdict(FAILED, SYMBOLIC, f"the solutions are {solution}, not {after.rhs}")
    eq = prove_equal(after.rhs, solution, ctx, seed=seed)
    return Verdict(eq.status, eq.method, f"the unique solution is {solution}; {eq.detail}", eq.counterexample)


def _check_approx(before, after, step: Step, ctx, seed) -> Verdict:
    h, k = step.small, step.order
    if h is None or k is None:
        return Verdict(FAILED, None, "an approximation must state its small quantity and order")
    s = sp.Dummy("s")
    diff = _difference(before, after)
    scaled = diff.xreplace({h: s * h})
    worlds = _worlds(ctx, seed, keep=(s,))
    try:
        for world in worlds:
            sizes = world.size_map(scaled)
            value = world.evaluate(scaled, sizes=sizes)
            for entry in _entries(value):
                entry = sp.sympify(entry, strict=True)
                series = sp.series(entry, s, 0, k + 1).removeO()
                if sp.simplify(series) != 0:
                    low = sp.Poly(sp.expand(series), s)
                    return Verdict(
                        FAILED, INSTANTIATED,
                        f"the neglected part has terms of order <= {k} in {h}: {low.as_expr()}",
                        world.describe(),
                    )
    except (CannotInstantiate, sp.PolynomialError) as exc:
        return Verdict(UNDECIDED, None, f"cannot expand the difference in {h}: {exc}")
    return Verdict(
        PASSED, INSTANTIATED,
        f"the difference is O({h}^{k + 1}): its Taylor coefficients up to order {k} vanish "
        f"in {WORLDS} concrete worlds",
    )


def _check_gradient(before, after, step: Step, ctx, seed) -> Verdict:
    if len(step.wrt) != 1:
        return Verdict(FAILED, None, "a gradient step names exactly one variable")
    var = step.wrt[0]
    symbolic = None
    try:
        symbolic = before.diff(var)
    except Exception:  # noqa: BLE001
        symbolic = None
    try:
        for world in _worlds(ctx, seed):
            sizes = world.size_map(before, after, var)
            if is_matrix(var):
                concrete_var = var.xreplace(sizes)
                rows, cols = (int(x) for x in concrete_var.shape)
                entries = sp.Matrix(rows, cols, lambda i, j: sp.Dummy(f"{var.name}{i}{j}"))
                world.values[(var.name, (rows, cols))] = sp.ImmutableMatrix(entries)
                flat = list(entries)
                f = world.evaluate(before, sizes=sizes)
                claimed = world.evaluate(after, sizes=sizes)
                expected = _gradient_of_value(f, flat, rows, cols)
                point = {v: world._rational() for v in flat}
                world.values[(var.name, (rows, cols))] = sp.ImmutableMatrix(entries.xreplace(point))
                expected, claimed = _subs_all(expected, point), _subs_all(claimed, point)
            else:
                world.keep.add(var)
                f = world.evaluate(before, sizes=sizes)
                claimed = world.evaluate(after, sizes=sizes)
                expected = sp.diff(f, var) if not isinstance(f, sp.MatrixBase) else f.diff(var)
                world.keep.discard(var)
                point = {var: world._scalar(var)}  # admissible: respects assumed bounds (0 < q < 1)
                expected = _subs_all(expected, point)
                claimed = _subs_all(claimed, point)
            try:
                _compare_numbers(expected, claimed)
            except ValueError:
                return Verdict(
                    FAILED, INSTANTIATED,
                    "the claimed gradient differs from the derivative computed entry by entry",
                    {**world.describe(), "expected": str(expected), "claimed": str(claimed)},
                )
    except CannotInstantiate as exc:
        if symbolic is not None:
            eq = prove_equal(symbolic, after, ctx, seed=seed)
            if eq.status == PASSED and eq.method == SYMBOLIC and not is_matrix(symbolic):
                return Verdict(PASSED, SYMBOLIC, f"SymPy's derivative matches: {eq.detail}")
        return Verdict(UNDECIDED, None, f"cannot differentiate at concrete values: {exc}")
    if symbolic is not None:
        try:
            if _symbolic_zero(_difference(symbolic, after), ctx):
                return Verdict(
                    PASSED, SYMBOLIC,
                    "SymPy's derivative equals the claim, confirmed entry by entry at concrete values",
                )
        except Exception:  # noqa: BLE001
            pass
    return Verdict(
        PASSED, INSTANTIATED,
        f"equals the derivative computed entry by entry in exact arithmetic in {WORLDS} worlds",
    )


def _subs_all(value, point):
    if isinstance(value, sp.MatrixBase):
        return value.xreplace(point)
    return sp.sympify(value, strict=True).xreplace(point)


def _gradient_of_value(f, flat, rows, cols):
    """Denominator layout: d f / d v for scalar f; for vector f (d x 1), J[i, j] = d f_j / d v_i."""
    if isinstance(f, sp.MatrixBase):
        entries = list(f)
        return sp.ImmutableMatrix(len(flat), len(entries), lambda i, j: sp.diff(entries[j], flat[i]))
    grad = [sp.diff(f, v) for v in flat]
    return sp.ImmutableMatrix(rows, cols, grad)


def _check_stationary(history, after, step: Step, ctx, seed) -> Verdict:
    """after = Eq(G, 0), G the gradient wrt step.wrt of an earlier objective of the chain.

    The earlier steps are tried newest first: G may equal a checked GRADIENT step in the same
    variable, or be the gradient (entry by entry) of an earlier scalar expression.
    """
    if not isinstance(after, sp.Equality) or len(step.wrt) != 1:
        return Verdict(FAILED, None, "a stationarity step is Eq(gradient, 0) in one variable")
    zero = after.rhs
    if not (zero == 0 or isinstance(zero, sp.ZeroMatrix)):
        return Verdict(FAILED, None, f"a stationarity condition sets a gradient to 0, not to {zero}")
    G, var = after.lhs, step.wrt[0]
    for index, earlier in reversed(history):
        expr = earlier.expr
        if isinstance(expr, (sp.core.relational.Relational, sp.logic.boolalg.Boolean)):
            continue
        if earlier.relation is Relation.GRADIENT and earlier.wrt == step.wrt:
            eq = prove_equal(expr, G, ctx, seed=seed)
            if eq.status == PASSED:
                return Verdict(PASSED, eq.method,
                               f"sets the gradient of step {index} to zero; {eq.detail}")
            continue
        if is_matrix(expr) and tuple(expr.shape) != (1, 1):
            continue
        v = _check_gradient(expr, G, Step(G, Relation.GRADIENT, "", wrt=(var,)), ctx, seed)
        if v.status == PASSED:
            return Verdict(PASSED, v.method, f"the gradient of step {index} in {var}, set to zero; {v.detail}")
    return Verdict(
        FAILED, INSTANTIATED,
        f"{G} is not the gradient in {var} of any earlier expression of the derivation",
    )


def check_pair(
    before, after, relation: Relation, *, assumptions=(), wrt=(), alpha=None, beta=None,
    factor=None, order=None, small=None, sizes=None, seed: int = 0,
) -> Verdict:
    """Check that `after` stands in `relation` to `before` under the assumptions."""
    step = Step(after, relation, "", wrt=tuple(wrt), alpha=alpha, beta=beta, factor=factor,
                order=order, small=small)
    ctx = Context.from_assumptions(assumptions, sizes)
    return check_step(before, step, ctx, seed=seed)


def check_step(before, step: Step, ctx: Context, *, seed: int = 0, history=()) -> Verdict:
    """Check one step against the expression before it (and, for stationarity, earlier steps).

    `history` holds (index, Step) of the steps before this one, in order.
    """
    after = step.expr
    r = step.relation
    if r is Relation.DEFINITION:
        return Verdict(GIVEN, None, "a definition or premise")
    if before is None:
        return Verdict(FAILED, None, "a step needs a previous expression to relate to")
    if r is Relation.EQUAL:
        return prove_equal(before, after, ctx, seed=seed)
    if r is Relation.SAME_MINIMISER:
        return _check_same_minimiser(before, after, step, ctx, seed, sign=1)
    if r is Relation.MAX_TO_MIN:
        return _check_same_minimiser(before, after, step, ctx, seed, sign=-1)
    if r is Relation.IFF:
        return _check_iff(before, after, step, ctx, seed)
    if r is Relation.IMPLIES:
        return _check_implies(before, after, step, ctx, seed)
    if r is Relation.APPROX:
        return _check_approx(before, after, step, ctx, seed)
    if r is Relation.GRADIENT:
        return _check_gradient(before, after, step, ctx, seed)
    if r is Relation.STATIONARY:
        return _check_stationary(history, after, step, ctx, seed)
    return Verdict(UNDECIDED, None, f"no checker for relation {r}")


def check_derivation(derivation: Derivation, *, seed: int = 0) -> Report:
    """Check every step of a derivation against the step before it."""
    ctx = Context.from_assumptions(derivation.assumptions, derivation.sizes)
    reports = []
    before = None
    for index, step in enumerate(derivation.steps):
        try:
            verdict = check_step(before, step, ctx, seed=seed + index,
                                 history=tuple(enumerate(derivation.steps[:index])))
        except Exception as exc:  # noqa: BLE001 - a checker crash is reported, never passed
            verdict = Verdict(UNDECIDED, None, f"the checker raised {type(exc).__name__}: {exc}")
        reports.append(StepReport(index, step, verdict))
        before = step.expr
    counts: dict[str, int] = {}
    for rep in reports:
        key = rep.verdict.method if rep.verdict.status == PASSED else rep.verdict.status
        counts[key] = counts.get(key, 0) + 1
    return Report(derivation.id, tuple(reports), counts)
