"""Derivation results -> numpy callables: printed once, compiled once, cached.

    >>> from derive.catalog import normal_equations
    >>> ols = normal_equations.solver()          # ols(X, y) -> w
    >>> ols.inputs, print(ols.source)            # the argument names, the generated code

`compile_expr(expr)` prints any supported SymPy expression with `printer.generate` and compiles
it; `solver_for(derivation)` picks what a derivation's numbers mean (a closed form, an update to
iterate, an estimator, a loop driven by derived updates) and returns a callable. The generated
functions use numpy, scipy and `derive.codegen.kernels` only: no SymPy on the call path.

Options (keyword arguments of `Derivation.solver` / `solver_for`):
    cond_limit  estimated condition number of X^T X (+ lam I) above which a normal-equations
                solver falls back to QR least squares with an `IllConditionedWarning`
                (default 1e6: relative error within about 1e-9 on either path).
    part        a key of `derivation.extras` to compile instead of the result (e.g. "lam",
                "location"), or "lad" on laplace-nll-mae (the IRLS LAD solver).
    tol, max_iter   the lasso's duality-gap tolerance (times ||y||^2) and sweep limit
                (scikit-learn's defaults, 1e-4 and 1000).
    mu="mle"    a variance/covariance with a free mean: plug in the mean's MLE (joint MLE).
Unknown options raise TypeError. Vectors are 1-D arrays ((k, 1) columns are accepted).

Call-time arguments (see help(solver)): the data and parameters the derivation names, and
where they apply fit_intercept (least squares, ridge, lasso, LAD), fallback="lstsq" (the
minimum-norm solution when X is rank deficient), return_info, tol, max_iter. Inputs are
checked (`derive.codegen.validate`): bad input raises a ValueError/TypeError subclass that
says what was expected, what came in and how to fix it.
"""

from __future__ import annotations

import builtins
import functools
import math

import numpy as np
import sympy as sp

from derive.codegen import kernels
from derive.codegen.kernels import DEFAULT_COND_LIMIT, IllConditionedWarning
from derive.codegen.printer import NotPrintable, UnsafeNameError, generate, python_name

__all__ = [
    "compile_expr",
    "solver_for",
    "IllConditionedWarning",
    "NoNumericMeaning",
    "NotPrintable",
    "UnsafeNameError",
    "DEFAULT_COND_LIMIT",
]


class NoNumericMeaning(TypeError):
    """The derivation's result is a statement or identity, not a quantity a solver computes."""


# The generated code sees numpy, math and the kernels. Builtins stay the ordinary ones: numpy's
# C code imports through the caller's globals (ufunc.outer segfaults without __import__), and
# the safety comes from the printer, which only ever writes checked identifiers.
_BUILTINS = builtins


def _exec(source: str, name: str):
    namespace = {"np": np, "math": math, "_k": kernels, "__builtins__": _BUILTINS}
    # The source was printed by derive.codegen.printer from a SymPy expression: every name in
    # it passed printer.python_name (a plain identifier, not a keyword, not reserved), and no
    # text from a user's document ever reaches the printer.
    code = compile(source, f"<derive.codegen:{name}>", "exec")
    exec(code, namespace)  # noqa: S102 - see above
    return namespace[name]


def _freeze(options: dict):
    return tuple(sorted(options.items()))


@functools.lru_cache(maxsize=None)
def _compile_cached(expr, name, inputs, frozen_options):
    program = generate(expr, name=name, inputs=inputs, options=dict(frozen_options))
    fn = _exec(program.source, program.name)
    fn.source = program.source
    fn.inputs = program.inputs
    fn.expr = program.expr
    fn.__doc__ = f"Generated from {program.expr}.\n\nArguments: {', '.join(program.inputs)}."
    return fn


def compile_expr(expr, name: str = "solver", inputs=None, **options):
    """Compile a SymPy expression (or ``Eq(target, expr)``) to a numpy function, cached.

    The returned function has `.source` (the generated Python), `.inputs` (its argument
    names, in order) and `.expr` (the SymPy expression it came from).
    """
    if isinstance(expr, (tuple, list)):
        expr = tuple(expr)
    elif not isinstance(expr, sp.Basic):
        raise NotPrintable(
            f"expected a SymPy expression, got {type(expr).__name__}: nothing to compile"
        )
    if inputs is not None:
        inputs = tuple(inputs)
    return _compile_cached(expr, python_name(name), inputs, _freeze(options))


def solver_for(derivation, part: str | None = None, **options):
    """The numeric solver for a derivation (see `derive.codegen.solvers`)."""
    from derive.codegen.solvers import solver_for as _solver_for

    return _solver_for(derivation, part=part, **options)
