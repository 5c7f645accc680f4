"""Input checks shared by every public function of `numeric`.

Each check raises an error whose message says what was expected, what came in, and how to fix
it, prefixed with the name of the public function that was called. The error classes subclass
`ValueError` or `TypeError`, so callers can catch them with the built-in types.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

__all__ = [
    "ConvergenceWarning",
    "DTypeError",
    "DivergenceError",
    "EmptyInputError",
    "NonFiniteError",
    "NumericInputError",
    "ParameterError",
    "RankDeficientError",
    "ShapeError",
    "SupportError",
    "TooFewRowsError",
    "as_array",
    "check_finite_result",
    "check_integer",
    "check_same_length",
    "check_scalar",
]


# ---------------------------------------------------------------------------------------------
# Error classes
# ---------------------------------------------------------------------------------------------


class NumericInputError(ValueError):
    """An input has the right type but a value the function cannot use."""


class NonFiniteError(NumericInputError):
    """An input (or a result computed from it) contains NaN or infinity."""


class ShapeError(NumericInputError):
    """An input has the wrong number of dimensions, or lengths do not match."""


class EmptyInputError(NumericInputError):
    """An input has no elements."""


class DTypeError(TypeError):
    """An input is not made of real numbers (strings, objects, complex numbers...)."""


class ParameterError(NumericInputError):
    """A scalar parameter (lam, eta, sigma, tol...) is outside its allowed range."""


class SupportError(NumericInputError):
    """A data value lies outside the support of the distribution being fitted."""


class RankDeficientError(NumericInputError):
    """The design matrix does not have (numerically) full column rank.

    Attributes `rank` and `d` hold the numerical rank and the number of columns.
    """

    def __init__(self, message: str, *, rank: int, d: int):
        super().__init__(message)
        self.rank = rank
        self.d = d


class TooFewRowsError(RankDeficientError):
    """The design matrix has fewer rows than columns (n < d), so its rank is at most n."""


class DivergenceError(NumericInputError):
    """An iteration produced NaN or infinity; `history` holds the finite steps taken so far."""

    def __init__(self, message: str, *, history: Any = None):
        super().__init__(message)
        self.history = history


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at max_iter before meeting its tolerance."""


# ---------------------------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------------------------

_KIND_NAMES = {
    "U": "strings",
    "S": "byte strings",
    "O": "Python objects (for example None, or mixed types)",
    "c": "complex numbers",
    "M": "datetimes",
    "m": "timedeltas",
    "V": "structured records",
}

_SHAPE_WORDS = {0: "a scalar", 1: "a 1-D array of shape (n,)", 2: "a 2-D array of shape (n, d)"}


def _describe(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return "a scalar"
    return f"a {arr.ndim}-D array of shape {arr.shape}"


def _reshape_hint(arr: np.ndarray, want: int) -> str:
    if want == 2 and arr.ndim == 1:
        return "If it has a single feature, pass x.reshape(-1, 1)."
    if want == 1 and arr.ndim == 2 and 1 in arr.shape:
        return "Pass a flat vector, for example y.ravel()."
    if want >= 1 and arr.ndim == 0:
        return "Pass a sequence of numbers, not a single number."
    return "Reshape the input to the expected number of dimensions."


def _to_ndarray(a: Any, name: str, func: str) -> np.ndarray:
    if a is None:
        raise DTypeError(f"{func}: {name} must be an array of real numbers; got None.")
    try:
        return np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ShapeError(
            f"{func}: {name} must be a rectangular array of real numbers; got a ragged "
            f"sequence that NumPy cannot make into an array ({exc}). "
            f"Make every row the same length."
        ) from None


def _check_dtype(arr: np.ndarray, name: str, func: str) -> None:
    if arr.dtype.kind in "biuf":
        return
    what = _KIND_NAMES.get(arr.dtype.kind, f"dtype {arr.dtype}")
    raise DTypeError(
        f"{func}: {name} must contain real numbers (bool, int or float); got an array of "
        f"{what} (dtype {arr.dtype}). Convert it first, for example "
        f"np.asarray({name}, dtype=float), after removing non-numeric entries."
    )


def _check_finite(arr: np.ndarray, name: str, func: str) -> None:
    finite = np.isfinite(arr)
    if finite.all():
        return
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(arr.size - finite.sum() - n_nan)
    first = np.unravel_index(int(np.argmin(finite.ravel())), arr.shape)
    where = first[0] if len(first) == 1 else tuple(int(i) for i in first)
    raise NonFiniteError(
        f"{func}: {name} must contain only finite numbers; got {n_nan} NaN and {n_inf} "
        f"infinite value(s), the first at index {where}. Remove or impute those entries "
        f"before calling {func}."
    )


def as_array(
    a: Any, name: str, func: str, *, ndim: int | tuple[int, ...], min_rows: int = 1
) -> np.ndarray:
    """Return `a` as a finite float64 array with the expected number of dimensions, or raise.

    Checks, in order: a real numeric dtype, the number of dimensions, at least `min_rows`
    rows (and at least one column for 2-D input), and that every value is finite.
    """
    arr = _to_ndarray(a, name, func)
    _check_dtype(arr, name, func)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in allowed:
        want = " or ".join(_SHAPE_WORDS.get(k, f"a {k}-D array") for k in allowed)
        raise ShapeError(
            f"{func}: {name} must be {want}; got {_describe(arr)}. "
            f"{_reshape_hint(arr, max(allowed))}"
        )
    if arr.ndim >= 1 and (arr.shape[0] < min_rows or arr.size == 0):
        need = f"at least {min_rows} row(s)" if arr.ndim == 2 else f"at least {min_rows} value(s)"
        if arr.ndim == 2:
            need += " and at least one column"
        raise EmptyInputError(
            f"{func}: {name} must have {need}; got {_describe(arr)}. Pass non-empty data."
        )
    out = arr.astype(np.float64, copy=False)
    _check_finite(out, name, func)
    return out


def check_same_length(a: np.ndarray, b: np.ndarray, names: tuple[str, str], func: str) -> None:
    """Raise ShapeError unless `a` and `b` have the same number of rows."""
    if a.shape[0] != b.shape[0]:
        raise ShapeError(
            f"{func}: {names[0]} and {names[1]} must have the same number of rows (samples); "
            f"got {names[0]} with {a.shape[0]} and {names[1]} with {b.shape[0]}. "
            f"Pass one target per row of {names[0]}."
        )


# ---------------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------------


def _unwrap_0d(value: Any) -> Any:
    """Return the element of a 0-d NumPy array (np.array(0.5) -> 0.5); anything else as is."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def check_scalar(
    value: Any,
    name: str,
    func: str,
    *,
    low: float | None = None,
    strict: bool = False,
    hint: str = "",
) -> float:
    """Return `value` as a finite float that is >= low (> low when strict), or raise."""
    value = _unwrap_0d(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise DTypeError(
            f"{func}: {name} must be a real number; got {value!r} of type "
            f"{type(value).__name__}. Pass a float such as 1.0."
        )
    v = float(value)
    if not np.isfinite(v):
        raise NonFiniteError(f"{func}: {name} must be a finite number; got {v}. {hint}".rstrip())
    if low is not None and (v < low or (strict and v == low)):
        rel = ">" if strict else ">="
        raise ParameterError(
            f"{func}: {name} must be {rel} {low:g}; got {name}={v:g}. {hint}".rstrip()
        )
    return v


def check_integer(value: Any, name: str, func: str, *, low: int) -> int:
    """Return `value` as an int that is >= low, or raise."""
    value = _unwrap_0d(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise DTypeError(
            f"{func}: {name} must be an integer; got {value!r} of type "
            f"{type(value).__name__}. Pass an int such as 100."
        )
    v = int(value)
    if v < low:
        raise ParameterError(f"{func}: {name} must be >= {low}; got {name}={v}.")
    return v


def check_finite_result(value: Any, what: str, func: str) -> None:
    """Raise NonFiniteError if a computed result overflowed to inf or became NaN."""
    finite = np.isfinite(np.asarray(value, dtype=float))
    if finite.all():
        return
    bad = finite.size - int(finite.sum())
    got = f"{bad} of {finite.size} entries are inf or NaN" if finite.ndim else "it is inf or NaN"
    raise NonFiniteError(
        f"{func}: the {what} overflowed float64 ({got}); the input "
        f"values are too large in magnitude. Rescale the data (for example divide by its "
        f"largest absolute value) and transform the result back."
    )


def quiet_overflow(func):
    """Decorate `func` to silence NumPy overflow warnings (check_finite_result reports them).

    A fresh ``np.errstate`` per call keeps this re-entrant and thread-safe on every NumPy.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return func(*args, **kwargs)

    return wrapper
