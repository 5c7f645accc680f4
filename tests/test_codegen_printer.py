"""The printer: safe names, solves instead of inverses, chain order, shared subexpressions.

Expressions are built here with the catalogue's conventions (MatrixSymbols with symbolic
sizes, per-sample sums over IndexedBase) so that these tests do not depend on the catalogue.
"""

from __future__ import annotations

import ast
import sys

import numpy as np
import pytest
import sympy as sp

from derive.codegen import NotPrintable, UnsafeNameError, compile_expr
from derive.codegen.printer import python_name

n, d = sp.symbols("n d", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
lam = sp.Symbol("lambda", positive=True)
eta = sp.Symbol("eta", positive=True)
X = sp.MatrixSymbol("X", n, d)
y = sp.MatrixSymbol("y", n, 1)
w = sp.MatrixSymbol("w", d, 1)
x = sp.IndexedBase("x", real=True)

OLS = (X.T * X).I * X.T * y
RIDGE = (X.T * X + lam * sp.Identity(d)).I * X.T * y
GRAD = (2 / n) * X.T * (X * w - y)
GD = w - eta * GRAD
MSE = (X * w - y).T * (X * w - y) / n

rng = np.random.default_rng(0)
Xn = rng.standard_normal((40, 3))
yn = rng.standard_normal(40)
wn = rng.standard_normal(3)


def products(source: str):
    """(left, right) source text of every `@` in the generated code."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            out.append((ast.unparse(node.left), ast.unparse(node.right)))
    return out


# ---------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        '__import__("os").system("echo pwned")',
        "x; import os",
        "import",
        "lambda x: x",
        "_t0",
        "np",
        "a b",
        "x\nimport os",
        "1x",
        "wé",
    ],
    ids=["call", "statement", "keyword", "lambda-expr", "temporary", "numpy", "space",
         "newline", "digit-first", "non-ascii"],
)
def test_a_symbol_named_like_code_is_refused(name):
    evil = sp.Symbol(name)
    with pytest.raises(UnsafeNameError, match="not a plain Python identifier"):
        compile_expr(2 * evil, name="f")
    with pytest.raises(UnsafeNameError):
        compile_expr(sp.MatrixSymbol(name, 2, 2) * sp.MatrixSymbol("v", 2, 1), name="g")


def test_a_function_name_like_code_is_refused():
    with pytest.raises(UnsafeNameError):
        compile_expr(2 * sp.Symbol("a"), name="f(); import os; def g")


def test_lambda_is_printed_as_lam():
    assert python_name("lambda") == "lam"
    f = compile_expr(RIDGE, name="ridge")
    assert f.inputs == ("X", "y", "lam")
    assert "lambda" not in f.source.split("# generated")[0]


def test_two_symbols_with_one_printed_name_are_refused():
    a1 = sp.Symbol("a", positive=True)
    a2 = sp.Symbol("a", real=True)
    with pytest.raises(UnsafeNameError, match="two different symbols"):
        compile_expr(a1 + 2 * a2, name="f")


# ---------------------------------------------------------------------------------- solves


def test_ols_is_a_fused_gram_and_a_cholesky_solve():
    f = compile_expr(OLS, name="ols")
    assert f.inputs == ("X", "y")
    assert "inv(" not in f.source
    assert "_k.gram_xy(X, y)" in f.source
    assert "_k.solve_pd(" in f.source
    assert products(f.source) == []  # no other product: X^T X and X^T y come from one pass
    np.testing.assert_allclose(f(Xn, yn), np.linalg.lstsq(Xn, yn, rcond=None)[0], rtol=1e-10)


def test_ridge_adds_lam_to_the_diagonal_and_solves_by_cholesky():
    f = compile_expr(RIDGE, name="ridge")
    assert "_k.add_diag(" in f.source and "_k.solve_pd(" in f.source and "inv(" not in f.source
    expected = np.linalg.solve(Xn.T @ Xn + 0.7 * np.eye(3), Xn.T @ yn)
    np.testing.assert_allclose(f(Xn, yn, 0.7), expected, rtol=1e-10)


def test_a_general_inverse_becomes_an_lu_solve():
    H = sp.MatrixSymbol("H", d, d)
    g = sp.MatrixSymbol("g", d, 1)
    f = compile_expr(-H.I * g, name="newton")
    assert "_k.solve(H, g)" in f.source and "inv(" not in f.source
    Hn = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    gn = rng.standard_normal(3)
    np.testing.assert_allclose(f(Hn, gn), -np.linalg.solve(Hn, gn), rtol=1e-12)


def test_an_inverse_on_the_right_solves_from_the_right():
    A = sp.MatrixSymbol("A", d, d)
    B = sp.MatrixSymbol("B", d, d)
    f = compile_expr(B * A.I, name="right")
    assert "solve_right" in f.source and "inv(" not in f.source
    An = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    Bn = rng.standard_normal((3, 3))
    np.testing.assert_allclose(f(An, Bn), Bn @ np.linalg.inv(An), rtol=1e-10)


def test_a_chain_is_ordered_by_cost_never_forming_d_by_n():
    # X^T X X^T y: left to right would form X^T X (d x d) then d x n; right to left is cheap
    f = compile_expr(X.T * X * X.T * y, name="chain")
    for left, right in products(f.source):
        assert not (left.endswith(".T") and right.endswith(".T")), f.source
    assert products(f.source)[0] == ("X.T", "y") or "gram_xy(X, y)" in f.source
    np.testing.assert_allclose(f(Xn, yn), Xn.T @ Xn @ Xn.T @ yn, rtol=1e-10)


def test_a_shared_subexpression_is_computed_once():
    f = compile_expr(MSE, name="mse")
    assert sum(1 for left, right in products(f.source) if (left, right) == ("X", "w")) == 1
    r = Xn @ wn - yn
    assert f(Xn, yn, wn) == pytest.approx(r @ r / 40, rel=1e-12)


def test_the_gradient_multiplies_the_scalar_last():
    f = compile_expr(GRAD, name="grad")
    assert products(f.source) == [("X", "w"), ("X.T", "_t1")]
    np.testing.assert_allclose(f(Xn, yn, wn), 2 / 40 * Xn.T @ (Xn @ wn - yn), rtol=1e-12)


def test_sizes_are_read_off_the_inputs_and_checked():
    f = compile_expr(GRAD, name="grad")
    assert "n = X.shape[0]" in f.source
    with pytest.raises(ValueError, match="y has 39 along axis 0"):
        f(Xn, yn[:39], wn)
    with pytest.raises(ValueError, match="2-D"):
        f(yn, yn, wn)


def test_column_vectors_may_be_given_as_columns():
    f = compile_expr(GD, name="gd")
    a = f(Xn, yn[:, None], wn[:, None], 0.1)
    b = f(Xn, yn, wn, 0.1)
    assert a.shape == b.shape == (3,)
    np.testing.assert_allclose(a, b)


# ---------------------------------------------------------------------------------- sums


def test_a_per_sample_sum_is_vectorised_over_the_array():
    mean = sp.Sum(x[i], (i, 1, n)) / n
    var = sp.Sum((x[i] - mean) ** 2, (i, 1, n)) / n
    f = compile_expr(var, name="var")
    assert f.inputs == ("x",)
    assert "for " not in f.source and "n = x.shape[0]" in f.source
    sample = rng.normal(3, 2, size=25)
    assert f(sample) == pytest.approx(np.var(sample), rel=1e-12)


def test_sums_over_two_arrays_check_their_lengths():
    yy = sp.IndexedBase("y", real=True)
    f_ = sp.IndexedBase("f", real=True)
    f = compile_expr(sp.Sum((yy[i] - f_[i]) ** 2, (i, 1, n)) / n, name="mse_sum")
    assert f(np.array([1.0, 2.0]), np.array([1.0, 4.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="same length"):
        f(np.ones(3), np.ones(2))


def test_piecewise_prints_for_arrays_and_for_floats():
    z = sp.Symbol("z", real=True)
    st = sp.Piecewise((z - lam / 2, z > lam / 2), (z + lam / 2, z < -lam / 2), (0, True))
    vec = compile_expr(st, name="st", inputs=("z", "lam"))
    flt = compile_expr(st, name="st", inputs=("z", "lam"), target="math")
    zs = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    expected = np.sign(zs) * np.maximum(np.abs(zs) - 1.0, 0)
    np.testing.assert_allclose(vec(zs, 2.0), expected)
    assert [flt(v, 2.0) for v in zs] == list(expected)
    assert "np." not in flt.source


# ---------------------------------------------------------------------------------- misc


def test_compiled_once_and_cached():
    assert compile_expr(OLS, name="ols") is compile_expr(OLS, name="ols")
    assert compile_expr(OLS, name="ols", cond_limit=1e8) is not compile_expr(OLS, name="ols")


def test_no_sympy_on_the_call_path():
    f = compile_expr(RIDGE, name="ridge")
    modules = {getattr(v, "__name__", "") for v in f.__globals__.values()}
    assert not any(m.startswith("sympy") for m in modules)
    import derive.codegen.kernels as k

    assert "sympy" not in {getattr(v, "__name__", "") for v in vars(k).values()}
    assert "import sympy" not in open(k.__file__).read()
    assert sys.modules.get("derive.codegen.drivers") is None or "import sympy" not in open(
        sys.modules["derive.codegen.drivers"].__file__
    ).read()


def test_statements_and_undefined_functions_are_not_printable():
    L = sp.Function("L")
    with pytest.raises(NotPrintable, match="unspecified function"):
        compile_expr(sp.log(L(sp.Symbol("theta"))), name="f")
    with pytest.raises(NotPrintable, match="statement"):
        compile_expr(sp.Symbol("a") > 0, name="f")
