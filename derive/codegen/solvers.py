"""What a derivation's numbers mean: `solver_for` picks the callable for each catalogue result.

- closed forms (normal equations, ridge, gradients, estimators, lambda relations): the result
  compiled by the printer (`compile_expr`), a plain function of the data;
- updates (gradient descent, weight decay): the compiled step x_{k+1} = step(x_k, ...) with
  `.iterate(x0, n_iter, **inputs)` returning the whole trajectory;
- the lasso (MAP with a Laplace prior): coordinate descent driven by the derived soft-threshold
  (`extras["soft_threshold"]`, compiled for Python floats) on the Gram matrix;
- least absolute deviations (the Laplace likelihood's minimiser): IRLS from the derived
  majoriser weight, finished at a certified vertex.

A derivation whose result is a statement (an identity, Bayes' rule with unspecified densities,
an approximation) has no numeric meaning: `solver_for` raises `NoNumericMeaning` saying so.
Everything here runs once per (derivation, options) and is cached; the returned callables run
numpy only.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.codegen import NoNumericMeaning, compile_expr, drivers, kernels
from derive.codegen.printer import NotPrintable, UnsafeNameError, python_name

__all__ = ["solver_for", "UpdateSolver", "STATEMENTS"]

#: Results that are statements, not quantities: why each has no solver.
STATEMENTS = {
    "scalar-transpose": "it is an identity (y^T X t = t^T X^T y), true for every input",
    "bayes-rule": "it relates probabilities of unspecified distributions (Bayes' rule)",
    "map-uniform-prior-mle": "it states that MAP with a flat prior has the MLE's minimiser, "
    "for an unspecified likelihood L(theta)",
    "log-likelihood-iid": "it rewrites the log-likelihood of an unspecified density",
    "gd-taylor": "it is a first-order Taylor approximation (a statement about small steps)",
    "mle-cross-entropy": "it states that maximising likelihood minimises cross-entropy "
    "(a statement about unspecified distributions)",
}


from derive.codegen.solvers_bayes import STATEMENTS as _BAYES_STATEMENTS  # noqa: E402

STATEMENTS.update(_BAYES_STATEMENTS)


def _no_meaning(derivation, why: str):
    return NoNumericMeaning(
        f"derivation {derivation.id!r} has no numeric solver: {why}. Its result is checked "
        "symbolically (derivation.check()) and rendered (derivation.latex()); nothing is "
        "left to compute."
    )


def _fname(derivation, part=None) -> str:
    base = derivation.id.replace("-", "_")
    return base if part is None else f"{base}_{part}"


def _meaningful(derivation, expr):
    """Refuse results with unspecified functions or non-identifier (LaTeX) names."""
    if isinstance(expr, sp.Basic):
        undef = expr.atoms(AppliedUndef)
        if undef:
            raise _no_meaning(
                derivation,
                f"its result involves the unspecified function(s) "
                f"{', '.join(sorted(map(str, undef)))}",
            )
        for s in expr.free_symbols:
            if isinstance(s, sp.Indexed):
                s = s.base.label
            name = getattr(s, "name", None)
            if name is not None:
                try:
                    python_name(name)
                except UnsafeNameError as exc:
                    raise _no_meaning(
                        derivation, f"its result involves the symbol {name!r}, which is notation"
                    ) from exc


# ----------------------------------------------------------------------------- updates


class UpdateSolver:
    """A compiled update x_{k+1} = step(x_k, ...); call it for one step, `.iterate` for many.

    When the derivation also gives the update in affine form x_{k+1} = M x_k + o (extras
    "iteration_matrix" and "offset", free of x), `.iterate` builds M and o once (for GD on the
    MSE: one pass over X for X^T X and X^T y) and then runs d x d steps: cheaper than two
    passes over X per step as soon as n_iter > d / 2.
    """

    def __init__(self, step, state: str, affine=None):
        self.step = step
        self.state = state
        self.affine = affine
        self.source = step.source
        self.inputs = step.inputs
        self.expr = step.expr
        self.__doc__ = (
            f"One update of {state!r}: {step.expr}. Arguments: {', '.join(step.inputs)}."
        )

    def __call__(self, *args, **kwargs):
        return self.step(*args, **kwargs)

    def iterate(self, x0, n_iter: int, **inputs):
        """Array of the states x_0 .. x_{n_iter} (x_0 first), with the other inputs fixed."""
        missing = [a for a in self.inputs if a != self.state and a not in inputs]
        extra = [a for a in inputs if a not in self.inputs or a == self.state]
        if missing or extra:
            raise TypeError(
                f"iterate(x0, n_iter, ...) needs {', '.join(a for a in self.inputs if a != self.state)}"
                f"; missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        x0 = np.asarray(x0, dtype=float)
        if self.affine is not None and np.ndim(x0) == 1 and int(n_iter) > x0.shape[0] // 2:
            M, o = self.affine(**{a: inputs[a] for a in self.affine.inputs})
            return drivers.iterate_affine(M, o, x0, n_iter)
        return drivers.iterate(self.step, self.state, x0, n_iter, inputs)

    def __repr__(self) -> str:
        return f"<UpdateSolver {self.state} <- {self.expr}>"


def _state_of(derivation, expr) -> str:
    """The iterated variable: the derivation's first variable, as printed."""
    for v in getattr(derivation, "variables", ()) or ():
        name = getattr(v, "name", None)
        if name is not None and v in expr.free_symbols | set(expr.atoms(sp.MatrixSymbol)):
            return python_name(name)
    raise NotPrintable(f"cannot tell which variable {derivation.id!r} updates")


# ----------------------------------------------------------------------------- lasso

_LASSO_SOURCE = '''\
def {name}(X, y, lam, tol={tol!r}, max_iter={max_iter!r}, return_info=False):
    # lasso: argmin ||y - X w||^2 + lam ||w||_1 (MAP with a Laplace prior, lam = {lam_text})
    # by coordinate descent on the Gram matrix: w_j = S(rho_j / G_jj, lam / G_jj),
    # rho_j = c_j - sum_(k != j) G_jk w_k, S = the derived soft-threshold (_st)
    X = _k.as_matrix(X, 'X')
    y = _k.as_vector(y, 'y')
    if y.shape[0] != X.shape[0]:
        raise ValueError(_k.shape_message('y', y, 0, 'n', X.shape[0]))
    _G, _c = _k.gram_xy(X, y)  # X^T X and X^T y in one pass over X
    _yy = float(y @ y)
    _info = _d.lasso_gram(_G, _c, _yy, lam, _st, tol=tol, max_iter=max_iter)
    return _info if return_info else _info.coef
'''


def _lasso(derivation, tol=1e-4, max_iter=1000, **options):
    st_expr = derivation.extras.get("soft_threshold")
    if st_expr is None:
        raise NotPrintable(f"{derivation.id!r} has no extras['soft_threshold'] to drive the loop")
    _symbol_named(st_expr, "z")
    lam = _symbol_named(st_expr, "lambda", "lam")
    # S(z, lam) = argmin_u (u - z)^2 + lam |u|, compiled for Python floats (called d times a sweep)
    st = compile_expr(
        st_expr, name="soft_threshold", inputs=("z", python_name(lam.name)), target="math"
    )
    name = _fname(derivation)
    lam_text = " ".join(str(derivation.extras.get("lam", "lam")).split())
    source = _LASSO_SOURCE.format(
        name=name, tol=float(tol), max_iter=int(max_iter), lam_text=lam_text
    )
    fn = _exec_with(source, name, {"_st": st, "_d": drivers})
    fn.source = source + "\n# soft-threshold (from extras['soft_threshold']):\n" + st.source
    fn.inputs = ("X", "y", "lam")
    fn.expr = st_expr
    fn.update = st
    return fn


def _exec_with(source, name, extra):
    """Compile a fixed solver template (names checked by python_name) with its helpers."""
    import derive.codegen as cg

    code = compile(source, f"<derive.codegen:{name}>", "exec")
    namespace = {"np": np, "math": math, "_k": kernels, "__builtins__": cg._BUILTINS, **extra}
    exec(code, namespace)  # noqa: S102 - a fixed template plus checked identifiers
    return namespace[name]


def _symbol_named(expr, *names):
    for s in expr.free_symbols:
        if getattr(s, "name", None) in names:
            return s
    raise NotPrintable(f"expected a symbol named {' or '.join(names)} in {expr}")


# ----------------------------------------------------------------------------- LAD

_LAD_SOURCE = '''\
def {name}(X, y, return_info=False):
    # least absolute deviations: argmin sum_i |y_i - x_i^T w| (Laplace noise -> MAE)
    # IRLS on the majoriser |r| <= r^2 / (2 |r0|) + |r0| / 2: weights _weight(r0) from it,
    # each step one weighted Gram pass and a Cholesky solve; finished at a certified vertex
    X = _k.as_matrix(X, 'X')
    y = _k.as_vector(y, 'y')
    if y.shape[0] != X.shape[0]:
        raise ValueError(_k.shape_message('y', y, 0, 'n', X.shape[0]))
    _info = _d.lad_irls(X, y, _weight)
    return _info if return_info else _info.coef
'''


@functools.lru_cache(maxsize=None)
def irls_weight_expr():
    """The IRLS weight derived from the majoriser m(r; r0) = r^2 / (2|r0|) + |r0| / 2 of |r|.

    m is quadratic in r with coefficient weight(r0) = m''(r)/2 = 1 / (2|r0|); minimising
    sum_i m(r_i; r0_i) is weighted least squares. Checked here: m(r0; r0) = |r0| (touching) and
    m(r; r0) - |r| = (|r| - |r0|)^2 / (2|r0|) >= 0 (majorising).
    """
    r, r0 = sp.symbols("r r0", real=True)
    a = sp.Symbol("a", positive=True)  # |r|
    a0 = sp.Symbol("a0", positive=True)  # |r0|
    m = a**2 / (2 * a0) + a0 / 2
    assert sp.simplify(m.subs(a, a0) - a0) == 0
    assert sp.simplify(m - a - (a - a0) ** 2 / (2 * a0)) == 0
    weight = sp.diff(m, a, 2) / 2  # 1 / (2 a0)
    return weight.subs(a0, r0)  # called with |r0| > 0


def _lad(derivation, **options):
    weight_expr = derivation.extras.get("irls_weight")
    if weight_expr is None:
        weight_expr = irls_weight_expr()
    weight = compile_expr(weight_expr, name="irls_weight")
    (arg,) = weight.inputs
    name = f"{_fname(derivation)}_lad"
    source = _LAD_SOURCE.format(name=name)
    fn = _exec_with(source, name, {"_weight": _Positional(weight, arg), "_d": drivers})
    fn.source = source + "\n# IRLS weight (from the majoriser):\n" + weight.source
    fn.inputs = ("X", "y")
    fn.expr = weight_expr
    fn.update = weight
    return fn


class _Positional:
    __slots__ = ("f", "arg")

    def __init__(self, f, arg):
        self.f, self.arg = f, arg

    def __call__(self, value):
        return self.f(**{self.arg: value})


# ----------------------------------------------------------------------------- dispatch


def _closed_form(derivation, expr, part=None, **options):
    _meaningful(derivation, expr)
    return compile_expr(expr, name=_fname(derivation, part), **options)


def _update(derivation, expr, part=None, **options):
    _meaningful(derivation, expr)
    rhs = expr.rhs if isinstance(expr, sp.Equality) else expr
    step = compile_expr(expr, name=_fname(derivation, part), **options)
    state = _state_of(derivation, rhs)
    affine = None
    M, o = derivation.extras.get("iteration_matrix"), derivation.extras.get("offset")
    if part is None and M is not None and o is not None and isinstance(M, sp.MatrixExpr):
        names = {getattr(s, "name", None) for s in (M.free_symbols | o.free_symbols)}
        names |= {s.name for s in M.atoms(sp.MatrixSymbol) | o.atoms(sp.MatrixSymbol)}
        if state not in {python_name(nm) for nm in names if nm}:
            affine = compile_expr((M, o), name=f"{_fname(derivation)}_affine", **options)
    return UpdateSolver(step, state, affine)


def _plug_in_mean(derivation, expr, plug):
    """mu="mle": replace a free mean mu by its MLE - the joint MLE of mean and (co)variance.

    A scalar mu takes gaussian-mle-mean's result, a vector mu (a MatrixSymbol) mvn-mle-mean's.
    """
    if plug != "mle":
        raise ValueError(f"mu must be 'mle' (plug in the mean's MLE); got {plug!r}")
    candidates = set(expr.free_symbols) | set(expr.atoms(sp.MatrixSymbol))
    mus = [s for s in candidates if getattr(s, "name", None) == "mu"]
    if not mus:
        raise ValueError(f"{derivation.id!r} has no free mean mu to replace")
    from derive import catalog

    source = "mvn-mle-mean" if isinstance(mus[0], sp.MatrixSymbol) else "gaussian-mle-mean"
    return expr.xreplace({mus[0]: catalog.get(source).result})


UPDATES = {"gd-update-mse", "gd-x-squared", "gd-quadratic-regression"}
UPDATE_PARTS = {("map-precision-prior-weight-decay", "update")}


def solver_for(derivation, part: str | None = None, **options):
    """The numeric solver for `derivation` (or for `derivation.extras[part]`).

    Options: cond_limit (normal-equation solvers), tol and max_iter (lasso), mu="mle"
    (a variance with a free mean: plug in the mean's MLE, giving the joint MLE).
    Raises NoNumericMeaning for results that are statements rather than quantities.
    """
    did = derivation.id
    from derive.codegen import solvers_bayes  # expectations, Fisher, KL, conjugacy, mixtures

    if part is None and did in solvers_bayes.HANDLED:
        return solvers_bayes.solver_for(derivation, **options)
    lasso = part is None and did == "map-laplace-prior-lasso"
    allowed = {"tol", "max_iter"} if lasso else {"cond_limit", "mu"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(
            f"unknown solver option(s) {', '.join(map(repr, unknown))} for {did!r}"
            + (f" [{part}]" if part else "")
            + f"; expected: {', '.join(sorted(allowed))}"
        )
    if part is not None:
        if part == "lad" and did in ("laplace-nll-mae", "laplace-mle"):
            return _lad(derivation, **options)
        if part not in derivation.extras:
            known = ", ".join(sorted(derivation.extras)) or "none"
            raise KeyError(f"{did!r} has no extras[{part!r}]; its extras are: {known}")
        expr = derivation.extras[part]
        if (did, part) in UPDATE_PARTS:
            return _update(derivation, expr, part, **options)
        return _closed_form(derivation, expr, part, **options)
    if did in STATEMENTS:
        raise _no_meaning(derivation, STATEMENTS[did])
    if lasso:
        return _lasso(derivation, **options)
    if did in UPDATES:
        return _update(derivation, derivation.result, **options)
    expr = derivation.result
    plug = options.pop("mu", None)
    if plug is not None:
        expr = _plug_in_mean(derivation, expr, plug)
    if isinstance(expr, sp.Equality) and not isinstance(
        expr.lhs, (sp.Symbol, sp.MatrixSymbol, sp.Indexed)
    ):
        raise _no_meaning(derivation, f"its result {expr} is an equation between expressions")
    return _closed_form(derivation, expr, **options)
