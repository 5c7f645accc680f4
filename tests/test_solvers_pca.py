"""PCA, GLS and matrix-calculus solvers against numeric/, scikit-learn and numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.decomposition import PCA

import numeric
from derive import catalog
from tests.strategies import seeds


@st.composite
def data(draw):
    n = draw(st.integers(5, 60), label="n")
    d = draw(st.integers(1, 5), label="d")
    rng = np.random.default_rng(draw(seeds, label="seed"))
    spread = np.logspace(0, draw(st.sampled_from([0, 2, 4])), d)  # up to badly conditioned
    return rng.standard_normal((n, d)) * spread + rng.standard_normal(d)


def _aligned(A, B):
    """B with each row's sign flipped to match A (principal directions are defined up to sign)."""
    return B * np.sign(np.sum(A * B, axis=1))[:, None]


@given(data())
def test_pca_agrees_with_sklearn_and_numeric_up_to_sign(X):
    n, d = X.shape
    k = min(d, n - 1)
    ours = catalog.get("pca-lagrange").solver(n_components=k)(X)
    sk = PCA(n_components=k, svd_solver="full").fit(X)
    comps, var = numeric.pca_svd(X, k)
    top = ours.explained_variance[0]
    np.testing.assert_allclose(ours.explained_variance, sk.explained_variance_, rtol=1e-7, atol=1e-9 * top)
    np.testing.assert_allclose(ours.explained_variance, var, rtol=1e-7, atol=1e-9 * top)
    # compare directions whose eigenvalue is separated from the others (else any basis is right)
    gaps = np.abs(np.subtract.outer(var, var))
    np.fill_diagonal(gaps, np.inf)
    distinct = gaps.min(axis=1) > 1e-6 * top
    for ref in (sk.components_, comps):
        np.testing.assert_allclose(ours.components[distinct], _aligned(ours.components, ref)[distinct], atol=1e-6)
    # the variance captured by each direction is its eigenvalue (pca-variance)
    S = np.cov(X, rowvar=False).reshape(d, d)
    q = catalog.get("pca-variance").solver()
    for wv, lam in zip(ours.components, ours.explained_variance):
        assert np.isclose(q(S, wv), lam, rtol=1e-8, atol=1e-10 * top)


@pytest.mark.parametrize("X, k, match", [
    (np.ones((1, 3)), None, "at least 2 samples"),
    (np.ones((4, 3)), 4, "n_components"),
    (np.array([[1.0, np.nan], [1.0, 2.0]]), None, "NaN"),
], ids=["one-sample", "too-many-components", "nan"])
def test_pca_bad_input(X, k, match):
    with pytest.raises(ValueError, match=match):
        catalog.get("pca-lagrange").solver(n_components=k)(X)


@st.composite
def weighted_problem(draw):
    n = draw(st.integers(4, 40), label="n")
    d = draw(st.integers(1, min(4, n - 1)), label="d")
    rng = np.random.default_rng(draw(seeds, label="seed"))
    X = rng.standard_normal((n, d)) * np.logspace(0, draw(st.sampled_from([0, 2])), d)
    y = rng.standard_normal(n)
    B = rng.standard_normal((n, n))
    W = B @ B.T / n + np.eye(n) * draw(st.sampled_from([1.0, 1e-3]))
    return X, y, W


@given(weighted_problem())
def test_gls_agrees_with_numeric_and_whitened_lstsq(case):
    X, y, W = case
    ours = catalog.get("gls-normal-equations").solver()(X, y, W)
    twin = numeric.gls(X, y, W)
    L = np.linalg.cholesky(W)  # W = L L^T: whiten with L^T
    ref = np.linalg.lstsq(L.T @ X, L.T @ y, rcond=None)[0]
    scale = 1 + np.abs(ref).max()
    np.testing.assert_allclose(ours, twin, rtol=1e-6, atol=1e-8 * scale)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-8 * scale)


def test_wls_is_gls_with_a_diagonal_weight():
    rng = np.random.default_rng(0)
    X, y, omega = rng.standard_normal((20, 3)), rng.standard_normal(20), rng.random(20) + 0.1
    np.testing.assert_allclose(catalog.get("gls-normal-equations").solver()(X, y, np.diag(omega)),
                               numeric.wls(X, y, omega), rtol=1e-10)


@given(seeds, st.integers(1, 4))
def test_matrix_calculus_solvers_against_finite_differences(seed, d):
    rng = np.random.default_rng(seed)
    A, B, C, X = (rng.standard_normal((d, d)) for _ in range(4))
    X = X + 3 * np.eye(d)  # comfortably invertible
    a, b = rng.standard_normal(d), rng.standard_normal(d)
    cases = {
        "trace-axbxtc-gradient": (lambda M: np.trace(A @ M @ B @ M.T @ C), lambda: catalog.get("trace-axbxtc-gradient").solver()(X=X, A=A, B=B, C=C)),
        "determinant-gradient": (np.linalg.det, lambda: catalog.get("determinant-gradient").solver()(X)),
        "log-determinant-gradient": (lambda M: np.log(abs(np.linalg.det(M))), lambda: catalog.get("log-determinant-gradient").solver()(X=X)),
        "inverse-form-gradient": (lambda M: a @ np.linalg.solve(M, b), lambda: catalog.get("inverse-form-gradient").solver()(X=X, a=a, b=b)),
        "trace-square-gradient": (lambda M: np.trace(M @ M), lambda: catalog.get("trace-square-gradient").solver()(X=X)),
    }
    h = 1e-6
    for name, (f, grad) in cases.items():
        G = np.asarray(grad()).reshape(d, d)
        fd = np.zeros((d, d))
        for i in range(d):
            for j in range(d):
                E = np.zeros((d, d))
                E[i, j] = h
                fd[i, j] = (f(X + E) - f(X - E)) / (2 * h)
        np.testing.assert_allclose(G, fd, rtol=1e-5, atol=1e-5 * (1 + np.abs(fd).max()), err_msg=name)
