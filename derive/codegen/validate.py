"""Input checks of the generated solvers: each error says what was expected, what came in, how to fix.

The checks are cheap by design: dtype, shape and emptiness cost no pass over the data; vectors,
samples and scalars are checked for finiteness directly (O(n)); a data matrix X is checked
through what the solver computes from it anyway (X^T X and X^T y, or the result), since a NaN or
an infinity in X makes those non-finite (`NonFiniteIntermediate`), and only then is X itself
searched to say where. Supports (x_i in {0, 1}, counts, x_i > 0) come from the derivation's
assumptions and the symbols' own assumptions (see `derive.codegen.signature`).

Every error class subclasses ValueError or TypeError; messages start with the solver's name.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "SolverInputError",
    "NonFiniteError",
    "ShapeError",
    "EmptyInputError",
    "DTypeError",
    "ParameterError",
    "SupportError",
    "RankDeficientError",
    "NotPositiveDefiniteError",
    "DivergenceError",
    "NonFiniteIntermediate",
    "array",
    "finite",
    "scalar",
    "integer",
    "choice",
    "support",
    "diagnose_non_finite",
]


class SolverInputError(ValueError):
    """An input has the right type but a value the solver cannot use."""


class NonFiniteError(SolverInputError):
    """An input (or a quantity computed from it) contains NaN or infinity."""


class ShapeError(SolverInputError):
    """An input has the wrong number of dimensions, or lengths do not match."""


class EmptyInputError(SolverInputError):
    """An input has no elements."""


class DTypeError(TypeError):
    """An input is not made of real numbers (strings, objects, complex numbers...)."""


class ParameterError(SolverInputError):
    """A scalar parameter (lam, eta, sigma, tol...) is outside its allowed range."""


class SupportError(SolverInputError):
    """A data value lies outside the support of the distribution the derivation assumes."""


class RankDeficientError(SolverInputError):
    """X lacks the full column rank the derivation assumes; `rank` and `d` say by how much."""

    def __init__(self, message: str, *, rank: int = -1, d: int = -1):
        super().__init__(message)
        self.rank = rank
        self.d = d

    def __reduce__(self):
        return (_rebuild_rank_error, (str(self), self.rank, self.d))


def _rebuild_rank_error(message, rank, d):
    return RankDeficientError(message, rank=rank, d=d)


class DivergenceError(SolverInputError):
    """An iteration produced NaN or infinity; `history` holds the finite steps taken."""

    def __init__(self, message: str, *, history=None):
        super().__init__(message)
        self.history = history


class NonFiniteIntermediate(ArithmeticError):
    """Raised by a kernel when X^T X, X^T y (or the like) is not finite; the solver then looks
    at its inputs to say which entry is NaN or infinite, or that the data overflowed."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def prefixed(exc: Exception, func: str) -> Exception:
    """The same error with the solver's name in front (kernels do not know it)."""
    message = str(exc)
    if message.startswith(f"{func}: "):
        return exc
    if isinstance(exc, RankDeficientError):
        return RankDeficientError(f"{func}: {message}", rank=exc.rank, d=exc.d)
    if isinstance(exc, DivergenceError):
        return DivergenceError(f"{func}: {message}", history=exc.history)
    return type(exc)(f"{func}: {message}")


# --------------------------------------------------------------------------- arrays

_KIND_NAMES = {
    "U": "strings",
    "S": "byte strings",
    "O": "Python objects (for example None, or mixed types)",
    "c": "complex numbers",
    "M": "datetimes",
    "m": "timedeltas",
    "V": "structured records",
}

_WANT = {
    "matrix": "a 2-D array of shape (n, d)",
    "vector": "a 1-D array of shape (k,) (or a (k, 1) column)",
    "sample": "a 1-D array of shape (n,) (or an (n, 1) column)",
    "square": "a square 2-D array of shape (k, k)",
}


def _describe(a: np.ndarray) -> str:
    return "a scalar" if a.ndim == 0 else f"a {a.ndim}-D array of shape {a.shape}"


def _is_dask(a) -> bool:
    return hasattr(a, "__dask_graph__") and hasattr(a, "chunks")


def array(a, name: str, func: str, kind: str):
    """`a` as a float64 array of the kind ('matrix', 'vector', 'sample', 'square'), or raise.

    Checks the dtype (real numbers), the number of dimensions and that the array is not empty;
    no pass over the values. Vectors and samples of shape (k, 1) are returned as (k,).
    Dask arrays are shape-checked and passed through (their dtype is checked lazily).
    """
    if a is None:
        raise DTypeError(f"{func}: {name} must be {_WANT[kind]} of real numbers; got None.")
    if _is_dask(a):
        if a.dtype.kind not in "biuf":
            raise DTypeError(f"{func}: {name} must contain real numbers; got a dask array of dtype {a.dtype}.")
        out = a
        if kind in ("vector", "sample") and a.ndim == 2 and a.shape[1] == 1:
            out = a[:, 0]
    else:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise ShapeError(
                f"{func}: {name} must be a rectangular array of real numbers; got a ragged "
                f"sequence that NumPy cannot make into an array ({exc}). Make every row the "
                "same length."
            ) from None
        if arr.dtype.kind not in "biuf":
            what = _KIND_NAMES.get(arr.dtype.kind, f"dtype {arr.dtype}")
            raise DTypeError(
                f"{func}: {name} must contain real numbers (bool, int or float); got an array "
                f"of {what} (dtype {arr.dtype}). Convert it first, for example "
                f"np.asarray({name}, dtype=float), after removing non-numeric entries."
            )
        out = arr if arr.dtype == np.float64 else arr.astype(np.float64)
        if kind in ("vector", "sample") and out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
    if kind == "any":
        return out
    if kind in ("matrix", "square") and out.ndim != 2:
        hint = (
            f"If it has a single column, pass {name}.reshape(-1, 1)."
            if out.ndim == 1
            else "Pass a sequence of rows."
            if out.ndim == 0
            else "Reshape it to two dimensions."
        )
        raise ShapeError(f"{func}: {name} must be {_WANT[kind]}; got {_describe(out)}. {hint}")
    if kind in ("vector", "sample") and out.ndim != 1:
        hint = (
            "Pass a sequence of numbers, for example [3.0], not a single number."
            if out.ndim == 0
            else f"Pass a flat vector, for example {name}.ravel(), if that is what you mean."
        )
        raise ShapeError(f"{func}: {name} must be {_WANT[kind]}; got {_describe(out)}. {hint}")
    if kind == "square" and out.shape[0] != out.shape[1]:
        raise ShapeError(f"{func}: {name} must be {_WANT[kind]}; got shape {out.shape}.")
    if out.shape[0] == 0 or (out.ndim == 2 and out.shape[1] == 0):
        need = "at least 1 row and at least one column" if out.ndim == 2 else "at least 1 value"
        raise EmptyInputError(
            f"{func}: {name} must have {need}; got {_describe(out)}. Pass non-empty data."
        )
    return out


def all_finite(a) -> bool:
    """True when every entry is finite: a sum (no temporary array) is finite exactly then,
    unless finite entries overflow it, which the exact test below settles."""
    if not isinstance(a, np.ndarray) or a.size <= 4096:  # small: the direct test is cheaper
        return bool(np.isfinite(a).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(a, axis=None)
    if np.isfinite(total):
        return True
    return bool(np.isfinite(a).all())


def finite(a, name: str, func: str) -> None:
    """Raise NonFiniteError naming the first NaN or infinite entry of `a` (one pass)."""
    if _is_dask(a):
        if bool(np.isfinite(a).all().compute()):
            return
        raise NonFiniteError(
            f"{func}: {name} must contain only finite numbers; the dask array has NaN or "
            f"infinite values. Remove or impute those entries before calling {func}."
        )
    if all_finite(a):
        return
    ok = np.isfinite(a)
    n_nan = int(np.isnan(a).sum())
    n_inf = int(a.size - ok.sum() - n_nan)
    first = np.unravel_index(int(np.argmin(ok.ravel())), a.shape)
    where = int(first[0]) if len(first) == 1 else tuple(int(i) for i in first)
    raise NonFiniteError(
        f"{func}: {name} must contain only finite numbers; got {n_nan} NaN and {n_inf} "
        f"infinite value(s), the first at index {where}. Remove or impute those entries "
        f"before calling {func}."
    )


def diagnose_non_finite(arrays: dict, what: str, func: str) -> Exception:
    """The error for a non-finite intermediate: the input holding NaN/inf, else an overflow."""
    for name, a in arrays.items():
        try:
            finite(a, name, func)
        except NonFiniteError as exc:
            return exc
    return NonFiniteError(
        f"{func}: the {what} overflowed float64 although every input is finite; the values "
        "are too large in magnitude. Rescale the data (for example divide by its largest "
        "absolute value) and transform the result back."
    )


def symmetric(a, name: str, func: str, source: str) -> None:
    """Raise ParameterError unless `a` is symmetric to rounding (a Cholesky reads one triangle)."""
    gap = float(np.max(np.abs(a - a.T))) if a.size else 0.0
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    if gap > 1e-10 * scale:
        i, j = np.unravel_index(int(np.argmax(np.abs(a - a.T))), a.shape)
        raise ParameterError(
            f"{func}: {name} must be symmetric ({source}); got {name}[{i}, {j}] = {a[i, j]:g} "
            f"but {name}[{j}, {i}] = {a[j, i]:g}. Pass (H + H.T) / 2 if it is symmetric up to "
            "rounding."
        )


# --------------------------------------------------------------------------- scalars


def _unwrap(value):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def scalar(value, name: str, func: str, *, low=None, strict=False, high=None, why: str = ""):
    """`value` as a finite float in the allowed range (> low when strict, else >= low), or raise."""
    value = _unwrap(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise DTypeError(
            f"{func}: {name} must be a real number; got {value!r} of type "
            f"{type(value).__name__}. Pass a float such as 1.0."
        )
    v = float(value)
    if not np.isfinite(v):
        raise NonFiniteError(f"{func}: {name} must be a finite number; got {v}.")
    if low is not None and (v < low or (strict and v == low)):
        rel = ">" if strict else ">="
        raise ParameterError(
            f"{func}: {name} must be {rel} {low:g}; got {name}={v:g}. {why}".rstrip()
        )
    if high is not None and v > high:
        raise ParameterError(f"{func}: {name} must be <= {high:g}; got {name}={v:g}. {why}".rstrip())
    return v


def integer(value, name: str, func: str, *, low: int) -> int:
    """`value` as an int >= low, or raise."""
    value = _unwrap(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise DTypeError(
            f"{func}: {name} must be an integer; got {value!r} of type "
            f"{type(value).__name__}. Pass an int such as 100."
        )
    v = int(value)
    if v < low:
        raise ParameterError(f"{func}: {name} must be >= {low}; got {name}={v}.")
    return v


def choice(value, name: str, func: str, allowed: tuple):
    if value not in allowed:
        raise ValueError(
            f"{func}: {name} must be one of {', '.join(map(repr, allowed))}; got {value!r}."
        )
    return value


def flag(value, name: str, func: str) -> bool:
    value = _unwrap(value)
    if not isinstance(value, (bool, np.bool_)):
        raise DTypeError(f"{func}: {name} must be True or False; got {value!r}.")
    return bool(value)


# --------------------------------------------------------------------------- supports

#: support name -> (what it is, predicate of the values that lie OUTSIDE it, how to fix)
SUPPORTS = {
    "positive": ("(0, inf)", lambda a: ~(a > 0), "Every value must be > 0."),
    "nonnegative": ("[0, inf)", lambda a: ~(a >= 0), "Every value must be >= 0."),
    "counts": (
        "{0, 1, 2, ...}",
        lambda a: ~(a >= 0) | (a != np.floor(a)),
        "These are non-negative integer counts.",
    ),
    "binary": ("{0, 1}", lambda a: (a != 0) & (a != 1), "Encode the two outcomes as 0 and 1."),
    "unit": (
        "[0, 1]",
        lambda a: ~((a >= 0) & (a <= 1)),
        "Labels are 0/1 (or soft probabilities in [0, 1]); map the classes to 0 and 1 first.",
    ),
}


def support(a, name: str, func: str, kind: str, source: str) -> None:
    """Raise SupportError unless every value of `a` lies in the support `kind` (one pass).

    `source` says where the requirement comes from (the derivation's assumption).
    """
    where, outside, fix = SUPPORTS[kind]
    if _is_dask(a):
        bad_any = bool(outside(a).any().compute())
        if bad_any:
            raise SupportError(
                f"{func}: every value of {name} must lie in {where} ({source}); the dask array "
                f"has values outside. {fix}"
            )
        return
    bad = outside(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise SupportError(
            f"{func}: every value of {name} must lie in the support {where} ({source}); got "
            f"{name}[{i}] = {a[i]:g} ({int(bad.sum())} value(s) outside). {fix}"
        )


class NotPositiveDefiniteError(SolverInputError, np.linalg.LinAlgError):
    """A matrix the derivation assumes symmetric positive definite is not (numerically)."""
