"""Expression tree -> SymPy, following the engine's conventions.

Scalars are real Symbols (positive ones positive, counts positive integers); matrices are
MatrixSymbols with symbolic dimensions; vectors are n x 1 MatrixSymbols; y^T X w stays a 1 x 1
matrix expression (never indexed with [0, 0]); a scalar added to a 1 x 1 expression becomes
c * Identity(1); per-sample scalars are IndexedBase(...)[i] inside Sum(..., (i, lo, hi)).

Every SymPy name is generated (``s3``, ``m4``...): the author's names are kept only as display
strings, so nothing from the document reaches SymPy's parser or code generation. Functions the
document does not define become opaque symbols (per sample when they depend on a sum's index).
A sum of vectors with a symbolic number of terms cannot be written in SymPy: the builder asks
for concrete sizes instead (`NeedSizes`) and the runner instantiates.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.verify.read import nodes as N
from derive.verify.model.shapes import (
    DENSITY_FUNCTIONS,
    INTEGER_NAMES,
    POSITIVE_NAMES,
    SCALAR,
    Scope,
    _strip,
    dims_for,
    infer_scope,
)
from derive.verify.steps.terms import apply_key, bind, find_definition, render, substitute, substitute_nodes

MAX_EXPONENT = 10_000
SIGMOIDS = {"\\sigma", "sigmoid", "\\operatorname{sigmoid}", "\\mathrm{sigmoid}", "logistic"}
MAX_DIGITS = 60


class BuildError(ValueError):
    """The tree has a construct the checker cannot take; the step is undecided with this reason."""


class NeedSizes(BuildError):
    """A sum of matrices over a symbolic range: rebuild with concrete sizes for `names`."""

    def __init__(self, names):
        super().__init__("a sum of vectors or matrices over a symbolic number of terms")
        self.names = tuple(names)


def is_matrix(e) -> bool:
    return isinstance(e, (MatrixExpr, sp.MatrixBase))


@dataclass
class Namer:
    """Generated SymPy names for the document's names; display strings kept on the side."""

    display: dict = field(default_factory=dict)  # safe name -> display
    scalars: dict = field(default_factory=dict)  # display -> Symbol
    bases: dict = field(default_factory=dict)  # display -> IndexedBase
    matrices: dict = field(default_factory=dict)  # (display, shape) -> MatrixSymbol
    opaque: dict = field(default_factory=dict)  # key -> Symbol/IndexedBase/MatrixSymbol
    depends: dict = field(default_factory=dict)  # safe name -> set of display names it depends on
    dims: dict = field(default_factory=dict)  # root slot -> Symbol
    counter: int = 0
    preset: dict = field(default_factory=dict)  # (kind, display) -> SymPy object to use (round trips)

    def fresh(self, prefix: str, display: str) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.display[name] = display
        return name

    def scalar(self, display: str, *, positive=False, integer=False) -> sp.Symbol:
        if ("scalar", display) in self.preset:
            return self.preset[("scalar", display)]
        sym = self.scalars.get(display)
        if sym is None:
            kw = {"real": True}
            if integer:
                kw = {"integer": True}
                if positive:
                    kw["positive"] = True
            elif positive:
                kw["positive"] = True
            sym = sp.Symbol(self.fresh("s", display), **kw)
            self.scalars[display] = sym
        return sym

    def index(self, display: str) -> sp.Symbol:
        """The summation index called `display` (the same Symbol in every sum: sums compare)."""
        key = ("index", display)
        if key in self.preset:
            return self.preset[key]
        sym = self.opaque.get(key)
        if sym is None:
            sym = sp.Symbol(self.fresh("i", display), integer=True)
            self.opaque[key] = sym
        return sym

    def base(self, display: str) -> sp.IndexedBase:
        if ("base", display) in self.preset:
            return self.preset[("base", display)]
        b = self.bases.get(display)
        if b is None:
            b = sp.IndexedBase(self.fresh("x", display), real=True)
            self.bases[display] = b
        return b

    def matrix(self, display: str, rows, cols) -> sp.MatrixSymbol:
        if ("matrix", display) in self.preset:
            return self.preset[("matrix", display)]
        key = (display, rows, cols)
        m = self.matrices.get(key)
        if m is None:
            m = sp.MatrixSymbol(self.fresh("m", display), rows, cols)
            self.matrices[key] = m
        return m

    def name_of(self, obj) -> str:
        name = getattr(obj, "name", None) or str(getattr(obj, "label", obj))
        return self.display.get(str(name), str(name))


@dataclass
class Env:
    """What the builder knows about the step being built."""

    scope: Scope
    namer: Namer
    definitions: dict = field(default_factory=dict)  # fn key -> (params, body Node)
    sizes: dict = field(default_factory=dict)  # display name -> int (instantiation)
    bound: dict = field(default_factory=dict)  # index display -> sympy Symbol or int
    positive: set = field(default_factory=set)
    integer: set = field(default_factory=set)
    uses_definitions: set = field(default_factory=set)
    bounds: dict = field(default_factory=dict)  # index name -> the usual upper bound (a node)
    summed: set = field(default_factory=set)  # bases that some sum indexes: IndexedBase even at a free index
    dim_values: dict = field(default_factory=dict)  # dimension Symbol -> int, once a derivative went entrywise
    explicit: dict = field(default_factory=dict)  # MatrixSymbol (concrete shape) -> its matrix of entries


class Builder:
    def __init__(self, env: Env):
        self.env = env
        self.depth = 0

    # -- names --
    def _dim(self, slot):
        sc = self.env.scope
        v = sc.value(slot)
        if isinstance(v, int):
            return sp.Integer(v)
        if isinstance(v, str):
            if v in self.env.sizes:
                return sp.Integer(self.env.sizes[v])
            return self.env.namer.scalar(v, positive=True, integer=True)
        root = sc.find(slot)
        d = self.env.namer.dims.get(root)
        if d is None:
            d = sp.Symbol(self.env.namer.fresh("k", f"dim{len(self.env.namer.dims) + 1}"), integer=True, positive=True)
            self.env.namer.dims[root] = d
        return d

    def _dim_used_elsewhere(self, slot) -> bool:
        """Whether a dimension slot is shared with some name's shape (so it is a real size)."""
        sc = self.env.scope
        root = sc.find(slot)
        for shape in sc.dims.values():
            if root in (sc.find(shape[0]), sc.find(shape[1])):
                return True
        return False

    def _scalar_symbol(self, name: str):
        env = self.env
        if name in env.bound:
            v = env.bound[name]
            return sp.Integer(v) if isinstance(v, int) else v
        if name in env.sizes:
            return sp.Integer(env.sizes[name])
        letter = _strip(name)
        facts = env.scope.facts
        positive = name in facts.positive or name in env.positive or (
            (name in POSITIVE_NAMES or letter in POSITIVE_NAMES) and name not in facts.nonnegative
        )
        integer = name in facts.integer or name in env.integer or name in INTEGER_NAMES
        if name in INTEGER_NAMES or name in env.integer:
            positive = True
        if name in ("i", "j", "l", "t", "s"):
            integer = True
            positive = False
        return env.namer.scalar(name, positive=positive, integer=integer)

    def _shape_of_key(self, key: str):
        sc = self.env.scope
        dims = sc.dims.get(key)
        if dims is None:
            raise BuildError(f"no shape known for {key}")
        return self._dim(dims[0]), self._dim(dims[1])

    # -- entry --
    def build(self, node: N.Node):
        self.depth += 1
        if self.depth > 300:
            raise BuildError("expression nests too deeply")
        try:
            method = getattr(self, "_" + type(node).__name__)
        except AttributeError:
            raise BuildError(f"cannot use {type(node).__name__} here") from None
        try:
            return method(node)
        finally:
            self.depth -= 1

    def _Num(self, node: N.Num):
        if len(node.text) > MAX_DIGITS:
            raise BuildError("a number with too many digits")
        return sp.Rational(node.text)

    def _Const(self, node: N.Const):
        return {"pi": sp.pi, "e": sp.E, "oo": sp.oo}[node.name]

    def _Sym(self, node: N.Sym):
        name = node.name
        if name == "const":
            raise BuildError("an unnamed constant ('const') has no value")
        kind = self.env.scope.kind(name)
        if kind == SCALAR:
            return self._scalar_symbol(name)
        occurrence = self.env.scope.occurrences.get(id(node))
        if occurrence is not None:
            rows, cols = occurrence
            if self.env.scope.value(cols) is None and not self._dim_used_elsewhere(cols):
                return sp.OneMatrix(self._dim(rows), 1)  # nothing fixes its width: a vector
            if self.env.scope.value(rows) is None and not self._dim_used_elsewhere(rows):
                return sp.OneMatrix(1, self._dim(cols))
            return sp.OneMatrix(self._dim(rows), self._dim(cols))
        if name in ("I", "\\mathbf{I}", "\\mathbb{I}") and name not in self.env.scope.facts.kinds:
            r, c = self._shape_of_key(name)
            return sp.Identity(r)
        r, c = self._shape_of_key(name)
        return self.env.namer.matrix(name, r, c)

    def _index_value(self, idx_node):
        value = self.build(idx_node)
        if is_matrix(value):
            raise BuildError("a matrix used as an index")
        return value

    def _Indexed(self, node: N.Indexed):
        key = node.base + "[]"
        kind = self.env.scope.kind(key)
        indices = tuple(self._index_value(i) for i in node.indices)
        if kind == SCALAR:
            bound = self._bound_symbols()
            if not any(isinstance(i, sp.Basic) and i.free_symbols & bound for i in indices):
                # x_k with k free (an iteration, or 'each sample'): a plain scalar
                if self._base_is_summed(node.base):
                    return self.env.namer.base(node.base)[indices]
                label = node.base + "_{" + ",".join(render(i) for i in node.indices) + "}"
                return self._scalar_symbol(label)
            return self.env.namer.base(node.base)[indices]
        # a vector or matrix per sample/iteration: one MatrixSymbol per concrete index
        r, c = self._shape_of_key(key)
        label = node.base + "_{" + ",".join(str(i) for i in indices) + "}"
        if any(isinstance(i, sp.Basic) and i.free_symbols & self._bound_symbols() for i in indices):
            raise NeedSizes(self._open_bounds())
        return self.env.namer.matrix(label, r, c)

    def _base_is_summed(self, base: str) -> bool:
        return base in self.env.namer.bases or base in self.env.summed

    def _bound_symbols(self) -> set:
        return {v for v in self.env.bound.values() if isinstance(v, sp.Symbol)}

    def _open_bounds(self):
        return tuple(getattr(self, "_current_bounds", ()))

    def _Add(self, node: N.Add):
        parts = [self.build(t) for t in node.terms]
        return add(parts)

    def _Neg(self, node: N.Neg):
        return -self.build(node.arg)

    def _Mul(self, node: N.Mul):
        values = [self.build(f) for f in node.factors]
        if node.dot and len(values) == 2 and all(is_matrix(v) for v in values):
            a, b = values
            if a.shape[1] == 1 and b.shape[1] == 1:
                return a.T * b
        return multiply(values)

    def _Div(self, node: N.Div):
        num = self.build(node.num)
        den = self.build(node.den)
        den = scalarize(den)
        if den == 0:
            raise BuildError("division by zero")
        return num * (1 / den) if not is_matrix(num) else num * sp.Pow(den, -1)

    def _Pow(self, node: N.Pow):
        if isinstance(node.base, N.Norm):
            return self._norm_power(node)
        base = self.build(node.base)
        exp = self.build(node.exp)
        if is_matrix(exp):
            raise BuildError("a matrix in an exponent")
        if exp.is_Number and abs(exp) > MAX_EXPONENT:
            raise BuildError(f"exponent {exp} is too large to check")
        if base.is_Number if not is_matrix(base) else False:
            if exp.is_Number and abs(exp) > 200 and abs(base) != 1:
                raise BuildError(f"{base}^{exp} is too large to check")
        if is_matrix(base):
            if base.shape == (1, 1) and not (exp.is_Integer and exp > 0):
                return sp.Pow(scalarize(base), exp)
            if base.shape == (1, 1) and exp == 2:
                return base.T * base  # (w^T x - t)^2 as a quadratic form SymPy can differentiate
            if exp == -1:
                if base.shape[0] != base.shape[1]:
                    raise BuildError("the inverse of a non-square matrix")
                return sp.Inverse(base)
            if exp.is_Integer and exp > 0:
                return sp.MatPow(base, exp)
            if exp.is_Rational and exp.q == 2 and base.shape == (1, 1):
                return sp.Pow(scalarize(base), exp)
            if exp.is_Integer and exp < 0:
                return sp.Inverse(sp.MatPow(base, -exp))
            raise BuildError(f"a matrix to the power {exp}")
        return sp.Pow(base, exp)

    def _norm_power(self, node: N.Pow):
        norm = node.base
        exp = self.build(node.exp)
        inner = self.build(norm.arg)
        if norm.p in ("2", "", None) and exp == 2:
            if is_matrix(inner):
                if inner.shape[1] != 1:
                    return sp.Trace(inner.T * inner)
                return inner.T * inner
            return inner**2
        return sp.Pow(self._norm_value(norm, inner), exp)

    def _norm_value(self, norm: N.Norm, inner):
        from derive.verify.decide import meanings

        value = meanings.norm(self, norm, inner)
        if value is not None:
            return value
        if not is_matrix(inner):
            return sp.Abs(inner)
        if norm.p in ("2", "", None):
            return sp.sqrt(sp.Trace(inner.T * inner))
        return self._opaque_scalar("\\|" + str(norm.arg) + "\\|_{" + str(norm.p) + "}", norm.arg, positive=False)

    def _Norm(self, node: N.Norm):
        return self._norm_value(node, self.build(node.arg))

    def _Transpose(self, node: N.Transpose):
        value = self.build(node.arg)
        if is_matrix(value):
            return value.T
        return value  # the transpose of a scalar is itself

    def _Call(self, node: N.Call):
        fn = node.fn
        args = [self.build(a) for a in node.args]
        if fn == "abs":
            (a,) = args
            if is_matrix(a):
                if a.shape == (1, 1):
                    return sp.Abs(scalarize(a))
                if a.shape[1] == 1:  # |v| of a vector: its length
                    return sp.sqrt(sp.Trace(a.T * a))
                return sp.Determinant(a)
            return sp.Abs(a)
        if fn == "tr":
            (a,) = args
            return sp.Trace(a) if is_matrix(a) else a
        if fn == "det":
            (a,) = args
            return sp.Determinant(a) if is_matrix(a) else a
        if fn in ("binomial", "factorial"):
            for a in args:
                a = scalarize(a)
                if a.is_Number and abs(a) > 1000:
                    raise BuildError(f"{fn} of {a} is too large to check")
        if fn == "binomial":
            return sp.binomial(scalarize(args[0]), scalarize(args[1]))
        table = {
            "log": sp.log, "exp": sp.exp, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
            "tan": sp.tan, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "sign": sp.sign,
            "factorial": sp.factorial, "gamma": sp.gamma,
        }
        if fn in table:
            (a,) = args
            if is_matrix(a) and a.shape != (1, 1):
                raise BuildError(f"{fn} of a matrix")
            return table[fn](scalarize(a))
        raise BuildError(f"the function {fn} is not checked")

    def _BigOp(self, node: N.BigOp):
        env = self.env
        index = self._scalar_symbol(node.index) if node.index not in env.bound else None
        idx_sym = env.namer.index(node.index)
        lo = self.build(node.lo) if node.lo is not None else sp.Integer(1)
        if node.hi is not None:
            hi = self.build(node.hi)
        elif node.index in env.bounds:
            hi = self.build(env.bounds[node.index])  # \sum_i: over the range the document uses for i
        else:
            hi = env.namer.scalar("N_{" + node.index + "}", positive=True, integer=True)
        del index
        if is_matrix(lo) or is_matrix(hi):
            raise BuildError("matrix-valued summation bounds")
        saved = env.bound.get(node.index)
        env.bound[node.index] = idx_sym
        previous = getattr(self, "_current_bounds", ())
        self._current_bounds = tuple(sorted(
            {self.env.namer.display.get(str(s), str(s)) for s in getattr(hi, "free_symbols", set())}
        ))
        try:
            try:
                body = self.build(node.body)
            except NeedSizes:
                if not (lo.is_Integer and hi.is_Integer):
                    raise NeedSizes(self._current_bounds or ("?",)) from None
                body = None
        finally:
            self._current_bounds = previous
            if saved is None:
                env.bound.pop(node.index, None)
            else:
                env.bound[node.index] = saved
        if body is not None and not is_matrix(body):
            if hi == sp.oo or lo == -sp.oo:
                raise BuildError("an infinite series is not checked")
            cls = sp.Sum if node.op == "sum" else sp.Product
            return cls(body, (idx_sym, lo, hi))
        # matrix-valued body: expand at concrete bounds
        if not (lo.is_Integer and hi.is_Integer):
            raise NeedSizes(self._bound_names(hi))
        count = int(hi - lo + 1)
        if count > 12:
            raise BuildError("too many terms to expand")
        terms = []
        for value in range(int(lo), int(hi) + 1):
            env.bound[node.index] = value
            try:
                terms.append(self.build(node.body))
            finally:
                if saved is None:
                    env.bound.pop(node.index, None)
                else:
                    env.bound[node.index] = saved
        if not terms:
            raise BuildError("an empty sum of matrices")
        if node.op == "sum":
            return add(terms)
        return multiply(terms)

    def _bound_names(self, hi):
        names = [self.env.namer.display.get(str(s), str(s)) for s in getattr(hi, "free_symbols", set())]
        return tuple(sorted(names)) or ("?",)

    # -- unknown functions, gradients, derivatives --
    def _definition_for(self, node: N.Apply):
        return find_definition(self.env.definitions, node)

    def _Apply(self, node: N.Apply):
        definition = self._definition_for(node)
        if definition is not None and node.primes == 0:
            params, body = definition

            self.env.uses_definitions.add(apply_key(node))
            return self.build(substitute_nodes(body, bind(params, node.args + node.given)))
        return self._opaque_apply(node)

    def _opaque_apply(self, node: N.Apply):
        if node.fn in SIGMOIDS and len(node.args) == 1 and not node.given and not node.params and node.primes == 0:
            z = self.build(node.args[0])
            if not is_matrix(z):
                return 1 / (1 + sp.exp(-z))  # the logistic sigmoid, unless the document says otherwise
        label = render(node)
        positive = node.fn in DENSITY_FUNCTIONS or _strip(node.fn) in DENSITY_FUNCTIONS
        return self._opaque_scalar(label, node, positive=positive)

    def _opaque_scalar(self, label: str, node: N.Node, positive=False):
        """An unknown scalar quantity; per sample (IndexedBase) if it uses a bound index."""
        env = self.env
        bound_used = [name for name in env.bound if name in _names_in(node)]
        deps = _names_in(node)
        if len(bound_used) == 1:
            idx_name = bound_used[0]
            generic = substitute(node, {idx_name: N.Sym("\u00b7")})
            key = ("indexed", render(generic))
            if key in env.namer.preset:
                value = env.bound[idx_name]
                return env.namer.preset[key](sp.Integer(value) if isinstance(value, int) else value)
            base = env.namer.opaque.get(key)
            if base is None:
                base = sp.IndexedBase(env.namer.fresh("f", render(generic)), real=True,
                                      **({"positive": True} if positive else {}))
                env.namer.opaque[key] = base
                env.namer.depends[base.name] = deps - {idx_name}
            value = env.bound[idx_name]
            return base[sp.Integer(value) if isinstance(value, int) else value]
        key = ("scalar", label)
        if ("opaque", label) in env.namer.preset:
            return env.namer.preset[("opaque", label)]
        sym = env.namer.opaque.get(key)
        if sym is None:
            sym = sp.Symbol(env.namer.fresh("f", label), real=True, **({"positive": True} if positive else {}))
            env.namer.opaque[key] = sym
            env.namer.depends[sym.name] = deps
        return sym

    def _opaque_matrix(self, label: str, node: N.Node, rows, cols):
        key = ("matrix", label, rows, cols)
        m = self.env.namer.opaque.get(key)
        if m is None:
            m = sp.MatrixSymbol(self.env.namer.fresh("g", label), rows, cols)
            self.env.namer.opaque[key] = m
            self.env.namer.depends[m.name] = _names_in(node)
        return m

    def _Grad(self, node: N.Grad):
        body = node.body
        point = None
        var_node = node.wrt
        if isinstance(body, N.Apply) and len(body.args) == 1:
            point = body.args[0]
            if var_node is None or not _same_name(var_node, point):
                var_node = point if isinstance(point, (N.Sym, N.Indexed)) else var_node
        if var_node is None:
            raise BuildError("a gradient whose variable is not written")
        try:
            f = self.build(body)
        except BuildError:
            raise
        var = self.build(var_node)
        if _has_opaque(f, self.env.namer) or (isinstance(body, N.Apply) and self._definition_for(body) is None):
            return self._opaque_gradient(node, var)
        if not (f.has(var) if isinstance(f, sp.Basic) else False):
            # the function is not written in terms of the variable: an unknown function
            return self._opaque_gradient(node, var)
        try:
            if is_matrix(var):
                if is_matrix(f) and f.shape != (1, 1):
                    raise BuildError("the gradient of a matrix-valued function")
                if var.shape[1] != 1 or node.order == 2:
                    return entrywise_derivative(f, var, self.env, node.order)
                try:
                    return matrix_derivative(f, var)
                except BuildError:
                    return entrywise_derivative(f, var, self.env, node.order)
            g = sp.diff(_log_rules(scalarize(f)), var, node.order)
            return g
        except BuildError:
            raise
        except Exception as exc:  # noqa: BLE001 - SymPy cannot differentiate it
            raise BuildError(f"SymPy cannot differentiate this ({type(exc).__name__})") from None

    def _opaque_gradient(self, node: N.Grad, var):
        label = render(node)
        if is_matrix(var):
            rows = var.shape[0]
            if node.order == 2:
                return self._opaque_matrix(label, node, rows, rows)
            return self._opaque_matrix(label, node, rows, var.shape[1])
        return self._opaque_scalar(label, node)

    def _Deriv(self, node: N.Deriv):
        if isinstance(node.wrt, N.Pow) and isinstance(node.wrt.base, N.Sym) and isinstance(node.wrt.exp, N.Num):
            return self._derivative_in_a_power(node)
        var = self.build(node.wrt)
        f = self.build(node.body)
        independent = not _depends_on(f, var)
        if independent and not isinstance(node.body, (N.Sym, N.Indexed, N.Apply)):
            raise BuildError("the expression differentiated does not depend on the variable as it is read")
        if _has_opaque(f, self.env.namer) or independent:
            # an unknown function, or a name not written in terms of the variable (d p_k / d z_k)
            if is_matrix(var):
                return self._opaque_matrix(render(node), node, var.shape[0], var.shape[1])
            return self._opaque_scalar(render(node), node)
        try:
            if is_matrix(var):
                if var.shape[1] != 1 or (is_matrix(f) and f.shape != (1, 1)):
                    return entrywise_derivative(f, var, self.env, node.order)
                try:
                    return matrix_derivative(f, var)
                except BuildError:
                    return entrywise_derivative(f, var, self.env, node.order)
            if is_matrix(f):
                return f.diff(var)
            return sp.diff(_log_rules(f), var, node.order)
        except BuildError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise BuildError(f"SymPy cannot differentiate this ({type(exc).__name__})") from None

    def _derivative_in_a_power(self, node: N.Deriv):
        """d / d(sigma^2): write sigma = v^(1/k), differentiate in v, put v = sigma^k back."""
        s = self.build(node.wrt.base)
        k = self.build(node.wrt.exp)
        f = self.build(node.body)
        if is_matrix(f) or is_matrix(s) or not isinstance(s, sp.Symbol) or not s.is_positive:
            raise BuildError("a derivative with respect to a power of something that is not a positive number")
        v = sp.Dummy("v", positive=True)
        g = sp.diff(f.xreplace({s: v ** (1 / k)}), v, node.order)
        return g.xreplace({v: s**k})

    def _Density(self, node: N.Density):
        if isinstance(node.x, N.Equation):
            raise BuildError("the probability of an event, P(X = x), is not checked")
        if node.family not in ("normal", "laplace"):
            return self._other_density(node)
        if node.x is None:
            raise BuildError("a distribution with no point is not a value")
        x = self.build(node.x)
        mean = self.build(node.params[0])
        scale = self.build(node.params[1]) if len(node.params) > 1 else None
        if scale is None:
            raise BuildError("a density needs a scale")
        if node.family == "normal":
            if is_matrix(x):
                return self._multivariate_normal(x, mean, scale)
            if is_matrix(scale) or is_matrix(mean):
                raise BuildError("a scalar point with a matrix mean or covariance")
            return sp.exp(-((x - mean) ** 2) / (2 * scale)) / sp.sqrt(2 * sp.pi * scale)
        if node.family == "laplace":
            if is_matrix(x) or is_matrix(scale):
                raise BuildError("a multivariate Laplace density is not checked")
            return sp.exp(-sp.Abs(x - mean) / scale) / (2 * scale)
        raise BuildError(f"the {node.family} density is not checked")  # pragma: no cover

    def _other_density(self, node: N.Density):
        from derive.verify.decide import meanings

        if node.x is None:
            raise BuildError("a distribution with no point is not a value")
        return meanings.density(self, node, self.build(node.x), [self.build(p) for p in node.params])

    def _multivariate_normal(self, x, mean, cov):
        d = x.shape[0]
        if not is_matrix(mean):
            if mean != 0:
                raise BuildError("a vector point with a scalar mean")
            mean = sp.ZeroMatrix(*x.shape)
        r = x - mean
        if not is_matrix(cov):
            cov = cov * sp.Identity(d)
        coeff, core = _scalar_times(cov)
        if isinstance(core, sp.Identity):
            quad = sp.Trace(r.T * r) / coeff
            return sp.exp(-quad / 2) / (2 * sp.pi * coeff) ** (d / 2)
        quad = sp.Trace(r.T * sp.Inverse(cov) * r)
        return sp.exp(-quad / 2) / (sp.sqrt((2 * sp.pi) ** d * sp.Determinant(cov)))

    def _Matrix(self, node: N.Matrix):
        rows = [[scalar_only(self.build(c)) for c in row] for row in node.rows]
        return sp.ImmutableMatrix(rows)

    def _Equation(self, node: N.Equation):
        lhs, rhs = self.build(node.lhs), self.build(node.rhs)
        if node.rel == "=":
            return sp.Eq(lhs, rhs, evaluate=False)
        cls = {"<": sp.StrictLessThan, ">": sp.StrictGreaterThan, "<=": sp.LessThan, ">=": sp.GreaterThan}[node.rel]
        return cls(scalarize(lhs), scalarize(rhs), evaluate=False)

    def _Opt(self, node: N.Opt):
        raise BuildError("argmin/argmax inside an expression")

    # -- the notation of the read stage's later constructs (derive.verify.meanings) --
    def _Elementwise(self, node):
        from derive.verify.decide import meanings

        return meanings.elementwise(self, node)

    def _Expect(self, node):
        from derive.verify.decide import meanings

        return meanings.expectation(self, node)

    def _Integral(self, node):
        from derive.verify.decide import meanings

        return meanings.integral(self, node)

    def _Evaluated(self, node):
        from derive.verify.decide import meanings

        return meanings.evaluated(self, node)

    def _Limit(self, node):
        from derive.verify.decide import meanings

        return meanings.limit(self, node)

    def _Cases(self, node):
        from derive.verify.decide import meanings

        return meanings.cases(self, node)


# --- helpers -----------------------------------------------------------------------------------------


def _log_rules(f):
    """log of a product -> sum of logs before differentiating (densities are positive)."""
    if not isinstance(f, sp.Basic) or not f.has(sp.log):
        return f
    try:
        from derive.core.algebra import log_of_product

        return sp.expand_log(log_of_product(f), force=True)
    except Exception:  # noqa: BLE001 - keep the expression as it is
        return f


def _depends_on(f, var) -> bool:
    """f has var; for w[j], any w[k] counts (d/dw_j of sum_k w_k x_k is x_j)."""
    if not isinstance(f, sp.Basic):
        return False
    if isinstance(var, sp.Indexed):
        return any(ix.base == var.base for ix in f.atoms(sp.Indexed))
    return f.has(var)


def _without_indexed(f, var):
    """SymPy's matrix derivative chokes on Indexed coefficients (t[1]): hide them in Dummies."""
    mapping = {ix: sp.Dummy(str(ix.base.label), real=True) for ix in f.atoms(sp.Indexed)} if isinstance(f, sp.Basic) else {}
    if not mapping:
        return f, {}
    return f.xreplace(mapping), {d: ix for ix, d in mapping.items()}


def matrix_derivative(f, var):
    """d f / d var for a vector var, f a number or a 1 x 1 (or column) expression.

    SymPy differentiates traces and logs of matrix expressions to a silent 0, so numbers are
    taken apart first: log(exp(x)) -> x, and each term c * tr(M) with M 1 x 1 becomes c * dM.
    A zero that cannot be explained is refused (BuildError), never returned.
    """
    if not is_matrix(f):
        f = sp.expand(sp.expand_log(f, force=True)) if f.has(sp.log) else sp.expand(f)
        parts = []
        for term in sp.Add.make_args(f):
            if not term.has(var):
                continue
            factors = sp.Mul.make_args(term)
            traces = [x for x in factors if isinstance(x, sp.Trace)]
            rest = [x for x in factors if not isinstance(x, sp.Trace)]
            if len(traces) != 1 or any(x.has(var) for x in rest) or traces[0].arg.shape != (1, 1):
                raise BuildError("SymPy cannot differentiate this term with respect to a vector")
            parts.append(sp.Mul(*rest) * traces[0].arg)
        if not parts:
            return sp.ZeroMatrix(*var.shape)
        f = sp.MatAdd(*parts).doit() if len(parts) > 1 else parts[0]
    f, back = _without_indexed(f, var)
    g = f.diff(var)
    g = g.doit() if hasattr(g, "doit") else g
    if back:
        g = g.xreplace(back)
        f = f.xreplace(back)
    if not isinstance(g, (MatrixExpr, sp.MatrixBase, sp.Expr)):
        raise BuildError("SymPy returned an array expression for this derivative")
    if (g == 0 or getattr(g, "is_ZeroMatrix", False) or isinstance(g, sp.Array)) and f.has(var):
        raise BuildError("SymPy's derivative came out as a zero it cannot justify")
    if isinstance(g, sp.NDimArray):
        raise BuildError("SymPy returned an array for this derivative")
    return g


SIZES = (2, 3, 4, 5, 6, 7)  # concrete sizes given to the dimensions, distinct so a transpose shows


def explicit_form(e, env: Env):
    """`e` at concrete sizes with every matrix written out entry by entry (symmetric where the
    document says so); the sizes are fixed once per step and shared by both sides."""
    if not isinstance(e, sp.Basic):
        return e
    dims = set()
    for m in e.atoms(sp.MatrixSymbol):
        for d in m.shape:
            dims |= getattr(d, "free_symbols", set())
    for s in sorted(dims, key=str):
        if s not in env.dim_values:
            env.dim_values[s] = SIZES[len(env.dim_values) % len(SIZES)]
    e = e.xreplace({s: sp.Integer(v) for s, v in env.dim_values.items()})
    mapping = {}
    for m in e.atoms(sp.MatrixSymbol):
        if m not in env.explicit:
            entries = sp.Matrix(m.as_explicit())
            display = env.namer.display.get(m.name, m.name)
            facts = env.scope.facts
            if m.shape[0] == m.shape[1] and (display in facts.symmetric or display in facts.positive_definite
                                             or _strip(display) in facts.symmetric):
                for i in range(m.shape[0]):
                    for j in range(i):
                        entries[i, j] = entries[j, i]
            env.explicit[m] = sp.ImmutableMatrix(entries)
        mapping[m] = env.explicit[m]
    out = e.xreplace(mapping)
    out = out.doit() if hasattr(out, "doit") else out
    if isinstance(out, MatrixExpr):
        out = sp.ImmutableMatrix(out.as_explicit())
    return out


def entrywise_derivative(f, var, env: Env, order: int = 1):
    """d f / d var entry by entry at concrete sizes (traces, determinants, log-determinants and
    inverses included): SymPy's matrix calculus returns silent zeros, entries do not."""
    if order not in (1, 2):
        raise BuildError("a derivative of order above 2 with respect to a matrix")
    vx = explicit_form(var, env)
    if not isinstance(vx, sp.MatrixBase):
        raise BuildError("a derivative with respect to something that is not a matrix of entries")
    # a symmetric variable: the unconstrained derivative, taken at a symmetric point (the reading of
    # d log det S / dS = S^{-1} in the texts)
    var_c = var.xreplace({s: sp.Integer(v) for s, v in env.dim_values.items()})
    free = sp.ImmutableMatrix(var_c.as_explicit()) if isinstance(var_c, sp.MatrixSymbol) else vx
    tie = {free[i, j]: vx[i, j] for i in range(vx.shape[0]) for j in range(vx.shape[1]) if free[i, j] != vx[i, j]}
    saved = env.explicit.get(var_c)
    env.explicit[var_c] = free
    try:
        fx = explicit_form(f, env)
    finally:
        env.explicit[var_c] = saved if saved is not None else vx
    vx = free
    if isinstance(fx, sp.MatrixBase):
        if fx.shape != (1, 1):
            raise BuildError("the derivative of a matrix-valued function")
        fx = fx[0, 0]
    if isinstance(fx, MatrixExpr) or any(isinstance(x, (sp.Trace, sp.Determinant, sp.Inverse)) for x in sp.preorder_traversal(fx)):
        raise BuildError("a matrix that cannot be written out entry by entry")
    entries = list(vx)
    if order == 2:
        if vx.shape[1] != 1:
            raise BuildError("a second derivative with respect to a matrix")
        return sp.ImmutableMatrix(len(entries), len(entries),
                                  lambda i, j: sp.diff(fx, entries[i], entries[j])).xreplace(tie)
    rows, cols = vx.shape
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.diff(fx, vx[i, j])).xreplace(tie)


# --- more helpers ----------------------------------------------------------------------------


def scalar_only(v):
    if is_matrix(v):
        raise BuildError("a matrix inside a matrix literal")
    return v


def scalarize(v):
    """A 1 x 1 matrix expression as a scalar (its trace); scalars unchanged."""
    if is_matrix(v):
        if v.shape != (1, 1):
            raise BuildError(f"a {v.shape[0]} x {v.shape[1]} matrix where a number is expected")
        if isinstance(v, sp.MatrixBase):
            return v[0, 0]
        return sp.Trace(v)
    return v


def add(parts):
    mats = [p for p in parts if is_matrix(p)]
    if not mats:
        return sp.Add(*parts)
    shape = mats[0].shape
    for m in mats[1:]:
        if m.shape != shape:
            raise BuildError(f"adding a {shape[0]} x {shape[1]} and a {m.shape[0]} x {m.shape[1]} matrix")
    out = []
    for p in parts:
        if is_matrix(p):
            out.append(p)
        elif p == 0:
            continue
        elif shape == (1, 1) or shape[0] == shape[1]:
            out.append(p * sp.Identity(shape[0]))
        else:
            raise BuildError("adding a number to a non-square matrix")
    if isinstance(mats[0], sp.MatrixBase):
        return functools.reduce(operator.add, out)
    return sp.MatAdd(*out).doit() if len(out) > 1 else out[0]


def multiply(values):
    result = values[0]
    for v in values[1:]:
        if is_matrix(result) and is_matrix(v):
            if result.shape[1] != v.shape[0]:
                if result.shape == (1, 1):
                    result = scalarize(result)
                elif v.shape == (1, 1):
                    v = scalarize(v)
                else:
                    raise BuildError(
                        f"multiplying a {result.shape[0]} x {result.shape[1]} by a "
                        f"{v.shape[0]} x {v.shape[1]} matrix"
                    )
        result = result * v
    return result


def _scalar_times(m):
    if isinstance(m, sp.MatMul):
        coeff, rest = m.as_coeff_mmul()
        args = rest.args if isinstance(rest, sp.MatMul) else (rest,)
        scalars = [a for a in args if not is_matrix(a)]
        mats = [a for a in args if is_matrix(a)]
        if len(mats) == 1:
            return coeff * sp.Mul(*scalars), mats[0]
    return sp.Integer(1), m


def _has_opaque(expr, namer: Namer) -> bool:
    names = set()
    if isinstance(expr, sp.Basic):
        for s in expr.free_symbols:
            names.add(str(getattr(s, "name", s)))
        for m in expr.atoms(sp.MatrixSymbol):
            names.add(m.name)
        for ix in expr.atoms(sp.Indexed):
            names.add(str(ix.base.label))
    return any(n in namer.depends for n in names)


def _same_name(a, b) -> bool:
    return a == b


def _names_in(node: N.Node) -> set:
    out = set()
    for n in node.walk():
        if isinstance(n, N.Sym):
            out.add(n.name)
        elif isinstance(n, N.Indexed):
            out.add(n.base + "[]")
            for i in n.indices:
                for m in i.walk():
                    if isinstance(m, N.Sym):
                        out.add(m.name)
        elif isinstance(n, N.Apply):
            for p in n.params:
                for m in p.walk():
                    if isinstance(m, N.Sym):
                        out.add(m.name)
    return out


# --- building ----------------------------------------------------------------------------------


class Built:
    def __init__(self, before, after, namer, env, sizes):
        self.before, self.after, self.namer, self.env, self.sizes = before, after, namer, env, sizes


BOUNDS: dict = {}  # set per step by judge(): index name -> usual upper bound


def build_pair(before_node, after_node, scope_nodes, facts, definitions, sizes=None, wrt_nodes=(), preset=None):
    sizes = dict(sizes or {})
    scope = infer_scope(list(scope_nodes) + [x for x in (before_node, after_node) if x is not None], facts,
                        equalities=[(before_node, after_node)] if before_node is not None and after_node is not None
                        and not isinstance(before_node, N.Equation) else [])
    dims_for(scope, [x for x in (before_node, after_node) if x is not None] + list(wrt_nodes))
    _ones_have_the_sample_count(scope, before_node, after_node)
    namer = Namer(preset=dict(preset or {}))
    env = Env(scope=scope, namer=namer, definitions={}, sizes=sizes, bounds=dict(BOUNDS),
              summed=_summed_bases(before_node, after_node))
    builder = Builder(env)
    before = builder.build(before_node) if before_node is not None else None
    after = builder.build(after_node) if after_node is not None else None
    wrt = tuple(builder.build(w) for w in wrt_nodes)
    return Built(before, after, namer, env, sizes), wrt


COUNT_NAMES = ("N", "n", "m")


def _ones_have_the_sample_count(scope, *nodes) -> None:
    """An all-ones vector of free length in a step that names the sample count (N): 1^T 1 = N,
    so its length is N."""
    names = set()
    for node in nodes:
        if node is not None:
            names |= {n.name for n in node.walk() if isinstance(n, N.Sym)}
    count = next((c for c in COUNT_NAMES if c in names), None)
    if count is None:
        return
    for rows, cols in scope.occurrences.values():
        for slot in (rows, cols):
            if scope.value(slot) is None and _shared(scope, slot):
                scope.fix(slot, count)


def _shared(scope, slot) -> bool:
    root = scope.find(slot)
    return any(root in (scope.find(r), scope.find(c)) for r, c in scope.dims.values())


def _summed_bases(*nodes) -> set:
    """Bases indexed by a sum's index somewhere (w_k in sum_k w_k x_ik): their w_j is the same w."""
    out = set()
    for node in nodes:
        if node is None:
            continue
        for big in node.walk():
            if isinstance(big, N.BigOp):
                for n in big.body.walk():
                    if isinstance(n, N.Indexed) and any(
                        isinstance(m, N.Sym) and m.name == big.index for i in n.indices for m in i.walk()
                    ):
                        out.add(n.base)
    return out


def build_with_sizes(before_node, after_node, scope_nodes, facts, definitions, wrt_nodes=(), preset=None):
    """Build, instantiating symbolic ranges of vector sums when SymPy needs it."""
    try:
        return build_pair(before_node, after_node, scope_nodes, facts, definitions, wrt_nodes=wrt_nodes,
                          preset=preset), None
    except NeedSizes as need:
        sizes = {name: 3 for name in need.names if name != "?"}
        for _ in range(3):
            try:
                return build_pair(before_node, after_node, scope_nodes, facts, definitions, sizes, wrt_nodes,
                                  preset=preset), sizes
            except NeedSizes as again:
                more = {name: 3 for name in again.names if name != "?" and name not in sizes}
                if not more:
                    break
                sizes.update(more)
        raise BuildError("a sum of vectors whose number of terms is not a size")
