"""Softmax solvers: the textbook forms for any K, against the derivations at K = 3 and finite
differences; bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive import catalog
from derive.catalog import softmax as sm
from tests.strategies import seeds


def solver(name):
    return catalog.get(name).solver()


def _at(expr, zv, z):
    return np.array(sp.ImmutableMatrix(expr).xreplace({zv[j, 0]: sp.Float(z[j], 30) for j in range(len(z))}).evalf(20), dtype=float)


@given(seeds)
def test_the_solvers_equal_the_derived_results_at_three_classes(seed):
    rng = np.random.default_rng(seed)
    z2 = rng.standard_normal(sm.JACOBIAN_CLASSES) * 3
    J = catalog.get("softmax-jacobian").result
    np.testing.assert_allclose(solver("softmax-jacobian")(z2), _at(J, sm.logits(sm.JACOBIAN_CLASSES), z2), rtol=1e-12, atol=1e-14)
    z = rng.standard_normal(3) * 3
    zv = sm.logits()
    np.testing.assert_allclose(solver("log-sum-exp-gradient")(z), _at(catalog.get("log-sum-exp-gradient").result, zv, z).ravel(), rtol=1e-12)
    y = rng.dirichlet(np.ones(3))
    derived = catalog.get("softmax-cross-entropy-gradient").result
    yv = sp.MatrixSymbol("y", 3, 1)
    value = np.array(sp.ImmutableMatrix(derived).xreplace({**{zv[j, 0]: sp.Float(z[j], 30) for j in range(3)},
                                                           yv[0, 0]: sp.Float(y[0], 30), yv[1, 0]: sp.Float(y[1], 30)}).evalf(20), dtype=float).ravel()
    np.testing.assert_allclose(solver("softmax-cross-entropy-gradient")(z, y), value, rtol=1e-9, atol=1e-12)


@given(st.integers(2, 8), seeds, st.sampled_from([1.0, 1e3]))
def test_jacobian_and_gradients_against_finite_differences(K, seed, scale):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(K) * scale  # large logits: the shifted softmax must not overflow
    p = solver("log-sum-exp-gradient")(z)
    assert np.all(np.isfinite(p)) and np.isclose(p.sum(), 1)
    h = 1e-6
    J = solver("softmax-jacobian")(z)
    for j in range(K):
        e = np.zeros(K)
        e[j] = h
        fd = (solver("log-sum-exp-gradient")(z + e) - solver("log-sum-exp-gradient")(z - e)) / (2 * h)
        np.testing.assert_allclose(J[:, j], fd, atol=1e-6)


@given(seeds)
def test_multinomial_gradient_against_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n, d, K = 7, 3, 4
    X, W = rng.standard_normal((n, d)), rng.standard_normal((d, K))
    Y = np.eye(K)[rng.integers(0, K, n)]

    def loss(W):
        Z = X @ W
        return -(Y * (Z - np.log(np.exp(Z).sum(axis=1, keepdims=True)))).sum()

    G = solver("multinomial-logistic-gradient")(X, W, Y)
    h = 1e-6
    for j in range(d):
        for k in range(K):
            E = np.zeros((d, K))
            E[j, k] = h
            assert abs(G[j, k] - (loss(W + E) - loss(W - E)) / (2 * h)) < 1e-5


@pytest.mark.parametrize("args, match", [
    ((np.array([0.0, 1.0]), np.array([0.5, 0.4])), "sum to 1"),
    ((np.array([0.0, np.inf]), np.array([0.5, 0.5])), "NaN or infinity"),
    ((np.array([0.0, 1.0]), np.array([1.0, 0.0, 0.0])), "2 entries"),
], ids=["labels-not-on-simplex", "infinite-logit", "wrong-length"])
def test_bad_input_is_refused(args, match):
    with pytest.raises(ValueError, match=match):
        solver("softmax-cross-entropy-gradient")(*args)
