"""Every catalogue solver's generated source, inspected: no inverse, X^T y before any solve,
no d x n intermediate, no SymPy; statements refuse with a message that says why."""

from __future__ import annotations

import ast

import pytest

from derive import catalog
from derive.codegen import NoNumericMeaning
from derive.codegen.solvers import STATEMENTS


def build(name):
    try:
        return catalog.get(name)
    except (ImportError, AttributeError) as exc:  # a catalogue module not written yet
        pytest.skip(f"{name} is not in the catalogue yet ({exc})")


def solvers_of(derivation):
    """The solver and every compilable extra of a derivation (statements give none)."""
    out = []
    if derivation.id not in STATEMENTS:
        out.append(("result", derivation.solver()))
    for key, value in derivation.extras.items():
        try:
            out.append((key, derivation.solver(part=key)))
        except (NoNumericMeaning, TypeError, ValueError, KeyError):
            continue  # tables, tuples, notation: nothing to compute
    if derivation.id in ("laplace-nll-mae",):
        out.append(("lad", derivation.solver(part="lad")))
    return out


def products(source):
    tree = ast.parse(source)
    return [
        (ast.unparse(n.left), ast.unparse(n.right))
        for n in ast.walk(tree)
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult)
    ]


@pytest.mark.parametrize("name", catalog.names())
def test_generated_source_is_stable_and_cheap(name):
    derivation = build(name)
    for part, solver in solvers_of(derivation):
        source = solver.source
        where = f"{name} [{part}]:\n{source}"
        assert "inv(" not in source, where
        assert "sympy" not in source and "sp." not in source, where
        for left, right in products(source):
            assert right != "X.T", f"a ... @ X.T product forms a d x n (or n x n) matrix: {where}"
            assert (left, right) != ("X.T", "X"), f"X^T X must be one SYRK kernel call: {where}"
        lines = source.splitlines()
        solve_at = [k for k, line in enumerate(lines) if "solve" in line and "=" in line]
        xty_at = [
            k for k, line in enumerate(lines) if "gram_xy(X" in line or "X.T @ y" in line
        ]
        if solve_at and xty_at:
            assert min(xty_at) < min(solve_at), f"X^T y must be formed before the solve: {where}"
        assert len(set(solver.inputs)) == len(solver.inputs)
        for arg in solver.inputs:
            assert arg.isidentifier()


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statements_have_no_solver_and_say_why(name):
    derivation = build(name)
    with pytest.raises(NoNumericMeaning, match="has no numeric solver: .+"):
        derivation.solver()


def test_the_normal_equations_source_reads_like_the_plan():
    source = catalog.get("normal-equations").solver().source
    body = [line.strip() for line in source.splitlines() if line.startswith("    _t")]
    assert body[0].startswith("_t0, _t1 = _k.gram_xy(X, y)")
    assert body[1].startswith("_t2 = _k.solve_pd(_t0, _t1, lsq=(X, y, 0.0)")
