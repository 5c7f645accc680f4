"""Every public function of numeric rejects bad input loudly, with a message that helps.

One row per bad input per function. Each row names the error class expected and a fragment
of the message; every message must also start with the function's name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import numeric
from numeric import (
    DivergenceError,
    DTypeError,
    EmptyInputError,
    NonFiniteError,
    ParameterError,
    RankDeficientError,
    ShapeError,
    SupportError,
    TooFewRowsError,
)

X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 2.0], [2.0, 1.0]])
Y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
V = np.array([0.5, 1.5, 2.0, 3.0])  # a generic positive 1-D sample
B = np.array([0, 1, 1, 0])  # a Bernoulli sample


# ---------------------------------------------------------------------------------------------
# Bad arrays, generated for every array argument of every function
# ---------------------------------------------------------------------------------------------


def _with(value, index, a):
    out = np.array(a, dtype=object if value is None else float)
    out.flat[index] = value
    return out


def _wrong_ndim(a):
    a = np.asarray(a)
    return a[:, 0] if a.ndim == 2 else a[:, None]


BAD_ARRAYS = [
    # suffix, transform, error, message fragment
    ("nan", lambda a: _with(np.nan, 1, a), NonFiniteError, "1 NaN and 0 infinite"),
    ("inf", lambda a: _with(np.inf, 1, a), NonFiniteError, "0 NaN and 1 infinite"),
    ("strings", lambda a: np.asarray(a).astype(str), DTypeError, "got an array of strings"),
    ("none", lambda a: _with(None, 0, a), DTypeError, "Python objects"),
    ("complex", lambda a: np.asarray(a) + 1j, DTypeError, "complex numbers"),
    ("empty", lambda a: np.asarray(a)[:0], EmptyInputError, "must have at least 1"),
    ("wrong-ndim", _wrong_ndim, ShapeError, "-D array of shape"),
    ("scalar", lambda a: 3.0, ShapeError, "got a scalar"),
]

# function name, callable, good keyword arguments, array arguments
FUNCTIONS = [
    ("ols", numeric.ols, {"X": X, "y": Y}, ["X", "y"]),
    ("ridge", numeric.ridge, {"X": X, "y": Y, "lam": 1.0}, ["X", "y"]),
    ("lasso", numeric.lasso, {"X": X, "y": Y, "lam": 1.0}, ["X", "y"]),
    ("lad", numeric.lad, {"X": X, "y": Y}, ["X", "y"]),
    ("mse", numeric.mse, {"y": Y, "yhat": Y}, ["y", "yhat"]),
    ("mae", numeric.mae, {"y": Y, "yhat": Y}, ["y", "yhat"]),
    ("gaussian_nll", numeric.gaussian_nll, {"residuals": Y, "sigma": 1.0}, ["residuals"]),
    ("laplace_nll", numeric.laplace_nll, {"residuals": Y, "b": 1.0}, ["residuals"]),
    ("binary_cross_entropy", numeric.binary_cross_entropy, {"y": B, "p": B / 2 + 0.2}, ["y", "p"]),
    (
        "binary_cross_entropy_with_logits",
        numeric.binary_cross_entropy_with_logits,
        {"y": B, "z": V},
        ["y", "z"],
    ),
    ("gaussian_mle", numeric.gaussian_mle, {"x": V}, ["x"]),
    ("mvn_mle", numeric.mvn_mle, {"X": X}, ["X"]),
    ("bernoulli_mle", numeric.bernoulli_mle, {"x": B}, ["x"]),
    ("laplace_mle", numeric.laplace_mle, {"x": V}, ["x"]),
    ("poisson_mle", numeric.poisson_mle, {"x": B}, ["x"]),
    ("exponential_mle", numeric.exponential_mle, {"x": V}, ["x"]),
    (
        "gd_least_squares",
        numeric.gd_least_squares,
        {"X": X, "y": Y, "eta": 0.01, "n_iter": 3},
        ["X", "y"],
    ),
]


def _array_rows():
    for name, fn, good, array_args in FUNCTIONS:
        for arg in array_args:
            for suffix, transform, error, fragment in BAD_ARRAYS:
                kwargs = {**good, arg: transform(good[arg])}
                yield pytest.param(name, fn, kwargs, error, fragment, id=f"{name}-{suffix}-{arg}")
        if len(array_args) == 2:  # a pair that must have matching lengths
            first, second = array_args
            kwargs = {**good, second: np.asarray(good[second])[:-1]}
            yield pytest.param(
                name,
                fn,
                kwargs,
                ShapeError,
                "must have the same number of rows",
                id=f"{name}-mismatched-{first}-{second}",
            )


@pytest.mark.parametrize(("name", "fn", "kwargs", "error", "fragment"), list(_array_rows()))
def test_bad_array_is_rejected(name, fn, kwargs, error, fragment):
    with pytest.raises(error, match=None) as info:
        fn(**kwargs)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert fragment in message


def test_ragged_input_is_a_shape_error():
    with pytest.raises(ShapeError, match="ragged"):
        numeric.ols([[1.0, 2.0], [3.0]], [1.0, 2.0])


def test_none_is_a_type_error():
    with pytest.raises(DTypeError, match="got None"):
        numeric.gaussian_mle(None)


# ---------------------------------------------------------------------------------------------
# Function-specific bad inputs
# ---------------------------------------------------------------------------------------------

X_DUP = np.column_stack([X, X[:, 0] + X[:, 1]])  # third column = first + second
X_ZERO = np.column_stack([X, np.zeros(5)])


def _grad(x):
    return 2 * x


SPECIFIC = [
    # least squares
    pytest.param(
        lambda: numeric.ols(X_DUP, Y),
        RankDeficientError,
        "numerical rank 2 < d = 3",
        id="ols-collinear-columns",
    ),
    pytest.param(
        lambda: numeric.ols(X_DUP, Y),
        RankDeficientError,
        "fallback='lstsq'",
        id="ols-collinear-suggests-fallback",
    ),
    pytest.param(
        lambda: numeric.ols(X_ZERO, Y),
        RankDeficientError,
        "column(s) [2] are entirely zero",
        id="ols-zero-column",
    ),
    pytest.param(
        lambda: numeric.ols(X[:1], Y[:1]),
        TooFewRowsError,
        "got n = 1 rows and d = 2 columns",
        id="ols-n-less-than-d",
    ),
    pytest.param(
        lambda: numeric.ols(X, Y, fallback="qr"),
        ValueError,
        "fallback must be None or 'lstsq'",
        id="ols-unknown-fallback",
    ),
    pytest.param(
        lambda: numeric.ridge(X, Y, -1.0),
        ParameterError,
        "lam must be >= 0; got lam=-1",
        id="ridge-negative-lam",
    ),
    pytest.param(
        lambda: numeric.ridge(X, Y, float("nan")),
        NonFiniteError,
        "lam must be a finite number",
        id="ridge-nan-lam",
    ),
    pytest.param(
        lambda: numeric.ridge(X, Y, "1.0"),
        DTypeError,
        "lam must be a real number",
        id="ridge-string-lam",
    ),
    pytest.param(
        lambda: numeric.ridge(X, Y, True),
        DTypeError,
        "lam must be a real number",
        id="ridge-bool-lam",
    ),
    pytest.param(
        lambda: numeric.ridge(X_DUP, Y, 0.0),
        RankDeficientError,
        "numerical rank 2 < d = 3",
        id="ridge-zero-lam-collinear",
    ),
    pytest.param(
        lambda: numeric.lasso(X, Y, -0.5),
        ParameterError,
        "lam must be >= 0",
        id="lasso-negative-lam",
    ),
    pytest.param(
        lambda: numeric.lasso(X, Y, float("inf")),
        NonFiniteError,
        "lam must be a finite number",
        id="lasso-inf-lam",
    ),
    pytest.param(
        lambda: numeric.lasso(X, Y, 1.0, tol=0.0),
        ParameterError,
        "tol must be > 0",
        id="lasso-zero-tol",
    ),
    pytest.param(
        lambda: numeric.lasso(X, Y, 1.0, max_iter=0),
        ParameterError,
        "max_iter must be >= 1",
        id="lasso-zero-max-iter",
    ),
    pytest.param(
        lambda: numeric.lasso(X, Y, 1.0, max_iter=10.5),
        DTypeError,
        "max_iter must be an integer",
        id="lasso-float-max-iter",
    ),
    pytest.param(
        lambda: numeric.lasso(X_DUP, Y, 0.0),
        RankDeficientError,
        "numerical rank 2",
        id="lasso-zero-lam-collinear",
    ),
    # losses
    pytest.param(
        lambda: numeric.gaussian_nll(Y, 0.0),
        ParameterError,
        "sigma must be > 0",
        id="gaussian_nll-zero-sigma",
    ),
    pytest.param(
        lambda: numeric.gaussian_nll(Y, -2.0),
        ParameterError,
        "sigma must be > 0",
        id="gaussian_nll-negative-sigma",
    ),
    pytest.param(
        lambda: numeric.laplace_nll(Y, 0.0),
        ParameterError,
        "b must be > 0",
        id="laplace_nll-zero-b",
    ),
    pytest.param(
        lambda: numeric.laplace_nll(Y, float("nan")),
        NonFiniteError,
        "b must be a finite number",
        id="laplace_nll-nan-b",
    ),
    pytest.param(
        lambda: numeric.binary_cross_entropy(B, [0.1, 0.2, 1.5, 0.3]),
        SupportError,
        "p[2] = 1.5",
        id="binary_cross_entropy-p-above-one",
    ),
    pytest.param(
        lambda: numeric.binary_cross_entropy(B, [0.1, -0.2, 0.5, 0.3]),
        SupportError,
        "binary_cross_entropy_with_logits",
        id="binary_cross_entropy-negative-p",
    ),
    pytest.param(
        lambda: numeric.binary_cross_entropy([0, 2, 1, 0], V / 4),
        SupportError,
        "y[1] = 2",
        id="binary_cross_entropy-label-2",
    ),
    pytest.param(
        lambda: numeric.binary_cross_entropy(B, V / 4, reduction="max"),
        ValueError,
        "reduction must be 'mean' or 'sum'",
        id="binary_cross_entropy-bad-reduction",
    ),
    pytest.param(
        lambda: numeric.binary_cross_entropy_with_logits([-1, 0, 1, 0], V),
        SupportError,
        "y[0] = -1",
        id="binary_cross_entropy_with_logits-label-minus-1",
    ),
    pytest.param(
        lambda: numeric.mse([1e200, 0.0], [-1e200, 0.0]),
        NonFiniteError,
        "overflowed",
        id="mse-overflow",
    ),
    # estimators
    pytest.param(
        lambda: numeric.bernoulli_mle([0, 1, 2, 1]),
        SupportError,
        "x[2] = 2",
        id="bernoulli_mle-contains-2",
    ),
    pytest.param(
        lambda: numeric.bernoulli_mle([0, 0.5, 1]),
        SupportError,
        "support {0, 1}",
        id="bernoulli_mle-contains-half",
    ),
    pytest.param(
        lambda: numeric.poisson_mle([1, -1, 3]),
        SupportError,
        "x[1] = -1",
        id="poisson_mle-negative-count",
    ),
    pytest.param(
        lambda: numeric.poisson_mle([1, 2.5, 3]),
        SupportError,
        "non-negative integer counts",
        id="poisson_mle-non-integer-count",
    ),
    pytest.param(
        lambda: numeric.exponential_mle([1.0, 0.0, 2.0]),
        SupportError,
        "x[1] = 0",
        id="exponential_mle-zero",
    ),
    pytest.param(
        lambda: numeric.exponential_mle([1.0, -3.0]),
        SupportError,
        "support (0, inf)",
        id="exponential_mle-negative",
    ),
    pytest.param(
        lambda: numeric.gaussian_mle([1e300, -1e300]),
        NonFiniteError,
        "overflowed",
        id="gaussian_mle-overflow",
    ),
    pytest.param(
        lambda: numeric.mvn_mle(V), ShapeError, "x.reshape(-1, 1)", id="mvn_mle-1d-sample"
    ),
    # descent
    pytest.param(
        lambda: numeric.gradient_descent("2*x", [1.0], 0.1, 3),
        DTypeError,
        "grad must be a callable",
        id="gradient_descent-grad-not-callable",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [1.0], 0.1, 3, loss=4.0),
        DTypeError,
        "loss must be a callable",
        id="gradient_descent-loss-not-callable",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [1.0], 0.0, 3),
        ParameterError,
        "eta must be > 0",
        id="gradient_descent-zero-eta",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [1.0], -0.1, 3),
        ParameterError,
        "eta must be > 0",
        id="gradient_descent-negative-eta",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [1.0], 0.1, -1),
        ParameterError,
        "n_iter must be >= 0",
        id="gradient_descent-negative-n-iter",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [1.0], 0.1, 2.0),
        DTypeError,
        "n_iter must be an integer",
        id="gradient_descent-float-n-iter",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [[1.0]], 0.1, 2),
        ShapeError,
        "x0 must be a scalar or a 1-D array",
        id="gradient_descent-2d-x0",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [np.nan], 0.1, 2),
        NonFiniteError,
        "x0 must contain only finite numbers",
        id="gradient_descent-nan-x0",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(_grad, [], 0.1, 2),
        EmptyInputError,
        "x0 must have at least 1",
        id="gradient_descent-empty-x0",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(lambda x: [1.0, 2.0], [1.0], 0.1, 2),
        ShapeError,
        "grad must return a vector of shape (1,)",
        id="gradient_descent-grad-wrong-shape",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(lambda x: "up", [1.0], 0.1, 2),
        DTypeError,
        "grad must return real numbers",
        id="gradient_descent-grad-returns-string",
    ),
    pytest.param(
        lambda: numeric.gradient_descent(lambda x: x * np.nan, [1.0], 0.1, 2),
        DivergenceError,
        "became NaN or infinite at step 1",
        id="gradient_descent-grad-returns-nan",
    ),
    pytest.param(
        lambda: numeric.gd_least_squares(X, Y, 0.1, 3, theta0=[0.0]),
        ShapeError,
        "theta0 must have one entry per column of X (d = 2)",
        id="gd_least_squares-theta0-wrong-length",
    ),
    pytest.param(
        lambda: numeric.gd_least_squares(X, Y, 0.0, 3),
        ParameterError,
        "eta must be > 0",
        id="gd_least_squares-zero-eta",
    ),
    pytest.param(
        lambda: numeric.gd_least_squares(X, Y, 0.1, 3, theta0=[np.inf, 0.0]),
        NonFiniteError,
        "theta0 must contain only finite numbers",
        id="gd_least_squares-inf-theta0",
    ),
]


@pytest.mark.parametrize(("call", "error", "fragment"), SPECIFIC)
def test_specific_bad_input_is_rejected(request, call, error, fragment):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert fragment in message
    name = request.node.callspec.id.split("-")[0]
    assert message.startswith(f"{name}: ")


def test_rank_error_carries_rank_and_d():
    with pytest.raises(RankDeficientError) as info:
        numeric.ols(X_DUP, Y)
    assert (info.value.rank, info.value.d) == (2, 3)


def test_lasso_warns_when_it_stops_at_max_iter():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 5)) @ np.diag([1, 1, 1, 1, 1e-3])
    with pytest.warns(numeric.ConvergenceWarning, match="did not reach duality gap"):
        res = numeric.lasso(
            A, rng.standard_normal(30), 1e-6, max_iter=2, polish=False, return_info=True
        )
    assert not res.converged and res.n_iter == 2 and np.isfinite(res.gap)


def test_near_collinear_design_is_refused_with_the_condition_number():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(50)
    A = np.column_stack([a, a + 1e-9 * rng.standard_normal(50)])
    with pytest.raises(RankDeficientError, match="condition number of the column-scaled X"):
        numeric.ols(A, rng.standard_normal(50))


# ---------------------------------------------------------------------------------------------
# Error classes and package hygiene
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (NonFiniteError, ValueError),
        (ShapeError, ValueError),
        (EmptyInputError, ValueError),
        (ParameterError, ValueError),
        (SupportError, ValueError),
        (RankDeficientError, ValueError),
        (TooFewRowsError, RankDeficientError),
        (DivergenceError, ValueError),
        (DTypeError, TypeError),
    ],
    ids=lambda c: c.__name__,
)
def test_error_classes_subclass_builtin_errors(cls, base):
    assert issubclass(cls, base)


def test_all_names_are_exported():
    for name in numeric.__all__:
        assert hasattr(numeric, name), name


NUMERIC_DIR = Path(numeric.__file__).parent


def _modules():
    return sorted(NUMERIC_DIR.glob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_numeric_never_imports_derive(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(n == "derive" or n.startswith("derive.") for n in names), path.name


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_numeric_never_forms_an_explicit_inverse(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            assert name not in {"inv", "pinv", "pinvh", "matrix_power"}, path.name
        assert not (isinstance(node, ast.Attribute) and node.attr == "I"), path.name


def test_numpy_scalars_and_0d_arrays_are_accepted_as_parameters():
    w = numeric.ridge(np.eye(2), [1.0, 2.0], np.array(1.0))
    assert np.allclose(w, [0.5, 1.0], rtol=1e-14)
    run = numeric.gradient_descent(lambda x: 2 * x, np.float64(1.0), np.float64(0.25), np.int64(2))
    assert run.params.ravel().tolist() == [1.0, 0.5, 0.25]
