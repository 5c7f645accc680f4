"""A generated solver with its calling convention: declared parameters, checked inputs, a docstring.

`Solver` wraps a compiled kernel (a function printed from the derivation, or a driver loop) with
`Param`s that say what each argument is (a matrix, a vector, a sample, a scalar...), which
values it may take (from the derivation's assumptions), and how it is documented. Calling a
Solver binds the arguments (a missing or unknown one names every argument the solver takes),
checks them (`derive.codegen.validate`), runs the kernel, and checks the result: a non-finite
result or intermediate is traced back to the input that caused it.

`params_for(derivation, expr, inputs)` derives the parameters of a compiled closed form from
the expression (kinds and shared sizes) and the assumptions (`sigma > 0`, `x_i > 0`, counts).
"""

from __future__ import annotations

import inspect
import numbers
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple

import numpy as np
import sympy as sp

from derive.codegen import validate as v
from derive.codegen.printer import python_name

__all__ = ["Param", "Solver", "LinearFit", "params_for", "REQUIRED"]


class _Required:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED = _Required()

ARRAY_KINDS = ("matrix", "vector", "sample", "square")

_TYPE_TEXT = {
    "matrix": "array of shape ({rows}, {cols})",
    "square": "array of shape ({rows}, {rows})",
    "vector": "array of shape ({rows},)",
    "sample": "array of shape ({rows},)",
    "scalar": "float",
    "elementwise": "float or array (the formula applies entry by entry)",
    "integer": "int",
    "flag": "bool",
    "choice": "one of {allowed}",
    "any": "object",
}


class LinearFit(NamedTuple):
    """A linear model fitted with an intercept: y ~ X coef + intercept (`info` for iterative fits)."""

    coef: np.ndarray
    intercept: float
    info: Any = None


@dataclass(frozen=True)
class Param:
    """One argument of a solver: what it is, which values it may take, what it means.

    kind: matrix (n x d data), square, vector, sample (per-sample values x_1..x_n), scalar,
    integer, flag, choice or any. Arrays of kind matrix are checked for NaN/inf through the
    kernel's results (no second pass over X); everything else directly. `low`/`strict` bound
    scalars, `support` names a `validate.SUPPORTS` entry for samples, `source` says where a
    requirement comes from, `dims` are the size symbols of an array (for shared lengths).
    `consumed` parameters are handled by the Solver itself and not passed to the kernel.
    """

    name: str
    kind: str
    doc: str = ""
    default: Any = REQUIRED
    keyword: bool = False
    low: float | None = None
    strict: bool = False
    high: float | None = None
    why: str = ""
    support: str | None = None
    source: str = ""
    allowed: tuple = ()
    dims: tuple = ()
    consumed: bool = False
    symmetric: bool = False  # a square matrix the derivation assumes symmetric
    #: False: NaN/inf are found through what the kernel computes from this argument (X^T y for
    #: the targets of a Gram kernel), not by a scan of its own; data matrices always are
    scan: bool = True

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def check(self, value, func: str):
        k = self.kind
        if value is None and self.default is None:
            return None  # an optional argument left out (e.g. a known mean)
        if k in ARRAY_KINDS:
            a = v.array(value, self.name, func, k)
            if k != "matrix" and self.scan:
                v.finite(a, self.name, func)
            if self.symmetric:
                v.symmetric(a, self.name, func, self.source)
            if self.support:
                v.support(a, self.name, func, self.support, self.source)
            return a
        if k == "elementwise":
            return self._elementwise(value, func)
        if k == "scalar":
            return v.scalar(value, self.name, func, low=self.low, strict=self.strict,
                            high=self.high, why=self.why)
        if k == "integer":
            return v.integer(value, self.name, func, low=int(self.low or 0))
        if k == "flag":
            return v.flag(value, self.name, func)
        if k == "choice":
            return v.choice(value, self.name, func, self.allowed)
        return value

    def _elementwise(self, value, func):
        """A number, or an array of numbers the formula is applied to entry by entry."""
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
            x = v.scalar(value, self.name, func, low=self.low, strict=self.strict,
                         high=self.high, why=self.why)
            if self.support:
                v.support(np.array([x]), self.name, func, self.support, self.source)
            return x
        a = v.array(value, self.name, func, "any")
        if a.size == 0:
            raise v.EmptyInputError(
                f"{func}: {self.name} must have at least 1 value; got an empty array of shape "
                f"{a.shape}. Pass non-empty data."
            )
        v.finite(a, self.name, func)
        if self.low is not None:
            bad = ~(a > self.low) if self.strict else ~(a >= self.low)
            if bad.any():
                i = np.unravel_index(int(np.argmax(bad)), a.shape)
                rel = ">" if self.strict else ">="
                raise v.ParameterError(
                    f"{func}: every value of {self.name} must be {rel} {self.low:g} "
                    f"({self.source}); got {self.name}[{', '.join(map(str, i))}] = {a[i]:g}."
                )
        if self.support:
            v.support(a.ravel(), self.name, func, self.support, self.source)
        return a

    def type_text(self) -> str:
        rows = str(self.dims[0]) if self.dims else "k"
        cols = str(self.dims[1]) if len(self.dims) > 1 else "d"
        text = _TYPE_TEXT[self.kind].format(
            rows=rows, cols=cols, allowed=", ".join(map(repr, self.allowed))
        )
        if self.kind == "scalar" and self.low is not None:
            text += f" {'>' if self.strict else '>='} {self.low:g}"
        if self.default is not REQUIRED:
            text += f", default {self.default!r}"
        return text

    def describe(self) -> str:
        parts = [self.doc] if self.doc else []
        if self.support:
            where = v.SUPPORTS[self.support][0]
            parts.append(f"Every value in {where} ({self.source}).")
        elif self.kind == "scalar" and self.low is not None and self.source:
            parts.append(f"({self.source}.)")
        return " ".join(parts) or "."


@dataclass(eq=False)
class Solver:
    """A callable solver: `solver(*args, **kwargs)`; `help(solver)` shows what it takes and returns.

    Attributes: `name`, `params`, `inputs` (the names of the kernel's arguments), `source`
    (the generated code), `expr` (the SymPy expression it came from), `kernel` (the unchecked
    compiled function: for benchmarks and for callers who validated their data themselves).
    """

    name: str
    params: tuple
    kernel: Callable
    summary: str
    returns: str = ""
    equivalent: str = ""
    method: str = ""
    source: str = ""
    expr: Any = None
    derivation: str = ""
    intercept: str = ""  # "centre" or "augment": how fit_intercept=True is solved
    result: Callable | None = None  # turns the kernel's value into what the caller gets
    attrs: dict = field(default_factory=dict)
    #: run the kernel with numpy overflow raising (estimators and losses: an overflowed sum
    #: must not become a silent 0 or inf). Off for the Gram-based kernels, which check X^T X
    #: themselves, so that a small solve pays no error-state switch.
    trap_overflow: bool = True

    def __post_init__(self):
        self.params = tuple(self.params)
        self._by_name = {p.name: p for p in self.params}
        self._positional = [p for p in self.params if not p.keyword]
        self._sized = _sized(self.params)
        required = [p.name for p in self._positional if p.required]
        leading = [p.name for p in self._positional[: len(required)]]
        self._required = required
        self._fast = required == leading  # the required arguments come first
        self._defaults = {p.name: p.default for p in self.params if not p.required}
        self._consumed = {p.name for p in self.params if p.consumed}
        self.inputs = tuple(p.name for p in self.params if not p.consumed and p.kind in ARRAY_KINDS + ("scalar", "integer") and p.required)
        self.__doc__ = self._doc()
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    p.name,
                    inspect.Parameter.KEYWORD_ONLY if p.keyword else inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=inspect.Parameter.empty if p.required else p.default,
                )
                for p in self.params
            ]
        )
        for key, value in self.attrs.items():
            setattr(self, key, value)

    # ------------------------------------------------------------------ calling
    def _usage(self) -> str:
        return f"{self.name}({self._arglist()})"

    def _arglist(self) -> str:
        out, star = [], False
        for p in self.params:
            if p.keyword and not star:
                out.append("*")
                star = True
            out.append(p.name if p.required else f"{p.name}={p.default!r}")
        return ", ".join(out)

    def bind(self, args, kwargs) -> dict:
        """The arguments by name, or a TypeError that lists every argument the solver takes."""
        if self._fast and not kwargs and len(args) == len(self._required):  # data only
            values = dict(self._defaults)
            values.update(zip(self._required, args))
            return values
        if len(args) > len(self._positional):
            raise TypeError(
                f"{self._usage()} takes at most {len(self._positional)} positional argument(s); "
                f"got {len(args)}. The arguments are: {self._arglist()}."
            )
        values = {p.name: a for p, a in zip(self._positional, args)}
        unknown = [k for k in kwargs if k not in self._by_name]
        twice = [k for k in kwargs if k in values]
        values.update((k, a) for k, a in kwargs.items() if k in self._by_name)
        missing = [p.name for p in self.params if p.required and p.name not in values]
        if unknown or missing or twice:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown argument(s) {', '.join(map(repr, unknown))}")
            if twice:
                problems.append(f"{', '.join(twice)} given twice")
            raise TypeError(
                f"{self.name}: {'; '.join(problems)}. It takes {self._usage()} "
                f"(see help() for what each argument is)."
            )
        for p in self.params:
            if p.name not in values:
                values[p.name] = p.default
        return values

    def check(self, values: dict, params=None, func=None) -> dict:
        """Every argument checked, then the sizes that must agree (shared size symbols)."""
        func = func or self.name
        if params is None:
            by_name, sized = self._by_name, self._sized
        else:
            by_name = {p.name: p for p in params}
            sized = _sized(params)
        out = {
            name: value if value is by_name[name].default else by_name[name].check(value, func)
            for name, value in values.items()
        }
        seen = {}
        for p, dims in sized:
            a = out.get(p.name)
            if a is None:
                continue
            shape = a.shape
            for axis, dim in dims:
                if axis >= len(shape):
                    continue
                if dim in seen and seen[dim][2] != shape[axis]:
                    other, oaxis, size = seen[dim]
                    raise v.ShapeError(_mismatch(func, other, oaxis, size, p.name, axis, shape[axis], dim))
                seen.setdefault(dim, (p.name, axis, shape[axis]))
        return out

    def __call__(self, *args, **kwargs):
        values = self.check(self.bind(args, kwargs))
        return self.run(values)

    def run(self, values: dict):
        """The kernel on checked values (with fit_intercept, on centred or augmented data)."""
        func = self.name
        intercept = bool(values.get("fit_intercept"))
        consumed = self._consumed
        kernel_args = {k: a for k, a in values.items() if k not in consumed} if consumed else values
        try:
            # an overflow is an error (the value would be inf or a silent 0); NaN from inf - inf
            # and log(0) are caught by the result check below, which names the input
            # NaN from inf - inf, 0 * inf and log(0) is caught by the checks of X^T X, X^T y or
            # the result, which name the input: numpy's own warning would only repeat it
            over = "raise" if self.trap_overflow else "ignore"
            with np.errstate(over=over, invalid="ignore", divide="ignore"):
                if intercept:
                    value = self._with_intercept(kernel_args)
                else:
                    value = self.kernel(**kernel_args)
        except v.NonFiniteIntermediate as exc:
            raise self._diagnose(values, exc.what) from None
        except FloatingPointError:
            raise self._diagnose(values, "computation") from None
        except (v.SolverInputError, v.DTypeError) as exc:
            raise v.prefixed(exc, func) from None
        self._check_result(value, values)
        return self.result(value) if self.result is not None and not intercept else value

    def _diagnose(self, values, what):
        arrays = {k: a for k, a in values.items() if isinstance(a, np.ndarray) or v._is_dask(a)}
        return v.diagnose_non_finite(arrays, what, self.name)

    def _check_result(self, value, values):
        parts = value if isinstance(value, tuple) else (value,)
        for part in parts:
            if isinstance(part, (np.ndarray, float, int, np.floating)) and not np.isfinite(part).all():
                raise self._diagnose(values, "result")

    def _with_intercept(self, args):
        X, y = args["X"], args["y"]
        if self.intercept == "augment":
            ones = np.ones((X.shape[0], 1))
            value = self.kernel(**{**args, "X": np.hstack([X, ones]) if not v._is_dask(X) else _dask_hstack(X)})
            info = value if isinstance(value, tuple) else None
            coef = np.asarray(info.coef if info is not None else value)
            return LinearFit(coef[:-1], float(coef[-1]), info)
        # centring: min over the unpenalised b of ||y - X w - b 1||^2 (+ penalty(w)) is at
        # b = ybar - xbar^T w, which leaves the same problem on X - 1 xbar^T and y - ybar 1
        xbar = X.mean(axis=0)
        ybar = y.mean()
        if v._is_dask(X):
            import dask

            xbar, ybar = dask.compute(xbar, ybar)
        value = self.kernel(**{**args, "X": X - xbar, "y": y - ybar})
        info = value if isinstance(value, tuple) else None
        coef = np.asarray(info.coef if info is not None else value)
        return LinearFit(coef, float(ybar - np.asarray(xbar) @ coef), info)

    # ------------------------------------------------------------------ documentation
    def _doc(self) -> str:
        lines = [self._usage(), "", *_wrap(self.summary)]
        if self.derivation:
            lines += ["", f"Generated from the derivation {self.derivation!r}."]
        lines += ["", "Parameters", "----------"]
        for p in self.params:
            lines.append(f"{p.name} : {p.type_text()}")
            lines += _wrap(p.describe(), "    ")
        if self.returns:
            lines += ["", "Returns", "-------", *_wrap(self.returns)]
        if self.equivalent:
            lines += ["", "Equivalent", "----------", *_wrap(self.equivalent)]
        if self.method:
            lines += ["", "Method", "------", *_wrap(self.method)]
        lines += ["", "Raises", "------", *_wrap(
            "ValueError or TypeError subclasses from derive.codegen.validate (NonFiniteError, "
            "ShapeError, EmptyInputError, DTypeError, ParameterError, SupportError, "
            "RankDeficientError) saying what was expected, what came in and how to fix it; "
            "TypeError naming every argument for a missing or unknown one.")]
        if self.expr is not None:
            lines += ["", f"Expression: {_one_line(self.expr)}"]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<Solver {self._usage()}>"


def _sized(params):
    """(param, [(axis, size symbol)]) for the arrays whose sizes are named in the derivation."""
    out = []
    for p in params:
        if p.kind in ARRAY_KINDS:
            # keyed by name: hashing SymPy symbols costs more than the rest of the check
            dims = [(axis, str(dim)) for axis, dim in enumerate(p.dims) if isinstance(dim, sp.Symbol)]
            if dims:
                out.append((p, dims))
    return out


def _wrap(text: str, indent: str = "") -> list:
    return textwrap.wrap(" ".join(text.split()), 88, initial_indent=indent,
                         subsequent_indent=indent) or [indent.rstrip()]


def _dask_hstack(X):
    import dask.array as da

    return da.hstack([X, da.ones((X.shape[0], 1), chunks=(X.chunks[0], 1))])


def _mismatch(func, a, axis_a, size_a, b, axis_b, size_b, dim) -> str:
    if axis_a == 0 and axis_b == 0:
        return (
            f"{func}: {a} and {b} must have the same number of rows (samples, {dim}); got {a} "
            f"with {size_a} and {b} with {size_b}. Pass one entry of {b} per row of {a}."
        )
    return (
        f"{func}: {b} has {size_b} along axis {axis_b} but {a} has {size_a} along axis {axis_a}; "
        f"both are the size {dim} in the derivation, so they must agree."
    )


def _one_line(expr) -> str:
    text = " ".join(str(expr).split())
    return text if len(text) < 200 else text[:197] + "..."


# ----------------------------------------------------------------------------- derived params


def _subject_name(subject):
    if isinstance(subject, sp.IndexedBase):
        return python_name(subject.label.name)
    name = getattr(subject, "name", None)
    return python_name(name) if isinstance(name, str) and name.isidentifier() else None


def _positive_subjects(derivation) -> dict:
    """Input name -> the assumption text for every `positive` assumption about one symbol."""
    out = {}
    for a in getattr(derivation, "assumptions", ()):
        if a.kind == "positive":
            try:
                name = _subject_name(a.subject)
            except Exception:  # notation, not an identifier
                name = None
            if name:
                out[name] = a.text
    return out


def _sum_bounds(expr) -> dict:
    """IndexedBase label name -> the size symbol its Sum runs to (the sample's length)."""
    out = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            for i, lo, hi in node.limits:
                for ix in node.function.atoms(sp.Indexed):
                    if i in ix.indices and isinstance(hi, sp.Symbol):
                        out.setdefault(python_name(ix.base.label.name), hi)
    return out


def params_for(derivation, expr, inputs, overrides=None) -> list:
    """Parameters of the compiled closed form `expr` with argument names `inputs`.

    Kinds come from the expression (MatrixSymbols: matrix, square or vector; IndexedBase data:
    sample; symbols: scalar), sizes from the shapes and the Sum bounds; ranges and supports
    from the derivation's `positive` assumptions and from the symbols' own assumptions
    (positive, nonnegative, integer). `overrides` (name -> dict of Param fields) adds what
    the catalogue does not say (see `derive.codegen.docs`).
    """
    overrides = overrides or {}
    positive = _positive_subjects(derivation)
    structured = {}  # square matrices assumed symmetric (or symmetric positive definite)
    for a in getattr(derivation, "assumptions", ()):
        if a.kind in ("symmetric", "positive_definite") and isinstance(a.subject, sp.MatrixSymbol):
            structured[python_name(a.subject.name)] = a.text
    objects = {}
    if isinstance(expr, sp.Basic) or isinstance(expr, tuple):
        exprs = expr if isinstance(expr, tuple) else (expr,)
        for e in exprs:
            for m in e.atoms(sp.MatrixSymbol):
                objects[python_name(m.name)] = m
            for b in e.atoms(sp.IndexedBase):
                objects[python_name(b.label.name)] = b
            for s in e.free_symbols:
                if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy):
                    objects.setdefault(python_name(s.name), s)
    bounds = {}
    for e in (expr if isinstance(expr, tuple) else (expr,)):
        if isinstance(e, sp.Basic):
            bounds.update(_sum_bounds(e))
    # a formula with no sums and no matrices is applied entry by entry (numpy broadcasting)
    elementwise = not any(
        isinstance(e, sp.Basic) and (e.atoms(sp.Sum, sp.Product) or e.atoms(sp.MatrixSymbol))
        for e in (expr if isinstance(expr, tuple) else (expr,))
    )
    params = []
    for name in inputs:
        obj = objects.get(name)
        fields: dict = {}
        if isinstance(obj, sp.MatrixSymbol):
            rows, cols = obj.shape
            kind = "vector" if cols == 1 else ("square" if rows == cols else "matrix")
            fields.update(kind=kind, dims=(rows,) if cols == 1 else (rows, cols))
            if kind == "square" and name in structured:
                fields.update(symmetric=True, source=structured[name])
        elif isinstance(obj, sp.IndexedBase):
            fields.update(kind="sample", dims=(bounds.get(name, sp.Symbol("n")),))
            probe = obj[sp.Symbol("i_probe", integer=True)]
            if name in positive or probe.is_positive:
                fields.update(support="positive",
                              source=positive.get(name, f"{name}_i is declared positive"))
            elif probe.is_integer and probe.is_nonnegative:
                fields.update(support="counts", source=f"{name}_i is declared a non-negative integer")
            elif probe.is_nonnegative:
                fields.update(support="nonnegative", source=f"{name}_i is declared non-negative")
        else:
            fields.update(kind="elementwise" if elementwise else "scalar")
            if name in positive or getattr(obj, "is_positive", False):
                fields.update(low=0.0, strict=True,
                              source=positive.get(name, f"{name} is declared positive"))
            elif getattr(obj, "is_nonnegative", False):
                fields.update(low=0.0, source=f"{name} is declared non-negative")
        fields.update(overrides.get(name, {}))
        params.append(Param(name=name, **fields))
    return params


def with_param(params, name, **changes):
    return [replace(p, **changes) if p.name == name else p for p in params]
