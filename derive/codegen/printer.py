"""SymPy expression -> Python/numpy source, written for speed and stability, not for show.

The printer walks the SymPy tree once and emits straight-line code, one temporary per matrix
operation (so a subexpression that occurs twice is computed once), with these rewrites:

- ``Inverse(M) * B`` becomes a solve, never ``inv``: Cholesky (`kernels.solve_pd`) when M is
  positive definite by construction (``A.T*A``, ``A.T*A + c*I`` with ``c > 0``), a generic LU
  solve otherwise; a normal-equations solve carries its least-squares problem along so that
  it can fall back to QR when the Gram matrix is ill-conditioned.
- Matrix chains are parenthesised by estimated cost (``n`` large, other sizes moderate), so
  ``(X.T*X)^-1 * X.T * y`` forms ``X.T @ y`` (d x 1) first and never a d x n matrix.
- ``A.T*A`` and ``A.T*v`` in the same expression are computed together in one pass over A
  (`kernels.gram_xy`).
- ``Sum(f(x[i]), (i, 1, n))`` becomes ``np.sum(f(x))`` with ``n = x.shape[0]``.
- Sizes (``n``, ``d``) are read off the shapes of the inputs, not passed in.

Every name that reaches the source is checked (`python_name`): a symbol whose name is not a
plain Python identifier is refused, so a symbol named like code can never run.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement

from derive.codegen.plan import (  # noqa: F401 - the errors are re-exported
    NotPrintable,
    UnsafeNameError,
    _canonical,
    _chain_order,
    _gram_parts,
    _is_matrix,
    _is_vector_shape,
    _order_inputs,
    _scan_fusions,
    free_inputs,
    positive_definite_by_construction,
)

__all__ = ["UnsafeNameError", "NotPrintable", "python_name", "Program", "generate"]

#: Catalogue names that are Python keywords, mapped to fixed safe spellings.
ALIASES = {"lambda": "lam"}
#: Names the generated code itself uses.
RESERVED = frozenset({"np", "sp", "math"})


def python_name(name: str) -> str:
    """The identifier for a symbol name, or UnsafeNameError: never a name that is code."""
    if not isinstance(name, str):
        raise UnsafeNameError(f"symbol name must be a string, got {type(name).__name__}")
    alias = ALIASES.get(name, name)
    if (
        not alias.isidentifier()
        or keyword.iskeyword(alias)
        or alias.startswith("_")
        or alias in RESERVED
        or not alias.isascii()
    ):
        raise UnsafeNameError(
            f"symbol name {name!r} is not a plain Python identifier (letters, digits, '_', not "
            "a keyword, not starting with '_'); generated code refuses it. Rename the symbol, "
            "e.g. sympy.Symbol('lam') instead of sympy.Symbol('lambda + 1')"
        )
    return alias


def _same_vector(a, b) -> bool:
    """A column MatrixSymbol w and the label of an IndexedBase w (its coordinates w_j) name
    the same 1-D array: the catalogue writes the L1 norm over coordinates next to matrix terms."""
    for m, other in ((a, b), (b, a)):
        if (
            isinstance(m, sp.MatrixSymbol)
            and m.shape[1] == 1
            and isinstance(other, sp.Symbol)
            and other.name == m.name
        ):
            return True
    return False


@dataclass
class Program:
    """What the printer produced: the function source and its calling convention."""

    name: str
    source: str
    inputs: tuple[str, ...]
    expr: object
    vector_inputs: tuple[str, ...] = ()
    kinds: dict = field(default_factory=dict)


class _Printer:
    def __init__(self, expr, options):
        self.expr = expr
        self.options = options
        self.lines: list[str] = []
        self.memo: dict = {}
        self.ntemp = 0
        self.dim_source: dict = {}  # dim Symbol -> python expr reading it off an input's shape
        self.used_dims: set = set()
        self.names: dict = {}  # python name -> sympy object (collision check)
        self.fused: dict = {}  # A -> v: compute A.T A and A.T v together
        self.sum_bounds: dict = {}  # dim Symbol -> python expr from an IndexedBase length
        self.canon: dict = {}  # canonical form (doit) of a computed matrix -> its temporary
        self.constants: list[str] = []  # module-level lines: constant arrays, built once
        self.constant_names: set = set()
        self.sum_arrays: dict = {}  # (array name, bound Symbol): arrays that must share a length
        # "math": plain Python floats (a scalar update called inside a loop), else numpy
        self.scalar_target = options.get("target") == "math"

    # ------------------------------------------------------------------ names and temporaries
    def name_of(self, obj) -> str:
        label = obj.name if hasattr(obj, "name") else str(obj)
        py = python_name(label)
        other = self.names.get(py)
        if other is not None and other != obj and not _same_vector(other, obj):
            raise UnsafeNameError(
                f"two different symbols both print as {py!r} ({other!r} and {obj!r}); "
                "rename one of them"
            )
        self.names[py] = obj
        return py

    def temp(self, code: str, comment: str = "") -> str:
        name = f"_t{self.ntemp}"
        self.ntemp += 1
        self.lines.append(f"{name} = {code}" + (f"  # {comment}" if comment else ""))
        return name

    def dim(self, s) -> str:
        """A size, read off the inputs."""
        if getattr(s, "is_Integer", False):
            return str(int(s))
        if s in self.dim_source:
            self.used_dims.add(s)
            return self.name_of(s)
        if s in self.sum_bounds:
            self.used_dims.add(s)
            return self.name_of(s)
        return self.scalar(s)

    # ------------------------------------------------------------------ entry
    def run(self):
        if isinstance(self.expr, sp.Tuple):
            parts = [self._result(self.value(e)) for e in self.expr]
            return "(" + ", ".join(parts) + ",)"
        return self._result(self.value(self.expr))

    def _result(self, code: str) -> str:
        # never hand out a shared constant (or an input) itself: the caller may write to it
        if code in self.constant_names or code in self.names:
            return f"np.array({code}, dtype=float)"
        return code

    def value(self, e) -> str:
        if e in self.memo:
            return self.memo[e]
        code = self._value(e)
        self.memo[e] = code
        return code

    def _value(self, e) -> str:
        if _is_matrix(e):
            return self.matrix(e)
        return self.scalar(e)

    # ------------------------------------------------------------------ scalars
    def scalar(self, e, vec: dict | None = None) -> str:
        """Python source for a scalar expression; `vec` maps a Sum index to its arrays."""
        if vec is None and e in self.memo:
            return self.memo[e]
        code = self._scalar(e, vec)
        return code

    def _scalar(self, e, vec) -> str:
        S = self.scalar
        if isinstance(e, sp.Integer):
            return str(int(e))
        if isinstance(e, sp.Rational):
            return f"({int(e.p)}/{int(e.q)})"
        if isinstance(e, sp.Float):
            return repr(float(e))
        if e is sp.pi:
            return "np.pi"
        if e is sp.E:
            return "np.e"
        if e is sp.oo:
            return "np.inf"
        if e is sp.S.NegativeInfinity:
            return "(-np.inf)"
        if isinstance(e, sp.Symbol):
            if e in self.dim_source or e in self.sum_bounds:
                return self.dim(e)
            return self.name_of(e)
        if isinstance(e, sp.Indexed):
            return self.indexed(e, vec)
        if isinstance(e, sp.Add):
            terms = [S(a, vec) for a in e.args]
            out = terms[0]
            for t in terms[1:]:
                out = f"{out} - {t[1:]}" if t.startswith("-") and not t.startswith("-(") else f"{out} + {t}"
            return f"({out})"
        if isinstance(e, sp.Mul):
            num, den = [], []
            for a in e.args:
                if isinstance(a, sp.Pow) and a.exp.is_Number and a.exp < 0:
                    den.append(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp))
                elif isinstance(a, sp.Rational) and not isinstance(a, sp.Integer) and a.p in (1, -1):
                    if a.p == -1:
                        num.insert(0, sp.Integer(-1))
                    den.append(sp.Integer(a.q))
                else:
                    num.append(a)
            if num and num[0] == -1:
                sign, num = "-", num[1:]
            else:
                sign = ""
            top = "*".join(S(a, vec) for a in num) or "1"
            if den:
                bottom = "*".join(S(a, vec) for a in den)
                return f"({sign}{top}/({bottom}))"
            return f"({sign}{top})"
        if isinstance(e, sp.Pow):
            base, exp = e.args
            if exp == sp.Rational(1, 2):
                return f"{'math' if self.scalar_target else 'np'}.sqrt({S(base, vec)})"
            if exp == -1:
                return f"(1/{S(base, vec)})"
            if exp == sp.Rational(-1, 2):
                return f"(1/np.sqrt({S(base, vec)}))"
            return f"({S(base, vec)}**{S(exp, vec)})"
        if isinstance(e, sp.Sum):
            return self.reduction(e, vec, "np.sum")
        if isinstance(e, sp.Product):
            return self.reduction(e, vec, "np.prod")
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e, vec)
        if isinstance(e, (sp.Max, sp.Min)):
            if self.scalar_target:
                fn = "max" if isinstance(e, sp.Max) else "min"
                return f"{fn}({', '.join(S(a, vec) for a in e.args)})"
            fn = "np.maximum" if isinstance(e, sp.Max) else "np.minimum"
            args = [S(a, vec) for a in e.args]
            out = args[0]
            for a in args[1:]:
                out = f"{fn}({out}, {a})"
            return out
        if isinstance(e, sp.Heaviside):
            if self.scalar_target:
                a = self.temp(S(e.args[0], vec))
                return f"(1.0 if {a} > 0 else (0.5 if {a} == 0 else 0.0))"
            return f"np.heaviside({S(e.args[0], vec)}, 0.5)"
        if isinstance(e, sp.log) and len(e.args) == 1:
            # log(sigmoid(a)) and log(1 - sigmoid(a)): stable log-sigmoid, never log(0)
            arg = e.args[0]
            if isinstance(arg, sp.factorial):  # log(k!) = lgamma(k + 1), no overflow at k > 170
                fn = "math.lgamma" if self.scalar_target else "_k.loggamma"
                return f"{fn}({S(arg.args[0] + 1, vec)})"
            if type(arg).__name__ == "sigmoid":
                return f"_k.log_sigmoid({S(arg.args[0], vec)})"
            if isinstance(arg, sp.Add) and len(arg.args) == 2 and sp.S.One in arg.args:
                other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
                if (
                    isinstance(other, sp.Mul)
                    and len(other.args) == 2
                    and other.args[0] == -1
                    and type(other.args[1]).__name__ == "sigmoid"
                ):
                    return f"_k.log_sigmoid(-{S(other.args[1].args[0], vec)})"
        if type(e).__name__ == "sigmoid" and len(e.args) == 1 and not isinstance(e, AppliedUndef):
            fn = "_k.sigmoid_float" if self.scalar_target else "_k.sigmoid"
            return f"{fn}({S(e.args[0], vec)})"
        table = _MATH_FUNCTIONS if self.scalar_target else _FUNCTIONS
        if isinstance(e, sp.Function) and type(e).__name__ in table and not isinstance(
            e, AppliedUndef
        ):
            fn = table[type(e).__name__]
            return f"{fn}({', '.join(S(a, vec) for a in e.args)})"
        if isinstance(e, sp.Function) and type(e).__name__.lower() == "median" and len(e.args) == 1:
            return f"np.median({self.array_of(e.args[0])})"
        if isinstance(e, sp.Rel):
            op = {sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<",
                  sp.LessThan: "<=", sp.Equality: "==", sp.Unequality: "!="}.get(type(e))
            if op:
                return f"({S(e.lhs, vec)} {op} {S(e.rhs, vec)})"
        if e is sp.true:
            return "True"
        if e is sp.false:
            return "False"
        if isinstance(e, (sp.And, sp.Or, sp.Not)) and self.scalar_target:
            if isinstance(e, sp.Not):
                return f"(not {S(e.args[0], vec)})"
            op = " and " if isinstance(e, sp.And) else " or "
            return "(" + op.join(S(a, vec) for a in e.args) + ")"
        if isinstance(e, (sp.And, sp.Or, sp.Not)):
            fn = {sp.And: "np.logical_and", sp.Or: "np.logical_or"}.get(type(e))
            if fn is None:
                return f"np.logical_not({S(e.args[0], vec)})"
            out = S(e.args[0], vec)
            for a in e.args[1:]:
                out = f"{fn}({out}, {S(a, vec)})"
            return out
        if _is_matrix(e):
            # a 1 x 1 matrix in a scalar context (e.g. (r.T*r)/n)
            return self.matrix(e)
        if isinstance(e, AppliedUndef):
            raise NotPrintable(
                f"{e} is an unspecified function: the expression has no numeric meaning until "
                "it is given a definition"
            )
        raise NotPrintable(f"no numpy spelling for {type(e).__name__}: {e}")

    def piecewise(self, e, vec) -> str:
        # np.select picks the first true condition, like Piecewise.
        conds, vals = [], []
        default = "np.nan"
        for expr, cond in e.args:
            if cond is sp.true:
                default = self.scalar(expr, vec)
                break
            conds.append(self.scalar(cond, vec))
            vals.append(self.scalar(expr, vec))
        if not conds:
            return default
        out = default
        if self.scalar_target:
            for c, v in reversed(list(zip(conds, vals))):
                out = f"({v} if {c} else {out})"
            return out
        for c, v in reversed(list(zip(conds, vals))):
            out = f"np.where({c}, {v}, {out})"
        return out

    # ------------------------------------------------------------------ per-sample data
    def array_of(self, base) -> str:
        if isinstance(base, sp.IndexedBase):
            return self.name_of(base.label)
        if isinstance(base, (sp.Symbol, sp.MatrixSymbol)):
            return self.name_of(base)
        raise NotPrintable(f"expected an array, got {base}")

    def indexed(self, e, vec) -> str:
        arr = self.name_of(e.base.label)
        idx = e.indices
        if vec is not None and all(i in vec for i in idx):
            return arr if len(idx) == 1 else f"{arr}[{', '.join(':' for _ in idx)}]"
        if all(getattr(i, "is_Integer", False) for i in idx):
            return f"{arr}[{', '.join(str(int(i) - 1) for i in idx)}]"
        raise NotPrintable(f"indexed element {e} outside a sum over its index")

    def reduction(self, e, vec, fn) -> str:
        body = e.function
        limits = list(e.limits)
        if len(limits) != 1:
            # nested limits: Sum(f, (i, ...), (j, ...)) == Sum(Sum(f, (i, ...)), (j, ...))
            inner = type(e)(body, limits[0])
            return self.reduction(type(e)(inner, *limits[1:]), vec, fn)
        i, lo, hi = limits[0]
        arrays = sorted(
            {ix.base.label for ix in body.atoms(sp.Indexed) if i in ix.indices},
            key=lambda s: s.name,
        )
        if not arrays:
            count = self.scalar(hi - lo + 1, vec)
            return f"({count}*{self.scalar(body, vec)})" if fn == "np.sum" else (
                f"({self.scalar(body, vec)}**{count})"
            )
        first = self.name_of(arrays[0])
        if lo != 1:
            raise NotPrintable(f"sum {e} must start at 1 (it runs over whole arrays)")
        if isinstance(hi, sp.Symbol) and hi not in self.dim_source and hi not in self.sum_bounds:
            self.sum_bounds[hi] = f"{first}.shape[0]"
        inner_vec = dict(vec or {})
        inner_vec[i] = True
        code = self.scalar(body, inner_vec)
        if vec:  # an index-free sum inside another vectorised body: hoist it
            return self.temp(f"{fn}({code})")
        return f"{fn}({code})"

    # ------------------------------------------------------------------ matrices
    def matrix(self, e) -> str:
        if e in self.memo:
            return self.memo[e]
        if isinstance(e, (sp.MatAdd, sp.MatMul)) and e.shape[0] != 1:
            shared = self.canon.get(_canonical(e.T))
            if shared is not None:
                code = f"{shared}.T"  # its transpose was computed already: share it
                self.memo[e] = code
                return code
        if (
            isinstance(e, (sp.MatAdd, sp.MatMul))
            and e.shape[0] == 1
            and e.shape[1] != 1
        ):
            # a row vector such as (w.T*X.T - y.T): compute the column X*w - y (shared with
            # any other use of it) and transpose the view
            col = e.T
            code = f"{self._operand(col)}.T"
            self.memo[e] = code
            return code
        code = self._matrix(e)
        self.memo[e] = code
        if isinstance(e, (sp.MatAdd, sp.MatMul)) and code.isidentifier():
            self.canon.setdefault(_canonical(e), code)
        return code

    def _matrix(self, e) -> str:
        if isinstance(e, sp.MatrixSymbol):
            return self.name_of(e)
        if isinstance(e, sp.Identity):
            return self.temp(f"np.eye({self.dim(e.shape[0])})")
        if isinstance(e, (sp.ZeroMatrix, sp.OneMatrix)):
            fn = "np.zeros" if isinstance(e, sp.ZeroMatrix) else "np.ones"
            r, c = e.shape
            if c == 1 or r == 1:  # vectors are 1-D arrays
                return self.temp(f"{fn}({self.dim(r if c == 1 else c)})")
            return self.temp(f"{fn}(({self.dim(r)}, {self.dim(c)}))")
        if isinstance(e, sp.Transpose):
            return f"{self._operand(e.arg)}.T"
        if isinstance(e, sp.MatMul):
            return self.matmul(e)
        if isinstance(e, sp.MatAdd):
            return self.matadd(e)
        if isinstance(e, sp.Inverse) or (isinstance(e, sp.MatPow) and e.exp == -1):
            base = e.arg if isinstance(e, sp.Inverse) else e.base
            # An inverse requested on its own: solve against the identity (still no inv()).
            eye = self.temp(f"np.eye({self.dim(base.shape[0])})")
            return self.solve(base, eye, None)
        if isinstance(e, sp.MatPow) and e.exp.is_Integer and e.exp > 0:
            return self.temp(f"np.linalg.matrix_power({self.matrix(e.base)}, {int(e.exp)})")
        if isinstance(e, sp.HadamardProduct):
            return self.temp(" * ".join(self._operand(a) for a in e.args))
        if isinstance(e, sp.Trace):
            return self.temp(f"np.trace({self.matrix(e.arg)})")
        if isinstance(e, sp.Determinant):
            return self.temp(f"np.linalg.det({self.matrix(e.arg)})")
        if isinstance(e, MatrixElement):
            return f"{self._operand(e.parent)}[{self.scalar(e.i)}, {self.scalar(e.j)}]"
        if isinstance(e, sp.MatrixBase):
            if e.free_symbols:
                rows = [[self.scalar(x) for x in e.row(r)] for r in range(e.rows)]
                body = ", ".join("[" + ", ".join(r) + "]" for r in rows)
                return self.temp(f"np.array([{body}], dtype=float)")
            # a constant: built once when the function is defined, read-only
            values = [repr(float(x)) for x in e]
            if e.cols == 1 or e.rows == 1:  # vectors are 1-D arrays, like the inputs
                body = "[" + ", ".join(values) + "]"
            else:
                body = "[" + ", ".join(
                    "[" + ", ".join(values[r * e.cols:(r + 1) * e.cols]) + "]"
                    for r in range(e.rows)
                ) + "]"
            name = f"_c{len(self.constant_names)}"
            self.constants.append(f"{name} = np.array({body}, dtype=float)")
            self.constants.append(f"{name}.flags.writeable = False")
            self.constant_names.add(name)
            return name
        raise NotPrintable(f"no numpy spelling for {type(e).__name__}: {e}")

    def _operand(self, e) -> str:
        code = self.value(e)
        return code if code.isidentifier() or code.endswith(".T") and code[:-2].isidentifier() else (
            self.temp(code)
        )

    # matrix sums --------------------------------------------------------------
    def matadd(self, e) -> str:
        diag = []  # scalar multiples of the identity
        parts = []
        for term in e.args:
            if isinstance(term, sp.MatMul):
                cm, ml = term.as_coeff_matrices()
                if len(ml) == 1 and isinstance(ml[0], sp.Identity):
                    diag.append(cm)
                    continue
            if isinstance(term, sp.Identity):
                diag.append(sp.Integer(1))
                continue
            if isinstance(term, sp.ZeroMatrix):
                continue
            parts.append(term)
        def negative(term):
            if isinstance(term, sp.MatMul):
                cm = term.as_coeff_matrices()[0]
                return bool(cm.is_number and cm < 0)
            return False

        parts.sort(key=negative)  # positive terms first: a - b rather than -b + a
        code = ""
        for term in parts:
            neg = False
            if isinstance(term, sp.MatMul):
                cm, ml = term.as_coeff_matrices()
                if cm.is_number and cm < 0:
                    neg = True
                    term = sp.MatMul(-cm, *ml) if cm != -1 else (
                        ml[0] if len(ml) == 1 else sp.MatMul(*ml)
                    )
            t = self._operand(term)
            if not code:
                code = f"-{t}" if neg else t
            else:
                code = f"{code} - {t}" if neg else f"{code} + {t}"
        if diag:
            c = self.scalar(sp.Add(*diag))
            base = self.temp(code) if code and not code.isidentifier() else code
            if not base:
                return self.temp(f"{c} * np.eye({self.dim(e.shape[0])})")
            return self.temp(f"_k.add_diag({base}, {c})", "M + c I")
        return self.temp(code)

    # matrix products ------------------------------------------------------------
    def matmul(self, e) -> str:
        coeff, mats = e.as_coeff_matrices()
        flat = []
        for m in mats:
            if isinstance(m, sp.MatMul):
                c2, m2 = m.as_coeff_matrices()
                coeff *= c2
                flat.extend(m2)
            else:
                flat.append(m)
        code = self.chain(flat)
        if coeff == 1:
            return code
        if coeff == -1:
            return self.temp(f"-{code}")
        return self.temp(f"{self.scalar(coeff)} * {code}")

    def chain(self, factors) -> str:
        factors = list(factors)
        for k, f in enumerate(factors):
            inv = f.arg if isinstance(f, sp.Inverse) else (
                f.base if isinstance(f, sp.MatPow) and f.exp == -1 else None
            )
            if inv is None:
                continue
            left, right = factors[:k], factors[k + 1:]
            if right:
                rhs = self.chain(right)
                lsq = self._least_squares_of(inv, right)
                solved = self.solve(inv, rhs, lsq)
            else:  # ... * M^-1 at the end of the chain: solve from the right
                lhs = self.chain(left) if left else None
                if lhs is None:
                    return self.matrix(f)
                return self.temp(f"_k.solve_right({lhs}, {self._operand(inv)})", "A M^-1")
            if not left:
                return solved
            return self._product_of([*left, _Computed(solved, inv.shape[0], right[-1].shape[1])])
        return self._product_of(factors)

    def _product_of(self, factors) -> str:
        if len(factors) == 1:
            f = factors[0]
            return f.code if isinstance(f, _Computed) else self._operand(f)
        order = _chain_order([f.shape for f in factors])
        return self._emit_order(factors, order)

    def _emit_order(self, factors, tree) -> str:
        if isinstance(tree, int):
            f = factors[tree]
            return f.code if isinstance(f, _Computed) else self._operand(f)
        a, b = tree
        # A.T * A (a Gram matrix) and A.T * v: fused kernels
        if isinstance(a, int) and isinstance(b, int):
            fa, fb = factors[a], factors[b]
            if isinstance(fa, sp.Transpose) and not isinstance(fb, _Computed):
                key = (fa, fb)
                if key in self.memo:
                    return self.memo[key]
                code = self._gram_product(fa.arg, fb)
                if code is not None:
                    self.memo[key] = code
                    return code
        leaves = isinstance(a, int) and isinstance(b, int) and not any(
            isinstance(factors[x], _Computed) for x in (a, b)
        )
        key = ("mul", factors[a], factors[b]) if leaves else None
        if key is not None and key in self.memo:
            return self.memo[key]
        code = self._emit_product(factors, a, b)
        if key is not None:
            self.memo[key] = code
        return code

    def _emit_product(self, factors, a, b) -> str:
        left = self._emit_order(factors, a)
        right = self._emit_order(factors, b)
        lshape = (_first(factors, a).shape[0], _last(factors, a).shape[1])
        rshape = (_first(factors, b).shape[0], _last(factors, b).shape[1])
        # column vectors are 1-D arrays, so two shapes need more than `@`:
        if lshape == (1, 1) or rshape == (1, 1):  # a 1 x 1 factor is a scalar
            return self.temp(f"{left} * {right}")
        if lshape[1] == 1 and rshape[0] == 1:  # column times row: the outer product
            return self.temp(f"np.multiply.outer({left}, {right})", "column x row")
        return self.temp(f"{left} @ {right}")

    def _gram_product(self, A, B) -> str | None:
        if not isinstance(A, sp.MatrixSymbol):
            return None
        if B == A and not _is_vector_shape(A.shape):
            v = self.fused.get(A)
            if v is not None:
                return self._fused(A, v)[0]
            return self.temp(f"_k.gram({self.name_of(A)})", f"{A}^T {A} (SYRK)")
        if B != A and self.fused.get(A) == B:
            return self._fused(A, B)[1]
        return None

    def _fused(self, A, v):
        key = ("fused", A, v)
        if key not in self.memo:
            g = f"_t{self.ntemp}"
            b = f"_t{self.ntemp + 1}"
            self.ntemp += 2
            self.lines.append(
                f"{g}, {b} = _k.gram_xy({self.name_of(A)}, {self._operand(v)})"
                f"  # {A}^T {A} and {A}^T {v} in one pass over {A}"
            )
            self.memo[key] = (g, b)
        return self.memo[key]

    # solves ------------------------------------------------------------------------
    def _least_squares_of(self, M, right):
        """(A, v, shift) when M = A.T*A + shift*I and the right factors are A.T, v."""
        A, shift = _gram_parts(M)
        if A is None or len(right) != 2:
            return None
        if not (isinstance(right[0], sp.Transpose) and right[0].arg == A):
            return None
        return A, right[1], shift

    def solve(self, M, rhs: str, lsq) -> str:
        kind = positive_definite_by_construction(M)
        if not kind and isinstance(M, sp.MatrixSymbol) and M.name in self.options.get("assumed_pd", ()):
            kind = "assumed positive definite"  # Cholesky; an indefinite input is refused
        if kind:
            mcode = self._operand(M)
            limit = self.options.get("cond_limit")
            args = [mcode, rhs]
            if lsq is not None:
                A, v, shift = lsq
                s = "0.0" if shift == 0 else self.scalar(shift)
                args.append(f"lsq=({self.name_of(A)}, {self._operand(v)}, {s})")
            if limit is not None:
                args.append(f"cond_limit={float(limit)!r}")
            if lsq is not None and self.options.get("fallback_arg"):
                args.append("fallback=fallback")  # a keyword of the generated function
            what = "X^T X" if lsq and lsq[2] == 0 else ("X^T X + lam I" if lsq else (
                M.name if isinstance(M, sp.MatrixSymbol) else "M"))
            args.append(f"what={what!r}")
            return self.temp(f"_k.solve_pd({', '.join(args)})", f"Cholesky solve ({kind})")
        return self.temp(f"_k.solve({self._operand(M)}, {rhs})", "LU solve")


def _first(factors, tree):
    while not isinstance(tree, int):
        tree = tree[0]
    return factors[tree]


def _last(factors, tree):
    while not isinstance(tree, int):
        tree = tree[1]
    return factors[tree]


class _Computed:
    """An already-emitted matrix value inside a chain."""

    def __init__(self, code, rows, cols):
        self.code = code
        self.shape = (rows, cols)


_FUNCTIONS = {
    "log": "np.log",
    "exp": "np.exp",
    "Abs": "np.abs",
    "sign": "np.sign",
    "sqrt": "np.sqrt",
    "sin": "np.sin",
    "cos": "np.cos",
    "tanh": "np.tanh",
    "floor": "np.floor",
    "ceiling": "np.ceil",
    "loggamma": "_k.loggamma",
    "gamma": "_k.gamma",
    "factorial": "_k.factorial",
    "erf": "_k.erf",
}


#: The scalar target: Python floats in a tight loop (no numpy call overhead).
_MATH_FUNCTIONS = {
    "log": "math.log",
    "exp": "math.exp",
    "Abs": "abs",
    "sign": "_k.sign",
    "sqrt": "math.sqrt",
    "sin": "math.sin",
    "cos": "math.cos",
    "tanh": "math.tanh",
    "floor": "math.floor",
    "ceiling": "math.ceil",
    "loggamma": "math.lgamma",
    "gamma": "math.gamma",
    "erf": "math.erf",
}


def generate(expr, name: str = "solver", inputs=None, options=None) -> Program:
    """Print `expr` (SymPy) as the source of a Python function `name`.

    `inputs` fixes the argument order (names as printed); by default data come first
    (X, y, x), then matrices and vectors, then scalars, alphabetically.
    """
    options = dict(options or {})
    fname = python_name(name)
    if isinstance(expr, sp.Equality):
        if not isinstance(expr.lhs, (sp.Symbol, sp.MatrixSymbol, sp.Indexed)):
            raise NotPrintable(
                f"{expr} is an equation between expressions, not a formula for one quantity"
            )
        expr = expr.rhs  # Eq(w, formula): the formula computes w
    if isinstance(expr, (tuple, list)):
        expr = sp.Tuple(*expr)  # several results from one function, sharing subexpressions
    if isinstance(expr, sp.logic.boolalg.Boolean) and not _is_matrix(expr):
        raise NotPrintable(f"{expr} is a statement (true or false), not a quantity to compute")
    if isinstance(expr, sp.Basic) and expr.atoms(sp.Derivative):
        raise NotPrintable(f"{expr} contains an unevaluated derivative")
    expr = sp.sympify(expr, strict=True) if not isinstance(expr, sp.Basic) else expr
    mats, arrays, scalars = free_inputs(expr)

    p = _Printer(expr, options)
    # sizes come from the shapes of matrix inputs
    ordered_mats = _order_inputs(mats)
    dim_sources = {}
    checks = []
    for m in ordered_mats:
        mname = p.name_of(m)
        rows, cols = m.shape
        vector = cols == 1
        for axis, dsym in enumerate((rows,) if vector else (rows, cols)):
            if isinstance(dsym, sp.Symbol):
                src = f"{mname}.shape[{axis}]"
                if dsym in dim_sources:
                    checks.append((f"{src} != {dim_sources[dsym]}", mname, axis, dsym))
                else:
                    dim_sources[dsym] = src
    p.dim_source = dict(dim_sources)
    _bind_sum_bounds(p, expr)
    dims = set(dim_sources)
    scalar_inputs = [s for s in scalars if s not in dims]
    p.fused = _scan_fusions(expr)
    body = p.run()

    # sizes bound from IndexedBase lengths (sums over whole arrays)
    for s, src in p.sum_bounds.items():
        if s in scalar_inputs:
            scalar_inputs.remove(s)
    all_inputs = ordered_mats + _order_inputs(arrays) + _order_inputs(scalar_inputs)
    in_names = list(dict.fromkeys(p.name_of(o) for o in all_inputs))
    if inputs is not None:
        inputs = tuple(inputs)
        if sorted(inputs) != sorted(in_names):
            raise ValueError(f"inputs {inputs} do not match the expression's inputs {tuple(in_names)}")
        in_names = list(inputs)
    vectors = tuple(p.name_of(m) for m in ordered_mats if m.shape[1] == 1)

    out = list(p.constants)
    params = list(in_names)
    if any("fallback=fallback" in line for line in p.lines):
        params.append("fallback=None")
    out.append(f"def {fname}({', '.join(params)}):")
    out.append(f"    # generated by derive.codegen from: {_one_line(expr)}")
    for m in ordered_mats:
        mname = p.name_of(m)
        if m.shape[1] == 1:
            out.append(f"    {mname} = _k.as_vector({mname}, {mname!r})")
        else:
            out.append(f"    {mname} = _k.as_matrix({mname}, {mname!r})")
    mat_names = {p.name_of(m) for m in ordered_mats}
    for a in _order_inputs(arrays):
        aname = p.name_of(a)
        if aname not in mat_names:
            out.append(f"    {aname} = _k.as_array({aname})")
    for cond, mname, axis, dsym in checks:
        out.append(f"    if {cond}:")
        out.append(
            f"        raise ValueError(_k.shape_message({mname!r}, {mname}, {axis}, "
            f"{p.name_of(dsym)!r}, {dim_sources[dsym]}))"
        )
    for (aname, hi), _ in p.sum_arrays.items():
        src = p.sum_bounds.get(hi)
        if src and src != f"{aname}.shape[0]":
            out.append(f"    if {aname}.shape[0] != {src}:")
            out.append(
                f"        raise ValueError(_k.length_message({aname!r}, {aname}, "
                f"{src.split('.')[0]!r}, {src}))"
            )
    for s in sorted(p.used_dims, key=lambda s: s.name):
        src = dim_sources.get(s) or p.sum_bounds.get(s)
        out.append(f"    {p.name_of(s)} = {src}")
    out.extend("    " + line for line in p.lines)
    out.append(f"    return {body}")
    source = "\n".join(out) + "\n"
    return Program(fname, source, tuple(in_names), expr, vectors)


def _bind_sum_bounds(p, expr) -> None:
    """Sum(f(x[i]), (i, 1, n)) runs over the whole array x: n is read off x's length."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            for i, lo, hi in node.limits:
                arrays = sorted(
                    {ix.base.label for ix in node.function.atoms(sp.Indexed) if i in ix.indices},
                    key=lambda s: s.name,
                )
                if arrays and isinstance(hi, sp.Symbol) and hi not in p.dim_source:
                    p.sum_bounds.setdefault(hi, f"{p.name_of(arrays[0])}.shape[0]")
                    for a in arrays:
                        p.sum_arrays.setdefault((p.name_of(a), hi), None)


def _one_line(expr) -> str:
    text = " ".join(str(expr).split())
    return text if len(text) < 200 else text[:197] + "..."
