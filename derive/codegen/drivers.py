"""Loop drivers around derived updates: numpy only, never SymPy.

The update formulas come from the catalogue, compiled by the printer (a soft-threshold, a GD
step, an IRLS weight); the loops, stopping rules and bookkeeping live here.

- `iterate`: x_{k+1} = step(x_k, ...) for n_iter steps, keeping the trajectory.
- `lasso_gram`: cyclic coordinate descent on the Gram matrix ("covariance updates")
  w_j <- S(c_j - sum_{k != j} G_jk w_k, lam/2) / G_jj with the derived soft-threshold S, gap-safe
  screening, and scikit-learn's duality-gap stop (formulation A, tol * ||y||^2).
- `lad_irls`: least absolute deviations by iteratively reweighted least squares from the
  majorisation |r| <= r^2 / (2|r0|) + |r0| / 2, finished by snapping to the optimal vertex
  (d interpolated points) with a dual certificate.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.linalg import blas, lapack

from derive.codegen import kernels
from derive.codegen.validate import NonFiniteIntermediate, ParameterError

__all__ = ["ConvergenceWarning", "iterate", "iterate_affine", "lasso_gram", "LassoInfo", "lad_irls", "LADInfo"]


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at max_iter before its stopping rule was met."""


# --------------------------------------------------------------------------- plain iteration


def iterate(step, state: str, x0, n_iter: int, inputs: dict):
    """The trajectory [x0, x1, ..., x_{n_iter}] of x_{k+1} = step(..., state=x_k, ...)."""
    n_iter = int(n_iter)
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0; got {n_iter}")
    x = np.asarray(x0, dtype=float)
    out = [x]
    kwargs = dict(inputs)
    for _ in range(n_iter):
        kwargs[state] = x
        x = np.asarray(step(**kwargs), dtype=float).reshape(np.shape(out[0]))
        out.append(x)
    return np.stack(out)


def iterate_affine(M, o, x0, n_iter: int):
    """The trajectory of x_{k+1} = M x_k + o (M d x d, o a vector): one matvec per step."""
    n_iter = int(n_iter)
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0; got {n_iter}")
    out = np.empty((n_iter + 1,) + np.shape(x0))
    out[0] = x0
    for k in range(n_iter):
        np.dot(M, out[k], out=out[k + 1])
        out[k + 1] += o
    return out


# --------------------------------------------------------------------------- lasso


class LassoInfo(tuple):
    """(coef, gap, tol, n_iter): the fit and how coordinate descent ended (sklearn's order)."""

    __slots__ = ()

    def __new__(cls, coef, gap, tol, n_iter):
        return super().__new__(cls, (coef, gap, tol, n_iter))

    coef = property(lambda self: self[0])
    gap = property(lambda self: self[1])
    tol = property(lambda self: self[2])
    n_iter = property(lambda self: self[3])


def _gap(alpha, w, Gw, c, yy):
    """scikit-learn's duality gap (formulation A) of 0.5||y - Xw||^2 + alpha ||w||_1."""
    qw = float(c @ w)
    R2 = yy + float(w @ Gw) - 2.0 * qw
    Ry = yy - qw
    XtA = c - Gw
    dual_norm = float(np.max(np.abs(XtA))) if XtA.size else 0.0
    primal = 0.5 * R2 + alpha * float(np.sum(np.abs(w)))
    scale = alpha / dual_norm if dual_norm > alpha else 1.0
    dual = -0.5 * scale * scale * R2 + scale * Ry
    return primal - dual, XtA, dual_norm


def lasso_gram(G, c, yy, lam, soft_threshold, *, tol=1e-4, max_iter=1000, w0=None, screening=True,
               lsq=None, fallback=None):
    """Minimise ||y - X w||^2 + lam ||w||_1 given G = X^T X, c = X^T y and yy = y^T y.

    `soft_threshold(z, lam)` is the derived S(z, lam) = argmin_u (u - z)^2 + lam |u| (threshold
    lam / 2). Coordinate j minimises G_jj (u - rho_j / G_jj)^2 + lam |u| with
    rho_j = c_j - sum_{k != j} G_jk w_k, so w_j = S(rho_j / G_jj, lam / G_jj) = S(rho_j, lam) / G_jj. The stop is scikit-learn's:
    when the largest coordinate change is below tol relative to the largest coefficient, the
    duality gap of the half objective 0.5||y - Xw||^2 + (lam/2)||w||_1 is computed and the loop
    ends once gap <= tol * yy. Gap-safe screening (Fercoq et al. 2015) drops coordinates
    proven zero. Returns LassoInfo(coef, gap, tol * yy, n_iter).
    A NaN or infinity in G, c or yy raises `NonFiniteIntermediate` (comparisons with NaN
    would otherwise soft-threshold every coordinate to 0). `lsq = (X, y, 0)` and `fallback`
    are passed to the least-squares solve at lam = 0 (rank checks, see kernels.solve_pd).
    """
    G = np.ascontiguousarray(G, dtype=float)
    c = np.asarray(c, dtype=float).ravel()
    d = c.shape[0]
    lam = float(lam)
    if not (np.isfinite(G).all() and np.isfinite(c).all() and math.isfinite(yy)):
        raise NonFiniteIntermediate("Gram matrix X^T X, X^T y or y^T y")
    if not lam >= 0:
        raise ParameterError(f"lam must be >= 0 (the weight of the L1 penalty); got lam={lam}")
    alpha = 0.5 * lam  # the L1 weight of the half objective (scikit-learn's alpha * n)
    if lam == 0:  # no penalty: least squares, G w = c (Cholesky, a warning if ill-conditioned)
        w = kernels.solve_pd(G, c, lsq=lsq, what="X^T X", fallback=fallback)
        return LassoInfo(np.asarray(w, dtype=float), 0.0, tol * yy, 0)
    yy = float(yy)
    w = np.zeros(d) if w0 is None else np.array(w0, dtype=float).ravel()
    Gw = G @ w
    diag = G.diagonal().tolist()
    rows = [G[j] for j in range(d)]
    c_list = c.tolist()
    wl = w.tolist()
    axpy = blas.daxpy
    st = soft_threshold
    tol_abs = tol * yy
    active = [j for j in range(d) if diag[j] != 0.0]

    def screen(gap, XtA, dual_norm):
        if not screening or alpha <= 0:
            return active
        radius = math.sqrt(2.0 * abs(gap)) / alpha
        theta = XtA / max(alpha, dual_norm)
        dj = (1.0 - np.abs(theta)) / np.sqrt(np.maximum(G.diagonal(), 1e-300))
        keep = []
        for j in active:
            if dj[j] <= radius:
                keep.append(j)
            elif wl[j] != 0.0:
                axpy(rows[j], Gw, a=-wl[j])
                wl[j] = 0.0
        return keep

    w[:] = wl
    gap, XtA, dual_norm = _gap(alpha, w, Gw, c, yy)
    if 0 <= gap <= tol_abs:
        return LassoInfo(w, gap, tol_abs, 0)
    active = screen(gap, XtA, dual_norm)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        w_max = 0.0
        d_w_max = 0.0
        for j in active:
            gjj = diag[j]
            wj = wl[j]
            z = c_list[j] - Gw[j] + gjj * wj
            new = st(z, lam) / gjj
            if new != wj:
                axpy(rows[j], Gw, a=new - wj)  # Gw += (new - wj) G[j]
                wl[j] = new
                dw = abs(new - wj)
                if dw > d_w_max:
                    d_w_max = dw
            if abs(new) > w_max:
                w_max = abs(new)
        if w_max == 0.0 or d_w_max / w_max <= tol or n_iter == max_iter:
            w[:] = wl
            gap, XtA, dual_norm = _gap(alpha, w, Gw, c, yy)
            if gap <= tol_abs:
                break
            active = screen(gap, XtA, dual_norm)
    else:
        warnings.warn(
            ConvergenceWarning(
                f"lasso coordinate descent stopped after {max_iter} sweeps with duality gap "
                f"{gap:.3g} > tol * ||y||^2 = {tol_abs:.3g}; raise max_iter or loosen tol"
            ),
            stacklevel=kernels.user_stacklevel(),
        )
    w[:] = wl
    return LassoInfo(w, float(gap), tol_abs, n_iter)


# --------------------------------------------------------------------------- LAD


class LADInfo(tuple):
    """(coef, objective, n_iter, certified): certified means a dual certificate proved optimality."""

    __slots__ = ()

    def __new__(cls, coef, objective, n_iter, certified):
        return super().__new__(cls, (coef, objective, n_iter, certified))

    coef = property(lambda self: self[0])
    objective = property(lambda self: self[1])
    n_iter = property(lambda self: self[2])
    certified = property(lambda self: self[3])


def _independent_rows(X, score, d):
    """d linearly independent rows of X, taken greedily in increasing order of `score`
    (Gram-Schmidt against the rows accepted so far); None if X has rank < d."""
    n = X.shape[0]
    first = np.argpartition(score, min(4 * d, n - 1))[: 4 * d] if 4 * d < n else np.arange(n)
    order = first[np.argsort(score[first], kind="stable")]
    Q = np.zeros((0, X.shape[1]))
    chosen = []
    for attempt in (order, np.argsort(score, kind="stable")):
        for i in attempt:
            if i in chosen:
                continue
            x = X[i]
            v = x - Q.T @ (Q @ x)
            nv = np.linalg.norm(v)
            if nv > 1e-10 * max(np.linalg.norm(x), 1e-300):
                Q = np.vstack([Q, v / nv])
                chosen.append(int(i))
                if len(chosen) == d:
                    return np.array(chosen)
    return None


def _vertex(X, y, r, max_pivots=None):
    """From the vertex through the d smallest residuals, pivot to a certified LAD optimum.

    Optimality of min sum |y_i - x_i^T w| (subgradients): there are u_i in [-1, 1] for the zero
    residuals with sum_{r_i != 0} sign(r_i) x_i + sum_{r_i = 0} u_i x_i = 0. At the vertex with
    basis B (d interpolated rows) u solves X_B^T u = -X_N^T sign(r_N), and max |u| <= 1 proves
    optimality. Otherwise the basis row k with |u_k| > 1 is released along X_B delta =
    -sign(u_k) e_k (directional derivative 1 - |u_k| < 0) and the exact line search over the
    convex piecewise-linear objective (a weighted median of breakpoints) picks the entering row:
    one simplex pivot (Barrodale and Roberts). Returns (w, objective, certified) or None.
    """
    n, d = X.shape
    if n < d or d == 0:
        return None
    basis = _independent_rows(X, np.abs(r), d)
    if basis is None:
        return None
    lu, piv, info = lapack.dgetrf(X[basis])
    if info != 0 or not np.all(np.isfinite(lu)):
        return None
    dg = np.abs(np.diag(lu))
    if dg.min() <= 1e-13 * max(dg.max(), 1e-300):
        return None
    w, info = lapack.dgetrs(lu, piv, y[basis])
    if info != 0 or not np.all(np.isfinite(w)):
        return None
    r = y - X @ w
    obj = float(np.sum(np.abs(r)))
    s = np.sign(r)
    s[basis] = 0.0
    g = X.T @ s  # X_N^T sign(r_N), kept up to date row by row as signs change
    max_pivots = 10 * d + 20 if max_pivots is None else max_pivots
    for pivot in range(max_pivots + 1):
        if pivot and pivot % 25 == 0:  # refresh what is updated incrementally (rounding)
            r = y - X @ w
            s = np.sign(r)
            s[basis] = 0.0
            g = X.T @ s
        u, info = lapack.dgetrs(lu, piv, -g, trans=1)  # X_B^T u = -X_N^T s_N
        if info != 0:
            return w, obj, False
        k = int(np.argmax(np.abs(u)))
        if abs(u[k]) <= 1.0 + 1e-9:
            r = y - X @ w  # certify on fresh residuals, not on incrementally updated ones
            s_fresh = np.sign(r)
            s_fresh[basis] = 0.0
            u, info = lapack.dgetrs(lu, piv, -(X.T @ s_fresh), trans=1)
            if info == 0 and np.max(np.abs(u)) <= 1.0 + 1e-9:
                return w, float(np.sum(np.abs(r))), True
            s, g = s_fresh, X.T @ s_fresh
            k = int(np.argmax(np.abs(u)))
        e = np.zeros(d)
        e[k] = -math.copysign(1.0, u[k])
        delta, info = lapack.dgetrs(lu, piv, e)  # X_B delta = e: only row k moves
        a = X @ delta
        # f(t) = sum |r_i - t a_i|; slope at 0+ is 1 - |u_k|; each breakpoint t_i = r_i / a_i > 0
        # adds 2|a_i|: the minimiser is the first breakpoint where the slope turns >= 0.
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r / a
        t[basis] = np.inf
        cand = np.flatnonzero((t > 0) & np.isfinite(t))
        if cand.size == 0:
            return w, obj, False
        need = abs(u[k]) - 1.0
        m = order = None
        for size in (64, 1024, cand.size):  # the crossing is usually among the first few
            if size < cand.size:
                part = cand[np.argpartition(t[cand], size)[:size]]
            else:
                part = cand
            order = part[np.argsort(t[part], kind="stable")]
            slope = np.cumsum(2.0 * np.abs(a[order])) - need
            m = int(np.searchsorted(slope >= 0, True))
            if m < order.size:
                break
        if m >= order.size:
            return w, obj, False
        enter = int(order[m])
        step = float(t[enter])
        w_new = w + step * delta
        r_new = r - step * a
        obj_new = float(np.sum(np.abs(r_new)))
        if not obj_new <= obj * (1 + 1e-14) + 1e-300:
            return w, obj, False  # rounding: keep the better point
        basis = basis.copy()
        basis[k] = enter
        lu, piv, info = lapack.dgetrf(X[basis])
        if info != 0:
            return w_new, obj_new, False
        s_new = np.sign(r_new)
        s_new[basis] = 0.0
        changed = np.flatnonzero(s_new != s)  # crossed breakpoints, the entering and leaving rows
        g += X[changed].T @ (s_new[changed] - s[changed])
        w, r, s, obj = w_new, r_new, s_new, obj_new
    return w, obj, False


def _independent_columns(X, G):
    """None when X has full column rank; else the columns of a maximal independent set
    (column-pivoted QR, numpy's rank tolerance), in their original order."""
    d = X.shape[1]
    diag = G.diagonal()
    if np.all(diag > 0):
        s = np.sqrt(diag)
        c, info = lapack.dpotrf(G / np.multiply.outer(s, s), lower=0, clean=0)
        if info == 0:
            rcond, _ = lapack.dpocon(c, float(np.abs(G / np.multiply.outer(s, s)).sum(axis=0).max()))
            if rcond > 1e-14:
                return None
    from scipy.linalg import qr

    R, piv = qr(X, mode="r", pivoting=True)
    r_diag = np.abs(np.diag(R))
    tol = np.finfo(float).eps * max(X.shape) * (r_diag[0] if r_diag.size else 0.0)
    rank = int(np.sum(r_diag > tol))
    if rank == d:
        return None
    return np.sort(piv[:rank])


def lad_irls(X, y, weight, *, tol=1e-3, max_iter=50, w0=None, cond_limit=None):
    """Least absolute deviations (see `_lad_irls`), for any X.

    A rank-deficient X gives a set of minimisers; the LAD problem is then solved on a maximal
    set of independent columns (their span is X's column space, so the optimal objective is
    the same) and the other coefficients are 0: a basic optimal solution. A NaN or infinity
    in X^T X or X^T y raises `NonFiniteIntermediate`.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    G, b = kernels.gram_xy(X, y)
    if not (np.isfinite(G).all() and np.isfinite(b).all()):
        raise NonFiniteIntermediate("Gram matrix X^T X or X^T y")
    keep = _independent_columns(X, G)
    if keep is None:
        return _lad_irls(X, y, weight, tol=tol, max_iter=max_iter, w0=w0, cond_limit=cond_limit,
                         gram=(G, b))
    coef = np.zeros(X.shape[1])
    if keep.size == 0:  # X = 0: every w is optimal
        return LADInfo(coef, float(np.sum(np.abs(y))), 0, True)
    part = _lad_irls(X[:, keep], y, weight, tol=tol, max_iter=max_iter, cond_limit=cond_limit)
    coef[keep] = part.coef
    return LADInfo(coef, part.objective, part.n_iter, part.certified)


def _lad_irls(X, y, weight, *, tol=1e-3, max_iter=50, w0=None, cond_limit=None, gram=None):
    """Minimise sum_i |y_i - x_i^T w| by IRLS on the majoriser sum r_i^2 / (2|r0_i|) + |r0_i| / 2.

    `weight(r)` is the derived majoriser weight (1 / (2|r|), vectorised); each step minimises
    sum weight(r0_i) r_i^2, a weighted least squares solve (X^T W X) w = X^T W y by Cholesky,
    which never increases the objective. Weights are capped where |r| falls below a small
    scale (zero residuals). Once a step gains less than `tol` (relative), the iterate is
    snapped to the vertex through its d smallest residuals and finished by simplex pivots to a
    dual-certified optimum (`_vertex`); if that fails, IRLS resumes.
    Returns LADInfo(coef, objective, n_iter, certified).
    """
    n, d = X.shape
    if w0 is None:
        G, b = gram if gram is not None else kernels.gram_xy(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", kernels.IllConditionedWarning)
            w = kernels.solve_pd(G, b, lsq=(X, y, 0.0), cond_limit=cond_limit or 1e12)
    else:
        w = np.asarray(w0, dtype=float).ravel()
    r = y - X @ w
    obj = float(np.sum(np.abs(r)))
    best = (w, obj)
    if obj == 0.0:  # an exact fit: nothing can be lower
        return LADInfo(w, 0.0, 0, True)
    # |r| below this counts as zero: weights stay finite (1e-12 of the typical residual)
    floor = 1e-12 * obj / n
    k = 0
    for k in range(1, max_iter + 1):
        wts = weight(np.maximum(np.abs(r), floor))
        G, b = kernels.weighted_gram_xy(X, y, np.sqrt(wts))
        c_, info = lapack.dpotrf(G, lower=0, clean=0)
        if info != 0:
            break
        w, info = lapack.dpotrs(c_, b, lower=0)
        r = y - X @ w
        new_obj = float(np.sum(np.abs(r)))
        if new_obj < best[1]:
            best = (w, new_obj)
        gain = obj - new_obj
        obj = new_obj
        if gain <= tol * max(obj, 1e-300) or k == max_iter:
            snap = _vertex(X, y, r)
            if snap is not None:
                if snap[1] <= best[1]:
                    best = (snap[0], snap[1])
                if snap[2]:
                    return LADInfo(np.asarray(snap[0]), snap[1], k, True)
            tol = tol * 1e-2  # not certified yet: tighten and keep reweighting
    return LADInfo(np.asarray(best[0]), best[1], k, False)
