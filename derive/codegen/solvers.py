"""What a derivation's numbers mean: `solver_for` picks the callable for each catalogue result.

- closed forms (normal equations, ridge, gradients, estimators, lambda relations): the result
  compiled by the printer (`compile_expr`), a plain function of the data;
- updates (gradient descent, weight decay): the compiled step x_{k+1} = step(x_k, ...) with
  `.iterate(x0, n_iter, **inputs)` returning the whole trajectory;
- the lasso (MAP with a Laplace prior): coordinate descent driven by the derived soft-threshold
  (`extras["soft_threshold"]`, compiled for Python floats) on the Gram matrix;
- least absolute deviations (the Laplace likelihood's minimiser): IRLS from the derived
  majoriser weight, finished at a certified vertex.

Every solver is a `derive.codegen.signature.Solver`: declared `Param`s (checked on every call
by `derive.codegen.validate`), the compiled kernel, and a docstring that `help()` shows.

Adding a solver for a new derivation:
1. If it is one compiled expression (a closed form), nothing: `_closed_form` compiles it and
   `params_for` derives the parameters from the expression (MatrixSymbol: matrix / square /
   vector; IndexedBase: sample; Symbol: scalar, or elementwise when the formula has no sums and
   no matrices), their ranges from the derivation's `positive` assumptions and the symbols' own
   assumptions (positive, nonnegative, integer -> supports such as counts or x_i > 0).
2. Write its entry in `derive.codegen.docs.DOCS[(id, part)]`: summary, returns, the
   sklearn/scipy equivalent, the method, and per-parameter `params` (a `doc`, and any
   requirement the catalogue lacks, e.g. `"support": "binary"`, with `source` saying so).
3. If it needs a loop or a driver (IRLS, EM, power iteration...), write a builder
   `_name(derivation, part, **options) -> Solver` that compiles the derived updates, lists its
   `Param`s explicitly (kinds, defaults, `keyword=True` for options) and returns
   `_solver(derivation, part, name, params, kernel, source=..., expr=...)`; add it to
   `BUILDERS[(id, part)]` and its construction options to `BUILDER_OPTIONS`. The kernel gets
   checked arguments by name; data matrices are NOT scanned for NaN (no second pass over X):
   raise `validate.NonFiniteIntermediate` when X^T X, X^T y or the result is not finite, and the
   Solver names the input entry responsible. Raise `validate` errors for everything else
   (without the solver's name: the Solver prefixes it).

A derivation whose result is a statement (an identity, Bayes' rule with unspecified densities,
an approximation) has no numeric meaning: `solver_for` raises `NoNumericMeaning` saying so.
Everything here runs once per (derivation, options) and is cached; the returned callables run
numpy only.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.codegen import NoNumericMeaning, compile_expr, docs, drivers, kernels, validate
from derive.codegen.printer import NotPrintable, UnsafeNameError, python_name
from derive.codegen.signature import Param, Solver, params_for

__all__ = ["solver_for", "Solver", "UpdateSolver", "LaplaceFit", "STATEMENTS", "BUILDERS"]

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


# ----------------------------------------------------------------------------- closed forms

#: Linear models whose solver takes fit_intercept=True (solved by centring, see docs.py).
CENTRED_INTERCEPT = {"normal-equations", "ridge-solution", "map-gaussian-prior-ridge",
                     "map-laplace-prior-lasso"}


def _doc_fields(derivation, part):
    entry = docs.doc_for(derivation.id, part)
    return entry, entry.get("params", {})


def _rank_assumed(derivation) -> bool:
    return any(a.kind == "full_column_rank" for a in derivation.assumptions)


def _may_be_least_squares(derivation, part) -> bool:
    """A Gram solve whose shift may be 0: full column rank assumed, or lam >= 0 allowed."""
    _, overrides = _doc_fields(derivation, part)
    relaxed = any(o.get("low") == 0.0 and not o.get("strict", True) for o in overrides.values())
    return _rank_assumed(derivation) or relaxed


def _extra_params(derivation, part, fn_source, intercept: bool):
    out = []
    if intercept:
        out.append(Param("fit_intercept", "flag", default=False, keyword=True, consumed=True,
                         doc="Fit an unpenalised intercept too (see Method)."))
    if "fallback=fallback" in fn_source:
        out.append(Param("fallback", "choice", default=None, keyword=True, allowed=(None, "lstsq"),
                         doc="What to do when X is rank deficient: None raises "
                         "RankDeficientError, 'lstsq' returns the minimum-norm least-squares "
                         "solution."))
    return out


def _solver(derivation, part, name, params, kernel, *, source, expr, intercept="", result=None,
            attrs=None, cls=None, **fields):
    entry, _ = _doc_fields(derivation, part)
    summary = entry.get("summary") or f"The numeric value of {derivation.title!r}" + (
        f" [{part}]" if part else "") + "."
    kw = dict(
        name=name, params=params, kernel=kernel, summary=summary,
        returns=entry.get("returns", ""), equivalent=entry.get("equivalent", ""),
        method=entry.get("method", ""), source=source, expr=expr,
        derivation=derivation.id + (f" [{part}]" if part else ""), intercept=intercept,
        result=result, attrs=attrs or {},
    )
    kw.update(fields)
    return (cls or Solver)(**kw)


def _closed_form(derivation, expr, part=None, **options):
    _meaningful(derivation, expr)
    if _may_be_least_squares(derivation, part):
        options = {**options, "fallback_arg": True}
    pd = tuple(sorted(a.subject.name for a in derivation.assumptions
                      if a.kind == "positive_definite" and isinstance(a.subject, sp.MatrixSymbol)))
    if pd:
        options = {**options, "assumed_pd": pd}
    fn = compile_expr(expr, name=_fname(derivation, part), **options)
    _, overrides = _doc_fields(derivation, part)
    params = params_for(derivation, fn.expr, fn.inputs, overrides)
    intercept = part is None and derivation.id in CENTRED_INTERCEPT
    params += _extra_params(derivation, part, fn.source, intercept)
    fused = "_k.gram_xy(X, y)" in fn.source  # X^T y is non-finite iff y (or X) has NaN/inf
    params = [replace(p, scan=False) if fused and p.name == "y" else p for p in params]
    return _solver(derivation, part, fn.__name__, params, fn, source=fn.source, expr=fn.expr,
                   intercept="centre" if intercept else "",
                   trap_overflow="_k.solve_pd(" not in fn.source and "_k.gram" not in fn.source)


# ----------------------------------------------------------------------------- estimators


def _with_optional_mean(derivation, expr, **options):
    """A variance with a free mean mu: mu=None (default) plugs in the mean's MLE (the joint
    MLE), a given mu is the known-mean form. Both forms compiled from the derivation."""
    known = compile_expr(expr, name=_fname(derivation, "known_mean"), **options)
    joint_expr = _plug_in_mean(derivation, expr, "mle")
    joint = compile_expr(joint_expr, name=_fname(derivation), **options)
    _, overrides = _doc_fields(derivation, None)
    params = params_for(derivation, known.expr, known.inputs, overrides)
    params = [replace(p, default=None) if p.name == "mu" else p for p in params]
    data = [p.name for p in params if p.name != "mu"]

    def kernel(mu=None, **data_args):
        if mu is None:
            return joint(**data_args)
        return known(mu=mu, **data_args)

    return _solver(derivation, None, joint.__name__, params, kernel,
                   source=joint.source + "\n" + known.source, expr=expr,
                   attrs={"joint": joint, "known_mean": known, "data_inputs": tuple(data)})


class LaplaceFit(tuple):
    """(location, scale) of a Laplace maximum-likelihood fit."""

    __slots__ = ()

    def __new__(cls, location, scale):
        return super().__new__(cls, (float(location), float(scale)))

    location = property(lambda self: self[0])
    scale = property(lambda self: self[1])

    def __repr__(self) -> str:
        return f"LaplaceFit(location={self[0]!r}, scale={self[1]!r})"


def _laplace_mle(derivation, part=None, **options):
    """Location (the median) and scale (the result: mean |x_i - median|), in one function."""
    expr = (derivation.extras["location"], derivation.result)
    _meaningful(derivation, derivation.result)
    fn = compile_expr(expr, name=_fname(derivation), **options)
    _, overrides = _doc_fields(derivation, None)
    params = params_for(derivation, derivation.result, fn.inputs, overrides)
    return _solver(derivation, None, fn.__name__, params, fn, source=fn.source, expr=fn.expr,
                   result=lambda value: LaplaceFit(*value))


# ----------------------------------------------------------------------------- updates


class UpdateSolver(Solver):
    """A compiled update x_{k+1} = step(x_k, ...); call it for one step, `.iterate` for many.

    When the derivation also gives the update in affine form x_{k+1} = M x_k + o (extras
    "iteration_matrix" and "offset", free of x), `.iterate` builds M and o once (for GD on the
    MSE: one pass over X for X^T X and X^T y) and then runs d x d steps: cheaper than two
    passes over X per step as soon as n_iter > d / 2. A trajectory that becomes NaN or
    infinite raises DivergenceError (the finite steps are in `.history`).
    """

    def __init__(self, *args, state: str = "", affine=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.state = state
        self.affine = affine

    def iterate(self, x0, n_iter, **inputs):
        """Array of the states x_0 .. x_{n_iter} (x_0 first), with the other inputs fixed."""
        others = [p for p in self.params if p.name != self.state]
        usage = ", ".join(["x0", "n_iter"] + [p.name if p.required else f"{p.name}={p.default!r}" for p in others])
        missing = [p.name for p in others if p.required and p.name not in inputs]
        unknown = [k for k in inputs if k not in {p.name for p in others}]
        if missing or unknown:
            problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"unknown argument(s) {', '.join(map(repr, unknown))}"] if unknown else [])
            raise TypeError(
                f"{self.name}.iterate: {'; '.join(problems)}. It takes iterate({usage})."
            )
        func = f"{self.name}.iterate"
        n_iter = validate.integer(n_iter, "n_iter", func, low=0)
        start = [replace(p, name="x0") for p in self.params if p.name == self.state]
        values = self.check({**{p.name: inputs.get(p.name, p.default) for p in others},
                             "x0": x0}, params=others + start, func=func)
        x0 = values.pop("x0")
        values[self.state] = x0
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                if self.affine is not None and np.ndim(x0) == 1 and n_iter > x0.shape[0] // 2:
                    M, o = self.affine(**{a: values[a] for a in self.affine.inputs})
                    path = drivers.iterate_affine(M, o, x0, n_iter)
                else:
                    kw = {k: a for k, a in values.items() if k != self.state}
                    path = drivers.iterate(self.kernel, self.state, x0, n_iter, kw)
        except validate.NonFiniteIntermediate as exc:
            raise self._diagnose(values, exc.what) from None
        ok = np.isfinite(path.reshape(path.shape[0], -1)).all(axis=1)
        if not ok.all():
            for name, a in values.items():  # a NaN in X is the input's fault, not eta's
                if isinstance(a, np.ndarray) and self._by_name[name].kind == "matrix":
                    validate.finite(a, name, func)
            k = int(np.argmin(ok))
            raise validate.DivergenceError(
                f"{func}: the iterate became NaN or infinite at step {k}; gradient descent "
                "diverged. Reduce the step size eta (for the MSE: below n / sigma_max(X)^2). "
                "The finite steps are in error.history.",
                history=path[:k],
            )
        return path


def _state_of(derivation, expr) -> str:
    """The iterated variable: the derivation's first variable, as printed."""
    for v in getattr(derivation, "variables", ()) or ():
        name = getattr(v, "name", None)
        if name is not None and v in expr.free_symbols | set(expr.atoms(sp.MatrixSymbol)):
            return python_name(name)
    raise NotPrintable(f"cannot tell which variable {derivation.id!r} updates")


def _update(derivation, expr, part=None, defaults=None, **options):
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
    _, overrides = _doc_fields(derivation, part)
    params = params_for(derivation, step.expr, step.inputs, overrides)
    for name, value in (defaults or {}).items():
        params = [replace(p, default=value) if p.name == name else p for p in params]
    return _solver(derivation, part, step.__name__, params, step, source=step.source,
                   expr=step.expr, cls=UpdateSolver, state=state, affine=affine)


def _gd_x_squared(derivation, part=None, **options):
    """x - eta f'(x) with the derived gradient f'(x) and eta a parameter (default: the
    derivation's 1/10, whose steps reproduce the seed post's table)."""
    (x,) = derivation.variables
    eta = sp.Symbol("eta", positive=True)
    rule = x - eta * derivation.extras["gradient"]
    return _update(derivation, rule, defaults={"eta": float(derivation.extras["eta"])}, **options)


# ----------------------------------------------------------------------------- lasso

_LASSO_SOURCE = '''\
def {name}(X, y, lam, tol={tol!r}, max_iter={max_iter!r}, return_info=False, fallback=None):
    # lasso: argmin ||y - X w||^2 + lam ||w||_1 (MAP with a Laplace prior, lam = {lam_text})
    # by coordinate descent on the Gram matrix: w_j = S(rho_j / G_jj, lam / G_jj),
    # rho_j = c_j - sum_(k != j) G_jk w_k, S = the derived soft-threshold (_st)
    X = _k.as_matrix(X, 'X')
    y = _k.as_vector(y, 'y')
    if y.shape[0] != X.shape[0]:
        raise ValueError(_k.shape_message('y', y, 0, 'n', X.shape[0]))
    _G, _c = _k.gram_xy(X, y)  # X^T X and X^T y in one pass over X
    _yy = float(y @ y)
    _info = _d.lasso_gram(_G, _c, _yy, lam, _st, tol=tol, max_iter=max_iter,
                          lsq=(X, y, 0.0), fallback=fallback)
    return _info if return_info else _info.coef
'''


def _lasso(derivation, part=None, tol=1e-4, max_iter=1000, **options):
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
    source = source + "\n# soft-threshold (from extras['soft_threshold']):\n" + st.source
    _, overrides = _doc_fields(derivation, None)
    n, d = sp.symbols("n d")
    params = [
        Param("X", "matrix", dims=(n, d), **overrides.get("X", {})),
        Param("y", "vector", dims=(n,), scan=False, **overrides.get("y", {})),  # via X^T y
        Param("lam", "scalar", **overrides.get("lam", {})),
        Param("tol", "scalar", default=float(tol), low=0.0, strict=True,
              doc=overrides.get("tol", {}).get("doc", "")),
        Param("max_iter", "integer", default=int(max_iter), low=1,
              doc=overrides.get("max_iter", {}).get("doc", "")),
        Param("return_info", "flag", default=False, keyword=True,
              doc=overrides.get("return_info", {}).get("doc", "")),
        *_extra_params(derivation, None, "fallback=fallback", intercept=True),
    ]
    return _solver(derivation, None, name, params, fn, source=source, expr=st_expr,
                   intercept="centre", attrs={"update": st}, trap_overflow=False)


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


def _lad(derivation, part="lad", **options):
    weight_expr = derivation.extras.get("irls_weight")
    if weight_expr is None:
        weight_expr = irls_weight_expr()
    weight = compile_expr(weight_expr, name="irls_weight")
    (arg,) = weight.inputs
    name = f"{_fname(derivation)}_lad"
    source = _LAD_SOURCE.format(name=name)
    fn = _exec_with(source, name, {"_weight": _Positional(weight, arg), "_d": drivers})
    source = source + "\n# IRLS weight (from the majoriser):\n" + weight.source
    _, overrides = _doc_fields(derivation, "lad")
    n, d = sp.symbols("n d")
    params = [
        Param("X", "matrix", dims=(n, d), **overrides.get("X", {})),
        Param("y", "vector", dims=(n,), scan=False, **overrides.get("y", {})),  # via X^T y
        Param("return_info", "flag", default=False, keyword=True,
              doc="Return LADInfo(coef, objective, n_iter, certified)."),
        Param("fit_intercept", "flag", default=False, keyword=True, consumed=True,
              doc="Fit an intercept too, by the augmented design [X, 1] (see Method)."),
    ]
    return _solver(derivation, "lad", name, params, fn, source=source, expr=weight_expr,
                   intercept="augment", attrs={"update": weight}, trap_overflow=False)


class _Positional:
    __slots__ = ("f", "arg")

    def __init__(self, f, arg):
        self.f, self.arg = f, arg

    def __call__(self, value):
        return self.f(**{self.arg: value})


# ----------------------------------------------------------------------------- dispatch


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


UPDATES = {"gd-update-mse", "gd-quadratic-regression"}
UPDATE_PARTS = {("map-precision-prior-weight-decay", "update")}

#: (derivation id, part) -> builder(derivation, part, **options) -> Solver, for solvers that
#: are more than one compiled expression. Add a row here for a new one (see the README of
#: derive/codegen in docs.py's docstring): declare its Params, its DOCS entry, its kernel.
BUILDERS = {
    ("map-laplace-prior-lasso", None): _lasso,
    ("laplace-nll-mae", "lad"): _lad,
    ("laplace-mle", "lad"): _lad,
    ("laplace-mle", None): _laplace_mle,
    ("gd-x-squared", None): _gd_x_squared,
}

#: builder -> the construction options it takes (every other builder: cond_limit, mu).
BUILDER_OPTIONS = {_lasso: {"tol", "max_iter"}, _lad: set(), _gd_x_squared: set(),
                   _laplace_mle: set()}


def solver_for(derivation, part: str | None = None, **options):
    """The numeric solver for `derivation` (or for `derivation.extras[part]`).

    Options: cond_limit (normal-equation solvers), tol and max_iter (lasso), mu="mle"
    (a variance with a free mean: the x-only joint MLE; the default solver already takes
    mu=None for it). Raises NoNumericMeaning for results that are statements rather than
    quantities. Every solver is a `Solver`: help(solver) shows its arguments and returns.
    """
    did = derivation.id
    from derive.codegen import solvers_bayes  # expectations, Fisher, KL, conjugacy, mixtures
    from derive.codegen import solvers_more  # catalogue III (A): logistic, softmax, PCA, det

    if part is None and did in solvers_bayes.HANDLED:
        return solvers_bayes.solver_for(derivation, **options)
    if part is None and did in solvers_more.SOLVERS:
        return solvers_more.solver_for(derivation, **options)
    builder = BUILDERS.get((did, part))
    allowed = BUILDER_OPTIONS.get(builder, {"cond_limit", "mu"})
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(
            f"unknown solver option(s) {', '.join(map(repr, unknown))} for {did!r}"
            + (f" [{part}]" if part else "")
            + f"; expected: {', '.join(sorted(allowed)) or 'none'}"
        )
    if builder is not None:
        return builder(derivation, part, **options)
    if part is not None:
        if part not in derivation.extras:
            known = ", ".join(sorted(derivation.extras)) or "none"
            raise KeyError(f"{did!r} has no extras[{part!r}]; its extras are: {known}")
        expr = derivation.extras[part]
        if (did, part) in UPDATE_PARTS:
            return _update(derivation, expr, part, **options)
        options.pop("mu", None)
        return _closed_form(derivation, expr, part, **options)
    if did in STATEMENTS:
        raise _no_meaning(derivation, STATEMENTS[did])
    if did in UPDATES:
        options.pop("mu", None)
        return _update(derivation, derivation.result, **options)
    expr = derivation.result
    plug = options.pop("mu", None)
    if plug is not None:
        expr = _plug_in_mean(derivation, expr, plug)
    elif _has_free_mean(expr):
        return _with_optional_mean(derivation, expr, **options)
    if isinstance(expr, sp.Equality) and not isinstance(
        expr.lhs, (sp.Symbol, sp.MatrixSymbol, sp.Indexed)
    ):
        raise _no_meaning(derivation, f"its result {expr} is an equation between expressions")
    return _closed_form(derivation, expr, **options)


def _has_free_mean(expr) -> bool:
    """A variance or covariance formula with the mean mu left free (an input)."""
    if not isinstance(expr, sp.Basic):
        return False
    names = {getattr(s, "name", None) for s in expr.free_symbols | expr.atoms(sp.MatrixSymbol)}
    return "mu" in names and bool(expr.atoms(sp.Sum) or expr.atoms(sp.MatrixSymbol))
