"""Every bad input numeric/ rejects, fed to the generated solver that computes the same thing.

The rows come from tests/bad_inputs.py, the table test_numeric_validation.py reads: one row per
(bad input, generated solver), with a readable id `<numeric row>@<derivation>`. The solver
must raise the same kind of error (a class of the same name in derive.codegen.validate, or the
same built-in), its message must start with the solver's name and contain the fragment. Rows
marked `accepted` are inputs a solver takes on purpose: it must then compute what the good
input gives.
"""

from __future__ import annotations

import builtins
import functools
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derive import catalog
from derive.codegen import validate
from tests.bad_inputs import CASES, targets_of
from tests.strategies import seeds


@functools.cache
def solver(derivation, part):
    return catalog.get(derivation).solver(**({"part": part} if part else {}))


def _rows():
    for case in CASES:
        for target in targets_of(case):
            yield pytest.param(case, target, id=f"{case.id}@{target.label}")


ROWS = list(_rows())


def _error(name):
    return getattr(validate, name, None) or getattr(builtins, name)


@pytest.mark.parametrize(("case", "target"), ROWS)
def test_generated_solver_rejects_what_numeric_rejects(case, target):
    fn = solver(target.derivation, target.part)
    if case.accepted:
        got = target.call(fn, case.kwargs)
        want = target.call(fn, case.good)
        np.testing.assert_allclose(np.ravel(np.asarray(got, dtype=float)),
                                   np.ravel(np.asarray(want, dtype=float)), rtol=1e-12)
        return
    error = _error(case.derive_error or case.error)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning is not an error message: it must raise
        with pytest.raises(error) as info:
            target.call(fn, case.kwargs)
    message = str(info.value)
    assert message.startswith(fn.name), message
    assert (case.derive_fragment or case.fragment) in message, message


def test_only_the_documented_rows_have_no_generated_counterpart():
    """binary_cross_entropy takes probabilities (the generated one takes logits), and the
    generated gradient descent derives its gradient: no grad or loss argument to refuse."""
    without = {c.function for c in CASES if not targets_of(c)}
    assert without == {"binary_cross_entropy", "gradient_descent"}
    assert {c.id for c in CASES if c.function == "gradient_descent" and not targets_of(c)} == {
        f"gradient_descent-{s}" for s in ("grad-not-callable", "loss-not-callable",
                                           "grad-wrong-shape", "grad-returns-string",
                                           "grad-returns-nan")
    }


def test_every_derive_error_class_is_a_builtin_error():
    for name in ("NonFiniteError", "ShapeError", "EmptyInputError", "ParameterError",
                 "SupportError", "RankDeficientError", "DivergenceError"):
        assert issubclass(getattr(validate, name), ValueError)
    assert issubclass(validate.DTypeError, TypeError)


def test_a_two_column_sample_is_refused_not_summed():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for name in ("poisson-mle", "exponential-mle", "gaussian-mle-mean", "bernoulli-mle"):
        with pytest.raises(validate.ShapeError, match=r"must be a 1-D array.*got a 2-D array"):
            catalog.get(name).solver()(x)


def test_newton_step_refuses_a_non_symmetric_or_indefinite_hessian():
    step = catalog.get("newton-step").solver()
    with pytest.raises(validate.ParameterError, match=r"H must be symmetric .*H\[0, 1\] = 1"):
        step(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2))
    with pytest.raises(validate.NotPositiveDefiniteError, match="must be symmetric positive definite"):
        step(np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones(2))


def test_nan_in_the_design_is_located_without_a_pass_before_the_gram():
    X = np.ones((6, 2)) + np.arange(12.0).reshape(6, 2) ** 2
    X[4, 1] = np.nan
    with pytest.raises(validate.NonFiniteError, match=r"first at index \(4, 1\)"):
        catalog.get("normal-equations").solver()(X, np.ones(6))


#: solvers that read a data matrix X, checked through what they compute from it (no own pass)
X_SOLVERS = [
    ("normal-equations", None, lambda s, X, y: s(X, y)),
    ("ridge-solution", None, lambda s, X, y: s(X, y, 0.5)),
    ("map-laplace-prior-lasso", None, lambda s, X, y: s(X, y, 0.5)),
    ("laplace-nll-mae", "lad", lambda s, X, y: s(X, y)),
    ("mse-gradient", None, lambda s, X, y: s(X, y, np.ones(X.shape[1]))),
    ("mse-expansion", None, lambda s, X, y: s(X, y, np.ones(X.shape[1]))),
    ("mse-hessian", None, lambda s, X, y: s(X)),
    ("gd-update-mse", None, lambda s, X, y: s.iterate(np.zeros(X.shape[1]), 4, X=X, y=y, eta=0.01)),
    ("mvn-mle-mean", None, lambda s, X, y: s(X)),
    ("mvn-mle-covariance", None, lambda s, X, y: s(X)),
]


@given(st.integers(1, 40), st.integers(1, 5), seeds, st.sampled_from([np.nan, np.inf, -np.inf]),
       st.data())
def test_a_non_finite_entry_anywhere_in_X_is_found_and_located(n, d, seed, bad, data):
    n = max(n, d)
    X = np.random.default_rng(seed).standard_normal((n, d))
    i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, d - 1))
    X[i, j] = bad
    y = np.ones(n)
    for name, part, call in X_SOLVERS:
        with pytest.raises(validate.NonFiniteError, match=fr"first at index \({i}, {j}\)"):
            call(solver(name, part), X, y)


def test_dask_input_is_checked_too():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = X @ np.array([1.0, 2.0, 3.0]) + 5.0
    ols = solver("normal-equations", None)
    with dask.config.set(scheduler="synchronous"):
        fit = ols(da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100), fit_intercept=True)
        np.testing.assert_allclose(fit.coef, [1.0, 2.0, 3.0], rtol=1e-10)
        assert fit.intercept == pytest.approx(5.0, rel=1e-10)
        X[7, 1] = np.nan
        with pytest.raises(validate.NonFiniteError, match="X must contain only finite numbers"):
            ols(da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100))
