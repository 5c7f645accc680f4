"""Gradient-descent updates: the generated step against `numeric`, and the seed post's tables.

The tables are read from the seed post itself (shared/seeds/000_...txt) and reproduced by the
generated update to the printed decimals.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numeric
from derive import catalog
from tests.strategies import regression_problems

SEED_POST = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "000_52659bd98dbe85c4.txt"
if not SEED_POST.exists():  # the seeds live next to the repository on the project machine
    SEED_POST = Path("/work/shared/seeds/000_52659bd98dbe85c4.txt")


def markdown_table(after: str) -> list[list[str]]:
    """The rows of the first Markdown table whose header line contains `after`."""
    lines = SEED_POST.read_text(encoding="utf-8").splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("|") and after in line)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


needs_seed = pytest.mark.skipif(not SEED_POST.exists(), reason="seed posts not available")


@needs_seed
def test_gd_x_squared_reproduces_the_seed_table():
    solver = catalog.get("gd-x-squared").solver()
    D = catalog.get("gd-x-squared")
    xs = solver.iterate(float(D.extras["x0"]), 5)
    rows = markdown_table("x_k")
    assert len(rows) == 6
    for k, row in enumerate(rows):
        assert int(row[0]) == k
        printed = row[1]
        assert round(float(xs[k]), decimals(printed)) == float(printed), (k, xs[k], printed)
        f_printed = row[4]
        assert round(float(xs[k]) ** 2, decimals(f_printed)) == pytest.approx(float(f_printed))
        # the update column reads "x - step = x_next"
        x_next = re.split(r"=\s*", row[3])[-1]
        if k + 1 < len(xs):
            assert round(float(xs[k + 1]), decimals(x_next)) == float(x_next)


@needs_seed
def test_gd_quadratic_regression_reproduces_the_seed_table_to_six_decimals():
    D = catalog.get("gd-quadratic-regression")
    solver = D.solver()
    thetas = solver.iterate(np.zeros(3), 10)
    X = np.array(D.extras["X"], dtype=float)
    y = np.array(D.extras["y"], dtype=float).ravel()
    rows = markdown_table("θ₁")
    assert len(rows) == 11
    for k, row in enumerate(rows):
        assert int(row[0]) == k
        for j in range(3):
            assert f"{thetas[k, j]:.6f}" == row[1 + j], (k, j, thetas[k, j], row[1 + j])
        assert f"{numeric.mse(y, X @ thetas[k]):.6f}" == row[4]


@needs_seed
def test_the_general_gd_update_gives_the_same_table_from_the_data():
    D = catalog.get("gd-quadratic-regression")
    X = np.array(D.extras["X"], dtype=float)
    y = np.array(D.extras["y"], dtype=float).ravel()
    general = catalog.get("gd-update-mse").solver()
    a = general.iterate(np.zeros(3), 10, X=X, y=y, eta=0.01)  # affine form: M t + o
    b = D.solver().iterate(np.zeros(3), 10)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    rows = markdown_table("θ₁")
    assert [f"{v:.6f}" for v in a[10]] == rows[10][1:4]


@given(regression_problems(max_n=20, max_d=4), st.integers(0, 25), st.floats(0.01, 0.9))
def test_gd_update_matches_numeric_gd_least_squares(problem, n_iter, fraction):
    X, y = problem
    n = X.shape[0]
    eta = fraction * n / np.linalg.norm(X, 2) ** 2  # inside the convergence bound
    ref = numeric.gd_least_squares(X, y, eta, n_iter).params
    solver = catalog.get("gd-update-mse").solver()
    stepwise = np.zeros(X.shape[1])
    for k in range(n_iter):
        stepwise = solver(X, y, stepwise, eta)
    got = solver.iterate(np.zeros(X.shape[1]), n_iter, X=X, y=y, eta=eta)
    scale = 1e-11 * (1 + np.abs(ref).max())
    np.testing.assert_allclose(got, ref, rtol=0, atol=scale)
    np.testing.assert_allclose(stepwise, ref[-1], rtol=0, atol=scale)


def test_weight_decay_update_shrinks_then_steps():
    D = catalog.get("map-precision-prior-weight-decay")
    update = D.solver(part="update")
    w = np.array([1.0, -2.0])
    g = np.array([0.5, 0.5])
    np.testing.assert_allclose(update(w=w, g=g, eta=0.1, lam=0.5), (1 - 0.1 * 0.5) * w - 0.1 * g)
    assert update.state == "w"


def test_iterate_names_missing_inputs():
    solver = catalog.get("gd-update-mse").solver()
    with pytest.raises(TypeError, match="missing"):
        solver.iterate(np.zeros(2), 3, X=np.eye(2))
