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
        return {"node": "Integer", "value": str(int(expr))}
    if isinstance(expr, sp.Rational):
        return {"node": "Rational", "p": str(expr.p), "q": str(expr.q)}
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


def _int(text, what: str) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str) or not text.lstrip("-").isdigit() or len(text) > 10000:
        raise FormatError(f"{what} must be a decimal integer string, got {text!r}")
    return int(text)


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
        return sp.Rational(_int(_field(obj, "p"), "p"), _int(_field(obj, "q"), "q"))
    if node == "Float":
        mpf = _field(obj, "mpf", list)
        if len(mpf) != 4:
            raise FormatError("Float mpf must be [sign, mantissa, exponent, bitcount]")
        sign, man, exp, bc = mpf
        try:
            mantissa = int(man, 16)
        except (TypeError, ValueError) as exc:
            raise FormatError(f"Float mantissa must be a hex string, got {man!r}") from exc
        return sp.Float._new((int(sign), mantissa, int(exp), int(bc)), int(_field(obj, "precision")))
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
        rows, cols = _int(_field(obj, "rows"), "rows"), _int(_field(obj, "cols"), "cols")
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


def decode_value(value, _depth: int = 0):
    if _depth > MAX_DEPTH:
        raise FormatError(f"value nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return tuple(decode_value(v, _depth + 1) for v in value)
    if isinstance(value, dict):
        if "node" in value:
            return decode_expr(value, _depth)
        if "map" in value and isinstance(value["map"], list):
            return {decode_value(k, _depth + 1): decode_value(v, _depth + 1) for k, v in value["map"]}
    raise FormatError(f"cannot decode the value {value!r:.80}")


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
        "result_substitution": encode_value(dict(d.result_substitution)),
    }
    if report is not None:
        out["check"] = {"ok": report.ok, "decided": report.decided, "counts": dict(report.counts)}
    return out


def derivation_from_json(obj: dict) -> dict:
    """The SymPy objects of a derivation written by `derivation_json`: a dict with the fields of
    `Derivation` (steps as `Step`, assumptions as `Assumption`), no eval anywhere."""
    from derive.core.derivation import Assumption, Relation, Step

    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise FormatError(f"not a derivation: expected format {FORMAT!r}, got {obj.get('format') if isinstance(obj, dict) else type(obj).__name__!r}")
    if obj.get("version") != VERSION:
        raise FormatError(f"unsupported version {obj.get('version')!r}; this reader knows {VERSION}")
    try:
        relations = {r.value: r for r in Relation}
        steps = []
        for s in obj["steps"]:
            if s["relation"] not in relations:
                raise FormatError(f"unknown relation {s['relation']!r}; known: {', '.join(relations)}")
            steps.append(Step(
                expr=decode_value(s["expr"]),
                relation=relations[s["relation"]],
                reason=s["reason"],
                source=s.get("source", ""),
                lhs=decode_value(s.get("lhs")),
                wrt=tuple(decode_value(s.get("wrt", []))),
                alpha=decode_value(s.get("alpha")),
                beta=decode_value(s.get("beta")),
                factor=decode_value(s.get("factor")),
                order=decode_value(s.get("order")),
                small=decode_value(s.get("small")),
                uses=tuple(s.get("uses", ())),
                cites=tuple(int(k) for k in s.get("cites", ())),
            ))
        assumptions = tuple(
            Assumption(a["kind"], decode_value(a["subject"]), a["text"]) for a in obj["assumptions"]
        )
        return {
            "id": obj["id"],
            "title": obj["title"],
            "statement": obj["statement"],
            "topic": obj["topic"],
            "assumptions": assumptions,
            "steps": tuple(steps),
            "result": decode_value(obj["result"]),
            "claim": decode_value(obj["claim"]),
            "variables": tuple(decode_value(obj.get("variables", []))),
            "extras": {k: decode_value(v["value"]) for k, v in obj.get("extras", {}).items()},
            "references": tuple(obj.get("references", ())),
            "sizes": decode_value(obj.get("sizes", {"map": []})),
            "result_substitution": decode_value(obj.get("result_substitution", {"map": []})),
        }
    except KeyError as exc:
        raise FormatError(f"derivation {obj.get('id')!r} lacks the field {exc.args[0]!r}") from exc


def load_derivation(obj: dict):
    """A `Derivation` rebuilt from its JSON (see `derivation_from_json`)."""
    from derive.core.derivation import Derivation

    return Derivation(**derivation_from_json(obj))


def load_export(obj: dict) -> dict:
    """{id: Derivation} from a file written by `derive export` (already parsed with json.load)."""
    if not isinstance(obj, dict) or obj.get("format") != EXPORT_FORMAT:
        raise FormatError(f"not a derive export: expected format {EXPORT_FORMAT!r}")
    return {d["id"]: load_derivation(d) for d in obj.get("derivations", [])}
