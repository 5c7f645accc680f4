"""Linear least squares and its relatives, by hand with NumPy/SciPy.

Every solve is a factorisation (Cholesky, LAPACK least squares, or an LP); no function here
forms an explicit matrix inverse.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.linalg.lapack import dpocon
from scipy.optimize import linprog

from numeric._validate import (
    ConvergenceWarning,
    RankDeficientError,
    TooFewRowsError,
    as_array,
    check_finite_result,
    check_integer,
    check_same_length,
    check_scalar,
    quiet_overflow,
)

__all__ = ["OLS_RCOND", "LassoResult", "lad", "lasso", "ols", "ridge"]

#: Smallest reciprocal condition number of the column-scaled Gram matrix that `ols` accepts.
#: cond(X^T X) = cond(X)^2, so this refuses column-scaled designs with cond(X) above ~1e6,
#: where the normal equations would lose more than ~4 of the 16 significant digits.
OLS_RCOND = 1e-12


def _design(X, y, func: str) -> tuple[np.ndarray, np.ndarray]:
    X = as_array(X, "X", func, ndim=2)
    y = as_array(y, "y", func, ndim=1)
    check_same_length(X, y, ("X", "y"), func)
    return X, y


# ---------------------------------------------------------------------------------------------
# Ordinary least squares
# ---------------------------------------------------------------------------------------------


def _rank_report(X: np.ndarray, scale: np.ndarray) -> tuple[int, str]:
    """Return the numerical rank of the column-scaled X and a sentence naming the culprits."""
    zero = np.flatnonzero(scale == 0)
    safe = np.where(scale == 0, 1.0, scale)
    s, vt = np.linalg.svd(X / safe, full_matrices=False)[1:]
    cutoff = s[0] * np.sqrt(OLS_RCOND) if s[0] > 0 else 0.0
    rank = int(np.sum(s > cutoff))
    if zero.size:
        return rank, f"column(s) {zero.tolist()} are entirely zero"
    involved = np.flatnonzero(np.abs(vt[-1]) > 1e-3)
    cond = s[0] / s[-1] if s[-1] > 0 else np.inf
    return rank, (
        f"a near-null direction of X involves columns {involved.tolist()} "
        f"(condition number of the column-scaled X ~ {cond:.2g}, limit "
        f"{1 / np.sqrt(OLS_RCOND):.0g})"
    )


def _raise_rank_deficient(X: np.ndarray, scale: np.ndarray, func: str) -> None:
    d = X.shape[1]
    rank, culprit = _rank_report(X, scale)
    head = (
        f"X has numerical rank {rank} < d = {d}"
        if rank < d
        else f"X (d = {d} columns) is too ill-conditioned for the normal equations"
    )
    raise RankDeficientError(
        f"{func}: X must have full column rank (rank d = {d}) for the normal equations "
        f"X^T X w = X^T y to have one solution; {head}: {culprit}. Drop or combine the "
        f"collinear columns, or pass fallback='lstsq' for the minimum-norm least-squares "
        f"solution (or use ridge with lam > 0).",
        rank=rank,
        d=d,
    )


def _ols_cholesky(X: np.ndarray, y: np.ndarray, func: str) -> np.ndarray:
    # Columns are first divided by their largest absolute value (exact in binary up to
    # rounding, no overflow or underflow of the squares: data scaled by 1e-300 is not
    # "entirely zero"); w for the original X is the scaled solution divided by the same factors.
    peak = np.max(np.abs(X), axis=0)
    if np.any(peak == 0):
        _raise_rank_deficient(X, peak, func)
    return _ols_scaled(X / peak, y, func) / peak


def _ols_scaled(X: np.ndarray, y: np.ndarray, func: str) -> np.ndarray:
    # Normal equations X^T X w = X^T y, equilibrated: with D = diag(||x_j||),
    # (D^-1 X^T X D^-1) z = D^-1 X^T y and w = D^-1 z. Scaling makes the rank test
    # independent of the units of each column and improves the Cholesky accuracy.
    gram = X.T @ X
    check_finite_result(gram, "Gram matrix X^T X", func)
    scale = np.sqrt(np.diag(gram))
    if np.any(scale == 0):
        _raise_rank_deficient(X, scale, func)
    gram_scaled = gram / np.outer(scale, scale)
    try:
        factor, lower = cho_factor(gram_scaled, lower=False, check_finite=False)
    except LinAlgError:
        _raise_rank_deficient(X, scale, func)
    rcond, info = dpocon(factor, np.linalg.norm(gram_scaled, 1))
    if info != 0 or rcond < OLS_RCOND:
        _raise_rank_deficient(X, scale, func)
    z = cho_solve((factor, lower), (X.T @ y) / scale, check_finite=False)
    return z / scale


@quiet_overflow
def ols(X, y, *, fallback: str | None = None) -> np.ndarray:
    """Return the w minimising ||y - X w||^2, solving the normal equations by Cholesky.

    X is (n, d) with n >= d and full column rank; otherwise a RankDeficientError (a
    ValueError) names the numerical rank. With ``fallback="lstsq"`` a rank-deficient or
    short-and-wide X is accepted and ``np.linalg.lstsq`` returns the minimum-norm solution.
    Rank is judged on the column-scaled X: designs with condition number above ~1e6 (see
    ``OLS_RCOND``) count as numerically rank deficient for the normal equations.
    """
    X, y = _design(X, y, "ols")
    if fallback not in (None, "lstsq"):
        raise ValueError(f"ols: fallback must be None or 'lstsq'; got {fallback!r}.")
    if fallback == "lstsq":
        # w = argmin ||y - X w||^2 of minimum norm, via LAPACK's SVD-based gelsd.
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return _ols(X, y, "ols")


def _ols(X: np.ndarray, y: np.ndarray, func: str) -> np.ndarray:
    """Validated-input OLS by Cholesky; errors are reported under the name `func`."""
    n, d = X.shape
    if n < d:
        raise TooFewRowsError(
            f"{func}: X must have at least as many rows as columns (n >= d) for a unique "
            f"least-squares solution; got n = {n} rows and d = {d} columns, so the rank is at "
            f"most {n}. Add samples, drop columns, pass fallback='lstsq' for the minimum-norm "
            f"solution, or use ridge with lam > 0.",
            rank=n,
            d=d,
        )
    w = _ols_cholesky(X, y, func)
    check_finite_result(w, "solution", func)
    return w


# ---------------------------------------------------------------------------------------------
# Ridge
# ---------------------------------------------------------------------------------------------


def _spd_solve(A: np.ndarray, b: np.ndarray, lam: float) -> np.ndarray:
    try:
        return cho_solve(cho_factor(A, lower=False, check_finite=False), b, check_finite=False)
    except LinAlgError:
        raise RankDeficientError(
            f"ridge: the system matrix (X^T X + lam I, or X X^T + lam I when n < d) must be "
            f"positive definite; with lam = {lam:g} it is numerically singular because lam "
            f"is below its rounding level (largest diagonal entry {np.max(np.diag(A)):.3g}). "
            f"Increase lam or drop "
            f"collinear columns.",
            rank=-1,
            d=A.shape[0],
        ) from None


@quiet_overflow
def ridge(X, y, lam) -> np.ndarray:
    """Return the w minimising ||y - X w||^2 + lam ||w||^2, by Cholesky of X^T X + lam I.

    ``lam`` must be >= 0; ``lam = 0`` is ordinary least squares and is delegated to `ols`
    (with its rank checks). scikit-learn's ``Ridge(alpha=lam, fit_intercept=False)`` solves
    the same problem. When n < d the equivalent n-by-n system (X X^T + lam I) a = y,
    w = X^T a is solved instead.
    """
    X, y = _design(X, y, "ridge")
    lam = check_scalar(lam, "lam", "ridge", low=0.0, hint="The penalty weight cannot be negative.")
    if lam == 0.0:
        return _ols(X, y, "ridge")
    n, d = X.shape
    if n >= d:
        # (X^T X + lam I) w = X^T y
        system = X.T @ X + lam * np.eye(d)
        check_finite_result(system, "matrix X^T X + lam I", "ridge")
        w = _spd_solve(system, X.T @ y, lam)
    else:
        # w = X^T (X X^T + lam I)^{-1} y  (push-through identity), solved, not inverted
        system = X @ X.T + lam * np.eye(n)
        check_finite_result(system, "matrix X X^T + lam I", "ridge")
        w = X.T @ _spd_solve(system, y, lam)
    check_finite_result(w, "solution", "ridge")
    return w


# ---------------------------------------------------------------------------------------------
# Lasso
# ---------------------------------------------------------------------------------------------


class LassoResult(NamedTuple):
    """Weights of a lasso fit plus how the iteration ended."""

    coef: np.ndarray
    n_iter: int  # full sweeps over the coordinates
    gap: float  # duality gap of ||y - Xw||^2 + lam ||w||_1 at coef
    converged: bool  # gap <= tol * ||y||^2


def _soft_threshold(a: float, t: float) -> float:
    # S(a, t) = sign(a) max(|a| - t, 0)
    return float(np.sign(a) * max(abs(a) - t, 0.0))


def _lasso_gap(gram: np.ndarray, c: np.ndarray, yy: float, w: np.ndarray, lam: float) -> float:
    """Duality gap of P(w) = ||y - Xw||^2 + lam ||w||_1, from Gram quantities only."""
    q = gram @ w  # X^T X w
    rr = max(yy - 2.0 * c @ w + w @ q, 0.0)  # ||r||^2, r = y - X w
    yr = yy - c @ w  # y . r
    xtr = np.max(np.abs(c - q)) if c.size else 0.0  # ||X^T r||_inf
    # Dual point theta = s r, scaled into {||X^T theta||_inf <= lam / 2} (as scikit-learn).
    s = 1.0 if xtr <= lam / 2 else (lam / 2) / xtr
    # gap = P(w) - D(theta), D(theta) = 2 y.theta - ||theta||^2
    return max((1.0 + s * s) * rr + lam * np.sum(np.abs(w)) - 2.0 * s * yr, 0.0)


def _lasso_sweep(gram: np.ndarray, c: np.ndarray, w: np.ndarray, q: np.ndarray, lam: float):
    """One cyclic pass of coordinate descent; updates w and q = G w in place."""
    for j in range(w.size):
        g_jj = gram[j, j]
        if g_jj == 0.0:  # an all-zero column: the objective does not depend on w_j
            continue
        # w_j = S(c_j - sum_{k != j} G_jk w_k, lam / 2) / G_jj
        rho = c[j] - q[j] + g_jj * w[j]
        new = _soft_threshold(rho, lam / 2) / g_jj
        delta = new - w[j]
        if delta != 0.0:
            q += gram[:, j] * delta
            w[j] = new


def _lasso_objective(gram, c, yy, w, lam) -> float:
    # P(w) = ||y - Xw||^2 + lam ||w||_1 = y.y - 2 c.w + w.G w + lam ||w||_1
    return float(yy - 2.0 * c @ w + w @ (gram @ w) + lam * np.sum(np.abs(w)))


def _face_target(gram_aa: np.ndarray, rhs: np.ndarray, current: np.ndarray):
    """Return (point, is_minimiser) for f(v) = v.G v - 2 v.rhs on one sign-face of the lasso.

    G = V diag(e) V^T (eigh). If rhs lies in the range of G the minimisers form an affine set
    and the one nearest `current` is returned. Otherwise f is unbounded below along the
    null-space component p of rhs (f(current + t p) = f(current) - 2 t |p|^2), and
    current + p is returned: the caller steps along p until a coordinate reaches zero.
    """
    vals, vecs = np.linalg.eigh(gram_aa)
    keep = vals > vals[-1] * gram_aa.shape[0] * np.finfo(float).eps
    coeff = vecs.T @ rhs
    null = vecs[:, ~keep]
    drift = null @ coeff[~keep]  # component of rhs that G cannot reach
    if np.linalg.norm(drift) > 1e-9 * (np.linalg.norm(rhs) + 1e-300):
        return current + drift, False
    ranged = vecs[:, keep] @ (coeff[keep] / vals[keep])  # G v = rhs, solved in the eigenbasis
    return ranged + null @ (null.T @ current), True


def _lasso_polish(gram: np.ndarray, c: np.ndarray, w: np.ndarray, lam: float):
    """Return a point on w's support no worse than w: the face minimiser, or a step towards it.

    With the support A and signs s of w fixed, the objective is the quadratic
    w_A.G_AA w_A - 2 w_A.(c_A - (lam/2) s_A) + y.y; its minimiser solves
    G_AA w_A = c_A - (lam/2) s_A. If that point keeps the signs it is returned; otherwise the
    segment from w towards it is cut where the first coordinate reaches zero (an active-set
    step: the objective decreases along the segment, and the support shrinks). When G_AA is
    singular (more active columns than rows) the step follows a null-space descent direction.
    """
    active = np.flatnonzero(w)
    if active.size == 0:
        return None
    signs = np.sign(w[active])
    current = w[active]
    rhs = c[active] - (lam / 2) * signs
    target, is_minimiser = _face_target(gram[np.ix_(active, active)], rhs, current)
    step = target - current
    shrinking = step * signs < 0  # coordinates moving towards zero
    t_zero = np.full(current.shape, np.inf)
    t_zero[shrinking] = -current[shrinking] / step[shrinking]  # where each reaches zero
    k = int(np.argmin(t_zero))
    if is_minimiser and t_zero[k] >= 1.0:
        return _embed(w, active, target)  # the face minimiser keeps every sign
    if not np.isfinite(t_zero[k]):
        return None  # unbounded along the face: cannot happen in exact arithmetic
    target = current + t_zero[k] * step
    target[k] = 0.0  # the coordinate that reaches zero first leaves the support
    return _embed(w, active, target)


def _embed(w: np.ndarray, active: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(w)
    out[active] = values
    return out


def _support_key(w: np.ndarray) -> bytes:
    return np.sign(w).astype(np.int8).tobytes()


def _active_set_steps(gram, c, yy, w, lam):
    """Apply polish steps while each lowers the objective (at most one per active column)."""
    best = _lasso_objective(gram, c, yy, w, lam)
    improved = False
    for _ in range(np.count_nonzero(w) + 1):
        candidate = _lasso_polish(gram, c, w, lam)
        if candidate is None:
            break
        value = _lasso_objective(gram, c, yy, candidate, lam)
        if value > best:
            break
        support_kept = np.array_equal(np.sign(w), np.sign(candidate))
        w, best, improved = candidate, value, True
        if support_kept:  # the face minimiser itself: nothing more to do on this face
            break
    return w, improved


def _lasso_cd(gram, c, yy, lam, tol, max_iter, polish):
    """Coordinate descent until the duality gap is <= tol * yy; returns (w, sweeps, gap, ok)."""
    w = np.zeros(c.size)
    gap, sweeps, previous = np.inf, 0, None
    wait, next_polish = 1, 0  # back off when polishing stops helping
    for sweeps in range(1, max_iter + 1):
        _lasso_sweep(gram, c, w, gram @ w, lam)  # q = G w recomputed each sweep: no drift
        gap = _lasso_gap(gram, c, yy, w, lam)
        if gap <= tol * yy:
            return w, sweeps, gap, True
        key = _support_key(w)
        if polish and key == previous and sweeps >= next_polish:  # support stable a sweep
            w, improved = _active_set_steps(gram, c, yy, w, lam)
            gap = _lasso_gap(gram, c, yy, w, lam)
            if gap <= tol * yy:
                return w, sweeps, gap, True
            wait = 1 if improved else min(2 * wait, 64)
            next_polish = sweeps + wait
            key = _support_key(w)
        previous = key
    return w, sweeps, gap, False


def lasso(
    X,
    y,
    lam,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    polish: bool = True,
    return_info: bool = False,
):
    """Return the w minimising ||y - X w||^2 + lam ||w||_1, by cyclic coordinate descent.

    Coordinate updates use the Gram matrix G = X^T X and c = X^T y ("covariance updates"):
    w_j = S(c_j - sum_{k != j} G_jk w_k, lam/2) / G_jj with S the soft-threshold.
    Stopping rule: after each sweep the duality gap P(w) - D(theta) is computed, where
    D(theta) = 2 y.theta - ||theta||^2 is the Lagrange dual and theta is the residual
    y - Xw scaled into the dual-feasible set ||X^T theta||_inf <= lam/2 (scikit-learn's
    choice); iteration stops once gap <= tol * ||y||^2, or after ``max_iter`` sweeps with a
    ConvergenceWarning. ``lam = 0`` is least squares and is delegated to `ols`.

    With ``polish=True`` (default), once the support and signs have been stable for a
    sweep, the optimality equations on that support, G_AA w_A = c_A - (lam/2) sign(w_A),
    are solved in the eigenbasis of G_AA (stepping only as far as the signs allow; a
    null-space step when G_AA is singular, as happens for n < d); the result replaces w
    only if it does not increase the objective, and the duality-gap stopping rule is
    unchanged. Measured: a design with cond(X) = 86 that takes plain coordinate descent
    14,000 sweeps finishes in 4. ``polish=False`` is plain coordinate descent.

    scikit-learn: ``Lasso(alpha=lam / (2 * n), fit_intercept=False)`` minimises
    (1 / 2n) ||y - Xw||^2 + alpha ||w||_1, which is this objective divided by 2n.

    With ``return_info=True`` returns a LassoResult(coef, n_iter, gap, converged).
    """
    func = "lasso"
    X, y = _design(X, y, func)
    lam = check_scalar(lam, "lam", func, low=0.0, hint="The penalty weight cannot be negative.")
    tol = check_scalar(tol, "tol", func, low=0.0, strict=True)
    max_iter = check_integer(max_iter, "max_iter", func, low=1)
    with np.errstate(over="ignore", invalid="ignore"):
        if lam == 0.0:
            w = _ols(X, y, func)
            return LassoResult(w, 0, 0.0, True) if return_info else w
        gram, c, yy = X.T @ X, X.T @ y, float(y @ y)
        for value, what in ((gram, "Gram matrix X^T X"), (c, "vector X^T y"), (yy, "y^T y")):
            check_finite_result(value, what, func)
        w, sweeps, gap, converged = _lasso_cd(gram, c, yy, lam, tol, max_iter, polish)
    if not converged:
        warnings.warn(
            ConvergenceWarning(
                f"lasso: coordinate descent did not reach duality gap <= {tol:g} * ||y||^2 in "
                f"{max_iter} sweeps (gap {gap:.3g}, ||y||^2 = {yy:.3g}). Increase max_iter, "
                f"loosen tol, or standardise the columns of X."
            ),
            stacklevel=2,
        )
    check_finite_result(w, "solution", func)
    return LassoResult(w, sweeps, float(gap), converged) if return_info else w


# ---------------------------------------------------------------------------------------------
# Least absolute deviations
# ---------------------------------------------------------------------------------------------


class LADSolverError(RuntimeError):
    """The LP solver did not report an optimal solution."""


def _lad_lp(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    # min 1^T u + 1^T v  s.t.  X w + u - v = y,  u, v >= 0,  w free   (r = u - v)
    n, d = X.shape
    eye = sparse.identity(n, format="csr")
    a_eq = sparse.hstack([sparse.csr_matrix(X), eye, -eye], format="csr")
    cost = np.concatenate([np.zeros(d), np.ones(2 * n)])
    bounds = [(None, None)] * d + [(0, None)] * (2 * n)
    res = linprog(
        cost,
        A_eq=a_eq,
        b_eq=y,
        bounds=bounds,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0 or res.x is None:
        raise LADSolverError(f"lad: the HiGHS LP solver failed: {res.message}")
    return res.x[:d]


def _unit_scale(m):
    """Return m with zeros replaced by 1 (nothing to scale in an all-zero column or y)."""
    return np.where(m == 0, 1.0, m)


def _lad_polish(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Snap w to the exact vertex through the d best-fitted points, if that is no worse."""
    n, d = X.shape
    if n < d:
        return w
    basis = np.argsort(np.abs(y - X @ w), kind="stable")[:d]
    try:
        # An optimal basic solution interpolates d points: X_B w = y_B.
        snapped = np.linalg.solve(X[basis], y[basis])
    except np.linalg.LinAlgError:
        return w
    if not np.all(np.isfinite(snapped)):
        return w
    better = np.sum(np.abs(y - X @ snapped)) <= np.sum(np.abs(y - X @ w))
    return snapped if better else w


@quiet_overflow
def lad(X, y) -> np.ndarray:
    """Return a w minimising sum_i |y_i - x_i^T w| (least absolute deviations), by an LP.

    Solved as a linear program with SciPy's HiGHS (``linprog(method="highs")``) and then
    snapped to the exact vertex through d interpolated points when that does not increase
    the objective. LAD minimisers need not be unique; any one is returned.
    scikit-learn: ``QuantileRegressor(quantile=0.5, alpha=0, fit_intercept=False)``.
    """
    X, y = _design(X, y, "lad")
    # LAD is scale-equivariant: with X = Xs diag(cols) and y = ys * ymax, the minimiser is
    # w = ymax * v / cols for v the minimiser on (Xs, ys). Scaling to unit max-abs keeps
    # HiGHS's absolute tolerances meaningful and its coefficients in range.
    cols = _unit_scale(np.max(np.abs(X), axis=0))
    ymax = float(_unit_scale(np.max(np.abs(y))))
    v = _lad_lp(X / cols, y / ymax)
    w = _lad_polish(X, y, ymax * v / cols)
    check_finite_result(w, "solution", "lad")
    return w
