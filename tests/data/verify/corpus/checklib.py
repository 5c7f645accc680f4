"""Independent computations that confirm the corpus labels: each check says whether a step holds.

A check is a function of no arguments returning a `Result`: `holds` is True when the step as
labelled is mathematically right, False when a counterexample (or a symbolic difference) shows
it wrong. Every result says how it knows (symbolic, sampled, finite differences, exact
rationals). Nothing here imports derive: the labels must not lean on the program they score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp


@dataclass
class Result:
    """Whether a step holds, how that was established, and a witness when it does not."""

    holds: bool
    how: str
    witness: dict = field(default_factory=dict)


DEFINITION = Result(True, "definition: the step names an expression, nothing to compute")
CONDITION = Result(True, "condition: the step sets an expression to zero, nothing to compute")


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _rational(r: np.random.Generator, positive: bool) -> sp.Rational:
    num = int(r.integers(1, 30)) * (1 if positive or r.random() < 0.5 else -1)
    return sp.Rational(num, int(r.integers(1, 7)))


def sym_equal(a, b, positive=(), trials: int = 6, seed: int = 0, domain=None) -> Result:
    """a == b as SymPy expressions: symbolic simplification, then exact rationals at random points.

    Symbols listed in `positive` (or declared positive) get positive values; `domain` maps a
    symbol name to an open interval (lo, hi) its values are drawn from. Points where a side is
    not a finite number are skipped.
    """
    a, b = sp.sympify(a), sp.sympify(b)
    diff = sp.simplify(sp.expand_log(a - b, force=True))
    if diff == 0:
        return Result(True, "symbolic: the difference simplifies to 0")
    r = rng(seed)
    free = sorted(a.free_symbols | b.free_symbols, key=str)
    pos = {str(s) for s in positive}
    domain = domain or {}
    tried = 0
    for _ in range(trials * 5):
        point = {}
        for s in free:
            if str(s) in domain:
                lo, hi = domain[str(s)]
                point[s] = sp.Rational(lo) + (sp.Rational(hi) - sp.Rational(lo)) * sp.Rational(int(r.integers(1, 97)), 97)
            else:
                point[s] = _rational(r, s.is_positive or str(s) in pos)
        try:
            va, vb = complex(sp.N(a.subs(point), 30)), complex(sp.N(b.subs(point), 30))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not (np.isfinite(va) and np.isfinite(vb)):
            continue
        tried += 1
        if abs(va - vb) > 1e-10 * (1 + abs(va)):
            return Result(False, "exact rationals: the two sides differ",
                          {str(k): str(v) for k, v in point.items()} | {"before": f"{va:.6g}", "after": f"{vb:.6g}"})
        if tried == trials:
            break
    if tried == 0:
        raise ValueError("sym_equal: no random point gave finite values; give a domain")
    return Result(True, f"exact rationals: equal at {tried} random points (no symbolic zero)")


def num_equal(f, g, sample, trials: int = 20, rtol: float = 1e-9, seed: int = 0) -> Result:
    """f(point) == g(point) on `trials` random points drawn by sample(rng) (numpy floats)."""
    r = rng(seed)
    for _ in range(trials):
        point = sample(r)
        a, b = np.asarray(f(**point), dtype=float), np.asarray(g(**point), dtype=float)
        if a.shape != b.shape:
            return Result(False, f"sampled: the sides have different shapes {a.shape} and {b.shape}",
                          {"point": _short(point)})
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ValueError(f"num_equal: a side is not finite at {_short(point)}")
        scale = 1.0 + max(np.max(np.abs(a)), np.max(np.abs(b)))
        if np.max(np.abs(a - b)) > rtol * scale * 1e3:
            return Result(False, "sampled: the two sides differ at a random point",
                          {"point": _short(point), "before": _short(a), "after": _short(b)})
    return Result(True, f"sampled: equal at {trials} random points")


def gradient_fd(f, grad, sample, trials: int = 5, h: float = 1e-6, seed: int = 0, var: str = "x") -> Result:
    """grad(point) is the gradient of the scalar f in the array argument `var`, by central differences."""
    r = rng(seed)
    for _ in range(trials):
        point = sample(r)
        x = np.array(point[var], dtype=float)
        g = np.asarray(grad(**point), dtype=float)
        fd = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[idx] = h
            fd[idx] = (f(**(point | {var: x + e})) - f(**(point | {var: x - e}))) / (2 * h)
        if g.shape != fd.shape:
            g = g.reshape(fd.shape) if g.size == fd.size else g
        if g.shape != fd.shape or not np.allclose(g, fd, rtol=1e-5, atol=1e-6):
            return Result(False, f"finite differences: the claimed gradient in {var} is not the gradient",
                          {"point": _short(point), "claimed": _short(g), "finite differences": _short(fd)})
    return Result(True, f"finite differences: the gradient in {var} matches at {trials} random points")


def same_minimiser(f, g, sample, theta0, trials: int = 3, seed: int = 0, maximise=(False, False)) -> Result:
    """argmin f == argmin g (or argmax where `maximise` says so) on random data, numerically (scipy)."""
    from scipy.optimize import minimize

    r = rng(seed)
    for _ in range(trials):
        data = sample(r)
        sf = -1.0 if maximise[0] else 1.0
        sg = -1.0 if maximise[1] else 1.0
        xf = minimize(lambda t: sf * f(t, **data), theta0(r), method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}).x
        xg = minimize(lambda t: sg * g(t, **data), theta0(r), method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}).x
        if not np.allclose(xf, xg, rtol=1e-4, atol=1e-4):
            return Result(False, "optimised numerically: the two objectives have different optimisers",
                          {"data": _short(data), "before": _short(xf), "after": _short(xg)})
    return Result(True, f"optimised numerically: the same optimiser on {trials} random data sets")


def same_solutions(eq_a, eq_b, var, domain=sp.S.Reals, trials: int = 4, seed: int = 0) -> Result:
    """The equations eq_a = 0 and eq_b = 0 (SymPy expressions) have the same solutions in var.

    Symbolically first; when the two solution sets are not plainly equal, the other symbols are
    given random positive rationals and the finite solution sets are compared exactly.
    """
    eq_a, eq_b = sp.sympify(eq_a), sp.sympify(eq_b)
    sa, sb = sp.solveset(eq_a, var, domain), sp.solveset(eq_b, var, domain)
    if sa == sb or sp.simplify(sa.symmetric_difference(sb)) == sp.S.EmptySet:
        return Result(True, f"symbolic: both equations have the solutions {sa}")
    others = sorted((eq_a.free_symbols | eq_b.free_symbols) - {var}, key=str)
    r = rng(seed)
    for _ in range(trials):
        point = {o: _rational(r, True) for o in others}
        xa = sp.solveset(eq_a.subs(point), var, domain)
        xb = sp.solveset(eq_b.subs(point), var, domain)
        if not all(isinstance(x, sp.FiniteSet) or x == sp.S.EmptySet for x in (xa, xb)):
            raise ValueError(f"same_solutions: solution sets not finite at {point}: {xa}, {xb}")
        if {sp.nsimplify(sp.simplify(v)) for v in xa} != {sp.nsimplify(sp.simplify(v)) for v in xb}:
            return Result(False, "exact rationals: the equations have different solutions",
                          {str(k): str(v) for k, v in point.items()} | {"before": str(xa), "after": str(xb)})
    return Result(True, f"exact rationals: the same solutions at {trials} random values of the other symbols")


def shapes_mismatch(why: str) -> Result:
    """A side is not a defined expression (a product of non-conformable shapes); numpy raises."""
    return Result(False, f"shapes: {why}")


def not_conformable(*shapes) -> Result:
    """Try the matrix product of arrays of the given shapes in numpy; wrong when it is undefined."""
    arrays = [np.ones(s) for s in shapes]
    try:
        out = arrays[0]
        for a in arrays[1:]:
            out = out @ a
    except ValueError as exc:
        return Result(False, f"shapes: the product of shapes {shapes} is undefined ({exc})")
    return Result(True, f"shapes: the product of shapes {shapes} is defined, shape {out.shape}")


def exact(value, expected) -> Result:
    """Exact rational arithmetic: value == expected."""
    v, e = Fraction(value), Fraction(expected)
    return Result(v == e, "exact rationals: " + ("equal" if v == e else f"{v} != {e}"))


def _short(x):
    if isinstance(x, dict):
        return {k: _short(v) for k, v in x.items()}
    a = np.asarray(x, dtype=float) if not isinstance(x, str) else x
    if isinstance(a, str):
        return a
    return np.array2string(a, precision=4, threshold=12)


def proportional(log_a, log_b, draws, what: str = "the variable") -> Result:
    """a is proportional to b in the variable drawn: log a - log b is the same at every draw."""
    values = [float(log_a(v) - log_b(v)) for v in draws]
    spread = float(np.ptp(values))
    holds = spread < 1e-9 * (1 + max(abs(v) for v in values))
    return Result(bool(holds), f"sampled: log-ratio of the sides varies by {spread:.3g} over {len(values)} values of {what}")
