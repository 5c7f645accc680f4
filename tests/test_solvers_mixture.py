"""One EM iteration from the derived updates against sklearn's GaussianMixture and numeric/."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from derive import catalog
from tests.strategies import seeds


def em():
    return catalog.get("gmm-responsibilities").solver()


def sklearn_one_step(x, w, m, v):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        g = GaussianMixture(len(w), covariance_type="full", weights_init=w, means_init=m[:, None],
                            precisions_init=(1 / v)[:, None, None], max_iter=1, reg_covar=0.0,
                            tol=0.0).fit(x[:, None])
    return g.weights_, g.means_.ravel(), g.covariances_.ravel()


@st.composite
def mixtures(draw):
    seed = draw(seeds)
    K = draw(st.integers(1, 4))
    n = draw(st.integers(max(2, K), 60))
    spread = draw(st.sampled_from([0.1, 1.0, 10.0]))
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, K)
    x = rng.normal(centres[rng.integers(0, K, n)], spread)
    w = rng.dirichlet(np.full(K, 2.0))
    m = x[rng.choice(n, K, replace=False)] + rng.normal(0, 0.1, K)
    v = np.full(K, np.var(x) + 0.5) * rng.uniform(0.5, 1.5, K)
    return x, w, m, v


@given(mixtures())
def test_one_em_step_matches_sklearn_and_numeric(problem):
    x, w, m, v = problem
    new_w, new_m, new_v = em()(x, w, m, v)
    ref_w, ref_m, ref_v = sklearn_one_step(x, w, m, v)
    assert np.allclose(new_w, ref_w, rtol=1e-9, atol=1e-12)
    assert np.allclose(new_m, ref_m, rtol=1e-9, atol=1e-9)
    assert np.allclose(new_v, ref_v, rtol=1e-7, atol=1e-9)
    mine = numeric.em_step(x, w, m, v)
    assert np.allclose(new_w, mine.weights, rtol=1e-10)
    assert np.allclose(new_m, mine.means.ravel(), rtol=1e-9, atol=1e-9)
    assert np.allclose(new_v, mine.covariances.ravel(), rtol=1e-8, atol=1e-10)
    assert np.allclose(em().responsibilities(x, w, m, v), mine.responsibilities, atol=1e-12)


def test_far_away_samples_do_not_underflow():
    x = np.array([-1e3, 0.0, 1e3])
    w, m, v = np.array([0.5, 0.5]), np.array([-1.0, 1.0]), np.array([0.01, 0.01])
    r = em().responsibilities(x, w, m, v)
    assert np.all(np.isfinite(r)) and np.allclose(r.sum(axis=1), 1)


@pytest.mark.parametrize("args, match", [
    ((np.ones((3, 2)), [1.0], [0.0], [1.0]), "1-D array"),
    ((np.ones(3), [0.5, 0.6], [0.0, 1.0], [1.0, 1.0]), "sum to 1"),
    ((np.ones(3), [0.5, 0.5], [0.0, 1.0], [1.0, -1.0]), "positive"),
    ((np.ones(3), [0.5, 0.5], [0.0], [1.0, 1.0]), "one entry per component"),
], ids=["2-D", "weights", "variance", "lengths"])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        em()(*args)


def test_numeric_em_in_two_dimensions_matches_sklearn():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal([0, 0], 1, (40, 2)), rng.normal([4, 1], 0.7, (30, 2))])
    w, m = np.array([0.4, 0.6]), np.array([[0.5, 0.0], [3.0, 1.5]])
    S = np.array([np.eye(2), [[1.0, 0.2], [0.2, 0.5]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        g = GaussianMixture(2, weights_init=w, means_init=m, precisions_init=np.linalg.inv(S),
                            max_iter=1, reg_covar=0.0, tol=0.0).fit(X)
    mine = numeric.em_step(X, w, m, S)
    assert np.allclose(mine.weights, g.weights_) and np.allclose(mine.means, g.means_)
    assert np.allclose(mine.covariances, g.covariances_)
