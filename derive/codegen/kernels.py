"""Runtime kernels called by generated solvers: numpy and scipy only, never SymPy.

The generated source (see `derive.codegen.printer`) is straight-line numpy that calls into this
module for the few things worth writing once:

- `gram_xy(X, y)`: X^T X and X^T y in ONE pass over X (row blocks that stay in cache, the
  blocks shared between the cores with single-threaded BLAS inside each worker); dask arrays
  are reduced chunk by chunk.
- `solve_pd(M, b, lsq=...)`: a Cholesky solve (LAPACK potrf/potrs) with a condition estimate
  (pocon); when the normal equations are too ill-conditioned for the requested accuracy the
  solve falls back to QR least squares on the original data and warns with
  `IllConditionedWarning`, which carries the estimated condition number.
- `solve(M, b)`: a generic LU solve for matrices that are not positive definite by construction.

Nothing here forms an explicit inverse.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from derive.codegen.validate import (
    NonFiniteIntermediate,
    NotPositiveDefiniteError,
    RankDeficientError,
)

__all__ = [
    "IllConditionedWarning",
    "as_array",
    "is_dask",
    "gram",
    "gram_xy",
    "weighted_gram_xy",
    "add_diag",
    "solve_pd",
    "solve",
    "solve_right",
    "lstsq",
    "DEFAULT_COND_LIMIT",
]

#: Above this estimated condition number of the (shifted) Gram matrix the normal equations
#: are abandoned for QR least squares. Forward error of the normal equations is about
#: eps * cond(X^T X), so 1e6 keeps it near 2e-10, inside the promised 1e-9.
DEFAULT_COND_LIMIT = 1e6


class IllConditionedWarning(UserWarning):
    """The normal equations were too ill-conditioned; the solver used QR least squares.

    `cond` is the estimated condition number (1-norm, LAPACK pocon) of the matrix that the
    normal equations would have factorised (X^T X, or X^T X + lam I); `math.inf` when the
    Cholesky factorisation failed outright (X rank deficient).
    """

    def __init__(self, message: str, cond: float = math.nan):
        super().__init__(message)
        self.cond = cond


# --------------------------------------------------------------------------- inputs


def is_dask(a) -> bool:
    """True for dask arrays (checked without importing dask)."""
    return hasattr(a, "__dask_graph__") and hasattr(a, "chunks")


def as_array(a, name: str = "argument"):
    """A float64 numpy array (dask arrays pass through untouched)."""
    if is_dask(a):
        return a
    return np.asarray(a, dtype=float)


def as_matrix(a, name: str = "argument"):
    """A 2-D float64 array (an n x d matrix input); dask arrays pass through."""
    if is_dask(a):
        if a.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array; got a dask array of shape {a.shape}")
        return a
    out = np.asarray(a, dtype=float)
    if out.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (a matrix); got shape {out.shape}. "
            f"Use {name}.reshape(-1, 1) for a single column."
        )
    return out


def as_vector(a, name: str = "argument"):
    """A column vector as a 1-D float64 array: accepts shape (k,) or (k, 1); returns (k,).

    Scalars are accepted for 1 x 1 "vectors" (e.g. the parameter of a one-feature model).
    """
    if is_dask(a):
        if a.ndim == 2 and a.shape[1] == 1:
            return a[:, 0]
        if a.ndim != 1:
            raise ValueError(f"{name} must be a vector; got a dask array of shape {a.shape}")
        return a
    out = np.asarray(a, dtype=float)
    if out.ndim == 2 and out.shape[1] == 1:
        return out[:, 0]
    if out.ndim > 1:
        raise ValueError(
            f"{name} must be a vector of shape (k,) or (k, 1); got shape {out.shape}"
        )
    return out


def shape_message(name, arr, axis, dim, expected) -> str:
    return (
        f"{name} has {arr.shape[axis]} along axis {axis} but the expression needs {dim} = "
        f"{expected} there (from an earlier argument); got {name}.shape = {arr.shape}"
    )


def length_message(name, arr, other, expected) -> str:
    return (
        f"{name} has length {arr.shape[0]} but {other} has length {expected}; the sum runs "
        "over both, so they must have the same length"
    )


def sign(x: float) -> float:
    """sign for Python floats: -1.0, 0.0 or 1.0 (sympy.sign; NaN stays NaN)."""
    return (x > 0) - (x < 0) + 0.0 if x == x else x


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), overflow-free (scipy.special.expit)."""
    from scipy.special import expit

    return expit(x)


def sigmoid_float(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def log_sigmoid(x):
    """log(sigmoid(x)) = -log(1 + exp(-x)), stable for large |x| (scipy.special.log_expit)."""
    from scipy.special import log_expit

    return log_expit(x)


def loggamma(x):
    from scipy.special import gammaln

    return gammaln(x)


def gamma(x):
    from scipy.special import gamma as g

    return g(x)


def factorial(x):
    from scipy.special import factorial as f

    return f(x, exact=False)


def erf(x):
    from scipy.special import erf as f

    return f(x)


# --------------------------------------------------------------------------- threads

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_CONTROLLER = None  # threadpoolctl.ThreadpoolController, False when unavailable
_INIT_LOCK = threading.Lock()
_BLAS_LIB = None  # threadpoolctl's controller of numpy's BLAS (False: none found)

#: Work (n * d * d multiply-adds) below which one plain BLAS call beats the threaded kernel.
THREAD_MIN_WORK = 4_000_000
#: Rows per block: about 256 KiB of X, clamped, so a block read by SYRK is still in L2 for GEMV.
BLOCK_BYTES = 1 << 18


def _ncpu() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _controller():
    """threadpoolctl's controller when installed (it is optional), else False.

    Built once, under the lock that guards the limits: a controller built while another
    thread holds BLAS at one thread would take 1 for the original setting.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        with _INIT_LOCK:
            if _CONTROLLER is None:
                try:
                    from threadpoolctl import ThreadpoolController

                    _CONTROLLER = ThreadpoolController()
                except Exception:  # pragma: no cover - threadpoolctl absent or broken
                    _CONTROLLER = False
    return _CONTROLLER


_PARALLEL_LOCK = threading.RLock()


@contextlib.contextmanager
def _blas_single_threaded(ctl):
    """One caller at a time shares the cores out by rows, with BLAS held at one thread.

    The limit is set and restored by the same thread with no other caller in between (OpenBLAS
    ignores a restore made from another thread while it is busy, so overlapping limits could
    leave the process at one BLAS thread). The cores are all in use anyway, so waiting costs
    nothing.
    """
    with _PARALLEL_LOCK:
        limiter = ctl.limit(limits=1, user_api="blas")
        try:
            yield
        finally:
            limiter.restore_original_limits()


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max(1, workers), thread_name_prefix="derive-gram")
        return _POOL


def _block_rows(d: int) -> int:
    return int(min(8192, max(1024, BLOCK_BYTES // (8 * max(d, 1)))))


def _blas_threads(ctl) -> int:
    """The thread budget the user gave numpy's BLAS (threadpoolctl, OPENBLAS_NUM_THREADS...)."""
    global _BLAS_LIB
    if _BLAS_LIB is None:
        libs = [c for c in ctl.lib_controllers if c.user_api == "blas"]
        numpy_libs = [c for c in libs if "numpy" in str(getattr(c, "filepath", ""))]
        _BLAS_LIB = (numpy_libs or libs or [False])[0]
    if not _BLAS_LIB:
        return 1
    try:
        return max(1, int(_BLAS_LIB.num_threads))
    except Exception:  # pragma: no cover - an exotic BLAS
        return 1


def _gram_part(X, Y, lo: int, hi: int, rows: int, weights=None):
    """Sum over row blocks of X[lo:hi] of Xb^T Xb and Xb^T Yb (np.dot releases the GIL)."""
    d = X.shape[1]
    G = np.zeros((d, d))
    B = None if Y is None else np.zeros((d,) + Y.shape[1:])
    dot = np.dot
    for i in range(lo, hi, rows):
        j = min(i + rows, hi)
        Xb = X[i:j]
        if weights is not None:
            s = weights[i:j]
            Wb = Xb * s[:, None]  # sqrt-weighted rows: Wb^T Wb = Xb^T diag(s^2) Xb
            G += dot(Wb.T, Wb)
            if B is not None:
                B += dot(Wb.T, Y[i:j] * (s if Y.ndim == 1 else s[:, None]))
        else:
            XbT = Xb.T
            G += dot(XbT, Xb)
            if B is not None:
                B += dot(XbT, Y[i:j])
    return G, B


def _threaded_gram(X, Y, weights=None):
    n, d = X.shape
    ctl = _controller()
    if not ctl or n * d * d < THREAD_MIN_WORK:
        if weights is None:
            # Small (or no threadpoolctl): one BLAS call each, SYRK for X^T X, GEMV for X^T y.
            return X.T @ X, (None if Y is None else X.T @ Y)
        return _gram_part(X, Y, 0, n, _block_rows(d), weights)
    rows = _block_rows(d)
    # as many workers as the user lets BLAS have threads (1 under threadpool_limits(1))
    workers = min(_ncpu(), _blas_threads(ctl), max(1, n // 2048))
    if workers <= 1:
        return _gram_part(X, Y, 0, n, rows, weights)  # one pass over X on one core
    # The rows are cut into a fixed number of chunks that the workers (this thread included)
    # take in turn, so a core slowed down by other load simply takes fewer chunks; the partial
    # sums are added in chunk order, so the result does not depend on who took what.
    nchunks = max(workers, min(8 * workers, n // (2 * rows)))  # chunks of >= 2 blocks
    cuts = [n * k // nchunks for k in range(nchunks + 1)]
    results = [None] * nchunks
    counter = itertools.count()

    def work():
        while True:
            c = next(counter)  # atomic under the GIL
            if c >= nchunks:
                return
            results[c] = _gram_part(X, Y, cuts[c], cuts[c + 1], rows, weights)

    pool = _pool(workers)
    # One BLAS thread per worker: the cores are shared out by rows, not inside each call.
    with _blas_single_threaded(ctl):
        futures = [pool.submit(work) for _ in range(workers - 1)]
        work()
        for f in futures:
            f.result()
    G, B = results[0]
    for g, b in results[1:]:
        G += g
        if B is not None:
            B += b
    return G, B


def _dask_gram(X, Y):
    """X^T X and X^T y reduced chunk by chunk: one small d x d (and d x k) sum per row chunk."""
    import dask
    import dask.array as da

    X = X.rechunk({1: -1})
    if Y is not None:
        Y = da.asarray(Y)
        Y = Y.rechunk({0: X.chunks[0]} if Y.ndim == 1 else {0: X.chunks[0], 1: -1})
    xb = X.to_delayed().ravel()
    yb = [None] * len(xb) if Y is None else Y.to_delayed().ravel()
    part = dask.delayed(_chunk_gram, pure=True)
    parts = [part(a, b) for a, b in zip(xb, yb)]
    while len(parts) > 1:  # a binary tree of sums
        parts = [
            dask.delayed(_add_pairs, pure=True)(parts[k], parts[k + 1])
            if k + 1 < len(parts)
            else parts[k]
            for k in range(0, len(parts), 2)
        ]
    return dask.compute(parts[0])[0]


def _chunk_gram(Xc, Yc):
    """One chunk's X^T X and X^T y: the same one-pass kernel as for numpy input."""
    Xc = np.asarray(Xc, dtype=float)
    return _threaded_gram(Xc, None if Yc is None else np.asarray(Yc, dtype=float))


def _add_pairs(a, b):
    return a[0] + b[0], (None if a[1] is None else a[1] + b[1])


def gram(X):
    """X^T X (SYRK), threaded over row blocks for large inputs; dask arrays reduced by chunk."""
    if is_dask(X):
        return _dask_gram(X, None)[0]
    return _threaded_gram(X, None)[0]


def gram_xy(X, y):
    """(X^T X, X^T y) in one pass over X; y may be a vector (n,) or a matrix (n, k)."""
    if is_dask(X) or is_dask(y):
        return _dask_gram(X, y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n x d); got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows; got X {X.shape} and y {y.shape}"
        )
    return _threaded_gram(X, y)


def weighted_gram_xy(X, y, sqrt_weights):
    """(X^T W X, X^T W y) with W = diag(sqrt_weights**2), in one pass over X."""
    return _threaded_gram(X, y, weights=sqrt_weights)


def add_diag(M, c):
    """M + c I as a new array (c a scalar)."""
    out = np.array(M, dtype=float, copy=True)
    if out.ndim < 2:  # a 1 x 1 "matrix" held as a scalar (vectors are 1-D): M + c
        return out + c
    out.flat[:: out.shape[0] + 1] += c
    return out


# --------------------------------------------------------------------------- solves


def _as_col(b):
    return b[:, None] if b.ndim == 1 else b


def lstsq(X, y, shift=0.0):
    """QR least squares (LAPACK gelsy), optionally for ridge: min ||y - Xw||^2 + shift ||w||^2.

    The ridge case solves the stacked problem [X; sqrt(shift) I] w = [y; 0], which has the
    same minimiser and the condition number of X, not of X^T X.
    """
    if is_dask(X):
        import dask.array as da

        if shift:
            d = X.shape[1]
            X = da.concatenate([X, da.from_array(math.sqrt(shift) * np.eye(d))], axis=0)
            pad = np.zeros((d,) + tuple(y.shape[1:]))
            y = da.concatenate([da.asarray(y), da.from_array(pad)], axis=0)
        X = X.rechunk({1: -1})
        y = da.asarray(y).rechunk({0: X.chunks[0]})
        yc = y if y.ndim == 2 else y[:, None]
        w = da.linalg.lstsq(X, yc)[0].compute()
        return w if y.ndim == 2 else w[:, 0]
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if shift:
        d = X.shape[1]
        X = np.vstack([X, math.sqrt(shift) * np.eye(d)])
        y = np.concatenate([y, np.zeros((d,) + y.shape[1:])])
    return sla.lstsq(X, y, lapack_driver="gelsy", check_finite=False)[0]


_CODEGEN_DIR = os.path.dirname(os.path.abspath(__file__))


def user_stacklevel() -> int:
    """The stacklevel of warnings.warn that points at the first frame outside derive.codegen
    (generated solvers included), so a warning names the caller's line."""
    import sys

    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith("<derive.codegen") or os.path.dirname(os.path.abspath(name)) == _CODEGEN_DIR):
            return level
        frame = frame.f_back
        level += 1
    return level


def _warn_fallback(what: str, cond: float, limit: float) -> None:
    if math.isinf(cond):
        detail = (
            f"{what} is not numerically positive definite (its entries underflow, or X is "
            "nearly rank deficient; cond = inf)"
        )
    else:
        detail = (
            f"{what} is ill-conditioned: estimated cond = {cond:.3g} "
            f"(cond(X) ~ {math.sqrt(cond):.3g}) exceeds cond_limit = {limit:.3g}"
        )
    warnings.warn(
        IllConditionedWarning(
            f"{detail}; solved by QR least squares instead of the normal equations "
            f"(pass cond_limit=... to the solver to change the threshold)",
            cond,
        ),
        stacklevel=user_stacklevel(),  # the caller of the solver
    )


def _rank_tolerance(n: int, d: int) -> float:
    """Singular values below this times the largest count as zero (numpy's lstsq default)."""
    return np.finfo(float).eps * max(n, d)


def _column_scale(X):
    """max |X_ij| per column (no underflow, unlike the 2-norm of a column of tiny values)."""
    return np.abs(X).max(axis=0)


def rank_message(X, rank: int, what: str = "X^T X") -> str:
    """Why X is rank deficient: the zero columns, or the columns of a near-null direction."""
    d = X.shape[1]
    n = X.shape[0]
    if is_dask(X):
        culprit = "(the columns involved are not located for dask input)"
    else:
        scale = _column_scale(X)
        zero = np.flatnonzero(scale == 0)
        if n < d:
            culprit = f"X has n = {n} rows and d = {d} columns, so its rank is at most {n}"
        elif zero.size:
            culprit = f"column(s) {zero.tolist()} are entirely zero"
        else:
            s, vt = np.linalg.svd(X / scale, full_matrices=False)[1:]
            involved = np.flatnonzero(np.abs(vt[-1]) > 1e-3)
            culprit = (
                f"a near-null direction of X involves columns {involved.tolist()} (condition "
                f"number of the column-scaled X ~ {s[0] / s[-1] if s[-1] > 0 else math.inf:.2g})"
            )
    return (
        f"X must have full column rank (rank d = {d}) for {what} to be invertible, as the "
        f"derivation assumes; X has numerical rank {rank} < d = {d}: {culprit}. Drop or "
        "combine the collinear columns, or pass fallback='lstsq' for the minimum-norm "
        "least-squares solution (or use ridge with lam > 0)."
    )


def _qr_with_rank(X, y):
    """QR least squares (column-pivoted, LAPACK gelsy) and the numerical rank of X."""
    if is_dask(X):
        import dask.array as da

        X = X.rechunk({1: -1})
        yd = da.asarray(y).rechunk({0: X.chunks[0]})
        yc = yd if yd.ndim == 2 else yd[:, None]
        w, _, rank, _ = da.linalg.lstsq(X, yc)
        w, rank = da.compute(w, rank)
        return (w if yd.ndim == 2 else w[:, 0]), int(rank)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    w, _, rank, _ = sla.lstsq(
        X, y, cond=_rank_tolerance(n, d), lapack_driver="gelsy", check_finite=False
    )
    return w, int(rank)


def minimum_norm_lstsq(X, y):
    """The minimum-norm least-squares solution (SVD, LAPACK gelsd; numpy.linalg.lstsq's rcond)."""
    if is_dask(X):
        raise NotImplementedError(
            "fallback='lstsq' on rank-deficient dask input is not supported: pass X.compute()"
        )
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    return sla.lstsq(X, np.asarray(y, dtype=float), cond=_rank_tolerance(n, d),
                     lapack_driver="gelsd", check_finite=False)[0]


def _least_squares_fallback(X, y, shift, what, cond, limit, fallback):
    """Normal equations abandoned: QR on the data; rank-deficient X is an error or, when the
    caller asked for it, the minimum-norm least-squares solution."""
    if shift:  # ridge: [X; sqrt(shift) I] always has full column rank
        _warn_fallback(what, cond, limit)
        return lstsq(X, y, shift)
    w, rank = _qr_with_rank(X, y)
    if rank < X.shape[1]:
        if fallback == "lstsq":
            return minimum_norm_lstsq(X, y)
        raise RankDeficientError(rank_message(X, rank, what), rank=rank, d=int(X.shape[1]))
    _warn_fallback(what, cond, limit)
    return w


def _equilibrate(M):
    """(D^-1 M D^-1, D) with D = sqrt(diag M): a scale-free Cholesky and condition estimate."""
    diag = M.diagonal()
    if not diag.min() > 0:  # also False for NaN
        return None, None
    s = np.sqrt(diag)
    Ms = M / s
    Ms /= s[:, None]
    return Ms, s


def solve_pd(M, b, lsq=None, cond_limit: float = DEFAULT_COND_LIMIT, what: str = "X^T X",
             fallback=None):
    """Solve M w = b for M symmetric positive definite by construction (Cholesky).

    M is equilibrated first (D^-1 M D^-1 with D = sqrt(diag M)), so the condition estimate
    does not depend on the units of the columns. `lsq = (X, y, shift)` names the least-squares
    problem M, b came from (M = X^T X + shift I, b = X^T y); with it, an ill-conditioned or
    indefinite M falls back to QR on X with an `IllConditionedWarning`, and a rank-deficient X
    (shift 0) raises `RankDeficientError`, or with fallback="lstsq" gives the minimum-norm
    least-squares solution. Without it, an indefinite M raises `NotPositiveDefiniteError`
    and an ill-conditioned one only warns. A NaN or infinity in M or b raises
    `NonFiniteIntermediate` (the solver then finds the input entry responsible).
    """
    M = np.asarray(M, dtype=float)
    b = np.asarray(b, dtype=float)
    if M.ndim == 0:  # a 1 x 1 "matrix" printed as a scalar
        M = M.reshape(1, 1)
    if not (np.isfinite(M).all() and np.isfinite(b).all()):  # d x d: cheap
        raise NonFiniteIntermediate(f"{what} (or its right-hand side)")
    Ms, s = _equilibrate(M)
    cond = math.inf
    info = -1
    if Ms is not None:
        c, info = lapack.dpotrf(Ms, lower=0, clean=0)
        if info == 0:
            anorm = float(np.abs(Ms).sum(axis=0).max())
            rcond, _ = lapack.dpocon(c, anorm)
            cond = 1.0 / rcond if rcond > 0 else math.inf
            if cond <= cond_limit or lsq is None:
                bs = _as_col(b) / s[:, None]
                x, info3 = lapack.dpotrs(c, bs, lower=0)
                if info3 == 0:
                    if cond > cond_limit:
                        warnings.warn(
                            IllConditionedWarning(
                                f"{what} is ill-conditioned: estimated cond = {cond:.3g}; the "
                                "solution may be inaccurate",
                                cond,
                            ),
                            stacklevel=user_stacklevel(),
                        )
                    x = x / s[:, None]
                    return x if b.ndim == 2 else x[:, 0]
    if lsq is not None:
        X, y, shift = lsq
        return _least_squares_fallback(X, y, shift, what, cond, cond_limit, fallback)
    raise NotPositiveDefiniteError(
        f"{what} must be symmetric positive definite, as the derivation assumes; its "
        f"Cholesky factorisation failed (at column {max(info, 0)}, or a diagonal entry is "
        "not positive). Check that the matrix is positive definite (for a Hessian: that the "
        "objective is strictly convex)."
    )


def solve(M, b):
    """Solve M x = b for a general square M (LU with partial pivoting); never forms inv(M)."""
    M = np.asarray(M, dtype=float)
    b = np.asarray(b, dtype=float)
    if M.ndim == 0:
        return b / M
    return sla.solve(M, b, check_finite=False)


def solve_right(A, M):
    """A M^{-1} computed as (M^T \\ A^T)^T."""
    A = np.asarray(A, dtype=float)
    M = np.asarray(M, dtype=float)
    if M.ndim == 0:
        return A / M
    return sla.solve(M.T, A.T, check_finite=False).T
