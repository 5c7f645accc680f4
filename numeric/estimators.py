"""Maximum-likelihood estimators in closed form, by hand with NumPy.

Each function takes an i.i.d. sample and returns the parameter values that maximise its
likelihood, checking first that every value lies in the distribution's support.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from numeric._validate import SupportError, as_array, check_finite_result, quiet_overflow

__all__ = [
    "MVNMLE",
    "GaussianMLE",
    "LaplaceMLE",
    "bernoulli_mle",
    "exponential_mle",
    "gaussian_mle",
    "laplace_mle",
    "mvn_mle",
    "poisson_mle",
]


class GaussianMLE(NamedTuple):
    mean: float
    variance: float  # (1/n) sum (x_i - mean)^2, the biased MLE


class MVNMLE(NamedTuple):
    mean: np.ndarray  # shape (d,)
    covariance: np.ndarray  # shape (d, d), (1/N) sum (x_i - mean)(x_i - mean)^T


class LaplaceMLE(NamedTuple):
    location: float  # a sample median
    scale: float  # (1/n) sum |x_i - median|


def _sample(x, func: str) -> np.ndarray:
    return as_array(x, "x", func, ndim=1)


def _outside(x: np.ndarray, bad: np.ndarray, func: str, support: str, fix: str) -> None:
    if bad.any():
        i = int(np.argmax(bad))
        raise SupportError(
            f"{func}: every sample value must lie in the support {support}; got x[{i}] = "
            f"{x[i]:g} ({int(bad.sum())} value(s) outside). {fix}"
        )


@quiet_overflow
def gaussian_mle(x) -> GaussianMLE:
    """Return the Gaussian MLE (mean, variance) with variance = (1/n) sum (x_i - mean)^2.

    The variance is 0 when all values are equal (the likelihood is then unbounded).
    """
    x = _sample(x, "gaussian_mle")
    mean = float(np.mean(x))
    variance = float(np.mean((x - mean) ** 2))  # two-pass: no cancellation
    check_finite_result((mean, variance), "mean or variance", "gaussian_mle")
    return GaussianMLE(mean, variance)


@quiet_overflow
def mvn_mle(X) -> MVNMLE:
    """Return the multivariate Gaussian MLE (mean vector, covariance with 1/N) of the rows of X."""
    X = as_array(X, "X", "mvn_mle", ndim=2)
    mean = X.mean(axis=0)
    centred = X - mean
    # Sigma = (1/N) sum_i (x_i - mu)(x_i - mu)^T = (1/N) Xc^T Xc
    covariance = centred.T @ centred / X.shape[0]
    check_finite_result(covariance, "covariance", "mvn_mle")
    return MVNMLE(mean, covariance)


def bernoulli_mle(x) -> float:
    """Return the Bernoulli MLE p = (1/n) sum x_i of a 0/1 sample."""
    x = _sample(x, "bernoulli_mle")
    _outside(
        x, (x != 0) & (x != 1), "bernoulli_mle", "{0, 1}", "Encode the two outcomes as 0 and 1."
    )
    return float(np.mean(x))


@quiet_overflow
def laplace_mle(x) -> LaplaceMLE:
    """Return the Laplace MLE (location = median, scale = mean |x_i - median|).

    For even n every point between the two middle values maximises the likelihood; the
    midpoint is returned, and the scale is the same for any of them.
    """
    x = _sample(x, "laplace_mle")
    location = float(np.median(x))
    scale = float(np.mean(np.abs(x - location)))
    check_finite_result((location, scale), "location or scale", "laplace_mle")
    return LaplaceMLE(location, scale)


@quiet_overflow
def poisson_mle(x) -> float:
    """Return the Poisson MLE rate = (1/n) sum x_i of a sample of non-negative integer counts."""
    x = _sample(x, "poisson_mle")
    _outside(
        x,
        (x < 0) | (x != np.floor(x)),
        "poisson_mle",
        "{0, 1, 2, ...}",
        "Poisson data are non-negative integer counts.",
    )
    rate = float(np.mean(x))
    check_finite_result(rate, "rate", "poisson_mle")
    return rate


@quiet_overflow
def exponential_mle(x) -> float:
    """Return the exponential MLE rate = 1 / mean of a sample of positive values."""
    x = _sample(x, "exponential_mle")
    _outside(
        x,
        x <= 0,
        "exponential_mle",
        "(0, inf)",
        "Exponential data are positive waiting times; remove zeros and negative values.",
    )
    # mean = m * mean(x / m) with m = max x: the sum of values near 1e308 would overflow
    m = float(np.max(x))
    rate = 1.0 / (m * float(np.mean(x / m)))
    check_finite_result(rate, "rate", "exponential_mle")
    if rate == 0.0:  # 1 / mean underflowed (mean > 1 / 5e-324): not representable
        check_finite_result(np.inf, "rate (1 / mean underflowed to 0)", "exponential_mle")
    return rate
