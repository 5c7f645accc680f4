"""Derivations as JSON, and back to SymPy objects without eval.

`derivation_json(d)` writes every field of a derivation, each step's LaTeX and a structured
expression tree; `derivation_from_json(obj)` reads it back into SymPy objects and
`load_derivation(obj)` into a `Derivation`. The format is written down in
`derive/render/FORMAT.md`.

Reading never evaluates text: no sympify, srepr or parse_expr. Each node names its SymPy class
from a fixed whitelist and the decoder calls that class's constructor (unevaluated where SymPy
allows it) on decoded arguments, so the rebuilt objects are structurally equal (``==``) to the
ones written. An unknown node type is an error that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction

FORMAT = "derive.derivation"
EXPORT_FORMAT = "derive.export"
VERSION = 1
MAX_DEPTH = 200
MAX_MATRIX_ENTRIES = 100_000


class FormatError(ValueError):
    """The JSON does not follow the format (an unknown node type, a missing field...)."""


class UnsupportedNode(TypeError):
    """A SymPy object whose type the format does not cover."""


# --- the whitelist ----------------------------------------------------------------------------

# node name -> how to rebuild it from decoded args (a SymPy constructor, never eval)
def _unevaluated(cls):
    return lambda args: cls(*args, evaluate=False)


def _plain(cls):
    return lambda args: cls(*args)


def _relation(cls):
    return lambda args: cls(args[0], args[1], evaluate=False)


def _assoc(cls):
    # Add, Mul, MatAdd, MatMul: keep the argument order exactly as written
    return lambda args: cls(*args, evaluate=False)


def _build_table() -> dict[str, tuple[type, Any]]:
    M = sp.matrices.expressions
    table: dict[str, tuple[type, Any]] = {}

    def add(cls, build=None, name=None):
        table[name or cls.__name__] = (cls, build or _unevaluated(cls))

    for cls in (sp.Add, sp.Mul, M.MatAdd, M.MatMul):
        add(cls, _assoc(cls))
    add(sp.Pow)
    add(M.MatPow, lambda a: M.MatPow(a[0], a[1], evaluate=False))
    for cls in (sp.exp, sp.log, sp.Abs, sp.sign, sp.Max, sp.Min, sp.KroneckerDelta, sp.factorial,
                sp.gamma, sp.loggamma, sp.binomial, sp.Heaviside, sp.floor, sp.ceiling, sp.sin,
                sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.asin, sp.acos, sp.atan, sp.erf,
                sp.re, sp.im, sp.conjugate, sp.Mod, sp.DiracDelta, sp.polygamma, sp.digamma,
                sp.LambertW):
        add(cls)
    for cls in (sp.Equality, sp.Unequality, sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan,
                sp.GreaterThan):
        add(cls, _relation(cls))
    for cls in (sp.And, sp.Or, sp.Not, sp.Xor, sp.Implies, sp.Equivalent):
        add(cls, _plain(cls))
    for cls in (sp.Sum, sp.Product, sp.Integral, sp.Tuple, sp.Lambda, sp.Derivative):
        add(cls, _plain(cls) if cls is not sp.Derivative
            else (lambda a: sp.Derivative(*a, evaluate=False)))
    add(sp.Piecewise, lambda a: sp.Piecewise(*a, evaluate=False))
    from sympy.functions.elementary.piecewise import ExprCondPair

    add(ExprCondPair, lambda a: ExprCondPair(*a))
    add(sp.Indexed, _plain(sp.Indexed))
    add(sp.IndexedBase, lambda a: sp.IndexedBase(a[0]) if len(a) == 1 else sp.IndexedBase(a[0], shape=a[1]))
    add(sp.Idx, _plain(sp.Idx))
    add(sp.MatrixSymbol, _plain(sp.MatrixSymbol))
    from sympy.matrices.expressions.matexpr import MatrixElement

    for cls in (M.Transpose, M.Inverse, M.Adjoint, M.Trace, M.Determinant, M.Identity, M.ZeroMatrix,
                M.OneMatrix, M.HadamardProduct, M.HadamardPower, MatrixElement, M.DiagMatrix,
                M.DiagonalMatrix, M.KroneckerProduct):
        add(cls, _plain(cls))
    add(sp.UnevaluatedExpr, _plain(sp.UnevaluatedExpr))
    add(M.MatrixSlice, _plain(M.MatrixSlice))
    for cls in (sp.Interval, sp.FiniteSet, sp.Union, sp.Intersection, sp.Complement, sp.ProductSet):
        add(cls, _plain(cls))
    add(sp.Contains, lambda a: sp.Contains(*a, evaluate=False))
    from derive.core import expectation  # E[.], Var[.] and their laws

    for cls in expectation.NODES:
        add(cls, _plain(cls))
    return table


_TABLE: dict[str, tuple[type, Any]] | None = None
_SINGLETONS = {
    "Pi": sp.pi, "Exp1": sp.E, "ImaginaryUnit": sp.I, "Infinity": sp.oo,
    "NegativeInfinity": -sp.oo, "ComplexInfinity": sp.zoo, "NaN": sp.nan,
    "EulerGamma": sp.EulerGamma, "GoldenRatio": sp.GoldenRatio, "Catalan": sp.Catalan,
    "BooleanTrue": sp.true, "BooleanFalse": sp.false, "EmptySet": sp.S.EmptySet,
    "Reals": sp.S.Reals, "Integers": sp.S.Integers, "Naturals": sp.S.Naturals,
    "Naturals0": sp.S.Naturals0, "UniversalSet": sp.S.UniversalSet,
}


def _table() -> dict[str, tuple[type, Any]]:
    global _TABLE
    if _TABLE is None:
        _TABLE = _build_table()
    return _TABLE


def node_types() -> list[str]:
    """Every node type the format knows, sorted."""
    special = ["Symbol", "Dummy", "Integer", "Rational", "Float", "Str", "Function",
               "FunctionClass", "Matrix", "Catalog"]
    return sorted(set(special) | set(_SINGLETONS) | set(_table()))


# --- encoding ---------------------------------------------------------------------------------


def _assumptions(obj) -> dict[str, bool]:
    orig = getattr(obj, "_assumptions_orig", None)
    if orig is None:
        orig = obj.assumptions0
    return {k: bool(v) for k, v in sorted(orig.items()) if v is not None}


def encode_expr(expr) -> dict:
    """A SymPy object as a JSON-ready node tree (see FORMAT.md)."""
    if isinstance(expr, sp.MatrixBase):
        m = sp.ImmutableMatrix(expr)
        return {"node": "Matrix", "rows": int(m.rows), "cols": int(m.cols),
                "entries": [encode_expr(e) for e in m]}
    if not isinstance(expr, sp.Basic):
        raise UnsupportedNode(f"cannot encode {type(expr).__name__!r} ({expr!r}): not a SymPy object")
    name = type(expr).__name__
    if isinstance(expr, sp.Dummy):
        return {"node": "Dummy", "name": expr.name, "dummy_index": expr.dummy_index,
                "assumptions": _assumptions(expr)}
    if isinstance(expr, sp.Symbol) and type(expr) is sp.Symbol:
        return {"node": "Symbol", "name": expr.name, "assumptions": _assumptions(expr)}
    if isinstance(expr, sp.Integer):
        return {"node": "Integer", "value": _digits(int(expr))}
    if isinstance(expr, sp.Rational):
        return {"node": "Rational", "p": _digits(expr.p), "q": _digits(expr.q)}
    if isinstance(expr, sp.Float):
        sign, man, exp, bc = expr._mpf_
        return {"node": "Float", "value": str(expr), "precision": expr._prec,
                "mpf": [sign, hex(man), exp, bc]}
    if name in _SINGLETONS and expr is _SINGLETONS[name]:
        return {"node": name}
    if isinstance(expr, sp.core.symbol.Str):
        return {"node": "Str", "value": expr.name}
    if isinstance(expr, AppliedUndef):
        return {"node": "Function", "name": expr.func.__name__,
                "assumptions": {k: bool(v) for k, v in sorted(expr.func._kwargs.items())},
                "args": [encode_expr(a) for a in expr.args]}
    if isinstance(expr, UndefinedFunction):
        return {"node": "FunctionClass", "name": expr.__name__,
                "assumptions": {k: bool(v) for k, v in sorted(expr._kwargs.items())}}
    if type(expr).__module__.startswith(CATALOG_PREFIX):
        return _encode_catalog(expr)
    entry = _table().get(name)
    if entry is None or type(expr) is not entry[0]:
        raise UnsupportedNode(
            f"cannot encode SymPy node type {name!r} ({type(expr).__module__}.{name}); "
            f"the format covers: {', '.join(node_types())}"
        )
    return {"node": name, "args": [encode_expr(a) for a in expr.args]}


CATALOG_PREFIX = "derive.catalog."


def _encode_catalog(expr) -> dict:
    """A class defined in the catalogue (e.g. sigmoid, Median): named by module and class."""
    cls = type(expr)
    out = {"node": "Catalog", "module": cls.__module__, "class": cls.__name__}
    if isinstance(expr, sp.Symbol):
        out.update(name=expr.name, assumptions=_assumptions(expr))
    else:
        out["args"] = [encode_expr(a) for a in expr.args]
    return out


def _decode_catalog(obj, sub):
    import importlib
    import re

    module, name = _field(obj, "module", str), _field(obj, "class", str)
    if not re.fullmatch(r"derive\.catalog\.[a-z_][a-z0-9_]*", module) or not name.isidentifier():
        raise FormatError(f"Catalog node: {module}.{name} is not a class of derive.catalog")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise FormatError(f"Catalog node: no class {name!r} in {module}") from exc
    if not (isinstance(cls, type) and issubclass(cls, sp.Basic) and cls.__module__ == module):
        raise FormatError(f"Catalog node: {module}.{name} is not a SymPy class defined there")
    if issubclass(cls, sp.Symbol):
        return cls(_field(obj, "name", str), **_check_assumptions(obj.get("assumptions", {}), "Catalog"))
    args = [sub(a) for a in _field(obj, "args", list)]
    if issubclass(cls, sp.Function):
        return cls(*args, evaluate=False)
    return cls(*args)


def encode_value(value) -> Any:
    """Any field value: JSON scalars as they are, tuples as arrays, SymPy objects as nodes,
    mappings as {"map": [[key, value], ...]}."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (sp.Basic, sp.MatrixBase)) or isinstance(value, UndefinedFunction):
        return encode_expr(value)
    if isinstance(value, (tuple, list)):
        return [encode_value(v) for v in value]
    if isinstance(value, Mapping):
        return {"map": [[encode_value(k), encode_value(v)] for k, v in value.items()]}
    raise UnsupportedNode(f"cannot encode a value of type {type(value).__name__!r}: {value!r}")


# --- decoding ---------------------------------------------------------------------------------


def _check_assumptions(raw, where: str) -> dict[str, bool]:
    from sympy.core.assumptions import _assume_defined

    if not isinstance(raw, dict):
        raise FormatError(f"{where}: assumptions must be an object, got {type(raw).__name__}")
    for key, val in raw.items():
        if key not in _assume_defined:
            raise FormatError(f"{where}: unknown assumption {key!r}")
        if not isinstance(val, bool):
            raise FormatError(f"{where}: assumption {key!r} must be true or false")
    return raw


def _field(obj: dict, key: str, kind=None):
    if key not in obj:
        raise FormatError(f"node {obj.get('node')!r} lacks the field {key!r}")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        raise FormatError(f"node {obj.get('node')!r}: field {key!r} must be {kind.__name__}")
    return value


MAX_DIGITS = 10_000
_CHUNK = 4_000  # below Python's int <-> str conversion limit (4,300 digits)
# Float nodes: binary precision in bits, and the binary exponent, within these bounds
FLOAT_PRECISION = (1, 4_096)
FLOAT_EXPONENT = 1 << 20


def _int(text, what: str) -> int:
    """A decimal integer string (or a JSON integer) of at most MAX_DIGITS digits."""
    if isinstance(text, int) and not isinstance(text, bool):
        if abs(text) >= 10 ** MAX_DIGITS:
            raise FormatError(f"{what} has more than {MAX_DIGITS} digits")
        return text
    if not isinstance(text, str):
        raise FormatError(f"{what} must be a decimal integer string, got {type(text).__name__}")
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise FormatError(f"{what} must be a decimal integer string, got {text[:40]!r}")
    if len(digits) > MAX_DIGITS:
        raise FormatError(f"{what} has {len(digits)} digits; the format allows at most {MAX_DIGITS}")
    value = 0
    for start in range(0, len(digits), _CHUNK):
        chunk = digits[start:start + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return -value if text.startswith("-") else value


def _digits(value: int) -> str:
    """The decimal string of an integer of any size (Python's str() stops at 4,300 digits)."""
    if abs(value) < 10 ** _CHUNK:
        return str(value)
    sign, value = ("-" if value < 0 else ""), abs(value)
    chunks = []
    while value:
        value, low = divmod(value, 10 ** _CHUNK)
        chunks.append(low)
    head, *rest = reversed(chunks)
    return sign + str(head) + "".join(str(c).zfill(_CHUNK) for c in rest)


def _bounded(value, low: int, high: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FormatError(f"{what} must be an integer from {low} to {high}, got {value!r:.40}")
    return value


def _decode_float(obj) -> sp.Float:
    """A Float from its exact binary value, every part checked (mpmath loops on a precision <= 0)."""
    mpf = _field(obj, "mpf", list)
    if len(mpf) != 4:
        raise FormatError("Float mpf must be [sign, mantissa, exponent, bitcount]")
    sign, man, exp, bc = mpf
    precision = _bounded(_field(obj, "precision"), *FLOAT_PRECISION, "Float precision (bits)")
    sign = _bounded(sign, 0, 1, "Float sign")
    if not isinstance(man, str) or not man.startswith("0x") or len(man) > precision // 4 + 3:
        raise FormatError(f"Float mantissa must be a hex string of at most {precision} bits, got {man!r:.40}")
    try:
        mantissa = int(man, 16)
    except ValueError as exc:
        raise FormatError(f"Float mantissa must be a hex string, got {man!r:.40}") from exc
    exp = _bounded(exp, -FLOAT_EXPONENT, FLOAT_EXPONENT, "Float exponent")
    if _bounded(bc, 0, precision, "Float bitcount") != mantissa.bit_length():
        raise FormatError(f"Float bitcount {bc} does not match the mantissa ({mantissa.bit_length()} bits)")
    if mantissa == 0:  # Float._new turns a zero mantissa into the Integer 0
        return sp.Float(0, precision=precision)
    return sp.Float._new((sign, mantissa, exp, bc), precision)


def decode_expr(obj, _depth: int = 0):
    """A node tree back to the SymPy object (no eval: a whitelist of constructors)."""
    if _depth > MAX_DEPTH:
        raise FormatError(f"expression nested deeper than {MAX_DEPTH} levels")
    if not isinstance(obj, dict) or not isinstance(obj.get("node"), str):
        raise FormatError(f"expected an expression node (an object with a 'node' field), got {obj!r:.80}")
    node = obj["node"]
    sub = lambda o: decode_expr(o, _depth + 1)
    if node == "Symbol":
        return sp.Symbol(_field(obj, "name", str), **_check_assumptions(obj.get("assumptions", {}), node))
    if node == "Dummy":
        return sp.Dummy(_field(obj, "name", str), dummy_index=_int(_field(obj, "dummy_index"), "dummy_index"),
                        **_check_assumptions(obj.get("assumptions", {}), node))
    if node == "Integer":
        return sp.Integer(_int(_field(obj, "value"), "Integer value"))
    if node == "Rational":
        p, q = _int(_field(obj, "p"), "Rational p"), _int(_field(obj, "q"), "Rational q")
        if q == 0:
            raise FormatError("Rational q must not be 0")
        return sp.Rational(p, q)
    if node == "Float":
        return _decode_float(obj)
    if node in _SINGLETONS:
        return _SINGLETONS[node]
    if node == "Str":
        return sp.core.symbol.Str(_field(obj, "value", str))
    if node == "Function":
        f = sp.Function(_field(obj, "name", str), **_check_assumptions(obj.get("assumptions", {}), node))
        return f(*[sub(a) for a in _field(obj, "args", list)])
    if node == "FunctionClass":
        return sp.Function(_field(obj, "name", str), **_check_assumptions(obj.get("assumptions", {}), node))
    if node == "Catalog":
        return _decode_catalog(obj, sub)
    if node == "Matrix":
        rows, cols = (_bounded(_field(obj, k), 0, MAX_MATRIX_ENTRIES, f"Matrix {k}") for k in ("rows", "cols"))
        entries = [sub(e) for e in _field(obj, "entries", list)]
        if len(entries) != rows * cols:
            raise FormatError(f"Matrix {rows}x{cols} needs {rows * cols} entries, got {len(entries)}")
        return sp.ImmutableMatrix(rows, cols, entries)
    entry = _table().get(node)
    if entry is None:
        raise FormatError(f"unknown node type {node!r}; known types: {', '.join(node_types())}")
    args = [sub(a) for a in _field(obj, "args", list)]
    try:
        return entry[1](args)
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"cannot rebuild {node} from its arguments: {exc}") from exc


def decode_value(value, where: str = "value", _depth: int = 0, *, labels: bool = False):
    """A mathematical value: a node, a JSON number or boolean, an array or a map of such values.

    Strings and maps are refused unless `labels` (the extras a program imports may hold text such
    as table column names, and maps): an expression is always a node tree, so no text read from
    a file can reach SymPy's string parser (which evaluates Python) when the value is used later.
    """
    if _depth > MAX_DEPTH:
        raise FormatError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        return _int(value, where)
    if isinstance(value, str):
        if labels:
            return value
        raise FormatError(
            f"{where}: expected an expression node, got the string {value[:60]!r}; expressions are "
            "node trees ({\"node\": ...}, see derive/render/FORMAT.md), never text to parse"
        )
    if isinstance(value, list):
        return tuple(decode_value(v, where, _depth + 1, labels=labels) for v in value)
    if isinstance(value, dict):
        if "node" in value:
            return decode_expr(value, _depth)
        pairs = value.get("map")
        if isinstance(pairs, list) and len(value) == 1 and not labels:
            raise FormatError(
                f"{where}: expected an expression, got a map (maps belong only in sizes and extras)"
            )
        if isinstance(pairs, list) and len(value) == 1:
            out = {}
            for pair in pairs:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise FormatError(f"{where}: a map entry must be a [key, value] pair, got {pair!r:.60}")
                # a key may be a label ("positive"): it names an entry and is never parsed
                key = pair[0] if isinstance(pair[0], str) else decode_value(pair[0], where, _depth + 1)
                try:
                    out[key] = decode_value(pair[1], where, _depth + 1, labels=labels)
                except TypeError as exc:  # an unhashable key
                    raise FormatError(f"{where}: a map key must be an expression or a number") from exc
            return out
    raise FormatError(f"{where}: cannot decode the value {value!r:.80}")


def _text(obj: dict, key: str, where: str, default=None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise FormatError(f"{where}: field {key!r} must be a string, got {type(value).__name__}")
    return value


def _texts(obj: dict, key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{where}: field {key!r} must be an array of strings")
    return tuple(value)


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise FormatError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _array(value, where: str) -> list:
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected an array, got {type(value).__name__}")
    return value


def _expression(obj: dict, key: str, where: str, *, optional: bool = False):
    """A field that must hold an expression node (or null where optional)."""
    if key not in obj and not optional:
        raise FormatError(f"{where}: lacks the field {key!r}")
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise FormatError(f"{where}: field {key!r} must be an expression, got null")
    return decode_value(value, f"{where}.{key}")


def _lhs(value, where: str):
    """A step's left side is a LaTeX string for display (never parsed) or an expression."""
    if value is None or isinstance(value, str):
        return value
    return decode_value(value, where)


def _order(value, where: str):
    if value is None:
        return None
    return _bounded(value, 0, 64, where)


def _cites(value, index: int, where: str) -> tuple[int, ...]:
    """Indices of earlier steps (negative ones count back from this step)."""
    items = _array(value, where)
    return tuple(_bounded(k, -index, max(index - 1, 0), f"{where} (an earlier step)") for k in items)


def _substitution(value, where: str) -> dict:
    """A map from expressions to expressions (never labels: both sides reach the checker)."""
    if value is None:
        return {}
    pairs = _object(value, where).get("map")
    if not isinstance(pairs, list) or len(value) != 1:
        raise FormatError(f"{where}: expected {{\"map\": [[expression, expression], ...]}}")
    out = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise FormatError(f"{where}: a map entry must be a [key, value] pair, got {pair!r:.60}")
        key, val = (decode_value(v, where) for v in pair)
        if not isinstance(key, sp.Basic) or not isinstance(val, sp.Basic):
            raise FormatError(f"{where}: both sides of a substitution must be expressions")
        out[key] = val
    return out


def _sizes(value, where: str) -> dict:
    sizes = decode_value(value if value is not None else {"map": []}, where, labels=True)
    if not isinstance(sizes, dict):
        raise FormatError(f"{where}: expected a map from symbols to tuples of sizes")
    for key, dims in sizes.items():
        if not isinstance(key, sp.Basic) or not isinstance(dims, tuple) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 64 for n in dims
        ):
            raise FormatError(f"{where}: sizes map an expression to integers from 1 to 64, got {key!r:.40}: {dims!r:.40}")
    return sizes


# --- derivations ------------------------------------------------------------------------------


def _latex(value) -> str | None:
    from derive.render.latex import expression_latex

    if isinstance(value, (sp.Basic, sp.MatrixBase, str)):
        return expression_latex(value)
    return None


def _verdict(v) -> dict:
    return {"status": v.status, "method": v.method, "detail": v.detail}


def derivation_json(d, report=None) -> dict:
    """Every field of the derivation as JSON-ready data; with a report, the check verdicts."""
    from derive.catalog import TOPICS

    steps = []
    verdicts = {s.index: s.verdict for s in report.steps} if report is not None else {}
    for index, step in enumerate(d.steps):
        entry = {
            "index": index,
            "relation": step.relation.value,
            "reason": step.reason,
            "source": step.source,
            "latex": _latex(step.expr),
            "expr": encode_value(step.expr),
            "lhs": encode_value(step.lhs),
            "lhs_latex": _latex(step.lhs) if step.lhs is not None else None,
            "wrt": encode_value(step.wrt),
            "alpha": encode_value(step.alpha),
            "beta": encode_value(step.beta),
            "factor": encode_value(step.factor),
            "order": encode_value(step.order),
            "small": encode_value(step.small),
            "uses": list(step.uses),
            "cites": list(step.cites),
        }
        if index in verdicts:
            entry["check"] = _verdict(verdicts[index])
        steps.append(entry)
    out = {
        "format": FORMAT,
        "version": VERSION,
        "id": d.id,
        "title": d.title,
        "statement": d.statement,
        "topic": d.topic,
        "topic_title": TOPICS.get(d.topic, d.topic),
        "assumptions": [
            {"kind": a.kind, "subject": encode_value(a.subject), "text": a.text,
             "latex": _latex(a.subject)}
            for a in d.assumptions
        ],
        "steps": steps,
        "result": encode_value(d.result),
        "result_latex": _latex(d.result),
        "claim": encode_value(d.claim),
        "claim_latex": _latex(d.claim),
        "variables": encode_value(d.variables),
        "extras": {name: {"value": encode_value(v), "latex": _latex(v)} for name, v in d.extras.items()},
        "references": list(d.references),
        "sizes": encode_value(d.sizes),
        "result_substitution": encode_value(d.result_substitution),
    }
    if report is not None:
        out["check"] = {"ok": report.ok, "decided": report.decided, "counts": dict(report.counts)}
    return out


def derivation_from_json(obj: dict) -> dict:
    """The SymPy objects of a derivation written by `derivation_json`: a dict with the fields of
    `Derivation` (steps as `Step`, assumptions as `Assumption`), no eval anywhere.

    Every field is checked against the format: an expression field holds a node tree (never a
    string), numbers lie within documented bounds, and anything else is a `FormatError` that
    names the field.
    """
    from derive.core.derivation import Assumption, Relation, Step

    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        got = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise FormatError(f"not a derivation: expected format {FORMAT!r}, got {got!r:.60}")
    if obj.get("version") != VERSION:
        raise FormatError(f"unsupported version {obj.get('version')!r:.20}; this reader knows {VERSION}")
    ident = _text(obj, "id", "derivation")
    here = f"derivation {ident!r}"
    relations = {r.value: r for r in Relation}
    steps = []
    for index, raw in enumerate(_array(obj.get("steps"), f"{here}: steps")):
        where = f"{here}, step {index}"
        raw = _object(raw, where)
        relation = _text(raw, "relation", where)
        if relation not in relations:
            raise FormatError(f"{where}: unknown relation {relation!r:.40}; known: {', '.join(relations)}")
        steps.append(Step(
            expr=_expression(raw, "expr", where),
            relation=relations[relation],
            reason=_text(raw, "reason", where),
            source=_text(raw, "source", where, ""),
            lhs=_lhs(raw.get("lhs"), f"{where}.lhs"),
            wrt=decode_value(_array(raw.get("wrt", []), f"{where}.wrt"), f"{where}.wrt"),
            alpha=_expression(raw, "alpha", where, optional=True),
            beta=_expression(raw, "beta", where, optional=True),
            factor=_expression(raw, "factor", where, optional=True),
            order=_order(raw.get("order"), f"{where}.order"),
            small=_expression(raw, "small", where, optional=True),
            uses=_texts(raw, "uses", where),
            cites=_cites(raw.get("cites", []), index, f"{where}.cites"),
        ))
    assumptions = []
    for index, raw in enumerate(_array(obj.get("assumptions", []), f"{here}: assumptions")):
        where = f"{here}, assumption {index}"
        raw = _object(raw, where)
        kind = _text(raw, "kind", where)
        if kind not in Assumption.KINDS:
            raise FormatError(f"{where}: unknown kind {kind!r:.40}; known: {', '.join(Assumption.KINDS)}")
        assumptions.append(Assumption(kind, _expression(raw, "subject", where), _text(raw, "text", where)))
    extras = {}
    for name, entry in _object(obj.get("extras", {}), f"{here}: extras").items():
        where = f"{here}, extra {name!r}"
        extras[name] = decode_value(_object(entry, where).get("value"), where, labels=True)
    if not steps:
        raise FormatError(f"{here}: has no steps")
    return {
        "id": ident,
        "title": _text(obj, "title", here),
        "statement": _text(obj, "statement", here),
        "topic": _text(obj, "topic", here),
        "assumptions": tuple(assumptions),
        "steps": tuple(steps),
        "result": _expression(obj, "result", here, optional=True),
        "claim": _expression(obj, "claim", here, optional=True),
        "variables": decode_value(_array(obj.get("variables", []), f"{here}: variables"), f"{here}.variables"),
        "extras": extras,
        "references": _texts(obj, "references", here),
        "sizes": _sizes(obj.get("sizes"), f"{here}.sizes"),
        "result_substitution": _substitution(obj.get("result_substitution"), f"{here}.result_substitution"),
    }


def load_derivation(obj: dict):
    """A `Derivation` rebuilt from its JSON (see `derivation_from_json`)."""
    from derive.core.derivation import Derivation

    fields = derivation_from_json(obj)
    try:
        return Derivation(**fields)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"derivation {fields['id']!r}: {exc}") from exc


def load_export(source) -> dict:
    """{id: Derivation} from a file written by `derive export`: a path, or the parsed JSON object.

    Reading a shared export is as safe as reading a document: no text in it is evaluated, and a
    malformed file is a `FormatError` saying where, never a crash deep inside SymPy later.
    """
    import json
    import os

    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            with open(path, encoding="utf-8") as handle:
                source = json.load(handle)
        except FileNotFoundError as exc:
            raise FormatError(f"{path}: no such file (expected a JSON file written by `derive export`)") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: cannot read it: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise FormatError(f"{path}: not JSON ({exc}); expected a file written by `derive export`") from exc
    if not isinstance(source, dict) or source.get("format") != EXPORT_FORMAT:
        got = source.get("format") if isinstance(source, dict) else type(source).__name__
        raise FormatError(f"not a derive export: expected format {EXPORT_FORMAT!r}, got {got!r:.60}")
    out = {}
    for index, entry in enumerate(_array(source.get("derivations", []), "derivations")):
        d = load_derivation(_object(entry, f"derivation {index}"))
        out[d.id] = d
    return out
