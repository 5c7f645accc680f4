"""Hypothesis strategies shared by the test files.

Matrices are built from a small integer seed and a few drawn numbers rather than drawn entry
by entry: Hypothesis' default arrays are often rank deficient and shrink to unreadable
matrices, while a failure here shrinks to something like ``n=3, d=1, seed=0, s=[1.0]``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "bernoulli_samples",
    "design_from",
    "exponential_samples",
    "gaussian_samples",
    "laplace_samples",
    "mvn_samples",
    "orthonormal_columns",
    "penalties",
    "poisson_samples",
    "positive_scales",
    "regression_problems",
    "seeds",
    "targets",
    "well_conditioned_designs",
]

#: Seeds for numpy's default_rng; small integers shrink to 0.
seeds = st.integers(min_value=0, max_value=2**16)


def orthonormal_columns(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Return an (n, d) matrix with orthonormal columns: Q of the QR of Gaussian data."""
    q, r = np.linalg.qr(rng.standard_normal((n, d)))
    return q * np.sign(np.diag(r))  # sign fix makes Q Haar-distributed


def design_from(n: int, d: int, seed: int, singular_values) -> np.ndarray:
    """Return X = U diag(s) V^T with random orthonormal U (n, d), V (d, d) and the given s."""
    rng = np.random.default_rng(seed)
    u = orthonormal_columns(rng, n, d)
    v = orthonormal_columns(rng, d, d)
    return (u * np.asarray(singular_values, dtype=float)) @ v.T


@st.composite
def well_conditioned_designs(
    draw,
    min_n: int = 1,
    max_n: int = 12,
    min_d: int = 1,
    max_d: int = 4,
    max_cond: float = 100.0,
) -> np.ndarray:
    """An (n, d) design with n >= d, full column rank and condition number <= max_cond.

    Singular values are drawn in [1, max_cond], so sigma_min >= 1 and cond(X) <= max_cond.
    """
    d = draw(st.integers(min_d, max_d), label="d")
    n = draw(st.integers(max(min_n, d), max(max_n, d)), label="n")
    seed = draw(seeds, label="seed")
    s = draw(
        st.lists(st.floats(1.0, max_cond), min_size=d, max_size=d),
        label="singular_values",
    )
    return design_from(n, d, seed, s)


def targets(n: int, max_abs: float = 10.0):
    """A target vector of n finite floats in [-max_abs, max_abs] (no subnormals)."""
    return hnp.arrays(
        np.float64,
        n,
        elements=st.floats(-max_abs, max_abs, allow_subnormal=False),
    )


@st.composite
def regression_problems(draw, noise: float = 1.0, **design_kwargs):
    """(X, y) with X from well_conditioned_designs and y = X w + noise * e, w and e seeded."""
    X = draw(well_conditioned_designs(**design_kwargs))
    seed = draw(seeds, label="target_seed")
    rng = np.random.default_rng(seed)
    n, d = X.shape
    w = rng.normal(0.0, 2.0, size=d)
    return X, X @ w + noise * rng.standard_normal(n)


def penalties(min_value: float = 1e-3, max_value: float = 1e2):
    """A strictly positive penalty weight lam."""
    return st.floats(min_value, max_value)


def positive_scales(min_value: float = 1e-2, max_value: float = 1e2):
    """A strictly positive scale (sigma, b) in a range free of overflow."""
    return st.floats(min_value, max_value)


def _floats(low: float, high: float):
    return st.floats(low, high, allow_subnormal=False)


def gaussian_samples(min_size: int = 1, max_size: int = 30, max_abs: float = 1e3):
    """A real-valued sample (any finite values; ties and constant samples included)."""
    return hnp.arrays(
        np.float64, st.integers(min_size, max_size), elements=_floats(-max_abs, max_abs)
    )


#: Laplace samples have the same support as Gaussian ones: the whole real line.
laplace_samples = gaussian_samples


def exponential_samples(min_size: int = 1, max_size: int = 30):
    """A sample of strictly positive values in [1e-3, 1e3]."""
    return hnp.arrays(np.float64, st.integers(min_size, max_size), elements=_floats(1e-3, 1e3))


def poisson_samples(min_size: int = 1, max_size: int = 30, max_count: int = 50):
    """A sample of non-negative integer counts."""
    return hnp.arrays(np.int64, st.integers(min_size, max_size), elements=st.integers(0, max_count))


def bernoulli_samples(min_size: int = 1, max_size: int = 30):
    """A sample of 0/1 outcomes (integers)."""
    return hnp.arrays(np.int64, st.integers(min_size, max_size), elements=st.integers(0, 1))


@st.composite
def mvn_samples(draw, min_n: int = 1, max_n: int = 20, min_d: int = 1, max_d: int = 4):
    """An (N, d) sample: correlated Gaussian rows from a seed, a drawn mean and scales."""
    d = draw(st.integers(min_d, max_d), label="d")
    n = draw(st.integers(min_n, max_n), label="N")
    seed = draw(seeds, label="seed")
    rng = np.random.default_rng(seed)
    mean = rng.uniform(-10, 10, size=d)
    mix = rng.standard_normal((d, d))
    return mean + rng.standard_normal((n, d)) @ mix
