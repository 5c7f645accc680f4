"""Normal-equation and ridge solvers on dask arrays: X^T X and X^T y reduced chunk by chunk."""

from __future__ import annotations

import numpy as np
import pytest

from derive import catalog
from derive.codegen import IllConditionedWarning
from tests.strategies import design_from

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

ols = catalog.get("normal-equations").solver()
ridge = catalog.get("ridge-solution").solver()


@pytest.fixture(params=["synchronous", "threads"])
def scheduler(request):
    with dask.config.set(scheduler=request.param):
        yield request.param


def data(n=3000, d=7, seed=0):
    rng = np.random.default_rng(seed)
    X = design_from(n, d, seed, rng.uniform(1, 20, d))
    y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return X, y


def test_ols_on_many_chunks_matches_in_memory(scheduler):
    X, y = data()
    Xd = da.from_array(X, chunks=(97, 4))  # 31 row chunks, columns split too
    yd = da.from_array(y, chunks=250)  # chunked differently from X
    got = ols(Xd, yd)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, ols(X, y), rtol=1e-11, atol=1e-12)


def test_ridge_on_many_chunks_matches_in_memory(scheduler):
    X, y = data(seed=1)
    Xd = da.from_array(X, chunks=(128, -1))
    got = ridge(Xd, da.from_array(y, chunks=128), 2.5)
    np.testing.assert_allclose(got, ridge(X, y, 2.5), rtol=1e-11, atol=1e-12)


def test_the_graph_is_a_chunkwise_reduction():
    from derive.codegen import kernels

    X, y = data(n=1000, d=3)
    Xd = da.from_array(X, chunks=(100, -1))
    G, b = kernels.gram_xy(Xd, da.from_array(y, chunks=100))
    np.testing.assert_allclose(G, X.T @ X, rtol=1e-12)
    np.testing.assert_allclose(b, X.T @ y, rtol=1e-12)


def test_ill_conditioned_dask_input_falls_back_to_tsqr():
    X = design_from(2000, 5, 3, np.logspace(0, -7, 5))
    w = np.arange(1.0, 6.0)
    y = X @ w
    with dask.config.set(scheduler="synchronous"):
        with pytest.warns(IllConditionedWarning):
            got = ols(da.from_array(X, chunks=(250, -1)), da.from_array(y, chunks=250))
    assert np.linalg.norm(got - w) / np.linalg.norm(w) <= 1e-9


def test_concurrent_solves_leave_the_blas_thread_count_alone():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from concurrent.futures import ThreadPoolExecutor

    X, y = data(n=60_000, d=30)
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: ols(X, y), range(8)))
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert after == before
    for r in results:
        np.testing.assert_allclose(r, results[0], rtol=1e-12)
