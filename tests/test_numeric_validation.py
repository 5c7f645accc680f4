"""Every public function of numeric rejects bad input loudly, with a message that helps.

One row per bad input per function, from the table in tests/bad_inputs.py (which the
generated solvers' test reads too). Each row names the error class expected and a fragment
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
from tests.bad_inputs import CASES, X_DUP, Y, numeric_kwargs


def _error(name):
    import builtins

    return getattr(numeric, name, None) or getattr(builtins, name)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_rejected(case):
    fn = getattr(numeric, case.function)
    with pytest.raises(_error(case.error)) as info:
        fn(**numeric_kwargs(case))
    message = str(info.value)
    assert message.startswith(f"{case.function}: "), message
    assert case.fragment in message, message


def test_ragged_input_is_a_shape_error():
    with pytest.raises(ShapeError, match="ragged"):
        numeric.ols([[1.0, 2.0], [3.0]], [1.0, 2.0])


def test_none_is_a_type_error():
    with pytest.raises(DTypeError, match="got None"):
        numeric.gaussian_mle(None)


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
