"""Gradient descent reproduces the seed post's tables to the printed decimals.

The expected values are typed in from /work/shared/seeds/000_52659bd98dbe85c4.txt (section
1.2.2 "Example of GD" and section 2.1.2, the k = 0..10 table); nothing is parsed from the
seed at test time. Each computed number, formatted with as many decimals as the seed printed,
must equal the seed's string.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import numeric
from tests.strategies import regression_problems, well_conditioned_designs


def _printed(value: float, expected: str) -> str:
    """Format value with exactly as many decimals as the string `expected` shows."""
    decimals = len(expected.split(".")[1]) if "." in expected else 0
    return f"{value:.{decimals}f}"


# ---------------------------------------------------------------------------------------------
# Seed section 1.2.2: f(x) = x^2, eta = 0.1, x0 = 2
# ---------------------------------------------------------------------------------------------

# k, x_k, gradient 2 x_k, step eta * gradient, x_{k+1}, f(x_k)   (as printed in the seed)
SQUARE_TABLE = [
    (0, "2.0", "4.0", "0.4", "1.6", "4.0"),
    (1, "1.6", "3.2", "0.32", "1.28", "2.56"),
    (2, "1.28", "2.56", "0.256", "1.024", "1.6384"),
    (3, "1.024", "2.048", "0.2048", "0.8192", "1.048576"),
    (4, "0.8192", "1.6384", "0.16384", "0.65536", "0.67108864"),
    (5, "0.65536", "1.31072", "0.131072", "0.524288", "0.4294967296"),
]


@pytest.fixture(scope="module")
def square_run():
    return numeric.gradient_descent(lambda x: 2 * x, 2.0, 0.1, 6, loss=lambda x: float(x[0] ** 2))


def test_square_history_shape(square_run):
    assert square_run.params.shape == (7, 1)
    assert square_run.losses.shape == (7,)


@pytest.mark.parametrize("row", SQUARE_TABLE, ids=[f"k={r[0]}" for r in SQUARE_TABLE])
def test_square_table_row(square_run, row):
    k, x_k, grad_k, step_k, x_next, f_k = row
    x = square_run.params[k, 0]
    grad = 2 * x
    assert _printed(x, x_k) == x_k
    assert _printed(grad, grad_k) == grad_k
    assert _printed(0.1 * grad, step_k) == step_k
    assert _printed(square_run.params[k + 1, 0], x_next) == x_next
    assert _printed(square_run.losses[k], f_k) == f_k


def test_square_closed_form_is_x0_times_0_8_to_the_k(square_run):
    # x_{k+1} = x_k - 0.1 * 2 x_k = 0.8 x_k
    assert np.allclose(square_run.params[:, 0], 2.0 * 0.8 ** np.arange(7), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Seed section 2.1.2: quadratic regression, rows [x^2, x, 1], eta = 0.01, theta0 = 0
# ---------------------------------------------------------------------------------------------

X_SEED = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [4.0, 2.0, 1.0], [9.0, 3.0, 1.0]])
Y_SEED = np.array([1.0, 2.0, 5.0, 10.0])

# k, theta_1, theta_2, theta_3, L(theta_k)   (as printed in the seed)
REGRESSION_TABLE = [
    (0, "0.000000", "0.000000", "0.000000", "32.500000"),
    (1, "0.560000", "0.210000", "0.090000", "6.291950"),
    (2, "0.801500", "0.301800", "0.132700", "1.377884"),
    (3, "0.905152", "0.342423", "0.154887", "0.453345"),
    (4, "0.949149", "0.360879", "0.168156", "0.276331"),
    (5, "0.967337", "0.369726", "0.177526", "0.239449"),
    (6, "0.974364", "0.374399", "0.185170", "0.228903"),
    (7, "0.976572", "0.377250", "0.192029", "0.223371"),
    (8, "0.976705", "0.379299", "0.198511", "0.218856"),
    (9, "0.975950", "0.380986", "0.204793", "0.214608"),
    (10, "0.974821", "0.382502", "0.210951", "0.210484"),
]


@pytest.fixture(scope="module")
def regression_run():
    return numeric.gd_least_squares(X_SEED, Y_SEED, 0.01, 10)


@pytest.mark.parametrize("row", REGRESSION_TABLE, ids=[f"k={r[0]}" for r in REGRESSION_TABLE])
def test_regression_table_row(regression_run, row):
    k, *expected = row
    computed = [*regression_run.params[k], regression_run.losses[k]]
    assert [_printed(v, e) for v, e in zip(computed, expected)] == expected


def test_regression_first_step_in_detail():
    # seed: residual X theta_0 - y = (-1, -2, -5, -10), gradient (2/4) X^T r_0 = (-56, -21, -9),
    # theta_1 = (0.56, 0.21, 0.09), L_0 = 32.5
    run = numeric.gd_least_squares(X_SEED, Y_SEED, 0.01, 1)
    grad0 = (2 / 4) * X_SEED.T @ (X_SEED @ np.zeros(3) - Y_SEED)
    assert grad0.tolist() == [-56.0, -21.0, -9.0]
    assert run.losses[0] == 32.5
    assert np.allclose(run.params[1], [0.56, 0.21, 0.09], rtol=0, atol=1e-15)


def test_gd_least_squares_equals_generic_gradient_descent():
    n = len(Y_SEED)
    generic = numeric.gradient_descent(
        lambda t: (2 / n) * X_SEED.T @ (X_SEED @ t - Y_SEED),
        np.zeros(3),
        0.01,
        10,
        loss=lambda t: float((X_SEED @ t - Y_SEED) @ (X_SEED @ t - Y_SEED) / n),
    )
    special = numeric.gd_least_squares(X_SEED, Y_SEED, 0.01, 10)
    assert np.array_equal(generic.params, special.params)
    assert np.array_equal(generic.losses, special.losses)


# ---------------------------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------------------------


def test_zero_iterations_returns_only_the_start():
    run = numeric.gradient_descent(lambda x: 2 * x, [1.0, -1.0], 0.1, 0)
    assert run.params.tolist() == [[1.0, -1.0]]
    assert run.losses is None


def test_gradient_receives_a_copy_so_history_is_not_aliased():
    def grad(x):
        g = 2 * x
        x[:] = 1e9  # a careless callable mutating its argument
        return g

    run = numeric.gradient_descent(grad, [2.0], 0.1, 2)
    assert run.params[:, 0].tolist() == pytest.approx([2.0, 1.6, 1.28])


def test_divergence_raises_with_the_finite_history_attached():
    with pytest.raises(numeric.DivergenceError, match="diverged") as info:
        numeric.gradient_descent(lambda x: x**3, [1e10], 1.0, 5)  # 1e10 -> -1e30 -> 1e90 ...
    history = info.value.history
    assert history.params.shape[1] == 1
    assert np.all(np.isfinite(history.params))


def test_least_squares_divergence_names_the_step_size_bound():
    X = np.array([[1e150, 0.0], [0.0, 1.0]])
    with pytest.raises(numeric.DivergenceError, match="n / sigma_max"):
        numeric.gd_least_squares(X, [1.0, 1.0], 1.0, 10)


@given(regression_problems(max_cond=3.0, max_n=10))
def test_gd_least_squares_converges_to_ols(problem):
    X, y = problem
    n = X.shape[0]
    s_max = np.linalg.norm(X, 2)
    # eta = n / (2 s_max^2): contraction factor 1 - s_min^2 / s_max^2 <= 1 - 1/9 per step
    run = numeric.gd_least_squares(X, y, n / (2 * s_max**2), 600)
    w = numeric.ols(X, y)
    assert np.allclose(run.params[-1], w, rtol=1e-8, atol=1e-8 * (1 + np.linalg.norm(w)))
    assert np.all(np.diff(run.losses) <= 1e-12 * (1 + run.losses[0]))  # monotone descent


@given(well_conditioned_designs(max_cond=10.0, max_n=8))
def test_loss_history_equals_mse_of_each_iterate(X):
    y = np.arange(X.shape[0], dtype=float)
    run = numeric.gd_least_squares(X, y, 0.05, 5)
    for theta, loss in zip(run.params, run.losses):
        assert loss == pytest.approx(numeric.mse(y, X @ theta), rel=1e-12, abs=1e-15)
