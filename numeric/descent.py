"""Plain gradient descent with its full history, by hand with NumPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from numeric._validate import (
    DivergenceError,
    DTypeError,
    ShapeError,
    as_array,
    check_integer,
    check_same_length,
    check_scalar,
)

__all__ = ["DescentHistory", "gd_least_squares", "gradient_descent"]


class DescentHistory(NamedTuple):
    """Every iterate of a gradient-descent run (row k is x_k) and, if asked, each loss."""

    params: np.ndarray  # shape (n_iter + 1, d); params[0] is x0
    losses: np.ndarray | None  # shape (n_iter + 1,); losses[k] = loss(x_k), or None


def _vector_from(value, x: np.ndarray, what: str, func: str) -> np.ndarray:
    """Return the callable's output as a float vector shaped like x, or raise."""
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DTypeError(f"{func}: {what} must return real numbers; got {value!r}.") from None
    if out.size != x.size:
        raise ShapeError(
            f"{func}: {what} must return a vector of shape {x.shape} (one entry per "
            f"parameter); got shape {out.shape}."
        )
    return out.reshape(x.shape)


def _diverged(func: str, k: int, what: str, params: list, losses: list | None, hint: str):
    history = DescentHistory(np.array(params), None if losses is None else np.array(losses))
    return DivergenceError(
        f"{func}: the {what} became NaN or infinite at step {k}; gradient descent diverged. "
        f"Reduce the step size eta{hint}. The finite steps so far are in error.history.",
        history=history,
    )


def _run(grad, loss, x, eta, n_iter, func, hint) -> DescentHistory:
    # Overflow is reported as a DivergenceError below, so NumPy's warnings would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        return _iterate(grad, loss, x, eta, n_iter, func, hint)


def _iterate(grad, loss, x, eta, n_iter, func, hint) -> DescentHistory:
    params = [x.copy()]
    losses = None if loss is None else [float(loss(x.copy()))]
    if losses is not None and not np.isfinite(losses[0]):
        raise _diverged(func, 0, "loss", params, losses[:0], hint)
    for k in range(1, n_iter + 1):
        g = _vector_from(grad(x.copy()), x, "grad", func)
        x = x - eta * g  # x_{k+1} = x_k - eta grad f(x_k)
        if not np.all(np.isfinite(x)):
            raise _diverged(func, k, "iterate", params, losses, hint)
        params.append(x)
        if losses is not None:
            value = float(loss(x.copy()))
            if not np.isfinite(value):
                raise _diverged(func, k, "loss", params[:-1], losses, hint)
            losses.append(value)
    return DescentHistory(np.array(params), None if losses is None else np.array(losses))


def gradient_descent(
    grad: Callable, x0, eta, n_iter, *, loss: Callable | None = None
) -> DescentHistory:
    """Return the iterates x_{k+1} = x_k - eta * grad(x_k), k < n_iter, as a DescentHistory.

    ``x0`` is a number or a vector of d numbers; ``params`` has shape (n_iter + 1, d) with
    ``params[0] == x0``. ``grad`` receives a copy of the current vector of shape (d,). When
    ``loss`` is given, ``losses[k] = loss(params[k])``. A NaN or infinite iterate raises
    DivergenceError (with the finite history attached) instead of being returned.
    """
    func = "gradient_descent"
    if not callable(grad):
        raise DTypeError(f"{func}: grad must be a callable x -> gradient; got {grad!r}.")
    if loss is not None and not callable(loss):
        raise DTypeError(f"{func}: loss must be a callable x -> float or None; got {loss!r}.")
    x = as_array(x0, "x0", func, ndim=(0, 1)).reshape(-1)
    eta = check_scalar(
        eta, "eta", func, low=0.0, strict=True, hint="The step size must be positive."
    )
    n_iter = check_integer(n_iter, "n_iter", func, low=0)
    return _run(grad, loss, x, eta, n_iter, func, "")


def gd_least_squares(X, y, eta, n_iter, theta0=None) -> DescentHistory:
    """Return gradient descent on L(t) = (1/n) ||X t - y||^2 from theta0 (default 0), with losses.

    The gradient is (2/n) X^T (X t - y). The run converges for 0 < eta < n / sigma_max(X)^2
    (i.e. eta < 2 / lambda_max of the Hessian (2/n) X^T X); a larger eta diverges and raises
    DivergenceError naming that bound.
    """
    func = "gd_least_squares"
    X = as_array(X, "X", func, ndim=2)
    y = as_array(y, "y", func, ndim=1)
    check_same_length(X, y, ("X", "y"), func)
    n, d = X.shape
    eta = check_scalar(
        eta, "eta", func, low=0.0, strict=True, hint="The step size must be positive."
    )
    n_iter = check_integer(n_iter, "n_iter", func, low=0)
    if theta0 is None:
        theta = np.zeros(d)
    else:
        theta = as_array(theta0, "theta0", func, ndim=1)
        if theta.size != d:
            raise ShapeError(
                f"{func}: theta0 must have one entry per column of X (d = {d}); got "
                f"{theta.size} entries."
            )

    def loss(t):
        r = X @ t - y
        return (r @ r) / n  # L(t) = (1/n) ||X t - y||^2

    def grad(t):
        return (2.0 / n) * (X.T @ (X @ t - y))  # grad L(t) = (2/n) X^T (X t - y)

    bound = n / np.linalg.norm(X, 2) ** 2 if np.any(X) else np.inf
    hint = f" below n / sigma_max(X)^2 = {bound:.4g} (got eta = {eta:g})"
    return _run(grad, loss, theta, eta, n_iter, func, hint)
