"""Proving one step: symbolically first, then by exact instantiation, then by sampling.

A step passes only if it follows from the step before it (for a stationarity condition, from an
earlier objective of the chain); a true statement about something else is not a pass. Every
verdict says how it knows:

- ``symbolic``: SymPy reduced the difference to zero (for matrix expressions this zero is
  confirmed by an exact instantiation before it counts: SymPy returns silent wrong zeros);
- ``instantiated``: exact rational arithmetic with every matrix replaced by an explicit random
  rational matrix at concrete sizes and every sum expanded at a concrete n, in several worlds;
- ``sampled``: the values agree to 40 significant digits but the exact difference could not be
  reduced to zero (it involves logarithms or roots of the sampled numbers).

A step that none of these decides is ``undecided``; it never passes silently. Each step runs
under a time limit (`DEFAULT_TIMEOUT` seconds, ``timeout=`` to change it, None for none): a
step that takes longer is ``undecided`` with the detail ``time limit``.

How likely is a wrong step to pass by instantiation? Scalars and samples are drawn as
num / 10^8 with num uniform in -R..R (1..R when positive), R = `NUMERATOR_RANGE` = 10^9, so no
single value has probability above p = 1/R = 10^-9. Suppose a step is wrong, and in a world of fixed sizes the
difference of its two sides, with denominators cleared, is a nonzero polynomial of total degree
delta in the drawn values. By the Schwartz-Zippel lemma (in its form for any distribution whose
point probabilities are at most p: induct on the variables, a nonzero univariate polynomial of
degree d has at most d roots) it vanishes in one world with probability at most delta * p. The
`WORLDS` = 2 random worlds are independent, so the step survives with probability at most
(delta * 10^-9)^2, below 10^-6 for every delta <= 10^6 (one world alone already gives
delta * 10^-9 < 10^-6 for delta < 1000).

Piecewise constructs (Abs, sign, Heaviside, Max, Min, Piecewise) are polynomials only once the
sign of each argument is fixed, and a wrong step may differ only where an argument is 0 (a
changed Heaviside value at 0, a sample equal to the candidate), a set random values never
meet. So a step holding such a construct is also checked in boundary worlds (`_boundary_worlds`):
sizes at their smallest (n = 3 samples, other dimensions 2), one pivot atom drawn at random, and
every other atom a of a piecewise argument set to (the value zeroing its argument) + s_a * r_a
with s_a in {-1, 0, +1} and r_a > 0 drawn from the same wide set (an atom in several
arguments, such as z in z - lambda/2 and z + lambda/2, takes each of their zeros in turn). Every sign pattern s is one
world (at most `BOUNDARY_PATTERNS`; beyond that a seeded sample of patterns, the all-zero
pattern always among them); s_a = 0 for several samples gives ties among samples and samples
equal to the candidate. Within one pattern every piecewise construct is a fixed polynomial
branch, so a step wrong on that pattern survives its world with probability at most
delta * 10^-9 < 10^-6 for delta < 1000, and with probability 0 if it is wrong by a constant
(delta = 0, a changed value at 0). The bound needs the arguments to be solvable for an atom
(linear, as in mu - x_i or w_j) and covers the scalar values only: matrix entries, counts,
integer exponents, the coefficients of the random polynomials standing for unknown functions,
and every value of a same-minimiser step given without witnesses (alpha, beta are then fitted
with the decision variables symbolic) are drawn from small sets (num in -9..9) to keep exact matrix arithmetic cheap, so for them the
per-world factor is delta / 19 instead. The same seed gives the same worlds and the same report.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
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
BOUNDARY_PATTERNS = 27  # sign patterns of piecewise arguments checked per step (3 samples)
BOUNDARY_PLAN = 1000  # plan numbers of boundary worlds start here (random worlds use 0, 1)
DEFAULT_TIMEOUT = 60.0  # seconds per step
PIECEWISE = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise)
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
    """Verdicts for every step of one derivation, and for its result.

    `result` says whether the derivation's result is a checked step's expression (or the side
    of a checked equation); None when the report is about bare steps (no result to tie).
    """

    derivation_id: str
    steps: tuple[StepReport, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    result: Verdict | None = None

    @property
    def ok(self) -> bool:
        """No step failed, and the result is tied to a checked step."""
        if self.result is not None and self.result.status == FAILED:
            return False
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


def has_piecewise(*exprs) -> bool:
    return any(isinstance(e, sp.Basic) and e.has(*PIECEWISE) for e in exprs)


def _piecewise_arguments(expr) -> list:
    """The scalar expressions whose sign selects a branch of a piecewise construct."""
    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            out += [args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args))]
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                if isinstance(cond, sp.core.relational.Relational):
                    out.append(cond.lhs - cond.rhs)
    return [a for a in out if isinstance(a, sp.Expr) and not a.is_number]


def _atoms(expr) -> set:
    """The scalar unknowns of expr: symbols and samples x[1], not the labels x of the samples."""
    indexed = expr.atoms(sp.Indexed)
    labels = {i.base.label for i in indexed}
    return {a for a in expr.atoms(sp.Symbol, sp.Indexed)
            if not (isinstance(a, sp.Symbol) and (a in labels or any(a in i.indices for i in indexed)))}


def _boundary_worlds(exprs, ctx: Context, seed: int, keep=()) -> list:
    """Worlds in which every piecewise argument of `exprs` takes each sign, zero included.

    One pivot atom (the one in most arguments) gets a random value; every other atom a that an
    argument can be solved for (linearly, given the pivot) is set to root + s_a * r_a, with r_a
    random positive and s_a in {-1, 0, 1}; each sign pattern s is one world. See the module
    docstring for what this proves.
    """
    probe = Instance(ctx, seed=seed, plan=BOUNDARY_PLAN, keep=keep, small_sizes=True)
    sizes = probe.size_map(*exprs)
    arguments = []
    for e in exprs:
        concrete = e.xreplace(sizes) if sizes else e
        from derive.core.instantiate import _unroll

        concrete = _unroll(concrete) if concrete.has(sp.Sum, sp.Product) else concrete
        arguments += _piecewise_arguments(concrete)
    arguments = [a for a in arguments if not is_matrix(a)]
    kept = set(keep)
    arguments = [a for a in arguments if not (_atoms(a) & kept)]
    if not arguments:
        return []
    counts: dict = {}
    for a in arguments:
        for atom in _atoms(a):
            counts[atom] = counts.get(atom, 0) + 1
    pivot = max(sorted(counts, key=str), key=lambda x: counts[x])
    roots: dict = {}  # atom -> its zeros as functions of the pivot (one per argument)

    def add_root(atom, arg):
        poly = sp.Poly(arg, atom) if arg.is_polynomial(atom) else None
        if poly is not None and poly.degree() == 1:
            root = sp.expand(-poly.coeff_monomial(1) / poly.coeff_monomial(atom))
            if root not in roots.setdefault(atom, []):
                roots[atom].append(root)

    for a in arguments:
        atoms = _atoms(a)
        for atom in sorted(atoms - {pivot}, key=str):
            if atoms - {atom} <= {pivot}:
                add_root(atom, a)
        if atoms == {pivot}:
            add_root(pivot, a)
    roots = {atom: r for atom, r in roots.items() if r}
    if not roots:
        return []
    free = sorted(roots, key=str)
    options = [[(root, sgn) for root in roots[atom] for sgn in (0, -1, 1)] for atom in free]
    patterns = _patterns(options, probe.rng)
    pivot_value = (probe._indexed(pivot) if isinstance(pivot, sp.Indexed) else probe._scalar(pivot))
    worlds = []
    for k, pattern in enumerate(patterns):
        forced = {} if pivot in roots else {pivot: pivot_value}
        for atom, (root, sgn) in zip(free, pattern):
            base = root.xreplace({pivot: pivot_value}) if atom != pivot else root
            value = base + sgn * probe._rational(positive=True)
            if _must_be_positive(atom, ctx) and not value > 0:
                break
            forced[atom] = value
        else:
            world = Instance(ctx, seed=seed, plan=BOUNDARY_PLAN + 1 + k, keep=keep,
                             forced=forced, small_sizes=True)
            if _admissible(world, ctx):
                worlds.append(world)
    return worlds


def _patterns(options, rng) -> list:
    """Every combination of one option per atom, or a seeded sample of BOUNDARY_PATTERNS of
    them that always holds the all-boundary one (every atom at its first zero)."""
    import itertools

    total = 1
    for o in options:
        total *= len(o)
    if total <= BOUNDARY_PATTERNS:
        return list(itertools.product(*options))
    chosen = [tuple(o[0] for o in options)]
    seen = {chosen[0]}
    while len(chosen) < BOUNDARY_PATTERNS:
        p = tuple(rng.choice(o) for o in options)
        if p not in seen:
            seen.add(p)
            chosen.append(p)
    return chosen


def _admissible(world: Instance, ctx: Context) -> bool:
    """False when a world breaks an assumed-positive expression (sum |x_i - mu| > 0 when every
    sample equals mu): such a world is outside the derivation's hypotheses."""
    for subject in ctx.positive:
        if isinstance(subject, sp.Expr) and not isinstance(subject, (sp.Symbol, sp.Indexed)) \
                and not is_matrix(subject) and subject.free_symbols:
            try:
                value = world.evaluate(subject)
                if not (value.is_number and value > 0):
                    return False
            except Exception:  # noqa: BLE001 - not evaluable here: not about this world
                continue
    return True


def _must_be_positive(atom, ctx: Context) -> bool:
    if isinstance(atom, sp.Indexed):
        return atom.base in ctx.positive or atom.base.label in ctx.positive or bool(atom.is_positive)
    return ctx.is_positive_symbol(atom)


def _instantiate_compare(a, b, ctx: Context, seed: int, keep=(), boundary=True) -> str:
    """Compare a and b in several concrete worlds (boundary worlds too when a piecewise
    construct is involved). Returns 'exact' or 'numeric'; raises _Mismatch with a
    counterexample, or CannotInstantiate."""
    how = "exact"
    worlds = _worlds(ctx, seed, keep)
    if boundary and has_piecewise(a, b):
        worlds += _boundary_worlds((a, b), ctx, seed, keep)
    for world in worlds:
        sizes = world.size_map(a, b)
        va, vb = world.evaluate(a, sizes=sizes), world.evaluate(b, sizes=sizes)
        try:
            result = _compare_numbers(va, vb)
        except ValueError as exc:
            raise _Mismatch(va, vb, world) from exc
        if result == "numeric":
            how = "numeric"
    return how, len(worlds) - WORLDS


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
        # a scalar difference SymPy reduced to 0 is proved for every value, boundaries included;
        # the random worlds only guard against a silent wrong zero
        how, boundary = _instantiate_compare(a, b, ctx, seed, keep,
                                             boundary=not (symbolic and not is_matrix(diff)))
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
    extra = f" and {boundary} boundary worlds (every sign of the piecewise arguments)" if boundary else ""
    if symbolic:
        return Verdict(PASSED, SYMBOLIC, f"SymPy reduces the difference to 0 (confirmed at concrete values{extra})")
    if how == "exact":
        return Verdict(
            PASSED, INSTANTIATED,
            f"equal in exact arithmetic in {WORLDS} random worlds at concrete sizes{extra}",
        )
    return Verdict(PASSED, SAMPLED, f"equal to 40 digits in {WORLDS} random worlds{extra}")


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
    # small values: the fit keeps the decision variables symbolic, where big rationals make
    # SymPy's arithmetic crawl; the per-world bound is then delta / 19 (module docstring)
    worlds = [Instance(ctx, seed=seed, plan=p, wide=False) for p in range(WORLDS)]
    try:
        for world in worlds:
            sizes = world.size_map(before, after)
            unknowns = _symbolic_unknowns(world, wrt, sizes)
            a_expr = sp.sympify(world.evaluate(before, sizes=sizes), strict=True)
            b_expr = sp.sympify(world.evaluate(after, sizes=sizes), strict=True)
            kept = [s for s in (a_expr.free_symbols | b_expr.free_symbols) if s in world.keep]
            indexed = {x for e in (a_expr, b_expr) for x in e.atoms(sp.Indexed)}
            variables = sorted(set(unknowns) | set(kept) | indexed, key=str)
            if not variables:
                return Verdict(UNDECIDED, None, "neither side depends on the decision variables")
            points = [{v: world._rational(wide=False) for v in variables} for _ in range(3)]
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
        return _check_inequality(before, after, step, ctx, seed)
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


def _subject(relation):
    """What an inequality is about: lhs - rhs (lhs when rhs is 0)."""
    if relation.rhs == 0 or (isinstance(relation.rhs, sp.ZeroMatrix)):
        return relation.lhs
    return _difference(relation.lhs, relation.rhs)


def _check_inequality(before, after, step: Step, ctx, seed) -> Verdict:
    """An inequality follows from the step before it only if it is about that step.

    One side must be the previous expression, or its subject (lhs - rhs) the previous expression, the subject of the previous
    inequality, a side of the previous equation, the quadratic form v^T B v of the previous
    matrix B, or `factor` times one of these with factor > 0 proved; then its sign is decided
    under the assumptions. After an equation, an inequality may instead follow from the
    equation by eliminating one of its symbols (`_holds_given`). A true inequality about
    something else fails.
    """
    if isinstance(before, sp.Equality):
        candidates = [("the left side of the previous equation", before.lhs),
                      ("the right side of the previous equation", before.rhs)]
    elif isinstance(before, sp.core.relational.Relational):
        candidates = [("the subject of the previous inequality", _subject(before))]
    else:
        candidates = [("the previous expression", before)]
    subject = _subject(after)
    factor = step.factor
    if factor is not None:
        positive = signs.is_positive(factor, ctx)
        if not positive:
            return Verdict(FAILED, None, f"the factor {factor} is not proved positive, so the "
                                         "inequality's sign says nothing about the step before")
    link = None
    for name, candidate in candidates:
        for side_name, side in (("left", after.lhs), ("right", after.rhs)):
            if factor is None and _same(side, candidate):
                link = f"the inequality bounds {name} (its {side_name} side)"
        if link:
            break
        for form_name, form in _subject_forms(candidate, subject):
            target = form if factor is None else _multiply(factor, form)
            if _same(subject, target):
                linked = True
            else:
                linked = _equal_in_worlds(subject, target, ctx, seed)
            if linked:
                scaled = "" if factor is None else f"{factor} > 0 times "
                link = f"the inequality is about {scaled}{form_name.format(name)}"
                break
        if link:
            break
    if link is None:
        if isinstance(before, sp.Equality):
            ok, reason = _holds_given(before, after, ctx, "")
            if ok is True:
                return Verdict(PASSED, SYMBOLIC, reason)
            if ok is False:
                return Verdict(FAILED, SYMBOLIC, reason)
        return Verdict(
            FAILED, None,
            f"the inequality is about {subject}, not about the step before it "
            "(its subject must be the previous expression, or a proved positive multiple "
            "given as factor=)",
        )
    ok, reason = signs.holds(after, ctx)
    if ok is None and isinstance(before, sp.Equality):
        ok2, reason2 = _holds_given(before, after, ctx, reason)
        if ok2 is not None:
            ok, reason = ok2, reason2
    if ok is True:
        return Verdict(PASSED, SYMBOLIC, f"{link}, and {reason}")
    if ok is False:
        return Verdict(FAILED, SYMBOLIC, reason)
    return Verdict(UNDECIDED, None, f"{link}, but {reason}")


def _equal_in_worlds(a, b, ctx, seed) -> bool:
    """a == b in the random worlds (the bound of the module docstring), by prove_equal when
    the expressions cannot be instantiated."""
    try:
        _instantiate_compare(a, b, ctx, seed)
        return True
    except _Mismatch:
        return False
    except Exception:  # noqa: BLE001 - no concrete value: let the full prover decide
        try:
            return prove_equal(a, b, ctx, seed=seed).status == PASSED
        except Exception:  # noqa: BLE001
            return False


def _subject_forms(candidate, subject):
    """The expressions an inequality about `candidate` may have as its subject."""
    yield "{}", candidate
    if is_matrix(candidate) and candidate.shape[0] == candidate.shape[1] and is_matrix(subject) \
            and tuple(subject.shape) == (1, 1):
        rows = candidate.shape[0]
        for v in sorted(subject.atoms(sp.MatrixSymbol), key=str):
            if v.shape == (rows, 1) and not candidate.has(v):
                yield f"the quadratic form {v}^T B {v} of B = {{}}", v.T * candidate * v


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

    if not candidates:
        return None, reason or "the inequality shares no symbol with the previous equation"
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
        if ok is True and not _is_sign_condition(replaced, ctx):
            return None, (f"with {s} = {value} the inequality reads {replaced}: true, but weaker "
                          "than the previous equation's range (it must be exactly the sign "
                          "condition of a variable, e.g. u > 0 on the branch)")
        if ok is not None:
            return ok, f"with {s} = {value} from the previous equation, {why}: exactly the sign condition of the branch"
    return None, reason or "the inequality does not follow from the previous equation"


def _is_sign_condition(relation, ctx) -> bool:
    """lhs - rhs = c * t for one symbol t of known sign and a number c != 0."""
    d = sp.expand(relation.lhs - relation.rhs)
    symbols = d.free_symbols
    if len(symbols) != 1:
        return False
    t = next(iter(symbols))
    if not (ctx.is_positive_symbol(t) or t.is_negative):
        return False
    c = sp.simplify(d / t)
    return c.is_number and c != 0


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
        return _choose_root(ra, solution, after, var, ctx, seed)
    eq = prove_equal(after.rhs, solution, ctx, seed=seed)
    return Verdict(eq.status, eq.method, f"the unique solution is {solution}; {eq.detail}", eq.counterexample)


def _choose_root(residual, roots, after, var, ctx, seed) -> Verdict:
    """A solved form names the solution set: the unique root, or the one root the
    assumptions admit (the others excluded by the sign of var, or by a zero denominator)."""
    admitted, excluded = [], []
    positive = ctx.is_positive_symbol(var)
    for root in roots:
        why = None
        if positive:
            s = signs.sign(root, ctx)
            if s in ("negative", "nonpositive", "zero"):
                why = f"{root} is {s}, but {var} > 0 is assumed"
        denominator = sp.denom(sp.together(sum_linearity(sp.expand(residual))))
        if why is None and denominator.has(var):
            at_root = denominator.xreplace({var: root})
            if sp.simplify(at_root) == 0:
                why = f"the equation is undefined at {var} = {root}"
        (excluded if why else admitted).append((root, why))
    matches = []
    for root, _ in admitted:
        eq = prove_equal(after.rhs, root, ctx, seed=seed)
        if eq.status == PASSED:
            matches.append((root, eq))
    if not matches:
        listed = ", ".join(str(r) for r, _ in admitted) or "none admitted"
        return Verdict(FAILED, SYMBOLIC, f"the roots in {var} are {listed}, not {after.rhs}")
    others = [r for r, _ in admitted if all(r is not m for m, _ in matches)]
    others = [r for r in others if prove_equal(r, matches[0][0], ctx, seed=seed).status != PASSED]
    if others:
        return Verdict(
            FAILED, SYMBOLIC,
            f"{var} = {after.rhs} is one root of several ({', '.join(map(str, others))} too); "
            "a solved form must give the whole solution set or an assumption that selects it",
        )
    root, eq = matches[0]
    if excluded:
        why = "; ".join(w for _, w in excluded)
        return Verdict(PASSED, eq.method, f"the only root the assumptions admit ({why}); {eq.detail}")
    return Verdict(PASSED, eq.method, f"the unique root is {root}; {eq.detail}")


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


def _derivative_orders(history) -> dict:
    """How many gradients stand between each earlier step and an objective: 0 for an objective
    (a definition, a same-minimiser rewrite), +1 across a gradient step, kept by equal steps."""
    orders, previous = {}, 0
    for index, earlier in history:
        r = earlier.relation
        if r is Relation.GRADIENT:
            previous += 1
        elif r in (Relation.EQUAL, Relation.APPROX):
            pass
        else:
            previous = 0
        orders[index] = previous
    return orders


def _check_stationary(history, after, step: Step, ctx, seed, verdicts=None) -> Verdict:
    """after = Eq(G, 0), G the gradient wrt step.wrt of an earlier objective of the chain.

    The earlier steps are tried newest first: G may equal a first gradient (a GRADIENT step in
    the same variable taken of an objective, or an equal rewrite of one), or be the gradient
    (entry by entry) of an earlier objective itself. Gradients of gradients do not count: a
    second derivative set to zero is not a first-order condition. A step citing earlier steps
    (`step.cites`, the convexity or concavity that makes the condition sufficient) passes only
    if each cited step is earlier, checked and an inequality.
    """
    if not isinstance(after, sp.Equality) or len(step.wrt) != 1:
        return Verdict(FAILED, None, "a stationarity step is Eq(gradient, 0) in one variable")
    zero = after.rhs
    if not (zero == 0 or isinstance(zero, sp.ZeroMatrix)):
        return Verdict(FAILED, None, f"a stationarity condition sets a gradient to 0, not to {zero}")
    G, var = after.lhs, step.wrt[0]
    steps = dict(history)
    cited = []
    for k in getattr(step, "cites", ()) or ():
        k = len(history) + k if k < 0 else k  # -1: the step just before
        if k not in steps:
            return Verdict(FAILED, None, f"the step cites step {k}, which does not come before it")
        c = steps[k].expr
        if not isinstance(c, sp.core.relational.Relational) or isinstance(c, sp.Equality):
            return Verdict(FAILED, None, f"the cited step {k} is not an inequality (convexity)")
        if verdicts is not None and verdicts.get(k) is not None and verdicts[k].status != PASSED:
            return Verdict(FAILED, None, f"the cited step {k} is not a checked step")
        cited.append(k)
    orders = _derivative_orders(history)
    found = None
    for index, earlier in reversed(history):
        expr = earlier.expr
        if isinstance(expr, (sp.core.relational.Relational, sp.logic.boolalg.Boolean)):
            continue
        order = orders[index]
        if order == 1:
            if _gradient_variable(history, index) == var:
                eq = prove_equal(expr, G, ctx, seed=seed)
                if eq.status == PASSED:
                    found = Verdict(PASSED, eq.method,
                                    f"sets the gradient of step {index} to zero; {eq.detail}")
                    break
            continue
        if order != 0 or (is_matrix(expr) and tuple(expr.shape) != (1, 1)):
            continue
        v = _check_gradient(expr, G, Step(G, Relation.GRADIENT, "", wrt=(var,)), ctx, seed)
        if v.status == PASSED:
            found = Verdict(PASSED, v.method,
                            f"the gradient of step {index} in {var}, set to zero; {v.detail}")
            break
    if found is None:
        return Verdict(
            FAILED, INSTANTIATED,
            f"{G} is not the gradient in {var} of any earlier objective of the derivation",
        )
    if cited:
        listed = ", ".join(str(k) for k in cited)
        return Verdict(PASSED, found.method,
                       f"{found.detail}; sufficient by the convexity of step {listed}")
    return Verdict(PASSED, found.method, f"{found.detail} (a necessary condition)")


def _gradient_variable(history, index):
    """The variable of the gradient step an equal-rewritten first derivative came from."""
    for k, earlier in reversed(history):
        if k > index:
            continue
        if earlier.relation is Relation.GRADIENT:
            return earlier.wrt[0] if earlier.wrt else None
    return None


def check_pair(
    before, after, relation: Relation, *, assumptions=(), wrt=(), alpha=None, beta=None,
    factor=None, order=None, small=None, sizes=None, seed: int = 0,
) -> Verdict:
    """Check that `after` stands in `relation` to `before` under the assumptions."""
    step = Step(after, relation, "", wrt=tuple(wrt), alpha=alpha, beta=beta, factor=factor,
                order=order, small=small)
    ctx = Context.from_assumptions(assumptions, sizes)
    return check_step(before, step, ctx, seed=seed)


def check_step(before, step: Step, ctx: Context, *, seed: int = 0, history=(),
               verdicts=None) -> Verdict:
    """Check one step against the expression before it (and, for stationarity, earlier steps).

    `history` holds (index, Step) of the steps before this one, in order; `verdicts` maps
    their indices to their verdicts (a stationarity step may cite only checked steps).
    """
    after = step.expr
    r = step.relation
    if r is Relation.DEFINITION:
        if step.cites:
            return _check_cited_definition(step, ctx, seed, history)
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
        return _check_stationary(history, after, step, ctx, seed, verdicts)
    return Verdict(UNDECIDED, None, f"no checker for relation {r}")


def _check_cited_definition(step: Step, ctx, seed, history) -> Verdict:
    """A premise that applies earlier steps must be made of them.

    A statement (an inequality, a conjunction of them) that applies a cited theorem to cited
    steps must have as each side 0 or a cited step's expression; it stays a premise (`given`).
    An expression citing steps restates one of them, possibly on a branch (a symbol replaced by
    the same-named symbol with a stronger assumption, such as u > 0): that is checked.
    """
    steps = dict(history)
    cited = []
    for k in step.cites:
        k = len(history) + k if k < 0 else k
        if k not in steps:
            return Verdict(FAILED, None, f"the step cites step {k}, which does not come before it")
        cited.append((k, steps[k].expr))
    expr = step.expr
    if isinstance(expr, sp.logic.boolalg.Boolean):
        parts = expr.args if isinstance(expr, sp.And) else (expr,)
        sources = [e for _, e in cited]
        for part in parts:
            if not isinstance(part, sp.core.relational.Relational):
                return Verdict(FAILED, None, f"{part} is not an inequality between cited steps")
            for side in (part.lhs, part.rhs):
                if side != 0 and not any(_same(side, e) for e in sources):
                    return Verdict(FAILED, None,
                                   f"{side} is not the expression of a cited step "
                                   f"({', '.join(str(k) for k, _ in cited)})")
        return Verdict(GIVEN, None, "a cited theorem applied to steps "
                       + ", ".join(str(k) for k, _ in cited))
    if isinstance(expr, sp.Piecewise):
        sources = [e for _, e in cited]
        sides = [side for e in sources if isinstance(e, sp.Equality) for side in (e.lhs, e.rhs)]
        for value, condition in expr.args:
            if not (value.is_number or any(_same(value, x) for x in sides)):
                return Verdict(FAILED, None, f"the case value {value} is no side of a cited equation")
            if condition is not sp.true and not any(
                    _same(condition, x) or (isinstance(x, sp.core.relational.Relational)
                                            and _same(condition, x.reversed)) for x in sources):
                return Verdict(FAILED, None, f"the case condition {condition} is no cited step")
        return Verdict(GIVEN, None, "cases assembled from steps " + ", ".join(str(k) for k, _ in cited))
    last = None
    for k, e in cited:
        rename = {s: t for s in e.free_symbols for t in expr.free_symbols
                  if isinstance(s, sp.Symbol) and isinstance(t, sp.Symbol) and s != t and s.name == t.name}
        eq = prove_equal(e.xreplace(rename), expr, ctx, seed=seed)
        if eq.status == PASSED:
            where = ", ".join(f"{t} with its assumptions" for t in rename.values())
            return Verdict(PASSED, eq.method, f"restates step {k}" + (f" for {where}" if where else "")
                           + f"; {eq.detail}")
        last = eq
    return Verdict(FAILED, last.method if last else None,
                   f"the step does not restate the step it cites: {last.detail if last else ''}",
                   last.counterexample if last else None)


class StepTimeout(BaseException):
    """A step ran past its time limit. A BaseException, so that no `except Exception` inside
    SymPy or the checker swallows it."""


@contextmanager
def time_limit(seconds):
    """Raise StepTimeout in the block after `seconds` (wall clock). Uses SIGALRM, so it works
    in the main thread of a POSIX process; elsewhere (a worker thread, Windows) the block runs
    without a limit. None or 0 means no limit."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise StepTimeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_result(derivation: Derivation, reports) -> Verdict:
    """The result must be a checked step's expression, or a side of a checked equation."""
    result = derivation.result
    mapping = dict(getattr(derivation, "result_substitution", {}) or {})
    found = []
    for rep in reports:
        if rep.verdict.status != PASSED:
            continue
        expr = rep.step.expr
        if mapping:
            try:
                expr = expr.xreplace(mapping)
            except Exception:  # noqa: BLE001
                continue
        if _same(expr, result):
            found.append(f"the expression of step {rep.index}")
        elif isinstance(expr, sp.Equality):
            if _same(expr.rhs, result):
                found.append(f"the right side of the equation of step {rep.index}")
            elif _same(expr.lhs, result):
                found.append(f"the left side of the equation of step {rep.index}")
    read_off = derivation.extras.get("read_off")
    if not found and read_off is not None:
        found += _read_off(read_off, result, reports)
    if found:
        where = ", ".join(f"{k} = {v}" for k, v in mapping.items())
        return Verdict(PASSED, SYMBOLIC, f"the result is {found[-1]}" + (f", at {where}" if where else ""))
    given = [rep.index for rep in reports if _same(rep.step.expr, result)]
    hint = f" (it is step {given[0]}, which is not checked)" if given else ""
    return Verdict(
        FAILED, None,
        f"the result is not the expression of any checked step, nor a side of a checked "
        f"equation{hint}: a result must be computed by the steps, not typed in",
    )


def _read_off(read_off, result, reports) -> list[str]:
    """A result read off a matched kernel: `read_off` = (terms, Lambda(coefficients, result)).

    The coefficients of the terms (e.g. log p and log(1 - p) for a Beta kernel) are taken from
    the last checked step and put through the kernel's parametrisation; the result must equal
    that. A result typed in with a wrong parameter fails.
    """
    terms, parametrisation = read_off
    for rep in reversed(reports):
        if rep.verdict.status != PASSED or isinstance(rep.step.expr, sp.Basic) and rep.step.expr.is_Relational:
            continue
        expanded = sp.expand(rep.step.expr)
        coefficients = [expanded.coeff(t) for t in terms]
        value = parametrisation(*coefficients)
        try:
            same = sp.simplify(sp.Matrix(value) - sp.Matrix(result)) == sp.zeros(*sp.Matrix(result).shape)
        except Exception:  # noqa: BLE001
            same = False
        if same:
            return [f"read off the coefficients of {', '.join(map(str, terms))} in step {rep.index}"]
        return []
    return []


def _same(a, b) -> bool:
    try:
        return a == b
    except Exception:  # noqa: BLE001
        return False


def check_derivation(derivation: Derivation, *, seed: int = 0,
                     timeout: float | None = DEFAULT_TIMEOUT) -> Report:
    """Check every step of a derivation against the step before it, each under `timeout`
    seconds (None: no limit), and that the result is one of the checked steps."""
    ctx = Context.from_assumptions(derivation.assumptions, derivation.sizes)
    reports = []
    verdicts: dict = {}
    before = None
    for index, step in enumerate(derivation.steps):
        try:
            with time_limit(timeout):
                verdict = check_step(before, step, ctx, seed=seed + index,
                                     history=tuple(enumerate(derivation.steps[:index])),
                                     verdicts=verdicts)
        except StepTimeout:
            verdict = Verdict(UNDECIDED, None,
                              f"time limit: the step took more than {timeout:g} s "
                              "(raise it with timeout=...)")
        except Exception as exc:  # noqa: BLE001 - a checker crash is reported, never passed
            verdict = Verdict(UNDECIDED, None, f"the checker raised {type(exc).__name__}: {exc}")
        reports.append(StepReport(index, step, verdict))
        verdicts[index] = verdict
        before = step.expr
    counts: dict[str, int] = {}
    for rep in reports:
        key = rep.verdict.method if rep.verdict.status == PASSED else rep.verdict.status
        counts[key] = counts.get(key, 0) + 1
    return Report(derivation.id, tuple(reports), counts, check_result(derivation, reports))
